//! The event explorer's wire types: requests ([`ExploreRequest`]), what the
//! engine answers ([`ExploreResult`]), and the filter builder's [`Filter`],
//! which turns into the SQL a notebook cell (or a drill-down) runs.
//!
//! Every number in these types is computed by the engine (in a worker);
//! the UI only displays them.
//!
//! ```
//! use glint_protocol::explore::{Condition, Filter, Op};
//! let filter = Filter {
//!     event: Some("Order Completed".into()),
//!     conditions: vec![Condition { path: "properties.revenue".into(), op: Op::Gt, value: serde_json::json!(100) }],
//!     from: Some("2026-10-01T00:00:00Z".into()),
//!     to: None,
//! };
//! assert_eq!(
//!     filter.where_clause().unwrap(),
//!     "\"event\" = 'Order Completed' AND \"properties\"['revenue'] > 100 AND \"ts\" >= TIMESTAMP '2026-10-01T00:00:00Z'"
//! );
//! ```

use serde::{Deserialize, Serialize};

/// The columns the explorer reads, by their friendly names (see the ingest's
/// Segment aliases): event name, unit and event time.
pub const EVENT_COLUMN: &str = "event";
pub const USER_COLUMN: &str = "user_id";
pub const TIME_COLUMN: &str = "ts";
/// Where a Segment-style log keeps its session id.
pub const SESSION_COLUMN: &str = "context.session_id";
/// The property that marks an event as an experiment exposure.
pub const EXPERIMENT_COLUMN: &str = "properties.experiment_id";
pub const VARIANT_COLUMN: &str = "properties.variant";

/// What the explorer asks the engine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum ExploreRequest {
    /// Rows, time range, events per name, events over time, top properties.
    /// `bucket: None` picks the histogram's bucket from the time span.
    Overview { bucket: Option<TimeBucket> },
    /// Every field's statistics.
    Profile,
    /// The units with the most events.
    TopUsers { limit: usize },
    /// One unit's events in time order, grouped into sessions.
    Journey { user: String, gap_minutes: u32 },
}

/// The engine's answer to an [`ExploreRequest`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum ExploreResult {
    Overview(Overview),
    Profile { fields: Vec<FieldProfile> },
    TopUsers { users: Vec<Count> },
    Journey(Journey),
}

/// A value (NULL as `None`) and how many rows have it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Count {
    pub value: Option<String>,
    pub count: u64,
}

/// The width of a time histogram's buckets (weeks start on Monday, UTC).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimeBucket {
    Hour,
    Day,
    Week,
}

impl TimeBucket {
    pub fn word(self) -> &'static str {
        match self {
            TimeBucket::Hour => "hour",
            TimeBucket::Day => "day",
            TimeBucket::Week => "week",
        }
    }

    pub fn seconds(self) -> i64 {
        match self {
            TimeBucket::Hour => 3_600,
            TimeBucket::Day => 86_400,
            TimeBucket::Week => 7 * 86_400,
        }
    }

    /// The bucket for a time span: hours up to 2 days, days up to 120 days,
    /// weeks beyond (at most ~60 buckets for spans up to a year).
    pub fn for_span(seconds: i64) -> TimeBucket {
        if seconds <= 2 * 86_400 {
            TimeBucket::Hour
        } else if seconds <= 120 * 86_400 {
            TimeBucket::Day
        } else {
            TimeBucket::Week
        }
    }
}

/// One histogram bar: rows with `start <= time < end` (RFC 3339, UTC).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TimeCount {
    pub start: String,
    pub end: String,
    pub count: u64,
}

/// The overview shown when a log is loaded.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Overview {
    pub rows: u64,
    /// The time column (`ts`) if the log has one; the range and histogram need it.
    pub time_column: Option<String>,
    pub time_min: Option<String>,
    pub time_max: Option<String>,
    /// Rows whose time is NULL (missing or unparseable): not in the histogram.
    pub rows_without_time: u64,
    /// Distinct units (`user_id`), exact; `None` without a unit column.
    pub users: Option<u64>,
    /// Distinct event names (NULL not counted); `None` without an `event` column.
    pub distinct_events: Option<u64>,
    /// The most frequent event names, most frequent first (ties by name).
    pub events: Vec<Count>,
    /// Rows whose event name is not among `events`.
    pub events_other: u64,
    pub bucket: Option<TimeBucket>,
    /// Every bucket from the first to the last event, empty ones included.
    pub histogram: Vec<TimeCount>,
    /// Properties (`properties.*` leaves) by how many rows have them, most first.
    pub top_properties: Vec<Count>,
}

