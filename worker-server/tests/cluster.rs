//! Past one machine, for real: the `glint-scheduler` binary and two
//! `glint-executor` binaries on 127.0.0.1, and the real `worker-server serve`
//! with a `[cluster]` section. Jobs go through the worker server's API, run
//! on the cluster (the executors read the log from the shared data
//! directory) and answer exactly as the same jobs run in the server.
//!
//! The cluster binaries are built by the same `cargo test` run when it
//! includes `-p glint-cluster` (as `cargo xtask test` does).

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use glint_engine::sample::{SampleSpec, generate};
use serde_json::{Value, json};
use support::*;

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bin(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_worker-server")).with_file_name(name);
    assert!(path.exists(), "{} is missing: run the tests with -p glint-cluster too (cargo xtask test does)", path.display());
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_listening(port: u16, what: &str, child: &mut Child) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited: {status}");
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A scheduler and two executors (one task each), as the README's "Scaling out" starts them.
fn cluster(work: &std::path::Path) -> (u16, Vec<Proc>) {
    let port = free_port();
    let mut scheduler = Command::new(bin("glint-scheduler"))
        .args(["--bind-host", "127.0.0.1", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    wait_listening(port, "glint-scheduler", &mut scheduler);
    let mut procs = vec![Proc(scheduler)];
    for i in 0..2 {
        let (flight, grpc) = (free_port(), free_port());
        let dir = work.join(format!("executor-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut executor = Command::new(bin("glint-executor"))
            .args(["--scheduler-host", "127.0.0.1", "--scheduler-port", &port.to_string()])
            .args(["--bind-host", "127.0.0.1", "--external-host", "127.0.0.1"])
            .args(["--port", &flight.to_string(), "--grpc-port", &grpc.to_string(), "--concurrent-tasks", "1"])
            .arg("--work-dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        wait_listening(flight, "glint-executor", &mut executor);
        procs.push(Proc(executor));
    }
    (port, procs)
}

/// A result as CSV, floats to 9 significant digits (sums over other
/// partitions add in another order).
fn csv(server: &Server, status: &Value, index: usize) -> String {
    let id = status["id"].as_str().unwrap();
    let text = server.get(&format!("/api/jobs/{id}/results/{index}?format=csv")).text();
    text.lines()
        .map(|line| {
            line.split(',')
                .map(|f| match f.parse::<f64>() {
                    Ok(v) if f.contains('.') || f.contains('e') => format!("{v:.9e}"),
                    _ => f.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const NOTEBOOK: &str = r#"# Read-out

```sql name=per_event
SELECT event, count(*) AS n, count(DISTINCT user_id) AS users FROM events GROUP BY event ORDER BY event
```

```ab name=rec_test
experiment: rec_model_v2
control: control
metric: added_to_cart = conversion "Added to Cart"
metric: revenue = sum properties.revenue "Order Completed"
```

```sql
SELECT sum(n) AS events FROM per_event
```
"#;

#[test]
fn jobs_run_on_a_real_two_executor_cluster_and_answer_like_the_server() {
    let work = temp("cluster");
    let (port, _procs) = cluster(&work);
    let config = format!(
        "[cluster]\nengine = \"ballista\"\nscheduler = \"df://127.0.0.1:{port}\"\nthreshold_mb = 0\nranges = 4\nshared_data_dir = true\n"
    );
    let server = serve(&config);
    let log = generate(&SampleSpec { users: 400, days: 5, ..SampleSpec::default() });
    std::fs::write(server.dir.join("data/events.ndjson"), &log).unwrap();

    // A query job: on the cluster (threshold 0), and the same here.
    let sql = "SELECT properties['variant'] AS variant, count(*) AS n, count(DISTINCT user_id) AS users FROM events WHERE properties['experiment_id'] = 'rec_model_v2' GROUP BY 1 ORDER BY 1";
    let on_cluster = server.run(json!({"source": "events.ndjson", "sql": sql}));
    assert_eq!(on_cluster["state"], "succeeded", "{on_cluster}");
    assert_eq!(on_cluster["engine"], format!("ballista df://127.0.0.1:{port}").as_str());
    let here = server.run(json!({"source": "events.ndjson", "sql": sql, "cluster": false}));
    assert_eq!((here["state"].as_str(), here["engine"].as_str()), (Some("succeeded"), Some("local")), "{here}");
    for key in ["rows", "malformed", "bytes", "type_conflicts"] {
        assert_eq!(on_cluster["ingest"][key], here["ingest"][key], "ingest {key}");
    }
    assert!(on_cluster["ingest"]["malformed"].as_u64().unwrap() > 0);
    let (a, b) = (csv(&server, &on_cluster, 0), csv(&server, &here, 0));
    assert_eq!(a, b);
    assert!(a.lines().count() >= 3, "{a}");

    // A notebook: SQL, an A/B read-out, and a cell reading an earlier cell's result.
    let on_cluster = server.run(json!({"source": "events.ndjson", "notebook": NOTEBOOK, "cluster": true}));
    assert_eq!(on_cluster["state"], "succeeded", "{on_cluster}");
    let here = server.run(json!({"source": "events.ndjson", "notebook": NOTEBOOK, "cluster": false}));
    assert_eq!(here["state"], "succeeded", "{here}");
    for i in 0..3 {
        assert_eq!(csv(&server, &on_cluster, i), csv(&server, &here, i), "cell result {i}");
        let (a, b) = (&on_cluster["results"][i], &here["results"][i]);
        assert_eq!((&a["notes"], &a["alert"], &a["rows"]), (&b["notes"], &b["alert"], &b["rows"]), "cell {i}");
    }

    // The built-in sample is the server's own: asked for the cluster, a clear error; by size, it runs here.
    let refused = server.submit(json!({"source": "sample", "sql": "SELECT 1 AS x", "cluster": true}));
    assert_eq!((refused.status, refused.error_kind()), (400, "not_reachable_by_cluster".to_string()), "{}", refused.text());
    assert!(refused.text().contains("the built-in sample is made by this server"), "{}", refused.text());
    let local = server.run(json!({"source": "sample", "sql": "SELECT count(*) AS n FROM events"}));
    assert_eq!((local["state"].as_str(), local["engine"].as_str()), (Some("succeeded"), Some("local")), "{local}");
    std::fs::remove_dir_all(&work).ok();
}

#[test]
fn sources_the_executors_cannot_read_and_a_missing_cluster_are_clear_errors() {
    // A data directory that is not shared with the executors.
    let port = free_port(); // nothing listens: the job never gets that far
    let server = serve(&format!("[cluster]\nengine = \"ballista\"\nscheduler = \"df://127.0.0.1:{port}\"\nthreshold_mb = 0\n"));
    let r = server.submit(json!({"source": "logs/small.ndjson", "sql": "SELECT 1 AS x", "cluster": true}));
    assert_eq!((r.status, r.error_kind()), (400, "not_reachable_by_cluster".to_string()), "{}", r.text());
    let r = r.json();
    assert!(r["error"]["message"].as_str().unwrap().contains("`small.ndjson` is in this server's data directory"), "{r}");
    assert!(r["error"]["hint"].as_str().unwrap().contains("shared_data_dir = true"), "{r}");
    // By size (threshold 0) the same log simply runs here.
    let r = server.run(json!({"source": "logs/small.ndjson", "sql": "SELECT count(*) AS n FROM events"}));
    assert_eq!((r["state"].as_str(), r["engine"].as_str()), (Some("succeeded"), Some("local")), "{r}");
    // A browser-local file is named as such.
    let r = server.submit(json!({"source": "blob:http://127.0.0.1:8080/5f2c", "sql": "SELECT 1"}));
    assert_eq!((r.status, r.error_kind()), (400, "invalid_source".to_string()));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("is a file on your machine (in your browser)"), "{}", r.text());

    // A server without a cluster refuses `"cluster": true` at once.
    let plain = serve("");
    let r = plain.submit(json!({"source": "sample", "sql": "SELECT 1", "cluster": true}));
    assert_eq!((r.status, r.error_kind()), (400, "no_cluster".to_string()), "{}", r.text());

    // A scheduler that is not there: the job fails, naming it, within its timeout.
    let shared = serve(&format!(
        "[cluster]\nengine = \"ballista\"\nscheduler = \"df://127.0.0.1:{port}\"\nthreshold_mb = 0\nshared_data_dir = true\n"
    ));
    let r = shared.run(json!({"source": "logs/small.ndjson", "sql": "SELECT 1 AS x", "timeout_secs": 60}));
    assert_eq!(r["state"], "failed", "{r}");
    let message = r["error"]["message"].as_str().unwrap();
    assert!(message.contains("Ballista cluster") && message.contains(&port.to_string()), "{r}");
}
