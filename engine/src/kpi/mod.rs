//! KPI analytics cells — `funnel`, `retention` and `trend` — over the
//! session's `events`: a cell body parsed into a spec (line-numbered errors,
//! never a panic) → DataFusion SQL (all aggregation partitioned, every result
//! fully ordered, so 1 and N partitions give identical tables) → a
//! [`KpiReport`].
//!
//! ```text
//!  body ─▶ FunnelSpec / RetentionSpec / TrendSpec::parse ─▶ SQL over `events` ─▶ Session ─▶ KpiReport
//!          (line-numbered errors)                          (funnel.rs, retention.rs,        (table, notes)
//!                                                           trend.rs)
//! ```
//!
//! ```
//! use glint_engine::kpi::{self, KpiKind};
//! use glint_engine::ingest::{IngestOptions, ingest};
//! use glint_engine::session::{Session, SessionOptions};
//! let log = concat!(
//!     r#"{"userId":"u1","event":"View","timestamp":"2026-10-01T00:00:00Z"}"#, "\n",
//!     r#"{"userId":"u1","event":"Buy","timestamp":"2026-10-01T00:10:00Z"}"#, "\n",
//!     r#"{"userId":"u2","event":"View","timestamp":"2026-10-01T00:00:00Z"}"#, "\n",
//! );
//! let data = ingest(log.as_bytes(), 1, &IngestOptions::default()).unwrap();
//! let session = Session::new(&data, &SessionOptions::default())?;
//! let report = futures::executor::block_on(kpi::run(&session, KpiKind::Funnel, "step: View\nstep: Buy"))?;
//! assert_eq!(report.table.rows(), 2); // one row per step
//! # Ok::<(), glint_engine::EngineError>(())
//! ```
//!
//! # Cell bodies
//!
//! Like `ab`: one `key: value` per line, `#` starts a comment (not inside
//! `"..."` or `'...'`), blank lines are ignored, keys appear once unless
//! said otherwise. Every kind accepts `unit:` (default `user_id`),
//! `event_column:` (default `event`) and `time_column:` (default `ts`).
//! Columns are names or dotted paths into nested objects
//! (`properties.revenue`). The grammars and exact rules are in
//! [`funnel`], [`retention`] and [`trend`].
//!
//! # Shared rules
//!
//! - Time is UTC: buckets, periods and windows never depend on the
//!   browser's zone (the session's zone is `+00:00`). Only `trend` takes a
//!   `timezone:` key, a fixed UTC offset written in the cell (see [`trend`]).
//! - Events with a NULL time are left out of every KPI; events with a NULL
//!   unit are left out of user-based figures. Both are counted in
//!   [`KpiReport::notes`] when they would otherwise have counted.

pub mod funnel;
pub mod retention;
pub mod trend;

pub use funnel::{FunnelOrder, FunnelSpec, FunnelStep};
pub use retention::{Period, RetentionSpec};
pub use trend::{Bucket, TrendMetric, TrendMetricDef, TrendSpec};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type};
use arrow::record_batch::RecordBatch;

use crate::error::{EngineError, ErrorKind, Result};
use crate::session::{QueryOutput, Session};

/// Which KPI a cell computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiKind {
    Trend,
    Funnel,
    Retention,
}

impl KpiKind {
    /// The cell word: `trend`, `funnel` or `retention` (any case).
    pub fn from_word(word: &str) -> Option<KpiKind> {
        match word.trim().to_ascii_lowercase().as_str() {
            "trend" => Some(KpiKind::Trend),
            "funnel" => Some(KpiKind::Funnel),
            "retention" => Some(KpiKind::Retention),
            _ => None,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            KpiKind::Trend => "trend",
            KpiKind::Funnel => "funnel",
            KpiKind::Retention => "retention",
        }
    }
}

/// A KPI cell's result.
#[derive(Debug, Clone)]
pub struct KpiReport {
    /// Shown like a SQL result; columns per kind in the kind's module docs.
    pub table: QueryOutput,
    /// Sentences for the analyst: rows left out and why.
    pub notes: Vec<String>,
}

