//! From per-arm sums to the read-out: `glint_stats` comparisons, the chosen
//! multiple-testing correction, SRM, and the result table ([`AbReport`]).

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use glint_stats::{
    AdjustedComparison, BayesianResult, Comparison, Computed, CorrectionOptions, CupedStats, Interval, MeanStats, RatioStats,
    SequentialOptions, SrmOptions, TestOptions, adjust_comparisons, bayes_binomial, bayes_normal, compare_binomial,
    compare_cuped, compare_means, compare_ratios, sample_ratio_mismatch,
};

use super::spec::{AbSpec, MetricDef, SrmWeights};
use super::{AbReport, SrmCheck};
use crate::error::{EngineError, ErrorKind, Result};
use crate::session::QueryOutput;

/// One metric's sums in one arm.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sums {
    Mean(MeanStats),
    Ratio(RatioStats),
    Cuped(CupedStats),
}

/// One arm's units and per-metric sums (in spec order).
#[derive(Debug, Clone)]
pub(crate) struct ArmSums {
    pub(crate) arm: String,
    pub(crate) units: u64,
    pub(crate) metrics: Vec<Sums>,
}

fn stats_error(what: &str, e: glint_stats::StatsError) -> EngineError {
    EngineError::new(ErrorKind::InvalidInput, format!("{what}: {}", e.message))
}

/// The table's columns, in order (with a breakdown, `segment` comes first).
pub const COLUMNS: [&str; 17] = [
    "metric",
    "kind",
    "arm",
    "units",
    "value",
    "abs_lift",
    "abs_ci_low",
    "abs_ci_high",
    "rel_lift",
    "rel_ci_low",
    "rel_ci_high",
    "p_value",
    "adj_p_value",
    "chance_to_beat",
    "expected_loss",
    "significant",
    "note",
];

#[derive(Default)]
struct Row {
    /// With a breakdown: the segment (`(all)` for the main rows).
    segment: Option<String>,
    metric: String,
    kind: &'static str,
    arm: String,
    units: i64,
    floats: [Option<f64>; 11],
    significant: Option<bool>,
    notes: Vec<String>,
}

impl Row {
    fn note(&mut self, reason: Option<&str>) {
        if let Some(r) = reason {
            if !self.notes.iter().any(|n| n == r) {
                self.notes.push(r.to_string());
            }
        }
    }
}

fn reason<T>(c: &Computed<T>) -> Option<&str> {
    c.undefined().map(|(_, r)| r)
}

/// One arm compared with the control on one metric.
struct Compared {
    metric: usize,
    arm: usize,
    comparison: Comparison,
    bayes: Computed<BayesianResult>,
}

/// Every (metric, arm ≠ control) comparison, in table order (arms: control first).
fn compare(spec: &AbSpec, options: &TestOptions, arms: &[ArmSums]) -> Result<Vec<Compared>> {
    let control = &arms[0];
    let mut compared = Vec::new();
    for (i, metric) in spec.metrics.iter().enumerate() {
        for (j, arm) in arms.iter().enumerate().skip(1) {
            let what = format!("metric `{}`, arm `{}`", metric.name, arm.arm);
            let (comparison, bayes) = match (&metric.definition, control.metrics[i], arm.metrics[i]) {
                (MetricDef::Conversion { .. }, Sums::Mean(a), Sums::Mean(b)) => {
                    let c = compare_binomial(&a, &b, options).map_err(|e| stats_error(&what, e))?;
                    let bayes = bayes_binomial(&a, &b).map_err(|e| stats_error(&what, e))?;
                    (c, Computed::Value(bayes))
                }
                (MetricDef::Value(_), Sums::Mean(a), Sums::Mean(b)) => {
                    let c = compare_means(&a, &b, options).map_err(|e| stats_error(&what, e))?;
                    let bayes = bayes_normal(&c);
                    (c, bayes)
                }
                (MetricDef::Value(_), Sums::Cuped(a), Sums::Cuped(b)) => {
                    let c = compare_cuped(&a, &b, options).map_err(|e| stats_error(&what, e))?;
                    let bayes = bayes_normal(&c);
                    (c, bayes)
                }
                (MetricDef::Ratio { .. }, Sums::Ratio(a), Sums::Ratio(b)) => {
                    let c = compare_ratios(&a, &b, options).map_err(|e| stats_error(&what, e))?;
                    let bayes = bayes_normal(&c);
                    (c, bayes)
                }
                _ => return Err(EngineError::new(ErrorKind::Internal, format!("{what}: sums of the wrong shape"))),
            };
            compared.push(Compared { metric: i, arm: j, comparison, bayes });
        }
    }
    Ok(compared)
}

