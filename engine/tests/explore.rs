//! Event-explorer checks as data: each case is an NDJSON log, an explorer
//! request (or a filter) and the expected rendering. Expected numbers are
//! hand-computed in the comments next to each case.
//!
//! Every case runs with 1, 3 and 7 partitions (ingest byte ranges and
//! DataFusion's target partitions) and all renderings must be identical
//! before the expectation is compared.
//!
//! Update expectations with `UPDATE_EXPECT=1 cargo test ... --test explore`
//! (then check every changed number by hand).

use expect_test::{Expect, expect};
use glint_engine::explore;
use glint_protocol::explore::{Condition, ExploreRequest, ExploreResult, Filter, Op, TimeBucket};

#[path = "support/mod.rs"]
#[macro_use]
mod support;

use support::{LAYOUTS, Layout, session_in, block_on_engine};

fn check(log: &str, request: ExploreRequest, expect: Expect) {
    let reference = run(log, &request, LAYOUTS[0]);
    for n in &LAYOUTS[1..] {
        assert_eq!(run(log, &request, *n), reference, "{n:?} disagrees with {:?}", LAYOUTS[0]);
    }
    expect.assert_eq(&reference);
}

fn run(log: &str, request: &ExploreRequest, layout: Layout) -> String {
    let session = session_in(log, layout);
    match block_on_engine(explore::run(&session, request)) {
        Ok(result) => render(&result),
        Err(e) => format!("error: {e}\n"),
    }
}

fn value(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("NULL")
}

/// Estimates within 3% of a round number render as that number with `~`
/// (HyperLogLog's hash differs between targets; exact counts never do).
fn distinct(n: u64, exact: bool) -> String {
    if exact {
        return n.to_string();
    }
    let round = ((n as f64 / 1000.0).round() * 1000.0) as u64;
    if (n as f64 - round as f64).abs() <= 0.03 * round as f64 { format!("~{round}") } else { format!("~{n}!") }
}

fn render(result: &ExploreResult) -> String {
    let mut s = String::new();
    match result {
        ExploreResult::Overview(o) => {
            s += &format!(
                "rows {} users {:?} events {:?} time {}..{} untimed {}\n",
                o.rows,
                o.users,
                o.distinct_events,
                value(&o.time_min),
                value(&o.time_max),
                o.rows_without_time
            );
            for c in &o.events {
                s += &format!("event {} {}\n", value(&c.value), c.count);
            }
            s += &format!("other events {}\n", o.events_other);
            if let Some(b) = o.bucket {
                s += &format!("bucket {}\n", b.word());
            }
            for h in &o.histogram {
                s += &format!("  {} .. {} {}\n", h.start, h.end, h.count);
            }
            for p in &o.top_properties {
                s += &format!("property {} {}\n", value(&p.value), p.count);
            }
        }
        ExploreResult::Profile { fields } => {
            for f in fields {
                let top: Vec<String> = f.top.iter().map(|c| format!("{}×{}", value(&c.value), c.count)).collect();
                s += &format!(
                    "{} {}{} nulls {} ({:.3}) distinct {} min {} max {}{} top [{}]\n",
                    f.path,
                    f.data_type,
                    if f.aliases.is_empty() { String::new() } else { format!(" aka {}", f.aliases.join(",")) },
                    f.nulls,
                    f.null_fraction,
                    distinct(f.distinct, f.distinct_exact),
                    value(&f.min),
                    value(&f.max),
                    if f.unique { " unique" } else { "" },
                    top.join(" ")
                );
            }
        }
        ExploreResult::TopUsers { users } => {
            for c in users {
                s += &format!("{} {}\n", value(&c.value), c.count);
            }
        }
        ExploreResult::Journey(j) => {
            s += &format!("user {} sessions {} by {} events {}/{}\n", j.user, j.sessions, j.sessions_by, j.events.len(), j.total_events);
            for e in &j.events {
                s += &format!(
                    "  s{} line {} {} {}{}\n    {}\n",
                    e.session,
                    e.line,
                    value(&e.time),
                    value(&e.event),
                    e.exposure.as_ref().map(|x| format!(" EXPOSURE {x}")).unwrap_or_default(),
                    e.json
                );
            }
        }
    }
    s
}

