//! `worker-server serve`: serves the built app (`dist/`, precompressed files
//! preferred) and the built-in sample dataset at `/api/sample.ndjson`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderValue, header};
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
            get(move || {
                let sample = sample.clone();
                async move {
                    ([(header::CONTENT_TYPE, "application/x-ndjson")], axum::body::Bytes::from(sample.as_ref().clone()))
                        .into_response()
                }
            }),
        )
        .fallback_service(static_files)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
}
