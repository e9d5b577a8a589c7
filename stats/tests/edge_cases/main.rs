//! Edge cases as data: each case renders the whole result as text and
//! compares it with an `expect![[…]]` snapshot (`UPDATE_EXPECT=1 cargo test
//! -p glint-stats` rewrites them). Undefined statistics must say why; invalid
//! requests must be errors; nothing may be NaN or infinite.

mod comparisons;
mod readout;

use expect_test::Expect;
use glint_stats::{Comparison, Computed, Effect, MeanStats, StatsError, TestOptions};

pub fn num(x: f64) -> String {
    assert!(x.is_finite(), "non-finite number in a result: {x}");
    format!("{x:.6}")
}

pub fn show<T>(c: &Computed<T>, f: impl Fn(&T) -> String) -> String {
    match c {
        Computed::Value(v) => f(v),
        Computed::Undefined { code, reason } => format!("undefined ({code:?}): {reason}"),
    }
}

pub fn effect(e: &Effect) -> String {
    let bound = |b: Option<f64>| b.map_or("unbounded".to_string(), num);
    format!(
        "{} [{}, {}]",
        num(e.estimate),
        bound(e.interval.lower),
        bound(e.interval.upper)
    )
}

pub fn render(result: Result<Comparison, StatsError>) -> String {
    let c = match result {
        Ok(c) => c,
        Err(e) => return format!("error: {e}"),
    };
    let arm = |a: &glint_stats::ArmSummary| {
        format!(
            "n={} value={} variance={}",
            a.n,
            show(&a.value, |v| num(*v)),
            show(&a.variance, |v| num(*v))
        )
    };
    let mut out = format!(
        "control:   {}\ntreatment: {}\nabsolute:  {}\nrelative:  {}\ntest:      {}",
        arm(&c.control),
        arm(&c.treatment),
        show(&c.absolute, effect),
        show(&c.relative, effect),
        show(&c.test, |t| format!(
            "{:?} stat={} p={}",
            t.method,
            num(t.statistic),
            num(t.p_value)
        )),
    );
    if let Some(cuped) = &c.cuped {
        out += &format!(
            "\ncuped:     theta={} reduction={}",
            num(cuped.theta),
            show(&cuped.variance_reduction, |v| num(*v))
        );
    }
    out + "\n"
}

pub fn check(actual: String, expect: Expect) {
    expect.assert_eq(&actual);
}

pub fn bin(n: u64, c: u64) -> MeanStats {
    MeanStats::binomial(n, c)
}

pub fn opts(alpha: f64) -> TestOptions {
    TestOptions {
        alpha,
        ..TestOptions::default()
    }
}