/// Runs a filter's rows and users queries; both must agree across partitions.
fn check_filter(log: &str, filter: Filter, expect: Expect) {
    let render = |layout: Layout| {
        let session = session_in(log, layout);
        let mut s = format!("where {}\n", filter.where_clause().unwrap_or_else(|e| format!("error: {e}")));
        for sql in [filter.rows_sql(), filter.users_sql()] {
            let sql = match sql {
                Ok(sql) => sql.replace("SELECT *", "SELECT _line, event, user_id"),
                Err(e) => return s + &format!("error: {e}\n"),
            };
            match block_on_engine(session.sql(&sql)) {
                Ok(out) => s += &glint_engine::table::to_csv(&out.batches).unwrap(),
                Err(e) => s += &format!("error: {e}\n"),
            }
        }
        s
    };
    let reference = render(LAYOUTS[0]);
    for n in &LAYOUTS[1..] {
        assert_eq!(render(*n), reference, "{n:?} disagrees with {:?}", LAYOUTS[0]);
    }
    expect.assert_eq(&reference);
}

/// The overview log: u1 views and buys on 10-01, an event without a user at
/// 00:30, u2 on 10-03 01:00, one event without a time, one malformed line.
const OVERVIEW_LOG: &str = concat!(
    r#"{"userId":"u1","event":"View","timestamp":"2026-10-01T00:00:00Z","properties":{"path":"/"}}"#, "\n",
    r#"{"userId":"u1","event":"Buy","timestamp":"2026-10-01T00:10:00Z","properties":{"revenue":10.5}}"#, "\n",
    r#"{"event":"View","timestamp":"2026-10-01T00:30:00Z","properties":{}}"#, "\n",
    "{broken\n",
    r#"{"userId":"u2","event":"View","timestamp":"2026-10-03T01:00:00Z","properties":{"path":"/x"}}"#, "\n",
    r#"{"userId":"u2","event":"Ping"}"#, "\n",
);

/// The journey log: u1 has two sessions by id (s1, s2), then two events
/// without a session id 2 h apart (a gap each), one event without a time
/// (last), and an experiment seen twice (exposure only on the first).
const JOURNEY_LOG: &str = concat!(
    r#"{"userId":"u1","event":"Open","timestamp":"2026-10-01T00:05:00Z","context":{"session_id":"s1"}}"#, "\n",
    r#"{"userId":"u1","event":"Exp","timestamp":"2026-10-01T00:06:00Z","context":{"session_id":"s1"},"properties":{"experiment_id":"e1","variant":"B"}}"#, "\n",
    r#"{"userId":"u2","event":"Open","timestamp":"2026-10-01T00:00:00Z","context":{"session_id":"z"}}"#, "\n",
    r#"{"userId":"u1","event":"Open","timestamp":"2026-10-01T00:00:00Z","context":{"session_id":"s1"}}"#, "\n",
    r#"{"userId":"u1","event":"Exp","timestamp":"2026-10-01T00:20:00Z","context":{"session_id":"s2"},"properties":{"experiment_id":"e1","variant":"B"}}"#, "\n",
    r#"{"userId":"u1","event":"Late","timestamp":"2026-10-01T03:00:00Z"}"#, "\n",
    r#"{"userId":"u1","event":"Later","timestamp":"2026-10-01T03:29:00Z"}"#, "\n",
    r#"{"userId":"u1","event":"Lost"}"#, "\n",
    r#"{"userId":"u1","event":"Last","timestamp":"2026-10-01T05:00:00Z"}"#, "\n",
);

/// A log of `n` events with a unique `id`, `k` in 0..3 and a float `x`.
fn wide_log(n: usize) -> String {
    (0..n)
        .map(|i| format!("{{\"id\":\"m{i:06}\",\"k\":{},\"x\":{}.5,\"ok\":{}}}\n", i % 3, i % 7, i % 2 == 0))
        .collect()
}