/// How a group of rows treats multiple testing.
enum Family<'a> {
    /// The main read-out, corrected (or not) as the spec says.
    Main(Option<&'a [Computed<AdjustedComparison>]>),
    /// A breakdown segment: exploratory, outside the correction.
    Segment(&'a str),
}

/// The table rows of one group of arms: per metric, control then the others.
fn rows(spec: &AbSpec, arms: &[ArmSums], compared: &[Compared], family: &Family) -> Vec<Row> {
    let control = &arms[0];
    let segment = match family {
        Family::Main(_) => spec.breakdown.as_ref().map(|_| ALL_SEGMENTS.to_string()),
        Family::Segment(s) => Some(s.to_string()),
    };
    let mut rows = Vec::new();
    for (i, metric) in spec.metrics.iter().enumerate() {
        let kind = metric.definition.kind();
        let base = |arm: &ArmSums| Row {
            segment: segment.clone(),
            metric: metric.name.clone(),
            kind,
            arm: arm.arm.clone(),
            units: arm.units as i64,
            ..Row::default()
        };
        // Control row: its value from the first comparison's control summary.
        let mut row = base(control);
        if let Some(first) = compared.iter().find(|c| c.metric == i) {
            let c = &first.comparison;
            // CUPED rows show the unadjusted means (the lifts are adjusted).
            let summary = c.cuped.as_ref().map_or(&c.control, |d| &d.control_unadjusted);
            row.floats[0] = summary.value.value().copied();
            row.note(reason(&summary.value));
        }
        rows.push(row);
        for (k, Compared { arm, comparison: c, bayes, .. }) in compared.iter().enumerate().filter(|(_, c)| c.metric == i) {
            let mut row = base(&arms[*arm]);
            let summary = c.cuped.as_ref().map_or(&c.treatment, |d| &d.treatment_unadjusted);
            row.floats[0] = summary.value.value().copied();
            row.note(reason(&summary.value));
            if let (Some(details), Some(days)) = (&c.cuped, spec.cuped_days) {
                match &details.variance_reduction {
                    Computed::Value(r) => row.note(Some(&format!(
                        "CUPED ({days} days before exposure): variance of the lift reduced by {:.1}%",
                        r * 100.0
                    ))),
                    Computed::Undefined { reason, .. } => row.note(Some(&format!("CUPED: {reason}"))),
                }
            }
            let p = c.test.value().map(|t| t.p_value);
            let unadjusted = (
                c.absolute.value().map(|e| e.interval),
                c.relative.value().map(|e| e.interval),
            );
            let (abs_ci, rel_ci, adj_p, significant) = match family {
                Family::Main(Some(adjusted)) => match &adjusted[k] {
                    Computed::Value(a) => {
                        row.note(reason(&a.absolute_interval));
                        row.note(reason(&a.relative_interval));
                        (
                            a.absolute_interval.value().copied(),
                            a.relative_interval.value().copied(),
                            Some(a.adjustment.adjusted_p_value),
                            Some(a.adjustment.rejected),
                        )
                    }
                    Computed::Undefined { .. } => (None, None, None, None),
                },
                Family::Main(None) => (unadjusted.0, unadjusted.1, p, p.map(|p| p < spec.alpha)),
                Family::Segment(_) => {
                    if spec.correction.is_some() {
                        row.note(Some("breakdown rows are exploratory: not corrected for multiple comparisons"));
                    }
                    (unadjusted.0, unadjusted.1, None, p.map(|p| p < spec.alpha))
                }
            };
            let bounds = |ci: Option<Interval>| (ci.and_then(|i| i.lower), ci.and_then(|i| i.upper));
            let (abs_lo, abs_hi) = bounds(abs_ci);
            let (rel_lo, rel_hi) = bounds(rel_ci);
            row.floats[1] = c.absolute.value().map(|e| e.estimate);
            row.floats[2] = abs_lo;
            row.floats[3] = abs_hi;
            row.floats[4] = c.relative.value().map(|e| e.estimate);
            row.floats[5] = rel_lo;
            row.floats[6] = rel_hi;
            row.floats[7] = p;
            row.floats[8] = adj_p;
            row.floats[9] = bayes.value().map(|b| b.chance_to_beat_control);
            row.floats[10] = bayes.value().map(|b| b.expected_loss_treatment);
            row.significant = significant;
            row.note(reason(&c.absolute));
            row.note(reason(&c.relative));
            row.note(reason(&c.test));
            row.note(reason(bayes));
            rows.push(row);
        }
    }
    rows
}

/// The `segment` value of the main (all units) rows when there is a breakdown.
pub const ALL_SEGMENTS: &str = "(all)";

/// Compares every arm with the control (arms: control first; each segment's
/// arms likewise) and builds the report.
pub(crate) fn build(
    spec: &AbSpec,
    arms: &[ArmSums],
    segments: &[(String, Vec<ArmSums>)],
    mut warnings: Vec<String>,
    exposures: super::ExposureSummary,
) -> Result<AbReport> {
    let options = TestOptions {
        alpha: spec.alpha,
        sides: spec.sides,
        sequential: spec.sequential.then(SequentialOptions::default),
        ..TestOptions::default()
    };
    let compared = compare(spec, &options, arms)?;
    let comparisons: Vec<Comparison> = compared.iter().map(|c| c.comparison.clone()).collect();
    let adjusted: Option<Vec<Computed<AdjustedComparison>>> = match spec.correction {
        Some(correction) => Some(
            adjust_comparisons(&comparisons, &CorrectionOptions { correction, alpha: spec.alpha })
                .map_err(|e| stats_error("correction", e))?,
        ),
        None => None,
    };
    let mut table_rows = rows(spec, arms, &compared, &Family::Main(adjusted.as_deref()));
    for (segment, segment_arms) in segments {
        let compared = compare(spec, &options, segment_arms)?;
        table_rows.extend(rows(spec, segment_arms, &compared, &Family::Segment(segment)));
    }
    let rows = table_rows;

    let srm = srm(spec, arms)?;
    if srm.flagged {
        let observed: Vec<String> = srm.arms.iter().zip(&srm.observed).map(|(a, o)| format!("{a} {o}")).collect();
        let expected: Vec<String> = srm.expected.iter().map(|e| format!("{e:.1}")).collect();
        warnings.push(format!(
            "sample ratio mismatch: units per arm ({}) are not the intended split (expected {}; p = {} < {}): \
             assignment or logging is likely broken, so the comparisons cannot be trusted",
            observed.join(", "),
            expected.join(", "),
            short(srm.p_value),
            srm.threshold
        ));
    }
    Ok(AbReport { table: table(rows, spec.breakdown.is_some())?, srm, warnings, exposures })
}

/// A p-value in a sentence: 4 significant digits.
pub(crate) fn short(p: f64) -> String {
    if p != 0.0 && p.abs() < 1e-3 { format!("{p:.3e}") } else { format!("{:.4}", p) }
}

fn srm(spec: &AbSpec, arms: &[ArmSums]) -> Result<SrmCheck> {
    let names: Vec<String> = arms.iter().map(|a| a.arm.clone()).collect();
    let observed: Vec<u64> = arms.iter().map(|a| a.units).collect();
    let weights = match &spec.srm_weights {
        SrmWeights::Equal => None,
        SrmWeights::Ordered(w) => {
            if w.len() != arms.len() {
                return Err(EngineError::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "srm_weights: {} weights for {} arms ({}, in this order)",
                        w.len(),
                        arms.len(),
                        names.join(", ")
                    ),
                ));
            }
            Some(w.clone())
        }
        SrmWeights::Named(pairs) => {
            if let Some((unknown, _)) = pairs.iter().find(|(a, _)| !names.contains(a)) {
                return Err(EngineError::new(
                    ErrorKind::InvalidInput,
                    format!("srm_weights: no arm `{unknown}` (arms: {})", names.join(", ")),
                ));
            }
            let mut w = Vec::new();
            for name in &names {
                match pairs.iter().find(|(a, _)| a == name) {
                    Some((_, x)) => w.push(*x),
                    None => {
                        return Err(EngineError::new(
                            ErrorKind::InvalidInput,
                            format!("srm_weights: no weight for arm `{name}` (arms: {})", names.join(", ")),
                        ));
                    }
                }
            }
            Some(w)
        }
    };
    let options = SrmOptions { weights, threshold: spec.srm_threshold };
    match sample_ratio_mismatch(&observed, &options).map_err(|e| stats_error("srm", e))? {
        Computed::Value(r) => Ok(SrmCheck {
            arms: names,
            observed,
            expected: r.expected,
            statistic: r.statistic,
            p_value: r.p_value,
            flagged: r.flagged,
            threshold: r.threshold,
        }),
        Computed::Undefined { reason, .. } => Err(EngineError::new(ErrorKind::Internal, format!("srm: {reason}"))),
    }
}

