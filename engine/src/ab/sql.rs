//! The SQL an [`AbSpec`] runs over `events`: exposure diagnostics, units per
//! arm, percentile caps, and per-arm sufficient statistics. Every aggregation
//! is a DataFusion `GROUP BY`, so it runs partitioned like any other query.
//!
//! ```text
//! exposure  events with experiment_column = experiment, unit/arm/time not NULL
//! assigned  per unit: its arm and first exposure time (units with > 1 arm dropped)
//! per_unit  per (arm, unit): one column per metric part, over the unit's
//!           events at or after its exposure (an inner join on unit, time ≥ exposed_at;
//!           with CUPED the join starts `cuped` days earlier and the covariate
//!           column sums the events before exposure)
//! capped    LEAST(value, cap) for capped metrics
//! arm sums  per arm: n, Σx, Σx² (ratios: Σm, Σd, Σm², Σd², Σmd; CUPED: Σc, Σc², Σxc),
//!           units above the cap
//! ```

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::record_batch::RecordBatch;

use super::spec::{AbSpec, Aggregate, Metric, MetricDef};
use crate::error::{EngineError, ErrorKind, Result};

pub(crate) use crate::kpi::{column, literal};

/// A float literal that any value (exponents included) survives.
pub(crate) fn float(v: f64) -> String {
    format!("CAST('{v:?}' AS DOUBLE)")
}

fn is_experiment(spec: &AbSpec) -> String {
    format!("CAST({} AS VARCHAR) = {}", column(None, &spec.experiment_column), literal(&spec.experiment))
}

/// One row: exposure events, and those left out for a NULL unit, arm or time.
pub(crate) fn exposure_diagnostics(spec: &AbSpec) -> String {
    let unit = column(None, &spec.unit);
    let arm = column(None, &spec.variant_column);
    let ts = column(None, &spec.time_column);
    format!(
        "SELECT CAST(count(*) AS BIGINT) AS exposure_events, \
         CAST(COALESCE(sum(CASE WHEN {unit} IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS null_unit, \
         CAST(COALESCE(sum(CASE WHEN {unit} IS NOT NULL AND {arm} IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS null_arm, \
         CAST(COALESCE(sum(CASE WHEN {unit} IS NOT NULL AND {arm} IS NOT NULL AND {ts} IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS null_time \
         FROM events WHERE {}",
        is_experiment(spec)
    )
}

/// Up to 10 values of the experiment column, for a "no exposures" message.
pub(crate) fn experiment_values(spec: &AbSpec) -> String {
    let col = column(None, &spec.experiment_column);
    format!(
        "SELECT DISTINCT CAST({col} AS VARCHAR) AS v FROM events WHERE {col} IS NOT NULL ORDER BY v LIMIT 10"
    )
}

