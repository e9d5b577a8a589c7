//! `glint-executor`: a Ballista executor that reads Glint's `events` table
//! (byte ranges of NDJSON logs, ingested by Glint's engine).
//!
//! ```text
//! glint-executor --scheduler-host 10.0.0.1 --bind-host 0.0.0.0 --external-host 10.0.0.2
//! ```

use clap::Parser;

#[derive(Parser)]
#[command(name = "glint-executor", version, about = "A Ballista 55 executor with Glint's codecs and NDJSON ingest; it registers with a glint-scheduler")]
struct Cli {
    #[command(flatten)]
    args: glint_cluster::process::ExecutorArgs,
}

#[tokio::main]
async fn main() {
    glint_cluster::process::init_logging();
    let cli = Cli::parse();
    if let Err(e) = glint_cluster::process::run_executor(cli.args).await {
        eprintln!("glint-executor: {e:#}");
        std::process::exit(1);
    }
}
