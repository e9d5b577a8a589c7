//! `compare_binomial` against statsmodels (tests and Wald intervals) and the
//! delta-method relative interval with scipy's normal quantiles.

use glint_stats::{
    MeanStats, ProportionVariance, Sides, TestMethod, TestOptions, UndefinedCode, compare_binomial,
};

use crate::{TOL, close, close_bound};

struct Case {
    /// (n, conversions)
    control: (u64, u64),
    treatment: (u64, u64),
    alpha: f64,
    sides: Sides,
    /// (z, p)
    pooled: (f64, f64),
    unpooled: (f64, f64),
    absolute_ci: (Option<f64>, Option<f64>),
    /// (estimate, se, lower, upper); None = control rate 0
    relative: Option<(f64, f64, Option<f64>, Option<f64>)>,
}

#[rustfmt::skip]
fn cases() -> Vec<Case> { vec![
    // statsmodels proportions_ztest([1120, 1000], [10050, 10000], alternative='two-sided') -> pooled (z, p)
    // statsmodels test_proportions_2indep(1120, 10050, 1000, 10000, method='wald', compare='diff', alternative='two-sided') -> unpooled (z, p)
    // statsmodels confint_proportions_2indep(1120, 10050, 1000, 10000, method='wald', compare='diff', alpha=0.05) -> absolute CI
    // relative: delta method, est=(pB-pA)/pA, var=pB(1-pB)/(pA^2 nB)+pA(1-pA)pB^2/(pA^4 nA), scipy.stats.norm.ppf -> (est, se, lo, hi)
    Case { control: (10000, 1000), treatment: (10050, 1120), alpha: 0.05, sides: Sides::Two,
        pooled: (2.634595360549572, 0.008423763784265022), unpooled: (2.6353652173144018, 0.008404679738028656),
        absolute_ci: (Some(0.002932599917096766), Some(0.01995297222220671)), relative: Some((0.11442786069651739, 0.04585914188183479, Some(0.024545594246208807), Some(0.20431012714682598))) },
    // statsmodels proportions_ztest([300, 250], [5000, 5000], alternative='two-sided') -> pooled (z, p)
    // statsmodels test_proportions_2indep(300, 5000, 250, 5000, method='wald', compare='diff', alternative='two-sided') -> unpooled (z, p)
    // statsmodels confint_proportions_2indep(300, 5000, 250, 5000, method='wald', compare='diff', alpha=0.05) -> absolute CI
    // relative: delta method, est=(pB-pA)/pA, var=pB(1-pB)/(pA^2 nB)+pA(1-pA)pB^2/(pA^4 nA), scipy.stats.norm.ppf -> (est, se, lo, hi)
    Case { control: (5000, 250), treatment: (5000, 300), alpha: 0.05, sides: Sides::Two,
        pooled: (2.193172316532562, 0.02829496629023119), unpooled: (2.193699965359283, 0.028256986332180083),
        absolute_ci: (Some(0.0010654874618687762), Some(0.018934512538131214)), relative: Some((0.1999999999999999, 0.09991996797437436, Some(0.004160461433830531), Some(0.39583953856616927))) },
    // statsmodels proportions_ztest([45, 30], [1150, 1200], alternative='larger') -> pooled (z, p)
    // statsmodels test_proportions_2indep(45, 1150, 30, 1200, method='wald', compare='diff', alternative='larger') -> unpooled (z, p)
    // statsmodels confint_proportions_2indep(45, 1150, 30, 1200, method='wald', compare='diff', alpha=0.1) -> absolute CI (one-sided bound = two-sided at 2*alpha)
    // relative: delta method, est=(pB-pA)/pA, var=pB(1-pB)/(pA^2 nB)+pA(1-pA)pB^2/(pA^4 nA), scipy.stats.norm.ppf -> (est, se, lo, hi)
    Case { control: (1200, 30), treatment: (1150, 45), alpha: 0.05, sides: Sides::OneGreater,
        pooled: (1.948083944777694, 0.02570245978369347), unpooled: (1.9408272705621346, 0.02613961602780007),
        absolute_ci: (Some(0.0021548729924843833), None), relative: Some((0.5652173913043479, 0.3632270909756603, Some(-0.032238006693999344), None)) },
    // statsmodels proportions_ztest([380, 400], [820, 800], alternative='smaller') -> pooled (z, p)
    // statsmodels test_proportions_2indep(380, 820, 400, 800, method='wald', compare='diff', alternative='smaller') -> unpooled (z, p)
    // statsmodels confint_proportions_2indep(380, 820, 400, 800, method='wald', compare='diff', alpha=0.2) -> absolute CI (one-sided bound = two-sided at 2*alpha)
    // relative: delta method, est=(pB-pA)/pA, var=pB(1-pB)/(pA^2 nB)+pA(1-pA)pB^2/(pA^4 nA), scipy.stats.norm.ppf -> (est, se, lo, hi)
    Case { control: (800, 400), treatment: (820, 380), alpha: 0.1, sides: Sides::OneLess,
        pooled: (-1.4734312783348054, 0.07031739073167399), unpooled: (-1.4743707033081634, 0.0701909040015899),
        absolute_ci: (None, Some(-0.004784657401858641)), relative: Some((-0.07317073170731703, 0.047819960228118755, None, Some(-0.01188698681269091))) },
    // statsmodels proportions_ztest([655, 610], [19800, 20000], alternative='two-sided') -> pooled (z, p)
    // statsmodels test_proportions_2indep(655, 19800, 610, 20000, method='wald', compare='diff', alternative='two-sided') -> unpooled (z, p)
    // statsmodels confint_proportions_2indep(655, 19800, 610, 20000, method='wald', compare='diff', alpha=0.01) -> absolute CI
    // relative: delta method, est=(pB-pA)/pA, var=pB(1-pB)/(pA^2 nB)+pA(1-pA)pB^2/(pA^4 nA), scipy.stats.norm.ppf -> (est, se, lo, hi)
    Case { control: (20000, 610), treatment: (19800, 655), alpha: 0.01, sides: Sides::Two,
        pooled: (1.4674789978269558, 0.14224579842258492), unpooled: (1.467229205044065, 0.14231371474037305),
        absolute_ci: (Some(-0.0019499912370678218), Some(0.007111607398683981)), relative: Some((0.08461665838715014, 0.060052480636008675, Some(-0.0700682809858839), Some(0.23930159776018417))) },
    // statsmodels proportions_ztest([3, 0], [38, 40], alternative='two-sided') -> pooled (z, p)
    // statsmodels test_proportions_2indep(3, 38, 0, 40, method='wald', compare='diff', alternative='two-sided') -> unpooled (z, p)
    // statsmodels confint_proportions_2indep(3, 38, 0, 40, method='wald', compare='diff', alpha=0.05) -> absolute CI
    // relative: control rate 0 -> undefined
    Case { control: (40, 0), treatment: (38, 3), alpha: 0.05, sides: Sides::Two,
        pooled: (1.8122390919290392, 0.06994926118861597), unpooled: (1.804755622554715, 0.07111293153862527),
        absolute_ci: (Some(-0.0067894464948886485), Some(0.16468418333699392)), relative: None },
]}

