//! Phase 2 of ingest: turn one partition's column store into Arrow record
//! batches of the decided schema, collecting type-conflict examples with their
//! global line numbers.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, StructArray,
    TimestampMicrosecondBuilder, UInt64Array,
};
use arrow::buffer::NullBuffer;
use arrow::record_batch::RecordBatch;
use glint_protocol::TypeConflict;

use super::scan::{Cell, Kind, Node, PartitionScan};
use super::shape::{ColumnType, PlanField, SchemaPlan, arrow_fields};
use super::timestamp::parse_timestamp_micros;
use super::IngestOptions;
use crate::error::Result;

/// Phase 2 output for one partition.
#[derive(Debug)]
pub struct FinishedPartition {
    pub batches: Vec<RecordBatch>,
    /// Per conflicted column path, the first conflicts in this partition.
    pub conflict_examples: Vec<(String, Vec<TypeConflict>)>,
}

struct Ctx<'a> {
    scan: &'a PartitionScan,
    line_base: u64,
    max_examples: usize,
    examples: Vec<(String, Vec<TypeConflict>)>,
}

/// Builds the Arrow batches of partition `index` (its position among the
/// summaries the plan was made from).
pub fn finish_partition(
    scan: &PartitionScan,
    plan: &SchemaPlan,
    index: usize,
    opts: &IngestOptions,
) -> Result<FinishedPartition> {
    let mut ctx = Ctx {
        scan,
        line_base: plan.line_bases.get(index).copied().unwrap_or(0),
        max_examples: opts.max_examples,
        examples: Vec::new(),
    };
    let rows = scan.rows;
    let mut columns = level_arrays(&mut ctx, Some(0), &plan.fields);
    for (_, i) in &plan.aliases {
        // The alias shares the source column's buffers (no copy).
        let pos = position_in_level(&plan.fields, *i);
        columns.push(columns[pos].clone());
    }
    if plan.meta_columns {
        let lines: UInt64Array = scan.row_lines.iter().map(|&(l, _)| ctx.line_base + l as u64 + 1).collect();
        let offsets: UInt64Array = scan.row_lines.iter().map(|&(_, o)| o).collect();
        columns.push(Arc::new(lines));
        columns.push(Arc::new(offsets));
    }
    let options = arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(rows));
    let batch = RecordBatch::try_new_with_options(plan.schema.clone(), columns, &options)?;
    let step = opts.batch_rows.max(1);
    let batches = (0..rows).step_by(step).map(|start| batch.slice(start, step.min(rows - start))).collect();
    Ok(FinishedPartition { batches, conflict_examples: ctx.examples })
}

/// Index of field `i` among a level's arrays (raw columns come after conflicted fields).
fn position_in_level(fields: &[PlanField], i: usize) -> usize {
    fields[..i].iter().map(|f| if f.conflicts > 0 { 2 } else { 1 }).sum()
}

/// The arrays of one level (the row, or a struct's members).
fn level_arrays(ctx: &mut Ctx, parent: Option<u32>, fields: &[PlanField]) -> Vec<ArrayRef> {
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        let node = parent.and_then(|p| ctx.scan.nodes[p as usize].child(&f.name));
        let (array, raw) = column(ctx, node, f);
        out.push(array);
        if f.conflicts > 0 {
            out.push(raw.unwrap_or_else(|| Arc::new(StringBuilder::new().finish())));
        }
    }
    out
}

