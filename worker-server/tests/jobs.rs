//! The job API over real HTTP on 127.0.0.1: the real `worker-server serve`
//! binary, and real source servers that count requests and fail on purpose.

mod support;

use serde_json::{Value, json};
use support::*;

const OPEN: &str = "[server]\nallow_private_sources = true\n[jobs]\nmax_retries = 3\nretry_backoff_ms = 20\n";

// ---------------------------------------------------------------- the checks

#[test]
fn a_query_job_reports_progress_and_answers_like_the_cli() {
    let server = serve("");
    let sql = "SELECT event, count(*) AS n, count(DISTINCT user_id) AS users FROM events GROUP BY event ORDER BY event";
    let r = server.submit(json!({"source": "sample", "sql": sql}));
    assert_eq!((r.status, r.header("location").map(|l| l.starts_with("/api/jobs/j"))), (202, Some(true)), "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let events = sse_statuses(&server.get(&format!("/api/jobs/{id}/events")).text());
    let stages: Vec<&str> = events.iter().map(|e| e["state"].as_str().unwrap()).collect();
    assert_eq!(stages.last(), Some(&"succeeded"), "{events:?}");
    assert!(events.iter().any(|e| e["stage"].as_str().unwrap().starts_with("ingesting")), "{events:?}");
    let last = events.last().unwrap();
    assert_eq!((last["cells_done"].as_u64(), last["ingest"]["rows"].as_u64(), last["ingest"]["malformed"].as_u64()), (Some(1), Some(85381), Some(222)));
    let csv = server.get(&format!("/api/jobs/{id}/results/0?format=csv"));
    assert_eq!(csv.text(), cli_csv(&["--sample"], sql));
    let arrow = server.get(&format!("/api/jobs/{id}/results/0"));
    assert_eq!(arrow.header("content-type"), Some("application/vnd.apache.arrow.stream"));
    let reader = arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(arrow.body), None).unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, csv.text().lines().count() - 1);
    let listed = server.get("/api/jobs").json();
    assert_eq!(listed["jobs"][0]["id"], id.as_str());
    let cases = [
        (format!("/api/jobs/{id}/results/1"), 409, "no_result"),
        (format!("/api/jobs/{id}/results/0?format=xml"), 400, "invalid_request"),
        ("/api/jobs/j999".to_string(), 404, "not_found"),
    ];
    for (path, status, kind) in cases {
        let r = server.get(&path);
        assert_eq!((r.status, r.error_kind()), (status, kind.to_string()), "{path}");
    }
}

