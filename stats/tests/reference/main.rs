//! Reference values: every expected number below was printed by
//! `stats/reference/generate.py` (scipy, statsmodels, gbstats, mpmath), and
//! each table row carries the exact call that produced it.
//!
//! Tolerance: 1e-9 relative for closed forms ([`TOL`]); looser tolerances are
//! stated at the table that uses them, with the reason.

mod bayes;
mod binomial;
mod cuped;
mod means;
mod multiple;
mod ratio;
mod sequential;
mod srm;

/// Relative tolerance for closed-form statistics.
pub const TOL: f64 = 1e-9;

/// |actual − expected| ≤ rel·|expected| (≤ rel when expected is 0).
#[track_caller]
pub fn close(what: &str, actual: f64, expected: f64, rel: f64) {
    let scale = expected.abs().max(if expected == 0.0 { 1.0 } else { 0.0 });
    let err = (actual - expected).abs() / scale;
    assert!(
        err <= rel,
        "{what}: got {actual:e}, expected {expected:e} (relative error {err:e} > {rel:e})"
    );
}

/// Interval bounds: both unbounded, or both close.
#[track_caller]
pub fn close_bound(what: &str, actual: Option<f64>, expected: Option<f64>, rel: f64) {
    match (actual, expected) {
        (None, None) => {}
        (Some(a), Some(e)) => close(what, a, e, rel),
        _ => panic!("{what}: got {actual:?}, expected {expected:?}"),
    }
}
