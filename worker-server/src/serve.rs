//! `worker-server serve`: serves the built app (`dist/`, precompressed files
//! preferred) and the built-in sample dataset at `/api/sample.ndjson`
//! (with HTTP Range support: one `bytes=a-b`, `a-` or `-n` range per request),
//! and the job API (`api.rs`) whose jobs run on a separate engine runtime.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Args;
use glint_engine::sample::{SampleSpec, generate};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::api::{self, Api};
use crate::config::Config;
use crate::jobs::Jobs;
use crate::jobstore::JobStore;
use crate::share::{self, Shares};

#[derive(Args)]
pub struct ServeArgs {
    /// Settings file (TOML; see `config.rs` or README "Worker server"); flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The app built by `cargo xtask build` [default: dist].
    #[arg(long)]
    dist: Option<PathBuf>,
    /// [default: 127.0.0.1]; any other address requires a token (env GLINT_TOKEN or the config).
    #[arg(long)]
    host: Option<String>,
    /// 0 picks a free port (printed) [default: 8080].
    #[arg(long)]
    port: Option<u16>,
    /// Jobs may read files inside this directory (`source: "path/in/dir.ndjson"`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The SQLite file that keeps short share links [default: glint-shares.sqlite].
    #[arg(long)]
    share_db: Option<PathBuf>,
    /// The SQLite file that keeps the job table across restarts [default: glint-jobs.sqlite].
    #[arg(long)]
    job_db: Option<PathBuf>,
    /// Let jobs fetch http(s) sources on loopback and private addresses.
    #[arg(long)]
    allow_private_sources: bool,
}

/// The configuration: defaults, then the file, then flags and `GLINT_TOKEN`.
fn settings(args: &ServeArgs) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let s = &mut config.server;
    if let Some(v) = &args.dist {
        s.dist = v.clone();
    }
    if let Some(v) = &args.host {
        s.host = v.clone();
    }
    if let Some(v) = args.port {
        s.port = v;
    }
    if let Some(v) = &args.data_dir {
        s.data_dir = Some(v.clone());
    }
    if let Some(v) = &args.share_db {
        s.share_db = v.clone();
    }
    if let Some(v) = &args.job_db {
        config.jobs.db = v.clone();
    }
    if args.allow_private_sources {
        s.allow_private_sources = true;
    }
    if let Ok(token) = std::env::var("GLINT_TOKEN") {
        s.token = (!token.is_empty()).then_some(token);
    }
    if config.needs_token() && config.server.token.is_none() {
        anyhow::bail!(
            "serving on {} (not a loopback address) needs a token for the job API: set GLINT_TOKEN or [server] token",
            config.server.host
        );
    }
    Ok(config)
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = settings(&args)?;
    if !config.server.dist.join("index.html").exists() {
        anyhow::bail!("{} has no index.html: build the app first (cargo xtask build)", config.server.dist.display());
    }
    // Engine work runs on its own threads, never on the runtime serving HTTP.
    let engine = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.jobs.threads)
        .thread_name("glint-engine")
        .enable_all()
        .build()?;
    let io = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("glint-http").enable_all().build()?;
    let result = io.block_on(serve(Arc::new(config), engine.handle().clone()));
    engine.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

async fn serve(config: Arc<Config>, engine: tokio::runtime::Handle) -> anyhow::Result<()> {
    let sample = Arc::new(generate(&SampleSpec::default()));
    let store = JobStore::open(&config.jobs.db)?;
    let jobs = Jobs::new(config.clone(), engine, Some(store));
    let (requeued, failed, finished) = jobs.recover().await?;
    if requeued + failed + finished > 0 {
        eprintln!("jobs from before the restart: {requeued} queued again, {failed} failed (were running), {finished} finished");
    }
    let shares = Arc::new(Shares::open(&config.server.share_db)?);
    let app = router(&config, sample, jobs, shares);
    let (host, port) = (config.server.host.as_str(), config.server.port);
    let listener = tokio::net::TcpListener::bind((host, port)).await.with_context(|| format!("binding {host}:{port}"))?;
    let addr: SocketAddr = listener.local_addr()?;
    println!("Glint is running at http://{addr}/");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// The app's Content-Security-Policy: scripts only from this server (and
/// the inline module scripts Trunk writes into `index.html`, by hash),
/// WebAssembly allowed, workers from here or `blob:` (partition workers),
/// no framing, no plugins. Logs may be fetched from any URL the user gives.
pub fn content_security_policy(index_html: &str) -> String {
    use base64::Engine;
    let mut hashes = String::new();
    let mut rest = index_html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let Some(close) = after.find("</script>") else { break };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..close];
        if !tag.contains(" src=") {
            let digest = ring::digest::digest(&ring::digest::SHA256, body.as_bytes());
            hashes += &format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest.as_ref()));
        }
        rest = &after[close + "</script>".len()..];
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; worker-src 'self' blob:; \
         connect-src * data: blob:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

