//! Edge cases of SRM, the Bayesian read-outs, corrections and partition sums.

use expect_test::expect;
use glint_stats::{
    Correction, CorrectionOptions, MeanStats, SrmOptions, TestOptions, adjust_comparisons,
    adjust_p_values, bayes_binomial, bayes_normal, compare_binomial, compare_means,
    sample_ratio_mismatch, summarize_mean,
};

use crate::{bin, check, num, show};

#[test]
fn srm_edges() {
    let run =
        |observed: &[u64], weights: Option<Vec<f64>>, threshold: f64| match sample_ratio_mismatch(
            observed,
            &SrmOptions { weights, threshold },
        ) {
            Ok(r) => show(&r, |r| {
                format!(
                    "X2={} df={} p={} flagged={}",
                    num(r.statistic),
                    r.df,
                    num(r.p_value),
                    r.flagged
                )
            }),
            Err(e) => format!("error: {e}"),
        };
    check(
        run(&[0, 0], None, 0.001),
        expect!["undefined (NoUnits): no units observed in any arm"],
    );
    check(
        run(&[100], None, 0.001),
        expect!["error: invalid input: SRM needs at least two arms, got 1"],
    );
    check(
        run(&[100, 120], Some(vec![1.0]), 0.001),
        expect!["error: invalid option: SRM weights: 1 weights for 2 arms"],
    );
    check(
        run(&[100, 120], Some(vec![1.0, 0.0]), 0.001),
        expect!["error: invalid option: SRM weights must be positive and finite, got 0"],
    );
    check(
        run(&[100, 120], None, 0.0),
        expect!["error: invalid option: SRM threshold must lie in (0, 1), got 0"],
    );
    check(
        run(&[100, 0], None, 0.001),
        expect!["X2=100.000000 df=1 p=0.000000 flagged=true"],
    );
    check(
        run(&[10000, 10500], None, 0.0001),
        expect!["X2=12.195122 df=1 p=0.000479 flagged=false"],
    );
}

#[test]
fn bayes_edges() {
    let b = |a: MeanStats, t: MeanStats| match bayes_binomial(&a, &t) {
        Ok(r) => format!(
            "chance={} loss_treatment={} loss_control={}",
            num(r.chance_to_beat_control),
            num(r.expected_loss_treatment),
            num(r.expected_loss_control)
        ),
        Err(e) => format!("error: {e}"),
    };
    check(
        b(bin(0, 0), bin(0, 0)),
        expect!["chance=0.500000 loss_treatment=0.166667 loss_control=0.166667"],
    );
    check(
        b(bin(0, 0), bin(10, 10)),
        expect!["chance=0.916667 loss_treatment=0.006410 loss_control=0.423077"],
    );
    check(
        b(bin(100_000, 0), bin(100_000, 0)),
        expect!["chance=0.500000 loss_treatment=0.000005 loss_control=0.000005"],
    );
    check(
        b(bin(10, 12), bin(10, 1)),
        expect![
            "error: invalid input: control: binomial conversions must be an integer in [0, n = 10], got 12"
        ],
    );
    // Large arms: the closed form stays fast and inside [0, 1].
    check(
        b(bin(5_000_000, 250_000), bin(5_000_000, 251_500)),
        expect!["chance=0.985123 loss_treatment=0.000001 loss_control=0.000301"],
    );
    let zero = compare_means(
        &MeanStats::from_values(&[0.0, 0.0]),
        &MeanStats::from_values(&[1.0, 2.0]),
        &TestOptions::default(),
    )
    .unwrap();
    check(
        show(&bayes_normal(&zero), |r| num(r.chance_to_beat_control)),
        expect![
            "undefined (ZeroBaseline): the control mean is 0, so a lift relative to it is undefined"
        ],
    );
}

