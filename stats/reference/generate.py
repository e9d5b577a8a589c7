#!/usr/bin/env python3
"""Reference values for glint-stats' tests (stats/tests/reference/*.rs).

Every expected number in those tables was printed by this script; each table
row is printed together with the exact library call that produced it, and the
rows are pasted into the Rust tables unchanged. Re-run to check or to add cases:

    python3 -m venv /root/.cache/glint/stats-venv
    /root/.cache/glint/stats-venv/bin/pip install -r stats/reference/requirements.txt
    /root/.cache/glint/stats-venv/bin/python stats/reference/generate.py > /tmp/reference.txt

Sources (versions pinned in requirements.txt):
  * scipy.stats: ttest_ind_from_stats, norm, t, chisquare, chi2
  * statsmodels: proportions_ztest, test_proportions_2indep,
    confint_proportions_2indep, multipletests
  * gbstats (GrowthBook's stats engine): SampleMeanStatistic, ProportionStatistic,
    RatioStatistic, RegressionAdjustedStatistic, compute_theta, TwoSidedTTest,
    OneSidedTreatmentGreaterTTest, SequentialTwoSidedTTest, EffectBayesianABTest,
    check_srm
  * mpmath (40 digits): quadrature of beta-binomial posteriors
Where no library offers a quantity (the delta-method relative interval with
normal quantiles, one-sided "less" intervals, Holm/BH interval alphas, CUPED
variance reduction) the published formula is evaluated here with numpy/scipy
and the formula is printed beside the value.

Synthetic per-unit data comes from numpy.random.default_rng(seed); only the
resulting sums enter the Rust tests.
"""

import math

import mpmath as mp
import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
    test_proportions_2indep,
)

