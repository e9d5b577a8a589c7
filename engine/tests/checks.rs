//! Engine checks as data: each case is an NDJSON input, a SQL query and the
//! expected rendering (ingest report, schema, result) side by side.
//!
//! Every case runs with 1 partition and with several (byte ranges cut through
//! the middle of lines), and all renderings must be identical before the
//! expectation is compared. The same file runs natively (`cargo test -p
//! glint-engine`) and on wasm32 in headless Chromium (`engine-wasm`'s tests
//! include it), so both targets are held to the same expected text.
//!
//! Update expectations with `UPDATE_EXPECT=1 cargo test -p glint-engine`.

use expect_test::{Expect, expect};
use glint_engine::ingest::{IngestOptions, ParseMode, ingest};
use glint_engine::session::{Session, SessionOptions};
use glint_engine::table::to_pretty;

/// Partition counts every case runs with (1 is the reference).
const PARTITIONS: [usize; 5] = [1, 2, 3, 7, 64];

/// Partition workers every case also runs with (a coordinator session).
const WORKERS: usize = 3;

#[path = "support/mod.rs"]
#[macro_use]
mod support;

use support::{block_on_engine, engine_partitions};

fn check(input: &str, sql: &str, expect: Expect) {
    check_mode(ParseMode::Permissive, input, sql, expect)
}

fn check_mode(mode: ParseMode, input: &str, sql: &str, expect: Expect) {
    let reference = render(mode, input.as_bytes(), sql, 1);
    for n in &PARTITIONS[1..] {
        let got = render(mode, input.as_bytes(), sql, *n);
        assert_eq!(got, reference, "{n} partitions disagree with 1 partition");
    }
    let got = render_with(mode, input.as_bytes(), sql, WORKERS, true);
    assert_eq!(got, reference, "{WORKERS} partition workers disagree with 1 partition");
    expect.assert_eq(&reference);
}

fn render(mode: ParseMode, input: &[u8], sql: &str, partitions: usize) -> String {
    render_with(mode, input, sql, partitions, false)
}

/// `workers`: the partitions are partition workers under a coordinator.
fn render_with(mode: ParseMode, input: &[u8], sql: &str, partitions: usize, workers: bool) -> String {
    let opts = IngestOptions { mode, ..IngestOptions::default() };
    let data = match ingest(input, partitions, &opts) {
        Ok(d) => d,
        Err(e) => return format!("ingest failed: {e}\n"),
    };
    let r = &data.report;
    let mut s = format!(
        "lines {} rows {} empty {} malformed {} conflicts {}\n",
        r.lines,
        r.rows,
        r.empty_lines,
        r.malformed,
        r.conflict_total()
    );
    for m in &r.malformed_examples {
        s += &format!("  malformed line {} @{}: {} | {}\n", m.line, m.offset, m.reason, m.excerpt);
    }
    for c in &r.conflicts {
        s += &format!("  conflicts in {} ({}): {}\n", c.column, c.expected, c.count);
        for e in &c.examples {
            s += &format!("    line {} @{}: {} {}\n", e.line, e.offset, e.found, e.value);
        }
    }
    s += "schema:";
    for f in &data.fields {
        s += &format!(" {}:{}", f.name, f.data_type);
        if let Some(a) = &f.alias_of {
            s += &format!("(={a})");
        }
    }
    s += "\n";
    s += &run_sql(&data, sql, partitions, workers);
    s
}

fn run_sql(data: &glint_engine::ingest::Dataset, sql: &str, partitions: usize, workers: bool) -> String {
    let session = if workers {
        glint_engine::distributed::InProcess::coordinator(data).unwrap()
    } else {
        Session::new(data, &SessionOptions { target_partitions: engine_partitions(partitions), ..Default::default() }).unwrap()
    };
    show(block_on_engine(session.sql(sql)))
}

