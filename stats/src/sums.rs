//! The inputs: per-arm sufficient statistics, i.e. counts and sums that any
//! partition of the data can compute and that add up across partitions.
//!
//! | type | per unit i | sums |
//! |---|---|---|
//! | [`MeanStats`] | value xᵢ (0/1 for a binomial metric) | n, Σx, Σx² |
//! | [`RatioStats`] | numerator mᵢ, denominator dᵢ | n, Σm, Σd, Σm², Σd², Σmd |
//! | [`CupedStats`] | metric yᵢ, pre-exposure covariate xᵢ | n, Σy, Σy², Σx, Σx², Σxy |
//!
//! Every type has `merge` (sum of two partitions) and a `from_*` constructor
//! from raw values (tests, small data). Variances come from the sums as
//! (Σx² − (Σx)²/n)/(n − 1); that subtraction loses digits when the mean is
//! large against the spread (|mean|/sd ≳ 10⁶), so the engine should sum in f64
//! and, for such metrics, sum shifted values.

use serde::{Deserialize, Serialize};

use crate::error::StatsError;

/// n, Σx, Σx² of one arm's per-unit values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MeanStats {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

/// n, Σm, Σd, Σm², Σd², Σmd of one arm's per-unit numerators m and
/// denominators d (a ratio metric such as clicks / impressions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RatioStats {
    pub n: u64,
    pub sum_num: f64,
    pub sum_den: f64,
    pub sum_num_sq: f64,
    pub sum_den_sq: f64,
    pub sum_num_den: f64,
}

/// n, Σy, Σy², Σx, Σx², Σxy of one arm's metric y and pre-exposure covariate x.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CupedStats {
    pub n: u64,
    pub sum_y: f64,
    pub sum_y_sq: f64,
    pub sum_x: f64,
    pub sum_x_sq: f64,
    pub sum_xy: f64,
}

impl MeanStats {
    /// A binomial arm: `conversions` of `n` units converted (Σx = Σx² = conversions).
    pub fn binomial(n: u64, conversions: u64) -> Self {
        let c = conversions as f64;
        Self {
            n,
            sum: c,
            sum_sq: c,
        }
    }

    pub fn from_values(values: &[f64]) -> Self {
        values.iter().fold(Self::default(), |acc, &x| {
            acc.merge(&Self {
                n: 1,
                sum: x,
                sum_sq: x * x,
            })
        })
    }

    pub fn merge(&self, other: &Self) -> Self {
        Self {
            n: self.n + other.n,
            sum: self.sum + other.sum,
            sum_sq: self.sum_sq + other.sum_sq,
        }
    }

    pub(crate) fn moments(&self, what: &str) -> Result<Moments, StatsError> {
        Moments::new(self.n, self.sum, self.sum_sq, what)
    }

    /// The conversions of a binomial arm, checked: an integer in [0, n] with Σx² = Σx.
    pub(crate) fn conversions(&self, what: &str) -> Result<u64, StatsError> {
        let c = self.sum;
        let n = self.n as f64;
        if !c.is_finite() || c < 0.0 || c.fract() != 0.0 || c > n {
            return Err(StatsError::invalid_input(format!(
                "{what}: binomial conversions must be an integer in [0, n = {}], got {c}",
                self.n
            )));
        }
        if self.sum_sq != c {
            return Err(StatsError::invalid_input(format!(
                "{what}: a binomial metric has 0/1 values, so sum_sq must equal sum ({c}), got {}",
                self.sum_sq
            )));
        }
        Ok(c as u64)
    }
}

impl RatioStats {
    pub fn from_pairs(pairs: &[(f64, f64)]) -> Self {
        pairs.iter().fold(Self::default(), |acc, &(m, d)| {
            acc.merge(&Self {
                n: 1,
                sum_num: m,
                sum_den: d,
                sum_num_sq: m * m,
                sum_den_sq: d * d,
                sum_num_den: m * d,
            })
        })
    }

    pub fn merge(&self, other: &Self) -> Self {
        Self {
            n: self.n + other.n,
            sum_num: self.sum_num + other.sum_num,
            sum_den: self.sum_den + other.sum_den,
            sum_num_sq: self.sum_num_sq + other.sum_num_sq,
            sum_den_sq: self.sum_den_sq + other.sum_den_sq,
            sum_num_den: self.sum_num_den + other.sum_num_den,
        }
    }

