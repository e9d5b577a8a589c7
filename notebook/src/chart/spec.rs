//! [`ChartSpec`]: the parsed body of a chart cell, and its canonical text.

use crate::NotebookError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    Bar,
    Line,
    Area,
    Scatter,
    Histogram,
}

impl ChartKind {
    pub const ALL: [ChartKind; 5] =
        [ChartKind::Bar, ChartKind::Line, ChartKind::Area, ChartKind::Scatter, ChartKind::Histogram];

    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Bar => "bar",
            ChartKind::Line => "line",
            ChartKind::Area => "area",
            ChartKind::Scatter => "scatter",
            ChartKind::Histogram => "histogram",
        }
    }

    /// Case-insensitive.
    pub fn from_name(name: &str) -> Option<ChartKind> {
        ChartKind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// What to draw. Column names are result column names (matched exactly,
/// then case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartSpec {
    pub kind: ChartKind,
    /// The named SQL cell to read; `None`: the nearest SQL cell above.
    pub source: Option<String>,
    pub x: Option<String>,
    pub y: Vec<String>,
    /// A column whose values split the rows into series.
    pub series: Option<String>,
    /// Histogram bin count (1..=200); `None`: automatic.
    pub bins: Option<u32>,
    pub title: Option<String>,
}

const KEYS: &str = "source, kind, x, y, series, bins or title";

/// `key: value` of one body line; `None` for blank and `#` comment lines.
fn key_value(line: &str) -> Option<Result<(String, &str), ()>> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    Some(t.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim())).ok_or(()))
}

/// The `source:` of a chart body, even when other lines are malformed.
pub(crate) fn source_of(body: &str) -> Option<String> {
    body.split('\n').find_map(|line| match key_value(line) {
        Some(Ok((k, v))) if k == "source" && !v.is_empty() => Some(v.to_string()),
        _ => None,
    })
}

fn opt(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

impl ChartSpec {
    /// A spec of `kind` with nothing else set.
    pub fn new(kind: ChartKind) -> ChartSpec {
        ChartSpec { kind, source: None, x: None, y: Vec::new(), series: None, bins: None, title: None }
    }

    /// Parses a chart cell body; errors carry the line within the body.
    pub fn parse(body: &str) -> Result<ChartSpec, NotebookError> {
        let mut spec = ChartSpec::new(ChartKind::Bar);
        let mut kind = None;
        let mut seen: Vec<String> = Vec::new();
        for (n, line) in body.split('\n').enumerate() {
            let err = |m: String| NotebookError::new(n + 1, m);
            let Some(kv) = key_value(line) else { continue };
            let (key, value) = kv.map_err(|()| err(format!("expected `key: value` (keys: {KEYS})")))?;
            if seen.contains(&key) {
                return Err(err(format!("`{key}` is given twice")));
            }
            match key.as_str() {
                "kind" => {
                    kind = Some(ChartKind::from_name(value).ok_or_else(|| {
                        err(format!(
                            "unknown chart kind `{value}`: use bar, line, area, scatter or histogram"
                        ))
                    })?)
                }
                "source" => spec.source = opt(value),
                "x" => spec.x = opt(value),
                "y" => {
                    spec.y = value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                }
                "series" => spec.series = opt(value),
                "bins" if value.is_empty() => spec.bins = None,
                "bins" => match value.parse::<u32>() {
                    Ok(b @ 1..=200) => spec.bins = Some(b),
                    _ => {
                        return Err(err(format!("bins must be a whole number from 1 to 200, not `{value}`")));
                    }
                },
                "title" => spec.title = opt(value),
                _ => return Err(err(format!("unknown chart key `{key}`: use {KEYS}"))),
            }
            seen.push(key);
        }
        spec.kind = kind.ok_or_else(|| {
            NotebookError::new(1, "missing `kind:` (bar, line, area, scatter or histogram)")
        })?;
        Ok(spec)
    }

    /// The canonical body: `source`, `kind`, `x`, `y`, `series`, `bins`,
    /// `title`, one per line, unset keys left out, no final newline.
    pub fn to_body(&self) -> String {
        let mut lines = Vec::new();
        if let Some(s) = &self.source {
            lines.push(format!("source: {s}"));
        }
        lines.push(format!("kind: {}", self.kind.name()));
        if let Some(x) = &self.x {
            lines.push(format!("x: {x}"));
        }
        if !self.y.is_empty() {
            lines.push(format!("y: {}", self.y.join(", ")));
        }
        if let Some(s) = &self.series {
            lines.push(format!("series: {s}"));
        }
        if let Some(b) = self.bins {
            lines.push(format!("bins: {b}"));
        }
        if let Some(t) = &self.title {
            lines.push(format!("title: {t}"));
        }
        lines.join("\n")
    }
}