fn router(config: &Config, sample: Arc<Vec<u8>>, jobs: Arc<Jobs>, shares: Arc<Shares>) -> Router {
    let static_files = ServeDir::new(&config.server.dist).precompressed_br().precompressed_gzip();
    let index = std::fs::read_to_string(config.server.dist.join("index.html")).unwrap_or_default();
    let csp = HeaderValue::from_str(&content_security_policy(&index)).expect("an ASCII policy");
    let token: Option<Arc<str>> = config.server.token.as_deref().map(Arc::from);
    Router::new()
        .route("/api/health", get(|| async { "ok" }))
        .route(
            "/api/sample.ndjson",
            get(move |headers: HeaderMap| {
                let sample = sample.clone();
                async move { ranged(&sample, headers.get(header::RANGE)) }
            }),
        )
        .merge(share::routes(shares).layer(axum::middleware::from_fn_with_state(token.clone(), api::require_token_to_write)))
        .merge(api::routes(Api { jobs, token }))
        .fallback_service(static_files)
        .layer(axum::middleware::from_fn(api::same_origin))
        .layer(DefaultBodyLimit::max(config.server.max_request_bytes))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
}

/// The sample, whole or the one byte range asked for.
fn ranged(bytes: &Arc<Vec<u8>>, range: Option<&HeaderValue>) -> axum::response::Response {
    let len = bytes.len() as u64;
    let ndjson = (header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    let accept = (header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let Some(range) = range else {
        return ([ndjson, accept], axum::body::Bytes::from(bytes.as_ref().clone())).into_response();
    };
    match parse_range(range.to_str().unwrap_or(""), len) {
        Some((start, end)) => {
            let content_range = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")).expect("ASCII header");
            let body = axum::body::Bytes::copy_from_slice(&bytes[start as usize..=end as usize]);
            (StatusCode::PARTIAL_CONTENT, [ndjson, accept, (header::CONTENT_RANGE, content_range)], body).into_response()
        }
        None => {
            let content_range = HeaderValue::from_str(&format!("bytes */{len}")).expect("ASCII header");
            (StatusCode::RANGE_NOT_SATISFIABLE, [accept, (header::CONTENT_RANGE, content_range)]).into_response()
        }
    }
}

/// One `bytes=` range as inclusive `(start, end)` within `len` bytes; `None`
/// when it is malformed, unsatisfiable, or several ranges.
fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() { len - 1 } else { b.parse::<u64>().ok()?.min(len - 1) };
        (start, end)
    };
    (start <= end && start < len).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn the_policy_allows_the_inline_module_script_by_its_hash_only() {
        let html = "<head><script type=\"module\">import init from '/a.js';</script><script src=\"/x.js\"></script></head>";
        let csp = super::content_security_policy(html);
        // sha256 of `import init from '/a.js';`, base64 (as `openssl dgst -sha256 -binary | base64`).
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-aOee+rvEUMphqlepW7nBjXpcT6aM6jxNXbtEv0XP738=';"), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("worker-src 'self' blob:"), "{csp}");
    }

    #[test]
    fn ranges_are_parsed_like_rfc_9110() {
        let cases = [
            ("bytes=0-9", Some((0, 9))),
            ("bytes=90-", Some((90, 99))),
            ("bytes=-10", Some((90, 99))),
            ("bytes=-1000", Some((0, 99))),
            ("bytes=95-200", Some((95, 99))),
            ("bytes=100-", None),
            ("bytes=9-3", None),
            ("bytes=0-1,5-6", None),
            ("items=0-1", None),
            ("bytes=x-1", None),
            ("bytes=-0", None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_range(value, 100), expected, "{value}");
        }
    }
}
