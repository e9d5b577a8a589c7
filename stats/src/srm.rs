//! Sample-ratio mismatch (SRM): are the observed units per arm consistent
//! with the intended split? A mismatch means assignment or logging is broken
//! and the experiment's comparisons cannot be trusted.
//!
//! Pearson's chi-square goodness-of-fit test (scipy `chisquare(f_obs, f_exp)`,
//! gbstats `check_srm`): with k arms, N units, weights w (normalised),
//! expected counts E_i = N·w_i,
//!
//! ```text
//! X² = Σ (O_i − E_i)² / E_i,   df = k − 1,   p = P(χ²_{k−1} ≥ X²)
//! ```
//!
//! `flagged` when p < threshold (default 0.001, GrowthBook's default: SRM is
//! checked on every look, so a strict threshold keeps false alarms rare).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::computed::{Computed, UndefinedCode};
use crate::error::{StatsError, check_alpha};

/// The intended split and the alarm threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SrmOptions {
    /// Intended traffic weights, one per arm, positive; `None` = equal split.
    pub weights: Option<Vec<f64>>,
    /// Flag a mismatch when the p-value is below this (in (0, 1)).
    pub threshold: f64,
}

impl Default for SrmOptions {
    fn default() -> Self {
        Self {
            weights: None,
            threshold: 0.001,
        }
    }
}

/// The chi-square test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SrmResult {
    pub statistic: f64,
    pub df: u64,
    pub p_value: f64,
    /// p_value < threshold.
    pub flagged: bool,
    pub threshold: f64,
    /// Expected units per arm under the intended split.
    pub expected: Vec<f64>,
}

/// Chi-square goodness of fit of `observed` units per arm to the intended split.
///
/// Errors on fewer than two arms, weights that are not one positive finite
/// number per arm, or a threshold outside (0, 1); undefined when no unit was
/// observed at all.
pub fn sample_ratio_mismatch(
    observed: &[u64],
    options: &SrmOptions,
) -> Result<Computed<SrmResult>, StatsError> {
    check_alpha(options.threshold, "SRM threshold")?;
    let k = observed.len();
    if k < 2 {
        return Err(StatsError::invalid_input(format!(
            "SRM needs at least two arms, got {k}"
        )));
    }
    let weights = match &options.weights {
        None => vec![1.0; k],
        Some(w) if w.len() != k => {
            return Err(StatsError::invalid_option(format!(
                "SRM weights: {} weights for {k} arms",
                w.len()
            )));
        }
        Some(w) => {
            if let Some(bad) = w.iter().find(|w| !(w.is_finite() && **w > 0.0)) {
                return Err(StatsError::invalid_option(format!(
                    "SRM weights must be positive and finite, got {bad}"
                )));
            }
            w.clone()
        }
    };
    let total: u64 = observed.iter().sum();
    if total == 0 {
        return Ok(Computed::Undefined {
            code: UndefinedCode::NoUnits,
            reason: "no units observed in any arm".into(),
        });
    }
    let weight_sum: f64 = weights.iter().sum();
    let expected: Vec<f64> = weights
        .iter()
        .map(|w| w / weight_sum * total as f64)
        .collect();
    let statistic: f64 = observed
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum();
    let df = (k - 1) as u64;
    let chi2 = ChiSquared::new(df as f64)
        .map_err(|e| StatsError::invalid_input(format!("chi-square with {df} df: {e}")))?;
    let p_value = chi2.sf(statistic).clamp(0.0, 1.0);
    Ok(Computed::Value(SrmResult {
        statistic,
        df,
        p_value,
        flagged: p_value < options.threshold,
        threshold: options.threshold,
        expected,
    }))
}
