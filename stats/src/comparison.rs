//! [`Comparison`]: one metric, treatment versus control: absolute and
//! relative effects with intervals, and a p-value.
//!
//! Shared formulas (per-unit variances v, sizes n, values m, raw means u;
//! A = control, B = treatment):
//!
//! ```text
//! absolute:  Δ = m_B − m_A,            Var(Δ) = v_B/n_B + v_A/n_A
//! relative:  L = (m_B − m_A) / u_A,    Var(L) = v_B/(u_A²·n_B) + v_A·u_B²/(u_A⁴·n_A)   (delta method)
//! Welch df:  (v_B/n_B + v_A/n_A)² / ( (v_B/n_B)²/(n_B − 1) + (v_A/n_A)²/(n_A − 1) )
//! ```
//!
//! u_A is used as is: with a negative control mean the relative lift's sign
//! is the opposite of the absolute lift's. The relative variance is gbstats'
//! `frequentist_variance(relative=True)`
//! (first-order delta method for a ratio of independent means; for CUPED the
//! denominator is the *unadjusted* control mean, as in gbstats). Both effects
//! use the same reference distribution: t with the Welch df for means and
//! CUPED, normal for binomial and ratio metrics, the normal-mixture boundary
//! when sequential.

use serde::{Deserialize, Serialize};

use crate::arm::{ArmEstimate, ArmSummary};
use crate::computed::{Computed, Undefined, UndefinedCode};
use crate::cuped::CupedDetails;
use crate::distribution::Dist;
use crate::effect::{Effect, Reference, TestMethod, TestResult};
use crate::error::StatsError;
use crate::options::{Sides, TestOptions};
use crate::sequential;

/// Which comparison produced a [`Comparison`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    Binomial,
    Mean,
    Ratio,
    Cuped,
}

/// One metric's read-out row: treatment versus control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub metric: MetricKind,
    /// The options' alpha and sides, kept so intervals can be recomputed.
    pub alpha: f64,
    pub sides: Sides,
    pub control: ArmSummary,
    pub treatment: ArmSummary,
    /// treatment − control.
    pub absolute: Computed<Effect>,
    /// (treatment − control) / control, as a fraction (0.1 = +10 %).
    pub relative: Computed<Effect>,
    /// Test of "no difference" on the absolute effect.
    pub test: Computed<TestResult>,
    /// θ and variance reduction, for CUPED comparisons.
    pub cuped: Option<CupedDetails>,
}

/// The fixed-horizon reference distribution of a metric type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FixedReference {
    Normal,
    Welch,
}

/// Both arms' estimates, or why a comparison is impossible.
/// `raw_means` overrides the values as the relative lift's means (CUPED).
pub(crate) fn both(
    control: &ArmSummary,
    treatment: &ArmSummary,
    raw_means: Option<(f64, f64)>,
) -> Result<(ArmEstimate, ArmEstimate), Undefined> {
    Ok((
        control.estimate(raw_means.map(|r| r.0))?,
        treatment.estimate(raw_means.map(|r| r.1))?,
    ))
}

fn reference(
    a: &ArmEstimate,
    b: &ArmEstimate,
    fixed: FixedReference,
    options: &TestOptions,
) -> Reference {
    if let Some(seq) = &options.sequential {
        return Reference::NormalMixture {
            n_total: a.n + b.n,
            mixture: seq.mixture,
        };
    }
    match fixed {
        FixedReference::Normal => Reference::Normal,
        FixedReference::Welch => Reference::StudentsT { df: welch_df(a, b) },
    }
}

/// Welch–Satterthwaite degrees of freedom (both arms need n ≥ 2).
pub(crate) fn welch_df(a: &ArmEstimate, b: &ArmEstimate) -> f64 {
    let (na, nb) = (a.n as f64, b.n as f64);
    let (qa, qb) = (a.variance / na, b.variance / nb);
    (qa + qb).powi(2) / (qb * qb / (nb - 1.0) + qa * qa / (na - 1.0))
}

