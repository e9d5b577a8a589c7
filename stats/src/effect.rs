//! [`Effect`] (an estimate with its standard error and interval),
//! [`Interval`], the [`Reference`] distribution behind the interval, and the
//! hypothesis-test result [`TestResult`].
//!
//! An `Effect` keeps what is needed to recompute its interval at another
//! alpha ([`Effect::interval_at`]), which is how multiple-testing corrections
//! widen intervals.

use serde::{Deserialize, Serialize};

use crate::distribution::Dist;
use crate::error::{StatsError, check_alpha};
use crate::options::{Mixture, Sides};
use crate::sequential;

/// A confidence interval; `None` is an unbounded side (one-sided tests).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// 1 − alpha.
    pub confidence: f64,
}

/// The distribution an effect's interval (and p-value) is referred to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// Standard normal: binomial and ratio metrics.
    Normal,
    /// Student's t with Welch–Satterthwaite degrees of freedom: means, CUPED.
    StudentsT { df: f64 },
    /// The always-valid normal-mixture boundary ([`crate::sequential`]).
    NormalMixture { n_total: u64, mixture: Mixture },
}

/// A point estimate (treatment vs control), its standard error and interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    pub estimate: f64,
    pub standard_error: f64,
    pub reference: Reference,
    pub interval: Interval,
}

impl Effect {
    pub(crate) fn new(
        estimate: f64,
        standard_error: f64,
        reference: Reference,
        alpha: f64,
        sides: Sides,
    ) -> Result<Self, StatsError> {
        let interval = interval(estimate, standard_error, reference, alpha, sides)?;
        Ok(Self {
            estimate,
            standard_error,
            reference,
            interval,
        })
    }

    /// The interval at another significance level (e.g. a corrected one).
    pub fn interval_at(&self, alpha: f64, sides: Sides) -> Result<Interval, StatsError> {
        interval(
            self.estimate,
            self.standard_error,
            self.reference,
            alpha,
            sides,
        )
    }
}

/// est ∓ q·se, with q from the reference distribution (two- or one-sided), or
/// the mixture boundary's half-width for sequential effects.
fn interval(
    estimate: f64,
    standard_error: f64,
    reference: Reference,
    alpha: f64,
    sides: Sides,
) -> Result<Interval, StatsError> {
    check_alpha(alpha, "alpha")?;
    if !(standard_error.is_finite() && standard_error > 0.0 && estimate.is_finite()) {
        return Err(StatsError::invalid_input(format!(
            "an interval needs a finite estimate and a positive standard error, got {estimate} ± {standard_error}"
        )));
    }
    let half = match reference {
        Reference::Normal => Dist::normal().critical_value(alpha, sides) * standard_error,
        Reference::StudentsT { df } => {
            let dist = Dist::students_t(df).map_err(|u| StatsError::invalid_input(u.reason))?;
            dist.critical_value(alpha, sides) * standard_error
        }
        Reference::NormalMixture { n_total, mixture } => {
            if sides != Sides::Two {
                return Err(StatsError::unsupported(
                    "sequential intervals are two-sided only",
                ));
            }
            if n_total == 0 {
                return Err(StatsError::invalid_input(
                    "a sequential interval needs n_total > 0",
                ));
            }
            sequential::half_width(standard_error, n_total, alpha, mixture)
        }
    };
    let (lower, upper) = match sides {
        Sides::Two => (Some(estimate - half), Some(estimate + half)),
        Sides::OneGreater => (Some(estimate - half), None),
        Sides::OneLess => (None, Some(estimate + half)),
    };
    Ok(Interval {
        lower,
        upper,
        confidence: 1.0 - alpha,
    })
}

/// Which test produced a p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestMethod {
    /// Binomial, z = (p_B − p_A) / sqrt(p̂(1 − p̂)(1/n_A + 1/n_B)), p̂ pooled.
    PooledZ,
    /// Binomial, z = (p_B − p_A) / sqrt(p_A(1 − p_A)/n_A + p_B(1 − p_B)/n_B).
    UnpooledZ,
    /// Means and CUPED: Welch's t with Welch–Satterthwaite df.
    WelchT,
    /// Ratios: z on the delta-method variance.
    DeltaMethodZ,
    /// Sequential: the mixture SPRT's always-valid p-value.
    MixtureSprt,
}

/// A hypothesis test of "treatment − control = 0" on the absolute difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub method: TestMethod,
    /// z or t (for `MixtureSprt`: the z of the estimate, estimate / se).
    pub statistic: f64,
    /// Degrees of freedom for t tests.
    pub df: Option<f64>,
    pub p_value: f64,
}
