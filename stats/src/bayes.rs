//! Bayesian read-outs: the [`BayesianResult`] type and the normal
//! approximation used for continuous, ratio and CUPED metrics.
//!
//! The normal approximation follows gbstats' `EffectBayesianABTest` with its
//! default flat (improper) prior on the relative lift: the posterior of the
//! lift L is N(μ, σ²) with μ the relative lift and σ its delta-method
//! standard error ([`crate::comparison`]). With z = μ/σ, Φ and φ the standard
//! normal CDF and density (statrs):
//!
//! ```text
//! chance to beat control         P(L > 0)        = Φ(z)
//! expected loss, ship treatment  E[max(−L, 0)]   = σ·φ(z) − μ·Φ(−z)
//! expected loss, keep control    E[max(L, 0)]    = μ·Φ(z) + σ·φ(z)
//! ```
//!
//! (gbstats' `risk = [risk_ctrl, risk_trt]`, computed there with truncated
//! normal means; the closed forms above are the same quantities.) Losses are
//! on the relative scale (0.01 = one percent of the control mean).
//!
//! Tolerance: closed forms, matched to gbstats at 1e-9 relative, except that
//! a loss far below σ is a difference of two nearly equal terms; statrs'
//! normal tail (≈ 1e-11 relative) then bounds its error to ≈ 1e-10·σ absolute.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

use crate::comparison::Comparison;
use crate::computed::Computed;

/// How a [`BayesianResult`] was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BayesianMethod {
    /// Beta(1 + conversions, 1 + non-conversions) posteriors, closed-form sums.
    BetaBinomial,
    /// Normal posterior of the relative lift (flat prior).
    NormalApproximation,
}

/// The scale of the expected losses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossScale {
    /// Conversion-rate points (0.001 = 0.1 percentage points).
    Absolute,
    /// Fraction of the control mean.
    Relative,
}

/// Chance to beat control and the expected loss of each decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BayesianResult {
    pub method: BayesianMethod,
    /// P(treatment > control) under the posterior.
    pub chance_to_beat_control: f64,
    /// E[max(control − treatment, 0)]: what shipping the treatment risks.
    pub expected_loss_treatment: f64,
    /// E[max(treatment − control, 0)]: what keeping the control risks.
    pub expected_loss_control: f64,
    pub loss_scale: LossScale,
}

/// The normal approximation on a comparison's relative lift (any metric
/// type); undefined exactly when the relative lift is.
pub fn bayes_normal(comparison: &Comparison) -> Computed<BayesianResult> {
    comparison
        .relative
        .clone()
        .map(|lift| normal_lift(lift.estimate, lift.standard_error))
}

/// The normal approximation for a lift posterior N(mean, sd²), sd > 0.
pub(crate) fn normal_lift(mean: f64, sd: f64) -> BayesianResult {
    let normal = Normal::standard();
    let z = mean / sd;
    let density = sd * normal.pdf(z);
    BayesianResult {
        method: BayesianMethod::NormalApproximation,
        chance_to_beat_control: normal.cdf(z),
        expected_loss_treatment: (density - mean * normal.cdf(-z)).max(0.0),
        expected_loss_control: (mean * normal.cdf(z) + density).max(0.0),
        loss_scale: LossScale::Relative,
    }
}
