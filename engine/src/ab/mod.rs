//! A/B experiment read-outs: an `ab` notebook cell's body ([`AbSpec`]) →
//! DataFusion SQL over `events` that aggregates per-arm sufficient
//! statistics → `glint_stats` comparisons → an [`AbReport`].
//!
//! ```text
//!  body ─▶ AbSpec::parse ─▶ sql.rs: exposure ▸ units ▸ per_unit ▸ arm sums ─▶ report.rs: glint_stats ─▶ AbReport
//!          (line-numbered     (all aggregation in DataFusion, partitioned)      (tests, Bayes, SRM,     (table, srm,
//!           errors)                                                              correction)             warnings)
//! ```
//!
//! ```
//! use glint_engine::ab::{self, AbSpec};
//! use glint_engine::ingest::{IngestOptions, ingest};
//! use glint_engine::session::{Session, SessionOptions};
//! let mut log = String::new();
//! for (user, arm, buys) in [("u1", "a", true), ("u2", "a", false), ("u3", "b", true), ("u4", "b", true)] {
//!     log += &format!(r#"{{"userId":"{user}","event":"Experiment Viewed","timestamp":"2026-10-01T00:00:00Z","properties":{{"experiment_id":"e1","variant":"{arm}"}}}}"#);
//!     log += "\n";
//!     if buys {
//!         log += &format!(r#"{{"userId":"{user}","event":"Buy","timestamp":"2026-10-01T00:05:00Z"}}"#);
//!         log += "\n";
//!     }
//! }
//! let data = ingest(log.as_bytes(), 1, &IngestOptions::default()).unwrap();
//! let session = Session::new(&data, &SessionOptions::default())?;
//! let spec: AbSpec = "experiment: e1\ncontrol: a\nmetric: bought = conversion \"Buy\"".parse()?;
//! let report = futures::executor::block_on(ab::run(&session, &spec))?;
//! assert_eq!(report.srm.observed, vec![2, 2]);
//! assert_eq!(report.table.rows(), 2); // the control's row and arm b's
//! # Ok::<(), glint_engine::EngineError>(())
//! ```
//!
//! # The cell body
//!
//! One `key: value` per line; `#` starts a comment (not inside `"..."`);
//! blank lines are ignored; keys other than `metric` and `cap` appear once.
//!
//! ```text
//! experiment: rec_model_v2                      # required: the experiment id value
//! control: control                              # required: the control arm
//! experiment_column: properties.experiment_id   # default
//! variant_column: properties.variant            # default
//! unit: user_id                                 # default
//! event_column: event                           # default
//! time_column: ts                               # default (the ingest's name for `timestamp`)
//! alpha: 0.05                                   # default; in (0, 1)
//! sides: two                                    # two | greater | less
//! correction: holm                              # holm | bh | none, across (arm ≠ control) × metrics
//! srm_weights: 1, 1                             # or control=1, treatment=1; default equal
//! srm_threshold: 0.001                          # default
//! sequential: false                             # true: always-valid (mixture SPRT) p-values
//! cuped: 14                                     # optional: CUPED with a 14-day pre-exposure covariate
//! breakdown: context.device.type                # optional: also per value of this column
//! metric: NAME = conversion "Event"
//! metric: NAME = count ["Event"]
//! metric: NAME = sum COLUMN ["Event"]
//! metric: NAME = ratio AGG / AGG                # AGG: count ["Event"] | sum COLUMN ["Event"]
//! cap: NAME 99%                                 # or cap: NAME 1000 (count and sum metrics)
//! ```
//!
//! Columns are names or dotted paths into nested objects (`properties.revenue`).
//! Plain `srm_weights` are in report order: control first, then the other
//! arms by name.
//!
//! # Semantics
//!
//! - **Exposure**: an event whose `experiment_column` equals `experiment`. A
//!   unit's exposure time is its first exposure; its arm is the
//!   `variant_column` of its exposures. Exposure events with a NULL unit, arm
//!   or time are left out and counted; units exposed to more than one arm
//!   are left out of every arm and counted (both appear in
//!   [`AbReport::warnings`]).
//! - **Metrics** use only the unit's events at or after its exposure time:
//!   `conversion` is 1 when the unit did the event (binomial: pooled z-test
//!   and the exact beta-binomial chance to beat), `count`/`sum` are per-unit
//!   values (Welch's t-test, normal-approximation Bayes), a `ratio` is
//!   Σ numerator / Σ denominator over the arm's units (delta method). A NULL
//!   summed value counts as 0.
//! - **CUPED** (`cuped: DAYS`): count and sum metrics are adjusted by the same
//!   per-unit aggregate over the DAYS days before the unit's exposure
//!   (glint-stats `compare_cuped`, θ pooled over the two arms compared);
//!   `value` stays the unadjusted mean and `note` gives the variance reduction.
//! - **Breakdown** (`breakdown: COLUMN`): a unit's segment is the column's
//!   value on its first exposure (`(null)` when NULL). The table gains a
//!   first column `segment` (`(all)` for the main rows); each segment's rows
//!   compare its arms like the main rows but are exploratory: outside the
//!   correction (`adj_p_value` NULL, `significant` at the raw alpha) and the
//!   SRM check. Segments without the control or another arm are left out
//!   with a warning.
//! - **Caps**: `LEAST(value, cap)` per unit before summing; a percentile cap
//!   is the exact nearest-rank percentile of all arms' per-unit values
//!   (computed in SQL with a window), not an approximation.
//! - **SRM**: chi-square of units per arm against the intended split.
//! - **Correction** (default Holm): adjusted p-values, `significant`, and the
//!   interval columns are the corrected ones (intervals at each test's
//!   adjusted alpha, so an interval excludes 0 exactly when `significant`).
//!
//! The time column must exist: an A/B read-out without event times cannot
//! tell events before exposure from events after it, so it is an error.
//!
//! # The table
//!
//! One row per metric × arm, control first: [`COLUMNS`]. Control rows
//! have NULL comparison columns. `value` is the rate, mean or ratio;
//! `abs_*` are treatment − control, `rel_*` (treatment − control) / control
//! as a fraction; `chance_to_beat` is P(arm > control); `expected_loss` is the
//! risk of shipping the arm — in rate points for conversions, as a fraction
//! of the control's value otherwise (glint-stats' `LossScale`). A statistic
//! that does not exist is NULL and `note` says why; nothing is NaN.