/// Parses `body` as a `kind` cell and runs it over the session's `events`.
pub async fn run(session: &Session, kind: KpiKind, body: &str) -> Result<KpiReport> {
    match kind {
        KpiKind::Funnel => funnel::run(session, &FunnelSpec::parse(body)?).await,
        KpiKind::Retention => retention::run(session, &RetentionSpec::parse(body)?).await,
        KpiKind::Trend => trend::run(session, &TrendSpec::parse(body)?).await,
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> EngineError {
    EngineError::new(ErrorKind::InvalidInput, message)
}

/// A cell body split into `key: value` entries, with the errors found so far.
/// Each kind's parser consumes the entries and adds its own errors.
pub(crate) struct Body {
    kind: &'static str,
    /// (line, message); line 0 for the body as a whole.
    errors: Vec<(usize, String)>,
    /// (key, line, value), in body order.
    entries: Vec<(String, usize, String)>,
}

impl Body {
    /// Splits `body`; `keys` are the keys this kind knows, `repeated` those
    /// that may appear more than once.
    pub(crate) fn split(kind: &'static str, body: &str, keys: &[&str], repeated: &[&str]) -> Body {
        let mut b = Body { kind, errors: Vec::new(), entries: Vec::new() };
        for (i, raw) in body.lines().enumerate() {
            let n = i + 1;
            let text = strip_comment(raw).trim();
            if text.is_empty() {
                continue;
            }
            let Some((key, value)) = text.split_once(':') else {
                b.error(n, format!("expected `key: value`, got `{text}`"));
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim().to_string();
            if !keys.contains(&key.as_str()) {
                let hint = keys.iter().find(|k| strsim::jaro_winkler(k, &key) > 0.85);
                let msg = match hint {
                    Some(k) => format!("unknown key `{key}`; did you mean `{k}`?"),
                    None => format!("unknown key `{key}`; keys are {}", keys.join(", ")),
                };
                b.error(n, msg);
            } else if value.is_empty() {
                b.error(n, format!("`{key}` needs a value"));
            } else if let Some(first) =
                b.entries.iter().find(|(k, _, _)| *k == key && !repeated.contains(&key.as_str())).map(|e| e.1)
            {
                b.error(n, format!("`{key}` is given twice (first on line {first})"));
            } else {
                b.entries.push((key, n, value));
            }
        }
        b
    }

    pub(crate) fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push((line, message.into()));
    }

    /// The single value of `key`, with its line.
    pub(crate) fn take(&self, key: &str) -> Option<(usize, String)> {
        self.entries.iter().find(|(k, _, _)| k == key).map(|(_, n, v)| (*n, v.clone()))
    }

    /// Every value of a repeated key, with its line.
    pub(crate) fn all(&self, key: &str) -> Vec<(usize, String)> {
        self.entries.iter().filter(|(k, _, _)| k == key).map(|(_, n, v)| (*n, v.clone())).collect()
    }

    /// A column-valued key (quotes allowed), checked to be a column path.
    pub(crate) fn column(&mut self, key: &str, default: &str) -> String {
        match self.take(key) {
            None => default.to_string(),
            Some((n, v)) => {
                let v = unquote(&v).to_string();
                if !is_column(&v) {
                    self.error(n, format!("`{v}` is not a column name (letters, digits, `_`, dots for nested fields)"));
                }
                v
            }
        }
    }

    /// An optional column-valued key.
    pub(crate) fn optional_column(&mut self, key: &str) -> Option<String> {
        self.take(key).is_some().then(|| self.column(key, ""))
    }

    /// A whole number in `range`, or `default`.
    pub(crate) fn number(&mut self, key: &str, default: u32, range: std::ops::RangeInclusive<u32>) -> u32 {
        match self.take(key) {
            None => default,
            Some((n, v)) => match v.parse::<u32>() {
                Ok(x) if range.contains(&x) => x,
                _ => {
                    self.error(n, format!("`{key}` must be a whole number from {} to {}, got `{v}`", range.start(), range.end()));
                    default
                }
            },
        }
    }

    /// One of `words` (lower-cased), or `default`.
    pub(crate) fn choice(&mut self, key: &str, words: &[&'static str], default: &'static str) -> &'static str {
        match self.take(key) {
            None => default,
            Some((n, v)) => {
                let lower = v.to_ascii_lowercase();
                match words.iter().find(|w| **w == lower) {
                    Some(w) => w,
                    None => {
                        let list: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
                        self.error(n, format!("`{key}` must be one of {}, got `{v}`", list.join(", ")));
                        default
                    }
                }
            }
        }
    }

    /// The parsed spec, or every error at once (lines in order, then the body's).
    pub(crate) fn finish<T>(mut self, spec: T) -> Result<T> {
        if self.errors.is_empty() {
            return Ok(spec);
        }
        self.errors.sort_by_key(|(line, _)| if *line == 0 { usize::MAX } else { *line });
        let mut message = format!("the {} cell has errors:", self.kind);
        for (line, e) in &self.errors {
            message.push_str("\n  ");
            if *line > 0 {
                message.push_str(&format!("line {line}: "));
            }
            message.push_str(e);
        }
        Err(invalid(message))
    }
}

/// The line without a `#` comment (a `#` inside double or single quotes is kept).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            ('#', None) => return &line[..i],
            _ => {}
        }
    }
    line
}

