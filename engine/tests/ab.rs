//! A/B read-out checks as data: each case is an NDJSON log, an `ab` cell body
//! and the expected rendering of the report (SRM line, warnings, and the
//! table with floats rounded to 6 significant digits).
//!
//! Every case runs with 1, 3 and 7 partitions (ingest byte ranges and
//! DataFusion's target partitions) and all renderings must be identical
//! before the expectation is compared. Like `checks.rs`, the file is written
//! so that it can also run on wasm32 (one execution partition there).
//!
//! Update expectations with `UPDATE_EXPECT=1 cargo test ... --test ab`.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::datatypes::{DataType, Float64Type};
use arrow::record_batch::RecordBatch;
use expect_test::{Expect, expect};
use glint_engine::ab::{self, AbReport, AbSpec};
use glint_engine::table::to_pretty;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[path = "support/mod.rs"]
#[macro_use]
mod support;

use support::{LAYOUTS, Layout, session_in, block_on_engine, ev, round};

/// Runs the spec over the log at every partition count, checks they render
/// the same, compares with the expectation and returns the 1-partition report.
fn check(log: &str, spec: &str, expect: Expect) -> Option<AbReport> {
    let (reference, report) = run(log, spec, LAYOUTS[0]);
    for n in &LAYOUTS[1..] {
        let (got, _) = run(log, spec, *n);
        assert_eq!(got, reference, "{n:?} disagrees with {:?}", LAYOUTS[0]);
    }
    expect.assert_eq(&reference);
    report
}

fn run(log: &str, spec: &str, layout: Layout) -> (String, Option<AbReport>) {
    let spec = match AbSpec::parse(spec) {
        Ok(s) => s,
        Err(e) => return (format!("spec error: {e}\n"), None),
    };
    let session = session_in(log, layout);
    match block_on_engine(ab::run(&session, &spec)) {
        Ok(report) => (render(&report), Some(report)),
        Err(e) => (format!("error: {e}\n"), None),
    }
}

/// 6 significant digits, so that summation order cannot change the text.
/// Rounded, and in exponent form when tiny.
fn sig(x: f64) -> String {
    let r = round(x);
    if r != 0.0 && r.abs() < 1e-4 { format!("{r:e}") } else { r.to_string() }
}

fn render(report: &AbReport) -> String {
    let srm = &report.srm;
    let mut s = format!(
        "srm: observed {} expected {} p {} flagged {}\n",
        srm.arms.iter().zip(&srm.observed).map(|(a, o)| format!("{a}={o}")).collect::<Vec<_>>().join(","),
        srm.expected.iter().map(|e| round(*e).to_string()).collect::<Vec<_>>().join(","),
        sig(srm.p_value),
        srm.flagged
    );
    for w in &report.warnings {
        s += &format!("warning: {w}\n");
    }
    let batches: Vec<RecordBatch> = report
        .table
        .batches
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
    s + &to_pretty(&batches).unwrap() + "\n"
}

/// A cell of the report's table by metric, arm and column name.
fn cell(report: &AbReport, metric: &str, arm: &str, column: &str) -> String {
    let b = &report.table.batches[0];
    let metrics = b.column_by_name("metric").unwrap().as_string::<i32>();
    let arms = b.column_by_name("arm").unwrap().as_string::<i32>();
    let row = (0..b.num_rows()).find(|&r| metrics.value(r) == metric && arms.value(r) == arm).unwrap();
    let col = b.column_by_name(column).unwrap();
    if col.is_null(row) {
        return "NULL".into();
    }
    arrow::util::display::array_value_to_string(col, row).unwrap()
}

/// One event line, `minute` minutes after 2026-10-01T00:00Z.
fn exposure(user: &str, minute: u32, arm: &str) -> String {
    ev(user, minute, "Experiment Viewed", &format!("\"experiment_id\":\"exp1\",\"variant\":\"{arm}\""))
}

/// The hand-made log of `hand_made_log_matches_hand_computed_sums`.
fn hand_log() -> String {
    let mut log = String::new();
    // control: u1..u5; u1 and u2 add to cart; u1 orders 10.
    for (i, u) in ["u1", "u2", "u3", "u4", "u5"].iter().enumerate() {
        log += &exposure(u, i as u32, "control");
    }
    log += &ev("u1", 10, "Added to Cart", "");
    log += &ev("u1", 11, "Order Completed", "\"revenue\":10");
    log += &ev("u2", 12, "Added to Cart", "");
    // treatment: u6..u10; u6..u9 add to cart; u6 orders 20, u7 orders 30 and 20.
    for (i, u) in ["u6", "u7", "u8", "u9", "u10"].iter().enumerate() {
        log += &exposure(u, 20 + i as u32, "treatment");
    }
    for (i, u) in ["u6", "u7", "u8", "u9"].iter().enumerate() {
        log += &ev(u, 30 + i as u32, "Added to Cart", "");
    }
    log += &ev("u6", 40, "Order Completed", "\"revenue\":20");
    log += &ev("u7", 41, "Order Completed", "\"revenue\":30");
    log += &ev("u7", 42, "Order Completed", "\"revenue\":20.0");
    log
}

const HAND_SPEC: &str = r#"
# the hand-made experiment
experiment: exp1
control: control
metric: added_to_cart = conversion "Added to Cart"
metric: orders = count "Order Completed"
metric: revenue = sum properties.revenue "Order Completed"
metric: aov = ratio sum properties.revenue "Order Completed" / count "Order Completed"
"#;

/// A log of `n_a` units in arm `a` and `n_b` in arm `b`, each converting with
/// probability `rate_a` / `rate_b` and ordering a random amount when it does.
fn synthetic(seed: u64, arms: &[(&str, u32, f64)]) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut log = String::new();
    let mut id = 0;
    for &(arm, n, rate) in arms {
        for _ in 0..n {
            id += 1;
            let user = format!("u{id:05}");
            let minute = rng.random_range(0..600);
            log += &exposure(&user, minute, arm);
            if rng.random_bool(rate) {
                log += &ev(&user, minute + 5, "Added to Cart", "");
                let revenue = rng.random_range(100..10_000u32) as f64 / 100.0;
                log += &ev(&user, minute + 9, "Order Completed", &format!("\"revenue\":{revenue}"));
            }
        }
    }
    log
}

