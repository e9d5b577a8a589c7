//! Short share links over real HTTP: the real `worker-server serve` on
//! 127.0.0.1 with a share database in a temp directory, spoken to with a
//! plain HTTP/1.1 client (one request per connection).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use glint_notebook::share::{self, Shared};
use serde_json::{Value, json};

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    /// `worker-server serve --port 0` with the share database `db`.
    fn start(dir: &Path, db: &Path) -> Server {
        let dist = dir.join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), "<!doctype html><title>Glint</title>\n").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_worker-server"))
            .args(["serve", "--host", "127.0.0.1", "--port", "0", "--dist"])
            .arg(&dist)
            .arg("--share-db")
            .arg(db)
            .arg("--job-db")
            .arg(dir.join("jobs.sqlite"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!("the server exited before printing its address");
            };
            if let Some(rest) = line.split("Glint is running at http://").nth(1) {
                break rest.trim_end_matches('/').to_string();
            }
        };
        // Keep reading stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, addr }
    }

    fn request(&self, method: &str, path: &str, body: Option<&str>) -> Response {
        http(&self.addr, method, path, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request with `Connection: close`; the response read to its end.
fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before reading the whole body.
    let _ = stream.write_all(body.as_bytes());
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("no end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut rest = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        rest = dechunk(&rest);
    }
    Response { status, headers, body: String::from_utf8_lossy(&rest).into_owned() }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 4 + size..];
    }
    out
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glint-share-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const NB: &str = "# Conversion\n\n```params\nmin = 10\nlabel = \"a & b\"\n```\n\n```sql name=top\nSELECT event, count(*) AS n FROM events GROUP BY 1 HAVING count(*) > $min\n```\n";

#[test]
fn a_short_link_opens_the_shared_notebook_and_survives_a_restart() {
    let dir = temp_dir("roundtrip");
    let db = dir.join("shares.sqlite");
    let request = json!({"notebook": NB, "source": "https://example.com/a log.ndjson", "params": [["min", "25"], ["label", "x=1&y"]]});
    let expected = Shared {
        notebook: NB.into(),
        source: Some("https://example.com/a log.ndjson".into()),
        params: vec![("min".into(), "25".into()), ("label".into(), "x=1&y".into())],
    };
    let id = {
        let server = Server::start(&dir, &db);
        let created = server.request("POST", "/api/share", Some(&request.to_string()));
        assert_eq!(created.status, 201, "{}", created.body);
        let created = created.json();
        let id = created["id"].as_str().unwrap().to_string();
        assert!(id.len() == 8 && id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        assert_eq!(created["url"], format!("/s/{id}"));

        let fetched = server.request("GET", &format!("/api/share/{id}"), None);
        assert_eq!(fetched.status, 200, "{}", fetched.body);
        let fetched = fetched.json();
        for key in ["notebook", "source", "params"] {
            assert_eq!(fetched[key], request[key], "{key}");
        }

        let open = server.request("GET", &format!("/s/{id}"), None);
        assert_eq!(open.status, 303, "{}", open.body);
        let location = open.header("location").unwrap();
        let fragment = location.strip_prefix("/#").unwrap_or_else(|| panic!("{location}"));
        assert_eq!(share::decode(fragment).unwrap(), expected);

        let other = server.request("POST", "/api/share", Some(&json!({"notebook": NB}).to_string())).json();
        assert_ne!(other["id"], created["id"]);
        id
    };
    let server = Server::start(&dir, &db);
    let fetched = server.request("GET", &format!("/api/share/{id}"), None);
    assert_eq!(fetched.status, 200, "{}", fetched.body);
    assert_eq!(fetched.json()["notebook"], NB);
    assert_eq!(server.request("GET", &format!("/s/{id}"), None).status, 303);
}

#[test]
fn bad_requests_and_unknown_links_get_clear_errors() {
    let dir = temp_dir("errors");
    let server = Server::start(&dir, &dir.join("shares.sqlite"));
    let huge = json!({"notebook": "x".repeat(share::MAX_INFLATED + 1)}).to_string();
    let cases: [(&str, &str, Option<&str>, u16, &str); 9] = [
        ("POST", "/api/share", Some("{not json"), 400, "invalid_request"),
        ("POST", "/api/share", Some("{\"source\": \"sample\"}"), 400, "invalid_request"),
        ("POST", "/api/share", Some("{\"notebook\": 5}"), 400, "invalid_request"),
        ("POST", "/api/share", Some("{\"notebook\": \"```sql\\nSELECT 1\\n\"}"), 400, "invalid_notebook"),
        ("POST", "/api/share", Some("{\"notebook\": \"# x\", \"params\": [[\"a\"]]}"), 400, "invalid_request"),
        ("POST", "/api/share", Some(&huge), 413, "too_large"),
        ("GET", "/api/share/zzzzzzzz", None, 404, "not_found"),
        ("GET", "/api/share/not-an-id", None, 404, "not_found"),
        ("GET", "/api/share/..%2F..%2Fetc", None, 404, "not_found"),
    ];
    for (method, path, body, status, kind) in cases {
        let r = server.request(method, path, body);
        assert_eq!(r.status, status, "{method} {path}: {}", r.body);
        let error = &r.json()["error"];
        assert_eq!(error["kind"], kind, "{method} {path}: {}", r.body);
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", r.body);
    }
    for path in ["/s/zzzzzzzz", "/s/x"] {
        let r = server.request("GET", path, None);
        assert_eq!((r.status, r.body.as_str()), (404, "This share link does not exist. Check that it was copied whole.\n"));
    }
}
