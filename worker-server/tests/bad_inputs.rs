//! Bad input at the job API, as data: each case is a request and, beside it,
//! the reply a user gets (status, error kind, message), or for a job that is
//! accepted and then fails, its final state and error. Nothing may crash the
//! server, hang, or succeed with silently wrong data; the server still answers
//! a good job afterwards.
//!
//! Update the expectation with `UPDATE_EXPECT=1 cargo test -p worker-server --test bad_inputs`.

mod support;

use std::io::Write;

use expect_test::expect;
use serde_json::{Value, json};
use support::{Reply, Server, request, serve};

enum Case {
    /// A raw POST /api/jobs body.
    Body(&'static [u8]),
    Job(Value),
    Get(&'static str),
    Post { path: &'static str, headers: &'static [(&'static str, &'static str)], body: Value },
}

const NOTEBOOK: &str = "```params\nn = 5\n```\n\n```sql name=q\nSELECT $n AS n\n```\n";

fn cases() -> Vec<(&'static str, Case)> {
    use Case::*;
    vec![
        ("body is not JSON", Body(b"{source: sample}")),
        ("unknown field", Job(json!({"source": "sample", "sqll": "SELECT 1"}))),
        ("no source", Job(json!({"sql": "SELECT 1"}))),
        ("neither sql nor notebook", Job(json!({"source": "sample"}))),
        ("path outside the data directory", Job(json!({"source": "../secret.ndjson", "sql": "SELECT 1"}))),
        ("absolute path", Job(json!({"source": "/etc/passwd", "sql": "SELECT 1"}))),
        ("missing file", Job(json!({"source": "logs/nope.ndjson", "sql": "SELECT 1"}))),
        ("URL of an internal address", Job(json!({"source": "http://169.254.169.254/latest/meta-data", "sql": "SELECT 1"}))),
        ("unsupported URL scheme", Job(json!({"source": "ftp://example.com/log.ndjson", "sql": "SELECT 1"}))),
        ("a file in the browser", Job(json!({"source": "blob:http://127.0.0.1:8080/5f2c", "sql": "SELECT 1"}))),
        ("cluster asked, none configured", Job(json!({"source": "sample", "sql": "SELECT 1", "cluster": true}))),
        ("malformed notebook", Job(json!({"source": "sample", "notebook": "```sql name=q\nSELECT 1\n"}))),
        ("wrong parameter type", Job(json!({"source": "sample", "notebook": NOTEBOOK, "params": {"n": "five"}}))),
        ("unknown parameter", Job(json!({"source": "sample", "notebook": NOTEBOOK, "params": {"m": 1}}))),
        ("timeout above the server's", Job(json!({"source": "sample", "sql": "SELECT 1", "timeout_secs": 999999}))),
        ("invalid SQL", Job(json!({"source": "logs/small.ndjson", "sql": "SELEC count(*) FROM events"}))),
        ("unknown column", Job(json!({"source": "logs/small.ndjson", "sql": "SELECT revenu FROM events"}))),
        ("wrong types in SQL", Job(json!({"source": "logs/small.ndjson", "sql": "SELECT event + 1 FROM events"}))),
        ("division by zero", Job(json!({"source": "logs/small.ndjson", "sql": "SELECT 1 / (count(*) - 3) FROM events"}))),
        ("zstd-compressed log", Job(json!({"source": "logs/x.ndjson.zst", "sql": "SELECT 1"}))),
        ("bzip2-compressed log", Job(json!({"source": "logs/x.ndjson.bz2", "sql": "SELECT 1"}))),
        ("truncated gzip", Job(json!({"source": "logs/cut.ndjson.gz", "sql": "SELECT 1"}))),
        ("gzip log (read)", Job(json!({"source": "logs/small.ndjson.gz", "sql": "SELECT count(*) AS n FROM events"}))),
        ("unknown job", Get("/api/jobs/j999")),
        ("result of an unknown cell", Get("/api/jobs/j1/results/7")),
        ("unknown result format", Get("/api/jobs/j1/results/0?format=xml")),
        ("unknown share link", Get("/s/zzzzzzzz")),
        (
            "request from another site",
            Post { path: "/api/jobs", headers: &[("Origin", "https://evil.example")], body: json!({"source": "sample", "sql": "SELECT 1"}) },
        ),
    ]
}

/// One line per case: the reply, or the accepted job's end.
fn outcome(server: &Server, case: &Case) -> String {
    let reply = match case {
        Case::Body(body) => request(&server.addr, "POST", "/api/jobs", &[("Content-Type", "application/json")], body),
        Case::Job(job) => server.submit(job.clone()),
        Case::Get(path) => server.get(path),
        Case::Post { path, headers, body } => support::post_json(&server.addr, path, body, headers),
    };
    if reply.status == 202 {
        let done = server.follow(reply.json()["id"].as_str().unwrap());
        let id = done["id"].as_str().unwrap();
        return match done["state"].as_str().unwrap() {
            "succeeded" => format!("202, then succeeded: {}", server.get(&format!("/api/jobs/{id}/results/0?format=csv")).text().trim().replace('\n', " | ")),
            state => format!("202, then {state}: {}", error_text(&done["error"])),
        };
    }
    format!("{}: {}", reply.status, reply_text(&reply))
}

fn reply_text(reply: &Reply) -> String {
    match serde_json::from_slice::<Value>(&reply.body) {
        Ok(v) if v.get("error").is_some() => error_text(&v["error"]),
        _ => reply.text().trim().to_string(),
    }
}

/// `kind: message (hint)`, the message cut at its first line and 160 characters.
fn error_text(e: &Value) -> String {
    let message = e["message"].as_str().unwrap_or_default().lines().next().unwrap_or_default();
    let mut text = format!("{}: {}", e["kind"].as_str().unwrap_or_default(), message.chars().take(160).collect::<String>());
    if let Some(hint) = e["hint"].as_str() {
        text += &format!(" (hint: {hint})");
    }
    text
}

#[test]
fn bad_input_gets_a_clear_error_naming_what_is_wrong() {
    let server = serve("[jobs]\ntimeout_secs = 600\n");
    let logs = server.dir.join("data/logs");
    std::fs::write(logs.join("x.ndjson.zst"), b"\x28\xb5\x2f\xfd\x24\x05\x29\x00\x00hello").unwrap();
    std::fs::write(logs.join("x.ndjson.bz2"), b"BZh91AY&SY\x00\x00\x00\x00").unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(support::SMALL.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(logs.join("small.ndjson.gz"), &gz).unwrap();
    std::fs::write(logs.join("cut.ndjson.gz"), &gz[..gz.len() / 2]).unwrap();
    // A finished job for the result cases.
    assert_eq!(server.run(json!({"source": "logs/small.ndjson", "sql": "SELECT 1 AS one"}))["id"], "j1");

    let rendered: String =
        cases().iter().map(|(name, case)| format!("{name:<32} → {}\n", outcome(&server, case))).collect();
    expect![[r#"
        body is not JSON                 → 400: invalid_request: Failed to parse the request body as JSON: key must be a string at line 1 column 2
        unknown field                    → 422: invalid_request: Failed to deserialize the JSON body into the target type: sqll: unknown field `sqll`, expected one of `source`, `sql`, `notebook`, `params`, `timeout_secs`, `me
        no source                        → 422: invalid_request: Failed to deserialize the JSON body into the target type: missing field `source` at line 1 column 18
        neither sql nor notebook         → 400: invalid_request: give exactly one of `sql` and `notebook`
        path outside the data directory  → 403: forbidden: `../secret.ndjson` is outside the data directory
        absolute path                    → 403: forbidden: `/etc/passwd` is outside the data directory
        missing file                     → 400: not_found: logs/nope.ndjson does not exist in the data directory
        URL of an internal address       → 403: forbidden: 169.254.169.254 resolves to 169.254.169.254, an internal address; this server does not fetch from internal addresses (allow_private_sources)
        unsupported URL scheme           → 400: invalid_source: `ftp://` sources are not supported: use http(s)://, s3:// or a path in the data directory
        a file in the browser            → 400: invalid_source: `blob:http://127.0.0.1:8080/5f2c` is a file on your machine (in your browser); this server cannot read it: put the log in the server's data directory, on an htt
        cluster asked, none configured   → 400: no_cluster: this server has no cluster to run the job on (its config has no [cluster] engine = "ballista"); leave out `cluster`
        malformed notebook               → 400: invalid_notebook: the notebook does not parse: line 1: this ```sql cell is never closed: add a line ``` after its body
        wrong parameter type             → 400: invalid_notebook: parameter `n` is a whole number; "five" is not a whole number
        unknown parameter                → 400: invalid_notebook: the notebook has no parameter `m` (it has: n)
        timeout above the server's       → 400: invalid_request: `timeout_secs` 999999 is more than this server allows (600)
        invalid SQL                      → 202, then failed: sql: SQL error: ParserError("Expected: an SQL statement, found: SELEC at Line: 1, Column: 1") (hint: a syntax error: check commas, parentheses and quotes ('text' for strings, "Name" for column names with capitals or dots))
        unknown column                   → 202, then failed: sql: Schema error: No field named revenu. Did you mean 'events.event'? (hint: unknown column `revenu`; did you mean `"properties.revenue"`, `event`?)
        wrong types in SQL               → 202, then failed: sql: Error during planning: Cannot coerce arithmetic expression Utf8 + Int64 to valid types (hint: the values have different types (Utf8 and Int64): cast one side, e.g. `CAST(x AS DOUBLE)` or `CAST(x AS VARCHAR)`; a `properties.x` column holds one JSON type, other types are NULL (see the ingest report))
        division by zero                 → 202, then failed: execution: Arrow error: Divide by zero error
        zstd-compressed log              → 202, then failed: unsupported_compression: `x.ndjson.zst` is zstd-compressed; Glint reads NDJSON plain or gzip-compressed: decompress it first (`zstd -d`) or compress it with gzip
        bzip2-compressed log             → 202, then failed: unsupported_compression: `x.ndjson.bz2` is bzip2-compressed; Glint reads NDJSON plain or gzip-compressed: decompress it first (`bunzip2`) or compress it with gzip
        truncated gzip                   → 202, then failed: invalid_source: `cut.ndjson.gz` starts like gzip but does not decompress: incomplete deflate stream
        gzip log (read)                  → 202, then succeeded: n | 3
        unknown job                      → 404: not_found: there is no job `j999` (finished jobs are kept for a while, then forgotten)
        result of an unknown cell        → 409: no_result: job `j1` has no result 7 (1 of 1 cells done, succeeded)
        unknown result format            → 400: invalid_request: `format=xml` is not one of arrow (default), csv, json
        unknown share link               → 404: This share link does not exist. Check that it was copied whole.
        request from another site        → 403: forbidden: cross-origin requests are refused (Origin "https://evil.example" is not this server)
    "#]]
    .assert_eq(&rendered);

    let done = server.run(json!({"source": "logs/small.ndjson", "sql": "SELECT count(*) AS n FROM events"}));
    assert_eq!(done["state"], "succeeded", "the server still works: {done}");
}
