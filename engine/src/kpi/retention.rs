//! Retention: per cohort of users who first did an event in the same
//! period, how many came back (did the return event) in each later period.
//!
//! # The cell body
//!
//! ```text
//! cohort: Experiment Viewed   # the cohort is the period of the user's FIRST such event
//! return: Order Completed     # a return is doing this event
//! period: day                 # day (default) | week (ISO weeks, starting Monday 00:00 UTC)
//! periods: 7                  # periods after the cohort period to show (default 7; 1..=365)
//! unit: user_id               # default; event_column: event; time_column: ts
//! ```
//!
//! # Semantics
//!
//! - Only events with a unit and a time take part (others counted in the
//!   notes). A user's cohort event is their first cohort event (time *c*);
//!   their cohort is the UTC period containing *c*.
//! - Period *n* of a user is the *n*-th period after their cohort period; a
//!   user returned in period *n* when they did the return event in it **at
//!   or after *c***. So **period 0** is the cohort period itself, and a
//!   return later on the same day (same week) counts there; a return before
//!   the cohort event, even in the same period, does not. A user counts once
//!   per period however often they return.
//! - A cohort with no users (a period in which nobody did the cohort event
//!   for the first time) has no rows.
//! - **End of data**: the last period is the one containing the latest
//!   event time of the whole log. Periods that start after it have not been
//!   observed yet: their `returned_users` and `rate` are NULL (not 0), which
//!   leaves the classic triangle visible.
//!
//! # The table
//!
//! One row per cohort × period 0..=`periods`, ordered by cohort then period:
//! `cohort` (the period's start, UTC timestamp), `cohort_users`, `period`,
//! `returned_users`, `rate` (returned_users / cohort_users).

use super::{Body, KpiReport, check_columns, column, count_of, literal, unquote};
use crate::error::Result;
use crate::session::Session;

#[derive(Debug, Clone, PartialEq)]
pub struct RetentionSpec {
    /// The event whose first occurrence puts a user in a cohort.
    pub cohort: String,
    /// The event that counts as a return.
    pub return_event: String,
    pub period: Period,
    /// Periods shown after the cohort period.
    pub periods: u32,
    pub unit: String,
    pub event_column: String,
    pub time_column: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
}

impl Period {
    fn word(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
        }
    }

    fn seconds(self) -> i64 {
        match self {
            Period::Day => 86_400,
            Period::Week => 7 * 86_400,
        }
    }
}

const KEYS: [&str; 7] = ["cohort", "return", "period", "periods", "unit", "event_column", "time_column"];

impl std::str::FromStr for RetentionSpec {
    type Err = crate::EngineError;
    fn from_str(body: &str) -> Result<RetentionSpec> {
        RetentionSpec::parse(body)
    }
}

impl RetentionSpec {
    /// Parses a `retention` cell body; every bad line is reported at once.
    pub fn parse(body: &str) -> Result<RetentionSpec> {
        let mut b = Body::split("retention", body, &KEYS, &[]);
        let event = |b: &mut Body, key: &str, what: &str| match b.take(key) {
            Some((_, v)) => unquote(&v).to_string(),
            None => {
                b.error(0, format!("`{key}:` is missing ({what})"));
                String::new()
            }
        };
        let cohort = event(&mut b, "cohort", "the event whose first occurrence starts a user's cohort");
        let return_event = event(&mut b, "return", "the event that counts as coming back");
        let period = match b.choice("period", &["day", "week"], "day") {
            "week" => Period::Week,
            _ => Period::Day,
        };
        let periods = b.number("periods", 7, 1..=365);
        let unit = b.column("unit", "user_id");
        let event_column = b.column("event_column", "event");
        let time_column = b.column("time_column", "ts");
        let spec = RetentionSpec { cohort, return_event, period, periods, unit, event_column, time_column };
        b.finish(spec)
    }
}

