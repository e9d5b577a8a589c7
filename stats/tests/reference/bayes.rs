//! Bayesian read-outs: the exact beta-binomial sums against 40-digit mpmath
//! quadrature, and the normal approximation against gbstats.

use glint_stats::{
    BayesianMethod, LossScale, MeanStats, RatioStats, TestOptions, bayes_binomial, bayes_normal,
    compare_binomial, compare_means, compare_ratios,
};

use crate::{TOL, close};

struct BetaCase {
    /// (n, conversions)
    control: (u64, u64),
    treatment: (u64, u64),
    chance: f64,
    loss_treatment: f64,
    loss_control: f64,
}

#[rustfmt::skip]
fn beta_cases() -> Vec<BetaCase> { vec![
    // Beta(101,901) vs Beta(131,871): mpmath.quad(f_A(x)*(1-betainc(c,d,0,x)), mean +/- 14 sd breakpoints) -> chance;
    // losses: mpmath.quad(f_A(x)*(x*I_x(c,d) - muB*I_x(c+1,d))) and the mirror image
    BetaCase { control: (1000, 100), treatment: (1000, 130), chance: 0.9821650661163506, loss_treatment: 9.237449150470706e-5, loss_control: 0.03003249425198375 },
    // Beta(4,48) vs Beta(10,52): mpmath.quad(f_A(x)*(1-betainc(c,d,0,x)), mean +/- 14 sd breakpoints) -> chance;
    // losses: mpmath.quad(f_A(x)*(x*I_x(c,d) - muB*I_x(c+1,d))) and the mirror image
    BetaCase { control: (50, 3), treatment: (60, 9), chance: 0.9262300789833975, loss_treatment: 0.002078174179126051, loss_control: 0.08644541983669429 },
    // Beta(1,1) vs Beta(1,1): mpmath.quad(f_A(x)*(1-betainc(c,d,0,x)), mean +/- 14 sd breakpoints) -> chance;
    // losses: mpmath.quad(f_A(x)*(x*I_x(c,d) - muB*I_x(c+1,d))) and the mirror image
    BetaCase { control: (0, 0), treatment: (0, 0), chance: 0.5, loss_treatment: 0.16666666666666666, loss_control: 0.16666666666666666 },
    // Beta(1,21) vs Beta(3,19): mpmath.quad(f_A(x)*(1-betainc(c,d,0,x)), mean +/- 14 sd breakpoints) -> chance;
    // losses: mpmath.quad(f_A(x)*(x*I_x(c,d) - muB*I_x(c+1,d))) and the mirror image
    BetaCase { control: (20, 0), treatment: (20, 2), chance: 0.8841463414634146, loss_treatment: 0.004898674779559635, loss_control: 0.09580776568865054 },
    // Beta(501,9501) vs Beta(521,9481): mpmath.quad(f_A(x)*(1-betainc(c,d,0,x)), mean +/- 14 sd breakpoints) -> chance;
    // losses: mpmath.quad(f_A(x)*(x*I_x(c,d) - muB*I_x(c+1,d))) and the mirror image
    BetaCase { control: (10000, 500), treatment: (10000, 520), chance: 0.7397268408282828, loss_treatment: 0.0004897425200566016, loss_control: 0.0024893426000406047 },
    // Beta(151,51) vs Beta(141,71): mpmath.quad(f_A(x)*(1-betainc(c,d,0,x)), mean +/- 14 sd breakpoints) -> chance;
    // losses: mpmath.quad(f_A(x)*(x*I_x(c,d) - muB*I_x(c+1,d))) and the mirror image
    BetaCase { control: (200, 150), treatment: (210, 140), chance: 0.032243854574526824, loss_treatment: 0.08299644370010523, loss_control: 0.0005660308474992078 },
    // Beta(91,2911) vs Beta(71,3031): mpmath.quad(f_A(x)*(1-betainc(c,d,0,x)), mean +/- 14 sd breakpoints) -> chance;
    // losses: mpmath.quad(f_A(x)*(x*I_x(c,d) - muB*I_x(c+1,d))) and the mirror image
    BetaCase { control: (3000, 90), treatment: (3100, 70), chance: 0.035187086665700744, loss_treatment: 0.007482022069460714, loss_control: 5.7356544521611914e-5 },
]}

