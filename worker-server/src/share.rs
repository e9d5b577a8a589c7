//! Short share links: a notebook (with its source and parameter overrides)
//! kept in an SQLite file under an 8-character id, so a link is
//! `/s/Ab3dE9xZ` instead of a long `#nb=…` fragment.
//!
//! ```text
//! POST /api/share      {notebook, source?, params?: [[name, value], …]}
//!                      → 201 {id, url: "/s/<id>"}
//!                      → 400 {error:{kind, message}} (not JSON, not a notebook), 413 (too large)
//! GET  /api/share/{id} → 200 {id, url, notebook, source, params, created} | 404 {error:…}
//! GET  /s/{id}         → 303 to `/#nb=…` (the fragment the app opens, see
//!                        `glint_notebook::share`) | 404 text
//! ```
//!
//! Ids are 8 base62 characters from `/dev/urandom` (about 47 bits: links
//! cannot be enumerated), drawn again on the rare collision. A notebook is
//! stored only if it parses and its link fragment fits
//! [`share::MAX_FRAGMENT_LEN`] (so every stored link opens in the app);
//! texts over [`share::MAX_INFLATED`] bytes are refused before anything else.
//! SQLite calls block: the handlers run them on tokio's blocking pool, one
//! connection behind a mutex.

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use glint_notebook::Notebook;
use glint_notebook::share::{self, Shared};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use serde::Deserialize;
use serde_json::json;

/// Characters in an id.
pub const ID_LEN: usize = 8;
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// The longest source text and parameter name or value kept.
const MAX_VALUE_LEN: usize = 4096;
/// The most parameter overrides in a link.
const MAX_PARAMS: usize = 256;
/// The largest request body: a notebook at the limit, JSON-escaped.
const MAX_BODY: usize = 2 * share::MAX_INFLATED + 64 * 1024;
/// Fresh ids drawn before giving up (a collision is already ~1 in 10^14).
const ATTEMPTS: usize = 8;

/// Why a share cannot be stored or read; `kind` is the wire word.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareStoreError {
    pub kind: &'static str,
    pub message: String,
}

impl ShareStoreError {
    fn new(kind: &'static str, message: impl Into<String>) -> Self {
        ShareStoreError { kind, message: message.into() }
    }

    fn internal(e: impl std::fmt::Display) -> Self {
        ShareStoreError::new("internal", format!("the share store failed: {e}"))
    }

