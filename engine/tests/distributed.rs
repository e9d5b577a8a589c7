//! The coordinator / partition-worker split as data: for each query, how the
//! plan is cut (what runs in every partition worker) and that the answer
//! equals a single local session's. Partition workers are in-process
//! sessions here ([`InProcess`]); in the browser they are web workers
//! speaking the same [`CutRequest`] / encoded-cuts protocol.

use expect_test::{Expect, expect};
use glint_engine::distributed::InProcess;
use glint_engine::ingest::{IngestOptions, ingest};
use glint_engine::session::{Session, SessionOptions};
use glint_engine::table::to_pretty;

#[path = "support/mod.rs"]
#[macro_use]
mod support;

use support::{block_on_engine, ev};

const WORKERS: usize = 3;

fn log() -> String {
    let mut s = String::new();
    for (i, (user, event, props)) in [
        ("u1", "Experiment Viewed", r#""experiment_id":"x","variant":"a""#),
        ("u1", "Product Viewed", r#""vertical":"food""#),
        ("u2", "Experiment Viewed", r#""experiment_id":"x","variant":"b""#),
        ("u1", "Added to Cart", r#""vertical":"food""#),
        ("u2", "Product Viewed", r#""vertical":"home""#),
        ("u3", "Product Viewed", r#""vertical":"food""#),
        ("u2", "Order Completed", r#""revenue":12.5"#),
        ("u1", "Order Completed", r#""revenue":3"#),
        ("", "Product Viewed", r#""vertical":"food""#),
    ]
    .iter()
    .enumerate()
    {
        s += &ev(user, 30 * i as u32, event, props);
    }
    s
}

/// The split's description, then the answer, which must equal a local
/// session's (1 partition) byte for byte.
fn check(sql: &str, expect: Expect) {
    let log = log();
    let data = ingest(log.as_bytes(), WORKERS, &IngestOptions::default()).unwrap();
    let coordinator = InProcess::coordinator(&data).unwrap();
    let local = Session::new(&ingest(log.as_bytes(), 1, &IngestOptions::default()).unwrap(), &SessionOptions::default()).unwrap();
    let show = |r: Result<glint_engine::session::QueryOutput, glint_engine::EngineError>| match r {
        Ok(out) => to_pretty(&out.batches).unwrap(),
        Err(e) => format!("error: {e}"),
    };
    let split = block_on_engine(coordinator.describe_split(sql)).unwrap_or_else(|e| format!("error: {e}\n"));
    let got = show(block_on_engine(coordinator.sql(sql)));
    assert_eq!(got, show(block_on_engine(local.sql(sql))), "workers disagree with a local session");
    expect.assert_eq(&format!("{split}{got}\n"));
}

checks! {
    fn counts_per_event_aggregate_partially_in_the_workers() {
        check("SELECT event, count(*) AS n FROM events GROUP BY event ORDER BY event", expect![[r#"
            subtrees
              AggregateExec(Partial) ← EventsScanExec
            +-------------------+---+
            | event             | n |
            +-------------------+---+
            | Added to Cart     | 1 |
            | Experiment Viewed | 2 |
            | Order Completed   | 2 |
            | Product Viewed    | 4 |
            +-------------------+---+
        "#]]);
    }

    fn distinct_users_per_day() {
        check(
            "SELECT date_trunc('day', ts) AS day, count(DISTINCT user_id) AS users FROM events GROUP BY 1 ORDER BY 1",
            expect![[r#"
                subtrees
                  AggregateExec(Partial) ← EventsScanExec
                +----------------------+-------+
                | day                  | users |
                +----------------------+-------+
                | 2026-10-01T00:00:00Z | 3     |
                +----------------------+-------+
            "#]],
        );
    }

    fn filters_and_sums_run_in_the_workers() {
        check(
            "SELECT sum(properties['revenue']) AS gmv, avg(properties['revenue']) AS aov FROM events WHERE event = 'Order Completed'",
            expect![[r#"
                subtrees
                  AggregateExec(Partial) ← FilterExec ← ProjectionExec ← EventsScanExec
                +------+------+
                | gmv  | aov  |
                +------+------+
                | 15.5 | 7.75 |
                +------+------+
            "#]],
        );
    }

    fn rows_keep_input_order() {
        check("SELECT _line, user_id, event FROM events WHERE user_id <> 'u2' LIMIT 4", expect![[r#"
            subtrees
              FilterExec ← EventsScanExec
            +-------+---------+-------------------+
            | _line | user_id | event             |
            +-------+---------+-------------------+
            | 1     | u1      | Experiment Viewed |
            | 2     | u1      | Product Viewed    |
            | 4     | u1      | Added to Cart     |
            | 6     | u3      | Product Viewed    |
            +-------+---------+-------------------+
        "#]]);
    }

    fn a_join_of_events_with_itself() {
        check(
            "SELECT e.properties['variant'] AS variant, count(DISTINCT o.user_id) AS buyers \
             FROM events e JOIN events o ON e.user_id = o.user_id AND o.ts >= e.ts \
             WHERE e.event = 'Experiment Viewed' AND o.event = 'Order Completed' GROUP BY 1 ORDER BY 1",
            expect![[r#"
                subtrees
                  FilterExec ← ProjectionExec ← EventsScanExec
                  FilterExec ← EventsScanExec
                +---------+--------+
                | variant | buyers |
                +---------+--------+
                | a       | 1      |
                | b       | 1      |
                +---------+--------+
            "#]],
        );
    }

    fn a_scalar_subquery_stays_with_the_coordinator() {
        check(
            "SELECT count(*) AS n FROM events WHERE ts >= (SELECT max(ts) FROM events WHERE event = 'Product Viewed')",
            expect![[r#"
                subtrees
                  EventsScanExec
                  AggregateExec(Partial) ← FilterExec ← EventsScanExec
                +---+
                | n |
                +---+
                | 1 |
                +---+
            "#]],
        );
    }

    fn values_make_the_workers_send_scans() {
        check(
            "SELECT v.label, count(*) AS n FROM events JOIN (VALUES ('food', 'Food'), ('home', 'Home')) AS v(vertical, label) \
             ON events.properties['vertical'] = v.vertical GROUP BY 1 ORDER BY 1",
            expect![[r#"
                scans
                  EventsScanExec
                +-------+---+
                | label | n |
                +-------+---+
                | Food  | 4 |
                | Home  | 1 |
                +-------+---+
            "#]],
        );
    }

    fn a_query_planned_differently_in_the_workers_falls_back_to_scans() {
        // `now()` is folded to a constant when planning: the workers' plans print
        // another instant than the coordinator's, so the cuts do not match.
        check("SELECT count(*) AS n FROM events WHERE ts < now()", expect![[r#"
            subtrees
              AggregateExec(Partial) ← FilterExec ← EventsScanExec
            +---+
            | n |
            +---+
            | 9 |
            +---+
        "#]]);
    }

    fn errors_are_the_same_as_local() {
        check("SELECT CAST(event AS INT) FROM events", expect![[r#"
            subtrees
              ProjectionExec ← CooperativeExec ← EventsScanExec
            error: execution error: Arrow error: Cast error: Cannot cast string 'Experiment Viewed' to value of Int32 type
            hint: the text 'Experiment Viewed' was compared with or converted to Int32: quote the value ('…') to compare as text, or filter the column to numeric strings before casting
        "#]]);
        check("SELECT nope FROM events", expect![[r#"
            error: sql error: Schema error: No field named nope.
            Valid fields are events."userId", events.event, events.timestamp, events.properties, events.user_id, events.ts, events._line, events._offset.
            error: sql error: Schema error: No field named nope.
            Valid fields are events."userId", events.event, events.timestamp, events.properties, events.user_id, events.ts, events._line, events._offset.
            hint: unknown column `nope`; run `SELECT * FROM events LIMIT 5` to see the columns
        "#]]);
    }

    fn earlier_results_are_joined_in_the_coordinator() {
        let log = log();
        let data = ingest(log.as_bytes(), WORKERS, &IngestOptions::default()).unwrap();
        let coordinator = InProcess::coordinator(&data).unwrap();
        let buyers = block_on_engine(coordinator.sql("SELECT DISTINCT user_id FROM events WHERE event = 'Order Completed'")).unwrap();
        coordinator.register_result("buyers", &buyers).unwrap();
        let sql = "SELECT event, count(*) AS n FROM events JOIN buyers USING (user_id) GROUP BY event ORDER BY event";
        let split = block_on_engine(coordinator.describe_split(sql)).unwrap();
        let out = to_pretty(&block_on_engine(coordinator.sql(sql)).unwrap().batches).unwrap();
        expect![[r#"
            scans
              EventsScanExec
            +-------------------+---+
            | event             | n |
            +-------------------+---+
            | Added to Cart     | 1 |
            | Experiment Viewed | 2 |
            | Order Completed   | 2 |
            | Product Viewed    | 2 |
            +-------------------+---+
        "#]].assert_eq(&format!("{split}{out}\n"));
    }
}