/// A notebook's cells in order: `(name, sql)`; a named cell's result is a
/// table for the cells below it. Every cell's result (or error) is shown, at
/// every partition count (all must agree).
fn check_cells(input: &str, params: &[(&str, serde_json::Value)], cells: &[(Option<&str>, &str)], expect: Expect) {
    let params: Vec<glint_engine::session::Param> = params.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
    let render = |layout: support::Layout| {
        let session = support::session_in(input, layout);
        let mut s = String::new();
        for (name, sql) in cells {
            let out = block_on_engine(session.sql_with_params(sql, &params));
            if let (Some(name), Ok(out)) = (name, &out) {
                if let Err(e) = session.register_result(name, out) {
                    s += &format!("register {name} failed: {e}\n");
                }
            }
            s += &format!("[{}]\n{}", name.unwrap_or("-"), show(out));
        }
        s
    };
    let reference = render(support::LAYOUTS[0]);
    for layout in &support::LAYOUTS[1..] {
        assert_eq!(render(*layout), reference, "{layout:?} disagrees with {:?}", support::LAYOUTS[0]);
    }
    expect.assert_eq(&reference);
}

fn show(out: Result<glint_engine::session::QueryOutput, glint_engine::EngineError>) -> String {
    match out {
        Ok(out) => to_pretty(&out.batches).unwrap() + "\n",
        Err(e) => format!("query failed: {e}\n"),
    }
}

