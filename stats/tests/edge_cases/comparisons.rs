//! Edge cases of the four comparisons and of the options.

use expect_test::expect;
use glint_stats::{
    CupedStats, MeanStats, Mixture, RatioStats, SequentialOptions, Sides, TestOptions,
    compare_binomial, compare_cuped, compare_means, compare_ratios,
};

use crate::{bin, check, opts, render};

#[test]
fn binomial_edges() {
    let o = TestOptions::default();
    check(
        render(compare_binomial(&bin(1000, 0), &bin(1000, 12), &o)),
        expect![[r#"
        control:   n=1000 value=0.000000 variance=0.000000
        treatment: n=1000 value=0.012000 variance=0.011856
        absolute:  0.012000 [0.005251, 0.018749]
        relative:  undefined (ZeroBaseline): the control mean is 0, so a lift relative to it is undefined
        test:      PooledZ stat=3.474541 p=0.000512
    "#]],
    );
    check(
        render(compare_binomial(&bin(1000, 0), &bin(1000, 0), &o)),
        expect![[r#"
        control:   n=1000 value=0.000000 variance=0.000000
        treatment: n=1000 value=0.000000 variance=0.000000
        absolute:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        relative:  undefined (ZeroBaseline): the control mean is 0, so a lift relative to it is undefined
        test:      undefined (ZeroVariance): no unit converted in either arm: the pooled variance is 0 and the z statistic 0/0
    "#]],
    );
    check(
        render(compare_binomial(&bin(500, 500), &bin(400, 400), &o)),
        expect![[r#"
        control:   n=500 value=1.000000 variance=0.000000
        treatment: n=400 value=1.000000 variance=0.000000
        absolute:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        relative:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        test:      undefined (ZeroVariance): every unit in both arms converted: the pooled variance is 0 and the z statistic 0/0
    "#]],
    );
    check(
        render(compare_binomial(&bin(0, 0), &bin(100, 10), &o)),
        expect![[r#"
        control:   n=0 value=undefined (NoUnits): control has no units (n = 0) variance=undefined (NoUnits): control has no units (n = 0)
        treatment: n=100 value=0.100000 variance=0.090000
        absolute:  undefined (NoUnits): control has no units (n = 0)
        relative:  undefined (NoUnits): control has no units (n = 0)
        test:      undefined (NoUnits): control has no units (n = 0)
    "#]],
    );
    check(
        render(compare_binomial(&bin(1, 1), &bin(1, 0), &o)),
        expect![[r#"
        control:   n=1 value=1.000000 variance=0.000000
        treatment: n=1 value=0.000000 variance=0.000000
        absolute:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        relative:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        test:      PooledZ stat=-1.414214 p=0.157299
    "#]],
    );
    check(
        render(compare_binomial(&bin(10, 11), &bin(10, 1), &o)),
        expect![
            "error: invalid input: control: binomial conversions must be an integer in [0, n = 10], got 11"
        ],
    );
    check(
        render(compare_binomial(
            &MeanStats {
                n: 10,
                sum: 2.5,
                sum_sq: 2.5,
            },
            &bin(10, 1),
            &o,
        )),
        expect![
            "error: invalid input: control: binomial conversions must be an integer in [0, n = 10], got 2.5"
        ],
    );
    check(
        render(compare_binomial(
            &MeanStats {
                n: 10,
                sum: 2.0,
                sum_sq: 3.0,
            },
            &bin(10, 1),
            &o,
        )),
        expect![
            "error: invalid input: control: a binomial metric has 0/1 values, so sum_sq must equal sum (2), got 3"
        ],
    );
}

#[test]
fn mean_edges() {
    let o = TestOptions::default();
    let one = MeanStats::from_values(&[3.0]);
    let some = MeanStats::from_values(&[1.0, 2.0, 4.0]);
    let flat_a = MeanStats::from_values(&[2.0; 5]);
    let flat_b = MeanStats::from_values(&[3.0; 6]);
    check(
        render(compare_means(&one, &some, &o)),
        expect![[r#"
        control:   n=1 value=3.000000 variance=undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        treatment: n=3 value=2.333333 variance=2.333333
        absolute:  undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        relative:  undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        test:      undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
    "#]],
    );
    check(
        render(compare_means(&flat_a, &flat_b, &o)),
        expect![[r#"
        control:   n=5 value=2.000000 variance=0.000000
        treatment: n=6 value=3.000000 variance=0.000000
        absolute:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        relative:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        test:      undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
    "#]],
    );
    check(
        render(compare_means(&flat_a, &flat_a, &o)),
        expect![[r#"
        control:   n=5 value=2.000000 variance=0.000000
        treatment: n=5 value=2.000000 variance=0.000000
        absolute:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        relative:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        test:      undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
    "#]],
    );
    check(
        render(compare_means(&MeanStats::default(), &some, &o)),
        expect![[r#"
        control:   n=0 value=undefined (NoUnits): control has no units (n = 0) variance=undefined (NoUnits): control has no units (n = 0)
        treatment: n=3 value=2.333333 variance=2.333333
        absolute:  undefined (NoUnits): control has no units (n = 0)
        relative:  undefined (NoUnits): control has no units (n = 0)
        test:      undefined (NoUnits): control has no units (n = 0)
    "#]],
    );
    check(
        render(compare_means(
            &MeanStats::from_values(&[0.0, 0.0, 0.0]),
            &some,
            &o,
        )),
        expect![[r#"
        control:   n=3 value=0.000000 variance=0.000000
        treatment: n=3 value=2.333333 variance=2.333333
        absolute:  2.333333 [-1.461250, 6.127916]
        relative:  undefined (ZeroBaseline): the control mean is 0, so a lift relative to it is undefined
        test:      WelchT stat=2.645751 p=0.118083
    "#]],
    );
    check(
        render(compare_means(
            &MeanStats {
                n: 3,
                sum: 30.0,
                sum_sq: 10.0,
            },
            &some,
            &o,
        )),
        expect![
            "error: invalid input: control: sum_sq = 10 < sum²/n = 300: no data has these sums"
        ],
    );
    check(
        render(compare_means(
            &MeanStats {
                n: 3,
                sum: f64::NAN,
                sum_sq: 10.0,
            },
            &some,
            &o,
        )),
        expect!["error: invalid input: control: sums must be finite, got sum = NaN, sum_sq = 10"],
    );
    check(
        render(compare_means(
            &MeanStats {
                n: 0,
                sum: 1.0,
                sum_sq: 1.0,
            },
            &some,
            &o,
        )),
        expect!["error: invalid input: control: n = 0 but the sums are not zero"],
    );
}

#[test]
fn ratio_edges() {
    let o = TestOptions::default();
    let ok = RatioStats::from_pairs(&[(1.0, 10.0), (0.0, 5.0), (2.0, 12.0)]);
    let zero_den = RatioStats::from_pairs(&[(0.0, 0.0), (0.0, 0.0)]);
    check(
        render(compare_ratios(&zero_den, &ok, &o)),
        expect![[r#"
        control:   n=2 value=undefined (ZeroDenominator): control's denominator sums to 0, so its ratio is undefined variance=undefined (ZeroDenominator): control's denominator sums to 0, so its ratio is undefined
        treatment: n=3 value=0.111111 variance=0.004725
        absolute:  undefined (ZeroDenominator): control's denominator sums to 0, so its ratio is undefined
        relative:  undefined (ZeroDenominator): control's denominator sums to 0, so its ratio is undefined
        test:      undefined (ZeroDenominator): control's denominator sums to 0, so its ratio is undefined
    "#]],
    );
    check(
        render(compare_ratios(
            &RatioStats::from_pairs(&[(1.0, 4.0)]),
            &ok,
            &o,
        )),
        expect![[r#"
        control:   n=1 value=0.250000 variance=undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        treatment: n=3 value=0.111111 variance=0.004725
        absolute:  undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        relative:  undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        test:      undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
    "#]],
    );
    check(
        render(compare_ratios(&RatioStats::default(), &ok, &o)),
        expect![[r#"
        control:   n=0 value=undefined (NoUnits): control has no units (n = 0) variance=undefined (NoUnits): control has no units (n = 0)
        treatment: n=3 value=0.111111 variance=0.004725
        absolute:  undefined (NoUnits): control has no units (n = 0)
        relative:  undefined (NoUnits): control has no units (n = 0)
        test:      undefined (NoUnits): control has no units (n = 0)
    "#]],
    );
    // Every unit has the same ratio: the delta variance is 0 in both arms.
    let exact_a = RatioStats::from_pairs(&[(1.0, 10.0), (2.0, 20.0)]);
    let exact_b = RatioStats::from_pairs(&[(3.0, 10.0), (6.0, 20.0)]);
    check(
        render(compare_ratios(&exact_a, &exact_b, &o)),
        expect![[r#"
        control:   n=2 value=0.100000 variance=0.000000
        treatment: n=2 value=0.300000 variance=0.000000
        absolute:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        relative:  undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
        test:      undefined (ZeroVariance): both arms have zero variance, so the standard error is 0 and the test statistic 0/0
    "#]],
    );
}

#[test]
fn cuped_edges() {
    let o = TestOptions::default();
    let a = CupedStats::from_pairs(&[(1.0, 2.0), (2.0, 2.5), (3.0, 4.0)]);
    let b = CupedStats::from_pairs(&[(2.0, 2.0), (3.5, 3.0), (4.0, 4.5), (5.0, 5.0)]);
    check(
        render(compare_cuped(&a, &b, &o)),
        expect![[r#"
        control:   n=3 value=2.463238 variance=0.087957
        treatment: n=4 value=3.277571 variance=0.179759
        absolute:  0.814333 [0.113814, 1.514852]
        relative:  0.407167 [-0.075916, 0.890250]
        test:      WelchT stat=2.988328 p=0.030510
        cuped:     theta=1.024000 reduction=0.897427
    "#]],
    );
    check(
        render(compare_cuped(
            &CupedStats::from_pairs(&[(1.0, 2.0)]),
            &b,
            &o,
        )),
        expect![[r#"
        control:   n=1 value=2.391667 variance=undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        treatment: n=4 value=3.277083 variance=0.211349
        absolute:  undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        relative:  undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        test:      undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
        cuped:     theta=1.070513 reduction=undefined (SingleUnit): control has one unit: a sample variance needs n ≥ 2
    "#]],
    );
    check(
        render(compare_cuped(
            &CupedStats::default(),
            &CupedStats::default(),
            &o,
        )),
        expect![[r#"
        control:   n=0 value=undefined (NoUnits): control has no units (n = 0) variance=undefined (NoUnits): control has no units (n = 0)
        treatment: n=0 value=undefined (NoUnits): treatment has no units (n = 0) variance=undefined (NoUnits): treatment has no units (n = 0)
        absolute:  undefined (NoUnits): control has no units (n = 0)
        relative:  undefined (NoUnits): control has no units (n = 0)
        test:      undefined (NoUnits): control has no units (n = 0)
        cuped:     theta=0.000000 reduction=undefined (NoUnits): control has no units (n = 0)
    "#]],
    );
}

#[test]
fn option_errors() {
    let (a, b) = (bin(100, 10), bin(100, 12));
    for alpha in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
        let e = compare_binomial(&a, &b, &opts(alpha)).unwrap_err();
        assert_eq!(
            e.kind,
            glint_stats::StatsErrorKind::InvalidOption,
            "alpha {alpha}"
        );
    }
    let one_sided_sequential = TestOptions {
        sides: Sides::OneGreater,
        sequential: Some(SequentialOptions::default()),
        ..TestOptions::default()
    };
    check(
        render(compare_binomial(&a, &b, &one_sided_sequential)),
        expect![
            "error: unsupported: sequential (mixture SPRT) intervals are two-sided only; use Sides::Two"
        ],
    );
    let bad_mixture = TestOptions {
        sequential: Some(SequentialOptions {
            mixture: Mixture::TuningParameter(0.0),
        }),
        ..TestOptions::default()
    };
    check(
        render(compare_binomial(&a, &b, &bad_mixture)),
        expect!["error: invalid option: sequential tuning parameter must be finite and > 0, got 0"],
    );
    check(
        render(compare_binomial(&a, &b, &opts(f64::NAN))),
        expect!["error: invalid option: alpha must lie in (0, 1), got NaN"],
    );
}
