//! Trends: metrics per time bucket, optionally per segment.
//!
//! # The cell body
//!
//! ```text
//! metric: views = count "Product Viewed"                # events (all events without a name)
//! metric: buyers = users "Order Completed"              # distinct units
//! metric: gmv = sum properties.revenue "Order Completed"  # NULL values count as 0
//! metric: ctr = ratio buyers / views                    # two count/users/sum metrics of the cell
//! bucket: day                                           # hour | day (default) | week (ISO, Monday)
//! breakdown: context.device.type                        # optional
//! top: 5                                                # segments kept by the breakdown (default 5)
//! timezone: +02:00                                      # fixed UTC offset ±HH:MM, or UTC / Z (default UTC)
//! range: last 7d                                        # last N h | d | w, a whole number of buckets
//! compare: previous                                     # needs `range:`; adds NAME_previous, NAME_change
//! unit: user_id                                         # default; event_column: event; time_column: ts
//! ```
//!
//! Metric names are plain identifiers other than `bucket` and `segment`;
//! `metric:` repeats, at least one is needed. With `compare: previous`, no
//! metric may be named like another's `_previous` / `_change` column.
//!
//! # Semantics
//!
//! - Buckets are UTC by default (`date_trunc` in a session whose zone is
//!   `+00:00`; the browser's zone never matters). `timezone: ±HH:MM` (offset
//!   at most 14:00; `UTC`, `Z`, `+00:00` are the default) is a **fixed** offset:
//!   buckets start at local hour / midnight / Monday midnight of that offset,
//!   computed as `date_trunc(bucket, ts + offset) - offset`. The `bucket`
//!   column stays a UTC instant: the local bucket start, e.g. the `+02:00` day
//!   of Oct 1 is `2026-09-30T22:00:00Z`, the `-05:00` one `2026-10-01T05:00:00Z`.
//!   Zone names (`Europe/Berlin`) are refused with a parse error: daylight
//!   saving would give 23- and 25-hour days, and the bucket grid below needs
//!   fixed-length buckets. Events with a NULL time are left out
//!   (noted). `count` and `sum` are event-level (events without a unit
//!   count); `users` counts distinct non-NULL units (events without a unit
//!   are noted).
//! - **Empty buckets**: every bucket from the first event's to the last
//!   event's (over all events with a time) is present: the bucket starts are
//!   generated in SQL as `unnest(range(first, last + 1, bucket length))` over
//!   epoch seconds (hour, day and ISO week have a fixed length in UTC), cross
//!   joined with the segments and left-joined with the aggregates; missing
//!   counts and sums are 0, and a ratio whose denominator is 0 is NULL.
//! - **Range**: `range: last N{h|d|w}` (`w` = 7 days) must be a whole number
//!   k ≥ 1 of buckets (`last 24h` by `hour` is 24 buckets, by `day` 1; `last 7d`
//!   by `week` is 1; `last 36h` by `day` is an error). The table is then exactly
//!   the k buckets ending with the latest event's bucket (over all events with
//!   a time): bucket starts `hi − (k−1)·len ..= hi`, each bucket whole, so the
//!   range covers `[hi − (k−1)·len, hi + len)` and may end after the latest
//!   event. Without `range:` the table spans first to last event as above.
//! - **Compare**: `compare: previous` (needs `range:`; the whole log has no
//!   previous period) pairs every bucket `b` with `b − N` (one range length
//!   earlier, bucket by bucket) and adds, after each metric `m`,
//!   `m_previous` (the same metric over the bucket `b − N`, empty buckets 0,
//!   ratios recomputed from the previous bucket's parts, NULL when that
//!   denominator is 0) and `m_change` = `(m − m_previous) / m_previous` as a
//!   float (NULL when `m_previous` is 0 or NULL, or `m` is NULL).
//!   Events before the previous period are ignored.
//! - **Breakdown**: a row's segment is the column's value as text (NULL →
//!   `(null)`). The `top` segments by the first metric over the whole log
//!   (ties by name; with `range:`, by the first metric over the range only)
//!   keep their name; all others are merged into `other`
//!   (their `users` are distinct over the merged rows). Every kept segment
//!   appears in every bucket (with `range:`, every segment seen in the range
//!   or the previous period). (A real value spelled `other` is merged with
//!   the rest's row.)
//!
//! # The table
//!
//! One row per bucket (× segment), ordered by bucket then segment: `bucket`
//! (UTC timestamp of the bucket's start, in the cell's zone), `segment` (with a
//! breakdown), then one column per metric: `count` and `users` as integers,
//! `sum` and `ratio` as floats; with `compare: previous` each metric `m` is
//! followed by `m_previous` (its type) and `m_change` (float).

