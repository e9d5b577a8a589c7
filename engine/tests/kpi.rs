//! KPI cell checks as data: each case is an NDJSON log, a `funnel`,
//! `retention` or `trend` cell body and the expected rendering (notes, then
//! the table with floats rounded to 6 significant digits). Expected numbers
//! are hand-computed in the comments next to each case.
//!
//! Every case runs with 1, 3 and 7 partitions (ingest byte ranges and
//! DataFusion's target partitions) and all renderings must be identical
//! before the expectation is compared.
//!
//! Update expectations with `UPDATE_EXPECT=1 cargo test ... --test kpi`.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, Float64Array};
use arrow::datatypes::{DataType, Float64Type};
use arrow::record_batch::RecordBatch;
use expect_test::{Expect, expect};
use glint_engine::kpi::{self, FunnelOrder, FunnelSpec, KpiKind};
use glint_engine::table::to_pretty;

#[path = "support/mod.rs"]
#[macro_use]
mod support;

use support::{LAYOUTS, Layout, session_in, block_on_engine, ev, round, session};

/// Runs the cell over the log at every partition count, checks they render
/// the same and compares with the expectation.
fn check(log: &str, kind: &str, body: &str, expect: Expect) {
    let reference = run(log, kind, body, LAYOUTS[0]);
    for n in &LAYOUTS[1..] {
        assert_eq!(run(log, kind, body, *n), reference, "{n:?} disagrees with {:?}", LAYOUTS[0]);
    }
    expect.assert_eq(&reference);
}

fn run(log: &str, kind: &str, body: &str, layout: Layout) -> String {
    let kind = KpiKind::from_word(kind).unwrap();
    let session = session_in(log, layout);
    match block_on_engine(kpi::run(&session, kind, body)) {
        Ok(report) => {
            let mut s = String::new();
            for n in &report.notes {
                s += &format!("note: {n}\n");
            }
            s + &render(&report.table.batches) + "\n"
        }
        Err(e) => format!("error: {e}\n"),
    }
}

/// 6 significant digits, so that summation order cannot change the text.
fn render(batches: &[RecordBatch]) -> String {
    let batches: Vec<RecordBatch> = batches
        .iter()
        .map(|b| {
            let columns: Vec<ArrayRef> = b
                .columns()
                .iter()
                .map(|c| match c.data_type() {
                    DataType::Float64 => Arc::new(
                        c.as_primitive::<Float64Type>().iter().map(|v| v.map(round)).collect::<Float64Array>(),
                    ) as ArrayRef,
                    _ => c.clone(),
                })
                .collect();
            RecordBatch::try_new(b.schema(), columns).unwrap()
        })
        .collect();
    to_pretty(&batches).unwrap()
}

/// One event line, `minute` minutes after 2026-10-01T00:00Z; `props` is the
/// inside of the `properties` object.
const DAY: u32 = 1440;

/// The funnel log: steps A → B → C.
///
/// ```text
/// u1  A@0  B@10  C@20                 in order: reaches 3 (B +600s, C +1200s)
/// u2  A@0  C@5   B@10                 out of order: strict 2 (B +600s); any 3 (C: max(600,300) = 600s)
/// u3  A@0  A@30  B@40  B@50  C@100    repeats: strict 3 (B +2400s, C +6000s)
/// u4  A@0  B@2d  C@2d+1               B after a 1d window: 1 (7d window: 3, B +172800s, C +172860s)
/// u5  B@0  A@10  C@20                 B before A: strict 1; any 1 (B is before the start)
/// u6  A@0 (variant x)  A@1d (y)       first A decides: segment x; reaches 1
/// --  A@0 with no user                left out, noted
/// ```
fn funnel_log() -> String {
    let mut log = String::new();
    log += &ev("u1", 0, "A", "\"v\":\"x\"");
    log += &ev("u1", 10, "B", "");
    log += &ev("u1", 20, "C", "");
    log += &ev("u2", 0, "A", "\"v\":\"y\"");
    log += &ev("u2", 5, "C", "");
    log += &ev("u2", 10, "B", "");
    log += &ev("u3", 0, "A", "\"v\":\"x\"");
    log += &ev("u3", 30, "A", "\"v\":\"y\"");
    log += &ev("u3", 40, "B", "");
    log += &ev("u3", 50, "B", "");
    log += &ev("u3", 100, "C", "");
    log += &ev("u4", 0, "A", "\"v\":\"y\"");
    log += &ev("u4", 2 * DAY, "B", "");
    log += &ev("u4", 2 * DAY + 1, "C", "");
    log += &ev("u5", 0, "B", "");
    log += &ev("u5", 10, "A", "\"v\":\"y\"");
    log += &ev("u5", 20, "C", "");
    log += &ev("u6", 0, "A", "\"v\":\"x\"");
    log += &ev("u6", DAY, "A", "\"v\":\"y\"");
    log += &ev("", 0, "A", "");
    log
}