    fn status(&self) -> StatusCode {
        match self.kind {
            "too_large" => StatusCode::PAYLOAD_TOO_LARGE,
            "not_found" => StatusCode::NOT_FOUND,
            "internal" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl std::fmt::Display for ShareStoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ShareStoreError {}

impl IntoResponse for ShareStoreError {
    fn into_response(self) -> Response {
        (self.status(), Json(json!({"error": {"kind": self.kind, "message": self.message}}))).into_response()
    }
}

/// The share links, in one SQLite file.
pub struct Shares {
    conn: Mutex<Connection>,
}

impl Shares {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> anyhow::Result<Shares> {
        use anyhow::Context;
        let conn = Connection::open(path).with_context(|| format!("opening the share database {}", path.display()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS shares (
                 id TEXT PRIMARY KEY,
                 notebook TEXT NOT NULL,
                 source TEXT,
                 params TEXT NOT NULL,
                 created INTEGER NOT NULL
             );",
        )
        .with_context(|| format!("setting up the share database {}", path.display()))?;
        Ok(Shares { conn: Mutex::new(conn) })
    }

    /// Stores `shared` under a fresh id (checked first: see the module docs).
    pub fn create(&self, shared: &Shared) -> Result<String, ShareStoreError> {
        check(shared)?;
        let params = serde_json::to_string(&shared.params).map_err(ShareStoreError::internal)?;
        let created = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        for _ in 0..ATTEMPTS {
            let id = new_id()?;
            let inserted = conn.execute(
                "INSERT INTO shares (id, notebook, source, params, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, shared.notebook, shared.source, params, created],
            );
            match inserted {
                Ok(_) => return Ok(id),
                Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => continue,
                Err(e) => return Err(ShareStoreError::internal(e)),
            }
        }
        Err(ShareStoreError::internal("no free id after several attempts"))
    }

    /// The share stored under `id`; `None` when there is none (or `id` is
    /// not an id at all).
    pub fn get(&self, id: &str) -> Result<Option<Shared>, ShareStoreError> {
        Ok(self.get_with_time(id)?.map(|(shared, _)| shared))
    }

    /// The share and when it was created (Unix seconds).
    fn get_with_time(&self, id: &str) -> Result<Option<(Shared, i64)>, ShareStoreError> {
        if !valid_id(id) {
            return Ok(None);
        }
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let row = conn
            .query_row("SELECT notebook, source, params, created FROM shares WHERE id = ?1", [id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
            })
            .optional()
            .map_err(ShareStoreError::internal)?;
        let Some((notebook, source, params, created)) = row else {
            return Ok(None);
        };
        let params = serde_json::from_str(&params).map_err(ShareStoreError::internal)?;
        Ok(Some((Shared { notebook, source, params }, created)))
    }
}

/// What a share must be to be stored.
fn check(shared: &Shared) -> Result<(), ShareStoreError> {
    let len = shared.notebook.len();
    if len > share::MAX_INFLATED {
        return Err(ShareStoreError::new(
            "too_large",
            format!("the notebook is {len} bytes; a share link holds at most {} bytes: share the file instead", share::MAX_INFLATED),
        ));
    }
    if let Err(e) = Notebook::parse(&shared.notebook) {
        return Err(ShareStoreError::new("invalid_notebook", format!("the notebook does not parse: {e}")));
    }
    if shared.source.as_ref().is_some_and(|s| s.len() > MAX_VALUE_LEN) {
        return Err(ShareStoreError::new("invalid_request", format!("the source is longer than {MAX_VALUE_LEN} bytes")));
    }
    if shared.params.len() > MAX_PARAMS {
        return Err(ShareStoreError::new("invalid_request", format!("a share holds at most {MAX_PARAMS} parameters")));
    }
    if let Some((name, _)) = shared.params.iter().find(|(n, v)| n.is_empty() || n.len() > MAX_VALUE_LEN || v.len() > MAX_VALUE_LEN) {
        return Err(ShareStoreError::new(
            "invalid_request",
            format!("parameter `{}`: names must be non-empty, names and values at most {MAX_VALUE_LEN} bytes", name.chars().take(64).collect::<String>()),
        ));
    }
    match share::encode(shared) {
        Ok(_) => Ok(()),
        Err(e) => Err(ShareStoreError::new("too_large", e.to_string())),
    }
}

/// 8 base62 characters from the system's random source (bytes ≥ 248 are
/// drawn again, so every character is equally likely).
fn new_id() -> Result<String, ShareStoreError> {
    let mut urandom = std::fs::File::open("/dev/urandom").map_err(ShareStoreError::internal)?;
    let mut id = String::with_capacity(ID_LEN);
    let mut buf = [0u8; 16];
    while id.len() < ID_LEN {
        urandom.read_exact(&mut buf).map_err(ShareStoreError::internal)?;
        for b in buf.iter().filter(|&&b| b < 248) {
            if id.len() < ID_LEN {
                id.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    Ok(id)
}

fn valid_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The share API and the short links; mount with `Router::merge`.
pub fn routes(shares: Arc<Shares>) -> Router {
    Router::new()
        .route("/api/share", post(create).layer(DefaultBodyLimit::max(MAX_BODY)))
        .route("/api/share/{id}", get(fetch))
        .route("/s/{id}", get(open))
        .with_state(shares)
}

#[derive(Deserialize)]
struct ShareRequest {
    notebook: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    params: Vec<(String, String)>,
}

async fn create(State(shares): State<Arc<Shares>>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return ShareStoreError::new("too_large", format!("the request is larger than {MAX_BODY} bytes")).into_response();
        }
        Err(e) => return ShareStoreError::new("invalid_request", e.body_text()).into_response(),
    };
    let request: ShareRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return ShareStoreError::new(
                "invalid_request",
                format!("the body must be JSON {{\"notebook\": \"…\", \"source\": \"…\", \"params\": [[\"name\", \"value\"]]}}: {e}"),
            )
            .into_response();
        }
    };
    let shared = Shared { notebook: request.notebook, source: request.source, params: request.params };
    match blocking(move || shares.create(&shared)).await {
        Ok(id) => (StatusCode::CREATED, Json(json!({"url": format!("/s/{id}"), "id": id}))).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn fetch(State(shares): State<Arc<Shares>>, UrlPath(id): UrlPath<String>) -> Response {
    let lookup = id.clone();
    match blocking(move || shares.get_with_time(&lookup)).await {
        Ok(Some((s, created))) => Json(json!({
            "id": id,
            "url": format!("/s/{id}"),
            "notebook": s.notebook,
            "source": s.source,
            "params": s.params,
            "created": created,
        }))
        .into_response(),
        Ok(None) => ShareStoreError::new("not_found", format!("there is no share `{}`", id.chars().take(64).collect::<String>())).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn open(State(shares): State<Arc<Shares>>, UrlPath(id): UrlPath<String>) -> Response {
    let text = |status: StatusCode, message: String| (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message + "\n").into_response();
    match blocking(move || shares.get(&id)).await {
        Ok(Some(shared)) => match share::encode(&shared) {
            Ok(fragment) => Redirect::to(&format!("/#{fragment}")).into_response(),
            Err(e) => text(StatusCode::PAYLOAD_TOO_LARGE, format!("This shared notebook cannot be opened from a link: {e}")),
        },
        Ok(None) => text(StatusCode::NOT_FOUND, "This share link does not exist. Check that it was copied whole.".into()),
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, e.message),
    }
}

/// Runs `f` (SQLite work) on tokio's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ShareStoreError> + Send + 'static) -> Result<T, ShareStoreError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| Err(ShareStoreError::internal(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NB: &str = "# Shared\n\n```params\nday = 3\n```\n\n```sql name=top\nSELECT event, count(*) AS n FROM events GROUP BY 1 ORDER BY n DESC LIMIT $day\n```\n";

    fn temp_db(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("glint-share-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let _ = std::fs::remove_file(&path);
        path
    }

    fn shared(notebook: &str) -> Shared {
        Shared { notebook: notebook.into(), source: Some("https://example.com/log.ndjson".into()), params: vec![("day".into(), "5".into())] }
    }

    #[test]
    fn a_share_is_stored_under_a_short_random_id_and_survives_reopening() {
        let path = temp_db("reopen.sqlite");
        let shares = Shares::open(&path).unwrap();
        let a = shares.create(&shared(NB)).unwrap();
        let b = shares.create(&shared(NB)).unwrap();
        assert!(valid_id(&a) && valid_id(&b) && a != b, "{a} {b}");
        assert_eq!(shares.get(&a).unwrap(), Some(shared(NB)));
        drop(shares);
        let shares = Shares::open(&path).unwrap();
        assert_eq!(shares.get(&b).unwrap(), Some(shared(NB)));
        for unknown in ["zzzzzzzz", "short", "../../etc", "AAAAAAAAA", "", "ÄÄÄÄ"] {
            assert_eq!(shares.get(unknown).unwrap(), None, "{unknown}");
        }
    }

    #[test]
    fn ids_use_the_whole_alphabet_evenly() {
        let mut counts = [0usize; 62];
        for _ in 0..2000 {
            for b in new_id().unwrap().bytes() {
                counts[ALPHABET.iter().position(|&c| c == b).unwrap()] += 1;
            }
        }
        // 16000 characters: about 258 each; a biased or truncated alphabet
        // would leave some far off.
        assert!(counts.iter().all(|&n| (150..400).contains(&n)), "{counts:?}");
    }

    #[test]
    fn what_cannot_be_shared_is_refused_with_a_reason() {
        let shares = Shares::open(&temp_db("refuse.sqlite")).unwrap();
        let huge = "x".repeat(share::MAX_INFLATED + 1);
        // Random-looking text does not compress: its link would be too long.
        let mut noise = String::from("# Noise\n\n");
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..60_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            noise.push(ALPHABET[(x % 62) as usize] as char);
        }
        let cases = [
            (shared(&huge), "too_large", "the notebook is 4194305 bytes; a share link holds at most 4194304 bytes: share the file instead"),
            (shared(&noise), "too_large", "this notebook is too large for a link"),
            (shared("```sql\nSELECT 1\n"), "invalid_notebook", "the notebook does not parse: line 1:"),
            (Shared { params: vec![(String::new(), "1".into())], ..shared(NB) }, "invalid_request", "parameter ``: names must be non-empty"),
        ];
        for (s, kind, message) in cases {
            let e = shares.create(&s).unwrap_err();
            assert_eq!(e.kind, kind, "{}", e.message);
            assert!(e.message.starts_with(message), "{}", e.message);
        }
    }
}
