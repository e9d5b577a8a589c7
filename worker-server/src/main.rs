//! `worker-server`: Glint's native binary. A thin shell (as ripgrep's core):
//! argument parsing and IO here, the work in `glint-engine`.
//!
//! ```text
//! worker-server query PATH --sql "SQL" [--partitions N] [--format table|csv|json]
//! worker-server sample --out PATH [--users N] [--days N] [--seed N]
//! worker-server run NOTEBOOK.md --source sample|PATH|URL [--param NAME=VALUE]... --out DIR [--format csv|json|parquet] [--partitions N]
//! worker-server serve [--config FILE] [--dist DIR] [--host H] [--port P] [--data-dir DIR] [--share-db FILE]
//! ```

mod api;
mod config;
mod jobs;
mod jobstore;
mod load;
mod plan;
mod query;
mod run;
mod sample;
mod serve;
mod share;
mod sources;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "worker-server", version, about = "Glint: event-log analytics; native engine, CLI and server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run SQL over an NDJSON log (the table is `events`); ingest report on stderr.
    Query(query::QueryArgs),
    /// Write the built-in deterministic sample log (or a larger one).
    Sample(sample::SampleArgs),
    /// Serve the app and the built-in sample dataset over HTTP.
    Serve(serve::ServeArgs),
    /// Run a notebook top to bottom over a log; each cell's result becomes a file.
    Run(run::RunArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Query(args) => query::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Run(args) => run::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