checks! {
    fn funnel_strict_with_out_of_order_repeats_and_window() {
        // 1d window. Step 1: u1..u6 = 6. Step 2 (B ≥ A, ≤ A+1d): u1, u2, u3 = 3
        // (u4's B is 2d later, u5's B is before its A); median(600, 600, 2400) = 600.
        // Step 3 (C ≥ B): u1, u3 = 2 (u2's C is before its B); median(1200, 6000) = 3600.
        check(&funnel_log(), "funnel", "step: A\nstep: B\nstep: C\nwindow: 1d\n", expect![[r#"
            note: 1 step event(s) have no unit (`user_id` is NULL) and are left out
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | step | step_name | users | conversion | step_conversion | drop_off | median_seconds_to_step |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | 1    | A         | 6     | 1.0        |                 |          |                        |
            | 2    | B         | 3     | 0.5        | 0.5             | 3        | 600.0                  |
            | 3    | C         | 2     | 0.333333   | 0.666667        | 1        | 3600.0                 |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
        "#]]);
    }

    fn funnel_any_order() {
        // Step 2 (B in [A, A+1d]): u1, u2, u3 = 3. Step 3 (B and C in the window):
        // u1, u2, u3 = 3 (u5's C at 20 is after its A at 10, but its B at 0 is not);
        // times: u1 1200, u2 max(600, 300) = 600, u3 max(2400, 6000) = 6000 → median 1200.
        check(&funnel_log(), "funnel", "step: A\nstep: B\nstep: C\nwindow: 1d\norder: any\n", expect![[r#"
            note: 1 step event(s) have no unit (`user_id` is NULL) and are left out
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | step | step_name | users | conversion | step_conversion | drop_off | median_seconds_to_step |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | 1    | A         | 6     | 1.0        |                 |          |                        |
            | 2    | B         | 3     | 0.5        | 0.5             | 3        | 600.0                  |
            | 3    | C         | 3     | 0.5        | 1.0             | 0        | 1200.0                 |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
        "#]]);
    }

    fn funnel_window_7d_lets_u4_through() {
        // As the strict case plus u4: step 2 = 4 (600, 600, 2400, 172800 → median 1500),
        // step 3 = 3 (1200, 6000, 172860 → 6000).
        check(&funnel_log(), "funnel", "step: A\nstep: B\nstep: C\nwindow: 7d\n", expect![[r#"
            note: 1 step event(s) have no unit (`user_id` is NULL) and are left out
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | step | step_name | users | conversion | step_conversion | drop_off | median_seconds_to_step |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | 1    | A         | 6     | 1.0        |                 |          |                        |
            | 2    | B         | 4     | 0.666667   | 0.666667        | 2        | 1500.0                 |
            | 3    | C         | 3     | 0.5        | 0.75            | 1        | 6000.0                 |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
        "#]]);
    }

    fn funnel_breakdown_takes_the_first_step_event() {
        // 7d strict. Segment of the first A: x = u1, u3, u6; y = u2, u4, u5.
        // x: 3 → 2 (u1 600s, u3 2400s: median 1500) → 2 (1200s, 6000s: 3600).
        // y: 3 → 2 (u2 600s, u4 172800s: 86700) → 1 (u4 172860s).
        check(&funnel_log(), "funnel", "step: A\nstep: B\nstep: C\nwindow: 7d\nbreakdown: properties.v\n", expect![[r#"
            note: 1 step event(s) have no unit (`user_id` is NULL) and are left out
            +---------+------+-----------+-------+------------+-----------------+----------+------------------------+
            | segment | step | step_name | users | conversion | step_conversion | drop_off | median_seconds_to_step |
            +---------+------+-----------+-------+------------+-----------------+----------+------------------------+
            | x       | 1    | A         | 3     | 1.0        |                 |          |                        |
            | x       | 2    | B         | 2     | 0.666667   | 0.666667        | 1        | 1500.0                 |
            | x       | 3    | C         | 2     | 0.666667   | 1.0             | 0        | 3600.0                 |
            | y       | 1    | A         | 3     | 1.0        |                 |          |                        |
            | y       | 2    | B         | 2     | 0.666667   | 0.666667        | 1        | 86700.0                |
            | y       | 3    | C         | 1     | 0.333333   | 0.5             | 1        | 172860.0               |
            +---------+------+-----------+-------+------------+-----------------+----------+------------------------+
        "#]]);
    }

    fn funnel_step_filter() {
        // Step 1 only counts A with v = 'y': first such event per user: u2@0, u3@30,
        // u4@0, u5@10, u6@1d. Step 2 B after it (7d): u2 (B@10, 600s), u3 (B@40, 600s),
        // u4 (172800s) = 3; median 600.
        check(&funnel_log(), "funnel", "step: A where properties.v = 'y'\nstep: B\nwindow: 7d\n", expect![[r#"
            +------+----------------------------+-------+------------+-----------------+----------+------------------------+
            | step | step_name                  | users | conversion | step_conversion | drop_off | median_seconds_to_step |
            +------+----------------------------+-------+------------+-----------------+----------+------------------------+
            | 1    | A where properties.v = 'y' | 5     | 1.0        |                 |          |                        |
            | 2    | B                          | 3     | 0.6        | 0.6             | 2        | 600.0                  |
            +------+----------------------------+-------+------------+-----------------+----------+------------------------+
        "#]]);
    }

    fn funnel_hold_keeps_the_product() {
        // p1 views product 1 then carts product 2: stops at step 1.
        // p2 views 1, views 2, carts 2: the first view (1) holds, so step 1 only.
        // p3 views 1, carts 1, buys 1: 3.  p4 views 3, carts 3, buys 4: 2.
        // So 4 → 2 (p3, p4 at 60s) → 1 (p3 at 120s).
        let mut log = String::new();
        log += &ev("p1", 0, "View", "\"product\":1");
        log += &ev("p1", 1, "Cart", "\"product\":2");
        log += &ev("p2", 0, "View", "\"product\":1");
        log += &ev("p2", 1, "View", "\"product\":2");
        log += &ev("p2", 2, "Cart", "\"product\":2");
        log += &ev("p3", 0, "View", "\"product\":1");
        log += &ev("p3", 1, "Cart", "\"product\":1");
        log += &ev("p3", 2, "Buy", "\"product\":1");
        log += &ev("p4", 0, "View", "\"product\":3");
        log += &ev("p4", 1, "Cart", "\"product\":3");
        log += &ev("p4", 2, "Buy", "\"product\":4");
        check(&log, "funnel", "step: View\nstep: Cart\nstep: Buy\nhold: properties.product\n", expect![[r#"
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | step | step_name | users | conversion | step_conversion | drop_off | median_seconds_to_step |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | 1    | View      | 4     | 1.0        |                 |          |                        |
            | 2    | Cart      | 2     | 0.5        | 0.5             | 2        | 60.0                   |
            | 3    | Buy       | 1     | 0.25       | 0.5             | 1        | 120.0                  |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
        "#]]);
        // Without hold: 4 → 4 (all at 60s) → 2 (p3, p4 at 120s).
        check(&log, "funnel", "step: View\nstep: Cart\nstep: Buy\n", expect![[r#"
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | step | step_name | users | conversion | step_conversion | drop_off | median_seconds_to_step |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | 1    | View      | 4     | 1.0        |                 |          |                        |
            | 2    | Cart      | 4     | 1.0        | 1.0             | 0        | 60.0                   |
            | 3    | Buy       | 2     | 0.5        | 0.5             | 2        | 120.0                  |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
        "#]]);
    }

    fn funnel_same_time_and_one_event_doing_two_steps() {
        // `A` then `A` again: each user's first A does both steps (at or after, equal
        // times count), so all 6 users reach step 2 with 0 seconds.
        check(&funnel_log(), "funnel", "step: A\nstep: A\n", expect![[r#"
            note: 1 step event(s) have no unit (`user_id` is NULL) and are left out
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | step | step_name | users | conversion | step_conversion | drop_off | median_seconds_to_step |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
            | 1    | A         | 6     | 1.0        |                 |          |                        |
            | 2    | A         | 6     | 1.0        | 1.0             | 0        | 0.0                    |
            +------+-----------+-------+------------+-----------------+----------+------------------------+
        "#]]);
    }

    fn funnel_unknown_column_is_an_error_with_a_hint() {
        check(&funnel_log(), "funnel", "step: A\nstep: B\nbreakdown: properties.vv\n", expect![[r#"
            error: invalid_input error: `breakdown`: the log has no column `properties.vv`; did you mean `properties.v`?
        "#]]);
        assert_eq!(KpiKind::from_word(" Funnel "), Some(KpiKind::Funnel));
        assert_eq!(KpiKind::from_word("retention"), Some(KpiKind::Retention));
        assert_eq!(KpiKind::from_word("trend"), Some(KpiKind::Trend));
        assert_eq!(KpiKind::from_word("ab"), None);
    }

    fn funnel_spec_errors_have_line_numbers() {
        let err = FunnelSpec::parse("step: A\n# c\nwindow: 7x\norder: sideways\nstep: B where \nbogus: 1\nstep: C where x = 1\nbreakdown: a b\n").unwrap_err();
        expect![[r#"
            invalid_input error: the funnel cell has errors:
              line 3: window: expected a positive duration such as `7d`, `12h`, `30m` or `90s`, got `7x`
              line 4: `order` must be one of `strict`, `any`, got `sideways`
              line 5: step `B`: `where` needs a condition
              line 6: unknown key `bogus`; keys are step, window, order, breakdown, experiment, experiment_column, variant_column, hold, unit, event_column, time_column
              line 8: `a b` is not a column name (letters, digits, `_`, dots for nested fields)"#]]
        .assert_eq(&err.to_string());
        let err = FunnelSpec::parse("step: A\n").unwrap_err();
        expect![[r#"
            invalid_input error: the funnel cell has errors:
              a funnel needs at least two `step:` lines"#]]
        .assert_eq(&err.to_string());
        let spec = FunnelSpec::parse("step: \"A # not a comment\"\nstep: B   # a comment\norder: ANY\nwindow: 90m").unwrap();
        assert_eq!((spec.steps[0].event.as_str(), spec.steps[1].event.as_str()), ("A # not a comment", "B"));
        assert_eq!((spec.order, spec.window_seconds), (FunnelOrder::Any, 5400));
    }

    fn sample_funnel_per_variant_matches_q6() {
        let spec = glint_engine::sample::SampleSpec { users: 1_500, days: 4, ..Default::default() };
        let log = String::from_utf8(glint_engine::sample::generate(&spec)).unwrap();
        let body = "step: Product Viewed\nstep: Added to Cart\nstep: Checkout Started\nstep: Order Completed\n\
                    window: 36500d\norder: strict\nexperiment: rec_model_v2\n";
        check(&log, "funnel", body, expect![[r#"
            note: 44 step event(s) have no unit (`user_id` is NULL) and are left out
            note: 241 user(s) did step 1 but were never exposed to experiment `rec_model_v2` and are left out
            +-----------+------+------------------+-------+------------+-----------------+----------+------------------------+
            | segment   | step | step_name        | users | conversion | step_conversion | drop_off | median_seconds_to_step |
            +-----------+------+------------------+-------+------------+-----------------+----------+------------------------+
            | control   | 1    | Product Viewed   | 470   | 1.0        |                 |          |                        |
            | control   | 2    | Added to Cart    | 276   | 0.587234   | 0.587234        | 194      | 142.926                |
            | control   | 3    | Checkout Started | 201   | 0.42766    | 0.728261        | 75       | 406.655                |
            | control   | 4    | Order Completed  | 149   | 0.317021   | 0.741294        | 52       | 5880.69                |
            | treatment | 1    | Product Viewed   | 437   | 1.0        |                 |          |                        |
            | treatment | 2    | Added to Cart    | 306   | 0.700229   | 0.700229        | 131      | 140.37                 |
            | treatment | 3    | Checkout Started | 222   | 0.508009   | 0.72549         | 84       | 476.263                |
            | treatment | 4    | Order Completed  | 170   | 0.389016   | 0.765766        | 52       | 1167.32                |
            +-----------+------+------------------+-------+------------+-----------------+----------+------------------------+
        "#]]);
        // q6 (DESIGN.md) by hand: a user's variant is that of their first exposure;
        // each step is the earliest event at or after the previous step's.
        let q6 = "WITH expo AS (SELECT user_id, first_value(CAST(properties['variant'] AS VARCHAR) ORDER BY ts, CAST(properties['variant'] AS VARCHAR)) AS variant \
                  FROM events WHERE properties['experiment_id'] = 'rec_model_v2' AND user_id IS NOT NULL AND ts IS NOT NULL \
                  AND properties['variant'] IS NOT NULL GROUP BY user_id), \
                  pv AS (SELECT user_id, min(ts) AS t FROM events WHERE event = 'Product Viewed' AND ts IS NOT NULL GROUP BY user_id), \
                  atc AS (SELECT e.user_id, min(e.ts) AS t FROM events e JOIN pv ON e.user_id = pv.user_id AND e.ts >= pv.t WHERE e.event = 'Added to Cart' GROUP BY e.user_id), \
                  cs AS (SELECT e.user_id, min(e.ts) AS t FROM events e JOIN atc ON e.user_id = atc.user_id AND e.ts >= atc.t WHERE e.event = 'Checkout Started' GROUP BY e.user_id), \
                  oc AS (SELECT e.user_id, min(e.ts) AS t FROM events e JOIN cs ON e.user_id = cs.user_id AND e.ts >= cs.t WHERE e.event = 'Order Completed' GROUP BY e.user_id), \
                  steps AS (SELECT 1 AS step, user_id FROM pv UNION ALL SELECT 2, user_id FROM atc UNION ALL SELECT 3, user_id FROM cs UNION ALL SELECT 4, user_id FROM oc) \
                  SELECT expo.variant AS segment, CAST(steps.step AS BIGINT) AS step, CAST(count(*) AS BIGINT) AS users \
                  FROM steps JOIN expo ON steps.user_id = expo.user_id GROUP BY 1, 2 ORDER BY 1, 2";
        for layout in LAYOUTS {
            let session = session_in(&log, layout);
            let hand = block_on_engine(session.sql(q6)).unwrap();
            let report = block_on_engine(kpi::run(&session, KpiKind::Funnel, body)).unwrap();
            let cell = report.table.batches.iter().map(|b| {
                let cols = ["segment", "step", "users"].map(|c| b.column_by_name(c).unwrap().clone());
                RecordBatch::try_from_iter(["segment", "step", "users"].into_iter().zip(cols)).unwrap()
            });
            let cell: Vec<RecordBatch> = cell.collect();
            assert_eq!(to_pretty(&cell).unwrap(), to_pretty(&hand.batches).unwrap(), "{layout:?}");
        }
    }
}

/// The retention log (days of October 2026; Oct 1 is a Thursday).
///
/// ```text
/// r1  cohort Oct 1 10:00, return Oct 1 12:00 (same day, after: period 0), Oct 2 (period 1)
/// r2  return Oct 1 01:00 (before its cohort event: not counted), cohort Oct 1 02:00, return Oct 3 (period 2)
/// r3  cohort Oct 1 03:00, cohort again Oct 2 (only the first counts), never returns
/// --  nobody's first cohort event is on Oct 2: no Oct 2 cohort rows
/// r4  cohort Oct 3 05:00, return Oct 3 05:00 (same time: period 0), twice on Oct 4 (period 1, once)
/// --  a return with no user on Oct 4 (noted); the last event is on Oct 4
/// ```
fn retention_log() -> String {
    let h = |day: u32, hour: u32| (day - 1) * DAY + hour * 60;
    let mut log = String::new();
    log += &ev("r2", h(1, 1), "Buy", "");
    log += &ev("r2", h(1, 2), "Join", "");
    log += &ev("r3", h(1, 3), "Join", "");
    log += &ev("r1", h(1, 10), "Join", "");
    log += &ev("r1", h(1, 12), "Buy", "");
    log += &ev("r1", h(2, 0), "Buy", "");
    log += &ev("r3", h(2, 1), "Join", "");
    log += &ev("r2", h(3, 4), "Buy", "");
    log += &ev("r4", h(3, 5), "Join", "");
    log += &ev("r4", h(3, 5), "Buy", "");
    log += &ev("r4", h(4, 1), "Buy", "");
    log += &ev("r4", h(4, 2), "Buy", "");
    log += &ev("", h(4, 3), "Buy", "");
    log
}

/// The trend log: Oct 1 and Oct 3 have events, Oct 2 none.
///
/// ```text
/// Oct 1  t1 View (a), t1 Buy 10 (a), t2 View (b) ×2, no user View (a)
/// Oct 3  t3 View (c), t3 Buy 5.5 (c), t3 Buy no revenue (c), no user Buy 2 (a)
/// ```
fn trend_log() -> String {
    let mut log = String::new();
    log += &ev("t1", 10, "View", "\"device\":\"a\"");
    log += &ev("t1", 20, "Buy", "\"device\":\"a\",\"revenue\":10");
    log += &ev("t2", 30, "View", "\"device\":\"b\"");
    log += &ev("t2", 40, "View", "\"device\":\"b\"");
    log += &ev("", 50, "View", "\"device\":\"a\"");
    log += &ev("t3", 2 * DAY + 10, "View", "\"device\":\"c\"");
    log += &ev("t3", 2 * DAY + 20, "Buy", "\"device\":\"c\",\"revenue\":5.5");
    log += &ev("t3", 2 * DAY + 30, "Buy", "\"device\":\"c\"");
    log += &ev("", 2 * DAY + 40, "Buy", "\"device\":\"a\",\"revenue\":2");
    log
}

const TREND_METRICS: &str = "metric: views = count \"View\"\nmetric: buyers = users \"Buy\"\n\
metric: gmv = sum properties.revenue \"Buy\"\nmetric: conv = ratio buyers / views\n";

checks! {
    fn retention_daily_triangle() {
        // Oct 1 cohort: r1, r2, r3 = 3. Period 0: r1 (r2's return came before its
        // cohort event) = 1; period 1 (Oct 2): r1 = 1; period 2 (Oct 3): r2 = 1;
        // period 3 (Oct 4, the last day with data): 0; period 4 (Oct 5): NULL.
        // Oct 2: no cohort. Oct 3 cohort: r4 = 1. Period 0 (same time) = 1,
        // period 1 (Oct 4, two returns) = 1, periods 2..4: NULL (after the data's end).
        check(&retention_log(), "retention", "cohort: Join\nreturn: Buy\nperiod: day\nperiods: 4\n", expect![[r#"
            note: 1 cohort/return event(s) have no unit (`user_id` is NULL) and are left out
            +----------------------+--------------+--------+----------------+----------+
            | cohort               | cohort_users | period | returned_users | rate     |
            +----------------------+--------------+--------+----------------+----------+
            | 2026-10-01T00:00:00Z | 3            | 0      | 1              | 0.333333 |
            | 2026-10-01T00:00:00Z | 3            | 1      | 1              | 0.333333 |
            | 2026-10-01T00:00:00Z | 3            | 2      | 1              | 0.333333 |
            | 2026-10-01T00:00:00Z | 3            | 3      | 0              | 0.0      |
            | 2026-10-01T00:00:00Z | 3            | 4      |                |          |
            | 2026-10-03T00:00:00Z | 1            | 0      | 1              | 1.0      |
            | 2026-10-03T00:00:00Z | 1            | 1      | 1              | 1.0      |
            | 2026-10-03T00:00:00Z | 1            | 2      |                |          |
            | 2026-10-03T00:00:00Z | 1            | 3      |                |          |
            | 2026-10-03T00:00:00Z | 1            | 4      |                |          |
            +----------------------+--------------+--------+----------------+----------+
        "#]]);
    }

    fn retention_weekly() {
        // Oct 1..4 lie in the ISO week starting Monday Sep 28: one cohort of 4;
        // period 0 returns: r1, r2 (Oct 3), r4 = 3; period 1 (Oct 5): NULL.
        check(&retention_log(), "retention", "cohort: Join\nreturn: Buy\nperiod: week\nperiods: 1\n", expect![[r#"
            note: 1 cohort/return event(s) have no unit (`user_id` is NULL) and are left out
            +----------------------+--------------+--------+----------------+------+
            | cohort               | cohort_users | period | returned_users | rate |
            +----------------------+--------------+--------+----------------+------+
            | 2026-09-28T00:00:00Z | 4            | 0      | 3              | 0.75 |
            | 2026-09-28T00:00:00Z | 4            | 1      |                |      |
            +----------------------+--------------+--------+----------------+------+
        "#]]);
    }

    fn retention_spec_errors() {
        let err = glint_engine::kpi::RetentionSpec::parse("cohort: Join\nperiod: month\nperiods: 0\n").unwrap_err();
        expect![[r#"
            invalid_input error: the retention cell has errors:
              line 2: `period` must be one of `day`, `week`, got `month`
              line 3: `periods` must be a whole number from 1 to 365, got `0`
              `return:` is missing (the event that counts as coming back)"#]]
        .assert_eq(&err.to_string());
    }

    fn trend_fills_empty_buckets() {
        // Oct 1: views 4 (incl. the one without user), buyers 1 (t1), gmv 10, conv 1/4.
        // Oct 2: no events: 0, 0, 0, NULL (0 / 0).
        // Oct 3: views 1, buyers 1 (t3; the Buy without user is not a user), gmv 5.5 + 0 + 2 = 7.5, conv 1.
        check(&trend_log(), "trend", &format!("{TREND_METRICS}bucket: day\n"), expect![[r#"
            note: 1 event(s) of `users` metrics have no unit (`user_id` is NULL): they count in `count`/`sum` metrics only
            +----------------------+-------+--------+------+------+
            | bucket               | views | buyers | gmv  | conv |
            +----------------------+-------+--------+------+------+
            | 2026-10-01T00:00:00Z | 4     | 1      | 10.0 | 0.25 |
            | 2026-10-02T00:00:00Z | 0     | 0      | 0.0  |      |
            | 2026-10-03T00:00:00Z | 1     | 1      | 7.5  | 1.0  |
            +----------------------+-------+--------+------+------+
        "#]]);
    }

    fn trend_breakdown_top_n_and_other() {
        // Views per device over the log: a 2, b 2, c 1; top 1 keeps `a` (tie with b, by name).
        // Oct 1  a: views 2, buyers 1, gmv 10, conv 0.5; other (b): views 2, 0, 0, conv 0.
        // Oct 2  both 0, 0, 0, NULL.
        // Oct 3  a: views 0, buyers 0 (no user), gmv 2, conv NULL; other (c): 1, 1, 5.5, 1.
        check(&trend_log(), "trend", &format!("{TREND_METRICS}breakdown: properties.device\ntop: 1\n"), expect![[r#"
            note: 1 event(s) of `users` metrics have no unit (`user_id` is NULL): they count in `count`/`sum` metrics only
            +----------------------+---------+-------+--------+------+------+
            | bucket               | segment | views | buyers | gmv  | conv |
            +----------------------+---------+-------+--------+------+------+
            | 2026-10-01T00:00:00Z | a       | 2     | 1      | 10.0 | 0.5  |
            | 2026-10-01T00:00:00Z | other   | 2     | 0      | 0.0  | 0.0  |
            | 2026-10-02T00:00:00Z | a       | 0     | 0      | 0.0  |      |
            | 2026-10-02T00:00:00Z | other   | 0     | 0      | 0.0  |      |
            | 2026-10-03T00:00:00Z | a       | 0     | 0      | 2.0  |      |
            | 2026-10-03T00:00:00Z | other   | 1     | 1      | 5.5  | 1.0  |
            +----------------------+---------+-------+--------+------+------+
        "#]]);
    }

    fn trend_hourly_buckets_span_first_to_last_event() {
        // Oct 1 00:10 .. 00:50 is one hour; then hours 01:00 .. Oct 3 00:00 are empty (47 rows),
        // and Oct 3 00:00 holds t3's and the userless events: 49 rows.
        let session = session(&trend_log(), 1);
        let report = block_on_engine(kpi::run(&session, KpiKind::Trend, "metric: n = count\nbucket: hour")).unwrap();
        assert_eq!(report.table.rows(), 49);
    }

    fn trend_timezone_moves_events_across_midnight() {
        // Five events (UTC): E Oct 1 00:30, D Oct 1 21:30, A Oct 1 23:00, B Oct 2 03:00, C Oct 2 06:00.
        // UTC days: Oct 1 = E, D, A = 3; Oct 2 = B, C = 2.
        let mut log = String::new();
        for (user, minute) in [("e", 30), ("d", 21 * 60 + 30), ("a", 23 * 60), ("b", DAY + 3 * 60), ("c", DAY + 6 * 60)] {
            log += &ev(user, minute, "View", "");
        }
        check(&log, "trend", "metric: n = count\nmetric: u = users\n", expect![[r#"
            +----------------------+---+---+
            | bucket               | n | u |
            +----------------------+---+---+
            | 2026-10-01T00:00:00Z | 3 | 3 |
            | 2026-10-02T00:00:00Z | 2 | 2 |
            +----------------------+---+---+
        "#]]);
        // +02:00 local: E Oct 1 02:30, D Oct 1 23:30 | A Oct 2 01:00, B 05:00, C 08:00.
        // Local Oct 1 starts at Sep 30 22:00Z: 2; local Oct 2 (Oct 1 22:00Z): 3.
        check(&log, "trend", "metric: n = count\nmetric: u = users\ntimezone: +02:00\n", expect![[r#"
            +----------------------+---+---+
            | bucket               | n | u |
            +----------------------+---+---+
            | 2026-09-30T22:00:00Z | 2 | 2 |
            | 2026-10-01T22:00:00Z | 3 | 3 |
            +----------------------+---+---+
        "#]]);
        // -05:00 local: E Sep 30 19:30 | D Oct 1 16:30, A 18:00, B 22:00 | C Oct 2 01:00.
        // Local days start at 05:00Z: Sep 30 = 1, Oct 1 = 3, Oct 2 = 1.
        check(&log, "trend", "metric: n = count\nmetric: u = users\ntimezone: -05:00\n", expect![[r#"
            +----------------------+---+---+
            | bucket               | n | u |
            +----------------------+---+---+
            | 2026-09-30T05:00:00Z | 1 | 1 |
            | 2026-10-01T05:00:00Z | 3 | 3 |
            | 2026-10-02T05:00:00Z | 1 | 1 |
            +----------------------+---+---+
        "#]]);
        // `UTC` and `Z` are the default; weeks in +02:00 start Monday Sep 28 00:00 local = Sep 27 22:00Z.
        check(&log, "trend", "metric: n = count\ntimezone: Z\nbucket: week\n", expect![[r#"
            +----------------------+---+
            | bucket               | n |
            +----------------------+---+
            | 2026-09-28T00:00:00Z | 5 |
            +----------------------+---+
        "#]]);
        check(&log, "trend", "metric: n = count\ntimezone: +02:00\nbucket: week\n", expect![[r#"
            +----------------------+---+
            | bucket               | n |
            +----------------------+---+
            | 2026-09-27T22:00:00Z | 5 |
            +----------------------+---+
        "#]]);
    }

    fn trend_range_compares_with_the_previous_period() {
        // range: last 2d ending with the latest event's day (Oct 5): Oct 4, Oct 5;
        // previous period: Oct 2 (for Oct 4), Oct 3 (for Oct 5). Oct 1 is ignored.
        // Oct 1  View u1 u2 u3, Buy u1 9          (before the previous period)
        // Oct 2  View u1 u2, Buy u1 4             views 2, buyers 1, gmv 4, conv 0.5
        // Oct 3  nothing                          0, 0, 0, NULL
        // Oct 4  View u1 ×3, Buy u1 10, Buy u2    views 3, buyers 2, gmv 10, conv 2/3
        //        change: views 1/2 = 0.5, buyers 1/1 = 1, gmv 6/4 = 1.5, conv (2/3 − 1/2)/(1/2) = 1/3
        // Oct 5  View u3 u4, Buy u3 3             views 2, buyers 1, gmv 3, conv 0.5; previous 0 → change NULL
        let d = |day: u32| (day - 1) * DAY + 12 * 60;
        let mut log = String::new();
        for user in ["u1", "u2", "u3"] {
            log += &ev(user, d(1), "View", "");
        }
        log += &ev("u1", d(1), "Buy", "\"revenue\":9");
        log += &ev("u1", d(2), "View", "");
        log += &ev("u2", d(2), "View", "");
        log += &ev("u1", d(2), "Buy", "\"revenue\":4");
        for _ in 0..3 {
            log += &ev("u1", d(4), "View", "");
        }
        log += &ev("u1", d(4), "Buy", "\"revenue\":10");
        log += &ev("u2", d(4), "Buy", "");
        log += &ev("u3", d(5), "View", "");
        log += &ev("u4", d(5), "View", "");
        log += &ev("u3", d(5), "Buy", "\"revenue\":3");
        check(&log, "trend", &format!("{TREND_METRICS}range: last 2d\ncompare: previous\n"), expect![[r#"
            +----------------------+-------+----------------+--------------+--------+-----------------+---------------+------+--------------+------------+----------+---------------+-------------+
            | bucket               | views | views_previous | views_change | buyers | buyers_previous | buyers_change | gmv  | gmv_previous | gmv_change | conv     | conv_previous | conv_change |
            +----------------------+-------+----------------+--------------+--------+-----------------+---------------+------+--------------+------------+----------+---------------+-------------+
            | 2026-10-04T00:00:00Z | 3     | 2              | 0.5          | 2      | 1               | 1.0           | 10.0 | 4.0          | 1.5        | 0.666667 | 0.5           | 0.333333    |
            | 2026-10-05T00:00:00Z | 2     | 0              |              | 1      | 0               |               | 3.0  | 0.0          |            | 0.5      |               |             |
            +----------------------+-------+----------------+--------------+--------+-----------------+---------------+------+--------------+------------+----------+---------------+-------------+
        "#]]);
        // Without `compare:` only the range's buckets; `last 48h` is the same range.
        check(&log, "trend", &format!("{TREND_METRICS}range: last 48h\n"), expect![[r#"
            +----------------------+-------+--------+------+----------+
            | bucket               | views | buyers | gmv  | conv     |
            +----------------------+-------+--------+------+----------+
            | 2026-10-04T00:00:00Z | 3     | 2      | 10.0 | 0.666667 |
            | 2026-10-05T00:00:00Z | 2     | 1      | 3.0  | 0.5      |
            +----------------------+-------+--------+------+----------+
        "#]]);
    }

    fn trend_range_with_breakdown_and_hours() {
        // Hourly, last 2h ending with the latest event's hour (Oct 1 02:00Z): 01:00, 02:00;
        // previous: 23:00 (Sep 30, no events), 00:00. Segment ranking over the range only:
        // views in range: b 2, a 1 → top 1 keeps `b`; `a` (and `c`, seen only at 00:00) are other.
        // 00:00  View a ×2, View c           → previous of 02:00: b 0, other 3
        // 01:00  View b                      → b 1 (prev 23:00: 0), other 0
        // 02:00  View b, View a              → b 1 (prev 0 → NULL change), other 1 (prev 3: change −2/3)
        let mut log = String::new();
        log += &ev("x", 0, "View", "\"device\":\"a\"");
        log += &ev("y", 5, "View", "\"device\":\"a\"");
        log += &ev("z", 10, "View", "\"device\":\"c\"");
        log += &ev("x", 70, "View", "\"device\":\"b\"");
        log += &ev("y", 130, "View", "\"device\":\"b\"");
        log += &ev("z", 140, "View", "\"device\":\"a\"");
        let body = "metric: views = count \"View\"\nbucket: hour\nrange: last 2h\ncompare: previous\nbreakdown: properties.device\ntop: 1\n";
        check(&log, "trend", body, expect![[r#"
            +----------------------+---------+-------+----------------+--------------+
            | bucket               | segment | views | views_previous | views_change |
            +----------------------+---------+-------+----------------+--------------+
            | 2026-10-01T01:00:00Z | b       | 1     | 0              |              |
            | 2026-10-01T01:00:00Z | other   | 0     | 0              |              |
            | 2026-10-01T02:00:00Z | b       | 1     | 0              |              |
            | 2026-10-01T02:00:00Z | other   | 1     | 3              | -0.666667    |
            +----------------------+---------+-------+----------------+--------------+
        "#]]);
    }

    fn trend_timezone_and_range_errors() {
        // Offsets are `±HH:MM` up to 14:00; zone names are refused; a range is a whole number of
        // buckets (36h is not whole days); `compare: previous` needs a range; `NAME_change` would
        // collide with `compare:`'s column for `NAME`.
        let err = glint_engine::kpi::TrendSpec::parse("metric: n = count\ntimezone: +2:00\ncompare: previous\n").unwrap_err();
        expect![[r#"
            invalid_input error: the trend cell has errors:
              line 2: `timezone: +2:00` is not a UTC offset: expected `UTC`, `Z` or `±HH:MM` up to 14:00, e.g. `+02:00`
              line 3: `compare: previous` needs `range:` (e.g. `range: last 7d`): the whole log has no previous period"#]]
        .assert_eq(&err.to_string());
        let err = glint_engine::kpi::TrendSpec::parse(
            "metric: n = count\nmetric: n_change = count\ntimezone: Europe/Berlin\nrange: last 36h\ncompare: previous\n",
        )
        .unwrap_err();
        expect![[r#"
            invalid_input error: the trend cell has errors:
              line 2: metric `n_change` clashes with `compare: previous`'s column for `n`
              line 3: `timezone: Europe/Berlin`: zone names are not supported (daylight saving changes their offset); give a fixed UTC offset such as `+02:00` or `-05:00`, or `UTC`
              line 4: `range: last 36h` is not a whole number of `day` buckets"#]]
        .assert_eq(&err.to_string());
        let err = glint_engine::kpi::TrendSpec::parse("metric: n = count\ntimezone: +14:30\nrange: next 7d\ncompare: last\n")
            .unwrap_err();
        expect![[r#"
            invalid_input error: the trend cell has errors:
              line 2: `timezone: +14:30` is not a UTC offset: expected `UTC`, `Z` or `±HH:MM` up to 14:00, e.g. `+02:00`
              line 3: `range` must be `last N` with N hours, days or weeks, e.g. `last 24h`, `last 7d`, `last 4w`; got `next 7d`
              line 4: `compare` must be `previous`, got `last`"#]]
        .assert_eq(&err.to_string());
    }

    fn trend_spec_errors() {
        let err = glint_engine::kpi::TrendSpec::parse(
            "metric: a = count \"View\"\nmetric: r = ratio a / b\nmetric: bucket = count\nmetric: s = sum\nbucket: minute\n",
        )
        .unwrap_err();
        expect![[r#"
            invalid_input error: the trend cell has errors:
              line 2: metric `r`: no metric `b` in this cell
              line 3: `bucket` is a column of the trend table; name the metric otherwise
              line 4: metric `s`: `sum` needs one column name, e.g. `sum properties.revenue`
              line 5: `bucket` must be one of `hour`, `day`, `week`, got `minute`"#]]
        .assert_eq(&err.to_string());
    }
}
