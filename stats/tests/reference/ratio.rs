//! `compare_ratios` against gbstats' delta-method `RatioStatistic` variance
//! and scipy's normal distribution.

use glint_stats::{RatioStats, Sides, TestMethod, TestOptions, compare_ratios};

use crate::{TOL, close, close_bound};

struct Case {
    control: RatioStats,
    treatment: RatioStats,
    alpha: f64,
    sides: Sides,
    /// ((ratio, per-unit delta variance) control, (…) treatment)
    arms: ((f64, f64), (f64, f64)),
    z: f64,
    p: f64,
    absolute_ci: (Option<f64>, Option<f64>),
    relative: (f64, f64, Option<f64>, Option<f64>),
}

#[rustfmt::skip]
fn cases() -> Vec<Case> { vec![
    // CTR 2000 vs 2000: arm variance = gbstats RatioStatistic(n, m_statistic=SampleMeanStatistic, d_statistic=SampleMeanStatistic, m_d_sum_of_products).variance
    // z = (R_B - R_A)/sqrt(vB/nB + vA/nA), p = scipy.stats.norm.sf/cdf ('two-sided'); CI = est -/+ scipy.stats.norm.ppf(1-alpha/2)*se; relative = gbstats frequentist_variance(relative=True)
    Case { control: RatioStats { n: 2000, sum_num: 2095.0, sum_den: 41995.0, sum_num_sq: 4253.0, sum_den_sq: 923105.0, sum_num_den: 46050.0 },
        treatment: RatioStats { n: 2000, sum_num: 2410.0, sum_den: 42057.0, sum_num_sq: 5338.0, sum_den_sq: 926217.0, sum_num_den: 52760.0 },
        alpha: 0.05, sides: Sides::Two, arms: ((0.04988689129658293, 0.0022190417640582114), (0.057303183774401405, 0.0026389908574995743)),
        z: 4.758517088776644, p: 1.950203845300539e-6, absolute_ci: (Some(0.004361629463237085), Some(0.01047095549239987)), relative: (0.14866214921526824, 0.0334428513496702, Some(0.08311536502958791), Some(0.21420893340094857)) },
    // CTR 300 vs 280, one-sided: arm variance = gbstats RatioStatistic(n, m_statistic=SampleMeanStatistic, d_statistic=SampleMeanStatistic, m_d_sum_of_products).variance
    // z = (R_B - R_A)/sqrt(vB/nB + vA/nA), p = scipy.stats.norm.sf/cdf ('larger'); CI = est -/+ scipy.stats.norm.ppf(1-alpha)*se; relative = gbstats frequentist_variance(relative=True)
    Case { control: RatioStats { n: 300, sum_num: 627.0, sum_den: 6220.0, sum_num_sq: 1971.0, sum_den_sq: 135510.0, sum_num_den: 13649.0 },
        treatment: RatioStats { n: 280, sum_num: 716.0, sum_den: 5950.0, sum_num_sq: 2526.0, sum_den_sq: 132676.0, sum_num_den: 16005.0 },
        alpha: 0.1, sides: Sides::OneGreater, arms: ((0.10080385852090032, 0.004638786476307468), (0.12033613445378151, 0.004725074976433738)),
        z: 3.4347648948718246, p: 0.00029653405953052324, absolute_ci: (Some(0.012244551862507193), None), relative: (0.19376516156701915, 0.06188098002094441, Some(0.1144614947437437), None) },
    // CTR 5000 vs 5100: arm variance = gbstats RatioStatistic(n, m_statistic=SampleMeanStatistic, d_statistic=SampleMeanStatistic, m_d_sum_of_products).variance
    // z = (R_B - R_A)/sqrt(vB/nB + vA/nA), p = scipy.stats.norm.sf/cdf ('two-sided'); CI = est -/+ scipy.stats.norm.ppf(1-alpha/2)*se; relative = gbstats frequentist_variance(relative=True)
    Case { control: RatioStats { n: 5000, sum_num: 1987.0, sum_den: 104797.0, sum_num_sq: 2737.0, sum_den_sq: 2295453.0, sum_num_den: 43378.0 },
        treatment: RatioStats { n: 5100, sum_num: 2054.0, sum_den: 106825.0, sum_num_sq: 2900.0, sum_den_sq: 2338897.0, sum_num_den: 45347.0 },
        alpha: 0.05, sides: Sides::Two, arms: ((0.018960466425565616, 0.0008730610190734674), (0.019227708869646618, 0.0009033302150558509)),
        z: 0.45060620044605304, p: 0.6522733970050043, absolute_ci: (Some(-0.0008951595934869017), Some(0.0014296444816489058)), relative: (0.014094718878891178, 0.031499095567614877, Some(-0.047642373979219235), Some(0.07583181173700158)) },
]}

#[test]
fn ratio_against_gbstats_delta_method() {
    for (i, case) in cases().iter().enumerate() {
        let options = TestOptions {
            alpha: case.alpha,
            sides: case.sides,
            ..TestOptions::default()
        };
        let c = compare_ratios(&case.control, &case.treatment, &options).unwrap();
        let what = |s: &str| format!("case {i} {s}");
        for (arm, (ratio, variance)) in [(&c.control, case.arms.0), (&c.treatment, case.arms.1)] {
            close(&what("ratio"), *arm.value.value().unwrap(), ratio, TOL);
            close(
                &what("delta variance"),
                *arm.variance.value().unwrap(),
                variance,
                TOL,
            );
        }
        let test = c.test.value().unwrap();
        assert_eq!(test.method, TestMethod::DeltaMethodZ);
        close(&what("z"), test.statistic, case.z, TOL);
        close(&what("p"), test.p_value, case.p, TOL);
        let abs = c.absolute.value().unwrap();
        close_bound(
            &what("abs lower"),
            abs.interval.lower,
            case.absolute_ci.0,
            TOL,
        );
        close_bound(
            &what("abs upper"),
            abs.interval.upper,
            case.absolute_ci.1,
            TOL,
        );
        let rel = c.relative.value().unwrap();
        let (est, se, lo, hi) = case.relative;
        close(&what("rel estimate"), rel.estimate, est, TOL);
        close(&what("rel se"), rel.standard_error, se, TOL);
        close_bound(&what("rel lower"), rel.interval.lower, lo, TOL);
        close_bound(&what("rel upper"), rel.interval.upper, hi, TOL);
    }
}