/// Closed-form sums, not an approximation, but `ln_beta` of arguments up to
/// 10⁴ rounds at ≈ 1e-12 in the log: 1e-11 absolute on chances and losses
/// (see `beta_binomial.rs` for how this grows with n).
const BETA_ABS_TOL: f64 = 1e-11;

#[rustfmt::skip]
fn large_beta_cases() -> Vec<BetaCase> { vec![
    // Beta(250001,4750001) vs Beta(251501,4748501): scipy.integrate.quad(beta(a,b).pdf(x)*beta(c,d).sf(x), mean +/- 12 sd, epsrel=1e-13) -> chance;
    // loss_treatment: quad(pdf_A(x)*(x*cdf_B(x) - muB*cdf_{c+1,d}(x))); loss_control = loss_treatment + muB - muA
    BetaCase { control: (5000000, 250000), treatment: (5000000, 251500), chance: 0.9851227130910408, loss_treatment: 7.275210620466124e-7, loss_control: 0.0003007274010620939 },
]}

/// At 5·10⁶ units per arm `ln_beta` rounds at ≈ 1e-9 in the log of a term
/// (and scipy's quadrature reference is itself good to ≈ 1e-12): 1e-8 absolute.
const LARGE_BETA_ABS_TOL: f64 = 1e-8;

#[test]
fn beta_binomial_against_mpmath() {
    check_beta(&beta_cases(), BETA_ABS_TOL);
}

#[test]
fn beta_binomial_large_arms_against_scipy() {
    check_beta(&large_beta_cases(), LARGE_BETA_ABS_TOL);
}

fn check_beta(cases: &[BetaCase], tol: f64) {
    for (i, case) in cases.iter().enumerate() {
        let control = MeanStats::binomial(case.control.0, case.control.1);
        let treatment = MeanStats::binomial(case.treatment.0, case.treatment.1);
        let r = bayes_binomial(&control, &treatment).unwrap();
        assert_eq!(
            (r.method, r.loss_scale),
            (BayesianMethod::BetaBinomial, LossScale::Absolute)
        );
        for (what, got, want) in [
            ("chance", r.chance_to_beat_control, case.chance),
            (
                "loss treatment",
                r.expected_loss_treatment,
                case.loss_treatment,
            ),
            ("loss control", r.expected_loss_control, case.loss_control),
        ] {
            assert!(
                (got - want).abs() <= tol,
                "case {i} {what}: got {got:e}, expected {want:e}"
            );
        }
    }
}

enum Metric {
    Mean(MeanStats, MeanStats),
    Ratio(RatioStats, RatioStats),
    /// n_A, conversions_A, n_B, conversions_B
    Binomial(u64, u64, u64, u64),
}

struct NormalCase {
    metric: Metric,
    chance: f64,
    loss_treatment: f64,
    loss_control: f64,
}

