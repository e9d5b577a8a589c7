//! Holm and Benjamini–Hochberg against statsmodels `multipletests`, and the
//! recomputed intervals against statsmodels / scipy at the adjusted alpha.

use glint_stats::{
    Correction, CorrectionOptions, MeanStats, TestOptions, adjust_comparisons, adjust_p_values,
    compare_binomial,
};

use crate::{TOL, close};

struct Case {
    p: &'static [f64],
    correction: Correction,
    adjusted: &'static [f64],
    rejected: &'static [bool],
    /// interval alpha per test (formula in `multiple.rs`' module docs)
    alphas: &'static [f64],
}

#[rustfmt::skip]
fn cases() -> Vec<Case> { vec![
    // statsmodels multipletests([0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.0001, 0.8], alpha=0.05, method='holm') -> (reject, pvals_corrected); interval alphas by the module-doc formula
    Case { p: &[0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.0001, 0.8], correction: Correction::Holm,
        adjusted: &[0.06, 0.16, 0.15, 0.035, 0.4, 0.16, 0.0008, 0.8],
        rejected: &[false, false, false, true, false, false, true, false],
        alphas: &[0.008333333333333333, 0.008333333333333333, 0.008333333333333333, 0.0071428571428571435, 0.008333333333333333, 0.008333333333333333, 0.00625, 0.008333333333333333] },
    // statsmodels multipletests([0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.0001, 0.8], alpha=0.05, method='fdr_bh') -> (reject, pvals_corrected); interval alphas by the module-doc formula
    Case { p: &[0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.0001, 0.8], correction: Correction::BenjaminiHochberg,
        adjusted: &[0.02666666666666667, 0.05333333333333334, 0.05333333333333334, 0.02, 0.2285714285714286, 0.05333333333333334, 0.0008, 0.8],
        rejected: &[true, false, false, true, false, false, true, false],
        alphas: &[0.018750000000000003, 0.018750000000000003, 0.018750000000000003, 0.018750000000000003, 0.018750000000000003, 0.018750000000000003, 0.018750000000000003, 0.018750000000000003] },
    // statsmodels multipletests([0.02, 0.03], alpha=0.05, method='holm') -> (reject, pvals_corrected); interval alphas by the module-doc formula
    Case { p: &[0.02, 0.03], correction: Correction::Holm,
        adjusted: &[0.04, 0.04],
        rejected: &[true, true],
        alphas: &[0.025, 0.05] },
    // statsmodels multipletests([0.02, 0.03], alpha=0.05, method='fdr_bh') -> (reject, pvals_corrected); interval alphas by the module-doc formula
    Case { p: &[0.02, 0.03], correction: Correction::BenjaminiHochberg,
        adjusted: &[0.03, 0.03],
        rejected: &[true, true],
        alphas: &[0.05, 0.05] },
    // statsmodels multipletests([0.3, 0.6, 0.9], alpha=0.05, method='holm') -> (reject, pvals_corrected); interval alphas by the module-doc formula
    Case { p: &[0.3, 0.6, 0.9], correction: Correction::Holm,
        adjusted: &[0.8999999999999999, 1.0, 1.0],
        rejected: &[false, false, false],
        alphas: &[0.016666666666666666, 0.016666666666666666, 0.016666666666666666] },
    // statsmodels multipletests([0.3, 0.6, 0.9], alpha=0.05, method='fdr_bh') -> (reject, pvals_corrected); interval alphas by the module-doc formula
    Case { p: &[0.3, 0.6, 0.9], correction: Correction::BenjaminiHochberg,
        adjusted: &[0.9, 0.9, 0.9],
        rejected: &[false, false, false],
        alphas: &[0.016666666666666666, 0.016666666666666666, 0.016666666666666666] },
    // statsmodels multipletests([0.001, 0.012, 0.013, 0.014, 0.3], alpha=0.05, method='holm') -> (reject, pvals_corrected); interval alphas by the module-doc formula
    Case { p: &[0.001, 0.012, 0.013, 0.014, 0.3], correction: Correction::Holm,
        adjusted: &[0.005, 0.048, 0.048, 0.048, 0.3],
        rejected: &[true, true, true, true, false],
        alphas: &[0.01, 0.0125, 0.016666666666666666, 0.025, 0.05] },
    // statsmodels multipletests([0.001, 0.012, 0.013, 0.014, 0.3], alpha=0.05, method='fdr_bh') -> (reject, pvals_corrected); interval alphas by the module-doc formula
    Case { p: &[0.001, 0.012, 0.013, 0.014, 0.3], correction: Correction::BenjaminiHochberg,
        adjusted: &[0.005, 0.017499999999999998, 0.017499999999999998, 0.017499999999999998, 0.3],
        rejected: &[true, true, true, true, false],
        alphas: &[0.04, 0.04, 0.04, 0.04, 0.04] },
]}

