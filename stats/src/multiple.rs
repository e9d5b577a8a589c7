//! Multiple comparisons across arms × metrics: Holm and Benjamini–Hochberg
//! adjusted p-values, decisions, and intervals at the matching adjusted alpha.
//!
//! With m p-values sorted ascending, p_(1) ≤ … ≤ p_(m) (ties keep input order):
//!
//! | correction | adjusted p-value | rejects | interval alpha (this crate's choice) |
//! |---|---|---|---|
//! | Holm (FWER) | min(1, max_{j≤k} (m − j + 1)·p_(j)) | ranks before the first k with p_(k) > α/(m − k + 1) | rejected rank k: α/(m − k + 1); the others: α/(m − s + 1), s the first non-rejected rank |
//! | Benjamini–Hochberg (FDR) | min_{j≥k} min(1, m·p_(j)/j) | ranks ≤ R = max{k : p_(k) ≤ k·α/m} | R·α/m for every test (α/m when R = 0) |
//!
//! The adjusted p-values equal statsmodels `multipletests(method="holm" |
//! "fdr_bh")`. The intervals are chosen to agree with the decisions: an
//! interval excludes 0 exactly when its test is rejected.
//!
//! - Holm: each rejected test gets the alpha of the step that rejected it;
//!   the tests at and after the step where Holm stopped all get that step's
//!   alpha (their own step's alpha could exclude 0 for a test Holm did not
//!   reject). These intervals match Holm's decisions but are not simultaneous
//!   intervals; use alpha/m (Bonferroni) where simultaneous coverage is needed.
//! - BH: the false-coverage-rate intervals of Benjamini & Yekutieli (2005,
//!   JASA 100:71–81): level 1 − R·α/m for the selected (rejected) set, which
//!   controls the FCR at α. The brief's "α·rank/m" is this with rank = R, the
//!   largest rejected rank; a test's own rank k < R would give narrower-level,
//!   wider intervals than needed. Unselected tests get the same level so that
//!   every row has an interval (BY's guarantee covers the selected set only).
//!
//! Comparisons without a p-value (undefined tests) are left out of m.

use serde::{Deserialize, Serialize};

use crate::comparison::Comparison;
use crate::computed::{Computed, Undefined, UndefinedCode};
use crate::effect::{Effect, Interval};
use crate::error::{StatsError, check_alpha};

/// Which error rate to control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// Holm's step-down procedure: family-wise error rate.
    Holm,
    /// Benjamini–Hochberg step-up procedure: false discovery rate.
    BenjaminiHochberg,
}

/// Correction and family-wise alpha.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CorrectionOptions {
    pub correction: Correction,
    pub alpha: f64,
}

/// One test's correction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    pub p_value: f64,
    pub adjusted_p_value: f64,
    pub rejected: bool,
    /// The alpha at which this test's interval is recomputed (see module docs).
    pub adjusted_alpha: f64,
}

/// A comparison's row after correction: ready to export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdjustedComparison {
    pub adjustment: Adjustment,
    pub absolute_interval: Computed<Interval>,
    pub relative_interval: Computed<Interval>,
}

/// Adjusts p-values (in input order). Errors on a p-value outside [0, 1].
pub fn adjust_p_values(
    p_values: &[f64],
    options: &CorrectionOptions,
) -> Result<Vec<Adjustment>, StatsError> {
    check_alpha(options.alpha, "alpha")?;
    if let Some(bad) = p_values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(StatsError::invalid_input(format!(
            "p-values must lie in [0, 1], got {bad}"
        )));
    }
    let m = p_values.len();
    let mf = m as f64;
    let alpha = options.alpha;
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]));
    let sorted: Vec<f64> = order.iter().map(|&i| p_values[i]).collect();

    let mut adjusted = vec![0.0; m];
    let mut alphas = vec![0.0; m];
    let rejected_count;
    match options.correction {
        Correction::Holm => {
            let mut running = 0.0_f64;
            for (k, p) in sorted.iter().enumerate() {
                running = running.max((mf - k as f64) * p);
                adjusted[k] = running.min(1.0);
            }
            // First rank (0-based) where the step-down stops.
            let stop = sorted
                .iter()
                .enumerate()
                .position(|(k, &p)| p > alpha / (mf - k as f64))
                .unwrap_or(m);
            rejected_count = stop;
            for (k, a) in alphas.iter_mut().enumerate() {
                *a = alpha / (mf - k.min(stop) as f64);
            }
        }
        Correction::BenjaminiHochberg => {
            let mut running = 1.0_f64;
            for k in (0..m).rev() {
                running = running.min(mf * sorted[k] / (k as f64 + 1.0));
                adjusted[k] = running.min(1.0);
            }
            rejected_count = (0..m)
                .rev()
                .find(|&k| sorted[k] <= (k as f64 + 1.0) * alpha / mf)
                .map_or(0, |k| k + 1);
            alphas.fill(alpha * rejected_count.max(1) as f64 / mf);
        }
    }
    let mut out = vec![
        Adjustment {
            p_value: 0.0,
            adjusted_p_value: 0.0,
            rejected: false,
            adjusted_alpha: 0.0
        };
        m
    ];
    for (rank, &index) in order.iter().enumerate() {
        out[index] = Adjustment {
            p_value: sorted[rank],
            adjusted_p_value: adjusted[rank],
            rejected: rank < rejected_count,
            adjusted_alpha: alphas[rank],
        };
    }
    Ok(out)
}

/// Corrects a family of comparisons (in input order) and recomputes their
/// intervals at each test's adjusted alpha, keeping each comparison's sides.
pub fn adjust_comparisons(
    comparisons: &[Comparison],
    options: &CorrectionOptions,
) -> Result<Vec<Computed<AdjustedComparison>>, StatsError> {
    let tested: Vec<(usize, f64)> = comparisons
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.test.value().map(|t| (i, t.p_value)))
        .collect();
    let p_values: Vec<f64> = tested.iter().map(|&(_, p)| p).collect();
    let adjustments = adjust_p_values(&p_values, options)?;
    let mut rows: Vec<Computed<AdjustedComparison>> = comparisons
        .iter()
        .map(|c| {
            let reason = c
                .test
                .undefined()
                .map_or(String::new(), |(_, r)| r.to_string());
            Computed::Undefined {
                code: UndefinedCode::NotTested,
                reason: format!("no p-value: {reason}"),
            }
        })
        .collect();
    for (&(index, _), adjustment) in tested.iter().zip(adjustments) {
        let comparison = &comparisons[index];
        let at = |effect: &Computed<Effect>| -> Result<Interval, Undefined> {
            effect
                .to_result()?
                .interval_at(adjustment.adjusted_alpha, comparison.sides)
                .map_err(|e| Undefined::new(UndefinedCode::ZeroVariance, e.message))
        };
        rows[index] = Computed::Value(AdjustedComparison {
            adjustment,
            absolute_interval: at(&comparison.absolute).into(),
            relative_interval: at(&comparison.relative).into(),
        });
    }
    Ok(rows)
}
