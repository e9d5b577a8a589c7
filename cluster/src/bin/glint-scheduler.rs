//! `glint-scheduler`: a Ballista scheduler that knows Glint's tables.
//!
//! ```text
//! glint-scheduler --bind-host 0.0.0.0 --port 50050
//! ```

use clap::Parser;

#[derive(Parser)]
#[command(name = "glint-scheduler", version, about = "A Ballista 55 scheduler with Glint's codecs: start it, then glint-executor processes, then point the worker server's [cluster] scheduler at df://HOST:PORT")]
struct Cli {
    #[command(flatten)]
    args: glint_cluster::process::SchedulerArgs,
}

#[tokio::main]
async fn main() {
    glint_cluster::process::init_logging();
    let cli = Cli::parse();
    if let Err(e) = glint_cluster::process::run_scheduler(cli.args).await {
        eprintln!("glint-scheduler: {e:#}");
        std::process::exit(1);
    }
}
