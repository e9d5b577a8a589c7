//! The event explorer's statistics over `events`: the overview, every
//! field's profile, the top units and one unit's journey. All counting is
//! DataFusion SQL (partitioned aggregation; every result fully ordered, so
//! 1 and N partitions give the same answer); this module only assembles the
//! [`glint_protocol::explore`] values.
//!
//! ```text
//!  ExploreRequest ─▶ overview / profile / top_users / journey ─▶ SQL over `events` ─▶ ExploreResult
//! ```
//!
//! Rules, documented for users in the README:
//! - Time is the `ts` column (UTC). Histogram buckets are hours, days or
//!   weeks (Monday 00:00 UTC), chosen from the span unless asked for; empty
//!   buckets between the first and last event are listed with 0.
//! - Distinct counts are exact up to [`EXACT_DISTINCT_LIMIT`] (decided by a
//!   HyperLogLog estimate, which is deterministic whatever the partitioning),
//!   estimates beyond, and say which.
//! - A journey is ordered by time then input line; a new session starts when
//!   `context.session_id` changes or, for events without one, after an
//!   inactivity gap.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat};
use glint_protocol::explore::{
    Count, EVENT_COLUMN, EXPERIMENT_COLUMN, ExploreRequest, ExploreResult, FieldProfile, Journey, JourneyEvent,
    Overview, SESSION_COLUMN, TIME_COLUMN, TimeBucket, TimeCount, USER_COLUMN, VARIANT_COLUMN, column_sql, string_sql,
};
use glint_protocol::{FieldInfo, TableData};
use serde_json::Value;

use crate::error::{EngineError, ErrorKind, Result};
use crate::ingest::{LINE_COLUMN, OFFSET_COLUMN};
use crate::session::Session;
use crate::table::{to_json, to_table_data};

/// Event names listed in the overview (the rest are summed as "other").
pub const TOP_EVENTS: usize = 20;
/// Properties listed in the overview.
pub const TOP_PROPERTIES: usize = 12;
/// Top values listed per field.
pub const TOP_VALUES: usize = 5;
/// Distinct counts up to this (as estimated) are counted exactly.
pub const EXACT_DISTINCT_LIMIT: u64 = 10_000;
/// Most histogram buckets (a forced bucket that would need more is refused).
pub const MAX_BUCKETS: i64 = 2_000;
/// Most events a journey lists (all are counted).
pub const MAX_JOURNEY_EVENTS: usize = 2_000;
/// Most units listed by `TopUsers`.
pub const MAX_TOP_USERS: usize = 1_000;

/// Result column names that no log column can shadow in `ORDER BY`.
const V: &str = "__glint_value";
const N: &str = "__glint_count";

/// Answers one explorer request.
pub async fn run(session: &Session, request: &ExploreRequest) -> Result<ExploreResult> {
    Ok(match request {
        ExploreRequest::Overview { bucket } => ExploreResult::Overview(overview(session, *bucket).await?),
        ExploreRequest::Profile => ExploreResult::Profile { fields: profile(session).await? },
        ExploreRequest::TopUsers { limit } => ExploreResult::TopUsers { users: top_users(session, *limit).await? },
        ExploreRequest::Journey { user, gap_minutes } => ExploreResult::Journey(journey(session, user, *gap_minutes).await?),
    })
}

fn invalid(message: impl Into<String>) -> EngineError {
    EngineError::new(ErrorKind::InvalidInput, message)
}

fn field<'a>(session: &'a Session, name: &str) -> Option<&'a FieldInfo> {
    session.fields().iter().find(|f| f.name == name)
}

fn is_time(f: &FieldInfo) -> bool {
    f.data_type.starts_with("Timestamp")
}

fn has_time(session: &Session) -> bool {
    field(session, TIME_COLUMN).is_some_and(is_time)
}

/// Microseconds since the epoch as RFC 3339 UTC text.
pub fn time_text(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| format!("{micros} µs"))
}

