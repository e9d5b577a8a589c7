//! `worker-server serve`: serves the built app (`dist/`, precompressed files
//! preferred) and the built-in sample dataset at `/api/sample.ndjson`
//! (with HTTP Range support: one `bytes=a-b`, `a-` or `-n` range per request).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Args;
use glint_engine::sample::{SampleSpec, generate};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Args)]
pub struct ServeArgs {
    /// The app built by `cargo xtask build`.
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// 0 picks a free port (printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    if !args.dist.join("index.html").exists() {
        anyhow::bail!("{} has no index.html: build the app first (cargo xtask build)", args.dist.display());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let sample = Arc::new(generate(&SampleSpec::default()));
    let app = router(&args.dist, sample);
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("binding {}:{}", args.host, args.port))?;
    let addr: SocketAddr = listener.local_addr()?;
    println!("Glint is running at http://{addr}/");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn router(dist: &std::path::Path, sample: Arc<Vec<u8>>) -> Router {
    let static_files = ServeDir::new(dist).precompressed_br().precompressed_gzip();
    Router::new()
        .route("/api/health", get(|| async { "ok" }))
        .route(
            "/api/sample.ndjson",
            get(move |headers: HeaderMap| {
                let sample = sample.clone();
                async move { ranged(&sample, headers.get(header::RANGE)) }
            }),
        )
        .fallback_service(static_files)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
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
