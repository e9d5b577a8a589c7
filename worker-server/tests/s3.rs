//! `s3://` sources against a real S3-compatible server: moto's `moto_server`
//! (PyPI `moto[server]`, installed by `cargo xtask test` into
//! `~/.cache/glint/moto-venv` and named by `GLINT_MOTO_SERVER`), on a free
//! port of 127.0.0.1. Objects are written with plain unsigned PUTs (moto
//! accepts them); the job server reads them through object_store's S3 client
//! (path-style requests), signed with the credentials in its environment.
//! Without moto these tests fail, saying how to install it; they never pass
//! silently.

mod support;

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

/// The server's credentials: distinctive, so that an echo would be found.
const KEY_ID: &str = "AKIAGLINTS3TESTKEY01";
const SECRET: &str = "glint/s3+secret+never+shown";
const CREDENTIALS: [(&str, &str); 2] = [("AWS_ACCESS_KEY_ID", KEY_ID), ("AWS_SECRET_ACCESS_KEY", SECRET)];

const SQL: &str = "SELECT event, count(*) AS n, count(DISTINCT user_id) AS users FROM events GROUP BY event ORDER BY event";

// ---------------------------------------------------------------- the checks

#[test]
fn an_s3_object_is_read_memoized_and_read_again_when_it_changes() {
    let moto = Moto::start();
    moto.create_bucket("glint");
    moto.put("glint/logs/small.ndjson", SMALL);
    let mut server = try_serve(&moto.config(), &[], &CREDENTIALS).unwrap();
    let source = "s3://glint/logs/small.ndjson";
    let mut seen = Vec::new();

    let done = server.run(json!({"source": source, "sql": SQL}));
    assert_eq!((done["state"].as_str(), done["memoized"].as_bool()), (Some("succeeded"), Some(false)), "{done}");
    assert_eq!((done["source"].as_str(), done["ingest"]["rows"].as_u64(), done["ingest"]["malformed"].as_u64()), (Some(source), Some(3), Some(1)));
    assert_eq!(csv(&server, &done), cli_csv_of(SMALL), "the job answers as the CLI does on the same bytes");
    seen.push(done);

    // The same object version again: not read again.
    let done = server.run(json!({"source": source, "sql": SQL}));
    assert_eq!((done["state"].as_str(), done["memoized"].as_bool()), (Some("succeeded"), Some(true)), "{done}");
    assert_eq!(server.get("/api/stats").json()["source_fetches"], 1);
    seen.push(done);

    // Overwritten (a new ETag): read again, and the answer is the new one.
    let changed = format!("{SMALL}{{\"event\":\"buy\",\"userId\":\"u3\"}}\n");
    moto.put("glint/logs/small.ndjson", &changed);
    let done = server.run(json!({"source": source, "sql": SQL}));
    assert_eq!((done["state"].as_str(), done["memoized"].as_bool()), (Some("succeeded"), Some(false)), "{done}");
    assert_eq!(csv(&server, &done), cli_csv_of(&changed));
    assert_eq!(csv(&server, &done), "event,n,users\nbuy,2,2\nview,2,2\n");
    assert_eq!(server.get("/api/stats").json()["source_fetches"], 2);
    seen.push(done);

    // Credentials in the request's URL are neither used nor shown.
    let done = server.run(json!({"source": "s3://someone:hunter2@glint/logs/small.ndjson?token=hunter3", "sql": SQL}));
    let shown = done["source"].as_str().unwrap_or_default();
    assert_eq!((done["state"].as_str(), shown.split('?').next()), (Some("succeeded"), Some("s3://glint/logs/small.ndjson")), "{done}");
    seen.push(done);

    assert_no_secrets(&server, &seen, &[KEY_ID, SECRET, "hunter2", "hunter3"]);
    let logs = server.stop_and_logs();
    for secret in [KEY_ID, SECRET, "hunter2", "hunter3"] {
        assert!(!logs.contains(secret), "{secret:?} is in the server's log: {logs}");
    }
    let db = std::fs::metadata(server.dir.join("jobs.sqlite")).unwrap();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&db.permissions()) & 0o777, 0o600, "the job database is private");
}

#[test]
fn missing_objects_and_buckets_fail_the_job_clearly() {
    let moto = Moto::start();
    moto.create_bucket("glint");
    moto.put("glint/logs/small.ndjson", SMALL);
    let server = try_serve(&moto.config(), &[], &CREDENTIALS).unwrap();
    // (source, error kind, words the message must hold)
    let cases = [
        ("s3://glint/logs/missing.ndjson", "not_found", "s3://glint/logs/missing.ndjson was not found"),
        ("s3://glint-no-such-bucket/logs/small.ndjson", "not_found", "s3://glint-no-such-bucket/logs/small.ndjson was not found"),
    ];
    let mut seen = Vec::new();
    for (source, kind, words) in cases {
        let done = server.run(json!({"source": source, "sql": SQL}));
        let error = &done["error"];
        assert_eq!((done["state"].as_str(), error["kind"].as_str()), (Some("failed"), Some(kind)), "{source}: {done}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{source}: {message:?} lacks {words:?}");
        seen.push(done);
    }
    assert_eq!(server.get("/api/stats").json()["source_fetches"], 0);
    assert_no_secrets(&server, &seen, &[KEY_ID, SECRET]);
}