/// One column and, when the field has conflicts, its raw-text column.
fn column(ctx: &mut Ctx, node: Option<u32>, f: &PlanField) -> (ArrayRef, Option<ArrayRef>) {
    let scan: &PartitionScan = ctx.scan;
    let (line_base, max_examples) = (ctx.line_base, ctx.max_examples);
    let rows = scan.rows;
    let mut raw = (f.conflicts > 0).then(|| StringBuilder::with_capacity(rows, 0));
    let empty = Node::default();
    let n = node.map(|id| &scan.nodes[id as usize]).unwrap_or(&empty);
    let mut conflicts: Vec<TypeConflict> = Vec::new();
    let mut on_conflict = |row: usize, cell: Cell, raw: &mut Option<StringBuilder>| {
        let text = cell_json(scan, node, row, cell).to_string();
        if conflicts.len() < max_examples {
            let (line, offset) = scan.row_lines[row];
            let found = match cell {
                Cell::Str { .. } => "string (not a timestamp)".to_string(),
                c => kind_of(c).map(Kind::json_name).unwrap_or("null").to_string(),
            };
            let value = if text.len() > 200 { format!("{}…", truncate(&text, 200)) } else { text.clone() };
            conflicts.push(TypeConflict { line: line_base + line as u64 + 1, offset, found, value });
        }
        if let Some(r) = raw.as_mut() {
            r.append_value(text);
        }
    };
    let array: ArrayRef = match &f.ty {
        ColumnType::Bool => {
            let mut b = BooleanBuilder::with_capacity(rows);
            for row in 0..rows {
                match n.cell(row) {
                    Cell::Bool(v) => push(&mut b, Some(v), &mut raw),
                    Cell::Missing | Cell::Null => push(&mut b, None, &mut raw),
                    c => {
                        b.append_null();
                        on_conflict(row, c, &mut raw);
                    }
                }
            }
            Arc::new(b.finish())
        }
        ColumnType::Int => {
            let mut b = Int64Builder::with_capacity(rows);
            for row in 0..rows {
                match n.cell(row) {
                    Cell::Int(v) => push_i(&mut b, Some(v), &mut raw),
                    Cell::Missing | Cell::Null => push_i(&mut b, None, &mut raw),
                    c => {
                        b.append_null();
                        on_conflict(row, c, &mut raw);
                    }
                }
            }
            Arc::new(b.finish())
        }
        ColumnType::Float => {
            let mut b = Float64Builder::with_capacity(rows);
            for row in 0..rows {
                let v = match n.cell(row) {
                    Cell::Int(v) => Some(v as f64),
                    Cell::Float(v) => Some(v),
                    Cell::Missing | Cell::Null => None,
                    c => {
                        b.append_null();
                        on_conflict(row, c, &mut raw);
                        continue;
                    }
                };
                b.append_option(v);
                if let Some(r) = raw.as_mut() {
                    r.append_null();
                }
            }
            Arc::new(b.finish())
        }
        ColumnType::Utf8 => {
            let mut b = StringBuilder::with_capacity(rows, n.arena.len());
            for row in 0..rows {
                match n.cell(row) {
                    Cell::Str { start, len, .. } => {
                        b.append_value(text_of(n, start, len));
                        if let Some(r) = raw.as_mut() {
                            r.append_null();
                        }
                    }
                    Cell::Missing | Cell::Null => {
                        b.append_null();
                        if let Some(r) = raw.as_mut() {
                            r.append_null();
                        }
                    }
                    c => {
                        b.append_null();
                        on_conflict(row, c, &mut raw);
                    }
                }
            }
            Arc::new(b.finish())
        }
        ColumnType::Timestamp => {
            let mut b = TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
            for row in 0..rows {
                let cell = n.cell(row);
                let v = match cell {
                    Cell::Str { start, len, ts: true } => parse_timestamp_micros(text_of(n, start, len)),
                    Cell::Missing | Cell::Null => None,
                    _ => {
                        b.append_null();
                        on_conflict(row, cell, &mut raw);
                        continue;
                    }
                };
                b.append_option(v);
                if let Some(r) = raw.as_mut() {
                    r.append_null();
                }
            }
            Arc::new(b.finish())
        }
        ColumnType::Json => {
            let mut b = StringBuilder::with_capacity(rows, n.arena.len());
            for row in 0..rows {
                match n.cell(row) {
                    Cell::Array { start, len } => b.append_value(text_of(n, start, len)),
                    c @ Cell::Object => b.append_value(cell_json(scan, node, row, c).to_string()),
                    Cell::Missing | Cell::Null => b.append_null(),
                    c => {
                        b.append_null();
                        on_conflict(row, c, &mut raw);
                        continue;
                    }
                }
                if let Some(r) = raw.as_mut() {
                    r.append_null();
                }
            }
            Arc::new(b.finish())
        }
        ColumnType::Struct(children) => {
            let mut valid = Vec::with_capacity(rows);
            for row in 0..rows {
                match n.cell(row) {
                    Cell::Object => {
                        valid.push(true);
                        if let Some(r) = raw.as_mut() {
                            r.append_null();
                        }
                    }
                    Cell::Missing | Cell::Null => {
                        valid.push(false);
                        if let Some(r) = raw.as_mut() {
                            r.append_null();
                        }
                    }
                    c => {
                        valid.push(false);
                        on_conflict(row, c, &mut raw);
                    }
                }
            }
            drop(on_conflict);
            record(ctx, f, conflicts);
            let arrays = level_arrays(ctx, node, children);
            let nulls = NullBuffer::from(valid);
            let nulls = (nulls.null_count() > 0).then_some(nulls);
            let array = StructArray::try_new(arrow_fields(children), arrays, nulls)
                .expect("struct members are built with the plan's fields and row count");
            return (Arc::new(array), raw.map(|mut r| Arc::new(r.finish()) as ArrayRef));
        }
    };
    drop(on_conflict);
    record(ctx, f, conflicts);
    (array, raw.map(|mut r| Arc::new(r.finish()) as ArrayRef))
}

