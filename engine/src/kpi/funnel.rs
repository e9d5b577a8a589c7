//! Funnels: the users who go through a sequence of steps, per step, with
//! conversion, drop-off and the median time to each step.
//!
//! # The cell body
//!
//! ```text
//! step: Product Viewed                                  # at least two steps, in order
//! step: Added to Cart where properties.vertical = 'food'  # optional SQL condition on the step's event
//! step: Order Completed
//! window: 7d                 # conversion window from the first step: s | m | h | d; default 30d
//! order: strict              # strict (default) | any
//! breakdown: properties.variant   # optional: per value of a column on the user's first-step event
//! experiment: rec_model_v2   # optional, instead of breakdown: per variant of an experiment
//! experiment_column: properties.experiment_id   # default
//! variant_column: properties.variant            # default
//! hold: properties.product_id   # optional: a property held constant across steps
//! unit: user_id              # default; event_column: event; time_column: ts
//! ```
//!
//! A step is an event name (quotes optional), optionally followed by
//! `where CONDITION`: any SQL condition over the event's columns (dotted
//! paths such as `properties.vertical` are nested fields).
//!
//! # Semantics
//!
//! - Only events with a unit and a time take part (others are counted in the
//!   notes). An event does step *k* when its event column equals the step's
//!   name and the step's condition holds.
//! - **Start**: a user's funnel starts at their **first** step-1 event (time
//!   *t1*). Later step-1 events never restart it: a user who first views a
//!   product, leaves the window, and comes back later does not convert.
//! - **Window**: every later step must happen at or before *t1* + `window`
//!   (inclusive) and at or after *t1*.
//! - **`order: strict`**: step *k* is the user's earliest step-*k* event at or
//!   after the time of step *k−1* (equal times count; a single event that
//!   matches two consecutive steps does both). Earliest-match is optimal, so
//!   a user reaches step *k* exactly when some in-order sequence of events
//!   within the window exists. Time to step *k* = its time − *t1*.
//! - **`order: any`**: a user reaches step *k* when each of steps 2..=*k*
//!   has an event in [*t1*, *t1* + window], in any order; time to step *k* is
//!   the latest of those steps' earliest events − *t1*.
//! - **`breakdown: COLUMN`**: a user's segment is the column's value (as
//!   text) on their first step-1 event (ties at the same time: the smallest
//!   value; NULL → `(null)`).
//! - **`experiment: ID`**: a user's segment is the `variant_column` value
//!   of their first exposure (event with `experiment_column` = ID, ties: the
//!   smallest variant), at any time. Users never exposed are left out
//!   (counted in the notes).
//! - **`hold: COLUMN`**: the value (as text) on the user's first step-1 event
//!   (ties: the smallest) must be equal on every later step's event; when it
//!   is NULL the user stays at step 1.
//!
//! # The table
//!
//! One row per (`segment`,) step, ordered by segment then step:
//! `[segment,] step` (1-based), `step_name` (the step as written), `users`,
//! `conversion` (users / step-1 users), `step_conversion` (users / previous
//! step's users; NULL for step 1), `drop_off` (previous step's users − users;
//! NULL for step 1), `median_seconds_to_step` (exact median over the users
//! who reached the step, the mean of the middle two for an even count; NULL
//! for step 1 and for steps nobody reached). Without a breakdown there is one
//! row per step even when nobody did step 1 (users 0, ratios NULL).

use super::{Body, KpiReport, check_columns, column, count_of, invalid, literal, parse_duration, rewrite_paths, unquote};
use crate::error::Result;
use crate::session::Session;