#[test]
fn without_credentials_an_s3_job_fails_clearly() {
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() || std::env::var_os("AWS_SECRET_ACCESS_KEY").is_some() {
        eprintln!("SKIPPED: AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is set here, and the server would inherit it");
        return;
    }
    let moto = Moto::start();
    moto.create_bucket("glint");
    moto.put("glint/logs/small.ndjson", SMALL);
    // With no keys object_store asks the instance metadata service; point it
    // at a closed loopback port rather than 169.254.169.254.
    let metadata = format!("http://127.0.0.1:{}", free_port());
    let config = format!("{}[jobs]\nmax_retries = 1\nretry_backoff_ms = 20\n", moto.config());
    let server = try_serve(&config, &[], &[("AWS_METADATA_ENDPOINT", &metadata)]).unwrap();
    let started = Instant::now();
    let done = server.run(json!({"source": "s3://glint/logs/small.ndjson", "sql": SQL}));
    let message = done["error"]["message"].as_str().unwrap_or_default().to_string();
    assert_eq!((done["state"].as_str(), done["error"]["kind"].as_str()), (Some("failed"), Some("forbidden")), "{done}");
    assert!(message.contains("s3://glint/logs/small.ndjson") && message.contains("AWS_ACCESS_KEY_ID"), "{message:?}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

// ---------------------------------------------------------------- helpers

/// The CSV of a finished job's first result.
fn csv(server: &Server, done: &Value) -> String {
    server.get(&format!("/api/jobs/{}/results/0?format=csv", done["id"].as_str().unwrap())).text()
}

/// `worker-server query --format csv` on `log` written to a local file.
fn cli_csv_of(log: &str) -> String {
    let dir = temp("s3-cli");
    let path = dir.join("log.ndjson");
    std::fs::write(&path, log).unwrap();
    let out = cli_csv(&[path.to_str().unwrap()], SQL);
    std::fs::remove_dir_all(dir).unwrap();
    out
}

/// No status of `jobs`, nor their event streams, nor the job list, holds any of `secrets`.
fn assert_no_secrets(server: &Server, jobs: &[Value], secrets: &[&str]) {
    let mut texts: Vec<String> = jobs.iter().map(Value::to_string).collect();
    for job in jobs {
        let id = job["id"].as_str().unwrap();
        texts.push(server.get(&format!("/api/jobs/{id}")).text());
        texts.push(server.get(&format!("/api/jobs/{id}/events")).text());
    }
    texts.push(server.get("/api/jobs").text());
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} is echoed: {text}");
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// ---------------------------------------------------------------- moto

/// A `moto_server` on a free port, killed on drop.
struct Moto {
    child: Child,
    addr: String,
    dir: PathBuf,
}

impl Moto {
    fn start() -> Moto {
        let bin = moto_server();
        let dir = temp("moto");
        let log = dir.join("moto.log");
        let started = Instant::now();
        // The port is free when chosen; another process may take it before
        // moto binds it, so a failed start is tried again on another port.
        for _ in 0..3 {
            let port = free_port();
            let out = File::create(&log).unwrap();
            let mut child = Command::new(&bin)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let addr = format!("127.0.0.1:{port}");
            while started.elapsed() < Duration::from_secs(60) {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if TcpStream::connect(&addr).is_ok() && request(&addr, "GET", "/moto-api/", &[], b"").status == 200 {
                    return Moto { child, addr, dir };
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("{} did not start: {}", bin.display(), std::fs::read_to_string(&log).unwrap_or_default());
    }

    /// The server's `[s3]` section for this moto.
    fn config(&self) -> String {
        format!("[s3]\nendpoint = \"http://{}\"\nregion = \"us-east-1\"\nallow_http = true\n", self.addr)
    }

    /// A bucket anyone may write: moto refuses unsigned overwrites of a
    /// private bucket's objects.
    fn create_bucket(&self, bucket: &str) {
        let r = request(&self.addr, "PUT", &format!("/{bucket}"), &[("x-amz-acl", "public-read-write")], b"");
        assert_eq!(r.status, 200, "creating bucket {bucket}: {}", r.text());
    }

    /// Writes `body` at `bucket/key` (an unsigned, path-style PUT).
    fn put(&self, path: &str, body: &str) {
        let r = request(&self.addr, "PUT", &format!("/{path}"), &[("Content-Type", "application/octet-stream")], body.as_bytes());
        assert_eq!(r.status, 200, "PUT {path}: {}", r.text());
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `$GLINT_MOTO_SERVER`, else `~/.cache/glint/moto-venv/bin/moto_server`;
/// panics with how to install it when it is missing.
fn moto_server() -> PathBuf {
    let bin = match std::env::var_os("GLINT_MOTO_SERVER") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/glint/moto-venv/bin/moto_server"),
    };
    assert!(
        bin.is_file(),
        "moto's S3 server is not at {}: run `cargo xtask test`, which installs it (PyPI `moto[server]`, the \
         version pinned as MOTO_VERSION in xtask/src/tools.rs) into ~/.cache/glint/moto-venv, or install it \
         yourself (`python3 -m venv ~/.cache/glint/moto-venv && ~/.cache/glint/moto-venv/bin/pip install \
         'moto[server]'`) or set GLINT_MOTO_SERVER to a moto_server",
        bin.display()
    );
    bin
}