async fn table(session: &Session, sql: &str) -> Result<TableData> {
    let out = session.sql(sql).await?;
    to_table_data(&out, usize::MAX)
}

/// The first row of a result by column name.
fn first_row(t: &TableData) -> HashMap<&str, &Value> {
    let mut row = HashMap::new();
    if let Some(values) = t.rows.first() {
        for (c, v) in t.columns.iter().zip(values) {
            row.insert(c.name.as_str(), v);
        }
    }
    row
}

fn as_u64(v: Option<&&Value>) -> u64 {
    v.and_then(|v| v.as_u64()).unwrap_or(0)
}

fn as_i64(v: Option<&&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64())
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `(value, count)` rows (columns 0 and 1) as counts.
fn counts(t: &TableData) -> Vec<Count> {
    t.rows
        .iter()
        .map(|r| Count { value: r.first().and_then(value_text), count: r.get(1).and_then(Value::as_u64).unwrap_or(0) })
        .collect()
}

/// Rows, time range, events per name and over time, top properties.
pub async fn overview(session: &Session, bucket: Option<TimeBucket>) -> Result<Overview> {
    let time = has_time(session);
    let events = field(session, EVENT_COLUMN).is_some();
    let users = field(session, USER_COLUMN).is_some();
    let ts = column_sql(TIME_COLUMN);
    let mut select = vec!["count(*) AS rows".to_string()];
    if time {
        select.push(format!("count({ts}) AS timed"));
        select.push(format!("CAST(min({ts}) AS BIGINT) AS lo"));
        select.push(format!("CAST(max({ts}) AS BIGINT) AS hi"));
    }
    if users {
        select.push(format!("count(DISTINCT {}) AS users", column_sql(USER_COLUMN)));
    }
    if events {
        select.push(format!("count(DISTINCT {}) AS events", column_sql(EVENT_COLUMN)));
    }
    let head = table(session, &format!("SELECT {} FROM events", select.join(", "))).await?;
    let head = first_row(&head);
    let rows = as_u64(head.get("rows"));
    let mut out = Overview { rows, ..Default::default() };
    out.users = users.then(|| as_u64(head.get("users")));
    out.distinct_events = events.then(|| as_u64(head.get("events")));

    if events {
        let e = column_sql(EVENT_COLUMN);
        let sql = format!(
            "SELECT {e} AS {V}, count(*) AS {N} FROM events GROUP BY {e} ORDER BY {N} DESC, {V} NULLS LAST LIMIT {TOP_EVENTS}"
        );
        out.events = counts(&table(session, &sql).await?);
        out.events_other = rows - out.events.iter().map(|c| c.count).sum::<u64>();
    }

    if time {
        out.time_column = Some(TIME_COLUMN.into());
        out.rows_without_time = rows - as_u64(head.get("timed"));
        if let (Some(lo), Some(hi)) = (as_i64(head.get("lo")), as_i64(head.get("hi"))) {
            out.time_min = Some(time_text(lo));
            out.time_max = Some(time_text(hi));
            let b = bucket.unwrap_or_else(|| TimeBucket::for_span((hi - lo) / 1_000_000));
            out.bucket = Some(b);
            out.histogram = histogram(session, b, lo, hi).await?;
        }
    }

    let properties: Vec<&FieldInfo> = session
        .fields()
        .iter()
        .filter(|f| f.name.starts_with("properties.") && f.alias_of.is_none() && f.data_type != "Struct")
        .collect();
    if !properties.is_empty() {
        let select: Vec<String> =
            properties.iter().enumerate().map(|(i, f)| format!("count({}) AS c{i}", column_sql(&f.name))).collect();
        let t = table(session, &format!("SELECT {} FROM events", select.join(", "))).await?;
        let row = first_row(&t);
        let mut found: Vec<Count> = properties
            .iter()
            .enumerate()
            .map(|(i, f)| Count { value: Some(f.name.clone()), count: as_u64(row.get(format!("c{i}").as_str())) })
            .filter(|c| c.count > 0)
            .collect();
        found.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        found.truncate(TOP_PROPERTIES);
        out.top_properties = found;
    }
    Ok(out)
}

