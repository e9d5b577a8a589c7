//! The ingest report: what was read, what was skipped and why, and which
//! values did not fit their column's type. Malformed input is output.

use serde::{Deserialize, Serialize};

/// Summary of one ingest (one partition, or several merged).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IngestReport {
    /// Lines that start in the ingested range(s), empty ones included.
    pub lines: u64,
    /// Rows produced (lines that parsed to a JSON object).
    pub rows: u64,
    /// Lines that were empty or only whitespace (ignored, not errors).
    pub empty_lines: u64,
    /// Lines skipped as malformed (all of them, not only the listed ones).
    pub malformed: u64,
    /// The first malformed lines, in input order (at most the configured limit).
    pub malformed_examples: Vec<MalformedLine>,
    /// Per column: values whose JSON type did not match the column type. They
    /// are NULL in the typed column and kept as JSON text in `<name>__raw`.
    pub conflicts: Vec<ColumnConflicts>,
}

impl IngestReport {
    /// Total number of type-conflicting values over all columns.
    pub fn conflict_total(&self) -> u64 {
        self.conflicts.iter().map(|c| c.count).sum()
    }
}

/// One skipped line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MalformedLine {
    /// 1-based line number in the whole input.
    pub line: u64,
    /// Byte offset of the line's first byte in the whole input.
    pub offset: u64,
    /// Why the line was skipped.
    pub reason: String,
    /// The start of the line (at most 200 bytes, lossily decoded).
    pub excerpt: String,
}

/// The type conflicts of one column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnConflicts {
    /// Dotted path of the column (`properties.price`).
    pub column: String,
    /// The column's type, as Glint names it (`string`, `int`, `float`, ...).
    pub expected: String,
    pub count: u64,
    /// The first conflicting values, in input order.
    pub examples: Vec<TypeConflict>,
}

/// One value that did not fit its column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TypeConflict {
    pub line: u64,
    pub offset: u64,
    /// The JSON type found (`number`, `string`, `object`, ...).
    pub found: String,
    /// The value as JSON text (at most 200 bytes).
    pub value: String,
}

/// A column of the `events` table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldInfo {
    /// Dotted path (`properties.variant`) or top-level name.
    pub name: String,
    /// Arrow type, displayed (`Utf8`, `Int64`, `Timestamp(µs, "UTC")`, ...).
    pub data_type: String,
    /// For friendly aliases (`user_id`), the column it stands for (`userId`).
    pub alias_of: Option<String>,
}