mod report;
mod spec;
mod sql;

pub use report::{ALL_SEGMENTS, COLUMNS};
pub use spec::{AbSpec, Aggregate, Cap, Metric, MetricDef, SrmWeights};

use glint_stats::{CupedStats, MeanStats, RatioStats};

use crate::error::{EngineError, ErrorKind, Result};
use crate::session::{QueryOutput, Session};
use report::{ArmSums, Sums};

/// The read-out.
#[derive(Debug, Clone)]
pub struct AbReport {
    /// One row per metric × arm (see the module docs); shown like a SQL result.
    pub table: QueryOutput,
    pub srm: SrmCheck,
    /// Sentences for the analyst: excluded units and events, caps, SRM.
    pub warnings: Vec<String>,
    pub exposures: ExposureSummary,
}

/// The sample-ratio-mismatch check, arms in report order (control first).
#[derive(Debug, Clone, PartialEq)]
pub struct SrmCheck {
    pub arms: Vec<String>,
    pub observed: Vec<u64>,
    pub expected: Vec<f64>,
    pub statistic: f64,
    pub p_value: f64,
    pub flagged: bool,
    pub threshold: f64,
}

/// What happened to the exposure events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExposureSummary {
    /// Events with `experiment_column = experiment`.
    pub exposure_events: u64,
    /// Of those, left out: no unit.
    pub null_unit_events: u64,
    /// Left out: a unit but no arm.
    pub null_arm_events: u64,
    /// Left out: a unit and arm but no time.
    pub null_time_events: u64,
    /// Units exposed to more than one arm (left out of every arm).
    pub multi_arm_units: u64,
}

fn invalid(message: impl Into<String>) -> EngineError {
    EngineError::new(ErrorKind::InvalidInput, message)
}