/// Rows per time bucket from `lo`'s bucket to `hi`'s, empty buckets included.
async fn histogram(session: &Session, bucket: TimeBucket, lo: i64, hi: i64) -> Result<Vec<TimeCount>> {
    let width = bucket.seconds() * 1_000_000;
    let needed = bucket_index(hi, bucket) - bucket_index(lo, bucket) + 1;
    if needed > MAX_BUCKETS {
        return Err(invalid(format!(
            "{} buckets of one {} are too many to draw (at most {MAX_BUCKETS}); choose a wider bucket",
            needed,
            bucket.word()
        )));
    }
    let ts = column_sql(TIME_COLUMN);
    let sql = format!(
        "SELECT CAST(date_trunc('{w}', {ts}) AS BIGINT) AS b, count(*) AS n FROM events WHERE {ts} IS NOT NULL GROUP BY 1 ORDER BY 1",
        w = bucket.word()
    );
    let t = table(session, &sql).await?;
    let found: Vec<(i64, u64)> = t
        .rows
        .iter()
        .filter_map(|r| Some((r.first()?.as_i64()?, r.get(1)?.as_u64()?)))
        .collect();
    let (Some(first), Some(last)) = (found.first(), found.last()) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    let mut next = found.iter().peekable();
    let mut start = first.0;
    while start <= last.0 {
        let count = match next.peek() {
            Some((b, n)) if *b == start => {
                next.next();
                *n
            }
            _ => 0,
        };
        out.push(TimeCount { start: time_text(start), end: time_text(start + width), count });
        start += width;
    }
    Ok(out)
}

/// Which bucket a time falls in, counted from the epoch's (weeks start on
/// Monday; 1970-01-01 was a Thursday).
fn bucket_index(micros: i64, bucket: TimeBucket) -> i64 {
    let shift = if bucket == TimeBucket::Week { 3 * 86_400_000_000 } else { 0 };
    (micros + shift).div_euclid(bucket.seconds() * 1_000_000)
}

/// Integer and text columns hash as they are; others as their text.
fn hashable(f: &FieldInfo, col: &str) -> String {
    let t = f.data_type.as_str();
    if t.starts_with("Int") || t.starts_with("UInt") || t.starts_with("Utf8") || t == "LargeUtf8" {
        col.to_string()
    } else if is_time(f) {
        format!("CAST({col} AS BIGINT)")
    } else {
        format!("CAST({col} AS VARCHAR)")
    }
}

fn ordered(f: &FieldInfo) -> bool {
    let t = f.data_type.as_str();
    t.starts_with("Int") || t.starts_with("UInt") || t.starts_with("Float") || t.starts_with("Decimal") || is_time(f)
}

