//! The `glint-scheduler` and `glint-executor` processes: Ballista's
//! scheduler and executor with Glint's codecs installed, and a plain
//! stderr logger (`GLINT_LOG=error|warn|info|debug`, default `info` for
//! Glint's own lines and `warn` for Ballista's).

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

use crate::codec::codecs;

/// Where the scheduler listens.
#[derive(Debug, Clone, clap::Args)]
pub struct SchedulerArgs {
    /// Address to listen on (0.0.0.0 for other machines' executors and servers).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind_host: String,
    /// gRPC port (what `df://host:PORT` names).
    #[arg(long, default_value_t = crate::DEFAULT_SCHEDULER_PORT)]
    pub port: u16,
    /// The host name executors and servers reach this scheduler by.
    #[arg(long)]
    pub external_host: Option<String>,
}

/// Runs a scheduler until the process is stopped.
pub async fn run_scheduler(args: SchedulerArgs) -> anyhow::Result<()> {
    let addr: SocketAddr = format!("{}:{}", args.bind_host, args.port)
        .parse()
        .map_err(|e| anyhow::anyhow!("`{}:{}` is not an address to listen on: {e}", args.bind_host, args.port))?;
    let (logical, physical) = codecs();
    let mut config = SchedulerConfig::default().with_port(args.port).with_hostname(args.external_host.clone().unwrap_or(args.bind_host.clone()));
    config.bind_host = args.bind_host.clone();
    config.override_logical_codec = Some(logical);
    config.override_physical_codec = Some(physical);
    let cluster = BallistaCluster::new_from_config(&config).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!("glint-scheduler: listening on {addr} (df://{}:{})", config.external_host, args.port);
    start_server(cluster, addr, Arc::new(config)).await.map_err(|e| anyhow::anyhow!("the scheduler stopped: {e}"))
}

/// An executor's addresses, its scheduler and its capacity.
#[derive(Debug, Clone, clap::Args)]
pub struct ExecutorArgs {
    /// The scheduler's host.
    #[arg(long, default_value = "127.0.0.1")]
    pub scheduler_host: String,
    /// The scheduler's gRPC port.
    #[arg(long, default_value_t = crate::DEFAULT_SCHEDULER_PORT)]
    pub scheduler_port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind_host: String,
    /// The host name other executors fetch shuffle data from.
    #[arg(long)]
    pub external_host: Option<String>,
    /// Arrow Flight port (shuffle data).
    #[arg(long, default_value_t = 50051)]
    pub port: u16,
    /// gRPC port.
    #[arg(long, default_value_t = 50052)]
    pub grpc_port: u16,
    /// Tasks run at once (default: the machine's cores).
    #[arg(long)]
    pub concurrent_tasks: Option<usize>,
    /// Directory for shuffle files (default: a temporary directory).
    #[arg(long)]
    pub work_dir: Option<String>,
    /// Fail at once when the scheduler cannot be reached at start, instead
    /// of retrying until it answers (it may still be starting).
    #[arg(long)]
    pub no_wait_for_scheduler: bool,
}

/// Runs an executor until the process is stopped.
pub async fn run_executor(args: ExecutorArgs) -> anyhow::Result<()> {
    let (logical, physical) = codecs();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let config = ExecutorProcessConfig {
        bind_host: args.bind_host.clone(),
        external_host: args.external_host.clone(),
        port: args.port,
        grpc_port: args.grpc_port,
        scheduler_host: args.scheduler_host.clone(),
        scheduler_port: args.scheduler_port,
        // Non-zero: Ballista retries the connection (every 500 ms) until the scheduler answers.
        scheduler_connect_timeout_seconds: if args.no_wait_for_scheduler { 0 } else { u16::MAX },
        vcores: args.concurrent_tasks.unwrap_or(cores).max(1),
        work_dir: args.work_dir.clone(),
        override_logical_codec: Some(logical),
        override_physical_codec: Some(physical),
        ..Default::default()
    };
    eprintln!(
        "glint-executor {}: flight {}:{}, grpc {}:{}, scheduler {}:{}, {} concurrent tasks",
        config.executor_id,
        args.bind_host,
        args.port,
        args.bind_host,
        args.grpc_port,
        args.scheduler_host,
        args.scheduler_port,
        config.vcores
    );
    start_executor_process(Arc::new(config)).await.map_err(|e| anyhow::anyhow!("the executor stopped: {e}"))
}

/// Installs the stderr logger.
pub fn init_logging() {
    let level = match std::env::var("GLINT_LOG").unwrap_or_default().to_ascii_lowercase().as_str() {
        "error" => log::LevelFilter::Error,
        "warn" => log::LevelFilter::Warn,
        "debug" => log::LevelFilter::Debug,
        "trace" => log::LevelFilter::Trace,
        _ => log::LevelFilter::Info,
    };
    static LOGGER: Logger = Logger;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, meta: &log::Metadata) -> bool {
        // Ballista's info lines (one per task) are noise at the default level.
        meta.level() <= log::max_level() && (meta.level() <= log::Level::Warn || log::max_level() >= log::LevelFilter::Debug || meta.target().starts_with("glint"))
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            eprintln!("{} {}: {}", record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}
