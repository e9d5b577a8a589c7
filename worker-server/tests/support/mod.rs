//! Shared by the HTTP integration tests: a std-only HTTP client, the real
//! `worker-server serve` binary on a free port, and a source server that
//! counts requests and fails on purpose.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A small NDJSON log (3 rows, 1 malformed line), also at `logs/small.ndjson`
/// in every server's data directory.
pub const SMALL: &str = concat!(
    "{\"event\":\"view\",\"userId\":\"u1\",\"timestamp\":\"2026-10-01T10:00:00Z\",\"properties\":{\"revenue\":0}}\n",
    "{\"event\":\"buy\",\"userId\":\"u1\",\"timestamp\":\"2026-10-01T10:05:00Z\",\"properties\":{\"revenue\":12.5}}\n",
    "not json\n",
    "{\"event\":\"view\",\"userId\":\"u2\",\"timestamp\":\"2026-10-02T09:00:00Z\"}\n",
);

// ---------------------------------------------------------------- a client

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// `kind` of an `{"error": …}` reply.
    pub fn error_kind(&self) -> String {
        self.json()["error"]["kind"].as_str().unwrap_or_default().to_string()
    }
}

/// One HTTP/1.1 request (`Connection: close`), the whole reply read.
pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    try_request(addr, method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// [`request`], with connection errors (a server that is down) as `Err`.
pub fn try_request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head += &format!("{k}: {v}\r\n");
    }
    head += "\r\n";
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    if !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the connection closed before a reply"));
    }
    Ok(parse_reply(&raw))
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a reply head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = unchunk(&body);
    }
    Reply { status, headers, body }
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else { break };
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
    out
}

pub fn post_json(addr: &str, path: &str, body: &Value, headers: &[(&str, &str)]) -> Reply {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    request(addr, "POST", path, &h, body.to_string().as_bytes())
}

// ---------------------------------------------------------------- the server

pub struct Server {
    child: Child,
    pub addr: String,
    pub dir: PathBuf,
    owns_dir: bool,
}

/// Killed (SIGKILL: no chance to tidy up) when dropped.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glint-jobs-{}-{}-{name}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `worker-server serve` with `config` (TOML, without `[server] dist/port`)
/// and `env`, on a free port, in a fresh directory; `Err(stderr)` when it does not start.
pub fn try_serve(config: &str, args: &[&str], env: &[(&str, &str)]) -> Result<Server, String> {
    start_in(temp("server"), true, config, args, env)
}

/// A server whose files (data, job and share databases) are in `dir`,
/// which outlives it: a later server in the same `dir` is a restart.
pub fn serve_in(dir: &std::path::Path, config: &str) -> Server {
    start_in(dir.to_path_buf(), false, config, &[], &[]).unwrap()
}

fn start_in(dir: PathBuf, owns_dir: bool, config: &str, args: &[&str], env: &[(&str, &str)]) -> Result<Server, String> {
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    std::fs::write(dir.join("dist/index.html"), "<!doctype html><title>Glint</title>").unwrap();
    std::fs::create_dir_all(dir.join("data/logs")).unwrap();
    std::fs::write(dir.join("data/logs/small.ndjson"), SMALL).unwrap();
    std::fs::write(dir.join("secret.ndjson"), SMALL).unwrap();
    std::fs::write(dir.join("glint.toml"), config).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_worker-server"));
    cmd.args(["serve", "--port", "0", "--config"]).arg(dir.join("glint.toml"));
    cmd.arg("--dist").arg(dir.join("dist")).arg("--data-dir").arg(dir.join("data"));
    cmd.arg("--share-db").arg(dir.join("shares.sqlite")).arg("--job-db").arg(dir.join("jobs.sqlite"));
    cmd.args(args).env_remove("GLINT_TOKEN").envs(env.iter().copied());
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let Some(addr) = line.trim().strip_prefix("Glint is running at http://") else {
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let _ = child.wait();
        return Err(err);
    };
    let addr = addr.trim_end_matches('/').to_string();
    Ok(Server { child, addr, dir, owns_dir })
}

pub fn serve(config: &str) -> Server {
    try_serve(config, &[], &[]).unwrap()
}