/// Runs the read-out of `spec` over the session's `events`.
pub async fn run(session: &Session, spec: &AbSpec) -> Result<AbReport> {
    check_columns(session, spec)?;
    let out = session.sql(&sql::exposure_diagnostics(spec)).await?;
    let count = |name: &str| -> Result<u64> { Ok(sql::counts(&out.batches, name)?.first().copied().unwrap_or(0).max(0) as u64) };
    let mut exposures = ExposureSummary {
        exposure_events: count("exposure_events")?,
        null_unit_events: count("null_unit")?,
        null_arm_events: count("null_arm")?,
        null_time_events: count("null_time")?,
        multi_arm_units: 0,
    };
    if exposures.exposure_events == 0 {
        let seen = sql::strings(&session.sql(&sql::experiment_values(spec)).await?.batches, "v")?;
        let seen: Vec<String> = seen.into_iter().flatten().map(|v| format!("`{v}`")).collect();
        let values = if seen.is_empty() {
            format!("`{}` is NULL on every event", spec.experiment_column)
        } else {
            format!("values seen: {}", seen.join(", "))
        };
        return Err(invalid(format!(
            "no exposures found: no event has {} = `{}` ({values})",
            spec.experiment_column, spec.experiment
        )));
    }

    let units = session.sql(&sql::units_per_arm(spec)).await?;
    let names = sql::strings(&units.batches, "arm")?;
    let per_arm = sql::counts(&units.batches, "units")?;
    let mut arms: Vec<(String, u64)> = Vec::new();
    for (name, n) in names.into_iter().zip(per_arm) {
        match name {
            Some(name) => arms.push((name, n as u64)),
            None => exposures.multi_arm_units = n as u64,
        }
    }
    let mut warnings = exposure_warnings(spec, &exposures);
    if !arms.iter().any(|(a, _)| *a == spec.control) {
        let seen = sql::strings(&session.sql(&sql::arms_seen(spec)).await?.batches, "arm")?;
        let seen: Vec<String> = seen.into_iter().flatten().map(|a| format!("`{a}`")).collect();
        let hint = if arms.is_empty() && !seen.is_empty() { " (every unit was seen in more than one arm)" } else { "" };
        return Err(invalid(format!(
            "control `{}` is not an arm of experiment `{}`; arms seen in `{}`: {}{hint}",
            spec.control,
            spec.experiment,
            spec.variant_column,
            if seen.is_empty() { "none".to_string() } else { seen.join(", ") }
        )));
    }
    if arms.len() < 2 {
        return Err(invalid(format!(
            "experiment `{}` has only the arm `{}` (after leaving out units seen in several arms): \
             a read-out needs the control and at least one other arm",
            spec.experiment, spec.control
        )));
    }

    let mut caps = Vec::with_capacity(spec.metrics.len());
    for (i, metric) in spec.metrics.iter().enumerate() {
        caps.push(match metric.cap {
            None => None,
            Some(Cap::Value(v)) => Some(v),
            Some(Cap::Percentile(p)) => {
                let out = session.sql(&sql::percentile(spec, i, p)).await?;
                sql::floats(&out.batches, "cap")?.first().copied().flatten()
            }
        });
    }

    let out = session.sql(&sql::arm_sums(spec, &caps, false)).await?;
    let mut sums: Vec<ArmSums> = read_sums(spec, &out)?.into_iter().map(|(_, a)| a).collect();
    control_first(&mut sums, &spec.control);
    for (i, metric) in spec.metrics.iter().enumerate() {
        if let (Some(cap), Some(kind)) = (caps[i], metric.cap) {
            let over: i64 = sql::counts(&out.batches, &format!("over{i}"))?.iter().sum();
            let how = match kind {
                Cap::Percentile(p) => format!("the {p}th percentile of all arms' units, exact nearest rank"),
                Cap::Value(_) => "a fixed cap".to_string(),
            };
            // 12 significant digits: the same cap, summed in another order, reads the same.
            let shown: f64 = format!("{cap:.11e}").parse().unwrap_or(cap);
            warnings.push(format!("`{}`: per-unit values capped at {shown} ({how}); {over} unit(s) were above it", metric.name));
        }
    }
    let mut segments: Vec<(String, Vec<ArmSums>)> = Vec::new();
    if let Some(column) = &spec.breakdown {
        let out = session.sql(&sql::arm_sums(spec, &caps, true)).await?;
        for (segment, arm) in read_sums(spec, &out)? {
            let segment = segment.unwrap_or_else(|| sql::NULL_SEGMENT.to_string());
            match segments.last_mut() {
                Some((s, arms)) if *s == segment => arms.push(arm),
                _ => segments.push((segment, vec![arm])),
            }
        }
        segments.retain_mut(|(segment, arms)| {
            let has_control = arms.iter().any(|a| a.arm == spec.control);
            if !has_control || arms.len() < 2 {
                let why = if has_control { "only the control has units there" } else { "the control has no units there" };
                warnings.push(format!("breakdown `{column}` = `{segment}` is left out: {why}"));
                return false;
            }
            control_first(arms, &spec.control);
            true
        });
    }
    report::build(spec, &sums, &segments, warnings, exposures)
}

