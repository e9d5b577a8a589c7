//! Test options: significance level, sidedness, sequential mode, and the
//! variance used by the binomial z-test.

use serde::{Deserialize, Serialize};

use crate::error::{StatsError, check_alpha};

/// Options shared by every frequentist comparison.
///
/// ```
/// use glint_stats::{Sides, TestOptions};
/// let one_sided = TestOptions { sides: Sides::OneGreater, ..TestOptions::default() };
/// assert_eq!(one_sided.alpha, 0.05);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TestOptions {
    /// Significance level, in (0, 1); intervals have confidence 1 − alpha.
    pub alpha: f64,
    /// Which alternative the p-value and the intervals are for.
    pub sides: Sides,
    /// `Some` for always-valid (peeking-safe) intervals and p-values.
    pub sequential: Option<SequentialOptions>,
    /// Variance of the binomial z-test's statistic (intervals are always unpooled).
    pub proportion_variance: ProportionVariance,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            alpha: 0.05,
            sides: Sides::Two,
            sequential: None,
            proportion_variance: ProportionVariance::Pooled,
        }
    }
}

impl TestOptions {
    /// Checks the options; every comparison calls this first.
    pub fn validate(&self) -> Result<(), StatsError> {
        check_alpha(self.alpha, "alpha")?;
        if let Some(sequential) = &self.sequential {
            sequential.mixture.validate()?;
            if self.sides != Sides::Two {
                return Err(StatsError::unsupported(
                    "sequential (mixture SPRT) intervals are two-sided only; use Sides::Two",
                ));
            }
        }
        Ok(())
    }
}

/// The alternative hypothesis, for treatment minus control.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sides {
    /// Treatment ≠ control: p = 2·P(T ≥ |t|), interval [est ∓ q(1 − α/2)·se].
    #[default]
    Two,
    /// Treatment > control: p = P(T ≥ t), interval [est − q(1 − α)·se, +∞).
    OneGreater,
    /// Treatment < control: p = P(T ≤ t), interval (−∞, est + q(1 − α)·se].
    OneLess,
}

/// Which variance the binomial z statistic uses (the confidence interval is
/// always the unpooled Wald interval, since under the alternative the two
/// rates differ).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProportionVariance {
    /// p̂(1 − p̂)(1/n_A + 1/n_B) with p̂ the pooled rate: the classical
    /// two-proportion z-test (statsmodels `proportions_ztest`, equal to the
    /// chi-square test of a 2×2 table without continuity correction).
    #[default]
    Pooled,
    /// p_A(1 − p_A)/n_A + p_B(1 − p_B)/n_B: the Wald test, consistent with
    /// the interval (statsmodels `test_proportions_2indep(method="wald")`).
    Unpooled,
}

/// Always-valid inference by the normal-mixture sequential probability ratio
/// test; see [`crate::sequential`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SequentialOptions {
    pub mixture: Mixture,
}

/// The mixing distribution's spread, ρ² (mSPRT papers often write it τ² on
/// the effect scale: τ² = ρ²·s² with s² the per-unit variance of the effect).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mixture {
    /// GrowthBook's `sequential_tuning_parameter` N* (default 5000): the
    /// total sample size at which the boundary is tightest,
    /// ρ² = (−2 ln α + ln(1 − 2 ln α)) / N*.
    TuningParameter(f64),
    /// ρ² given directly (standardised scale, independent of alpha).
    RhoSquared(f64),
}

impl Default for Mixture {
    fn default() -> Self {
        Mixture::TuningParameter(5000.0)
    }
}

impl Mixture {
    /// ρ² for a given significance level (only the tuning form depends on it).
    pub fn rho_squared(&self, alpha: f64) -> f64 {
        match *self {
            Mixture::TuningParameter(n_star) => {
                let l = -2.0 * alpha.ln();
                (l + (l + 1.0).ln()) / n_star
            }
            Mixture::RhoSquared(rho_sq) => rho_sq,
        }
    }

    fn validate(&self) -> Result<(), StatsError> {
        let (value, what) = match *self {
            Mixture::TuningParameter(v) => (v, "sequential tuning parameter"),
            Mixture::RhoSquared(v) => (v, "rho squared"),
        };
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(StatsError::invalid_option(format!(
                "{what} must be finite and > 0, got {value}"
            )))
        }
    }
}