pub(crate) fn unquote(v: &str) -> &str {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') { &v[1..v.len() - 1] } else { v }
}

/// `name` or `a.b.c`: each part a letter or `_` then letters, digits, `_`.
pub(crate) fn is_column(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// A column path as SQL: `"properties"['variant']`, optionally qualified
/// (the same quoting as the explorer's filters, `glint_protocol::explore`).
pub(crate) fn column(qualifier: Option<&str>, path: &str) -> String {
    let col = glint_protocol::explore::column_sql(path);
    match qualifier {
        Some(q) => format!("{q}.{col}"),
        None => col,
    }
}

/// A string literal.
pub(crate) use glint_protocol::explore::string_sql as literal;

/// A user's SQL condition with dotted paths (`properties.vertical`) outside
/// quotes rewritten to nested-field access, so it can run over `events`.
pub(crate) fn rewrite_paths(sql: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.extend(&chars[start..i]);
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let word = word.trim_end_matches('.');
            i = start + word.chars().count();
            if word.contains('.') && is_column(word) { out.push_str(&column(None, word)) } else { out.push_str(word) }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// A duration such as `30s`, `15m`, `2h`, `7d`, in seconds.
pub(crate) fn parse_duration(v: &str) -> Option<i64> {
    let v = v.trim();
    let unit = v.chars().last()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    let n: i64 = v[..v.len() - 1].trim().parse().ok()?;
    (n > 0 && n <= 36_500 * 86_400 / scale).then_some(n * scale)
}

/// Every named column must exist in the log; the time column must be a timestamp.
pub(crate) fn check_columns(session: &Session, named: &[(&str, &str)], time_column: &str) -> Result<()> {
    let fields = session.fields();
    for (role, name) in named {
        if !fields.iter().any(|f| f.name == *name) {
            let best = fields
                .iter()
                .map(|f| (strsim::jaro_winkler(&f.name, name), &f.name))
                .filter(|(s, _)| *s > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let hint = best.map(|(_, n)| format!("; did you mean `{n}`?")).unwrap_or_default();
            return Err(invalid(format!("`{role}`: the log has no column `{name}`{hint}")));
        }
    }
    match fields.iter().find(|f| f.name == time_column) {
        None => Err(invalid(format!(
            "the log has no time column `{time_column}` (name one with `time_column:`): KPIs need event times"
        ))),
        Some(f) if !f.data_type.starts_with("Timestamp") => Err(invalid(format!(
            "`{time_column}` is {}, not a timestamp: most of its values did not parse as times",
            f.data_type
        ))),
        Some(_) => Ok(()),
    }
}

/// A one-row count query's value.
pub(crate) fn count_of(out: &QueryOutput, name: &str) -> Result<i64> {
    Ok(counts(&out.batches, name)?.first().copied().unwrap_or(0))
}

/// A result column by name, as i64 (NULL → 0).
pub(crate) fn counts(batches: &[RecordBatch], name: &str) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for b in batches {
        let col = b
            .column_by_name(name)
            .ok_or_else(|| EngineError::new(ErrorKind::Internal, format!("kpi: the query returned no column `{name}`")))?;
        let col = arrow::compute::cast(col, &DataType::Int64)?;
        let col = col.as_primitive::<Int64Type>();
        out.extend((0..col.len()).map(|i| if col.is_valid(i) { col.value(i) } else { 0 }));
    }
    Ok(out)
}