/// Moves the control to the front; the others stay in name order.
fn control_first(arms: &mut Vec<ArmSums>, control: &str) {
    if let Some(k) = arms.iter().position(|a| a.arm == control) {
        let c = arms.remove(k);
        arms.insert(0, c);
    }
}

fn exposure_warnings(spec: &AbSpec, e: &ExposureSummary) -> Vec<String> {
    let mut w = Vec::new();
    if e.multi_arm_units > 0 {
        w.push(format!(
            "{} unit(s) were exposed to more than one arm and are left out of every arm",
            e.multi_arm_units
        ));
    }
    if e.null_unit_events > 0 {
        w.push(format!(
            "{} exposure event(s) have no unit (`{}` is NULL) and are left out",
            e.null_unit_events, spec.unit
        ));
    }
    if e.null_arm_events > 0 {
        w.push(format!(
            "{} exposure event(s) have no arm (`{}` is NULL) and are left out",
            e.null_arm_events, spec.variant_column
        ));
    }
    if e.null_time_events > 0 {
        w.push(format!(
            "{} exposure event(s) have no time (`{}` is NULL) and are left out",
            e.null_time_events, spec.time_column
        ));
    }
    w
}

/// Per-arm sums, each with its segment when the query has one.
fn read_sums(spec: &AbSpec, out: &QueryOutput) -> Result<Vec<(Option<String>, ArmSums)>> {
    let b = &out.batches;
    let arms = sql::strings(b, "arm")?;
    let segments = match out.schema.column_with_name("seg") {
        Some(_) => sql::strings(b, "seg")?,
        None => vec![None; arms.len()],
    };
    let n = sql::counts(b, "n")?;
    let mut metric_columns = Vec::new();
    for (i, metric) in spec.metrics.iter().enumerate() {
        let f = |prefix: &str| sql::floats(b, &format!("{prefix}{i}"));
        let zero = |v: Vec<Option<f64>>| v.into_iter().map(|x| x.unwrap_or(0.0)).collect::<Vec<f64>>();
        metric_columns.push(match metric.definition {
            MetricDef::Ratio { .. } => {
                vec![zero(f("sm")?), zero(f("sd")?), zero(f("qm")?), zero(f("qd")?), zero(f("x")?)]
            }
            MetricDef::Value(_) if spec.cuped_days.is_some() => {
                vec![zero(f("s")?), zero(f("q")?), zero(f("sc")?), zero(f("qc")?), zero(f("vc")?)]
            }
            _ => vec![zero(f("s")?), zero(f("q")?)],
        });
    }
    let mut result = Vec::new();
    for (r, arm) in arms.into_iter().enumerate() {
        let Some(arm) = arm else { continue };
        let units = n[r].max(0) as u64;
        let metrics = spec
            .metrics
            .iter()
            .zip(&metric_columns)
            .map(|(m, cols)| match m.definition {
                MetricDef::Ratio { .. } => Sums::Ratio(RatioStats {
                    n: units,
                    sum_num: cols[0][r],
                    sum_den: cols[1][r],
                    sum_num_sq: cols[2][r],
                    sum_den_sq: cols[3][r],
                    sum_num_den: cols[4][r],
                }),
                MetricDef::Value(_) if spec.cuped_days.is_some() => Sums::Cuped(CupedStats {
                    n: units,
                    sum_y: cols[0][r],
                    sum_y_sq: cols[1][r],
                    sum_x: cols[2][r],
                    sum_x_sq: cols[3][r],
                    sum_xy: cols[4][r],
                }),
                _ => Sums::Mean(MeanStats { n: units, sum: cols[0][r], sum_sq: cols[1][r] }),
            })
            .collect();
        result.push((segments[r].clone(), ArmSums { arm, units, metrics }));
    }
    Ok(result)
}