    pub(crate) fn numerator(&self, what: &str) -> Result<Moments, StatsError> {
        Moments::new(
            self.n,
            self.sum_num,
            self.sum_num_sq,
            &format!("{what} numerator"),
        )
    }

    pub(crate) fn denominator(&self, what: &str) -> Result<Moments, StatsError> {
        Moments::new(
            self.n,
            self.sum_den,
            self.sum_den_sq,
            &format!("{what} denominator"),
        )
    }

    pub(crate) fn covariance(&self, what: &str) -> Result<Option<f64>, StatsError> {
        covariance(self.n, self.sum_num, self.sum_den, self.sum_num_den, what)
    }
}

impl CupedStats {
    /// From (y, x) pairs: metric y, pre-exposure covariate x.
    pub fn from_pairs(pairs: &[(f64, f64)]) -> Self {
        pairs.iter().fold(Self::default(), |acc, &(y, x)| {
            acc.merge(&Self {
                n: 1,
                sum_y: y,
                sum_y_sq: y * y,
                sum_x: x,
                sum_x_sq: x * x,
                sum_xy: x * y,
            })
        })
    }

    pub fn merge(&self, other: &Self) -> Self {
        Self {
            n: self.n + other.n,
            sum_y: self.sum_y + other.sum_y,
            sum_y_sq: self.sum_y_sq + other.sum_y_sq,
            sum_x: self.sum_x + other.sum_x,
            sum_x_sq: self.sum_x_sq + other.sum_x_sq,
            sum_xy: self.sum_xy + other.sum_xy,
        }
    }

    /// The metric's own sums, ignoring the covariate.
    pub fn metric(&self) -> MeanStats {
        MeanStats {
            n: self.n,
            sum: self.sum_y,
            sum_sq: self.sum_y_sq,
        }
    }

    /// The covariate's sums.
    pub fn covariate(&self) -> MeanStats {
        MeanStats {
            n: self.n,
            sum: self.sum_x,
            sum_sq: self.sum_x_sq,
        }
    }

    pub(crate) fn covariance(&self, what: &str) -> Result<Option<f64>, StatsError> {
        covariance(self.n, self.sum_y, self.sum_x, self.sum_xy, what)
    }
}

/// Mean and sample variance from validated sums; `None` where they do not exist.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Moments {
    pub(crate) n: u64,
    /// Σx / n, `None` when n = 0.
    pub(crate) mean: Option<f64>,
    /// (Σx² − (Σx)²/n)/(n − 1), `None` when n < 2; rounding below zero is clamped to 0.
    pub(crate) variance: Option<f64>,
}

impl Moments {
    fn new(n: u64, sum: f64, sum_sq: f64, what: &str) -> Result<Self, StatsError> {
        if !sum.is_finite() || !sum_sq.is_finite() {
            return Err(StatsError::invalid_input(format!(
                "{what}: sums must be finite, got sum = {sum}, sum_sq = {sum_sq}"
            )));
        }
        if sum_sq < 0.0 {
            return Err(StatsError::invalid_input(format!(
                "{what}: sum_sq must be ≥ 0, got {sum_sq}"
            )));
        }
        if n == 0 {
            if sum != 0.0 || sum_sq != 0.0 {
                return Err(StatsError::invalid_input(format!(
                    "{what}: n = 0 but the sums are not zero"
                )));
            }
            return Ok(Self {
                n,
                mean: None,
                variance: None,
            });
        }
        let nf = n as f64;
        let centered = sum_sq - sum * sum / nf;
        // Σx² ≥ (Σx)²/n for real data (Cauchy–Schwarz); allow rounding only.
        if centered < -1e-9 * sum_sq {
            return Err(StatsError::invalid_input(format!(
                "{what}: sum_sq = {sum_sq} < sum²/n = {}: no data has these sums",
                sum * sum / nf
            )));
        }
        let variance = (n >= 2).then(|| centered.max(0.0) / (nf - 1.0));
        Ok(Self {
            n,
            mean: Some(sum / nf),
            variance,
        })
    }
}

fn covariance(
    n: u64,
    sum_a: f64,
    sum_b: f64,
    sum_ab: f64,
    what: &str,
) -> Result<Option<f64>, StatsError> {
    if !sum_ab.is_finite() {
        return Err(StatsError::invalid_input(format!(
            "{what}: sum of products must be finite"
        )));
    }
    if n < 2 {
        return Ok(None);
    }
    let nf = n as f64;
    Ok(Some((sum_ab - sum_a * sum_b / nf) / (nf - 1.0)))
}
