//! Sequential (mixture SPRT) intervals and p-values against gbstats'
//! `SequentialTwoSidedTTest`, and the property that they are wider than the
//! fixed-horizon intervals.

use glint_stats::{
    Comparison, MeanStats, Mixture, Reference, SequentialOptions, TestMethod, TestOptions,
    compare_binomial, compare_means,
};

use crate::{TOL, close};

enum Metric {
    Mean(MeanStats, MeanStats),
    /// n_A, conversions_A, n_B, conversions_B
    Binomial(u64, u64, u64, u64),
}

struct Case {
    metric: Metric,
    alpha: f64,
    mixture: Mixture,
    p: f64,
    absolute_ci: (f64, f64),
    relative_ci: (f64, f64),
}

#[rustfmt::skip]
fn cases() -> Vec<Case> { vec![
    // gbstats SequentialTwoSidedTTest(..., SequentialConfig(alpha=0.05, difference_type='absolute'|'relative', sequential_tuning_parameter=5000.0)) -> ci, p_value (absolute)
    Case { metric: Metric::Mean(MeanStats { n: 1000, sum: 9963.47, sum_sq: 153450.9047 }, MeanStats { n: 1000, sum: 10712.88, sum_sq: 174693.9322 }),
        alpha: 0.05, mixture: Mixture::TuningParameter(5000.0),
        p: 0.315053408762561, absolute_ci: (-0.3063281025513449, 1.8051481025513434),
        relative_ci: (-0.034601494380232786, 0.185033020746047) },  // fixed-horizon CI for scale: [0.08660189780667649, 1.412218102193322]
    // gbstats SequentialTwoSidedTTest(..., SequentialConfig(alpha=0.1, difference_type='absolute'|'relative', sequential_tuning_parameter=10000.0)) -> ci, p_value (absolute)
    Case { metric: Metric::Binomial(5000, 250, 5000, 300),
        alpha: 0.1, mixture: Mixture::TuningParameter(10000.0),
        p: 0.3389384260095772, absolute_ci: (-0.002599437553964799, 0.02259943755396479),
        relative_ci: (-0.07617265365412296, 0.47617265365412276) },  // fixed-horizon CI for scale: [0.0025012208003221056, 0.017498779199677884]
    // rho^2 = 0.002 given directly; gbstats takes it as sequential_tuning_parameter N* = (-2 ln a + ln(1 - 2 ln a))/rho^2:
    // gbstats SequentialTwoSidedTTest(..., SequentialConfig(alpha=0.05, difference_type='absolute'|'relative', sequential_tuning_parameter=3968.0773008687825)) -> ci, p_value (absolute)
    Case { metric: Metric::Mean(MeanStats { n: 1000, sum: 9963.47, sum_sq: 153450.9047 }, MeanStats { n: 1000, sum: 10712.88, sum_sq: 174693.9322 }),
        alpha: 0.05, mixture: Mixture::RhoSquared(0.002),
        p: 0.31285290543670696, absolute_ci: (-0.29233990227208206, 1.7911599022720806),
        relative_ci: (-0.033146450000191674, 0.18357797636600587) },  // fixed-horizon CI for scale: [0.08660189780667649, 1.412218102193322]
]}

fn compare(metric: &Metric, options: &TestOptions) -> Comparison {
    match metric {
        Metric::Mean(a, b) => compare_means(a, b, options),
        Metric::Binomial(na, ca, nb, cb) => compare_binomial(
            &MeanStats::binomial(*na, *ca),
            &MeanStats::binomial(*nb, *cb),
            options,
        ),
    }
    .unwrap()
}

#[test]
fn mixture_sprt_against_gbstats() {
    for (i, case) in cases().iter().enumerate() {
        let what = |s: &str| format!("case {i} {s}");
        let fixed_options = TestOptions {
            alpha: case.alpha,
            ..TestOptions::default()
        };
        let options = TestOptions {
            sequential: Some(SequentialOptions {
                mixture: case.mixture,
            }),
            ..fixed_options.clone()
        };
        let seq = compare(&case.metric, &options);
        let fixed = compare(&case.metric, &fixed_options);
        let test = seq.test.value().unwrap();
        assert_eq!(test.method, TestMethod::MixtureSprt);
        close(&what("p"), test.p_value, case.p, TOL);
        for (effect, fixed_effect, (lo, hi), name) in [
            (&seq.absolute, &fixed.absolute, case.absolute_ci, "abs"),
            (&seq.relative, &fixed.relative, case.relative_ci, "rel"),
        ] {
            let (effect, fixed_effect) = (effect.value().unwrap(), fixed_effect.value().unwrap());
            assert!(matches!(effect.reference, Reference::NormalMixture { .. }));
            let (l, u) = (
                effect.interval.lower.unwrap(),
                effect.interval.upper.unwrap(),
            );
            close(&what(&format!("{name} lower")), l, lo, TOL);
            close(&what(&format!("{name} upper")), u, hi, TOL);
            // Peeking costs width: the always-valid interval contains the fixed one.
            assert!(
                l < fixed_effect.interval.lower.unwrap()
                    && u > fixed_effect.interval.upper.unwrap(),
                "{}",
                what("wider")
            );
        }
        // The always-valid p-value is never below the fixed-horizon one here.
        assert!(
            test.p_value > fixed.test.value().unwrap().p_value,
            "{}",
            what("p larger")
        );
    }
}

/// At every sample size the mixture interval is wider than the z interval,
/// and `p ≤ alpha` exactly when the interval excludes 0.
#[test]
fn mixture_interval_wider_than_fixed_at_every_size() {
    for n in [10_u64, 100, 1_000, 5_000, 20_000, 1_000_000, 100_000_000] {
        for conversions in [n / 10, n / 10 + n / 80] {
            let control = MeanStats::binomial(n, n / 10);
            let treatment = MeanStats::binomial(n, conversions);
            let fixed = compare_binomial(&control, &treatment, &TestOptions::default()).unwrap();
            let options = TestOptions {
                sequential: Some(SequentialOptions::default()),
                ..TestOptions::default()
            };
            let seq = compare_binomial(&control, &treatment, &options).unwrap();
            let (Some(f), Some(s)) = (fixed.absolute.value(), seq.absolute.value()) else {
                continue;
            };
            let fixed_half = f.interval.upper.unwrap() - f.estimate;
            let seq_half = s.interval.upper.unwrap() - s.estimate;
            assert!(seq_half > fixed_half, "n = {n}: {seq_half} ≤ {fixed_half}");
            let excludes_zero = s.interval.lower.unwrap() > 0.0 || s.interval.upper.unwrap() < 0.0;
            assert_eq!(
                seq.test.value().unwrap().p_value <= 0.05,
                excludes_zero,
                "n = {n}"
            );
        }
    }
}