use super::{Body, KpiReport, check_columns, column, count_of, is_column, literal};
use crate::error::Result;
use crate::session::Session;

#[derive(Debug, Clone, PartialEq)]
pub struct TrendSpec {
    pub metrics: Vec<TrendMetric>,
    pub bucket: Bucket,
    pub breakdown: Option<String>,
    /// Segments kept by name; the rest are `other`.
    pub top: u32,
    pub unit: String,
    pub event_column: String,
    pub time_column: String,
    /// Fixed UTC offset of the buckets, in seconds east of UTC (0 = UTC).
    pub offset_seconds: i64,
    /// `range: last N…` in seconds: a whole number of buckets.
    pub range_seconds: Option<i64>,
    /// `compare: previous`: add `_previous` and `_change` columns.
    pub compare_previous: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrendMetric {
    pub name: String,
    pub definition: TrendMetricDef,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrendMetricDef {
    /// Events (of `event`, or all).
    Count { event: Option<String> },
    /// Distinct units (doing `event`, or any).
    Users { event: Option<String> },
    /// Σ column (over `event`, or all events); NULL counts as 0.
    Sum { column: String, event: Option<String> },
    /// numerator / denominator, two other metrics of the cell.
    Ratio { numerator: String, denominator: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
    Week,
}

impl Bucket {
    fn word(self) -> &'static str {
        match self {
            Bucket::Hour => "hour",
            Bucket::Day => "day",
            Bucket::Week => "week",
        }
    }

    fn seconds(self) -> i64 {
        match self {
            Bucket::Hour => 3600,
            Bucket::Day => 86_400,
            Bucket::Week => 7 * 86_400,
        }
    }
}

/// The segment name of everything outside the top segments.
pub const OTHER_SEGMENT: &str = "other";

const KEYS: [&str; 10] = [
    "metric",
    "bucket",
    "breakdown",
    "top",
    "timezone",
    "range",
    "compare",
    "unit",
    "event_column",
    "time_column",
];

const METRIC_SYNTAX: &str = "expected `metric: NAME = count [\"Event\"]`, `NAME = users [\"Event\"]`, \
`NAME = sum COLUMN [\"Event\"]` or `NAME = ratio METRIC / METRIC`";

impl std::str::FromStr for TrendSpec {
    type Err = crate::EngineError;
    fn from_str(body: &str) -> Result<TrendSpec> {
        TrendSpec::parse(body)
    }
}

impl TrendSpec {
    /// Parses a `trend` cell body; every bad line is reported at once.
    pub fn parse(body: &str) -> Result<TrendSpec> {
        let mut b = Body::split("trend", body, &KEYS, &["metric"]);
        let mut metrics: Vec<TrendMetric> = Vec::new();
        for (n, v) in b.all("metric") {
            match parse_metric(&v) {
                Ok((name, _)) if metrics.iter().any(|m| m.name == name) => b.error(n, format!("metric `{name}` is defined twice")),
                Ok((name, definition)) => metrics.push(TrendMetric { name, definition, line: n }),
                Err(e) => b.error(n, e),
            }
        }
        for m in &metrics {
            if let TrendMetricDef::Ratio { numerator, denominator } = &m.definition {
                for part in [numerator, denominator] {
                    match metrics.iter().find(|o| o.name == *part) {
                        None => b.error(m.line, format!("metric `{}`: no metric `{part}` in this cell", m.name)),
                        Some(o) if matches!(o.definition, TrendMetricDef::Ratio { .. }) => {
                            b.error(m.line, format!("metric `{}`: `{part}` is itself a ratio", m.name))
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        if metrics.is_empty() && b.all("metric").is_empty() {
            b.error(0, "no `metric:` line: name at least one metric");
        }
        let bucket = match b.choice("bucket", &["hour", "day", "week"], "day") {
            "hour" => Bucket::Hour,
            "week" => Bucket::Week,
            _ => Bucket::Day,
        };
        let breakdown = b.optional_column("breakdown");
        let top = b.number("top", 5, 1..=1000);
        let unit = b.column("unit", "user_id");
        let event_column = b.column("event_column", "event");
        let time_column = b.column("time_column", "ts");
        let offset_seconds = match b.take("timezone") {
            None => 0,
            Some((n, v)) => parse_offset(&v).unwrap_or_else(|e| {
                b.error(n, e);
                0
            }),
        };
        let range_seconds = match b.take("range") {
            None => None,
            Some((n, v)) => match parse_range(&v) {
                Ok(r) if r % bucket.seconds() == 0 => Some(r),
                Ok(_) => {
                    b.error(n, format!("`range: {v}` is not a whole number of `{}` buckets", bucket.word()));
                    None
                }
                Err(e) => {
                    b.error(n, e);
                    None
                }
            },
        };
        let compare_previous = match b.take("compare") {
            None => false,
            Some((n, v)) => {
                let ok = v.eq_ignore_ascii_case("previous");
                if !ok {
                    b.error(n, format!("`compare` must be `previous`, got `{v}`"));
                } else if b.take("range").is_none() {
                    b.error(n, "`compare: previous` needs `range:` (e.g. `range: last 7d`): the whole log has no previous period");
                }
                ok
            }
        };
        if compare_previous {
            for m in &metrics {
                for suffix in ["_previous", "_change"] {
                    if let Some(base) = m.name.strip_suffix(suffix).filter(|base| metrics.iter().any(|o| o.name == *base)) {
                        b.error(m.line, format!("metric `{}` clashes with `compare: previous`'s column for `{base}`", m.name));
                    }
                }
            }
        }
        b.finish(TrendSpec {
            metrics,
            bucket,
            breakdown,
            top,
            unit,
            event_column,
            time_column,
            offset_seconds,
            range_seconds,
            compare_previous,
        })
    }
}

/// `NAME = KIND ...`, split on whitespace with `"..."` kept whole.
fn parse_metric(v: &str) -> std::result::Result<(String, TrendMetricDef), String> {
    let Some((name, rest)) = v.split_once('=') else { return Err(METRIC_SYNTAX.into()) };
    let name = name.trim().to_string();
    if !is_column(&name) || name.contains('.') {
        return Err(format!("`{name}` cannot name a metric: use letters, digits and `_`; {METRIC_SYNTAX}"));
    }
    if ["bucket", "segment"].contains(&name.to_ascii_lowercase().as_str()) {
        return Err(format!("`{name}` is a column of the trend table; name the metric otherwise"));
    }
    let rest = rest.trim();
    // An optional trailing quoted event name.
    let (head, event) = match rest.strip_suffix('"').and_then(|r| r.rfind('"').map(|i| (i, r))) {
        Some((i, r)) => (r[..i].trim(), Some(r[i + 1..].to_string())),
        None => (rest, None),
    };
    if head.contains('"') {
        return Err(format!("metric `{name}`: unbalanced quotes; {METRIC_SYNTAX}"));
    }
    let words: Vec<&str> = head.split_whitespace().collect();
    let kind = words.first().map(|w| w.to_ascii_lowercase()).unwrap_or_default();
    let def = match (kind.as_str(), &words[..]) {
        ("count", [_]) => TrendMetricDef::Count { event },
        ("users", [_]) => TrendMetricDef::Users { event },
        ("sum", [_, col]) if is_column(col) => TrendMetricDef::Sum { column: col.to_string(), event },
        ("sum", _) => return Err(format!("metric `{name}`: `sum` needs one column name, e.g. `sum properties.revenue`")),
        ("ratio", _) if event.is_none() => {
            let joined = words[1..].join(" ");
            match joined.split_once('/') {
                Some((a, b)) if is_column(a.trim()) && is_column(b.trim()) => {
                    TrendMetricDef::Ratio { numerator: a.trim().to_string(), denominator: b.trim().to_string() }
                }
                _ => return Err(format!("metric `{name}`: a ratio is `ratio METRIC / METRIC`, two metrics of this cell")),
            }
        }
        ("count" | "users" | "ratio", _) | ("", _) => return Err(format!("metric `{name}`: {METRIC_SYNTAX}")),
        (other, _) => return Err(format!("metric `{name}`: unknown metric type `{other}` (count, users, sum, ratio)")),
    };
    Ok((name, def))
}

/// `UTC`, `Z` or `±HH:MM` (at most 14:00), in seconds east of UTC.
fn parse_offset(v: &str) -> std::result::Result<i64, String> {
    let v = super::unquote(v.trim());
    if v.eq_ignore_ascii_case("utc") || v.eq_ignore_ascii_case("z") {
        return Ok(0);
    }
    let fixed = || {
        let sign = match v.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let (h, m) = v[1..].split_once(':')?;
        let all_digits = |s: &str| s.len() == 2 && s.bytes().all(|c| c.is_ascii_digit());
        if !all_digits(h) || !all_digits(m) {
            return None;
        }
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && h * 60 + m <= 14 * 60).then_some(sign * (h * 3600 + m * 60))
    };
    fixed().ok_or_else(|| {
        if v.contains('/') || v.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
            format!(
                "`timezone: {v}`: zone names are not supported (daylight saving changes their offset); \
                 give a fixed UTC offset such as `+02:00` or `-05:00`, or `UTC`"
            )
        } else {
            format!("`timezone: {v}` is not a UTC offset: expected `UTC`, `Z` or `±HH:MM` up to 14:00, e.g. `+02:00`")
        }
    })
}

/// `last N{h|d|w}`, in seconds.
fn parse_range(v: &str) -> std::result::Result<i64, String> {
    let err = || format!("`range` must be `last N` with N hours, days or weeks, e.g. `last 24h`, `last 7d`, `last 4w`; got `{v}`");
    let words: Vec<&str> = v.split_whitespace().collect();
    let amount = match &words[..] {
        [last, amount] if last.eq_ignore_ascii_case("last") => amount.to_ascii_lowercase(),
        _ => return Err(err()),
    };
    let scale = match amount.chars().last() {
        Some('h') => 3600,
        Some('d') => 86_400,
        Some('w') => 7 * 86_400,
        _ => return Err(err()),
    };
    match amount[..amount.len() - 1].parse::<i64>() {
        Ok(n) if n >= 1 && n * scale <= 36_500 * 86_400 => Ok(n * scale),
        _ => Err(err()),
    }
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// Metric `m`'s aggregate over `ev` (count, users, sum only).
fn aggregate(i: usize, m: &TrendMetric) -> String {
    let when = |event: &Option<String>| match event {
        Some(e) => format!("t_event = {}", literal(e)),
        None => "TRUE".to_string(),
    };
    match &m.definition {
        TrendMetricDef::Count { event } => format!("CAST(COALESCE(sum(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS BIGINT)", when(event)),
        TrendMetricDef::Users { event } => format!("CAST(count(DISTINCT CASE WHEN {} THEN t_unit END) AS BIGINT)", when(event)),
        TrendMetricDef::Sum { event, .. } => {
            format!("CAST(COALESCE(sum(CASE WHEN {} THEN COALESCE(v{i}, 0.0) ELSE 0.0 END), 0.0) AS DOUBLE)", when(event))
        }
        // Ratios are computed from their parts' columns, never aggregated.
        TrendMetricDef::Ratio { .. } => "CAST(NULL AS DOUBLE)".into(),
    }
}

/// A metric's value from columns named after the metrics (ratios from their parts).
fn value(m: &TrendMetric, q: &str) -> String {
    let col = |n: &str| format!("{q}{}", quoted(n));
    match &m.definition {
        TrendMetricDef::Ratio { numerator, denominator } => {
            format!(
                "CAST(COALESCE({}, 0) AS DOUBLE) / CAST(NULLIF(COALESCE({}, 0), 0) AS DOUBLE)",
                col(numerator),
                col(denominator)
            )
        }
        TrendMetricDef::Sum { .. } => format!("CAST(COALESCE({}, 0.0) AS DOUBLE)", col(&m.name)),
        _ => format!("CAST(COALESCE({}, 0) AS BIGINT)", col(&m.name)),
    }
}

fn query(spec: &TrendSpec) -> String {
    let unit = column(None, &spec.unit);
    let ts = column(None, &spec.time_column);
    let p = spec.bucket.word();
    let len = spec.bucket.seconds();
    let off = spec.offset_seconds;
    // Local bucket start as a UTC instant: truncate the local time, shift back.
    let t_b = if off == 0 {
        format!("CAST(date_part('epoch', date_trunc('{p}', {ts})) AS BIGINT)")
    } else {
        format!("CAST(date_part('epoch', date_trunc('{p}', {ts} + INTERVAL '{off} seconds')) AS BIGINT) - {off}")
    };
    let mut ev_cols = vec![
        format!("{t_b} AS t_b"),
        format!("{unit} AS t_unit"),
        format!("CAST({} AS VARCHAR) AS t_event", column(None, &spec.event_column)),
    ];
    for (i, m) in spec.metrics.iter().enumerate() {
        if let TrendMetricDef::Sum { column: c, .. } = &m.definition {
            ev_cols.push(format!("CAST({} AS DOUBLE) AS v{i}", column(None, c)));
        }
    }
    if let Some(b) = &spec.breakdown {
        ev_cols.push(format!("COALESCE(CAST({} AS VARCHAR), '(null)') AS raw_seg", column(None, b)));
    }
    let mut ctes = vec![format!("ev_all AS (SELECT {} FROM events WHERE {ts} IS NOT NULL)", ev_cols.join(", "))];
    // With a range: the range's buckets (`cur`) and those of the previous period (`ev`).
    match spec.range_seconds {
        None => ctes.push("ev AS (SELECT * FROM ev_all), cur AS (SELECT * FROM ev)".into()),
        Some(r) => ctes.push(format!(
            "ev AS (SELECT * FROM ev_all WHERE t_b > (SELECT max(t_b) FROM ev_all) - {}), \
             cur AS (SELECT * FROM ev WHERE t_b > (SELECT max(t_b) FROM ev) - {r})",
            2 * r
        )),
    }
    // Aggregates of the non-ratio metrics, named after the metrics.
    let aggs: Vec<String> = spec
        .metrics
        .iter()
        .enumerate()
        .filter(|(_, m)| !matches!(m.definition, TrendMetricDef::Ratio { .. }))
        .map(|(i, m)| format!("{} AS {}", aggregate(i, m), quoted(&m.name)))
        .collect();
    let seg = spec.breakdown.is_some();
    if seg {
        let first = &spec.metrics[0];
        ctes.push(format!(
            "per_seg AS (SELECT raw_seg, {} FROM cur GROUP BY raw_seg), \
             ranked AS (SELECT raw_seg, row_number() OVER (ORDER BY {} DESC NULLS LAST, raw_seg) AS r FROM per_seg), \
             mapped AS (SELECT ev.*, CASE WHEN ranked.r <= {} THEN ev.raw_seg ELSE {} END AS segment \
               FROM ev LEFT JOIN ranked ON ev.raw_seg = ranked.raw_seg)",
            aggs.join(", "),
            value(first, ""),
            spec.top,
            literal(OTHER_SEGMENT)
        ));
    } else {
        ctes.push("mapped AS (SELECT ev.* FROM ev)".into());
    }
    let seg_key = if seg { ", segment" } else { "" };
    ctes.push(format!("agg AS (SELECT t_b{seg_key}, {} FROM mapped GROUP BY t_b{seg_key})", aggs.join(", ")));
    let lo = match spec.range_seconds {
        None => "min(t_b)".to_string(),
        Some(r) => format!("max(t_b) - {}", r - len),
    };
    ctes.push(format!(
        "bounds AS (SELECT {lo} AS lo, max(t_b) AS hi FROM ev), \
         buckets AS (SELECT unnest(range(lo, hi + 1, {len})) AS t_b FROM bounds WHERE lo IS NOT NULL)"
    ));
    let grid = if seg {
        "grid AS (SELECT buckets.t_b, segs.segment FROM buckets CROSS JOIN (SELECT DISTINCT segment FROM mapped) segs)"
    } else {
        "grid AS (SELECT t_b FROM buckets)"
    };
    ctes.push(grid.into());
    let on = if seg { "agg.t_b = grid.t_b AND agg.segment = grid.segment" } else { "agg.t_b = grid.t_b" };
    let mut values = Vec::new();
    for m in &spec.metrics {
        values.push(format!("{} AS {}", value(m, "agg."), quoted(&m.name)));
        if spec.compare_previous {
            let (now, before) = (value(m, "agg."), value(m, "prev."));
            values.push(format!("{before} AS {}", quoted(&format!("{}_previous", m.name))));
            values.push(format!(
                "CAST(({now}) - ({before}) AS DOUBLE) / CAST(NULLIF({before}, 0) AS DOUBLE) AS {}",
                quoted(&format!("{}_change", m.name))
            ));
        }
    }
    let previous = match spec.range_seconds.filter(|_| spec.compare_previous) {
        Some(r) => {
            let seg_on = if seg { " AND prev.segment = grid.segment" } else { "" };
            format!(" LEFT JOIN agg prev ON prev.t_b = grid.t_b - {r}{seg_on}")
        }
        None => String::new(),
    };
    let seg_out = if seg { "grid.segment AS segment, " } else { "" };
    let order = if seg { "bucket, segment" } else { "bucket" };
    format!(
        "WITH {} SELECT to_timestamp_seconds(grid.t_b) AS bucket, {seg_out}{} FROM grid LEFT JOIN agg ON {on}{previous} ORDER BY {order}",
        ctes.join(", "),
        values.join(", ")
    )
}

/// Runs a trend over the session's `events`.
pub async fn run(session: &Session, spec: &TrendSpec) -> Result<KpiReport> {
    let mut named: Vec<(&str, &str)> = vec![("unit", &spec.unit), ("event_column", &spec.event_column)];
    if let Some(b) = &spec.breakdown {
        named.push(("breakdown", b));
    }
    for m in &spec.metrics {
        if let TrendMetricDef::Sum { column, .. } = &m.definition {
            named.push(("metric", column));
        }
    }
    check_columns(session, &named, &spec.time_column)?;
    let unit = column(None, &spec.unit);
    let ts = column(None, &spec.time_column);
    let event = format!("CAST({} AS VARCHAR)", column(None, &spec.event_column));
    let user_events: Vec<String> = spec
        .metrics
        .iter()
        .filter_map(|m| match &m.definition {
            TrendMetricDef::Users { event: Some(e) } => Some(format!("{event} = {}", literal(e))),
            TrendMetricDef::Users { event: None } => Some("TRUE".into()),
            _ => None,
        })
        .collect();
    let null_unit = if user_events.is_empty() {
        "0".to_string()
    } else {
        format!("sum(CASE WHEN {unit} IS NULL AND {ts} IS NOT NULL AND ({}) THEN 1 ELSE 0 END)", user_events.join(" OR "))
    };
    let diag = session
        .sql(&format!(
            "SELECT CAST(COALESCE(sum(CASE WHEN {ts} IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS null_time, \
             CAST(COALESCE({null_unit}, 0) AS BIGINT) AS null_unit FROM events"
        ))
        .await?;
    let mut notes = Vec::new();
    let null_time = count_of(&diag, "null_time")?;
    if null_time > 0 {
        notes.push(format!("{null_time} event(s) have no time (`{}` is NULL) and are left out", spec.time_column));
    }
    let null_unit = count_of(&diag, "null_unit")?;
    if null_unit > 0 {
        notes.push(format!(
            "{null_unit} event(s) of `users` metrics have no unit (`{}` is NULL): they count in `count`/`sum` metrics only",
            spec.unit
        ));
    }
    let table = session.sql(&query(spec)).await?;
    Ok(KpiReport { table, notes })
}
