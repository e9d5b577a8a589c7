//! [`ArmSummary`]: one arm's metric value, per-unit variance and standard
//! error, as shown in a read-out's per-arm rows.
//!
//! | metric | value | variance (per unit) |
//! |---|---|---|
//! | binomial | rate p = Σx/n | p(1 − p) (the variance the z-test uses) |
//! | mean | Σx/n | (Σx² − (Σx)²/n)/(n − 1) |
//! | ratio | R = Σm/Σd | delta method: (σ²_m − 2R·σ_md + R²·σ²_d)/μ_d² |
//! | CUPED | ȳ − θ(x̄ − x̄_pooled) | σ²_y + θ²σ²_x − 2θσ_xy |
//!
//! and standard error = sqrt(variance / n) throughout.

use serde::{Deserialize, Serialize};

use crate::computed::{Computed, Undefined, UndefinedCode};

/// One arm's summary; statistics that do not exist say why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmSummary {
    pub n: u64,
    /// Rate, mean, ratio or CUPED-adjusted mean.
    pub value: Computed<f64>,
    /// Per-unit variance (see the module table).
    pub variance: Computed<f64>,
    /// sqrt(variance / n).
    pub standard_error: Computed<f64>,
}

impl ArmSummary {
    pub(crate) fn new(
        n: u64,
        value: Result<f64, Undefined>,
        variance: Result<f64, Undefined>,
    ) -> Self {
        let standard_error = variance.clone().map(|v| (v / n as f64).sqrt());
        Self {
            n,
            value: value.into(),
            variance: variance.into(),
            standard_error: standard_error.into(),
        }
    }

    /// What a comparison needs from an arm; `unadjusted` is the arm's raw
    /// mean where it differs from `value` (CUPED only).
    pub(crate) fn estimate(&self, unadjusted: Option<f64>) -> Result<ArmEstimate, Undefined> {
        let value = *self.value.to_result()?;
        Ok(ArmEstimate {
            n: self.n,
            value,
            variance: *self.variance.to_result()?,
            unadjusted: unadjusted.unwrap_or(value),
        })
    }
}

/// An arm with everything defined: input to the comparison formulas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ArmEstimate {
    pub(crate) n: u64,
    pub(crate) value: f64,
    pub(crate) variance: f64,
    pub(crate) unadjusted: f64,
}

pub(crate) fn no_units(role: &str) -> Undefined {
    Undefined::new(
        UndefinedCode::NoUnits,
        format!("{role} has no units (n = 0)"),
    )
}

pub(crate) fn single_unit(role: &str) -> Undefined {
    Undefined::new(
        UndefinedCode::SingleUnit,
        format!("{role} has one unit: a sample variance needs n ≥ 2"),
    )
}
