//! `sample_ratio_mismatch` against scipy's chi-square goodness of fit (and
//! gbstats' `check_srm`, which the generator asserts agrees).

use glint_stats::{SrmOptions, sample_ratio_mismatch};

use crate::{TOL, close};

struct Case {
    observed: &'static [u64],
    weights: Option<Vec<f64>>,
    statistic: f64,
    p: f64,
}

#[rustfmt::skip]
fn cases() -> Vec<Case> { vec![
    // scipy.stats.chisquare([5000, 5000], f_exp=[5000.0, 5000.0]) (gbstats check_srm agrees)
    Case { observed: &[5000, 5000], weights: None, statistic: 0.0, p: 1.0 },
    // scipy.stats.chisquare([5000, 5200], f_exp=[5100.0, 5100.0]) (gbstats check_srm agrees)
    Case { observed: &[5000, 5200], weights: None, statistic: 3.9215686274509802, p: 0.0476703806561615 },
    // scipy.stats.chisquare([10000, 10500], f_exp=[10250.0, 10250.0]) (gbstats check_srm agrees)
    Case { observed: &[10000, 10500], weights: None, statistic: 12.195121951219512, p: 0.00047914643458730067 },
    // scipy.stats.chisquare([1000, 1100, 980], f_exp=[1026.6666666666665, 1026.6666666666665, 1026.6666666666665]) (gbstats check_srm agrees)
    Case { observed: &[1000, 1100, 980], weights: None, statistic: 8.051948051948052, p: 0.01784603318520593 },
    // scipy.stats.chisquare([3000, 7150], f_exp=[3045.0, 7105.0]) (gbstats check_srm agrees)
    Case { observed: &[3000, 7150], weights: Some(vec![0.3, 0.7]), statistic: 0.9500351864883885, p: 0.3297103410572877 },
    // scipy.stats.chisquare([100, 140], f_exp=[120.0, 120.0]) (gbstats check_srm agrees)
    Case { observed: &[100, 140], weights: Some(vec![1.0, 1.0]), statistic: 6.666666666666667, p: 0.009823274507519235 },
    // scipy.stats.chisquare([2500, 2400, 5300], f_exp=[2550.0, 2550.0, 5100.0]) (gbstats check_srm agrees)
    Case { observed: &[2500, 2400, 5300], weights: Some(vec![1.0, 1.0, 2.0]), statistic: 17.647058823529413, p: 0.00014722781458154492 },
]}

#[test]
fn srm_against_scipy_chisquare() {
    for (i, case) in cases().into_iter().enumerate() {
        let options = SrmOptions {
            weights: case.weights.clone(),
            ..SrmOptions::default()
        };
        let r = sample_ratio_mismatch(case.observed, &options)
            .unwrap()
            .into_value()
            .unwrap();
        close(
            &format!("case {i} statistic"),
            r.statistic,
            case.statistic,
            TOL,
        );
        close(&format!("case {i} p"), r.p_value, case.p, TOL);
        assert_eq!(r.df, case.observed.len() as u64 - 1);
        assert_eq!(r.flagged, case.p < 0.001, "case {i} flagged");
    }
}