checks! {
    fn overview_counts_rows_users_events_time_and_properties() {
        // 5 rows (the broken line is not a row); users u1, u2 (the userless
        // event is not a user); events View 3, Buy 1, Ping 1 (ties by name);
        // span 10-01 00:00 .. 10-03 01:00 = 2 d 1 h > 2 d → days, 10-02 empty;
        // the Ping has no time. properties.path on 2 rows, revenue on 1.
        check(OVERVIEW_LOG, ExploreRequest::Overview { bucket: None }, expect![[r#"
            rows 5 users Some(2) events Some(3) time 2026-10-01T00:00:00Z..2026-10-03T01:00:00Z untimed 1
            event View 3
            event Buy 1
            event Ping 1
            other events 0
            bucket day
              2026-10-01T00:00:00Z .. 2026-10-02T00:00:00Z 3
              2026-10-02T00:00:00Z .. 2026-10-03T00:00:00Z 0
              2026-10-03T00:00:00Z .. 2026-10-04T00:00:00Z 1
            property properties.path 2
            property properties.revenue 1
        "#]]);
    }

    fn overview_weeks_start_on_monday() {
        // 2026-10-01 is a Thursday: its week starts Monday 09-28.
        check(OVERVIEW_LOG, ExploreRequest::Overview { bucket: Some(TimeBucket::Week) }, expect![[r#"
            rows 5 users Some(2) events Some(3) time 2026-10-01T00:00:00Z..2026-10-03T01:00:00Z untimed 1
            event View 3
            event Buy 1
            event Ping 1
            other events 0
            bucket week
              2026-09-28T00:00:00Z .. 2026-10-05T00:00:00Z 4
            property properties.path 2
            property properties.revenue 1
        "#]]);
    }

    fn overview_refuses_too_many_buckets() {
        // 400 days of hours and the last one: 9,601 buckets > 2,000.
        let log = concat!(
            r#"{"event":"a","timestamp":"2026-01-01T00:00:00Z"}"#, "\n",
            r#"{"event":"a","timestamp":"2027-02-05T00:00:00Z"}"#, "\n",
        );
        check(log, ExploreRequest::Overview { bucket: Some(TimeBucket::Hour) }, expect![[r#"
            error: invalid_input error: 9601 buckets of one hour are too many to draw (at most 2000); choose a wider bucket
        "#]]);
    }

    fn overview_of_a_log_without_time_user_or_event() {
        check("{\"a\":1}\n{\"a\":2}\n", ExploreRequest::Overview { bucket: None }, expect![[r#"
            rows 2 users None events None time NULL..NULL untimed 0
            other events 0
        "#]]);
    }

    fn overview_lists_the_top_twenty_events_and_sums_the_rest() {
        // e00..e24 with e_i occurring i+1 times: the top 20 are e24..e05
        // (25..6 events), the other five sum 1+2+3+4+5 = 15.
        let log: String = (0..25).flat_map(|i| (0..=i).map(move |_| format!("{{\"event\":\"e{i:02}\"}}\n"))).collect();
        let out = run(&log, &ExploreRequest::Overview { bucket: None }, LAYOUTS[0]);
        assert_eq!(out.lines().filter(|l| l.starts_with("event ")).count(), 20);
        assert!(out.contains("event e24 25\n") && out.contains("event e05 6\n") && !out.contains("e04"), "{out}");
        assert!(out.contains("other events 15\n"), "{out}");
        assert_eq!(run(&log, &ExploreRequest::Overview { bucket: None }, Layout::Workers(7)), out);
    }

    fn profile_types_nulls_distinct_bounds_and_top_values() {
        // 5 rows. userId: 3 strings + 1 number (a type conflict: NULL in
        // userId, JSON text in userId__raw) + 1 missing → 2 NULLs,
        // distinct u1,u2. n: 1,2,2,NULL,5 → min 1 max 5, top 2×2 then 1,5
        // (a column named like the count must not change the order).
        // price: 1.5, 0.25, 9 (an int in a float column). timestamp (alias
        // ts): 06:00 twice. props.tag nested: a, a, b.
        let log = concat!(
            r#"{"userId":"u1","n":1,"price":1.5,"timestamp":"2026-10-01T00:00:00Z","props":{"tag":"a"}}"#, "\n",
            r#"{"userId":"u1","n":2,"price":0.25,"timestamp":"2026-10-02T12:00:00Z","props":{"tag":"a"}}"#, "\n",
            r#"{"userId":"u2","n":2,"timestamp":"2026-10-01T06:00:00Z","props":{"tag":"b"}}"#, "\n",
            r#"{"userId":7,"price":9,"props":{}}"#, "\n",
            r#"{"n":5,"timestamp":"2026-10-01T06:00:00Z"}"#, "\n",
        );
        check(log, ExploreRequest::Profile, expect![[r#"
            userId Utf8 aka user_id nulls 2 (0.400) distinct 2 min NULL max NULL top [u1×2 u2×1]
            userId__raw Utf8 nulls 4 (0.800) distinct 1 min NULL max NULL top [7×1]
            n Int64 nulls 1 (0.200) distinct 3 min 1 max 5 top [2×2 1×1 5×1]
            price Float64 nulls 2 (0.400) distinct 3 min 0.25 max 9.0 top [0.25×1 1.5×1 9.0×1]
            timestamp Timestamp(µs, UTC) aka ts nulls 1 (0.200) distinct 3 min 2026-10-01T00:00:00Z max 2026-10-02T12:00:00Z top [2026-10-01T06:00:00Z×2 2026-10-01T00:00:00Z×1 2026-10-02T12:00:00Z×1]
            props.tag Utf8 nulls 2 (0.400) distinct 2 min NULL max NULL top [a×2 b×1]
        "#]]);
    }

    fn profile_marks_ids_unique_and_estimates_beyond_the_exact_limit() {
        // 12,000 distinct ids (> 10,000: an estimate), k in 0..3 (4000
        // each), x in 0.5..6.5, ok alternating.
        check(&wide_log(12_000), ExploreRequest::Profile, expect![[r#"
            id Utf8 nulls 0 (0.000) distinct ~12000 min NULL max NULL unique top []
            k Int64 nulls 0 (0.000) distinct 3 min 0 max 2 top [0×4000 1×4000 2×4000]
            x Float64 nulls 0 (0.000) distinct 7 min 0.5 max 6.5 top [0.5×1715 1.5×1715 2.5×1714 3.5×1714 4.5×1714]
            ok Boolean nulls 0 (0.000) distinct 2 min NULL max NULL top [false×6000 true×6000]
        "#]]);
    }

    fn top_users_most_events_first() {
        // u1: 8 events (every line but u2's), u2: 1.
        check(JOURNEY_LOG, ExploreRequest::TopUsers { limit: 10 }, expect![[r#"
            u1 8
            u2 1
        "#]]);
    }

    fn journey_orders_by_time_cuts_sessions_and_marks_exposures() {
        // u1 by time: 00:00 Open s1, 00:05 Open s1, 00:06 Exp s1 (exposure
        // e1 = B), 00:20 Exp s2 (new session id; e1 seen already), 03:00
        // Late (no id; 2h40 gap > 30 min → session 3), 03:29 Later (29 min:
        // same session), 05:00 Last (session 4), then Lost (no time, last,
        // no gap known → same session 4).
        check(JOURNEY_LOG, ExploreRequest::Journey { user: "u1".into(), gap_minutes: 30 }, expect![[r#"
            user u1 sessions 4 by context.session_id (a 30-minute gap where it is missing) events 8/8
              s1 line 4 2026-10-01T00:00:00Z Open
                {"context":{"session_id":"s1"},"event":"Open","timestamp":"2026-10-01T00:00:00Z","userId":"u1"}
              s1 line 1 2026-10-01T00:05:00Z Open
                {"context":{"session_id":"s1"},"event":"Open","timestamp":"2026-10-01T00:05:00Z","userId":"u1"}
              s1 line 2 2026-10-01T00:06:00Z Exp EXPOSURE e1 = B
                {"context":{"session_id":"s1"},"event":"Exp","properties":{"experiment_id":"e1","variant":"B"},"timestamp":"2026-10-01T00:06:00Z","userId":"u1"}
              s2 line 5 2026-10-01T00:20:00Z Exp
                {"context":{"session_id":"s2"},"event":"Exp","properties":{"experiment_id":"e1","variant":"B"},"timestamp":"2026-10-01T00:20:00Z","userId":"u1"}
              s3 line 6 2026-10-01T03:00:00Z Late
                {"event":"Late","timestamp":"2026-10-01T03:00:00Z","userId":"u1"}
              s3 line 7 2026-10-01T03:29:00Z Later
                {"event":"Later","timestamp":"2026-10-01T03:29:00Z","userId":"u1"}
              s4 line 9 2026-10-01T05:00:00Z Last
                {"event":"Last","timestamp":"2026-10-01T05:00:00Z","userId":"u1"}
              s4 line 8 NULL Lost
                {"event":"Lost","userId":"u1"}
        "#]]);
    }

    fn journey_gap_is_configurable_and_errors_are_clear() {
        // A 3-hour gap: 03:00 is 2 h 40 after s2's 00:20, so it, 03:29 and
        // 05:00 (91 min later) all stay in s2's session: 2 sessions.
        let out = run(JOURNEY_LOG, &ExploreRequest::Journey { user: "u1".into(), gap_minutes: 180 }, Layout::Partitions(3));
        assert!(out.starts_with("user u1 sessions 2 by "), "{out}");
        check(JOURNEY_LOG, ExploreRequest::Journey { user: " ".into(), gap_minutes: 30 }, expect![[r#"
            error: invalid_input error: name a user id
        "#]]);
        check(JOURNEY_LOG, ExploreRequest::Journey { user: "nobody".into(), gap_minutes: 30 }, expect![[r#"
            user nobody sessions 0 by context.session_id (a 30-minute gap where it is missing) events 0/0
        "#]]);
        check("{\"a\":1}\n", ExploreRequest::Journey { user: "u1".into(), gap_minutes: 30 }, expect![[r#"
            error: invalid_input error: the log has no `user_id` (userId) column
        "#]]);
    }

    fn filters_select_rows_and_their_users() {
        // View with a path containing "x" or revenue > 10, from 10-01 00:05:
        // only line 5 (u2's View /x at 10-03).
        check_filter(
            OVERVIEW_LOG,
            Filter {
                event: Some("View".into()),
                conditions: vec![Condition { path: "properties.path".into(), op: Op::Contains, value: "x".into() }],
                from: Some("2026-10-01T00:05:00Z".into()),
                to: None,
            },
            expect![[r#"
                where "event" = 'View' AND strpos(CAST("properties"['path'] AS VARCHAR), 'x') > 0 AND "ts" >= TIMESTAMP '2026-10-01T00:05:00Z'
                _line,event,user_id
                5,View,u2
                user_id,events
                u2,1
            "#]],
        );
        // revenue > 10 before 10-02: line 2 (u1's Buy).
        check_filter(
            OVERVIEW_LOG,
            Filter {
                event: None,
                conditions: vec![
                    Condition { path: "properties.revenue".into(), op: Op::Gt, value: 10.into() },
                    Condition { path: "userId".into(), op: Op::IsNotNull, value: serde_json::Value::Null },
                ],
                from: None,
                to: Some("2026-10-02T00:00:00Z".into()),
            },
            expect![[r#"
                where "properties"['revenue'] > 10 AND "userId" IS NOT NULL AND "ts" < TIMESTAMP '2026-10-02T00:00:00Z'
                _line,event,user_id
                2,Buy,u1
                user_id,events
                u1,1
            "#]],
        );
    }
}
