//! Between the phases: each partition's [`Shape`] (paths in first-appearance
//! order with the JSON kinds counted) is merged at the coordinator into one
//! [`SchemaPlan`] that decides every column's type. Merging in partition order
//! keeps first-appearance order, so 1 and N partitions give the same schema.
//!
//! Type rule per path: the JSON kind with the most values wins (integers and
//! floats count together as numbers: a float makes the column `Float64`);
//! strings are `Timestamp(µs, UTC)` when at least 95% of them parse as a
//! date-time (the rest are conflicts: one stray "yesterday" must not turn a
//! whole log's time column into text);
//! objects become structs. Values of other kinds are type conflicts: NULL in
//! the column, counted, and kept as JSON text in a `<name>__raw` column.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};

use super::scan::{Kind, KindCounts, PartitionScan};
use glint_protocol::{FieldInfo, MalformedLine};

/// The paths of one partition (or of several merged), with kinds counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    pub name: String,
    pub counts: KindCounts,
    pub children: Vec<Shape>,
}

impl Shape {
    fn merge(&mut self, other: &Shape) {
        self.counts.add(&other.counts);
        for oc in &other.children {
            match self.children.iter_mut().find(|c| c.name == oc.name) {
                Some(c) => c.merge(oc),
                None => self.children.push(oc.clone()),
            }
        }
    }
}

/// What phase 1 of one partition tells the coordinator (small, serializable).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanSummary {
    pub shape: Shape,
    pub lines: u64,
    pub rows: u64,
    pub empty_lines: u64,
    pub malformed: u64,
    /// Line numbers here are 0-based within the partition.
    pub malformed_examples: Vec<MalformedLine>,
    pub bytes: u64,
}

impl PartitionScan {
    pub fn summary(&self) -> ScanSummary {
        fn shape(scan: &PartitionScan, id: u32) -> Shape {
            let n = &scan.nodes[id as usize];
            Shape {
                name: n.name.to_string(),
                counts: n.counts,
                children: n.children.iter().map(|&c| shape(scan, c)).collect(),
            }
        }
        ScanSummary {
            shape: shape(self, 0),
            lines: self.lines,
            rows: self.rows as u64,
            empty_lines: self.empty_lines,
            malformed: self.malformed,
            malformed_examples: self.malformed_examples.clone(),
            bytes: self.bytes,
        }
    }
}

/// A column's decided type.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnType {
    Bool,
    Int,
    Float,
    Utf8,
    Timestamp,
    /// Arrays (and objects without members) as JSON text.
    Json,
    Struct(Vec<PlanField>),
}

impl ColumnType {
    /// Glint's name for the type in reports.
    pub fn name(&self) -> &'static str {
        match self {
            ColumnType::Bool => "boolean",
            ColumnType::Int => "integer",
            ColumnType::Float => "float",
            ColumnType::Utf8 => "string",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Json => "json",
            ColumnType::Struct(_) => "object",
        }
    }

    /// Whether a value of JSON kind `k` fits this type (a string in a
    /// timestamp column fits only if it parses, checked per value).
    pub fn accepts(&self, k: Kind) -> bool {
        matches!(
            (self, k),
            (ColumnType::Bool, Kind::Bool)
                | (ColumnType::Int, Kind::Int)
                | (ColumnType::Float, Kind::Int | Kind::Float)
                | (ColumnType::Utf8 | ColumnType::Timestamp, Kind::Str)
                | (ColumnType::Json, Kind::Array | Kind::Object)
                | (ColumnType::Struct(_), Kind::Object)
        )
    }
}

/// One decided column.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanField {
    pub name: String,
    /// Dotted path from the row (`properties.variant`).
    pub path: String,
    pub ty: ColumnType,
    /// Values (over all partitions) that do not fit `ty`.
    pub conflicts: u64,
}

impl PlanField {
    pub fn data_type(&self) -> DataType {
        match &self.ty {
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Int => DataType::Int64,
            ColumnType::Float => DataType::Float64,
            ColumnType::Utf8 | ColumnType::Json => DataType::Utf8,
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            ColumnType::Struct(children) => DataType::Struct(arrow_fields(children)),
        }
    }

    pub fn raw_name(&self) -> String {
        format!("{}__raw", self.name)
    }
}

/// Arrow fields of a level: each column, followed by its `__raw` column when it has conflicts.
pub fn arrow_fields(fields: &[PlanField]) -> Fields {
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        out.push(Field::new(&f.name, f.data_type(), true));
        if f.conflicts > 0 {
            out.push(Field::new(f.raw_name(), DataType::Utf8, true));
        }
    }
    out.into()
}

/// Friendly top-level names for well-known Segment / Snowplow fields:
/// (friendly name, source candidates in order of preference, must be a timestamp).
const ALIASES: &[(&str, &[&str], bool)] = &[
    ("event", &["event_name"], false),
    ("user_id", &["userId"], false),
    ("anonymous_id", &["anonymousId", "domain_userid"], false),
    ("message_id", &["messageId", "event_id"], false),
    ("ts", &["timestamp", "derived_tstamp", "collector_tstamp", "originalTimestamp", "sentAt"], true),
];

/// Row metadata columns appended to every row: 1-based line number and byte offset.
pub const LINE_COLUMN: &str = "_line";
pub const OFFSET_COLUMN: &str = "_offset";

