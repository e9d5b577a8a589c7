//! Sequential testing: always-valid intervals and p-values from the
//! normal-mixture sequential probability ratio test (mSPRT), so a read-out
//! may be looked at after every batch without inflating the error rate.
//!
//! With N = n_control + n_treatment units so far, θ̂ the effect estimate with
//! standard error se, s² = N·se² (the per-unit variance) and ρ² the mixture's
//! spread ([`Mixture::rho_squared`]), a = N·ρ² + 1:
//!
//! ```text
//! half-width(α) = s · sqrt( 2·a · ln( sqrt(a) / α ) / (N·ρ)² )
//! p-value       = min(1, sqrt(a) · exp( −ρ²·S² / (2a) )),   S² = θ̂²·N / se² = N·z²
//! ```
//!
//! This is the normal-mixture boundary of Howard, Ramdas, McAuliffe & Sekhon,
//! "Time-uniform, nonparametric, nonasymptotic confidence sequences",
//! *Ann. Statist.* 49(2), 2021 (its two-sided normal mixture, their eq. (14)),
//! in the asymptotic form of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas,
//! "Time-uniform central limit theory and asymptotic confidence sequences",
//! arXiv:2103.06476v7: eq. (9) for the interval, eq. (155) for the p-value
//! (1 / e-value), eq. (161) for ρ tuned to be tightest at N* units. It is
//! exactly GrowthBook's `gbstats` `SequentialTwoSidedTTest` (gbstats 0.8.0,
//! `frequentist/tests.py`), which the tests check to 1e-9.
//!
//! With [`Mixture::TuningParameter`], ρ depends on α (as in gbstats), so the
//! always-valid p-value is computed for the comparison's alpha; a corrected
//! interval ([`crate::adjust_comparisons`]) re-derives ρ at the corrected alpha.
//! `p ≤ α` exactly when the interval excludes 0 (same ρ). For any N the
//! half-width exceeds the fixed-horizon z·se: the price of peeking.

use crate::options::Mixture;

/// Half-width of the always-valid 1 − alpha interval.
pub(crate) fn half_width(standard_error: f64, n_total: u64, alpha: f64, mixture: Mixture) -> f64 {
    let n = n_total as f64;
    let rho_sq = mixture.rho_squared(alpha);
    let a = n * rho_sq + 1.0;
    let s = standard_error * n.sqrt();
    s * (2.0 * a * (a.sqrt() / alpha).ln() / (n * n * rho_sq)).sqrt()
}

/// The always-valid two-sided p-value of the estimate.
pub(crate) fn p_value(
    estimate: f64,
    standard_error: f64,
    n_total: u64,
    alpha: f64,
    mixture: Mixture,
) -> f64 {
    let n = n_total as f64;
    let rho_sq = mixture.rho_squared(alpha);
    let a = n * rho_sq + 1.0;
    let z = estimate / standard_error;
    let st2 = z * z * n;
    // ln(1/e-value), kept in logs so that huge statistics do not overflow.
    let ln_p = 0.5 * a.ln() - rho_sq * st2 / (2.0 * a);
    ln_p.min(0.0).exp()
}