#[test]
fn correction_edges() {
    let o = CorrectionOptions {
        correction: Correction::Holm,
        alpha: 0.05,
    };
    check(format!("{:?}", adjust_p_values(&[], &o)), expect!["Ok([])"]);
    check(
        format!("{:?}", adjust_p_values(&[0.5, 1.5], &o).map(|_| ())),
        expect![[
            r#"Err(StatsError { kind: InvalidInput, message: "p-values must lie in [0, 1], got 1.5" })"#
        ]],
    );
    check(
        format!(
            "{:?}",
            adjust_p_values(&[0.5], &CorrectionOptions { alpha: 2.0, ..o }).map(|_| ())
        ),
        expect![[
            r#"Err(StatsError { kind: InvalidOption, message: "alpha must lie in (0, 1), got 2" })"#
        ]],
    );
    // A comparison without a p-value takes no part (m = 2 here, not 3).
    let topts = TestOptions::default();
    let comparisons = vec![
        compare_binomial(&bin(1000, 100), &bin(1000, 140), &topts).unwrap(),
        compare_binomial(&bin(0, 0), &bin(1000, 140), &topts).unwrap(),
        compare_binomial(&bin(1000, 100), &bin(1000, 104), &topts).unwrap(),
    ];
    let rows = adjust_comparisons(&comparisons, &o).unwrap();
    let text: Vec<String> = rows
        .iter()
        .map(|r| {
            show(r, |r| {
                format!(
                    "p_adj={} rejected={} alpha={} abs={:?}",
                    num(r.adjustment.adjusted_p_value),
                    r.adjustment.rejected,
                    num(r.adjustment.adjusted_alpha),
                    r.absolute_interval
                        .value()
                        .map(|i| (num(i.lower.unwrap()), num(i.upper.unwrap())))
                )
            })
        })
        .collect();
    check(
        text.join("\n"),
        expect![[r#"
        p_adj=0.011832 rejected=true alpha=0.025000 abs=Some(("0.007488", "0.072512"))
        undefined (NotTested): no p-value: control has no units (n = 0)
        p_adj=0.767586 rejected=false alpha=0.050000 abs=Some(("-0.022527", "0.030527"))"#]],
    );
}

/// Adjusted intervals agree with the decisions: an interval excludes 0
/// exactly when its test is rejected, for both corrections.
#[test]
fn adjusted_intervals_match_decisions() {
    let topts = TestOptions::default();
    let comparisons: Vec<_> = [1000, 1010, 1040, 1060, 1080, 1100, 1150, 1200]
        .iter()
        .map(|&c| {
            compare_binomial(
                &bin(10_000, 1000),
                &bin(10_000, c),
                &TestOptions {
                    proportion_variance: glint_stats::ProportionVariance::Unpooled,
                    ..topts.clone()
                },
            )
            .unwrap()
        })
        .collect();
    for correction in [Correction::Holm, Correction::BenjaminiHochberg] {
        let rows = adjust_comparisons(
            &comparisons,
            &CorrectionOptions {
                correction,
                alpha: 0.05,
            },
        )
        .unwrap();
        for (i, row) in rows.iter().enumerate() {
            let row = row.value().unwrap();
            let interval = row.absolute_interval.value().unwrap();
            let excludes_zero = interval.lower.unwrap() > 0.0 || interval.upper.unwrap() < 0.0;
            assert_eq!(
                excludes_zero, row.adjustment.rejected,
                "{correction:?} comparison {i}"
            );
        }
    }
}

/// Partition sums merge: any split of the units gives the same read-out.
#[test]
fn sums_merge_across_partitions() {
    let values: Vec<f64> = (0..101).map(|i| ((i * 37) % 23) as f64 * 0.5).collect();
    let whole = MeanStats::from_values(&values);
    for split in [1, 17, 50, 100] {
        let merged = MeanStats::from_values(&values[..split])
            .merge(&MeanStats::from_values(&values[split..]));
        assert_eq!(merged.n, whole.n);
        assert!(
            (merged.sum - whole.sum).abs() < 1e-9 && (merged.sum_sq - whole.sum_sq).abs() < 1e-9
        );
        assert_eq!(
            summarize_mean(&merged).unwrap().value,
            summarize_mean(&whole).unwrap().value
        );
    }
}