#[derive(Debug, Clone, PartialEq)]
pub struct FunnelSpec {
    pub steps: Vec<FunnelStep>,
    /// The conversion window from the first step, in seconds (default 30 days).
    pub window_seconds: i64,
    pub order: FunnelOrder,
    /// Segment by this column's value on the first step-1 event.
    pub breakdown: Option<String>,
    /// Segment by the variant of this experiment (first exposure).
    pub experiment: Option<String>,
    pub experiment_column: String,
    pub variant_column: String,
    /// A column whose value must stay the same across steps.
    pub hold: Option<String>,
    pub unit: String,
    pub event_column: String,
    pub time_column: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunnelStep {
    /// The event name.
    pub event: String,
    /// An optional SQL condition, as written.
    pub filter: Option<String>,
    /// The step as written (its `step_name`).
    pub label: String,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelOrder {
    Strict,
    Any,
}

const KEYS: [&str; 11] = [
    "step",
    "window",
    "order",
    "breakdown",
    "experiment",
    "experiment_column",
    "variant_column",
    "hold",
    "unit",
    "event_column",
    "time_column",
];

impl std::str::FromStr for FunnelSpec {
    type Err = crate::EngineError;
    fn from_str(body: &str) -> Result<FunnelSpec> {
        FunnelSpec::parse(body)
    }
}

impl FunnelSpec {
    /// Parses a `funnel` cell body; every bad line is reported at once.
    pub fn parse(body: &str) -> Result<FunnelSpec> {
        let mut b = Body::split("funnel", body, &KEYS, &["step"]);
        let mut steps = Vec::new();
        for (n, v) in b.all("step") {
            match parse_step(&v) {
                Ok((event, filter)) => steps.push(FunnelStep { event, filter, label: v.clone(), line: n }),
                Err(e) => b.error(n, e),
            }
        }
        if steps.len() < 2 && b.errors.is_empty() {
            b.error(0, "a funnel needs at least two `step:` lines");
        }
        let window_seconds = match b.take("window") {
            None => 30 * 86_400,
            Some((n, v)) => parse_duration(&v).unwrap_or_else(|| {
                b.error(n, format!("window: expected a positive duration such as `7d`, `12h`, `30m` or `90s`, got `{v}`"));
                0
            }),
        };
        let order = match b.choice("order", &["strict", "any"], "strict") {
            "any" => FunnelOrder::Any,
            _ => FunnelOrder::Strict,
        };
        let breakdown = b.optional_column("breakdown");
        let experiment = b.take("experiment").map(|(_, v)| unquote(&v).to_string());
        if let (Some(_), Some((n, _))) = (&breakdown, b.take("experiment")) {
            b.error(n, "give either `breakdown:` or `experiment:`, not both");
        }
        let experiment_column = b.column("experiment_column", "properties.experiment_id");
        let variant_column = b.column("variant_column", "properties.variant");
        let hold = b.optional_column("hold");
        let unit = b.column("unit", "user_id");
        let event_column = b.column("event_column", "event");
        let time_column = b.column("time_column", "ts");
        let spec = FunnelSpec {
            steps,
            window_seconds,
            order,
            breakdown,
            experiment,
            experiment_column,
            variant_column,
            hold,
            unit,
            event_column,
            time_column,
        };
        b.finish(spec)
    }
}

/// `Event name [where CONDITION]`; the name may be quoted.
fn parse_step(v: &str) -> std::result::Result<(String, Option<String>), String> {
    let lower = v.to_ascii_lowercase();
    if lower.ends_with(" where") {
        return Err(format!("step `{}`: `where` needs a condition", v[..v.len() - 6].trim()));
    }
    let (name, filter) = match find_where(&lower) {
        Some(i) => (v[..i].trim(), Some(v[i + " where ".len()..].trim())),
        None => (v.trim(), None),
    };
    let name = unquote(name).trim();
    if name.is_empty() {
        return Err(format!("step: expected an event name, e.g. `step: Product Viewed`, got `{v}`"));
    }
    match filter {
        Some("") => Err(format!("step `{name}`: `where` needs a condition")),
        Some(f) => Ok((name.to_string(), Some(f.to_string()))),
        None => Ok((name.to_string(), None)),
    }
}

/// Byte offset of the first ` where ` outside double quotes.
fn find_where(lower: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in lower.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && lower[i..].starts_with(" where ") {
            return Some(i);
        }
    }
    None
}

fn step_condition(spec: &FunnelSpec, step: &FunnelStep) -> String {
    let mut c = format!("CAST({} AS VARCHAR) = {}", column(None, &spec.event_column), literal(&step.event));
    if let Some(f) = &step.filter {
        c += &format!(" AND ({})", rewrite_paths(f));
    }
    c
}

/// The funnel's SQL: per-step event CTEs `e{k}`, the users' starts `f1`,
/// step times `a{k}`, one row per user, then one row per (segment,) step.
fn query(spec: &FunnelSpec) -> String {
    let unit = column(None, &spec.unit);
    let ts = column(None, &spec.time_column);
    let hold = spec.hold.as_deref().map(|h| format!("CAST({} AS VARCHAR)", column(None, h)));
    let k = spec.steps.len();
    let mut ctes = Vec::new();
    for (i, step) in spec.steps.iter().enumerate() {
        let mut extra = String::new();
        if let Some(h) = &hold {
            extra += &format!(", {h} AS f_h");
        }
        if i == 0 {
            if let Some(b) = &spec.breakdown {
                extra += &format!(", CAST({} AS VARCHAR) AS f_seg", column(None, b));
            }
        }
        ctes.push(format!(
            "e{} AS (SELECT {unit} AS f_unit, {ts} AS f_ts{extra} FROM events WHERE {unit} IS NOT NULL AND {ts} IS NOT NULL AND {})",
            i + 1,
            step_condition(spec, step)
        ));
    }
    let h1 = if hold.is_some() { ", first_value(f_h ORDER BY f_ts, f_h) AS f_h" } else { "" };
    match (&spec.breakdown, &spec.experiment) {
        (Some(_), _) => ctes.push(format!(
            "f1 AS (SELECT f_unit, min(f_ts) AS t1, COALESCE(first_value(f_seg ORDER BY f_ts, f_seg), '(null)') AS f_seg{h1} FROM e1 GROUP BY f_unit)"
        )),
        (None, Some(exp)) => {
            let variant = format!("CAST({} AS VARCHAR)", column(None, &spec.variant_column));
            ctes.push(format!(
                "expo AS (SELECT {unit} AS x_unit, first_value({variant} ORDER BY {ts}, {variant}) AS x_seg FROM events \
                 WHERE CAST({} AS VARCHAR) = {} AND {unit} IS NOT NULL AND {ts} IS NOT NULL AND {variant} IS NOT NULL GROUP BY {unit})",
                column(None, &spec.experiment_column),
                literal(exp)
            ));
            ctes.push(format!("s1 AS (SELECT f_unit, min(f_ts) AS t1{h1} FROM e1 GROUP BY f_unit)"));
            let h = if hold.is_some() { ", s1.f_h" } else { "" };
            ctes.push(format!("f1 AS (SELECT s1.f_unit, s1.t1, expo.x_seg AS f_seg{h} FROM s1 JOIN expo ON s1.f_unit = expo.x_unit)"));
        }
        (None, None) => ctes.push(format!("f1 AS (SELECT f_unit, min(f_ts) AS t1{h1} FROM e1 GROUP BY f_unit)")),
    }
    let seg = spec.breakdown.is_some() || spec.experiment.is_some();
    let window_end = format!("p.t1 + INTERVAL '{} seconds'", spec.window_seconds);
    let hold_match = if hold.is_some() { " AND e.f_h = p.f_h" } else { "" };
    // Per step k ≥ 2: the user's time of step k (t{k}), NULL when not reached.
    for s in 2..=k {
        let after = match spec.order {
            FunnelOrder::Strict if s > 2 => format!("p.t{}", s - 1),
            _ => "p.t1".to_string(),
        };
        let from = match spec.order {
            FunnelOrder::Strict if s > 2 => format!("a{}", s - 1),
            _ => "f1".to_string(),
        };
        let keep = "p.f_unit, p.t1";
        let hold_keep = if hold.is_some() { ", p.f_h" } else { "" };
        ctes.push(format!(
            "a{s} AS (SELECT {keep}{hold_keep}, min(e.f_ts) AS t{s} FROM {from} p JOIN e{s} e ON e.f_unit = p.f_unit \
             AND e.f_ts >= {after} AND e.f_ts <= {window_end}{hold_match} GROUP BY {keep}{hold_keep})"
        ));
    }
    // One row per user of step 1 with every step's time.
    let epoch = |t: &str| format!("CAST(date_part('epoch', {t}) AS DOUBLE)");
    let mut joins = String::new();
    let mut cols = vec!["f1.f_unit".to_string()];
    if seg {
        cols.push("f1.f_seg".into());
    }
    for s in 2..=k {
        joins += &format!(" LEFT JOIN a{s} ON a{s}.f_unit = f1.f_unit");
        let t = format!("a{s}.t{s}");
        let secs = match spec.order {
            FunnelOrder::Strict => format!("{} - {}", epoch(&t), epoch("f1.t1")),
            FunnelOrder::Any => {
                let ts: Vec<String> = (2..=s).map(|j| epoch(&format!("a{j}.t{j}"))).collect();
                let latest = if ts.len() == 1 { ts[0].clone() } else { format!("greatest({})", ts.join(", ")) };
                format!("{latest} - {}", epoch("f1.t1"))
            }
        };
        let reached = match spec.order {
            FunnelOrder::Strict => format!("{t} IS NOT NULL"),
            FunnelOrder::Any => (2..=s).map(|j| format!("a{j}.t{j} IS NOT NULL")).collect::<Vec<_>>().join(" AND "),
        };
        cols.push(format!("CASE WHEN {reached} THEN 1 ELSE 0 END AS r{s}"));
        cols.push(format!("CASE WHEN {reached} THEN {secs} END AS d{s}"));
    }
    ctes.push(format!("per_user AS (SELECT {} FROM f1{joins})", cols.join(", ")));
    // Wide per segment, then one row per step.
    let mut wide = vec!["CAST(count(*) AS BIGINT) AS u1".to_string()];
    for s in 2..=k {
        wide.push(format!("CAST(COALESCE(sum(r{s}), 0) AS BIGINT) AS u{s}, median(d{s}) AS m{s}"));
    }
    let (seg_sel, group) = if seg { ("f_seg, ", " GROUP BY f_seg") } else { ("", "") };
    ctes.push(format!("wide AS (SELECT {seg_sel}{} FROM per_user{group})", wide.join(", ")));
    let mut rows = Vec::new();
    for (i, step) in spec.steps.iter().enumerate() {
        let s = i + 1;
        let median = if s == 1 { "CAST(NULL AS DOUBLE)".to_string() } else { format!("m{s}") };
        let prev = if s == 1 { "CAST(NULL AS BIGINT)".to_string() } else { format!("u{}", s - 1) };
        rows.push(format!(
            "SELECT {seg_sel}CAST({s} AS BIGINT) AS step, {} AS step_name, u{s} AS users, u1 AS first_users, {prev} AS prev_users, {median} AS median_seconds_to_step FROM wide",
            literal(&step.label)
        ));
    }
    ctes.push(format!("steps AS ({})", rows.join(" UNION ALL ")));
    let seg_out = if seg { "f_seg AS segment, " } else { "" };
    let order = if seg { "segment, step" } else { "step" };
    format!(
        "WITH {} SELECT {seg_out}step, step_name, users, \
         CAST(users AS DOUBLE) / CAST(NULLIF(first_users, 0) AS DOUBLE) AS conversion, \
         CAST(users AS DOUBLE) / CAST(NULLIF(prev_users, 0) AS DOUBLE) AS step_conversion, \
         prev_users - users AS drop_off, median_seconds_to_step FROM steps ORDER BY {order}",
        ctes.join(", ")
    )
}

/// Runs a funnel over the session's `events`.
pub async fn run(session: &Session, spec: &FunnelSpec) -> Result<KpiReport> {
    let mut named: Vec<(&str, &str)> = vec![("unit", &spec.unit), ("event_column", &spec.event_column)];
    if let Some(b) = &spec.breakdown {
        named.push(("breakdown", b));
    }
    if let Some(h) = &spec.hold {
        named.push(("hold", h));
    }
    if spec.experiment.is_some() {
        named.push(("experiment_column", &spec.experiment_column));
        named.push(("variant_column", &spec.variant_column));
    }
    check_columns(session, &named, &spec.time_column)?;
    if spec.window_seconds <= 0 {
        return Err(invalid("funnel: the window must be positive"));
    }
    let unit = column(None, &spec.unit);
    let ts = column(None, &spec.time_column);
    let any_step: Vec<String> = spec.steps.iter().map(|s| format!("({})", step_condition(spec, s))).collect();
    let diag = session
        .sql(&format!(
            "SELECT CAST(COALESCE(sum(CASE WHEN {unit} IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS null_unit, \
             CAST(COALESCE(sum(CASE WHEN {unit} IS NOT NULL AND {ts} IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS null_time \
             FROM events WHERE {}",
            any_step.join(" OR ")
        ))
        .await?;
    let mut notes = Vec::new();
    let null_unit = count_of(&diag, "null_unit")?;
    if null_unit > 0 {
        notes.push(format!("{null_unit} step event(s) have no unit (`{}` is NULL) and are left out", spec.unit));
    }
    let null_time = count_of(&diag, "null_time")?;
    if null_time > 0 {
        notes.push(format!("{null_time} step event(s) have no time (`{}` is NULL) and are left out", spec.time_column));
    }
    if let Some(exp) = &spec.experiment {
        let first = &spec.steps[0];
        let variant = column(None, &spec.variant_column);
        let out = session
            .sql(&format!(
                "SELECT CAST(count(DISTINCT {unit}) AS BIGINT) AS n FROM events WHERE {unit} IS NOT NULL AND {ts} IS NOT NULL AND {} \
                 AND {unit} NOT IN (SELECT {unit} FROM events WHERE CAST({} AS VARCHAR) = {} AND {unit} IS NOT NULL \
                 AND {ts} IS NOT NULL AND {variant} IS NOT NULL)",
                step_condition(spec, first),
                column(None, &spec.experiment_column),
                literal(exp)
            ))
            .await?;
        let n = count_of(&out, "n")?;
        if n > 0 {
            notes.push(format!("{n} user(s) did step 1 but were never exposed to experiment `{exp}` and are left out"));
        }
    }
    let table = session.sql(&query(spec)).await?;
    Ok(KpiReport { table, notes })
}