/// Every column's statistics, in schema order (nested paths flattened;
/// friendly aliases listed with the column they stand for).
pub async fn profile(session: &Session) -> Result<Vec<FieldProfile>> {
    let fields: Vec<&FieldInfo> = session
        .fields()
        .iter()
        .filter(|f| f.alias_of.is_none() && f.data_type != "Struct" && f.name != LINE_COLUMN && f.name != OFFSET_COLUMN)
        .collect();
    let mut select = vec!["count(*) AS rows".to_string()];
    for (i, f) in fields.iter().enumerate() {
        let col = column_sql(&f.name);
        select.push(format!("count({col}) AS c{i}"));
        select.push(format!("approx_distinct({}) AS d{i}", hashable(f, &col)));
        if ordered(f) {
            let (lo, hi) = if is_time(f) {
                (format!("CAST(min({col}) AS BIGINT)"), format!("CAST(max({col}) AS BIGINT)"))
            } else {
                (format!("min({col})"), format!("max({col})"))
            };
            select.push(format!("{lo} AS lo{i}"));
            select.push(format!("{hi} AS hi{i}"));
        }
    }
    let t = table(session, &format!("SELECT {} FROM events", select.join(", "))).await?;
    let row = first_row(&t);
    let rows = as_u64(row.get("rows"));
    let mut out: Vec<FieldProfile> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let non_null = as_u64(row.get(format!("c{i}").as_str()));
            let get = |k: &str| row.get(format!("{k}{i}").as_str()).copied();
            let bound = |v: Option<&Value>| match v {
                Some(v) if is_time(f) => v.as_i64().map(time_text),
                Some(v) => value_text(v),
                None => None,
            };
            FieldProfile {
                path: f.name.clone(),
                data_type: f.data_type.clone(),
                aliases: session
                    .fields()
                    .iter()
                    .filter(|a| a.alias_of.as_deref() == Some(f.name.as_str()))
                    .map(|a| a.name.clone())
                    .collect(),
                nulls: rows - non_null,
                null_fraction: if rows == 0 { 0.0 } else { (rows - non_null) as f64 / rows as f64 },
                // An estimate can exceed the values counted; it never should.
                distinct: get("d").and_then(Value::as_u64).unwrap_or(0).min(non_null),
                distinct_exact: false,
                min: bound(get("lo")),
                max: bound(get("hi")),
                top: Vec::new(),
                unique: false,
            }
        })
        .collect();

    // Exact distinct counts where the estimate says they are affordable.
    let exact: Vec<usize> = (0..fields.len()).filter(|&i| out[i].distinct <= EXACT_DISTINCT_LIMIT).collect();
    if !exact.is_empty() {
        let select: Vec<String> =
            exact.iter().map(|&i| format!("count(DISTINCT {}) AS x{i}", hashable(fields[i], &column_sql(&fields[i].name)))).collect();
        let t = table(session, &format!("SELECT {} FROM events", select.join(", "))).await?;
        let row = first_row(&t);
        for &i in &exact {
            out[i].distinct = as_u64(row.get(format!("x{i}").as_str()));
            out[i].distinct_exact = true;
        }
    }

    for (i, f) in fields.iter().enumerate() {
        let p = &mut out[i];
        let non_null = rows - p.nulls;
        p.unique = non_null >= 100 && p.distinct * 10 >= non_null * 9;
        if p.unique || non_null == 0 {
            continue;
        }
        let col = column_sql(&f.name);
        let sql = format!(
            "SELECT CAST({col} AS VARCHAR) AS {V}, count(*) AS {N} FROM events WHERE {col} IS NOT NULL GROUP BY 1 ORDER BY {N} DESC, {V} LIMIT {TOP_VALUES}"
        );
        p.top = counts(&table(session, &sql).await?);
        if is_time(f) {
            // Times display as RFC 3339, like everywhere else in the explorer.
            for c in &mut p.top {
                c.value = c.value.take().map(|v| v.replace(' ', "T"));
            }
        }
    }
    Ok(out)
}

/// The units with the most events, most first (ties by unit).
pub async fn top_users(session: &Session, limit: usize) -> Result<Vec<Count>> {
    if field(session, USER_COLUMN).is_none() {
        return Err(invalid(format!("the log has no `{USER_COLUMN}` (userId) column")));
    }
    let u = column_sql(USER_COLUMN);
    let sql = format!(
        "SELECT CAST({u} AS VARCHAR) AS {V}, count(*) AS {N} FROM events WHERE {u} IS NOT NULL GROUP BY 1 ORDER BY {N} DESC, {V} LIMIT {}",
        limit.clamp(1, MAX_TOP_USERS)
    );
    Ok(counts(&table(session, &sql).await?))
}