#[rustfmt::skip]
fn normal_cases() -> Vec<NormalCase> { vec![
    // revenue, 1000 vs 1000: gbstats EffectBayesianABTest(SampleMeanStatistic x2).compute_result() -> chance_to_win, risk[1] (treatment), risk[0] (control)
    NormalCase { metric: Metric::Mean(MeanStats { n: 1000, sum: 9963.47, sum_sq: 153450.9047 }, MeanStats { n: 1000, sum: 10712.88, sum_sq: 174693.9322 }),
        chance: 0.983803656526188, loss_treatment: 0.00020374387267674317, loss_control: 0.07541950705558384 },
    // small samples: gbstats EffectBayesianABTest(SampleMeanStatistic x2).compute_result() -> chance_to_win, risk[1] (treatment), risk[0] (control)
    NormalCase { metric: Metric::Mean(MeanStats { n: 30, sum: 315.175, sum_sq: 3394.329951 }, MeanStats { n: 45, sum: 509.981, sum_sq: 6382.360205 }),
        chance: 0.9002282525611512, loss_treatment: 0.0028973562451002476, loss_control: 0.08162293198344663 },
    // one-sided less: gbstats EffectBayesianABTest(SampleMeanStatistic x2).compute_result() -> chance_to_win, risk[1] (treatment), risk[0] (control)
    NormalCase { metric: Metric::Mean(MeanStats { n: 200, sum: 9881.9, sum_sq: 510366.4634 }, MeanStats { n: 180, sum: 8822.1, sum_sq: 455186.1228 }),
        chance: 0.3612051466565106, loss_treatment: 0.01363281814274718, loss_control: 0.005581060214953314 },
    // CTR 2000 vs 2000: gbstats EffectBayesianABTest(RatioStatistic x2).compute_result()
    NormalCase { metric: Metric::Ratio(RatioStats { n: 2000, sum_num: 2095.0, sum_den: 41995.0, sum_num_sq: 4253.0, sum_den_sq: 923105.0, sum_num_den: 46050.0 },
        RatioStats { n: 2000, sum_num: 2410.0, sum_den: 42057.0, sum_num_sq: 5338.0, sum_den_sq: 926217.0, sum_num_den: 52760.0 }),
        chance: 0.9999956107059944, loss_treatment: 3.0307162419318684e-8, loss_control: 0.14866217952243066 },
    // gbstats EffectBayesianABTest(ProportionStatistic(n=5000, sum=250), ProportionStatistic(n=5000, sum=300)).compute_result()
    NormalCase { metric: Metric::Binomial(5000, 250, 5000, 300),
        chance: 0.9773362189610139, loss_treatment: 0.0008447561697972928, loss_control: 0.2008447561697972 },
    // gbstats EffectBayesianABTest(ProportionStatistic(n=1000, sum=100), ProportionStatistic(n=1000, sum=95)).compute_result()
    NormalCase { metric: Metric::Binomial(1000, 100, 1000, 95),
        chance: 0.3494965101075157, loss_treatment: 0.0803947982934325, loss_control: 0.030394798293432442 },
]}

#[test]
fn normal_approximation_against_gbstats() {
    let options = TestOptions::default();
    for (i, case) in normal_cases().iter().enumerate() {
        let comparison = match &case.metric {
            Metric::Mean(a, b) => compare_means(a, b, &options),
            Metric::Ratio(a, b) => compare_ratios(a, b, &options),
            Metric::Binomial(na, ca, nb, cb) => compare_binomial(
                &MeanStats::binomial(*na, *ca),
                &MeanStats::binomial(*nb, *cb),
                &options,
            ),
        }
        .unwrap();
        let sd = comparison.relative.value().unwrap().standard_error;
        let r = bayes_normal(&comparison).into_value().unwrap();
        assert_eq!(
            (r.method, r.loss_scale),
            (BayesianMethod::NormalApproximation, LossScale::Relative)
        );
        let what = |s: &str| format!("case {i} {s}");
        close(&what("chance"), r.chance_to_beat_control, case.chance, TOL);
        for (name, got, want) in [
            (
                "loss treatment",
                r.expected_loss_treatment,
                case.loss_treatment,
            ),
            ("loss control", r.expected_loss_control, case.loss_control),
        ] {
            // σφ(z) − μΦ(−z) cancels when the loss is far below σ; statrs'
            // normal tail (≈ 1e-11 relative) then bounds it to ≈ 1e-10·σ absolute.
            let err = (got - want).abs();
            assert!(
                err <= TOL * want.abs() || err <= 1e-10 * sd,
                "{}: got {got:e}, expected {want:e}",
                what(name)
            );
        }
    }
}
