//! Continuous metrics (revenue per user, sessions per user): Welch's t-test.
//!
//! - Per arm: mean Σx/n, sample variance (Σx² − (Σx)²/n)/(n − 1), standard
//!   error sqrt(variance/n); the variance needs n ≥ 2.
//! - Absolute lift m_B − m_A, relative lift (m_B − m_A)/m_A (delta method),
//!   both with Student's t quantiles at the Welch–Satterthwaite df.
//! - p-value: Welch's t, as scipy `ttest_ind_from_stats(…, equal_var=False)`.
//!   One arm with zero variance is fine; both is [`UndefinedCode::ZeroVariance`](crate::UndefinedCode).

use crate::arm::{ArmSummary, no_units, single_unit};
use crate::comparison::{Comparison, FixedReference, MetricKind, assemble};
use crate::effect::TestMethod;
use crate::error::StatsError;
use crate::options::TestOptions;
use crate::sums::MeanStats;

/// One arm's mean, sample variance and standard error.
pub fn summarize_mean(arm: &MeanStats) -> Result<ArmSummary, StatsError> {
    summarize(arm, "arm")
}

pub(crate) fn summarize(arm: &MeanStats, role: &str) -> Result<ArmSummary, StatsError> {
    let moments = arm.moments(role)?;
    let value = moments.mean.ok_or_else(|| no_units(role));
    let variance = match (moments.mean, moments.variance) {
        (None, _) => Err(no_units(role)),
        (Some(_), None) => Err(single_unit(role)),
        (Some(_), Some(v)) => Ok(v),
    };
    Ok(ArmSummary::new(arm.n, value, variance))
}

/// Treatment versus control for a continuous metric (Welch's t-test).
pub fn compare_means(
    control: &MeanStats,
    treatment: &MeanStats,
    options: &TestOptions,
) -> Result<Comparison, StatsError> {
    options.validate()?;
    let control_summary = summarize(control, "control")?;
    let treatment_summary = summarize(treatment, "treatment")?;
    assemble(
        MetricKind::Mean,
        control_summary,
        treatment_summary,
        None,
        FixedReference::Welch,
        TestMethod::WelchT,
        options,
    )
}