fn exposure_ctes(spec: &AbSpec) -> String {
    let unit = column(None, &spec.unit);
    let arm = column(None, &spec.variant_column);
    let ts = column(None, &spec.time_column);
    // A unit's segment: its value on the first exposure (ties: the smallest).
    let (seg, unit_seg) = match &spec.breakdown {
        Some(col) => (
            format!(", CAST({} AS VARCHAR) AS seg", column(None, col)),
            format!(", COALESCE(first_value(seg ORDER BY ts, seg), {}) AS seg", literal(NULL_SEGMENT)),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "exposure AS (SELECT {unit} AS unit, CAST({arm} AS VARCHAR) AS arm, {ts} AS ts{seg} FROM events \
         WHERE {} AND {unit} IS NOT NULL AND {arm} IS NOT NULL AND {ts} IS NOT NULL), \
         units AS (SELECT unit, min(arm) AS arm, count(DISTINCT arm) AS arms, min(ts) AS exposed_at{unit_seg} \
         FROM exposure GROUP BY unit)",
        is_experiment(spec)
    )
}

/// The segment of units whose breakdown column is NULL on their first exposure.
pub(crate) const NULL_SEGMENT: &str = "(null)";

/// Units per arm; the row with a NULL arm counts units seen in more than one arm.
pub(crate) fn units_per_arm(spec: &AbSpec) -> String {
    format!(
        "WITH {} SELECT CASE WHEN arms = 1 THEN arm END AS arm, CAST(count(*) AS BIGINT) AS units \
         FROM units GROUP BY 1 ORDER BY 1",
        exposure_ctes(spec)
    )
}

/// Every arm name seen on an exposure (for an unknown-control message).
pub(crate) fn arms_seen(spec: &AbSpec) -> String {
    format!("WITH {} SELECT DISTINCT arm FROM exposure ORDER BY arm", exposure_ctes(spec))
}

/// Events matching an optional event name within a time window, as a SQL
/// condition on `e` (the event) and `a` (the unit's assignment).
fn event_condition(spec: &AbSpec, event: Option<&str>, window: Window) -> String {
    let mut parts = Vec::new();
    if let Some(name) = event {
        parts.push(format!("{} = {}", column(Some("e"), &spec.event_column), literal(name)));
    }
    let ts = column(Some("e"), &spec.time_column);
    match window {
        // The join already keeps only events at or after exposure.
        Window::AfterOnly => {}
        Window::After => parts.push(format!("{ts} >= a.exposed_at")),
        Window::Before => parts.push(format!("{ts} < a.exposed_at")),
    }
    if parts.is_empty() { "TRUE".into() } else { parts.join(" AND ") }
}

/// Which of the unit's joined events an aggregate looks at.
#[derive(Clone, Copy)]
enum Window {
    /// Every joined event (the join starts at exposure).
    AfterOnly,
    /// At or after exposure (the join also holds pre-exposure events for CUPED).
    After,
    /// Before exposure (CUPED's covariate).
    Before,
}

fn aggregate_sql(spec: &AbSpec, agg: &Aggregate, window: Window) -> String {
    match agg {
        Aggregate::Count { event } => format!(
            "CAST(sum(CASE WHEN {} THEN 1 ELSE 0 END) AS DOUBLE)",
            event_condition(spec, event.as_deref(), window)
        ),
        Aggregate::Sum { column: col, event } => format!(
            "CAST(sum(CASE WHEN {} THEN COALESCE(CAST({} AS DOUBLE), 0.0) ELSE 0.0 END) AS DOUBLE)",
            event_condition(spec, event.as_deref(), window),
            column(Some("e"), col)
        ),
    }
}

/// The per-unit columns of metric `i`: `v{i}` (value metrics, conversions;
/// with CUPED also the covariate `c{i}`) or `m{i}`, `d{i}` (ratios).
fn per_unit_columns(spec: &AbSpec, i: usize, metric: &Metric) -> Vec<String> {
    let after = if spec.cuped_days.is_some() { Window::After } else { Window::AfterOnly };
    match &metric.definition {
        MetricDef::Conversion { event } => vec![format!(
            "CAST(max(CASE WHEN {} THEN 1 ELSE 0 END) AS DOUBLE) AS v{i}",
            event_condition(spec, Some(event), after)
        )],
        MetricDef::Value(agg) => {
            let mut columns = vec![format!("{} AS v{i}", aggregate_sql(spec, agg, after))];
            if spec.cuped_days.is_some() {
                columns.push(format!("{} AS c{i}", aggregate_sql(spec, agg, Window::Before)));
            }
            columns
        }
        MetricDef::Ratio { numerator, denominator } => vec![
            format!("{} AS m{i}", aggregate_sql(spec, numerator, after)),
            format!("{} AS d{i}", aggregate_sql(spec, denominator, after)),
        ],
    }
}

fn per_unit_ctes(spec: &AbSpec) -> String {
    let columns: Vec<String> =
        spec.metrics.iter().enumerate().flat_map(|(i, m)| per_unit_columns(spec, i, m)).collect();
    let ts = column(Some("e"), &spec.time_column);
    let start = match spec.cuped_days {
        Some(days) => format!("{ts} >= a.exposed_at - INTERVAL '{days} days'"),
        None => format!("{ts} >= a.exposed_at"),
    };
    let seg = if spec.breakdown.is_some() { ", seg" } else { "" };
    let a_seg = if spec.breakdown.is_some() { ", a.seg" } else { "" };
    format!(
        "{}, assigned AS (SELECT unit, arm, exposed_at{seg} FROM units WHERE arms = 1), \
         per_unit AS (SELECT a.arm, a.unit{a_seg}, {} FROM assigned a JOIN events e \
         ON {} = a.unit AND {start} GROUP BY a.arm, a.unit{a_seg})",
        exposure_ctes(spec),
        columns.join(", "),
        column(Some("e"), &spec.unit),
    )
}

/// The exact nearest-rank percentile (smallest value with rank ≥ ⌈p·n⌉) of
/// metric `i`'s per-unit values, all arms pooled.
pub(crate) fn percentile(spec: &AbSpec, i: usize, percent: f64) -> String {
    format!(
        "WITH {}, ranked AS (SELECT v{i} AS v, row_number() OVER (ORDER BY v{i}) AS r, count(*) OVER () AS n FROM per_unit) \
         SELECT min(v) AS cap FROM ranked WHERE CAST(r AS DOUBLE) >= ceil({} * CAST(n AS DOUBLE) / 100.0)",
        per_unit_ctes(spec),
        float(percent)
    )
}

/// Per-arm sums (per segment and arm when `by_segment`); `caps[i]` is
/// metric `i`'s cap value, if capped.
pub(crate) fn arm_sums(spec: &AbSpec, caps: &[Option<f64>], by_segment: bool) -> String {
    let keys = if by_segment { "seg, arm" } else { "arm" };
    let mut capped = vec![keys.to_string()];
    let mut sums = vec![keys.to_string(), "CAST(count(*) AS BIGINT) AS n".to_string()];
    for (i, metric) in spec.metrics.iter().enumerate() {
        match &metric.definition {
            MetricDef::Ratio { .. } => {
                capped.push(format!("m{i}, d{i}"));
                sums.push(format!(
                    "sum(m{i}) AS sm{i}, sum(d{i}) AS sd{i}, sum(m{i} * m{i}) AS qm{i}, sum(d{i} * d{i}) AS qd{i}, sum(m{i} * d{i}) AS x{i}"
                ));
            }
            _ => {
                let cuped = spec.cuped_days.is_some() && matches!(metric.definition, MetricDef::Value(_));
                match caps.get(i).copied().flatten() {
                    // A percentile cap is some unit's own value, summed in
                    // another query: in another order over other partitions
                    // it may come out an ulp or so higher. Such a unit is at
                    // the cap, not above it.
                    Some(cap) => capped.push(format!(
                        "LEAST(v{i}, {c}) AS v{i}, CASE WHEN v{i} > {above} THEN 1 ELSE 0 END AS over{i}",
                        c = float(cap),
                        above = float(cap + 1e-9 * cap.abs().max(1.0))
                    )),
                    None => capped.push(format!("v{i}, 0 AS over{i}")),
                }
                sums.push(format!(
                    "sum(v{i}) AS s{i}, sum(v{i} * v{i}) AS q{i}, CAST(sum(over{i}) AS BIGINT) AS over{i}"
                ));
                if cuped {
                    // The covariate is capped like the metric.
                    match caps.get(i).copied().flatten() {
                        Some(cap) => capped.push(format!("LEAST(c{i}, {}) AS c{i}", float(cap))),
                        None => capped.push(format!("c{i}")),
                    }
                    sums.push(format!("sum(c{i}) AS sc{i}, sum(c{i} * c{i}) AS qc{i}, sum(v{i} * c{i}) AS vc{i}"));
                }
            }
        }
    }
    format!(
        "WITH {}, capped AS (SELECT {} FROM per_unit) SELECT {} FROM capped GROUP BY {keys} ORDER BY {keys}",
        per_unit_ctes(spec),
        capped.join(", "),
        sums.join(", ")
    )
}

/// A result column by name, as strings (NULL → `None`).
pub(crate) fn strings(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<String>>> {
    let mut out = Vec::new();
    for b in batches {
        let col = arrow::compute::cast(column_of(b, name)?, &DataType::Utf8)?;
        let col = col.as_string::<i32>();
        out.extend((0..col.len()).map(|i| col.is_valid(i).then(|| col.value(i).to_string())));
    }
    Ok(out)
}

/// A result column by name, as f64 (NULL → `None`).
pub(crate) fn floats(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<f64>>> {
    let mut out = Vec::new();
    for b in batches {
        let col = arrow::compute::cast(column_of(b, name)?, &DataType::Float64)?;
        let col = col.as_primitive::<Float64Type>();
        out.extend((0..col.len()).map(|i| col.is_valid(i).then(|| col.value(i))));
    }
    Ok(out)
}

/// A result column by name, as i64 (NULL → 0: the columns read so are counts).
pub(crate) fn counts(batches: &[RecordBatch], name: &str) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for b in batches {
        let col = arrow::compute::cast(column_of(b, name)?, &DataType::Int64)?;
        let col = col.as_primitive::<Int64Type>();
        out.extend((0..col.len()).map(|i| if col.is_valid(i) { col.value(i) } else { 0 }));
    }
    Ok(out)
}

fn column_of<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| EngineError::new(ErrorKind::Internal, format!("ab: the query returned no column `{name}`")))
}