/// Non-finite values never reach the table (they would be NaN): NULL instead.
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn table(rows: Vec<Row>, with_segment: bool) -> Result<QueryOutput> {
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    if with_segment {
        fields.push(Field::new("segment", DataType::Utf8, false));
        columns.push(Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.segment.as_deref().unwrap_or_default()))));
    }
    fields.extend([
        Field::new(COLUMNS[0], DataType::Utf8, false),
        Field::new(COLUMNS[1], DataType::Utf8, false),
        Field::new(COLUMNS[2], DataType::Utf8, false),
        Field::new(COLUMNS[3], DataType::Int64, false),
    ]);
    for name in &COLUMNS[4..15] {
        fields.push(Field::new(*name, DataType::Float64, true));
    }
    fields.push(Field::new(COLUMNS[15], DataType::Boolean, true));
    fields.push(Field::new(COLUMNS[16], DataType::Utf8, true));
    let schema = Arc::new(Schema::new(fields));
    columns.extend::<[ArrayRef; 4]>([
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.metric.as_str()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.kind))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.arm.as_str()))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.units))),
    ]);
    for f in 0..11 {
        columns.push(Arc::new(Float64Array::from_iter(rows.iter().map(|r| finite(r.floats[f])))));
    }
    columns.push(Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.significant))));
    columns.push(Arc::new(StringArray::from_iter(
        rows.iter().map(|r| (!r.notes.is_empty()).then(|| r.notes.join("; "))),
    )));
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    Ok(QueryOutput { schema, batches: vec![batch] })
}