/// One column's statistics.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FieldProfile {
    /// Dotted path (`properties.revenue`).
    pub path: String,
    pub data_type: String,
    /// Friendly names that stand for this column (`user_id` for `userId`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub nulls: u64,
    /// `nulls / rows` (0 for an empty log).
    pub null_fraction: f64,
    /// Distinct non-NULL values: exact when `distinct_exact`, otherwise a
    /// HyperLogLog estimate (about ±2%, never above the non-NULL count).
    pub distinct: u64,
    pub distinct_exact: bool,
    /// For numbers and times.
    pub min: Option<String>,
    pub max: Option<String>,
    /// The most frequent values, most first (ties by value); empty when
    /// nearly every value is distinct (see `unique`).
    pub top: Vec<Count>,
    /// Nearly every value is distinct (ids): top values would all be 1.
    pub unique: bool,
}

/// One unit's events in time order, numbered into sessions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Journey {
    pub user: String,
    /// How sessions were cut: `context.session_id`, or an inactivity gap.
    pub sessions_by: String,
    pub sessions: u32,
    /// All the unit's events (may exceed `events.len()`).
    pub total_events: u64,
    pub events: Vec<JourneyEvent>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct JourneyEvent {
    /// 1-based line of the event in the input.
    pub line: u64,
    pub time: Option<String>,
    pub event: Option<String>,
    /// 1-based session number.
    pub session: u32,
    /// Set on the unit's first event of each experiment: `experiment = variant`.
    pub exposure: Option<String>,
    /// The row as a JSON object (as parsed: typed values, no friendly aliases).
    pub json: String,
}

/// The filter builder's state: every part optional, all parts must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Filter {
    /// `event = …`.
    pub event: Option<String>,
    pub conditions: Vec<Condition>,
    /// `ts >= from` (RFC 3339).
    pub from: Option<String>,
    /// `ts < to` (RFC 3339).
    pub to: Option<String>,
}

/// `path op value` on one column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Condition {
    pub path: String,
    pub op: Op,
    /// A string, number or boolean (ignored by `is_null` / `is_not_null`).
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Text contains the value (case-sensitive).
    Contains,
    IsNull,
    IsNotNull,
}

impl Op {
    pub const ALL: [Op; 9] = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::Contains, Op::IsNull, Op::IsNotNull];

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IsNull => "is null",
            Op::IsNotNull => "is not null",
        }
    }

    pub fn from_symbol(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.symbol() == s)
    }
}

/// A column path as SQL: `"properties"['variant']` for `properties.variant`.
pub fn column_sql(path: &str) -> String {
    let mut parts = path.split('.');
    let mut out = format!("\"{}\"", parts.next().unwrap_or_default().replace('"', "\"\""));
    for part in parts {
        out.push_str(&format!("['{}']", part.replace('\'', "''")));
    }
    out
}

