//! Ratio metrics (clicks / impressions summed over users, revenue / orders):
//! the ratio of sums R = Σm/Σd per arm, its variance by the delta method, and
//! a z-test on the difference.
//!
//! Per arm, with per-unit sample moments μ_m, μ_d, σ²_m, σ²_d, σ_md (n − 1
//! denominators), the delta method gives the per-unit variance
//!
//! ```text
//! v = σ²_m/μ_d² − 2·σ_md·μ_m/μ_d³ + μ_m²·σ²_d/μ_d⁴        Var(R) ≈ v/n
//! ```
//!
//! (gbstats `RatioStatistic.variance`; it equals the sample variance of
//! m − R·d divided by μ_d², so it is never negative). Differences and relative
//! lifts then follow [`crate::comparison`] with normal quantiles; the p-value
//! is z = ΔR / sqrt(v_A/n_A + v_B/n_B).

use crate::arm::{ArmSummary, no_units, single_unit};
use crate::comparison::{Comparison, FixedReference, MetricKind, assemble};
use crate::computed::{Undefined, UndefinedCode};
use crate::effect::TestMethod;
use crate::error::StatsError;
use crate::options::TestOptions;
use crate::sums::RatioStats;

/// One arm's ratio of sums, delta-method per-unit variance and standard error.
pub fn summarize_ratio(arm: &RatioStats) -> Result<ArmSummary, StatsError> {
    summarize(arm, "arm")
}

fn summarize(arm: &RatioStats, role: &str) -> Result<ArmSummary, StatsError> {
    let num = arm.numerator(role)?;
    let den = arm.denominator(role)?;
    let cov = arm.covariance(role)?;
    let (Some(mu_m), Some(mu_d)) = (num.mean, den.mean) else {
        return Ok(ArmSummary::new(
            arm.n,
            Err(no_units(role)),
            Err(no_units(role)),
        ));
    };
    if arm.sum_den == 0.0 {
        let zero = || {
            Undefined::new(
                UndefinedCode::ZeroDenominator,
                format!("{role}'s denominator sums to 0, so its ratio is undefined"),
            )
        };
        return Ok(ArmSummary::new(arm.n, Err(zero()), Err(zero())));
    }
    let ratio = arm.sum_num / arm.sum_den;
    let variance = match (num.variance, den.variance, cov) {
        (Some(var_m), Some(var_d), Some(cov)) => Ok((var_m / mu_d.powi(2)
            - 2.0 * cov * mu_m / mu_d.powi(3)
            + mu_m.powi(2) * var_d / mu_d.powi(4))
        .max(0.0)),
        _ => Err(single_unit(role)),
    };
    Ok(ArmSummary::new(arm.n, Ok(ratio), variance))
}

/// Treatment versus control for a ratio metric (delta method, z-test).
pub fn compare_ratios(
    control: &RatioStats,
    treatment: &RatioStats,
    options: &TestOptions,
) -> Result<Comparison, StatsError> {
    options.validate()?;
    let control_summary = summarize(control, "control")?;
    let treatment_summary = summarize(treatment, "treatment")?;
    assemble(
        MetricKind::Ratio,
        control_summary,
        treatment_summary,
        None,
        FixedReference::Normal,
        TestMethod::DeltaMethodZ,
        options,
    )
}