/// The merged, decided schema plus what phase 2 needs per partition.
#[derive(Debug, Clone)]
pub struct SchemaPlan {
    pub fields: Vec<PlanField>,
    /// (friendly name, index into `fields`).
    pub aliases: Vec<(String, usize)>,
    /// Whether `_line` / `_offset` are added (not when the data has such keys).
    pub meta_columns: bool,
    /// Global line number of each partition's first line, minus one.
    pub line_bases: Vec<u64>,
    pub schema: SchemaRef,
    pub merged: Shape,
}

impl SchemaPlan {
    pub fn new(summaries: &[ScanSummary]) -> SchemaPlan {
        let mut merged = Shape::default();
        let mut line_bases = Vec::with_capacity(summaries.len());
        let mut lines = 0;
        for s in summaries {
            merged.merge(&s.shape);
            line_bases.push(lines);
            lines += s.lines;
        }
        let fields: Vec<PlanField> = merged.children.iter().map(|c| decide(c, "")).collect();
        let mut aliases = Vec::new();
        for (friendly, sources, want_ts) in ALIASES {
            if fields.iter().any(|f| f.name == *friendly) {
                continue;
            }
            let found = sources.iter().find_map(|src| {
                fields.iter().position(|f| {
                    f.name == *src
                        && if *want_ts { f.ty == ColumnType::Timestamp } else { !matches!(f.ty, ColumnType::Struct(_)) }
                })
            });
            if let Some(i) = found {
                aliases.push((friendly.to_string(), i));
            }
        }
        let meta_columns = !fields.iter().any(|f| f.name == LINE_COLUMN || f.name == OFFSET_COLUMN);
        let mut arrow: Vec<Field> = arrow_fields(&fields).iter().map(|f| f.as_ref().clone()).collect();
        for (friendly, i) in &aliases {
            arrow.push(Field::new(friendly, fields[*i].data_type(), true));
        }
        if meta_columns {
            arrow.push(Field::new(LINE_COLUMN, DataType::UInt64, false));
            arrow.push(Field::new(OFFSET_COLUMN, DataType::UInt64, false));
        }
        SchemaPlan { fields, aliases, meta_columns, line_bases, schema: Arc::new(Schema::new(arrow)), merged }
    }

    /// Every column as the UI lists it: nested paths flattened, aliases marked.
    pub fn field_infos(&self) -> Vec<FieldInfo> {
        fn walk(fields: &[PlanField], out: &mut Vec<FieldInfo>) {
            for f in fields {
                out.push(FieldInfo { name: f.path.clone(), data_type: type_text(&f.data_type()), alias_of: None });
                if f.conflicts > 0 {
                    let raw = match f.path.rsplit_once('.') {
                        Some((parent, _)) => format!("{parent}.{}", f.raw_name()),
                        None => f.raw_name(),
                    };
                    out.push(FieldInfo { name: raw, data_type: "Utf8".into(), alias_of: None });
                }
                if let ColumnType::Struct(children) = &f.ty {
                    walk(children, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.fields, &mut out);
        for (friendly, i) in &self.aliases {
            let f = &self.fields[*i];
            out.push(FieldInfo {
                name: friendly.clone(),
                data_type: type_text(&f.data_type()),
                alias_of: Some(f.path.clone()),
            });
        }
        if self.meta_columns {
            for m in [LINE_COLUMN, OFFSET_COLUMN] {
                out.push(FieldInfo { name: m.into(), data_type: "UInt64".into(), alias_of: None });
            }
        }
        out
    }
}

/// A short display of an Arrow type (structs as `Struct`).
pub fn type_text(t: &DataType) -> String {
    match t {
        DataType::Struct(_) => "Struct".into(),
        DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) => format!("Timestamp(µs, {tz})"),
        other => other.to_string(),
    }
}

/// Share of a column's strings (in percent) that must parse as date-times for
/// the column to be a timestamp.
pub const TIMESTAMP_PERCENT: u64 = 95;

fn decide(shape: &Shape, parent_path: &str) -> PlanField {
    let path = if parent_path.is_empty() { shape.name.clone() } else { format!("{parent_path}.{}", shape.name) };
    let c = &shape.counts;
    // Ties go to the earlier entry.
    let candidates = [
        (Kind::Object, c.object),
        (Kind::Str, c.str),
        (Kind::Float, c.int + c.float),
        (Kind::Bool, c.bool),
        (Kind::Array, c.array),
    ];
    let (winner, won) = candidates.iter().fold((Kind::Str, 0), |best, &(k, n)| if n > best.1 { (k, n) } else { best });
    let ty = match winner {
        _ if won == 0 => ColumnType::Utf8,
        Kind::Object if shape.children.is_empty() => ColumnType::Json,
        Kind::Object => ColumnType::Struct(shape.children.iter().map(|ch| decide(ch, &path)).collect()),
        Kind::Str if c.ts > 0 && c.ts * 100 >= c.str * TIMESTAMP_PERCENT => ColumnType::Timestamp,
        Kind::Str => ColumnType::Utf8,
        Kind::Float if c.float == 0 => ColumnType::Int,
        Kind::Float | Kind::Int => ColumnType::Float,
        Kind::Bool => ColumnType::Bool,
        Kind::Array => ColumnType::Json,
    };
    let fits: u64 = match &ty {
        ColumnType::Json => c.array + c.object,
        ColumnType::Timestamp => c.ts,
        _ => won,
    };
    PlanField { name: shape.name.clone(), path, ty, conflicts: c.non_null() - fits }
}