#[test]
fn corrections_against_statsmodels() {
    for (i, case) in cases().iter().enumerate() {
        let options = CorrectionOptions {
            correction: case.correction,
            alpha: 0.05,
        };
        let out = adjust_p_values(case.p, &options).unwrap();
        for (j, a) in out.iter().enumerate() {
            let what = |s: &str| format!("case {i} test {j} {s}");
            assert_eq!(a.p_value, case.p[j]);
            close(
                &what("adjusted p"),
                a.adjusted_p_value,
                case.adjusted[j],
                TOL,
            );
            assert_eq!(a.rejected, case.rejected[j], "{}", what("rejected"));
            close(&what("alpha"), a.adjusted_alpha, case.alphas[j], TOL);
        }
    }
}

struct Row {
    /// n_A, conversions_A, n_B, conversions_B
    arms: (u64, u64, u64, u64),
    adjusted_p: f64,
    rejected: bool,
    alpha: f64,
    absolute: (f64, f64),
    relative: (f64, f64),
}

#[rustfmt::skip]
fn rows() -> Vec<(usize, Row)> { vec![
    // arm 2: statsmodels proportions_ztest([1150, 1000], [10000, 10000]) -> p; multipletests(method='holm'); confint_proportions_2indep(..., method='wald', compare='diff', alpha=0.016666666666666666); relative: delta method, norm.ppf
    (2, Row { arms: (10000, 1000, 10000, 1150), adjusted_p: 0.0018493647576445366, rejected: true, alpha: 0.016666666666666666,
        absolute: (0.004516254315399169, 0.02548374568460083), relative: (0.03750842016167841, 0.2624915798383216) }),
    // arm 0: statsmodels proportions_ztest([1090, 1000], [10000, 10000]) -> p; multipletests(method='holm'); confint_proportions_2indep(..., method='wald', compare='diff', alpha=0.025); relative: delta method, norm.ppf
    (0, Row { arms: (10000, 1000, 10000, 1090), adjusted_p: 0.07498673952402289, rejected: false, alpha: 0.025,
        absolute: (-0.0006956926492343793, 0.018695692649234368), relative: (-0.011247910040120379, 0.19124791004012026) }),
    // arm 1: statsmodels proportions_ztest([1010, 1000], [10000, 10000]) -> p; multipletests(method='holm'); confint_proportions_2indep(..., method='wald', compare='diff', alpha=0.025); relative: delta method, norm.ppf
    (1, Row { arms: (10000, 1000, 10000, 1010), adjusted_p: 0.8140686075070217, rejected: false, alpha: 0.025,
        absolute: (-0.008530548771085243, 0.010530548771085245), relative: (-0.08578109463214535, 0.10578109463214537) }),
]}

#[test]
fn holm_intervals_against_statsmodels() {
    let mut rows = rows();
    rows.sort_by_key(|(index, _)| *index);
    let comparisons: Vec<_> = rows
        .iter()
        .map(|(_, r)| {
            let (na, ca, nb, cb) = r.arms;
            compare_binomial(
                &MeanStats::binomial(na, ca),
                &MeanStats::binomial(nb, cb),
                &TestOptions::default(),
            )
            .unwrap()
        })
        .collect();
    let options = CorrectionOptions {
        correction: Correction::Holm,
        alpha: 0.05,
    };
    let out = adjust_comparisons(&comparisons, &options).unwrap();
    for ((index, row), got) in rows.iter().zip(&out) {
        let got = got.value().unwrap();
        let what = |s: &str| format!("comparison {index} {s}");
        close(
            &what("adjusted p"),
            got.adjustment.adjusted_p_value,
            row.adjusted_p,
            TOL,
        );
        assert_eq!(got.adjustment.rejected, row.rejected);
        close(
            &what("alpha"),
            got.adjustment.adjusted_alpha,
            row.alpha,
            TOL,
        );
        let abs = got.absolute_interval.value().unwrap();
        close(&what("abs lower"), abs.lower.unwrap(), row.absolute.0, TOL);
        close(&what("abs upper"), abs.upper.unwrap(), row.absolute.1, TOL);
        let rel = got.relative_interval.value().unwrap();
        close(&what("rel lower"), rel.lower.unwrap(), row.relative.0, TOL);
        close(&what("rel upper"), rel.upper.unwrap(), row.relative.1, TOL);
    }
}