/// A query slow enough to cancel or time out (tens of seconds).
pub const SLOW: &str = "SELECT count(*) AS n FROM events a, events b WHERE a.user_id < b.user_id";

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server (SIGKILL) and returns what it wrote to stderr, its log.
    pub fn stop_and_logs(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut logs = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut logs);
        }
        logs
    }

    /// The server's peak resident memory (VmHWM), in MiB.
    pub fn peak_rss_mb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/PID/status");
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
    }

    pub fn submit(&self, job: Value) -> Reply {
        post_json(&self.addr, "/api/jobs", &job, &[])
    }

    pub fn get(&self, path: &str) -> Reply {
        request(&self.addr, "GET", path, &[], b"")
    }

    /// Submits and follows the job's events to its end; the final status.
    pub fn run(&self, job: Value) -> Value {
        let r = self.submit(job);
        assert_eq!(r.status, 202, "{}", r.text());
        self.follow(r.json()["id"].as_str().unwrap())
    }

    /// The `status` events of job `id` until it finishes; the last one.
    pub fn follow(&self, id: &str) -> Value {
        let r = self.get(&format!("/api/jobs/{id}/events"));
        assert_eq!(r.header("content-type"), Some("text/event-stream"));
        let events = sse_statuses(&r.text());
        events.last().cloned().expect("at least one status event")
    }

    pub fn wait_state(&self, id: &str, state: &str) -> Value {
        let started = Instant::now();
        loop {
            let s = self.get(&format!("/api/jobs/{id}")).json();
            if s["state"] == state {
                return s;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "job {id} never reached {state}: {s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

pub fn sse_statuses(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter(|e| e.contains("event: status"))
        .filter_map(|e| e.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

/// What `worker-server query --format csv` prints for the same log and SQL.
pub fn cli_csv(source: &[&str], sql: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_worker-server"))
        .arg("query")
        .args(source)
        .args(["--sql", sql, "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

// ---------------------------------------------------------------- a source server

/// Serves one body (with an ETag) over HTTP, counting requests; the first
/// `fail` requests get `status` instead.
pub struct Source {
    pub addr: String,
    pub gets: Arc<AtomicUsize>,
    pub heads: Arc<AtomicUsize>,
    pub failures: Arc<AtomicUsize>,
    pub body: Arc<Mutex<(String, String)>>,
}

impl Source {
    pub fn start(body: &str, fail: usize, status: u16) -> Source {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (gets, heads, failures) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let body = Arc::new(Mutex::new((body.to_string(), "\"v1\"".to_string())));
        let src = Source { addr, gets: gets.clone(), heads: heads.clone(), failures: failures.clone(), body: body.clone() };
        let left = Arc::new(AtomicUsize::new(fail));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (gets, heads, failures, body, left) = (gets.clone(), heads.clone(), failures.clone(), body.clone(), left.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    loop {
                        let mut first = String::new();
                        if reader.read_line(&mut first).unwrap_or(0) == 0 {
                            return;
                        }
                        loop {
                            let mut l = String::new();
                            if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                                break;
                            }
                        }
                        let head = first.starts_with("HEAD");
                        if left.load(Ordering::SeqCst) > 0 {
                            left.fetch_sub(1, Ordering::SeqCst);
                            failures.fetch_add(1, Ordering::SeqCst);
                            let reason = if status == 404 { "Not Found" } else { "Service Unavailable" };
                            let _ = write!(stream, "HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\n\r\n");
                            continue;
                        }
                        if head { heads.fetch_add(1, Ordering::SeqCst) } else { gets.fetch_add(1, Ordering::SeqCst) };
                        let (text, etag) = body.lock().unwrap().clone();
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nETag: {etag}\r\nContent-Length: {}\r\n\r\n",
                            text.len()
                        );
                        if !head {
                            let _ = stream.write_all(text.as_bytes());
                        }
                    }
                });
            }
        });
        src
    }

    pub fn url(&self) -> String {
        format!("http://{}/logs/small.ndjson", self.addr)
    }

    pub fn count(c: &AtomicUsize) -> usize {
        c.load(Ordering::SeqCst)
    }
}