/// One unit's events in time order (then input order), in sessions.
pub async fn journey(session: &Session, user: &str, gap_minutes: u32) -> Result<Journey> {
    let user = user.trim();
    if user.is_empty() {
        return Err(invalid("name a user id"));
    }
    if field(session, USER_COLUMN).is_none() {
        return Err(invalid(format!("the log has no `{USER_COLUMN}` (userId) column")));
    }
    if gap_minutes == 0 || gap_minutes > 7 * 24 * 60 {
        return Err(invalid("the session gap must be 1 minute to 7 days"));
    }
    let time = has_time(session);
    let by_session_id = field(session, SESSION_COLUMN).is_some();
    let wanted = format!("CAST({} AS VARCHAR) = {}", column_sql(USER_COLUMN), string_sql(user));
    let total = table(session, &format!("SELECT count(*) AS n FROM events WHERE {wanted}")).await?;
    let total_events = as_u64(first_row(&total).get("n"));
    let (time_select, order) = if time {
        let ts = column_sql(TIME_COLUMN);
        (format!(", CAST({ts} AS BIGINT) AS __glint_t"), format!("{ts} NULLS LAST, {LINE_COLUMN}"))
    } else {
        (String::new(), LINE_COLUMN.to_string())
    };
    let meta = field(session, LINE_COLUMN).is_some();
    if !meta {
        return Err(invalid("this log names a column `_line` itself, so rows cannot be traced to input lines"));
    }
    let sql = format!("SELECT *{time_select} FROM events WHERE {wanted} ORDER BY {order} LIMIT {MAX_JOURNEY_EVENTS}");
    let out = session.sql(&sql).await?;
    let rows: Vec<serde_json::Map<String, Value>> = match serde_json::from_str(&to_json(&out.batches)?) {
        Ok(Value::Array(rows)) => rows.into_iter().filter_map(|r| if let Value::Object(m) = r { Some(m) } else { None }).collect(),
        _ => return Err(EngineError::new(ErrorKind::Internal, "journey rows did not convert to JSON objects")),
    };
    let aliases: Vec<&str> = session.fields().iter().filter(|f| f.alias_of.is_some()).map(|f| f.name.as_str()).collect();
    let gap = i64::from(gap_minutes) * 60 * 1_000_000;
    let mut events = Vec::with_capacity(rows.len());
    let mut sessions = 0u32;
    let mut last: Option<(Option<String>, Option<i64>)> = None;
    let mut seen_experiments: Vec<String> = Vec::new();
    for mut row in rows {
        let t = row.remove("__glint_t").and_then(|v| v.as_i64());
        let line = row.get(LINE_COLUMN).and_then(Value::as_u64).unwrap_or(0);
        let sid = path_text(&row, SESSION_COLUMN);
        let new_session = match &last {
            None => true,
            Some((prev_sid, prev_t)) => match (&sid, prev_sid) {
                (Some(s), Some(p)) => s != p,
                _ => matches!((t, prev_t), (Some(t), Some(p)) if t - p > gap),
            },
        };
        if new_session {
            sessions += 1;
        }
        last = Some((sid, t.or(last.as_ref().and_then(|l| l.1))));
        let exposure = path_text(&row, EXPERIMENT_COLUMN).filter(|e| !seen_experiments.contains(e)).map(|e| {
            seen_experiments.push(e.clone());
            match path_text(&row, VARIANT_COLUMN) {
                Some(v) => format!("{e} = {v}"),
                None => e,
            }
        });
        let event = path_text(&row, EVENT_COLUMN);
        for key in aliases.iter().chain(&[LINE_COLUMN, OFFSET_COLUMN]) {
            row.remove(*key);
        }
        events.push(JourneyEvent {
            line,
            time: t.map(time_text),
            event,
            session: sessions,
            exposure,
            json: Value::Object(row).to_string(),
        });
    }
    let sessions_by = if by_session_id {
        format!("{SESSION_COLUMN} (a {gap_minutes}-minute gap where it is missing)")
    } else {
        format!("a {gap_minutes}-minute inactivity gap")
    };
    Ok(Journey { user: user.to_string(), sessions_by, sessions, total_events, events })
}

/// A dotted path's value in a JSON row, as text.
fn path_text(row: &serde_json::Map<String, Value>, path: &str) -> Option<String> {
    let mut parts = path.split('.');
    let mut v = row.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    value_text(v)
}