/// Units with a stable propensity to order on any day, before and after an
/// exposure on day 16 (14 days each); arm `b` orders `lift` more often. Half
/// the units also order on day 1, outside CUPED's 14-day window. Returns the
/// log and, per arm, the (orders after, orders in the window before) pairs.
fn with_history(seed: u64, units: u32, lift: f64) -> (String, [Vec<(f64, f64)>; 2]) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut log = String::new();
    let mut pairs = [Vec::new(), Vec::new()];
    for id in 0..units {
        let user = format!("u{id:04}");
        let arm = if id % 2 == 0 { "a" } else { "b" };
        let propensity: f64 = rng.random_range(0.02..0.9);
        let exposed = 15 * 1440 + id;
        if rng.random_bool(0.5) {
            log += &ev(&user, 600, "Order Completed", "\"revenue\":10");
        }
        let (mut before, mut after) = (0.0, 0.0);
        for day in 1..15 {
            if rng.random_bool(propensity) {
                log += &ev(&user, day * 1440 + 600, "Order Completed", "\"revenue\":10");
                before += 1.0;
            }
        }
        log += &exposure(&user, exposed, arm);
        let p = if arm == "b" { (propensity + lift).min(1.0) } else { propensity };
        for day in 0..14 {
            if rng.random_bool(p) {
                log += &ev(&user, exposed + 60 + day * 1440, "Order Completed", "\"revenue\":10");
                after += 1.0;
            }
        }
        pairs[id as usize % 2].push((after, before));
    }
    (log, pairs)
}