/// A SQL string literal.
pub fn string_sql(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn value_sql(path: &str, v: &serde_json::Value) -> Result<String, String> {
    use serde_json::Value as V;
    match v {
        V::String(s) => Ok(string_sql(s)),
        V::Number(n) => Ok(n.to_string()),
        V::Bool(b) => Ok(b.to_string()),
        _ => Err(format!("`{path}`: compare with a text, a number or true/false, not {v}")),
    }
}

/// A time bound: RFC 3339 text, checked so that nothing but a time reaches SQL.
fn time_sql(bound: &str) -> Result<String, String> {
    let ok = !bound.is_empty()
        && bound.len() <= 40
        && bound.starts_with(|c: char| c.is_ascii_digit())
        && bound.chars().all(|c| c.is_ascii_alphanumeric() || "-:.+ ".contains(c));
    if ok { Ok(format!("TIMESTAMP '{bound}'")) } else { Err(format!("`{bound}` is not a time (use 2026-10-01T00:00:00Z)")) }
}

impl Filter {
    /// The conditions as a SQL boolean expression over `events` (`TRUE`
    /// when the filter is empty).
    pub fn where_clause(&self) -> Result<String, String> {
        let mut parts = Vec::new();
        if let Some(event) = &self.event {
            parts.push(format!("{} = {}", column_sql(EVENT_COLUMN), string_sql(event)));
        }
        for c in &self.conditions {
            if c.path.trim().is_empty() {
                return Err("a condition has no column".into());
            }
            let col = column_sql(c.path.trim());
            parts.push(match c.op {
                Op::IsNull => format!("{col} IS NULL"),
                Op::IsNotNull => format!("{col} IS NOT NULL"),
                Op::Contains => match &c.value {
                    serde_json::Value::String(s) => format!("strpos(CAST({col} AS VARCHAR), {}) > 0", string_sql(s)),
                    other => format!("strpos(CAST({col} AS VARCHAR), {}) > 0", string_sql(&other.to_string())),
                },
                op => format!("{col} {} {}", op.symbol(), value_sql(&c.path, &c.value)?),
            });
        }
        if let Some(from) = &self.from {
            parts.push(format!("{} >= {}", column_sql(TIME_COLUMN), time_sql(from)?));
        }
        if let Some(to) = &self.to {
            parts.push(format!("{} < {}", column_sql(TIME_COLUMN), time_sql(to)?));
        }
        Ok(if parts.is_empty() { "TRUE".into() } else { parts.join(" AND ") })
    }

    /// The matching rows, in input order.
    pub fn rows_sql(&self) -> Result<String, String> {
        Ok(format!("SELECT *\nFROM events\nWHERE {}\nORDER BY _line", self.where_clause()?))
    }

    /// The units behind the matching rows, most events first.
    pub fn users_sql(&self) -> Result<String, String> {
        Ok(format!(
            "SELECT {u} AS user_id, count(*) AS events\nFROM events\nWHERE {w}\nGROUP BY {u}\nORDER BY events DESC, user_id",
            u = column_sql(USER_COLUMN),
            w = self.where_clause()?
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_become_sql_and_refuse_what_is_not_a_value() {
        let cases: [(Filter, Result<&str, &str>); 5] = [
            (Filter::default(), Ok("TRUE")),
            (
                Filter { event: Some("it's".into()), ..Default::default() },
                Ok("\"event\" = 'it''s'"),
            ),
            (
                Filter {
                    conditions: vec![
                        Condition { path: "context.device.type".into(), op: Op::Contains, value: json!("mob") },
                        Condition { path: "userId".into(), op: Op::IsNull, value: json!(null) },
                        Condition { path: "properties.ok".into(), op: Op::Ne, value: json!(true) },
                    ],
                    to: Some("2026-10-02".into()),
                    ..Default::default()
                },
                Ok("strpos(CAST(\"context\"['device']['type'] AS VARCHAR), 'mob') > 0 AND \"userId\" IS NULL AND \"properties\"['ok'] <> true AND \"ts\" < TIMESTAMP '2026-10-02'"),
            ),
            (
                Filter { from: Some("2026'; DROP".into()), ..Default::default() },
                Err("`2026'; DROP` is not a time (use 2026-10-01T00:00:00Z)"),
            ),
            (
                Filter { conditions: vec![Condition { path: "a".into(), op: Op::Eq, value: json!([1]) }], ..Default::default() },
                Err("`a`: compare with a text, a number or true/false, not [1]"),
            ),
        ];
        for (filter, expected) in cases {
            assert_eq!(filter.where_clause().as_deref(), expected.map_err(str::to_string).as_deref());
        }
    }

    #[test]
    fn buckets_follow_the_span() {
        assert_eq!(TimeBucket::for_span(3600), TimeBucket::Hour);
        assert_eq!(TimeBucket::for_span(2 * 86_400 + 1), TimeBucket::Day);
        assert_eq!(TimeBucket::for_span(121 * 86_400), TimeBucket::Week);
        assert_eq!(Op::from_symbol("is not null"), Some(Op::IsNotNull));
    }
}