#[test]
fn a_notebook_job_runs_its_cells_in_order_with_parameter_overrides() {
    let server = serve("");
    let notebook = "# Read-out\n\n```params\nevent = \"Order Completed\"\n```\n\n```sql name=orders\nSELECT user_id FROM events WHERE event = $event\n```\n\n```sql\nSELECT count(*) AS n FROM orders\n```\n";
    let done = server.run(json!({"source": "sample", "notebook": notebook}));
    assert_eq!(done["state"], "succeeded", "{done}");
    let cells: Vec<&str> = done["results"].as_array().unwrap().iter().map(|r| r["cell"].as_str().unwrap()).collect();
    assert_eq!(cells, ["cell 3 (sql `orders`)", "cell 4 (sql)"]);
    let id = done["id"].as_str().unwrap();
    let expected = cli_csv(&["--sample"], "SELECT count(*) AS n FROM events WHERE event = 'Order Completed'");
    assert_eq!(server.get(&format!("/api/jobs/{id}/results/1?format=csv")).text(), expected);
    let done = server.run(json!({"source": "sample", "notebook": notebook, "params": {"event": "Product Viewed"}}));
    let expected = cli_csv(&["--sample"], "SELECT count(*) AS n FROM events WHERE event = 'Product Viewed'");
    assert_eq!(server.get(&format!("/api/jobs/{}/results/1?format=csv", done["id"].as_str().unwrap())).text(), expected);
    // A failing cell is named; the cells before it keep their results.
    let broken = format!("{notebook}\n```sql\nSELECT nope FROM orders\n```\n");
    let done = server.run(json!({"source": "sample", "notebook": broken}));
    assert_eq!((done["state"].as_str(), done["error"]["cell"].as_str(), done["error"]["kind"].as_str()), (Some("failed"), Some("cell 5 (sql)"), Some("sql")), "{done}");
    assert_eq!(done["results"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_requests_get_clear_errors_before_anything_runs() {
    let server = serve("[server]\nmax_request_bytes = 4096\n");
    let big = "x".repeat(8000);
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (json!({"source": "sample"}), 400, "invalid_request", "give exactly one of `sql` and `notebook`"),
        (json!({"source": "sample", "sql": "SELECT 1", "notebook": "x"}), 400, "invalid_request", "exactly one"),
        (json!({"source": "sample", "sql": "SELECT 1", "timeout_secs": 100000}), 400, "invalid_request", "`timeout_secs` 100000 is more than this server allows (600)"),
        (json!({"source": "sample", "notebook": "```params\nn = 1\n```\n```sql\nSELECT $n\n```\n", "params": {"n": "ten"}}), 400, "invalid_notebook", "parameter `n` is a whole number"),
        (json!({"source": "sample", "notebook": "# only text\n"}), 400, "invalid_notebook", "no cells to compute"),
        (json!({"source": "", "sql": "SELECT 1"}), 400, "invalid_source", "the job has no source"),
        (json!({"source": "sample", "sql": "SELECT 1", "colour": "red"}), 422, "invalid_request", "unknown field `colour`"),
        (json!({"source": "sample", "sql": big}), 413, "too_large", "length limit"),
    ];
    for (job, status, kind, message) in cases {
        let r = server.submit(job.clone());
        assert_eq!((r.status, r.error_kind()), (status, kind.to_string()), "{job}: {}", r.text());
        assert!(r.json()["error"]["message"].as_str().unwrap().contains(message), "{job}: {}", r.text());
    }
    let r = request(&server.addr, "POST", "/api/jobs", &[("Content-Type", "application/json")], b"{not json");
    assert_eq!((r.status, r.error_kind()), (400, "invalid_request".to_string()));
    // SQL errors are the job's, reported with the engine's hint.
    let done = server.run(json!({"source": "sample", "sql": "SELECT evnt FROM events"}));
    assert_eq!((done["state"].as_str(), done["error"]["kind"].as_str()), (Some("failed"), Some("sql")), "{done}");
    assert!(done["error"]["hint"].as_str().unwrap_or_default().contains("event"), "{done}");
    // Too little memory for the log.
    let done = server.run(json!({"source": "sample", "sql": "SELECT 1", "memory_limit_mb": 1}));
    assert_eq!((done["state"].as_str(), done["error"]["kind"].as_str()), (Some("failed"), Some("resources_exhausted")), "{done}");
}

#[test]
fn jobs_can_be_cancelled_and_time_out() {
    let server = serve("[jobs]\nmax_concurrent = 1\nqueue_capacity = 1\n");
    let running = server.submit(json!({"source": "sample", "sql": SLOW})).json()["id"].as_str().unwrap().to_string();
    server.wait_state(&running, "running");
    let queued = server.submit(json!({"source": "sample", "sql": SLOW})).json()["id"].as_str().unwrap().to_string();
    assert_eq!(server.get(&format!("/api/jobs/{queued}")).json()["state"], "queued");
    let full = server.submit(json!({"source": "sample", "sql": "SELECT 1"}));
    assert_eq!((full.status, full.error_kind(), full.header("retry-after")), (503, "queue_full".to_string(), Some("5")));
    for id in [&queued, &running] {
        let r = request(&server.addr, "DELETE", &format!("/api/jobs/{id}"), &[], b"");
        assert_eq!((r.status, r.json()["state"].as_str()), (200, Some("cancelled")), "{}", r.text());
        let again = request(&server.addr, "DELETE", &format!("/api/jobs/{id}"), &[], b"");
        assert_eq!((again.status, again.error_kind()), (409, "finished".to_string()));
    }
    // The slot is free again, and a job over its time limit is stopped
    // (SLOW alone runs for tens of seconds).
    let done = server.run(json!({"source": "sample", "sql": SLOW, "timeout_secs": 2}));
    assert_eq!((done["state"].as_str(), done["error"]["kind"].as_str()), (Some("timed_out"), Some("timeout")), "{done}");
    let done = server.run(json!({"source": "sample", "sql": "SELECT 1 AS one"}));
    assert_eq!(done["state"], "succeeded", "{done}");
}

#[test]
fn remote_sources_are_retried_memoized_and_refetched_when_they_change() {
    let server = serve(OPEN);
    let flaky = Source::start(SMALL, 2, 503);
    let sql = "SELECT event, count(*) AS n FROM events GROUP BY event ORDER BY event";
    let done = server.run(json!({"source": flaky.url(), "sql": sql}));
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(Source::count(&flaky.failures), 2);
    assert_eq!(done["memoized"], false);
    let id = done["id"].as_str().unwrap();
    assert_eq!(server.get(&format!("/api/jobs/{id}/results/0?format=csv")).text(), "event,n\nbuy,1\nview,2\n");
    // The same version again: not read again.
    let done = server.run(json!({"source": flaky.url(), "sql": sql}));
    assert_eq!((done["state"].as_str(), done["memoized"].as_bool()), (Some("succeeded"), Some(true)));
    assert_eq!((Source::count(&flaky.gets), Source::count(&flaky.heads)), (1, 2));
    // A new version is read.
    *flaky.body.lock().unwrap() = (format!("{SMALL}{{\"event\":\"buy\",\"userId\":\"u3\"}}\n"), "\"v2\"".into());
    let done = server.run(json!({"source": flaky.url(), "sql": sql}));
    assert_eq!(done["memoized"], false);
    assert_eq!(server.get(&format!("/api/jobs/{}/results/0?format=csv", done["id"].as_str().unwrap())).text(), "event,n\nbuy,2\nview,2\n");
    assert_eq!(Source::count(&flaky.gets), 2);
    assert_eq!(server.get("/api/stats").json()["source_fetches"], 2);
    // A source that stays down fails after the retries; a missing one is not retried.
    let down = Source::start(SMALL, 100, 503);
    let done = server.run(json!({"source": down.url(), "sql": sql}));
    assert_eq!((done["state"].as_str(), done["error"]["kind"].as_str()), (Some("failed"), Some("source_unavailable")), "{done}");
    assert_eq!(Source::count(&down.failures), 4, "one try and 3 retries");
    let missing = Source::start(SMALL, 100, 404);
    let done = server.run(json!({"source": missing.url(), "sql": sql}));
    assert_eq!((done["state"].as_str(), done["error"]["kind"].as_str()), (Some("failed"), Some("not_found")), "{done}");
    assert_eq!(Source::count(&missing.failures), 1);
}

#[test]
fn local_paths_stay_in_the_data_directory_and_internal_addresses_are_refused() {
    let server = serve("");
    let done = server.run(json!({"source": "logs/small.ndjson", "sql": "SELECT count(*) AS n FROM events"}));
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(server.get(&format!("/api/jobs/{}/results/0?format=csv", done["id"].as_str().unwrap())).text(), "n\n3\n");
    let source = Source::start(SMALL, 0, 200);
    let secret = server.dir.join("secret.ndjson");
    let cases = [
        ("../secret.ndjson".to_string(), 403, "forbidden"),
        (secret.display().to_string(), 403, "forbidden"),
        ("logs/../../secret.ndjson".to_string(), 403, "forbidden"),
        ("logs/none.ndjson".to_string(), 400, "not_found"),
        (format!("file://{}", secret.display()), 400, "invalid_source"),
        (source.url(), 403, "forbidden"),
        (source.url().replace("127.0.0.1", "localhost"), 403, "forbidden"),
        ("http://169.254.169.254/latest/meta-data/".to_string(), 403, "forbidden"),
        ("http://[::1]:9/x".to_string(), 403, "forbidden"),
    ];
    for (src, status, kind) in cases {
        let r = server.submit(json!({"source": src, "sql": "SELECT 1"}));
        assert_eq!((r.status, r.error_kind()), (status, kind.to_string()), "{src}: {}", r.text());
    }
    assert_eq!(Source::count(&source.gets) + Source::count(&source.heads), 0, "the refused source was never contacted");
}

#[test]
fn the_job_api_needs_the_token_and_the_same_origin() {
    let e = try_serve("", &["--host", "0.0.0.0"], &[]).err().expect("refused without a token");
    assert!(e.contains("needs a token for the job API"), "{e}");
    let mut server = try_serve("", &[], &[("GLINT_TOKEN", "s3cret-token")]).unwrap();
    let job = json!({"source": "sample", "sql": "SELECT 1 AS one"});
    let cases: Vec<(Vec<(&str, &str)>, u16)> = vec![
        (vec![], 401),
        (vec![("Authorization", "Bearer wrong")], 401),
        (vec![("Authorization", "Basic czNjcmV0LXRva2Vu")], 401),
        (vec![("Authorization", "Bearer s3cret-token")], 202),
        (vec![("Authorization", "Bearer s3cret-token"), ("Origin", "http://evil.example")], 403),
    ];
    for (headers, status) in cases {
        let r = post_json(&server.addr, "/api/jobs", &job, &headers);
        assert_eq!(r.status, status, "{headers:?}: {}", r.text());
    }
    let same_origin = format!("http://{}", server.addr);
    let r = post_json(&server.addr, "/api/jobs", &job, &[("Authorization", "Bearer s3cret-token"), ("Origin", &same_origin)]);
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(request(&server.addr, "GET", "/api/jobs", &[], b"").status, 401);
    // The app and the sample stay public.
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get("/api/health").status, 200);
    let logs = server.stop_and_logs();
    assert!(!logs.contains("s3cret-token"), "the token is in the server's log: {logs}");
}

#[test]
fn accepted_jobs_are_not_lost_when_the_server_is_killed() {
    let dir = temp("restart");
    let config = "[jobs]\nmax_concurrent = 1\n";
    let first = serve_in(&dir, config);
    let done = first.run(json!({"source": "sample", "sql": "SELECT 2 AS two"}));
    assert_eq!((done["id"].as_str(), done["state"].as_str()), (Some("j1"), Some("succeeded")));
    let running = first.submit(json!({"source": "sample", "sql": SLOW})).json()["id"].as_str().unwrap().to_string();
    first.wait_state(&running, "running");
    let queued = first.submit(json!({"source": "logs/small.ndjson", "sql": "SELECT count(*) AS n FROM events"})).json()["id"].as_str().unwrap().to_string();
    assert_eq!((running.as_str(), queued.as_str()), ("j2", "j3"));
    drop(first); // SIGKILL
    let second = serve_in(&dir, config);
    // The finished job keeps its status; its results were in memory only.
    assert_eq!(second.get("/api/jobs/j1").json()["state"], "succeeded");
    let gone = second.get("/api/jobs/j1/results/0");
    assert_eq!((gone.status, gone.error_kind()), (410, "gone".to_string()));
    // The running job is reported failed, saying why; the queued one runs.
    let failed = second.get(&format!("/api/jobs/{running}")).json();
    assert_eq!((failed["state"].as_str(), failed["error"]["kind"].as_str()), (Some("failed"), Some("server_restarted")), "{failed}");
    let resumed = second.follow(&queued);
    assert_eq!(resumed["state"], "succeeded", "{resumed}");
    assert_eq!(second.get(&format!("/api/jobs/{queued}/results/0?format=csv")).text(), "n\n3\n");
    // Numbering goes on; nothing was listed twice.
    assert_eq!(second.submit(json!({"source": "sample", "sql": "SELECT 1"})).json()["id"], "j4");
    let ids: Vec<String> = second.get("/api/jobs").json()["jobs"].as_array().unwrap().iter().map(|j| j["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, ["j4", "j3", "j2", "j1"]);
    drop(second);
    std::fs::remove_dir_all(&dir).unwrap();
}