checks! {
    fn hand_made_log_matches_hand_computed_sums() {
        // By hand, per unit after exposure:
        //   control   (5 units): cart [1,1,0,0,0] → 2/5 = 0.4; orders [1,0,0,0,0] → mean 0.2;
        //             revenue [10,0,0,0,0] → mean 2; aov Σrevenue/Σorders = 10/1 = 10
        //   treatment (5 units): cart [1,1,1,1,0] → 4/5 = 0.8; orders [1,2,0,0,0] → mean 0.6;
        //             revenue [20,50,0,0,0] → mean 14; aov 70/3 = 23.3333
        // Reference p-values (scipy 1.x / statsmodels 0.15 in stats-venv):
        //   cart:    proportions_ztest([4,2],[5,5]) → z 1.29099, p 0.196706
        //   orders:  ttest_ind(t, c, equal_var=False) → t 0.894427, p 0.406200
        //   revenue: ttest_ind(t, c, equal_var=False) → t 1.2, p 0.291613
        //   aov:     delta method (control's m = 10·d exactly, so its variance is 0) → z 7.58947, p 3.21226e-14
        //   multipletests(holm) → adj p 0.590117, 0.590117, 0.590117, 1.28490e-13
        check(
            &hand_log(),
            HAND_SPEC,
            expect![[r#"
                srm: observed control=5,treatment=5 expected 5,5 p 1 flagged false
                +---------------+------------+-----------+-------+---------+----------+------------+-------------+----------+------------+-------------+-------------+-------------+----------------+---------------+-------------+------+
                | metric        | kind       | arm       | units | value   | abs_lift | abs_ci_low | abs_ci_high | rel_lift | rel_ci_low | rel_ci_high | p_value     | adj_p_value | chance_to_beat | expected_loss | significant | note |
                +---------------+------------+-----------+-------+---------+----------+------------+-------------+----------+------------+-------------+-------------+-------------+----------------+---------------+-------------+------+
                | added_to_cart | conversion | control   | 5     | 0.4     |          |            |             |          |            |             |             |             |                |               |             |      |
                | added_to_cart | conversion | treatment | 5     | 0.8     | 0.4      | -0.27712   | 1.07712     | 1.0      | -1.8326    | 3.8326      | 0.196706    | 0.590117    | 0.878788       | 0.015318      | false       |      |
                | orders        | count      | control   | 5     | 0.2     |          |            |             |          |            |             |             |             |                |               |             |      |
                | orders        | count      | treatment | 5     | 0.6     | 0.4      | -1.08067   | 1.88067     | 2.0      | -9.93757   | 13.9376     | 0.4062      | 0.590117    | 0.71045        | 0.654196      | false       |      |
                | revenue       | sum        | control   | 5     | 2.0     |          |            |             |          |            |             |             |             |                |               |             |      |
                | revenue       | sum        | treatment | 5     | 14.0    | 12.0     | -25.8827   | 49.8827     | 6.0      | -26.367    | 38.367      | 0.291613    | 0.590117    | 0.758737       | 1.21612       | false       |      |
                | aov           | ratio      | control   | 5     | 10.0    |          |            |             |          |            |             |             |             |                |               |             |      |
                | aov           | ratio      | treatment | 5     | 23.3333 | 13.3333  | 8.94531    | 17.7214     | 1.33333  | 0.894531   | 1.77214     | 3.21226e-14 | 1.2849e-13  | 1.0            | 3.59876e-16   | true        |      |
                +---------------+------------+-----------+-------+---------+----------+------------+-------------+----------+------------+-------------+-------------+-------------+----------------+---------------+-------------+------+
            "#]],
        );
    }

    fn events_before_exposure_and_units_in_two_arms_are_left_out() {
        let mut log = String::new();
        log += &ev("u1", 0, "Added to Cart", ""); // before u1's exposure: not counted
        log += &exposure("u1", 1, "control");
        log += &exposure("u2", 2, "control");
        log += &ev("u2", 3, "Added to Cart", ""); // counted
        log += &exposure("u3", 4, "treatment");
        log += &ev("u3", 5, "Added to Cart", "");
        log += &exposure("u4", 6, "treatment");
        log += &exposure("u5", 7, "control"); // u5 in both arms: left out, warned
        log += &exposure("u5", 8, "treatment");
        log += &ev("u5", 9, "Added to Cart", "");
        log += &exposure("", 10, "control"); // no unit: left out, counted
        log += "{\"userId\":42,\"event\":\"Experiment Viewed\",\"timestamp\":\"2026-10-01T00:11:00Z\",\"properties\":{\"experiment_id\":\"exp1\",\"variant\":\"treatment\"}}\n";
        log += &ev("u6", 12, "Experiment Viewed", "\"experiment_id\":\"exp1\""); // no arm
        log += &exposure("u7", 13, "treatment");
        log += &exposure("u7", 14, "treatment"); // second exposure, same arm: fine
        log += &ev("u8", 15, "Added to Cart", ""); // never exposed: not in the read-out
        let report = check(
            &log,
            "experiment: exp1\ncontrol: control\ncorrection: none\nmetric: cart = conversion \"Added to Cart\"\n",
            expect![[r#"
                srm: observed control=2,treatment=3 expected 2.5,2.5 p 0.654721 flagged false
                warning: 1 unit(s) were exposed to more than one arm and are left out of every arm
                warning: 2 exposure event(s) have no unit (`user_id` is NULL) and are left out
                warning: 1 exposure event(s) have no arm (`properties.variant` is NULL) and are left out
                +--------+------------+-----------+-------+----------+-----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | metric | kind       | arm       | units | value    | abs_lift  | abs_ci_low | abs_ci_high | rel_lift  | rel_ci_low | rel_ci_high | p_value  | adj_p_value | chance_to_beat | expected_loss | significant | note |
                +--------+------------+-----------+-------+----------+-----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | cart   | conversion | control   | 2     | 0.5      |           |            |             |           |            |             |          |             |                |               |             |      |
                | cart   | conversion | treatment | 3     | 0.333333 | -0.166667 | -1.04116   | 0.707825    | -0.333333 | -1.74467   | 1.078       | 0.709388 | 0.709388    | 0.371429       | 0.178571      | false       |      |
                +--------+------------+-----------+-------+----------+-----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
            "#]],
        )
        .unwrap();
        assert_eq!(report.exposures.multi_arm_units, 1);
        assert_eq!(report.exposures.null_unit_events, 2);
        assert_eq!(report.exposures.null_arm_events, 1);
    }

    fn zero_conversions_and_single_unit_arms_are_null_with_a_note() {
        let mut log = String::new();
        for (i, u) in ["u1", "u2", "u3"].iter().enumerate() {
            log += &exposure(u, i as u32, "control");
        }
        log += &exposure("u4", 5, "treatment");
        log += &ev("u4", 6, "Added to Cart", "");
        log += &ev("u4", 7, "Order Completed", "\"revenue\":5");
        check(
            &log,
            "experiment: exp1\ncontrol: control\nmetric: cart = conversion \"Added to Cart\"\nmetric: revenue = sum properties.revenue\nmetric: aov = ratio sum properties.revenue / count \"Order Completed\"\n",
            expect![[r#"
                srm: observed control=3,treatment=1 expected 2,2 p 0.317311 flagged false
                +---------+------------+-----------+-------+-------+----------+------------+-------------+----------+------------+-------------+-----------+-------------+----------------+---------------+-------------+---------------------------------------------------------------------------------------------------------------------------------------------------+
                | metric  | kind       | arm       | units | value | abs_lift | abs_ci_low | abs_ci_high | rel_lift | rel_ci_low | rel_ci_high | p_value   | adj_p_value | chance_to_beat | expected_loss | significant | note                                                                                                                                              |
                +---------+------------+-----------+-------+-------+----------+------------+-------------+----------+------------+-------------+-----------+-------------+----------------+---------------+-------------+---------------------------------------------------------------------------------------------------------------------------------------------------+
                | cart    | conversion | control   | 3     | 0.0   |          |            |             |          |            |             |           |             |                |               |             |                                                                                                                                                   |
                | cart    | conversion | treatment | 1     | 1.0   |          |            |             |          |            |             | 0.0455003 | 0.0455003   | 0.933333       | 0.00952381    | true        | both arms have zero variance, so the standard error is 0 and the test statistic 0/0; the control mean is 0, so a lift relative to it is undefined |
                | revenue | sum        | control   | 3     | 0.0   |          |            |             |          |            |             |           |             |                |               |             |                                                                                                                                                   |
                | revenue | sum        | treatment | 1     | 5.0   |          |            |             |          |            |             |           |             |                |               |             | treatment has one unit: a sample variance needs n ≥ 2                                                                                             |
                | aov     | ratio      | control   | 3     |       |          |            |             |          |            |             |           |             |                |               |             | control's denominator sums to 0, so its ratio is undefined                                                                                        |
                | aov     | ratio      | treatment | 1     | 5.0   |          |            |             |          |            |             |           |             |                |               |             | control's denominator sums to 0, so its ratio is undefined                                                                                        |
                +---------+------------+-----------+-------+-------+----------+------------+-------------+----------+------------+-------------+-----------+-------------+----------------+---------------+-------------+---------------------------------------------------------------------------------------------------------------------------------------------------+
            "#]],
        );
    }

    fn options_pass_through_to_the_statistics() {
        // One-sided with BH; sequential (always-valid, wider intervals); weights by name.
        check(
            &hand_log(),
            "experiment: exp1\ncontrol: control\nsides: greater\ncorrection: bh\nmetric: cart = conversion \"Added to Cart\"\nmetric: orders = count \"Order Completed\"\n",
            expect![[r#"
                srm: observed control=5,treatment=5 expected 5,5 p 1 flagged false
                +--------+------------+-----------+-------+-------+----------+------------+-------------+----------+------------+-------------+-----------+-------------+----------------+---------------+-------------+------+
                | metric | kind       | arm       | units | value | abs_lift | abs_ci_low | abs_ci_high | rel_lift | rel_ci_low | rel_ci_high | p_value   | adj_p_value | chance_to_beat | expected_loss | significant | note |
                +--------+------------+-----------+-------+-------+----------+------------+-------------+----------+------------+-------------+-----------+-------------+----------------+---------------+-------------+------+
                | cart   | conversion | control   | 5     | 0.4   |          |            |             |          |            |             |           |             |                |               |             |      |
                | cart   | conversion | treatment | 5     | 0.8   | 0.4      | -0.154362  |             | 1.0      | -1.31906   |             | 0.0983528 | 0.196706    | 0.878788       | 0.015318      | false       |      |
                | orders | count      | control   | 5     | 0.2   |          |            |             |          |            |             |           |             |                |               |             |      |
                | orders | count      | treatment | 5     | 0.6   | 0.4      | -0.699619  |             | 2.0      | -6.86541   |             | 0.2031    | 0.2031      | 0.71045        | 0.654196      | false       |      |
                +--------+------------+-----------+-------+-------+----------+------------+-------------+----------+------------+-------------+-----------+-------------+----------------+---------------+-------------+------+
            "#]],
        );
        check(
            &hand_log(),
            "experiment: exp1\ncontrol: control\nsequential: true\ncorrection: none\nsrm_weights: treatment=1, control=3\nmetric: cart = conversion \"Added to Cart\"\n",
            expect![[r#"
                srm: observed control=5,treatment=5 expected 7.5,2.5 p 0.0678892 flagged false
                +--------+------------+-----------+-------+-------+----------+------------+-------------+----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | metric | kind       | arm       | units | value | abs_lift | abs_ci_low | abs_ci_high | rel_lift | rel_ci_low | rel_ci_high | p_value  | adj_p_value | chance_to_beat | expected_loss | significant | note |
                +--------+------------+-----------+-------+-------+----------+------------+-------------+----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | cart   | conversion | control   | 5     | 0.4   |          |            |             |          |            |             |          |             |                |               |             |      |
                | cart   | conversion | treatment | 5     | 0.8   | 0.4      | -5.14601   | 5.94601     | 1.0      | -22.2006   | 24.2006     | 0.992279 | 0.992279    | 0.878788       | 0.015318      | false       |      |
                +--------+------------+-----------+-------+-------+----------+------------+-------------+----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
            "#]],
        );
        check(
            &hand_log(),
            "experiment: exp1\ncontrol: control\nsrm_weights: 1, 1, 1\nmetric: cart = conversion \"Added to Cart\"\n",
            expect![[r#"
                error: invalid_input error: srm_weights: 3 weights for 2 arms (control, treatment, in this order)
            "#]],
        );
        check(
            &hand_log(),
            "experiment: exp1\ncontrol: control\nsequential: true\nsides: less\nmetric: cart = conversion \"Added to Cart\"\n",
            expect![[r#"
                spec error: invalid_input error: the ab cell has errors:
                  line 3: `sequential: true` gives two-sided always-valid intervals only: use `sides: two` (the default)
            "#]],
        );
    }

    fn three_arms_put_control_first_and_correct_across_arms_and_metrics() {
        // `variant_b` converts more often; Holm runs over 2 arms × 2 metrics.
        let log = synthetic(5, &[("variant_a", 500, 0.3), ("variant_b", 500, 0.4), ("ctrl", 500, 0.3)]);
        check(
            &log,
            "experiment: exp1\ncontrol: ctrl\nmetric: cart = conversion \"Added to Cart\"\nmetric: revenue = sum properties.revenue\n",
            expect![[r#"
                srm: observed ctrl=500,variant_a=500,variant_b=500 expected 500,500,500 p 1 flagged false
                +---------+------------+-----------+-------+---------+----------+------------+-------------+------------+------------+-------------+-------------+--------------+----------------+---------------+-------------+------+
                | metric  | kind       | arm       | units | value   | abs_lift | abs_ci_low | abs_ci_high | rel_lift   | rel_ci_low | rel_ci_high | p_value     | adj_p_value  | chance_to_beat | expected_loss | significant | note |
                +---------+------------+-----------+-------+---------+----------+------------+-------------+------------+------------+-------------+-------------+--------------+----------------+---------------+-------------+------+
                | cart    | conversion | ctrl      | 500   | 0.302   |          |            |             |            |            |             |             |              |                |               |             |      |
                | cart    | conversion | variant_a | 500   | 0.268   | -0.034   | -0.0979466 | 0.0299466   | -0.112583  | -0.312334  | 0.0871687   | 0.233695    | 0.46739      | 0.117172       | 0.0354994     | false       |      |
                | cart    | conversion | variant_b | 500   | 0.408   | 0.106    | 0.0339948  | 0.178005    | 0.350993   | 0.0704423  | 0.631544    | 0.000460862 | 0.00138259   | 0.99977        | 1.74842e-6    | true        |      |
                | revenue | sum        | ctrl      | 500   | 13.7903 |          |            |             |            |            |             |             |              |                |               |             |      |
                | revenue | sum        | variant_a | 500   | 13.1433 | -0.64704 | -4.38504   | 3.09096     | -0.0469198 | -0.311915  | 0.218075    | 0.697678    | 0.697678     | 0.345514       | 0.0742263     | false       |      |
                | revenue | sum        | variant_b | 500   | 22.1707 | 8.38034  | 3.7313     | 13.0294     | 0.607696   | 0.179311   | 1.03608     | 7.26105e-6  | 0.0000290442 | 0.999807       | 8.19824e-6    | true        |      |
                +---------+------------+-----------+-------+---------+----------+------------+-------------+------------+------------+-------------+-------------+--------------+----------------+---------------+-------------+------+
            "#]],
        );
    }

    fn a_single_arm_is_an_error() {
        check(
            &synthetic(5, &[("ctrl", 20, 0.3)]),
            "experiment: exp1\ncontrol: ctrl\nmetric: cart = conversion \"Added to Cart\"\n",
            expect![[r#"
                error: invalid_input error: experiment `exp1` has only the arm `ctrl` (after leaving out units seen in several arms): a read-out needs the control and at least one other arm
            "#]],
        );
    }

    fn unknown_control_lists_the_arms() {
        check(
            &hand_log(),
            "experiment: exp1\ncontrol: Control\nmetric: cart = conversion \"Added to Cart\"\n",
            expect![[r#"
                error: invalid_input error: control `Control` is not an arm of experiment `exp1`; arms seen in `properties.variant`: `control`, `treatment`
            "#]],
        );
    }

    fn unknown_experiment_lists_the_values_seen() {
        check(
            &hand_log(),
            "experiment: exp2\ncontrol: control\nmetric: cart = conversion \"Added to Cart\"\n",
            expect![[r#"
                error: invalid_input error: no exposures found: no event has properties.experiment_id = `exp2` (values seen: `exp1`)
            "#]],
        );
    }

    fn unknown_columns_and_missing_timestamps_are_clear_errors() {
        check(
            &hand_log(),
            "experiment: exp1\ncontrol: control\nmetric: revenue = sum properties.revenu\n",
            expect![[r#"
                error: invalid_input error: metric `revenue` (line 3): the log has no column `properties.revenu`; did you mean `properties.revenue`?
            "#]],
        );
        check(
            "{\"userId\":\"u1\",\"event\":\"x\",\"properties\":{\"experiment_id\":\"exp1\",\"variant\":\"a\"}}\n",
            "experiment: exp1\ncontrol: a\nmetric: n = count\n",
            expect![[r#"
                error: invalid_input error: the log has no timestamp column (`timestamp` or `ts`): an A/B read-out counts metric events only at or after each unit's exposure, so it needs event times (name another column with `time_column:`)
            "#]],
        );
    }

    fn spec_errors_have_line_numbers() {
        check(
            "",
            concat!(
                "experiment: exp1\n",
                "# control is missing\n",
                "alpha: 1.5\n",
                "metric: cart = conversion Added to Cart\n",
                "metric: rev = sum\n",
                "metric: x = ratio count \"a\" count \"b\"\n",
                "sides: up\n",
                "colour: blue\n",
                "contrl: a\n",
                "cap: rev 150%\n",
                "cap: nothing 5\n",
                "experiment: exp2\n",
                "just words\n",
            ),
            expect![[r#"
                spec error: invalid_input error: the ab cell has errors:
                  line 3: `alpha` must be a number strictly between 0 and 1, got `1.5`
                  line 4: metric `cart`: a conversion needs a quoted event name: `conversion "Added to Cart"`
                  line 5: metric `rev`: `sum` needs a column name
                  line 6: metric `x`: a ratio needs `/` between numerator and denominator
                  line 7: sides must be `two`, `greater` or `less`, got `up`
                  line 8: unknown key `colour`; keys are experiment, experiment_column, variant_column, control, unit, event_column, time_column, alpha, sides, correction, srm_weights, srm_threshold, sequential, cuped, breakdown, metric, cap
                  line 9: unknown key `contrl`; did you mean `control`?
                  line 10: cap: the percentile must lie strictly between 0% and 100%, got `150%`
                  line 11: cap: no metric `nothing` (none is defined)
                  line 12: `experiment` is given twice (first on line 1)
                  line 13: expected `key: value`, got `just words`
                  `control:` is missing (the control arm's name)
                  no `metric:` line: name at least one metric to compare
            "#]],
        );
    }

    fn spec_accepts_every_documented_form() {
        let spec = AbSpec::parse(concat!(
            "experiment: \"rec # 2\"   # quoted values keep their #\n",
            "control: control\n",
            "unit: anonymous_id\n",
            "sides: two\n",
            "correction: bh\n",
            "srm_weights: control=2, treatment=1\n",
            "sequential: true\n",
            "cuped: 14d\n",
            "breakdown: context.device.type\n",
            "metric: c = conversion \"Added to Cart\"\n",
            "metric: n = count\n",
            "metric: r = sum properties.revenue \"Order Completed\"\n",
            "metric: aov = ratio sum properties.revenue \"Order Completed\" / count \"Order Completed\"\n",
            "cap: r 99.5%\n",
            "cap: n 10\n",
        ))
        .unwrap();
        assert_eq!(spec.experiment, "rec # 2");
        assert_eq!(spec.unit, "anonymous_id");
        assert_eq!(spec.metrics.len(), 4);
        assert_eq!(spec.metrics[2].cap, Some(ab::Cap::Percentile(99.5)));
        assert_eq!(spec.metrics[1].cap, Some(ab::Cap::Value(10.0)));
        assert_eq!(spec.srm_weights, ab::SrmWeights::Named(vec![("control".into(), 2.0), ("treatment".into(), 1.0)]));
        assert!(spec.sequential);
        assert_eq!(spec.cuped_days, Some(14));
        assert_eq!(spec.breakdown.as_deref(), Some("context.device.type"));
    }

    fn caps_limit_per_unit_values_before_summing() {
        // Revenue per unit: control [10, 20, 30, 1000], treatment [15, 25, 35, 45].
        let mut log = String::new();
        for (i, (u, arm, revenue)) in [
            ("u1", "control", 10), ("u2", "control", 20), ("u3", "control", 30), ("u4", "control", 1000),
            ("u5", "treatment", 15), ("u6", "treatment", 25), ("u7", "treatment", 35), ("u8", "treatment", 45),
        ].iter().enumerate() {
            log += &exposure(u, i as u32, arm);
            log += &ev(u, 20 + i as u32, "Order Completed", &format!("\"revenue\":{revenue}"));
        }
        // Nearest-rank 75th percentile of the 8 values: rank ⌈6⌉ = 6 → 35.
        check(
            &log,
            "experiment: exp1\ncontrol: control\ncorrection: none\nmetric: revenue = sum properties.revenue\nmetric: fixed = sum properties.revenue\nmetric: raw = sum properties.revenue\ncap: revenue 75%\ncap: fixed 40\n",
            expect![[r#"
                srm: observed control=4,treatment=4 expected 4,4 p 1 flagged false
                warning: `revenue`: per-unit values capped at 35 (the 75th percentile of all arms' units, exact nearest rank); 2 unit(s) were above it
                warning: `fixed`: per-unit values capped at 40 (a fixed cap); 2 unit(s) were above it
                +---------+------+-----------+-------+-------+----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | metric  | kind | arm       | units | value | abs_lift | abs_ci_low | abs_ci_high | rel_lift  | rel_ci_low | rel_ci_high | p_value  | adj_p_value | chance_to_beat | expected_loss | significant | note |
                +---------+------+-----------+-------+-------+----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | revenue | sum  | control   | 4     | 23.75 |          |            |             |           |            |             |          |             |                |               |             |      |
                | revenue | sum  | treatment | 4     | 27.5  | 3.75     | -14.2645   | 21.7645     | 0.157895  | -0.671334  | 0.987123    | 0.627324 | 0.627324    | 0.680224       | 0.0700411     | false       |      |
                | fixed   | sum  | control   | 4     | 25.0  |          |            |             |           |            |             |          |             |                |               |             |      |
                | fixed   | sum  | treatment | 4     | 28.75 | 3.75     | -17.1855   | 24.6855     | 0.15      | -0.76183   | 1.06183     | 0.675184 | 0.675184    | 0.657175       | 0.0847902     | false       |      |
                | raw     | sum  | control   | 4     | 265.0 |          |            |             |           |            |             |          |             |                |               |             |      |
                | raw     | sum  | treatment | 4     | 30.0  | -235.0   | -1014.47   | 544.467     | -0.886792 | -1.22856   | -0.545028   | 0.408338 | 0.408338    | 7.84292e-17    | 0.886792      | false       |      |
                +---------+------+-----------+-------+-------+----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
            "#]],
        );
    }

    fn cuped_narrows_the_interval_with_pre_exposure_history() {
        let (log, pairs) = with_history(3, 400, 0.05);
        let metrics = "metric: orders = count \"Order Completed\"\nmetric: revenue = sum properties.revenue\nmetric: buyers = conversion \"Order Completed\"\n";
        let plain = check(&log, &format!("experiment: exp1\ncontrol: a\n{metrics}"), expect![[r#"
            srm: observed a=200,b=200 expected 200,200 p 1 flagged false
            +---------+------------+-----+-------+-------+----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
            | metric  | kind       | arm | units | value | abs_lift | abs_ci_low | abs_ci_high | rel_lift  | rel_ci_low | rel_ci_high | p_value  | adj_p_value | chance_to_beat | expected_loss | significant | note |
            +---------+------------+-----+-------+-------+----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
            | orders  | count      | a   | 200   | 6.6   |          |            |             |           |            |             |          |             |                |               |             |      |
            | orders  | count      | b   | 200   | 7.0   | 0.4      | -0.52596   | 1.32596     | 0.0606061 | -0.0839386 | 0.205151    | 0.299644 | 0.599287    | 0.843281       | 0.00493303    | false       |      |
            | revenue | sum        | a   | 200   | 66.0  |          |            |             |           |            |             |          |             |                |               |             |      |
            | revenue | sum        | b   | 200   | 70.0  | 4.0      | -5.2596    | 13.2596     | 0.0606061 | -0.0839386 | 0.205151    | 0.299644 | 0.599287    | 0.843281       | 0.00493303    | false       |      |
            | buyers  | conversion | a   | 200   | 0.95  |          |            |             |           |            |             |          |             |                |               |             |      |
            | buyers  | conversion | b   | 200   | 0.975 | 0.025    | -0.0203831 | 0.0703831   | 0.0263158 | -0.0222904 | 0.074922    | 0.188206 | 0.564619    | 0.899566       | 0.000953004   | false       |      |
            +---------+------------+-----+-------+-------+----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
        "#]]).unwrap();
        let cuped = check(&log, &format!("experiment: exp1\ncontrol: a\ncuped: 14\n{metrics}"), expect![[r#"
            srm: observed a=200,b=200 expected 200,200 p 1 flagged false
            +---------+------------+-----+-------+-------+----------+------------+-------------+-----------+------------+-------------+-------------+-------------+----------------+---------------+-------------+------------------------------------------------------------------------+
            | metric  | kind       | arm | units | value | abs_lift | abs_ci_low | abs_ci_high | rel_lift  | rel_ci_low | rel_ci_high | p_value     | adj_p_value | chance_to_beat | expected_loss | significant | note                                                                   |
            +---------+------------+-----+-------+-------+----------+------------+-------------+-----------+------------+-------------+-------------+-------------+----------------+---------------+-------------+------------------------------------------------------------------------+
            | orders  | count      | a   | 200   | 6.6   |          |            |             |           |            |             |             |             |                |               |             |                                                                        |
            | orders  | count      | b   | 200   | 7.0   | 0.755029 | 0.260781   | 1.24928     | 0.114398  | 0.0370926  | 0.191704    | 0.000272894 | 0.000818683 | 0.999813       | 1.49236e-6    | true        | CUPED (14 days before exposure): variance of the lift reduced by 71.5% |
            | revenue | sum        | a   | 200   | 66.0  |          |            |             |           |            |             |             |             |                |               |             |                                                                        |
            | revenue | sum        | b   | 200   | 70.0  | 7.55029  | 2.92488    | 12.1757     | 0.114398  | 0.0420519  | 0.186745    | 0.000272894 | 0.000818683 | 0.999813       | 1.49236e-6    | true        | CUPED (14 days before exposure): variance of the lift reduced by 71.5% |
            | buyers  | conversion | a   | 200   | 0.95  |          |            |             |           |            |             |             |             |                |               |             |                                                                        |
            | buyers  | conversion | b   | 200   | 0.975 | 0.025    | -0.0121554 | 0.0621554   | 0.0263158 | -0.0134783 | 0.0661099   | 0.188206    | 0.188206    | 0.899566       | 0.000953004   | false       |                                                                        |
            +---------+------------+-----+-------+-------+----------+------------+-------------+-----------+------------+-------------+-------------+-------------+----------------+---------------+-------------+------------------------------------------------------------------------+
        "#]]).unwrap();
        let width = |r: &AbReport| {
            let lo: f64 = cell(r, "orders", "b", "abs_ci_low").parse().unwrap();
            let hi: f64 = cell(r, "orders", "b", "abs_ci_high").parse().unwrap();
            hi - lo
        };
        assert!(width(&cuped) < 0.7 * width(&plain), "CUPED {} vs plain {}", width(&cuped), width(&plain));
        // The SQL sums give what glint-stats gives on the raw per-unit pairs.
        let reference = glint_stats::compare_cuped(
            &glint_stats::CupedStats::from_pairs(&pairs[0]),
            &glint_stats::CupedStats::from_pairs(&pairs[1]),
            &glint_stats::TestOptions::default(),
        )
        .unwrap();
        let lift = reference.absolute.value().unwrap().estimate;
        let p = reference.test.value().unwrap().p_value;
        let close = |got: String, want: f64| {
            let got: f64 = got.parse().unwrap();
            assert!((got - want).abs() <= 1e-9 * want.abs().max(1e-300), "{got} vs {want}");
        };
        close(cell(&cuped, "orders", "b", "abs_lift"), lift);
        close(cell(&cuped, "orders", "b", "p_value"), p);
        // The unadjusted means are shown either way.
        assert_eq!(cell(&cuped, "orders", "a", "value"), cell(&plain, "orders", "a", "value"));
    }

    fn breakdown_reads_out_each_segment_outside_the_correction() {
        let spec = glint_engine::sample::SampleSpec { users: 1_500, days: 2, ..Default::default() };
        let mut log = String::from_utf8(glint_engine::sample::generate(&spec)).unwrap();
        // A segment where only the control has units is left out with a warning.
        log += "{\"userId\":\"solo\",\"event\":\"Experiment Viewed\",\"timestamp\":\"2026-10-01T00:00:00Z\",\"properties\":{\"experiment_id\":\"rec_model_v2\",\"variant\":\"control\"},\"context\":{\"device\":{\"type\":\"watch\"}}}\n";
        let report = check(
            &log,
            "experiment: rec_model_v2\ncontrol: control\nbreakdown: context.device.type\nmetric: added_to_cart = conversion \"Added to Cart\"\n",
            expect![[r#"
                srm: observed control=312,treatment=290 expected 301,301 p 0.369904 flagged false
                warning: 26 exposure event(s) have no unit (`user_id` is NULL) and are left out
                warning: breakdown `context.device.type` = `watch` is left out: only the control has units there
                +---------+---------------+------------+-----------+-------+----------+-----------+-------------+-------------+-----------+------------+-------------+------------+-------------+----------------+---------------+-------------+------------------------------------------------------------------------+
                | segment | metric        | kind       | arm       | units | value    | abs_lift  | abs_ci_low  | abs_ci_high | rel_lift  | rel_ci_low | rel_ci_high | p_value    | adj_p_value | chance_to_beat | expected_loss | significant | note                                                                   |
                +---------+---------------+------------+-----------+-------+----------+-----------+-------------+-------------+-----------+------------+-------------+------------+-------------+----------------+---------------+-------------+------------------------------------------------------------------------+
                | (all)   | added_to_cart | conversion | control   | 312   | 0.509615 |           |             |             |           |            |             |            |             |                |               |             |                                                                        |
                | (all)   | added_to_cart | conversion | treatment | 290   | 0.631034 | 0.121419  | 0.0429263   | 0.199912    | 0.238256  | 0.0649318  | 0.411581    | 0.00265476 | 0.00265476  | 0.998669       | 0.0000151797  | true        |                                                                        |
                | desktop | added_to_cart | conversion | control   | 96    | 0.489583 |           |             |             |           |            |             |            |             |                |               |             |                                                                        |
                | desktop | added_to_cart | conversion | treatment | 104   | 0.692308 | 0.202724  | 0.0690542   | 0.336395    | 0.414075  | 0.0731263  | 0.755024    | 0.00352497 |             | 0.998198       | 0.0000359179  | true        | breakdown rows are exploratory: not corrected for multiple comparisons |
                | mobile  | added_to_cart | conversion | control   | 114   | 0.535088 |           |             |             |           |            |             |            |             |                |               |             |                                                                        |
                | mobile  | added_to_cart | conversion | treatment | 100   | 0.56     | 0.0249123 | -0.108685   | 0.158509    | 0.0465574 | -0.208641  | 0.301756    | 0.714922   |             | 0.64144        | 0.0164291     | false       | breakdown rows are exploratory: not corrected for multiple comparisons |
                | tablet  | added_to_cart | conversion | control   | 101   | 0.50495  |           |             |             |           |            |             |            |             |                |               |             |                                                                        |
                | tablet  | added_to_cart | conversion | treatment | 86    | 0.639535 | 0.134584  | -0.00614575 | 0.275315    | 0.26653   | -0.0500141 | 0.583074    | 0.0641551  |             | 0.967306       | 0.00092258    | false       | breakdown rows are exploratory: not corrected for multiple comparisons |
                +---------+---------------+------------+-----------+-------+----------+-----------+-------------+-------------+-----------+------------+-------------+------------+-------------+----------------+---------------+-------------+------------------------------------------------------------------------+
            "#]],
        )
        .unwrap();
        // Segment units add up to the main rows' units.
        let b = &report.table.batches[0];
        let segments = b.column_by_name("segment").unwrap().as_string::<i32>();
        let units = b.column_by_name("units").unwrap().as_primitive::<arrow::datatypes::Int64Type>();
        let total = |all: bool| -> i64 {
            (0..b.num_rows()).filter(|&r| (segments.value(r) == ab::ALL_SEGMENTS) == all).map(|r| units.value(r)).sum()
        };
        assert_eq!(total(true), total(false) + 1, "the left-out `watch` segment holds one unit");
    }

    fn sample_log_detects_the_planted_cart_effect() {
        let spec = glint_engine::sample::SampleSpec { users: 4_000, days: 3, ..Default::default() };
        let log = String::from_utf8(glint_engine::sample::generate(&spec)).unwrap();
        let report = check(
            &log,
            concat!(
                "experiment: rec_model_v2\n",
                "control: control\n",
                "metric: added_to_cart = conversion \"Added to Cart\"\n",
                "metric: orders = count \"Order Completed\"\n",
                "metric: revenue = sum properties.revenue \"Order Completed\"\n",
                "metric: aov = ratio sum properties.revenue \"Order Completed\" / count \"Order Completed\"\n",
                "cap: revenue 99%\n",
            ),
            expect![[r#"
                srm: observed control=1068,treatment=1014 expected 1041,1041 p 0.236627 flagged false
                warning: 107 exposure event(s) have no unit (`user_id` is NULL) and are left out
                warning: `revenue`: per-unit values capped at 803.3 (the 99th percentile of all arms' units, exact nearest rank); 20 unit(s) were above it
                +---------------+------------+-----------+-------+----------+-----------+-------------+-------------+-------------+------------+-------------+------------+-------------+----------------+---------------+-------------+------+
                | metric        | kind       | arm       | units | value    | abs_lift  | abs_ci_low  | abs_ci_high | rel_lift    | rel_ci_low | rel_ci_high | p_value    | adj_p_value | chance_to_beat | expected_loss | significant | note |
                +---------------+------------+-----------+-------+----------+-----------+-------------+-------------+-------------+------------+-------------+------------+-------------+----------------+---------------+-------------+------+
                | added_to_cart | conversion | control   | 1068  | 0.582397 |           |             |             |             |            |             |            |             |                |               |             |      |
                | added_to_cart | conversion | treatment | 1014  | 0.659763 | 0.0773663 | 0.0244349   | 0.130298    | 0.132841    | 0.0356461  | 0.230036    | 0.00027761 | 0.00111044  | 0.999862       | 7.17165e-7    | true        |      |
                | orders        | count      | control   | 1068  | 0.323034 |           |             |             |             |            |             |            |             |                |               |             |      |
                | orders        | count      | treatment | 1014  | 0.381657 | 0.0586231 | -0.00160855 | 0.118855    | 0.181477    | -0.0207887 | 0.383742    | 0.0197992  | 0.0593975   | 0.98421        | 0.000475532   | false       |      |
                | revenue       | sum        | control   | 1068  | 79.4669  |           |             |             |             |            |             |            |             |                |               |             |      |
                | revenue       | sum        | treatment | 1014  | 93.5115  | 14.0447   | -3.99273    | 32.0821     | 0.176736    | -0.0698843 | 0.423357    | 0.0622429  | 0.124486    | 0.957011       | 0.00180581    | false       |      |
                | aov           | ratio      | control   | 1068  | 249.488  |           |             |             |             |            |             |            |             |                |               |             |      |
                | aov           | ratio      | treatment | 1014  | 247.644  | -1.84412  | -33.6714    | 29.9832     | -0.00739162 | -0.134433  | 0.11965     | 0.889679   | 0.889679    | 0.444611       | 0.0250715     | false       |      |
                +---------------+------------+-----------+-------+----------+-----------+-------------+-------------+-------------+------------+-------------+------------+-------------+----------------+---------------+-------------+------+
            "#]],
        )
        .unwrap();
        assert_eq!(cell(&report, "added_to_cart", "treatment", "significant"), "true");
        assert!(cell(&report, "added_to_cart", "treatment", "abs_lift").parse::<f64>().unwrap() > 0.0);
        assert!(!report.srm.flagged);
    }

    fn a_a_split_is_not_significant_and_has_no_srm() {
        let log = synthetic(7, &[("a", 1000, 0.3), ("b", 1000, 0.3)]);
        let report = check(
            &log,
            "experiment: exp1\ncontrol: a\nmetric: cart = conversion \"Added to Cart\"\nmetric: revenue = sum properties.revenue\n",
            expect![[r#"
                srm: observed a=1000,b=1000 expected 1000,1000 p 1 flagged false
                +---------+------------+-----+-------+---------+----------+------------+-------------+------------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | metric  | kind       | arm | units | value   | abs_lift | abs_ci_low | abs_ci_high | rel_lift   | rel_ci_low | rel_ci_high | p_value  | adj_p_value | chance_to_beat | expected_loss | significant | note |
                +---------+------------+-----+-------+---------+----------+------------+-------------+------------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | cart    | conversion | a   | 1000  | 0.311   |          |            |             |            |            |             |          |             |                |               |             |      |
                | cart    | conversion | b   | 1000  | 0.319   | 0.008    | -0.0385607 | 0.0545607   | 0.0257235  | -0.125914  | 0.177361    | 0.700163 | 0.974299    | 0.649816       | 0.00489137    | false       |      |
                | revenue | sum        | a   | 1000  | 16.2634 |          |            |             |            |            |             |          |             |                |               |             |      |
                | revenue | sum        | b   | 1000  | 15.3769 | -0.88651 | -3.74779   | 1.97477     | -0.0545094 | -0.22558   | 0.116561    | 0.48715  | 0.974299    | 0.237386       | 0.0651369     | false       |      |
                +---------+------------+-----+-------+---------+----------+------------+-------------+------------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
            "#]],
        )
        .unwrap();
        assert_eq!(cell(&report, "cart", "b", "significant"), "false");
        assert_eq!(cell(&report, "revenue", "b", "significant"), "false");
        assert!(!report.srm.flagged);
    }

    fn a_600_400_split_of_a_50_50_design_is_flagged() {
        let log = synthetic(11, &[("control", 600, 0.3), ("treatment", 400, 0.3)]);
        let report = check(
            &log,
            "experiment: exp1\ncontrol: control\nsrm_weights: 1, 1\nmetric: cart = conversion \"Added to Cart\"\n",
            expect![[r#"
                srm: observed control=600,treatment=400 expected 500,500 p 2.53963e-10 flagged true
                warning: sample ratio mismatch: units per arm (control 600, treatment 400) are not the intended split (expected 500.0, 500.0; p = 2.540e-10 < 0.001): assignment or logging is likely broken, so the comparisons cannot be trusted
                +--------+------------+-----------+-------+----------+-----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | metric | kind       | arm       | units | value    | abs_lift  | abs_ci_low | abs_ci_high | rel_lift  | rel_ci_low | rel_ci_high | p_value  | adj_p_value | chance_to_beat | expected_loss | significant | note |
                +--------+------------+-----------+-------+----------+-----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
                | cart   | conversion | control   | 600   | 0.298333 |           |            |             |           |            |             |          |             |                |               |             |      |
                | cart   | conversion | treatment | 400   | 0.3275   | 0.0291667 | -0.0296157 | 0.087949    | 0.0977654 | -0.106957  | 0.302488    | 0.328578 | 0.328578    | 0.836691       | 0.00256103    | false       |      |
                +--------+------------+-----------+-------+----------+-----------+------------+-------------+-----------+------------+-------------+----------+-------------+----------------+---------------+-------------+------+
            "#]],
        )
        .unwrap();
        assert!(report.srm.flagged);
        assert_eq!(report.srm.observed, vec![600, 400]);
    }
}
