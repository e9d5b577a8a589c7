//! Column classes from arrow type names, and [`ChartSpec::auto`]: a sensible
//! first chart for a fresh query result.

use super::{ChartKind, ChartSpec};
use glint_protocol::ColumnInfo;

/// How a column can be plotted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnClass {
    /// Integers, floats, decimals.
    Numeric,
    /// Timestamps and dates.
    Time,
    /// Strings and booleans: categories.
    Text,
    /// Anything else (lists, structs, binary…): not plotted.
    Other,
}

/// Classifies an arrow `DataType` display string (`Int64`, `Utf8`,
/// `Timestamp(µs, "UTC")`, `Date32`, `Decimal128(10, 2)` …).
pub fn column_class(data_type: &str) -> ColumnClass {
    let t = data_type.trim();
    let head = t.split('(').next().unwrap_or(t);
    match head {
        "Int8" | "Int16" | "Int32" | "Int64" | "UInt8" | "UInt16" | "UInt32" | "UInt64" | "Float16"
        | "Float32" | "Float64" | "Decimal32" | "Decimal64" | "Decimal128" | "Decimal256" => {
            ColumnClass::Numeric
        }
        "Timestamp" | "Date32" | "Date64" => ColumnClass::Time,
        "Utf8" | "LargeUtf8" | "Utf8View" | "Boolean" => ColumnClass::Text,
        "Dictionary" if t.contains("Utf8") => ColumnClass::Text,
        _ => ColumnClass::Other,
    }
}

impl ChartSpec {
    /// A default chart for a result with these columns (no source, no title):
    /// - a time column and numbers → line (x: first time column, y: the
    ///   numbers; with exactly one number, a text column becomes the series);
    /// - a text/bool column and numbers → bar (x: first text column, y: the
    ///   numbers; with exactly one number, a second text column is the series);
    /// - only numbers, two or more → scatter of the first two;
    /// - a single number column → histogram of it (as `x`);
    /// - nothing plottable → `None`.
    pub fn auto(columns: &[ColumnInfo]) -> Option<ChartSpec> {
        let of = |class| -> Vec<&str> {
            columns.iter().filter(|c| column_class(&c.data_type) == class).map(|c| c.name.as_str()).collect()
        };
        let (numeric, time, text) = (of(ColumnClass::Numeric), of(ColumnClass::Time), of(ColumnClass::Text));
        let y: Vec<String> = numeric.iter().map(|s| s.to_string()).collect();
        let spec = |kind, x: &str, y: Vec<String>, series: Option<&str>| ChartSpec {
            x: Some(x.to_string()),
            y,
            series: series.map(str::to_string),
            ..ChartSpec::new(kind)
        };
        let one_number = numeric.len() == 1;
        match (time.first(), text.first(), numeric.len()) {
            (_, _, 0) => None,
            (Some(t), _, _) => {
                Some(spec(ChartKind::Line, t, y, text.first().copied().filter(|_| one_number)))
            }
            (None, Some(x), _) => {
                Some(spec(ChartKind::Bar, x, y, text.get(1).copied().filter(|_| one_number)))
            }
            (None, None, 1) => Some(spec(ChartKind::Histogram, numeric[0], Vec::new(), None)),
            (None, None, _) => Some(spec(ChartKind::Scatter, numeric[0], vec![numeric[1].to_string()], None)),
        }
    }
}