/// Every column the spec names must exist; the time column must hold times.
fn check_columns(session: &Session, spec: &AbSpec) -> Result<()> {
    let fields = session.fields();
    let find = |name: &str| fields.iter().find(|f| f.name == name);
    let mut named: Vec<(&str, &str)> = vec![
        ("experiment_column", &spec.experiment_column),
        ("variant_column", &spec.variant_column),
        ("unit", &spec.unit),
    ];
    let has_event = |a: &Aggregate| match a {
        Aggregate::Count { event } | Aggregate::Sum { event, .. } => event.is_some(),
    };
    let uses_events = spec.metrics.iter().any(|m| match &m.definition {
        MetricDef::Conversion { .. } => true,
        MetricDef::Value(a) => has_event(a),
        MetricDef::Ratio { numerator, denominator } => has_event(numerator) || has_event(denominator),
    });
    if uses_events {
        named.push(("event_column", &spec.event_column));
    }
    if let Some(b) = &spec.breakdown {
        named.push(("breakdown", b));
    }
    for m in &spec.metrics {
        let sums: Vec<&String> = match &m.definition {
            MetricDef::Value(Aggregate::Sum { column, .. }) => vec![column],
            MetricDef::Ratio { numerator, denominator } => [numerator, denominator]
                .into_iter()
                .filter_map(|a| match a {
                    Aggregate::Sum { column, .. } => Some(column),
                    Aggregate::Count { .. } => None,
                })
                .collect(),
            _ => vec![],
        };
        for c in sums {
            if find(c).is_none() {
                return Err(unknown_column(session, &format!("metric `{}` (line {})", m.name, m.line), c));
            }
        }
    }
    for (key, name) in named {
        if find(name).is_none() {
            return Err(unknown_column(session, &format!("`{key}`"), name));
        }
    }
    match find(&spec.time_column) {
        None if spec.time_column == "ts" => Err(invalid(
            "the log has no timestamp column (`timestamp` or `ts`): an A/B read-out counts metric events only \
             at or after each unit's exposure, so it needs event times (name another column with `time_column:`)",
        )),
        None => Err(unknown_column(session, "`time_column`", &spec.time_column)),
        Some(f) => {
            let t = f.data_type.as_str();
            let usable = t.starts_with("Timestamp") || t.starts_with("Date") || t.starts_with("Int") || t.starts_with("Float");
            if usable && spec.cuped_days.is_some() && !t.starts_with("Timestamp") {
                Err(invalid(format!(
                    "`cuped:` counts days before exposure, so `{}` must be a timestamp, not {t}",
                    spec.time_column
                )))
            } else if usable {
                Ok(())
            } else {
                Err(invalid(format!(
                    "`{}` is {t}, not a time: most of its values did not parse as timestamps, so exposure \
                     order cannot be decided",
                    spec.time_column
                )))
            }
        }
    }
}

fn unknown_column(session: &Session, role: &str, name: &str) -> EngineError {
    let best = session
        .fields()
        .iter()
        .map(|f| (strsim::jaro_winkler(&f.name, name), &f.name))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match best {
        Some((_, n)) => format!("; did you mean `{n}`?"),
        None => String::new(),
    };
    invalid(format!("{role}: the log has no column `{name}`{hint}"))
}
