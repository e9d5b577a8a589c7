//! Binomial (conversion) metrics: per-unit values are 0/1, so Σx = Σx² =
//! conversions.
//!
//! - Per arm: rate p = c/n, variance p(1 − p), standard error sqrt(p(1 − p)/n).
//! - Absolute lift: p_B − p_A with the unpooled Wald interval
//!   (statsmodels `confint_proportions_2indep(method="wald", compare="diff")`).
//! - Relative lift: (p_B − p_A)/p_A with the delta-method interval
//!   ([`crate::comparison`]), normal quantiles.
//! - p-value: two-proportion z-test; **pooled** variance by default
//!   (statsmodels `proportions_ztest`), unpooled with
//!   [`ProportionVariance::Unpooled`] (statsmodels
//!   `test_proportions_2indep(method="wald")`); sequential mode uses the
//!   unpooled standard error in the mixture SPRT.
//!
//! Bayesian read-outs for binomial metrics are in [`crate::bayes_binomial`].

use crate::arm::{ArmSummary, no_units};
use crate::comparison::{Comparison, FixedReference, MetricKind, assemble};
use crate::computed::{Undefined, UndefinedCode};
use crate::distribution::Dist;
use crate::effect::{TestMethod, TestResult};
use crate::error::StatsError;
use crate::options::{ProportionVariance, TestOptions};
use crate::sums::MeanStats;

/// One binomial arm's rate, Bernoulli variance p(1 − p) and standard error.
pub fn summarize_binomial(arm: &MeanStats) -> Result<ArmSummary, StatsError> {
    summarize(arm, "arm")
}

fn summarize(arm: &MeanStats, role: &str) -> Result<ArmSummary, StatsError> {
    let conversions = arm.conversions(role)?;
    if arm.n == 0 {
        return Ok(ArmSummary::new(0, Err(no_units(role)), Err(no_units(role))));
    }
    let p = conversions as f64 / arm.n as f64;
    Ok(ArmSummary::new(arm.n, Ok(p), Ok(p * (1.0 - p))))
}

/// Treatment versus control for a conversion metric.
///
/// ```
/// use glint_stats::{MeanStats, TestOptions, compare_binomial};
/// let c = compare_binomial(&MeanStats::binomial(1000, 100), &MeanStats::binomial(1000, 130), &TestOptions::default())?;
/// let lift = c.relative.value().expect("control converts");
/// assert!((lift.estimate - 0.3).abs() < 1e-12);
/// # Ok::<(), glint_stats::StatsError>(())
/// ```
pub fn compare_binomial(
    control: &MeanStats,
    treatment: &MeanStats,
    options: &TestOptions,
) -> Result<Comparison, StatsError> {
    options.validate()?;
    let control_summary = summarize(control, "control")?;
    let treatment_summary = summarize(treatment, "treatment")?;
    let mut comparison = assemble(
        MetricKind::Binomial,
        control_summary,
        treatment_summary,
        None,
        FixedReference::Normal,
        TestMethod::UnpooledZ,
        options,
    )?;
    if options.sequential.is_none() && options.proportion_variance == ProportionVariance::Pooled {
        comparison.test = pooled_z_test(control, treatment, options).into();
    }
    Ok(comparison)
}

/// z = (p_B − p_A) / sqrt(p̂(1 − p̂)(1/n_A + 1/n_B)), p̂ = (c_A + c_B)/(n_A + n_B).
fn pooled_z_test(
    control: &MeanStats,
    treatment: &MeanStats,
    options: &TestOptions,
) -> Result<TestResult, Undefined> {
    if control.n == 0 {
        return Err(no_units("control"));
    }
    if treatment.n == 0 {
        return Err(no_units("treatment"));
    }
    let (na, nb) = (control.n as f64, treatment.n as f64);
    let pooled = (control.sum + treatment.sum) / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    if se.is_nan() || se <= 0.0 {
        let which = if pooled == 0.0 {
            "no unit converted in either arm"
        } else {
            "every unit in both arms converted"
        };
        return Err(Undefined::new(
            UndefinedCode::ZeroVariance,
            format!("{which}: the pooled variance is 0 and the z statistic 0/0"),
        ));
    }
    let statistic = (treatment.sum / nb - control.sum / na) / se;
    Ok(TestResult {
        method: TestMethod::PooledZ,
        statistic,
        df: None,
        p_value: Dist::normal().p_value(statistic, options.sides),
    })
}