fn query(spec: &RetentionSpec) -> String {
    let unit = column(None, &spec.unit);
    let ts = column(None, &spec.time_column);
    let event = format!("CAST({} AS VARCHAR)", column(None, &spec.event_column));
    let p = spec.period.word();
    let len = spec.period.seconds();
    let epoch = |t: &str| format!("CAST(date_part('epoch', {t}) AS BIGINT)");
    let n = spec.periods;
    format!(
        "WITH first_seen AS (SELECT {unit} AS r_unit, min({ts}) AS c_ts FROM events \
           WHERE {unit} IS NOT NULL AND {ts} IS NOT NULL AND {event} = {cohort} GROUP BY {unit}), \
         members AS (SELECT r_unit, c_ts, date_trunc('{p}', c_ts) AS cohort FROM first_seen), \
         returns AS (SELECT {unit} AS e_unit, {ts} AS e_ts FROM events \
           WHERE {unit} IS NOT NULL AND {ts} IS NOT NULL AND {event} = {ret}), \
         returned AS (SELECT DISTINCT m.r_unit, m.cohort, \
           ({e_trunc} - {m_epoch}) / {len} AS period \
           FROM members m JOIN returns r ON r.e_unit = m.r_unit AND r.e_ts >= m.c_ts), \
         sizes AS (SELECT cohort, CAST(count(*) AS BIGINT) AS cohort_users FROM members GROUP BY cohort), \
         per_period AS (SELECT cohort, period, CAST(count(*) AS BIGINT) AS returned_users FROM returned \
           WHERE period <= {n} GROUP BY cohort, period), \
         data_end AS (SELECT {last} AS last_start FROM events WHERE {ts} IS NOT NULL), \
         grid AS (SELECT cohort, cohort_users, unnest(range(0, {n1})) AS period FROM sizes) \
         SELECT g.cohort, g.cohort_users, CAST(g.period AS BIGINT) AS period, \
           CASE WHEN {g_epoch} + g.period * {len} <= d.last_start THEN COALESCE(pp.returned_users, 0) END AS returned_users, \
           CASE WHEN {g_epoch} + g.period * {len} <= d.last_start \
             THEN CAST(COALESCE(pp.returned_users, 0) AS DOUBLE) / CAST(g.cohort_users AS DOUBLE) END AS rate \
         FROM grid g CROSS JOIN data_end d LEFT JOIN per_period pp ON pp.cohort = g.cohort AND pp.period = g.period \
         ORDER BY g.cohort, period",
        cohort = literal(&spec.cohort),
        ret = literal(&spec.return_event),
        e_trunc = epoch(&format!("date_trunc('{p}', r.e_ts)")),
        m_epoch = epoch("m.cohort"),
        last = epoch(&format!("date_trunc('{p}', max({ts}))")),
        g_epoch = epoch("g.cohort"),
        n1 = n + 1,
    )
}

/// Runs a retention table over the session's `events`.
pub async fn run(session: &Session, spec: &RetentionSpec) -> Result<KpiReport> {
    check_columns(session, &[("unit", &spec.unit), ("event_column", &spec.event_column)], &spec.time_column)?;
    let unit = column(None, &spec.unit);
    let ts = column(None, &spec.time_column);
    let event = format!("CAST({} AS VARCHAR)", column(None, &spec.event_column));
    let diag = session
        .sql(&format!(
            "SELECT CAST(COALESCE(sum(CASE WHEN {unit} IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS null_unit, \
             CAST(COALESCE(sum(CASE WHEN {unit} IS NOT NULL AND {ts} IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS null_time \
             FROM events WHERE {event} IN ({}, {})",
            literal(&spec.cohort),
            literal(&spec.return_event)
        ))
        .await?;
    let mut notes = Vec::new();
    let null_unit = count_of(&diag, "null_unit")?;
    if null_unit > 0 {
        notes.push(format!("{null_unit} cohort/return event(s) have no unit (`{}` is NULL) and are left out", spec.unit));
    }
    let null_time = count_of(&diag, "null_time")?;
    if null_time > 0 {
        notes.push(format!("{null_time} cohort/return event(s) have no time (`{}` is NULL) and are left out", spec.time_column));
    }
    let table = session.sql(&query(spec)).await?;
    Ok(KpiReport { table, notes })
}