fn zero_variance() -> Undefined {
    Undefined::new(
        UndefinedCode::ZeroVariance,
        "both arms have zero variance, so the standard error is 0 and the test statistic 0/0",
    )
}

fn effect(
    estimate: f64,
    variance: f64,
    reference: Reference,
    options: &TestOptions,
) -> Result<Effect, Undefined> {
    let se = variance.sqrt();
    if !(se > 0.0 && se.is_finite() && estimate.is_finite()) {
        return Err(zero_variance());
    }
    // Inputs are checked, so this only fails on a broken invariant; report it as data.
    Effect::new(estimate, se, reference, options.alpha, options.sides)
        .map_err(|e| Undefined::new(UndefinedCode::ZeroVariance, e.message))
}

/// Δ = m_B − m_A with Var(Δ) = v_B/n_B + v_A/n_A.
pub(crate) fn absolute_effect(
    a: &ArmEstimate,
    b: &ArmEstimate,
    fixed: FixedReference,
    options: &TestOptions,
) -> Result<Effect, Undefined> {
    let variance = b.variance / b.n as f64 + a.variance / a.n as f64;
    effect(
        b.value - a.value,
        variance,
        reference(a, b, fixed, options),
        options,
    )
}

/// L = (m_B − m_A)/u_A with the delta-method variance.
pub(crate) fn relative_effect(
    a: &ArmEstimate,
    b: &ArmEstimate,
    fixed: FixedReference,
    options: &TestOptions,
) -> Result<Effect, Undefined> {
    let u_a = a.unadjusted;
    if u_a == 0.0 {
        return Err(Undefined::new(
            UndefinedCode::ZeroBaseline,
            "the control mean is 0, so a lift relative to it is undefined",
        ));
    }
    let (na, nb) = (a.n as f64, b.n as f64);
    let variance =
        b.variance / (u_a * u_a * nb) + a.variance * b.unadjusted.powi(2) / (u_a.powi(4) * na);
    effect(
        (b.value - a.value) / u_a,
        variance,
        reference(a, b, fixed, options),
        options,
    )
}

/// The test on the absolute effect: z or t from its own standard error, or
/// the mixture SPRT's always-valid p-value when sequential.
pub(crate) fn effect_test(
    absolute: &Effect,
    fixed_method: TestMethod,
    options: &TestOptions,
) -> Result<TestResult, Undefined> {
    let statistic = absolute.estimate / absolute.standard_error;
    match absolute.reference {
        Reference::NormalMixture { n_total, mixture } => Ok(TestResult {
            method: TestMethod::MixtureSprt,
            statistic,
            df: None,
            p_value: sequential::p_value(
                absolute.estimate,
                absolute.standard_error,
                n_total,
                options.alpha,
                mixture,
            ),
        }),
        Reference::Normal => Ok(TestResult {
            method: fixed_method,
            statistic,
            df: None,
            p_value: Dist::normal().p_value(statistic, options.sides),
        }),
        Reference::StudentsT { df } => Ok(TestResult {
            method: fixed_method,
            statistic,
            df: Some(df),
            p_value: Dist::students_t(df)?.p_value(statistic, options.sides),
        }),
    }
}

/// Assembles a comparison whose arms are already summarised.
pub(crate) fn assemble(
    metric: MetricKind,
    control: ArmSummary,
    treatment: ArmSummary,
    raw_means: Option<(f64, f64)>,
    fixed: FixedReference,
    fixed_method: TestMethod,
    options: &TestOptions,
) -> Result<Comparison, StatsError> {
    let arms = both(&control, &treatment, raw_means);
    let absolute = arms
        .clone()
        .and_then(|(a, b)| absolute_effect(&a, &b, fixed, options));
    let relative = arms.and_then(|(a, b)| relative_effect(&a, &b, fixed, options));
    let test = absolute
        .clone()
        .and_then(|abs| effect_test(&abs, fixed_method, options));
    Ok(Comparison {
        metric,
        alpha: options.alpha,
        sides: options.sides,
        control,
        treatment,
        absolute: absolute.into(),
        relative: relative.into(),
        test: test.into(),
        cuped: None,
    })
}
