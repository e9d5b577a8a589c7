//! NDJSON ingest to Arrow, partitioned like Spark / Hadoop input splits.
//!
//! ```text
//!  bytes ──split_ranges──▶ range 0 … range N-1          (each: a browser worker,
//!                              │            │             a server thread, …)
//!               phase 1   scan_partition  scan_partition   → PartitionScan + ScanSummary
//!                              └─────┬──────┘
//!               merge         SchemaPlan::new(summaries)   (types decided once)
//!                              ┌─────┴──────┐
//!               phase 2   finish_partition finish_partition → Arrow batches
//!                              └─────┬──────┘
//!                          merge_reports → IngestReport
//! ```
//!
//! [`ingest`] runs all of it in-process for an input held in memory; the
//! browser and server drivers run the phases where the bytes are and only
//! ship [`ScanSummary`] / [`SchemaPlan`] inputs between them. Whatever the
//! split, the rows, schema and report are the same.

mod build;
mod compression;
mod lines;
mod scan;
mod shape;
mod timestamp;

pub use build::{FinishedPartition, finish_partition};
pub use compression::Compression;
pub use lines::{Line, Lines, RangeInput, split_ranges};
pub use scan::{KindCounts, PartitionScan, scan_partition};
pub use shape::{ColumnType, LINE_COLUMN, OFFSET_COLUMN, PlanField, ScanSummary, SchemaPlan, Shape, type_text};
pub use timestamp::parse_timestamp_micros;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use glint_protocol::{ColumnConflicts, FieldInfo, IngestReport, MalformedLine, TypeConflict};

use crate::error::{EngineError, ErrorKind, Result};

/// What to do with a malformed line (as Spark's JSON reader modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParseMode {
    /// Skip it, count it, list the first ones (the default).
    #[default]
    Permissive,
    /// Stop the ingest with an error naming the line.
    FailFast,
}

impl std::str::FromStr for ParseMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "permissive" => Ok(ParseMode::Permissive),
            "failfast" => Ok(ParseMode::FailFast),
            other => Err(format!("unknown parse mode '{other}' (expected permissive or failfast)")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub mode: ParseMode,
    /// How many malformed lines / conflicts per column are listed (all are counted).
    pub max_examples: usize,
    /// Rows per Arrow record batch.
    pub batch_rows: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions { mode: ParseMode::Permissive, max_examples: 20, batch_rows: 64 * 1024 }
    }
}

/// An ingested log: partitions of Arrow batches with one schema, and the report.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub schema: SchemaRef,
    /// One entry per input range, in input order.
    pub partitions: Vec<Vec<RecordBatch>>,
    pub report: IngestReport,
    pub fields: Vec<FieldInfo>,
    pub bytes: u64,
}

impl Dataset {
    pub fn rows(&self) -> u64 {
        self.report.rows
    }
}

/// Ingests a whole in-memory input split into `partitions` byte ranges.
pub fn ingest(bytes: &[u8], partitions: usize, opts: &IngestOptions) -> Result<Dataset> {
    let scans = split_ranges(bytes.len() as u64, partitions)
        .into_iter()
        .map(|r| scan_partition(RangeInput::slice(bytes, r), opts))
        .collect::<Result<Vec<_>>>()?;
    let summaries: Vec<ScanSummary> = scans.iter().map(PartitionScan::summary).collect();
    let plan = plan_schema(&summaries, opts)?;
    let finished = scans
        .iter()
        .enumerate()
        .map(|(i, s)| finish_partition(s, &plan, i, opts))
        .collect::<Result<Vec<_>>>()?;
    Ok(assemble(&plan, &summaries, finished, opts))
}

/// Merges the partitions' summaries into the schema plan; in `failfast` mode,
/// the first malformed line becomes an error with its global line number.
pub fn plan_schema(summaries: &[ScanSummary], opts: &IngestOptions) -> Result<SchemaPlan> {
    let plan = SchemaPlan::new(summaries);
    if opts.mode == ParseMode::FailFast {
        if let Some(bad) = global_malformed(&plan, summaries).into_iter().next() {
            return Err(EngineError::new(
                ErrorKind::MalformedInput,
                format!(
                    "line {} (byte offset {}) is malformed: {} (mode failfast; use permissive to skip such lines)",
                    bad.line, bad.offset, bad.reason
                ),
            ));
        }
    }
    Ok(plan)
}

fn global_malformed(plan: &SchemaPlan, summaries: &[ScanSummary]) -> Vec<MalformedLine> {
    summaries
        .iter()
        .zip(&plan.line_bases)
        .flat_map(|(s, base)| {
            s.malformed_examples.iter().map(move |m| MalformedLine { line: base + m.line + 1, ..m.clone() })
        })
        .collect()
}

/// Puts finished partitions together into a dataset with the merged report.
pub fn assemble(
    plan: &SchemaPlan,
    summaries: &[ScanSummary],
    finished: Vec<FinishedPartition>,
    opts: &IngestOptions,
) -> Dataset {
    let mut report = merge_reports(plan, summaries, finished.iter().map(|f| &f.conflict_examples), opts);
    report.malformed_examples.truncate(opts.max_examples);
    Dataset {
        schema: plan.schema.clone(),
        partitions: finished.into_iter().map(|f| f.batches).collect(),
        report,
        fields: plan.field_infos(),
        bytes: summaries.iter().map(|s| s.bytes).sum(),
    }
}

/// The whole input's report from the partitions' summaries and conflict examples.
pub fn merge_reports<'a>(
    plan: &SchemaPlan,
    summaries: &[ScanSummary],
    conflict_examples: impl Iterator<Item = &'a Vec<(String, Vec<TypeConflict>)>>,
    opts: &IngestOptions,
) -> IngestReport {
    let mut conflicts: Vec<ColumnConflicts> = Vec::new();
    fn collect(fields: &[PlanField], out: &mut Vec<ColumnConflicts>) {
        for f in fields {
            if f.conflicts > 0 {
                let (column, expected) = (f.path.clone(), f.ty.name().to_string());
                out.push(ColumnConflicts { column, expected, count: f.conflicts, examples: vec![] });
            }
            if let ColumnType::Struct(children) = &f.ty {
                collect(children, out);
            }
        }
    }
    collect(&plan.fields, &mut conflicts);
    for part in conflict_examples {
        for (path, examples) in part {
            if let Some(c) = conflicts.iter_mut().find(|c| &c.column == path) {
                let room = opts.max_examples.saturating_sub(c.examples.len());
                c.examples.extend(examples.iter().take(room).cloned());
            }
        }
    }
    IngestReport {
        lines: summaries.iter().map(|s| s.lines).sum(),
        rows: summaries.iter().map(|s| s.rows).sum(),
        empty_lines: summaries.iter().map(|s| s.empty_lines).sum(),
        malformed: summaries.iter().map(|s| s.malformed).sum(),
        malformed_examples: global_malformed(plan, summaries).into_iter().take(opts.max_examples).collect(),
        conflicts,
    }
}
