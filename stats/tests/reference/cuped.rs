//! `compare_cuped` against gbstats' regression adjustment (`compute_theta`,
//! `RegressionAdjustedStatistic`, `TwoSidedTTest`) and scipy's Welch test.

use glint_stats::{CupedStats, TestOptions, compare_cuped, cuped_theta};

use crate::{TOL, close, close_bound};

struct Case {
    control: CupedStats,
    treatment: CupedStats,
    theta: f64,
    /// adjusted per-unit variances (control, treatment)
    variances: (f64, f64),
    variance_reduction: f64,
    t: f64,
    df: f64,
    p: f64,
    /// (estimate, lower, upper) at alpha 0.05, two-sided
    absolute: (f64, Option<f64>, Option<f64>),
    relative: (f64, Option<f64>, Option<f64>),
}

#[rustfmt::skip]
fn cases() -> Vec<Case> { vec![
    // strong covariate: theta = gbstats compute_theta(RegressionAdjustedStatistic x2); adjusted variances = RegressionAdjustedStatistic.variance
    // (t, p) = scipy.stats.ttest_ind_from_stats(adjusted means/sds, equal_var=False); CIs = gbstats TwoSidedTTest(absolute|relative).confidence_interval
    // variance_reduction = 1 - (vA_adj/nA + vB_adj/nB)/(vA/nA + vB/nB)
    Case { control: CupedStats { n: 1000, sum_y: 10030.58, sum_y_sq: 110465.3308, sum_x: 9923.35, sum_x_sq: 107106.8455, sum_xy: 106785.1531 },
        treatment: CupedStats { n: 1000, sum_y: 10333.05, sum_y_sq: 116933.3605, sum_x: 10025.46, sum_x_sq: 110280.6788, sum_xy: 111134.419 },
        theta: 0.8041536055273018, variances: (3.782519894888999, 4.356242648037005), variance_reduction: 0.5937579306402585,
        t: 2.4425833224485074, df: 1988.1206102318527, p: 0.014669099577403389,
        absolute: (0.22035787533960782, Some(0.0434318360462248), Some(0.39728391463299084)),
        relative: (0.021968607532127534, Some(0.004080777482523255), Some(0.03985643758173181)) },
    // weak covariate: theta = gbstats compute_theta(RegressionAdjustedStatistic x2); adjusted variances = RegressionAdjustedStatistic.variance
    // (t, p) = scipy.stats.ttest_ind_from_stats(adjusted means/sds, equal_var=False); CIs = gbstats TwoSidedTTest(absolute|relative).confidence_interval
    // variance_reduction = 1 - (vA_adj/nA + vB_adj/nB)/(vA/nA + vB/nB)
    Case { control: CupedStats { n: 150, sum_y: 595.11, sum_y_sq: 3834.8953, sum_x: 1427.2, sum_x_sq: 15073.6496, sum_xy: 5864.806 },
        treatment: CupedStats { n: 170, sum_y: 800.67, sum_y_sq: 5484.5745, sum_x: 1739.8, sum_x_sq: 19303.9504, sum_xy: 8543.7085 },
        theta: 0.19598408969424622, variances: (9.744066306796652, 9.669270941199903), variance_reduction: 0.029854862509933855,
        t: 1.7230086153019817, df: 312.7561164425773, p: 0.08587538541015187,
        absolute: (0.6014225839399745, Some(-0.08536784715364831), Some(1.2882130150335973)),
        relative: (0.1515911135605118, Some(-0.03947349475597603), Some(0.34265572187699966)) },
    // constant covariate: theta = gbstats compute_theta(RegressionAdjustedStatistic x2) = 0, gbstats falls back to the unadjusted statistics
    // (t, p) = scipy.stats.ttest_ind_from_stats(adjusted means/sds, equal_var=False); CIs = gbstats TwoSidedTTest(absolute|relative).confidence_interval
    // variance_reduction = 1 - (vA_adj/nA + vB_adj/nB)/(vA/nA + vB/nB)
    Case { control: CupedStats { n: 60, sum_y: 292.92, sum_y_sq: 1486.8446, sum_x: 60.0, sum_x_sq: 60.0, sum_xy: 292.92 },
        treatment: CupedStats { n: 70, sum_y: 366.83, sum_y_sq: 1973.4055, sum_x: 70.0, sum_x_sq: 70.0, sum_xy: 366.83 },
        theta: 0.0, variances: (0.9628671186440643, 0.7399867701863421), variance_reduction: 0.0,
        t: 2.1968810878054676, df: 118.40087953199777, p: 0.029976359965854977,
        absolute: (0.3584285714285702, Some(0.035351795439584166), Some(0.6815053474175563)),
        relative: (0.0734183882483757, Some(0.0042712624213917805), Some(0.1425655140753596)) },
]}

#[test]
fn cuped_against_gbstats() {
    for (i, case) in cases().iter().enumerate() {
        let what = |s: &str| format!("case {i} {s}");
        close(
            &what("theta fn"),
            cuped_theta(&case.control, &case.treatment).unwrap(),
            case.theta,
            TOL,
        );
        let c = compare_cuped(&case.control, &case.treatment, &TestOptions::default()).unwrap();
        let details = c.cuped.as_ref().unwrap();
        close(&what("theta"), details.theta, case.theta, TOL);
        // The variance reduction is a difference from 1: compare absolutely.
        assert!(
            (details.variance_reduction.value().unwrap() - case.variance_reduction).abs() < TOL,
            "{}",
            what("reduction")
        );
        close(
            &what("control variance"),
            *c.control.variance.value().unwrap(),
            case.variances.0,
            TOL,
        );
        close(
            &what("treatment variance"),
            *c.treatment.variance.value().unwrap(),
            case.variances.1,
            TOL,
        );
        let test = c.test.value().unwrap();
        close(&what("t"), test.statistic, case.t, TOL);
        close(&what("df"), test.df.unwrap(), case.df, TOL);
        close(&what("p"), test.p_value, case.p, TOL);
        for (effect, (est, lo, hi), name) in [
            (&c.absolute, case.absolute, "abs"),
            (&c.relative, case.relative, "rel"),
        ] {
            let effect = effect.value().unwrap();
            close(
                &what(&format!("{name} estimate")),
                effect.estimate,
                est,
                TOL,
            );
            close_bound(
                &what(&format!("{name} lower")),
                effect.interval.lower,
                lo,
                TOL,
            );
            close_bound(
                &what(&format!("{name} upper")),
                effect.interval.upper,
                hi,
                TOL,
            );
        }
        // The adjusted means differ by the adjusted estimate.
        let diff = c.treatment.value.value().unwrap() - c.control.value.value().unwrap();
        close(&what("adjusted means"), diff, case.absolute.0, TOL);
    }
}
