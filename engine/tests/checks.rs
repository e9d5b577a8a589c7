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

macro_rules! checks {
    ($($(#[$m:meta])* fn $name:ident() $body:block)*) => {$(
        $(#[$m])*
        #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
        #[cfg_attr(not(target_arch = "wasm32"), test)]
        fn $name() $body
    )*};
}

fn check(input: &str, sql: &str, expect: Expect) {
    check_mode(ParseMode::Permissive, input, sql, expect)
}

fn check_mode(mode: ParseMode, input: &str, sql: &str, expect: Expect) {
    let reference = render(mode, input.as_bytes(), sql, 1);
    for n in &PARTITIONS[1..] {
        let got = render(mode, input.as_bytes(), sql, *n);
        assert_eq!(got, reference, "{n} partitions disagree with 1 partition");
    }
    expect.assert_eq(&reference);
}

fn render(mode: ParseMode, input: &[u8], sql: &str, partitions: usize) -> String {
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
    s += &run_sql(&data, sql, partitions);
    s
}

#[cfg(not(target_arch = "wasm32"))]
fn run_sql(data: &glint_engine::ingest::Dataset, sql: &str, partitions: usize) -> String {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let session = Session::new(data, &SessionOptions { target_partitions: partitions }).unwrap();
    show(rt.block_on(session.sql(sql)))
}

#[cfg(target_arch = "wasm32")]
fn run_sql(data: &glint_engine::ingest::Dataset, sql: &str, _partitions: usize) -> String {
    // One wasm instance runs one execution partition (partitioned execution
    // across workers is the coordinator's job).
    let session = Session::new(data, &SessionOptions { target_partitions: 1 }).unwrap();
    show(futures::executor::block_on(session.sql(sql)))
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
            expect![[""]],
        );
    }

    fn empty_and_whitespace_lines_are_ignored() {
        check(
            "\n{\"event\":\"a\"}\n   \n\t\n{\"event\":\"b\"}\n\n",
            "SELECT event, _line FROM events ORDER BY _line",
            expect![[""]],
        );
    }

    fn failfast_stops_at_the_first_malformed_line() {
        check_mode(
            ParseMode::FailFast,
            "{\"event\":\"a\"}\n{\"event\":\"b\"}\n{oops}\n{\"event\":\"c\"}\n{broken\n",
            "SELECT count(*) FROM events",
            expect![[""]],
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
            expect![[""]],
        );
    }

    fn missing_fields_are_null() {
        check(
            "{\"a\":1,\"b\":\"x\"}\n{\"b\":\"y\"}\n{\"a\":3}\n{}\n",
            "SELECT a, b, a IS NULL AS a_null FROM events ORDER BY _line",
            expect![[""]],
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
            expect![[""]],
        );
    }

    fn integers_widen_to_float() {
        check(
            "{\"v\":1}\n{\"v\":2.5}\n{\"v\":3}\n{\"v\":9007199254740993}\n",
            "SELECT v, arrow_typeof(v) AS t FROM events ORDER BY _line",
            expect![[""]],
        );
    }

    fn large_integers_stay_exact() {
        check(
            "{\"v\":9007199254740993}\n{\"v\":-4}\n{\"v\":18446744073709551615}\n",
            "SELECT v, arrow_typeof(v) AS t FROM events ORDER BY _line",
            expect![[""]],
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
            expect![[""]],
        );
    }

    fn a_bad_timestamp_makes_the_column_text() {
        check(
            "{\"timestamp\":\"2026-10-01T12:00:00Z\"}\n{\"timestamp\":\"yesterday\"}\n",
            "SELECT timestamp FROM events ORDER BY _line",
            expect![[""]],
        );
    }

    fn crlf_line_endings() {
        check(
            "{\"event\":\"a\"}\r\n{\"event\":\"b\"}\r\n\r\n{\"event\":\"c\"}",
            "SELECT event, _line, _offset, length(event) AS len FROM events ORDER BY _line",
            expect![[""]],
        );
    }

    fn utf8_bom_at_the_start() {
        check(
            "\u{feff}{\"event\":\"a\"}\n{\"event\":\"é \\u00e9 ☃\"}\n",
            "SELECT event, _offset FROM events ORDER BY _line",
            expect![[""]],
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
            expect![[""]],
        );
    }

    fn segment_friendly_names() {
        check(
            "{\"type\":\"track\",\"event\":\"Added to Cart\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"messageId\":\"m1\",\"timestamp\":\"2026-10-01T00:00:00Z\",\"properties\":{\"variant\":\"control\"}}\n",
            "SELECT event, user_id, anonymous_id, message_id, ts FROM events",
            expect![[""]],
        );
    }

    fn sql_errors_are_data() {
        check(
            "{\"event\":\"a\"}\n",
            "SELECT no_such_column FROM events",
            expect![[""]],
        );
    }

    fn sample_log_has_the_planted_shape() {
        let spec = glint_engine::sample::SampleSpec { users: 300, days: 3, ..Default::default() };
        let log = String::from_utf8(glint_engine::sample::generate(&spec)).unwrap();
        check(
            &log,
            "SELECT properties.variant AS variant, count(DISTINCT user_id) AS users, count(*) AS events FROM events WHERE properties.experiment_id = 'rec_model_v2' GROUP BY 1 ORDER BY 1",
            expect![[""]],
        );
    }
}