from gbstats.bayesian.tests import EffectBayesianABTest
from gbstats.frequentist.tests import (
    FrequentistConfig,
    OneSidedTreatmentGreaterTTest,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import (
    ProportionStatistic,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
    compute_theta,
)
from gbstats.utils import check_srm


def f(x):
    """A Rust f64 literal."""
    x = float(x)
    if math.isinf(x) or math.isnan(x):
        raise ValueError(x)
    s = repr(x)
    if "e" in s:
        mant, exp = s.split("e")
        if "." not in mant:
            mant += ".0"
        s = f"{mant}e{int(exp)}"
    elif "." not in s:
        s += ".0"
    return s


def opt(x):
    return "None" if x is None else f"Some({f(x)})"


SIDES = {"two-sided": "Sides::Two", "larger": "Sides::OneGreater", "smaller": "Sides::OneLess"}
SCIPY_ALT = {"two-sided": "two-sided", "larger": "greater", "smaller": "less"}


def section(name):
    print(f"\n// ======================= {name} =======================")


def crit_norm(alpha, alt):
    return stats.norm.ppf(1 - alpha / 2) if alt == "two-sided" else stats.norm.ppf(1 - alpha)


def bounds(est, half, alt):
    if alt == "two-sided":
        return est - half, est + half
    if alt == "larger":
        return est - half, None
    return None, est + half


def relative_delta(mean_a, var_a, n_a, mean_b, var_b, n_b):
    """gbstats frequentist_variance(relative=True) with its point estimate."""
    est = (mean_b - mean_a) / mean_a
    var = var_b / (mean_a**2 * n_b) + var_a * mean_b**2 / (mean_a**4 * n_a)
    return est, var


# --------------------------------------------------------------------------
def t_quantiles():
    section("distribution.rs: Student's t upper quantiles")
    for df in [1.5, 3.7, 17.3, 198.6, 2000.5, 123456.7, 5e5, 1e6, 2e6, 5e6]:
        for q in [0.025, 0.05, 1e-6]:
            print(f"        ({f(df)}, {f(q)}, {f(stats.t.isf(q, df))}), // scipy.stats.t.isf({q}, {df})")


def binomial():
    section("binomial: compare_binomial")
    cases = [
        # (n_a, c_a, n_b, c_b, alpha, alternative)
        (10000, 1000, 10050, 1120, 0.05, "two-sided"),
        (5000, 250, 5000, 300, 0.05, "two-sided"),
        (1200, 30, 1150, 45, 0.05, "larger"),
        (800, 400, 820, 380, 0.10, "smaller"),
        (20000, 610, 19800, 655, 0.01, "two-sided"),
        (40, 0, 38, 3, 0.05, "two-sided"),
    ]
    for n_a, c_a, n_b, c_b, alpha, alt in cases:
        zp, pp = proportions_ztest([c_b, c_a], [n_b, n_a], alternative=alt)
        r = test_proportions_2indep(c_b, n_b, c_a, n_a, method="wald", compare="diff", alternative=alt)
        # One-sided bounds are the matching side of the two-sided interval at 2*alpha.
        ci_alpha = alpha if alt == "two-sided" else 2 * alpha
        lo, hi = confint_proportions_2indep(c_b, n_b, c_a, n_a, method="wald", compare="diff", alpha=ci_alpha)
        lo, hi = {"two-sided": (lo, hi), "larger": (lo, None), "smaller": (None, hi)}[alt]
        p_a, p_b = c_a / n_a, c_b / n_b
        if p_a > 0:
            est, var = relative_delta(p_a, p_a * (1 - p_a), n_a, p_b, p_b * (1 - p_b), n_b)
            rlo, rhi = bounds(est, crit_norm(alpha, alt) * math.sqrt(var), alt)
            rel = f"Some(({f(est)}, {f(math.sqrt(var))}, {opt(rlo)}, {opt(rhi)}))"
        else:
            rel = "None"
        print(f"    // statsmodels proportions_ztest([{c_b}, {c_a}], [{n_b}, {n_a}], alternative='{alt}') -> pooled (z, p)")
        print(f"    // statsmodels test_proportions_2indep({c_b}, {n_b}, {c_a}, {n_a}, method='wald', compare='diff', alternative='{alt}') -> unpooled (z, p)")
        print(f"    // statsmodels confint_proportions_2indep({c_b}, {n_b}, {c_a}, {n_a}, method='wald', compare='diff', alpha={ci_alpha}) -> absolute CI{'' if alt == 'two-sided' else ' (one-sided bound = two-sided at 2*alpha)'}")
        if p_a > 0:
            print("    // relative: delta method, est=(pB-pA)/pA, var=pB(1-pB)/(pA^2 nB)+pA(1-pA)pB^2/(pA^4 nA), scipy.stats.norm.ppf -> (est, se, lo, hi)")
        else:
            print("    // relative: control rate 0 -> undefined")
        print(
            f"    Case {{ control: ({n_a}, {c_a}), treatment: ({n_b}, {c_b}), alpha: {f(alpha)}, sides: {SIDES[alt]},\n"
            f"        pooled: ({f(zp)}, {f(pp)}), unpooled: ({f(r.statistic)}, {f(r.pvalue)}),\n"
            f"        absolute_ci: ({opt(lo)}, {opt(hi)}), relative: {rel} }},"
        )


# --------------------------------------------------------------------------
def sums(x):
    x = np.asarray(x, dtype=float)
    return len(x), math.fsum(x), math.fsum(x * x)


def mean_stats_literal(s):
    return f"MeanStats {{ n: {s[0]}, sum: {f(s[1])}, sum_sq: {f(s[2])} }}"


def mean_var(s):
    n, sm, sq = s
    return sm / n, (sq - sm * sm / n) / (n - 1)


def mean_case_data():
    rng = np.random.default_rng(20240611)
    return [
        ("revenue, 1000 vs 1000", np.round(rng.gamma(2.0, 5.0, 1000), 2), np.round(rng.gamma(2.0, 5.4, 1000), 2), 0.05, "two-sided"),
        ("small samples", np.round(rng.normal(10, 2, 30), 3), np.round(rng.normal(11.2, 4, 45), 3), 0.10, "larger"),
        ("one-sided less", np.round(rng.normal(50, 10, 200), 2), np.round(rng.normal(48, 12, 180), 2), 0.05, "smaller"),
        ("df ~ 1e5", np.round(rng.normal(3.0, 1.5, 50000), 2), np.round(rng.normal(3.02, 1.6, 50000), 2), 0.05, "two-sided"),
        ("control has zero variance", np.full(20, 5.0), np.round(rng.normal(5.5, 1.0, 25), 2), 0.05, "two-sided"),
    ]


def means():
    section("means: compare_means (Welch)")
    for name, a, b, alpha, alt in mean_case_data():
        sa, sb = sums(a), sums(b)
        (ma, va), (mb, vb) = mean_var(sa), mean_var(sb)
        r = stats.ttest_ind_from_stats(mb, math.sqrt(vb), sb[0], ma, math.sqrt(va), sa[0], equal_var=False, alternative=SCIPY_ALT[alt])
        A = SampleMeanStatistic(n=sa[0], sum=sa[1], sum_squares=sa[2])
        B = SampleMeanStatistic(n=sb[0], sum=sb[1], sum_squares=sb[2])
        cfg = lambda d: FrequentistConfig(alpha=alpha, difference_type=d)
        t_abs, t_rel = TwoSidedTTest(A, B, cfg("absolute")), TwoSidedTTest(A, B, cfg("relative"))
        df = t_abs.dof
        if alt == "two-sided":
            (alo, ahi), (rlo, rhi) = t_abs.confidence_interval, t_rel.confidence_interval
            how = "gbstats TwoSidedTTest(SampleMeanStatistic(n, sum, sum_squares) x2, FrequentistConfig(alpha, difference_type='absolute'|'relative')).confidence_interval"
        elif alt == "larger":
            alo, ahi = OneSidedTreatmentGreaterTTest(A, B, cfg("absolute")).confidence_interval[0], None
            rlo, rhi = OneSidedTreatmentGreaterTTest(A, B, cfg("relative")).confidence_interval[0], None
            how = "gbstats OneSidedTreatmentGreaterTTest(..., difference_type='absolute'|'relative').confidence_interval[0]"
        else:
            q = stats.t.ppf(1 - alpha, df)
            alo, ahi = None, t_abs.point_estimate + q * math.sqrt(t_abs.variance)
            rlo, rhi = None, t_rel.point_estimate + q * math.sqrt(t_rel.variance)
            how = "est + scipy.stats.t.ppf(1-alpha, welch_df)*se with gbstats TTest point_estimate/variance (gbstats 0.8.0's OneSidedTreatmentLesserTTest returns est - width, a bug)"
        print(f"    // {name}: scipy.stats.ttest_ind_from_stats(mB, sdB, nB, mA, sdA, nA, equal_var=False, alternative='{SCIPY_ALT[alt]}') -> (t, p); df = gbstats TTest.dof")
        print(f"    // intervals: {how}")
        print(
            f"    Case {{ control: {mean_stats_literal(sa)},\n"
            f"        treatment: {mean_stats_literal(sb)},\n"
            f"        alpha: {f(alpha)}, sides: {SIDES[alt]}, t: {f(r.statistic)}, df: {f(df)}, p: {f(r.pvalue)},\n"
            f"        absolute_ci: ({opt(alo)}, {opt(ahi)}), relative: Some(({f(t_rel.point_estimate)}, {f(math.sqrt(t_rel.variance))}, {opt(rlo)}, {opt(rhi)})) }},"
        )


def large_df():
    section("means: very large df (statrs t precision, tolerance 1e-8)")
    rng = np.random.default_rng(7)
    a = np.round(rng.normal(3.0, 1.5, 2_500_000), 2)
    b = np.round(rng.normal(3.003, 1.5, 2_500_000), 2)
    sa, sb = sums(a), sums(b)
    A = SampleMeanStatistic(n=sa[0], sum=sa[1], sum_squares=sa[2])
    B = SampleMeanStatistic(n=sb[0], sum=sb[1], sum_squares=sb[2])
    t = TwoSidedTTest(A, B, FrequentistConfig(alpha=0.05, difference_type="absolute"))
    (ma, va), (mb, vb) = mean_var(sa), mean_var(sb)
    r = stats.ttest_ind_from_stats(mb, math.sqrt(vb), sb[0], ma, math.sqrt(va), sa[0], equal_var=False)
    print("    // 2.5M vs 2.5M: scipy ttest_ind_from_stats(equal_var=False) -> (t, p); gbstats TwoSidedTTest absolute -> CI; df = gbstats TTest.dof")
    print(
        f"    Case {{ control: {mean_stats_literal(sa)},\n"
        f"        treatment: {mean_stats_literal(sb)},\n"
        f"        alpha: 0.05, sides: Sides::Two, t: {f(r.statistic)}, df: {f(t.dof)}, p: {f(r.pvalue)},\n"
        f"        absolute_ci: ({opt(t.confidence_interval[0])}, {opt(t.confidence_interval[1])}), relative: None }},"
    )


# --------------------------------------------------------------------------
def ratio_data():
    rng = np.random.default_rng(99)
    out = []
    for name, n_a, n_b, ctr_a, ctr_b, alpha, alt in [
        ("CTR 2000 vs 2000", 2000, 2000, 0.05, 0.055, 0.05, "two-sided"),
        ("CTR 300 vs 280, one-sided", 300, 280, 0.10, 0.12, 0.10, "larger"),
        ("CTR 5000 vs 5100", 5000, 5100, 0.02, 0.019, 0.05, "two-sided"),
    ]:
        arms = []
        for n, ctr in [(n_a, ctr_a), (n_b, ctr_b)]:
            imp = rng.poisson(20, n) + 1
            clk = rng.binomial(imp, ctr)
            arms.append((clk.astype(float), imp.astype(float)))
        out.append((name, arms[0], arms[1], alpha, alt))
    return out


def ratio_sums(m, d):
    return (len(m), math.fsum(m), math.fsum(d), math.fsum(m * m), math.fsum(d * d), math.fsum(m * d))


def ratio_literal(s):
    return (
        f"RatioStats {{ n: {s[0]}, sum_num: {f(s[1])}, sum_den: {f(s[2])}, "
        f"sum_num_sq: {f(s[3])}, sum_den_sq: {f(s[4])}, sum_num_den: {f(s[5])} }}"
    )


def ratio_stat(s):
    n = s[0]
    return RatioStatistic(
        n=n,
        m_statistic=SampleMeanStatistic(n=n, sum=s[1], sum_squares=s[3]),
        d_statistic=SampleMeanStatistic(n=n, sum=s[2], sum_squares=s[4]),
        m_d_sum_of_products=s[5],
    )


def ratios():
    section("ratio: compare_ratios (delta method, z)")
    for name, (ma_, da_), (mb_, db_), alpha, alt in ratio_data():
        sa, sb = ratio_sums(ma_, da_), ratio_sums(mb_, db_)
        A, B = ratio_stat(sa), ratio_stat(sb)
        # cross-check the delta variance against raw data: Var(m - R d)/mean(d)^2
        for st, (m, d) in [(A, (ma_, da_)), (B, (mb_, db_))]:
            raw = np.var(m - st.mean * d, ddof=1) / np.mean(d) ** 2
            assert abs(raw - st.variance) < 1e-9 * raw, (raw, st.variance)
        diff = B.mean - A.mean
        se = math.sqrt(B.variance / B.n + A.variance / A.n)
        z = diff / se
        p = {"two-sided": 2 * stats.norm.sf(abs(z)), "larger": stats.norm.sf(z), "smaller": stats.norm.cdf(z)}[alt]
        q = crit_norm(alpha, alt)
        alo, ahi = bounds(diff, q * se, alt)
        rest, rvar = relative_delta(A.mean, A.variance, A.n, B.mean, B.variance, B.n)
        rlo, rhi = bounds(rest, q * math.sqrt(rvar), alt)
        print(f"    // {name}: arm variance = gbstats RatioStatistic(n, m_statistic=SampleMeanStatistic, d_statistic=SampleMeanStatistic, m_d_sum_of_products).variance")
        print(f"    // z = (R_B - R_A)/sqrt(vB/nB + vA/nA), p = scipy.stats.norm.sf/cdf ('{alt}'); CI = est -/+ scipy.stats.norm.ppf(1-alpha{'/2' if alt == 'two-sided' else ''})*se; relative = gbstats frequentist_variance(relative=True)")
        print(
            f"    Case {{ control: {ratio_literal(sa)},\n"
            f"        treatment: {ratio_literal(sb)},\n"
            f"        alpha: {f(alpha)}, sides: {SIDES[alt]}, arms: (({f(A.mean)}, {f(A.variance)}), ({f(B.mean)}, {f(B.variance)})),\n"
            f"        z: {f(z)}, p: {f(p)}, absolute_ci: ({opt(alo)}, {opt(ahi)}), relative: ({f(rest)}, {f(math.sqrt(rvar))}, {opt(rlo)}, {opt(rhi)}) }},"
        )


# --------------------------------------------------------------------------
def cuped_data():
    rng = np.random.default_rng(31337)
    out = []
    for name, n_a, n_b, slope, noise, effect in [
        ("strong covariate", 1000, 1000, 0.8, 2.0, 0.3),
        ("weak covariate", 150, 170, 0.2, 3.0, 0.5),
    ]:
        arms = []
        for n, eff in [(n_a, 0.0), (n_b, effect)]:
            x = np.round(rng.normal(10, 3, n), 2)
            y = np.round(2 + slope * x + rng.normal(0, noise, n) + eff, 2)
            arms.append((y, x))
        out.append((name, arms[0], arms[1]))
    # the covariate is constant: theta = 0 and CUPED is plain Welch
    y_a, y_b = np.round(rng.normal(5, 1, 60), 2), np.round(rng.normal(5.4, 1, 70), 2)
    out.append(("constant covariate", (y_a, np.full(60, 1.0)), (y_b, np.full(70, 1.0))))
    return out


def cuped_sums(y, x):
    return (len(y), math.fsum(y), math.fsum(y * y), math.fsum(x), math.fsum(x * x), math.fsum(x * y))


def cuped_literal(s):
    return (
        f"CupedStats {{ n: {s[0]}, sum_y: {f(s[1])}, sum_y_sq: {f(s[2])}, "
        f"sum_x: {f(s[3])}, sum_x_sq: {f(s[4])}, sum_xy: {f(s[5])} }}"
    )


def cuped_stat(s):
    n = s[0]
    return RegressionAdjustedStatistic(
        n=n,
        post_statistic=SampleMeanStatistic(n=n, sum=s[1], sum_squares=s[2]),
        pre_statistic=SampleMeanStatistic(n=n, sum=s[3], sum_squares=s[4]),
        post_pre_sum_of_products=s[5],
        theta=0,
    )


def cuped():
    section("cuped: compare_cuped")
    alpha = 0.05
    for name, (ya, xa), (yb, xb) in cuped_data():
        sa, sb = cuped_sums(ya, xa), cuped_sums(yb, xb)
        A, B = cuped_stat(sa), cuped_stat(sb)
        theta = compute_theta(A, B)
        A.theta = B.theta = theta
        if theta == 0:
            va, vb = A.post_statistic.variance, B.post_statistic.variance
            ma, mb = A.post_statistic.mean, B.post_statistic.mean
        else:
            va, vb, ma, mb = A.variance, B.variance, A.mean, B.mean
        cfg = lambda d: FrequentistConfig(alpha=alpha, difference_type=d)
        t_abs = TwoSidedTTest(cuped_stat(sa), cuped_stat(sb), cfg("absolute"))
        t_rel = TwoSidedTTest(cuped_stat(sa), cuped_stat(sb), cfg("relative"))
        r = stats.ttest_ind_from_stats(mb, math.sqrt(vb), sb[0], ma, math.sqrt(va), sa[0], equal_var=False)
        raw_a, raw_b = mean_var(sa[:3]), mean_var(sb[:3])
        reduction = 1 - (va / sa[0] + vb / sb[0]) / (raw_a[1] / sa[0] + raw_b[1] / sb[0])
        if theta == 0:
            print(f"    // {name}: theta = gbstats compute_theta(RegressionAdjustedStatistic x2) = 0, gbstats falls back to the unadjusted statistics")
        else:
            print(f"    // {name}: theta = gbstats compute_theta(RegressionAdjustedStatistic x2); adjusted variances = RegressionAdjustedStatistic.variance")
        print("    // (t, p) = scipy.stats.ttest_ind_from_stats(adjusted means/sds, equal_var=False); CIs = gbstats TwoSidedTTest(absolute|relative).confidence_interval")
        print("    // variance_reduction = 1 - (vA_adj/nA + vB_adj/nB)/(vA/nA + vB/nB)")
        print(
            f"    Case {{ control: {cuped_literal(sa)},\n"
            f"        treatment: {cuped_literal(sb)},\n"
            f"        theta: {f(theta)}, variances: ({f(va)}, {f(vb)}), variance_reduction: {f(reduction)},\n"
            f"        t: {f(r.statistic)}, df: {f(t_abs.dof)}, p: {f(r.pvalue)},\n"
            f"        absolute: ({f(t_abs.point_estimate)}, {opt(t_abs.confidence_interval[0])}, {opt(t_abs.confidence_interval[1])}),\n"
            f"        relative: ({f(t_rel.point_estimate)}, {opt(t_rel.confidence_interval[0])}, {opt(t_rel.confidence_interval[1])}) }},"
        )


# --------------------------------------------------------------------------
def beta_binomial():
    section("bayes_binomial: mpmath quadrature, 40 digits")
    mp.mp.dps = 40
    cases = [(1000, 100, 1000, 130), (50, 3, 60, 9), (0, 0, 0, 0), (20, 0, 20, 2), (10000, 500, 10000, 520), (200, 150, 210, 140), (3000, 90, 3100, 70)]

    def pdf(x, a, b):
        return mp.exp((a - 1) * mp.log(x) + (b - 1) * mp.log(1 - x) - mp.log(mp.beta(a, b)))

    def ibeta(a, b, x):
        return mp.betainc(a, b, 0, x, regularized=True)

    def breaks(a, b):
        m = mp.mpf(a) / (a + b)
        sd = mp.sqrt(m * (1 - m) / (a + b + 1))
        pts = {mp.mpf(0), mp.mpf(1)}
        for k in range(-14, 15, 2):
            pts.add(min(max(m + k * sd, mp.mpf(0)), mp.mpf(1)))
        return sorted(pts)

    for n_a, c_a, n_b, c_b in cases:
        a, b, c, d = 1 + c_a, 1 + n_a - c_a, 1 + c_b, 1 + n_b - c_b
        mu_a, mu_b = mp.mpf(a) / (a + b), mp.mpf(c) / (c + d)
        ctb = mp.quad(lambda x: pdf(x, a, b) * (1 - ibeta(c, d, x)), breaks(a, b))
        # E[max(pA - pB, 0)] = int f_A(x) [x I_x(c,d) - muB I_x(c+1,d)] dx
        loss_t = mp.quad(lambda x: pdf(x, a, b) * (x * ibeta(c, d, x) - mu_b * ibeta(c + 1, d, x)), breaks(a, b))
        loss_c = mp.quad(lambda y: pdf(y, c, d) * (y * ibeta(a, b, y) - mu_a * ibeta(a + 1, b, y)), breaks(c, d))
        print(f"    // Beta({a},{b}) vs Beta({c},{d}): mpmath.quad(f_A(x)*(1-betainc(c,d,0,x)), mean +/- 14 sd breakpoints) -> chance;")
        print("    // losses: mpmath.quad(f_A(x)*(x*I_x(c,d) - muB*I_x(c+1,d))) and the mirror image")
        print(f"    BetaCase {{ control: ({n_a}, {c_a}), treatment: ({n_b}, {c_b}), chance: {f(ctb)}, loss_treatment: {f(loss_t)}, loss_control: {f(loss_c)} }},")


def beta_binomial_large():
    section("bayes_binomial, 5M units per arm: scipy.integrate.quad on scipy.stats.beta (boost)")
    from scipy import integrate

    for n_a, c_a, n_b, c_b in [(5_000_000, 250_000, 5_000_000, 251_500)]:
        a, b, c, d = 1 + c_a, 1 + n_a - c_a, 1 + c_b, 1 + n_b - c_b
        A, B, B1 = stats.beta(a, b), stats.beta(c, d), stats.beta(c + 1, d)
        m = a / (a + b)
        s = math.sqrt(m * (1 - m) / (a + b + 1))
        mu_b = c / (c + d)
        ctb = integrate.quad(lambda x: A.pdf(x) * B.sf(x), m - 12 * s, m + 12 * s, epsabs=1e-14, epsrel=1e-13, limit=200)[0]
        loss_t = integrate.quad(lambda x: A.pdf(x) * (x * B.cdf(x) - mu_b * B1.cdf(x)), m - 12 * s, m + 12 * s, epsabs=1e-16, epsrel=1e-12, limit=200)[0]
        print(f"    // Beta({a},{b}) vs Beta({c},{d}): scipy.integrate.quad(beta(a,b).pdf(x)*beta(c,d).sf(x), mean +/- 12 sd, epsrel=1e-13) -> chance;")
        print("    // loss_treatment: quad(pdf_A(x)*(x*cdf_B(x) - muB*cdf_{c+1,d}(x))); loss_control = loss_treatment + muB - muA")
        print(f"    BetaCase {{ control: ({n_a}, {c_a}), treatment: ({n_b}, {c_b}), chance: {f(ctb)}, loss_treatment: {f(loss_t)}, loss_control: {f(loss_t + mu_b - m)} }},")


def bayes_normal():
    section("bayes_normal: gbstats EffectBayesianABTest (default: relative, flat prior)")
    for name, a, b, _, _ in mean_case_data()[:3]:
        sa, sb = sums(a), sums(b)
        A = SampleMeanStatistic(n=sa[0], sum=sa[1], sum_squares=sa[2])
        B = SampleMeanStatistic(n=sb[0], sum=sb[1], sum_squares=sb[2])
        r = EffectBayesianABTest(A, B).compute_result()
        print(f"    // {name}: gbstats EffectBayesianABTest(SampleMeanStatistic x2).compute_result() -> chance_to_win, risk[1] (treatment), risk[0] (control)")
        print(f"    NormalCase {{ metric: Metric::Mean({mean_stats_literal(sa)}, {mean_stats_literal(sb)}),\n        chance: {f(r.chance_to_win)}, loss_treatment: {f(r.risk[1])}, loss_control: {f(r.risk[0])} }},")
    name, (ma_, da_), (mb_, db_), _, _ = ratio_data()[0]
    sa, sb = ratio_sums(ma_, da_), ratio_sums(mb_, db_)
    r = EffectBayesianABTest(ratio_stat(sa), ratio_stat(sb)).compute_result()
    print(f"    // {name}: gbstats EffectBayesianABTest(RatioStatistic x2).compute_result()")
    print(f"    NormalCase {{ metric: Metric::Ratio({ratio_literal(sa)},\n        {ratio_literal(sb)}),\n        chance: {f(r.chance_to_win)}, loss_treatment: {f(r.risk[1])}, loss_control: {f(r.risk[0])} }},")
    for n_a, c_a, n_b, c_b in [(5000, 250, 5000, 300), (1000, 100, 1000, 95)]:
        r = EffectBayesianABTest(ProportionStatistic(n=n_a, sum=c_a), ProportionStatistic(n=n_b, sum=c_b)).compute_result()
        print(f"    // gbstats EffectBayesianABTest(ProportionStatistic(n={n_a}, sum={c_a}), ProportionStatistic(n={n_b}, sum={c_b})).compute_result()")
        print(f"    NormalCase {{ metric: Metric::Binomial({n_a}, {c_a}, {n_b}, {c_b}),\n        chance: {f(r.chance_to_win)}, loss_treatment: {f(r.risk[1])}, loss_control: {f(r.risk[0])} }},")


# --------------------------------------------------------------------------
def srm():
    section("srm: sample_ratio_mismatch")
    cases = [
        ([5000, 5000], None),
        ([5000, 5200], None),
        ([10000, 10500], None),
        ([1000, 1100, 980], None),
        ([3000, 7150], [0.3, 0.7]),
        ([100, 140], [1.0, 1.0]),
        ([2500, 2400, 5300], [1.0, 1.0, 2.0]),
    ]
    for obs, w in cases:
        weights = w or [1.0] * len(obs)
        exp = [wi / sum(weights) * sum(obs) for wi in weights]
        r = stats.chisquare(obs, f_exp=exp)
        gb = check_srm(obs, weights)
        assert abs(gb - r.pvalue) <= 1e-12 * max(r.pvalue, 1e-300)
        wl = "None" if w is None else "Some(vec![" + ", ".join(f(x) for x in w) + "])"
        print(f"    // scipy.stats.chisquare({obs}, f_exp={[float(e) for e in exp]}) (gbstats check_srm agrees)")
        print(f"    Case {{ observed: &{obs}, weights: {wl}, statistic: {f(r.statistic)}, p: {f(r.pvalue)} }},")


# --------------------------------------------------------------------------
def sequential():
    section("sequential: gbstats SequentialTwoSidedTTest")
    _, a, b, _, _ = mean_case_data()[0]
    sa, sb = sums(a), sums(b)
    mean_a = lambda: SampleMeanStatistic(n=sa[0], sum=sa[1], sum_squares=sa[2])
    mean_b = lambda: SampleMeanStatistic(n=sb[0], sum=sb[1], sum_squares=sb[2])
    rows = [
        ("Metric::Mean", f"{mean_stats_literal(sa)}, {mean_stats_literal(sb)}", mean_a, mean_b, 0.05, 5000.0, "TuningParameter(5000.0)"),
        ("Metric::Binomial", "5000, 250, 5000, 300", lambda: ProportionStatistic(n=5000, sum=250), lambda: ProportionStatistic(n=5000, sum=300), 0.10, 10000.0, "TuningParameter(10000.0)"),
    ]
    # rho^2 given directly: the equivalent tuning parameter N* = (-2 ln a + ln(1 - 2 ln a)) / rho^2
    # (the Rust table's comment for this row says so)
    alpha, rho_sq = 0.05, 0.002
    l = -2 * math.log(alpha)
    rows.append(("Metric::Mean", f"{mean_stats_literal(sa)}, {mean_stats_literal(sb)}", mean_a, mean_b, alpha, (l + math.log(l + 1)) / rho_sq, f"RhoSquared({f(rho_sq)})"))
    for kind, args, mk_a, mk_b, alpha, tuning, mixture in rows:
        if mixture.startswith("RhoSquared"):
            print(f"    // rho^2 = {rho_sq} given directly; gbstats takes it as sequential_tuning_parameter N* = (-2 ln a + ln(1 - 2 ln a))/rho^2:")
        ab = SequentialTwoSidedTTest(mk_a(), mk_b(), SequentialConfig(alpha=alpha, difference_type="absolute", sequential_tuning_parameter=tuning))
        rel = SequentialTwoSidedTTest(mk_a(), mk_b(), SequentialConfig(alpha=alpha, difference_type="relative", sequential_tuning_parameter=tuning))
        fixed = TwoSidedTTest(mk_a(), mk_b(), FrequentistConfig(alpha=alpha, difference_type="absolute"))
        print(f"    // gbstats SequentialTwoSidedTTest(..., SequentialConfig(alpha={alpha}, difference_type='absolute'|'relative', sequential_tuning_parameter={tuning!r})) -> ci, p_value (absolute)")
        print(f"    Case {{ metric: {kind}({args}),\n        alpha: {f(alpha)}, mixture: Mixture::{mixture},\n"
              f"        p: {f(ab.p_value)}, absolute_ci: ({f(ab.confidence_interval[0])}, {f(ab.confidence_interval[1])}),\n"
              f"        relative_ci: ({f(rel.confidence_interval[0])}, {f(rel.confidence_interval[1])}) }},  // fixed-horizon CI for scale: {fixed.confidence_interval}")


# --------------------------------------------------------------------------
def multiple():
    section("multiple: statsmodels multipletests")
    lists = [
        [0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.0001, 0.8],
        [0.02, 0.03],
        [0.3, 0.6, 0.9],
        [0.001, 0.012, 0.013, 0.014, 0.3],
    ]
    for ps in lists:
        m = len(ps)
        for method, name in [("holm", "Correction::Holm"), ("fdr_bh", "Correction::BenjaminiHochberg")]:
            rej, adj, _, _ = multipletests(ps, alpha=0.05, method=method)
            order = np.argsort(ps, kind="stable")
            alphas = [0.0] * m
            if method == "holm":
                stop = next((k for k, i in enumerate(order) if ps[i] > 0.05 / (m - k)), m)
                for k, i in enumerate(order):
                    alphas[i] = 0.05 / (m - min(k, stop))
            else:
                r = int(sum(rej))
                alphas = [0.05 * max(r, 1) / m] * m
            print(f"    // statsmodels multipletests({ps}, alpha=0.05, method='{method}') -> (reject, pvals_corrected); interval alphas by the module-doc formula")
            print(f"    Case {{ p: &{[f(p) for p in ps]}, correction: {name},\n        adjusted: &[{', '.join(f(x) for x in adj)}],\n"
                  f"        rejected: &[{', '.join('true' if x else 'false' for x in rej)}],\n        alphas: &[{', '.join(f(x) for x in alphas)}] }},".replace("'", ""))

    section("multiple: adjust_comparisons on binomial comparisons (Holm)")
    arms = [(10000, 1000, 10000, 1090), (10000, 1000, 10000, 1010), (10000, 1000, 10000, 1150)]
    ps = [proportions_ztest([cb, ca], [nb, na])[1] for na, ca, nb, cb in arms]
    rej, adj, _, _ = multipletests(ps, alpha=0.05, method="holm")
    order = np.argsort(ps, kind="stable")
    m = len(ps)
    stop = next((k for k, i in enumerate(order) if ps[i] > 0.05 / (m - k)), m)
    for k, i in enumerate(order):
        na, ca, nb, cb = arms[i]
        a_adj = 0.05 / (m - min(k, stop))
        lo, hi = confint_proportions_2indep(cb, nb, ca, na, method="wald", compare="diff", alpha=a_adj)
        pa, pb = ca / na, cb / nb
        est, var = relative_delta(pa, pa * (1 - pa), na, pb, pb * (1 - pb), nb)
        q = stats.norm.ppf(1 - a_adj / 2)
        print(f"    // arm {i}: statsmodels proportions_ztest([{cb}, {ca}], [{nb}, {na}]) -> p; multipletests(method='holm'); confint_proportions_2indep(..., method='wald', compare='diff', alpha={a_adj!r}); relative: delta method, norm.ppf")
        print(f"    ({i}, Row {{ arms: ({na}, {ca}, {nb}, {cb}), adjusted_p: {f(adj[i])}, rejected: {'true' if rej[i] else 'false'}, alpha: {f(a_adj)},\n"
              f"        absolute: ({f(lo)}, {f(hi)}), relative: ({f(est - q * math.sqrt(var))}, {f(est + q * math.sqrt(var))}) }}),")


if __name__ == "__main__":
    t_quantiles()
    binomial()
    means()
    large_df()
    ratios()
    cuped()
    beta_binomial()
    beta_binomial_large()
    bayes_normal()
    srm()
    sequential()
    multiple()
