//! CUPED (Deng, Xu, Kohavi & Walker, WSDM 2013): a metric y adjusted by a
//! pre-exposure covariate x, which removes the part of y's variance that x
//! predicts, for narrower intervals at the same sample size.
//!
//! Following gbstats (`compute_theta`, `RegressionAdjustedStatistic`):
//!
//! ```text
//! θ            = Cov(y, x) / Var(x)    on both arms pooled into one sample (θ = 0 if either variance is 0)
//! adjusted     ȳ_adj = ȳ − θ·(x̄ − x̄_pooled)        (differences equal gbstats' ȳ − θ·x̄)
//! per-unit var v_adj = σ²_y + θ²·σ²_x − 2θ·σ_xy       (per arm, n − 1)
//! reduction    1 − (v_adj,A/n_A + v_adj,B/n_B) / (σ²_y,A/n_A + σ²_y,B/n_B)
//! ```
//!
//! The comparison is Welch's t on the adjusted means and variances (df from
//! the adjusted variances); the relative lift divides by the *unadjusted*
//! control mean and uses the unadjusted treatment mean in its delta-method
//! variance, as gbstats does.

use serde::{Deserialize, Serialize};

use crate::arm::{ArmSummary, no_units, single_unit};
use crate::comparison::{Comparison, FixedReference, MetricKind, assemble};
use crate::computed::{Computed, Undefined, UndefinedCode};
use crate::effect::TestMethod;
use crate::error::StatsError;
use crate::means;
use crate::options::TestOptions;
use crate::sums::CupedStats;

/// What CUPED did, beside the adjusted comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CupedDetails {
    /// Regression coefficient of y on x over both arms; 0 when x or y has no variance.
    pub theta: f64,
    /// Fraction of Var(Δ) removed: 1 − Var(Δ_adjusted)/Var(Δ_unadjusted).
    pub variance_reduction: Computed<f64>,
    /// Mean of the covariate over both arms (the centre of the adjustment).
    pub covariate_mean: Computed<f64>,
    /// The metric's own summaries, before adjustment.
    pub control_unadjusted: ArmSummary,
    pub treatment_unadjusted: ArmSummary,
}

/// θ = Cov(y, x)/Var(x) over both arms pooled, or 0 when either variance is
/// 0 or undefined (then CUPED reduces to the plain Welch test).
pub fn cuped_theta(control: &CupedStats, treatment: &CupedStats) -> Result<f64, StatsError> {
    let pooled = control.merge(treatment);
    let y = pooled.metric().moments("pooled metric")?;
    let x = pooled.covariate().moments("pooled covariate")?;
    let cov = pooled.covariance("pooled")?;
    Ok(match (y.variance, x.variance, cov) {
        (Some(vy), Some(vx), Some(cov)) if vy > 0.0 && vx > 0.0 => cov / vx,
        _ => 0.0,
    })
}

fn adjusted(
    arm: &CupedStats,
    theta: f64,
    covariate_mean: f64,
    role: &str,
) -> Result<ArmSummary, StatsError> {
    let y = arm.metric().moments(&format!("{role} metric"))?;
    let x = arm.covariate().moments(&format!("{role} covariate"))?;
    let cov = arm.covariance(role)?;
    let (Some(mean_y), Some(mean_x)) = (y.mean, x.mean) else {
        return Ok(ArmSummary::new(
            arm.n,
            Err(no_units(role)),
            Err(no_units(role)),
        ));
    };
    let value = mean_y - theta * (mean_x - covariate_mean);
    let variance = match (y.variance, x.variance, cov) {
        (Some(vy), Some(vx), Some(cov)) => {
            Ok((vy + theta * theta * vx - 2.0 * theta * cov).max(0.0))
        }
        _ => Err(single_unit(role)),
    };
    Ok(ArmSummary::new(arm.n, Ok(value), variance))
}

fn variance_reduction(
    adjusted: (&ArmSummary, &ArmSummary),
    raw: (&ArmSummary, &ArmSummary),
) -> Result<f64, Undefined> {
    let var_of_diff = |a: &ArmSummary, b: &ArmSummary| -> Result<f64, Undefined> {
        Ok(a.variance.to_result()? / a.n as f64 + b.variance.to_result()? / b.n as f64)
    };
    let unadjusted = var_of_diff(raw.0, raw.1)?;
    if unadjusted.is_nan() || unadjusted <= 0.0 {
        return Err(Undefined::new(
            UndefinedCode::ZeroVariance,
            "the unadjusted metric has zero variance in both arms: nothing to reduce",
        ));
    }
    Ok(1.0 - var_of_diff(adjusted.0, adjusted.1)? / unadjusted)
}

/// Treatment versus control for a metric with a pre-exposure covariate.
pub fn compare_cuped(
    control: &CupedStats,
    treatment: &CupedStats,
    options: &TestOptions,
) -> Result<Comparison, StatsError> {
    options.validate()?;
    let control_raw = means::summarize(&control.metric(), "control")?;
    let treatment_raw = means::summarize(&treatment.metric(), "treatment")?;
    let theta = cuped_theta(control, treatment)?;
    let n_total = control.n + treatment.n;
    let covariate_mean: Result<f64, Undefined> = if n_total == 0 {
        Err(Undefined::new(
            UndefinedCode::NoUnits,
            "neither arm has units",
        ))
    } else {
        Ok((control.sum_x + treatment.sum_x) / n_total as f64)
    };
    let centre = covariate_mean.clone().unwrap_or(0.0);
    let control_adj = adjusted(control, theta, centre, "control")?;
    let treatment_adj = adjusted(treatment, theta, centre, "treatment")?;
    let reduction = variance_reduction(
        (&control_adj, &treatment_adj),
        (&control_raw, &treatment_raw),
    );
    // Raw means matter only when both arms have values; 0 stands in otherwise.
    let raw = |s: &ArmSummary| s.value.value().copied().unwrap_or(0.0);
    let mut comparison = assemble(
        MetricKind::Cuped,
        control_adj,
        treatment_adj,
        Some((raw(&control_raw), raw(&treatment_raw))),
        FixedReference::Welch,
        TestMethod::WelchT,
        options,
    )?;
    comparison.cuped = Some(CupedDetails {
        theta,
        variance_reduction: reduction.into(),
        covariate_mean: covariate_mean.into(),
        control_unadjusted: control_raw,
        treatment_unadjusted: treatment_raw,
    });
    Ok(comparison)
}