checks! {
    fn malformed_lines_are_skipped_counted_and_listed() {
        check(
            concat!(
                "{\"event\":\"a\",\"n\":1}\n",
                "{\"event\":\"b\",\"n\":\n",
                "not json at all\n",
                "[1,2,3]\n",
                "\"just a string\"\n",
                "{\"event\":\"c\",\"n\":3} trailing\n",
                "{\"event\":\"d\",\"n\":4,}\n",
                "{\"event\":\"e\",\"n\":5}\n",
            ),
            "SELECT event, n FROM events ORDER BY _line",
            expect![[r#"
                lines 8 rows 2 empty 0 malformed 6 conflicts 0
                  malformed line 2 @20: EOF while parsing a value (column 17) | {"event":"b","n":
                  malformed line 3 @38: expected ident (column 2) | not json at all
                  malformed line 4 @54: expected a JSON object, found an array | [1,2,3]
                  malformed line 5 @62: expected a JSON object, found a string | "just a string"
                  malformed line 6 @78: trailing characters (column 21) | {"event":"c","n":3} trailing
                  malformed line 7 @107: trailing comma (column 20) | {"event":"d","n":4,}
                schema: event:Utf8 n:Int64 _line:UInt64 _offset:UInt64
                +-------+---+
                | event | n |
                +-------+---+
                | a     | 1 |
                | e     | 5 |
                +-------+---+
            "#]],
        );
    }

    fn empty_and_whitespace_lines_are_ignored() {
        check(
            "\n{\"event\":\"a\"}\n   \n\t\n{\"event\":\"b\"}\n\n",
            "SELECT event, _line FROM events ORDER BY _line",
            expect![[r#"
                lines 6 rows 2 empty 4 malformed 0 conflicts 0
                schema: event:Utf8 _line:UInt64 _offset:UInt64
                +-------+-------+
                | event | _line |
                +-------+-------+
                | a     | 2     |
                | b     | 5     |
                +-------+-------+
            "#]],
        );
    }

    fn failfast_stops_at_the_first_malformed_line() {
        check_mode(
            ParseMode::FailFast,
            "{\"event\":\"a\"}\n{\"event\":\"b\"}\n{oops}\n{\"event\":\"c\"}\n{broken\n",
            "SELECT count(*) FROM events",
            expect![[r#"
                ingest failed: malformed_input error: line 3 (byte offset 28) is malformed: key must be a string (column 2) (mode failfast; use permissive to skip such lines)
            "#]],
        );
    }

    fn user_id_of_other_json_types_is_null_and_counted_never_coerced() {
        check(
            concat!(
                "{\"userId\":\"u1\",\"event\":\"a\"}\n",
                "{\"userId\":33,\"event\":\"b\"}\n",
                "{\"userId\":{\"id\":\"u9\"},\"event\":\"c\"}\n",
                "{\"userId\":null,\"event\":\"d\"}\n",
                "{\"userId\":\"33\",\"event\":\"e\"}\n",
                "{\"event\":\"f\"}\n",
            ),
            "SELECT event, user_id, \"userId__raw\" FROM events ORDER BY _line",
            expect![[r#"
                lines 6 rows 6 empty 0 malformed 0 conflicts 2
                  conflicts in userId (string): 2
                    line 2 @28: number 33
                    line 3 @54: object {"id":"u9"}
                schema: userId:Utf8 userId__raw:Utf8 event:Utf8 user_id:Utf8(=userId) _line:UInt64 _offset:UInt64
                +-------+---------+-------------+
                | event | user_id | userId__raw |
                +-------+---------+-------------+
                | a     | u1      |             |
                | b     |         | 33          |
                | c     |         | {"id":"u9"} |
                | d     |         |             |
                | e     | 33      |             |
                | f     |         |             |
                +-------+---------+-------------+
            "#]],
        );
    }

    fn missing_fields_are_null() {
        check(
            "{\"a\":1,\"b\":\"x\"}\n{\"b\":\"y\"}\n{\"a\":3}\n{}\n",
            "SELECT a, b, a IS NULL AS a_null FROM events ORDER BY _line",
            expect![[r#"
                lines 4 rows 4 empty 0 malformed 0 conflicts 0
                schema: a:Int64 b:Utf8 _line:UInt64 _offset:UInt64
                +---+---+--------+
                | a | b | a_null |
                +---+---+--------+
                | 1 | x | false  |
                |   | y | true   |
                | 3 |   | false  |
                |   |   | true   |
                +---+---+--------+
            "#]],
        );
    }

    fn nested_fields_are_reachable() {
        check(
            concat!(
                "{\"event\":\"x\",\"properties\":{\"variant\":\"control\",\"price\":9.5,\"tags\":[\"a\",\"b\"]},\"context\":{\"device\":{\"type\":\"mobile\"}}}\n",
                "{\"event\":\"y\",\"properties\":{\"variant\":\"treatment\"}}\n",
                "{\"event\":\"z\"}\n",
            ),
            "SELECT event, properties.variant, properties['price'] AS price, properties.tags, context.device.type AS device FROM events ORDER BY _line",
            expect![[r#"
                lines 3 rows 3 empty 0 malformed 0 conflicts 0
                schema: event:Utf8 properties:Struct properties.variant:Utf8 properties.price:Float64 properties.tags:Utf8 context:Struct context.device:Struct context.device.type:Utf8 _line:UInt64 _offset:UInt64
                +-------+----------------------------+-------+-------------------------+--------+
                | event | events.properties[variant] | price | events.properties[tags] | device |
                +-------+----------------------------+-------+-------------------------+--------+
                | x     | control                    | 9.5   | ["a","b"]               | mobile |
                | y     | treatment                  |       |                         |        |
                | z     |                            |       |                         |        |
                +-------+----------------------------+-------+-------------------------+--------+
            "#]],
        );
    }

    fn integers_widen_to_float() {
        check(
            "{\"v\":1}\n{\"v\":2.5}\n{\"v\":3}\n{\"v\":9007199254740993}\n",
            "SELECT v, arrow_typeof(v) AS t FROM events ORDER BY _line",
            expect![[r#"
                lines 4 rows 4 empty 0 malformed 0 conflicts 0
                schema: v:Float64 _line:UInt64 _offset:UInt64
                +--------------------+---------+
                | v                  | t       |
                +--------------------+---------+
                | 1.0                | Float64 |
                | 2.5                | Float64 |
                | 3.0                | Float64 |
                | 9007199254740992.0 | Float64 |
                +--------------------+---------+
            "#]],
        );
    }

    fn large_integers_stay_exact() {
        check(
            "{\"v\":9007199254740993}\n{\"v\":-4}\n{\"v\":-9223372036854775808}\n",
            "SELECT v, arrow_typeof(v) AS t FROM events ORDER BY _line",
            expect![[r#"
                lines 3 rows 3 empty 0 malformed 0 conflicts 0
                schema: v:Int64 _line:UInt64 _offset:UInt64
                +----------------------+-------+
                | v                    | t     |
                +----------------------+-------+
                | 9007199254740993     | Int64 |
                | -4                   | Int64 |
                | -9223372036854775808 | Int64 |
                +----------------------+-------+
            "#]],
        );
    }

    fn integers_beyond_64_bits_widen_to_float() {
        check(
            "{\"v\":1}\n{\"v\":18446744073709551615}\n",
            "SELECT v, arrow_typeof(v) AS t FROM events ORDER BY _line",
            expect![[r#"
                lines 2 rows 2 empty 0 malformed 0 conflicts 0
                schema: v:Float64 _line:UInt64 _offset:UInt64
                +-----------------------+---------+
                | v                     | t       |
                +-----------------------+---------+
                | 1.0                   | Float64 |
                | 1.8446744073709552e19 | Float64 |
                +-----------------------+---------+
            "#]],
        );
    }

    fn timestamps_with_offsets_are_the_same_utc_instant() {
        check(
            concat!(
                "{\"timestamp\":\"2026-10-01T12:00:00Z\",\"event\":\"a\"}\n",
                "{\"timestamp\":\"2026-10-01T14:00:00+02:00\",\"event\":\"b\"}\n",
                "{\"timestamp\":\"2026-10-01T07:00:00.250-05:00\",\"event\":\"c\"}\n",
                "{\"timestamp\":\"2026-10-01 23:30:00\",\"event\":\"d\"}\n",
            ),
            "SELECT event, ts, extract(hour FROM ts) AS hour, date_trunc('day', ts) AS day FROM events ORDER BY _line",
            expect![[r#"
                lines 4 rows 4 empty 0 malformed 0 conflicts 0
                schema: timestamp:Timestamp(µs, UTC) event:Utf8 ts:Timestamp(µs, UTC)(=timestamp) _line:UInt64 _offset:UInt64
                +-------+--------------------------+------+----------------------+
                | event | ts                       | hour | day                  |
                +-------+--------------------------+------+----------------------+
                | a     | 2026-10-01T12:00:00Z     | 12   | 2026-10-01T00:00:00Z |
                | b     | 2026-10-01T12:00:00Z     | 12   | 2026-10-01T00:00:00Z |
                | c     | 2026-10-01T12:00:00.250Z | 12   | 2026-10-01T00:00:00Z |
                | d     | 2026-10-01T23:30:00Z     | 23   | 2026-10-01T00:00:00Z |
                +-------+--------------------------+------+----------------------+
            "#]],
        );
    }

    fn a_stray_bad_timestamp_is_a_conflict() {
        // 19 date-times and one word: the column stays a timestamp (at least
        // 95% parse) and the word is a counted conflict, kept in `__raw`.
        let good: String = (1..=19).map(|d| format!("{{\"timestamp\":\"2026-10-{d:02}T12:00:00Z\"}}\n")).collect();
        check(
            &(good + "{\"timestamp\":\"yesterday\"}\n"),
            "SELECT count(ts) AS n, min(ts) AS first, max(ts) AS last, max(timestamp__raw) AS raw FROM events",
            expect![[r#"
                lines 20 rows 20 empty 0 malformed 0 conflicts 1
                  conflicts in timestamp (timestamp): 1
                    line 20 @703: string (not a timestamp) "yesterday"
                schema: timestamp:Timestamp(µs, UTC) timestamp__raw:Utf8 ts:Timestamp(µs, UTC)(=timestamp) _line:UInt64 _offset:UInt64
                +----+----------------------+----------------------+-------------+
                | n  | first                | last                 | raw         |
                +----+----------------------+----------------------+-------------+
                | 19 | 2026-10-01T12:00:00Z | 2026-10-19T12:00:00Z | "yesterday" |
                +----+----------------------+----------------------+-------------+
            "#]],
        );
    }

    fn mostly_non_timestamps_make_the_column_text() {
        check(
            "{\"timestamp\":\"2026-10-01T12:00:00Z\"}\n{\"timestamp\":\"yesterday\"}\n",
            "SELECT timestamp FROM events ORDER BY _line",
            expect![[r#"
                lines 2 rows 2 empty 0 malformed 0 conflicts 0
                schema: timestamp:Utf8 _line:UInt64 _offset:UInt64
                +----------------------+
                | timestamp            |
                +----------------------+
                | 2026-10-01T12:00:00Z |
                | yesterday            |
                +----------------------+
            "#]],
        );
    }

    fn crlf_line_endings() {
        check(
            "{\"event\":\"a\"}\r\n{\"event\":\"b\"}\r\n\r\n{\"event\":\"c\"}",
            "SELECT event, _line, _offset, length(event) AS len FROM events ORDER BY _line",
            expect![[r#"
                lines 4 rows 3 empty 1 malformed 0 conflicts 0
                schema: event:Utf8 _line:UInt64 _offset:UInt64
                +-------+-------+---------+-----+
                | event | _line | _offset | len |
                +-------+-------+---------+-----+
                | a     | 1     | 0       | 1   |
                | b     | 2     | 15      | 1   |
                | c     | 4     | 32      | 1   |
                +-------+-------+---------+-----+
            "#]],
        );
    }

    fn utf8_bom_at_the_start() {
        check(
            "\u{feff}{\"event\":\"a\"}\n{\"event\":\"é \\u00e9 ☃\"}\n",
            "SELECT event, _offset FROM events ORDER BY _line",
            expect![[r#"
                lines 2 rows 2 empty 0 malformed 0 conflicts 0
                schema: event:Utf8 _line:UInt64 _offset:UInt64
                +-------+---------+
                | event | _offset |
                +-------+---------+
                | a     | 0       |
                | é é ☃ | 17      |
                +-------+---------+
            "#]],
        );
    }

    fn lines_split_across_range_boundaries_are_read_once() {
        // 64 partitions over this input put several range boundaries inside
        // each line; every line must still be read exactly once.
        check(
            concat!(
                "{\"event\":\"first\",\"userId\":\"u1\",\"properties\":{\"n\":1}}\n",
                "{\"event\":\"second\",\"userId\":\"u2\",\"properties\":{\"n\":2}}\n",
                "{\"event\":\"third\",\"userId\":\"u3\",\"properties\":{\"n\":3}}\n",
            ),
            "SELECT count(*) AS rows, sum(properties.n) AS total, string_agg(event, ',' ORDER BY _line) AS events FROM events",
            expect![[r#"
                lines 3 rows 3 empty 0 malformed 0 conflicts 0
                schema: event:Utf8 userId:Utf8 properties:Struct properties.n:Int64 user_id:Utf8(=userId) _line:UInt64 _offset:UInt64
                +------+-------+--------------------+
                | rows | total | events             |
                +------+-------+--------------------+
                | 3    | 6     | first,second,third |
                +------+-------+--------------------+
            "#]],
        );
    }

    fn segment_friendly_names() {
        check(
            "{\"type\":\"track\",\"event\":\"Added to Cart\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"messageId\":\"m1\",\"timestamp\":\"2026-10-01T00:00:00Z\",\"properties\":{\"variant\":\"control\"}}\n",
            "SELECT event, user_id, anonymous_id, message_id, ts FROM events",
            expect![[r#"
                lines 1 rows 1 empty 0 malformed 0 conflicts 0
                schema: type:Utf8 event:Utf8 userId:Utf8 anonymousId:Utf8 messageId:Utf8 timestamp:Timestamp(µs, UTC) properties:Struct properties.variant:Utf8 user_id:Utf8(=userId) anonymous_id:Utf8(=anonymousId) message_id:Utf8(=messageId) ts:Timestamp(µs, UTC)(=timestamp) _line:UInt64 _offset:UInt64
                +---------------+---------+--------------+------------+----------------------+
                | event         | user_id | anonymous_id | message_id | ts                   |
                +---------------+---------+--------------+------------+----------------------+
                | Added to Cart | u1      | a1           | m1         | 2026-10-01T00:00:00Z |
                +---------------+---------+--------------+------------+----------------------+
            "#]],
        );
    }

    fn sql_errors_are_data() {
        check(
            "{\"event\":\"a\"}\n",
            "SELECT no_such_column FROM events",
            expect![[r#"
                lines 1 rows 1 empty 0 malformed 0 conflicts 0
                schema: event:Utf8 _line:UInt64 _offset:UInt64
                query failed: sql error: Schema error: No field named no_such_column.
                Valid fields are events.event, events._line, events._offset.
                hint: unknown column `no_such_column`; run `SELECT * FROM events LIMIT 5` to see the columns
            "#]],
        );
    }

    fn sample_log_has_the_planted_shape() {
        let spec = glint_engine::sample::SampleSpec { users: 300, days: 3, ..Default::default() };
        let log = String::from_utf8(glint_engine::sample::generate(&spec)).unwrap();
        check(
            &log,
            "SELECT properties.variant AS variant, count(DISTINCT user_id) AS users, count(*) AS events FROM events WHERE properties.experiment_id = 'rec_model_v2' GROUP BY 1 ORDER BY 1",
            expect![[r#"
                lines 1963 rows 1961 empty 0 malformed 2 conflicts 7
                  malformed line 433 @141035: expected a JSON object, found an array | ["not", "an", "object"]
                  malformed line 1303 @423716: expected a JSON object, found an array | ["not", "an", "object"]
                  conflicts in userId (string): 7
                    line 563 @182859: number 201
                    line 662 @215517: number 207
                    line 1089 @354864: number 281
                    line 1186 @386184: number 232
                    line 1519 @494205: number 295
                    line 1820 @592340: number 256
                    line 1877 @610679: number 51
                schema: type:Utf8 event:Utf8 userId:Utf8 userId__raw:Utf8 anonymousId:Utf8 timestamp:Timestamp(µs, UTC) messageId:Utf8 properties:Struct properties.experiment_id:Utf8 properties.variant:Utf8 properties.path:Utf8 properties.vertical:Utf8 properties.product_id:Utf8 properties.price:Float64 properties.quantity:Int64 properties.value:Float64 properties.order_id:Utf8 properties.revenue:Float64 properties.currency:Utf8 context:Struct context.device:Struct context.device.type:Utf8 context.locale:Utf8 context.session_id:Utf8 user_id:Utf8(=userId) anonymous_id:Utf8(=anonymousId) message_id:Utf8(=messageId) ts:Timestamp(µs, UTC)(=timestamp) _line:UInt64 _offset:UInt64
                +-----------+-------+--------+
                | variant   | users | events |
                +-----------+-------+--------+
                | control   | 90    | 871    |
                | treatment | 71    | 750    |
                +-----------+-------+--------+
            "#]],
        );
    }

    fn cells_query_earlier_named_results() {
        check_cells(
            "{\"event\":\"view\",\"userId\":\"u1\"}\n{\"event\":\"view\",\"userId\":\"u2\"}\n{\"event\":\"buy\",\"userId\":\"u1\"}\n",
            &[],
            &[
                (Some("by_event"), "SELECT event, count(*) AS n FROM events GROUP BY event ORDER BY event"),
                (None, "SELECT event FROM by_event WHERE n > 1"),
                (Some("by_event"), "SELECT event, count(DISTINCT user_id) AS users FROM events GROUP BY event ORDER BY event"),
                (None, "SELECT * FROM by_event"),
                (Some("events"), "SELECT 1"),
                (None, "SELECT n FROM by_evnt"),
            ],
            expect![[r#"
                [by_event]
                +-------+---+
                | event | n |
                +-------+---+
                | buy   | 1 |
                | view  | 2 |
                +-------+---+
                [-]
                +-------+
                | event |
                +-------+
                | view  |
                +-------+
                [by_event]
                +-------+-------+
                | event | users |
                +-------+-------+
                | buy   | 1     |
                | view  | 2     |
                +-------+-------+
                [-]
                +-------+-------+
                | event | users |
                +-------+-------+
                | buy   | 1     |
                | view  | 2     |
                +-------+-------+
                register events failed: invalid_input error: `events` is the loaded log; give the cell another name
                [events]
                +----------+
                | Int64(1) |
                +----------+
                | 1        |
                +----------+
                [-]
                query failed: sql error: Error during planning: table 'datafusion.public.by_evnt' not found
                hint: unknown table `by_evnt`; did you mean `by_event`?
            "#]],
        );
    }

    fn parameters_are_typed_values() {
        check_cells(
            "{\"event\":\"buy\",\"properties\":{\"revenue\":10.5,\"country\":\"DE\"}}\n{\"event\":\"buy\",\"properties\":{\"revenue\":3,\"country\":\"FR\"}}\n",
            &[("min_revenue", serde_json::json!(5)), ("country", serde_json::json!("FR")), ("ratio", serde_json::json!(0.5))],
            &[
                (None, "SELECT count(*) AS n FROM events WHERE properties.revenue > $min_revenue"),
                (None, "SELECT properties.revenue * $ratio AS half FROM events WHERE properties.country = $country"),
                (None, "SELECT count(*) AS n FROM events WHERE properties.country = $countr"),
                // Both rows fail the cast with the same text, whichever partition fails first.
                (None, "SELECT count(*) FROM events WHERE event > 3"),
                (None, "SELECT evnt FROM events"),
            ],
            expect![[r#"
                [-]
                +---+
                | n |
                +---+
                | 1 |
                +---+
                [-]
                +------+
                | half |
                +------+
                | 1.5  |
                +------+
                [-]
                query failed: sql error: Error during planning: No value found for placeholder with name $countr
                hint: `$countr` is not defined; did you mean `country`?
                [-]
                query failed: execution error: Arrow error: Cast error: Cannot cast string 'buy' to value of Int64 type
                hint: the text 'buy' was compared with or converted to Int64: quote the value ('…') to compare as text, or filter the column to numeric strings before casting
                [-]
                query failed: sql error: Schema error: No field named evnt. Did you mean 'events.event'?
                Valid fields are events.event, events.properties, events._line, events._offset.
                hint: unknown column `evnt`; did you mean `event`?
            "#]],
        );
    }

    fn union_all_runs_without_a_runtime() {
        // A UNION ALL has one partition per input even with one execution
        // partition; the browser has no tokio runtime to merge them with.
        check_cells(
            "{\"event\":\"a\",\"userId\":\"u1\"}\n{\"event\":\"b\",\"userId\":\"u2\"}\n{\"event\":\"b\",\"userId\":\"u1\"}\n",
            &[],
            &[
                (None, "SELECT event FROM events WHERE event = 'a' UNION ALL SELECT event FROM events WHERE event = 'b' ORDER BY 1"),
                (None, "SELECT count(*) AS n, count(DISTINCT u) AS users FROM (SELECT user_id AS u FROM events WHERE event = 'a' UNION ALL SELECT user_id FROM events WHERE event = 'b')"),
                // Which two rows a LIMIT keeps is unspecified; how many is not.
                (None, "SELECT count(*) AS n FROM (SELECT x FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3) LIMIT 2)"),
            ],
            expect![[r#"
                [-]
                +-------+
                | event |
                +-------+
                | a     |
                | b     |
                | b     |
                +-------+
                [-]
                +---+-------+
                | n | users |
                +---+-------+
                | 3 | 2     |
                +---+-------+
                [-]
                +---+
                | n |
                +---+
                | 2 |
                +---+
            "#]],
        );
    }
}