fn record(ctx: &mut Ctx, f: &PlanField, conflicts: Vec<TypeConflict>) {
    if f.conflicts > 0 {
        ctx.examples.push((f.path.clone(), conflicts));
    }
}

fn push(b: &mut BooleanBuilder, v: Option<bool>, raw: &mut Option<StringBuilder>) {
    b.append_option(v);
    if let Some(r) = raw.as_mut() {
        r.append_null();
    }
}

fn push_i(b: &mut Int64Builder, v: Option<i64>, raw: &mut Option<StringBuilder>) {
    b.append_option(v);
    if let Some(r) = raw.as_mut() {
        r.append_null();
    }
}

fn text_of(n: &Node, start: u32, len: u32) -> &str {
    // The arena only ever receives text that came from a `&str`.
    std::str::from_utf8(n.text(start, len)).unwrap_or_default()
}

fn truncate(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn kind_of(c: Cell) -> Option<Kind> {
    match c {
        Cell::Missing | Cell::Null => None,
        Cell::Bool(_) => Some(Kind::Bool),
        Cell::Int(_) => Some(Kind::Int),
        Cell::Float(_) => Some(Kind::Float),
        Cell::Str { .. } => Some(Kind::Str),
        Cell::Object => Some(Kind::Object),
        Cell::Array { .. } => Some(Kind::Array),
    }
}

/// The JSON value of a cell (objects rebuilt from their member nodes).
fn cell_json(scan: &PartitionScan, node: Option<u32>, row: usize, cell: Cell) -> serde_json::Value {
    use serde_json::Value;
    let n = node.map(|id| &scan.nodes[id as usize]);
    match cell {
        Cell::Missing | Cell::Null => Value::Null,
        Cell::Bool(b) => Value::Bool(b),
        Cell::Int(i) => Value::from(i),
        Cell::Float(f) => serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null),
        Cell::Str { start, len, .. } => Value::String(n.map(|n| text_of(n, start, len).to_owned()).unwrap_or_default()),
        Cell::Array { start, len } => {
            n.and_then(|n| serde_json::from_slice(n.text(start, len)).ok()).unwrap_or(Value::Null)
        }
        Cell::Object => {
            let mut map = serde_json::Map::new();
            if let Some(n) = n {
                for &child in &n.children {
                    let c = scan.nodes[child as usize].cell(row);
                    if c != Cell::Missing {
                        map.insert(scan.nodes[child as usize].name.to_string(), cell_json(scan, Some(child), row, c));
                    }
                }
            }
            Value::Object(map)
        }
    }
}