#[test]
fn binomial_against_statsmodels() {
    for (i, case) in cases().iter().enumerate() {
        let control = MeanStats::binomial(case.control.0, case.control.1);
        let treatment = MeanStats::binomial(case.treatment.0, case.treatment.1);
        for (variance, (z, p), method) in [
            (ProportionVariance::Pooled, case.pooled, TestMethod::PooledZ),
            (
                ProportionVariance::Unpooled,
                case.unpooled,
                TestMethod::UnpooledZ,
            ),
        ] {
            let options = TestOptions {
                alpha: case.alpha,
                sides: case.sides,
                proportion_variance: variance,
                ..TestOptions::default()
            };
            let c = compare_binomial(&control, &treatment, &options).unwrap();
            let what = |s: &str| format!("case {i} {variance:?} {s}");
            let test = c.test.value().unwrap();
            assert_eq!(test.method, method);
            close(&what("z"), test.statistic, z, TOL);
            close(&what("p"), test.p_value, p, TOL);
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
            match case.relative {
                Some((est, se, lo, hi)) => {
                    let rel = c.relative.value().unwrap();
                    close(&what("rel estimate"), rel.estimate, est, TOL);
                    close(&what("rel se"), rel.standard_error, se, TOL);
                    close_bound(&what("rel lower"), rel.interval.lower, lo, TOL);
                    close_bound(&what("rel upper"), rel.interval.upper, hi, TOL);
                }
                None => assert_eq!(
                    c.relative.undefined().unwrap().0,
                    UndefinedCode::ZeroBaseline
                ),
            }
            // Per-arm rows: rate, Bernoulli variance, Wald standard error.
            for (arm, (n, conv)) in [(&c.control, case.control), (&c.treatment, case.treatment)] {
                let rate = conv as f64 / n as f64;
                close(&what("rate"), *arm.value.value().unwrap(), rate, TOL);
                close(
                    &what("variance"),
                    *arm.variance.value().unwrap(),
                    rate * (1.0 - rate),
                    TOL,
                );
                close(
                    &what("se"),
                    *arm.standard_error.value().unwrap(),
                    (rate * (1.0 - rate) / n as f64).sqrt(),
                    TOL,
                );
            }
        }
    }
}
