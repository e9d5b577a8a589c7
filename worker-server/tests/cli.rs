//! The command line as a user runs it: the real binary over real files, with
//! stdout, stderr and the exit status checked side by side with the input.
//! (The timing line of the report varies from run to run and is left out.)

use std::path::PathBuf;
use std::process::Command;

use expect_test::{Expect, expect};

/// A log written to a fresh file in the system's temp directory.
fn log_file(name: &str, contents: &str) -> PathBuf {
    let dir = temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!("glint-cli-{}", std::process::id()))
}

/// Runs `worker-server ARGS` and renders status, stdout and stderr (the temp
/// directory shown as `$TMP`).
fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_worker-server")).args(args).output().unwrap();
    let stderr: String = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("ingest: "))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace(temp_dir().to_str().unwrap(), "$TMP");
    format!(
        "status: {}\n--- stdout\n{}--- stderr\n{}",
        if out.status.success() { "ok" } else { "failed" },
        String::from_utf8_lossy(&out.stdout),
        stderr
    )
}

fn check(args: &[&str], expect: Expect) {
    expect.assert_eq(&run(args));
}

const LOG: &str = concat!(
    "{\"event\":\"Product Viewed\",\"userId\":\"u1\",\"timestamp\":\"2026-10-01T10:00:00Z\",\"properties\":{\"variant\":\"control\"}}\n",
    "{\"event\":\"Added to Cart\",\"userId\":\"u1\",\"timestamp\":\"2026-10-01T10:05:00+02:00\",\"properties\":{\"variant\":\"control\"}}\n",
    "{\"event\":\"Product Viewed\",\"userId\":42,\"timestamp\":\"2026-10-01T11:00:00Z\"}\n",
    "{\"event\":\"Product Viewed\",\"userId\":\"u2\",\n",
    "\n",
    "{\"event\":\"Added to Cart\",\"userId\":\"u2\",\"timestamp\":\"2026-10-02T09:00:00Z\",\"properties\":{\"variant\":\"treatment\"}}\n",
);

#[test]
fn query_prints_the_result_and_reports_the_ingest_on_stderr() {
    let path = log_file("events.ndjson", LOG);
    check(
        &[
            "query",
            path.to_str().unwrap(),
            "--partitions",
            "3",
            "--format",
            "csv",
            "--sql",
            "SELECT event, count(*) AS n, count(user_id) AS users, min(ts) AS first FROM events GROUP BY event ORDER BY event",
        ],
        expect![[r#"
            status: ok
            --- stdout
            event,n,users,first
            Added to Cart,2,2,2026-10-01T08:05:00Z
            Product Viewed,2,1,2026-10-01T10:00:00Z
            --- stderr
            ingest report for $TMP/events.ndjson: 454 bytes, 6 lines, 4 rows, 1 malformed lines skipped, 1 empty lines, 1 type conflicts
              malformed line 4 (byte 300): EOF while parsing a value (column 40) | {"event":"Product Viewed","userId":"u2",
              column userId (string): 1 values of another type are NULL (raw JSON in userId__raw), e.g. line 3: number 42
        "#]],
    );
}

#[test]
fn json_output_keeps_nested_values() {
    let path = log_file("nested.ndjson", LOG);
    check(
        &[
            "query",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--sql",
            "SELECT properties.variant AS variant, count(*) AS n FROM events WHERE properties.variant IS NOT NULL GROUP BY 1 ORDER BY 1",
        ],
        expect![[r#"
            status: ok
            --- stdout
            [{"variant":"control","n":2},{"variant":"treatment","n":1}]
            --- stderr
            ingest report for $TMP/nested.ndjson: 454 bytes, 6 lines, 4 rows, 1 malformed lines skipped, 1 empty lines, 1 type conflicts
              malformed line 4 (byte 300): EOF while parsing a value (column 40) | {"event":"Product Viewed","userId":"u2",
              column userId (string): 1 values of another type are NULL (raw JSON in userId__raw), e.g. line 3: number 42
        "#]],
    );
}

#[test]
fn failfast_names_the_first_malformed_line() {
    let path = log_file("failfast.ndjson", LOG);
    check(&["query", path.to_str().unwrap(), "--mode", "failfast", "--sql", "SELECT 1"], expect![[r#"
        status: failed
        --- stdout
        --- stderr
        error: malformed_input error: line 4 (byte offset 300) is malformed: EOF while parsing a value (column 40) (mode failfast; use permissive to skip such lines)
    "#]]);
}

#[test]
fn bad_sql_is_a_clear_error() {
    let path = log_file("badsql.ndjson", LOG);
    check(&["query", path.to_str().unwrap(), "--format", "csv", "--sql", "SELEC event FROM events"], expect![[r#"
        status: failed
        --- stdout
        --- stderr
        ingest report for $TMP/badsql.ndjson: 454 bytes, 6 lines, 4 rows, 1 malformed lines skipped, 1 empty lines, 1 type conflicts
          malformed line 4 (byte 300): EOF while parsing a value (column 40) | {"event":"Product Viewed","userId":"u2",
          column userId (string): 1 values of another type are NULL (raw JSON in userId__raw), e.g. line 3: number 42
        error: sql error: SQL error: ParserError("Expected: an SQL statement, found: SELEC at Line: 1, Column: 1")
        hint: a syntax error: check commas, parentheses and quotes ('text' for strings, "Name" for column names with capitals or dots)
    "#]]);
}

#[test]
fn a_missing_file_is_a_clear_error() {
    check(&["query", "/nonexistent/events.ndjson", "--sql", "SELECT 1"], expect![[r#"
        status: failed
        --- stdout
        --- stderr
        error: reading /nonexistent/events.ndjson: No such file or directory (os error 2)
    "#]]);
}
