//! The server's settings: defaults, overridden by a TOML file
//! (`worker-server serve --config glint.toml`), then by command-line flags;
//! a job request may override the `[jobs]` limits for itself, within bounds.
//!
//! ```toml
//! [server]
//! host = "127.0.0.1"          # a non-loopback host requires `token`
//! port = 8080
//! dist = "dist"               # the built app
//! token = "…"                 # bearer token for the job and share API (or env GLINT_TOKEN)
//! data_dir = "data"           # local sources are paths inside it (none when unset)
//! allow_private_sources = false  # http(s) sources on loopback/private addresses
//! max_request_bytes = 8388608
//! share_db = "glint-shares.sqlite"
//!
//! [jobs]
//! threads = 2                 # the engine's CPU pool (default: logical cores)
//! max_concurrent = 2          # jobs running at once; the rest wait in the queue
//! queue_capacity = 64         # waiting jobs beyond this are refused (503)
//! timeout_secs = 600
//! memory_limit_mb = 8192      # per job: the loaded log plus its queries' operators
//! max_retries = 3             # transient source errors (5xx, resets), with backoff
//! retry_backoff_ms = 200      # first backoff; doubles each retry
//! memo_mb = 4096              # ingested logs kept for later jobs on the same source version
//! keep_finished = 500         # finished jobs (and their results) kept for fetching
//! db = "glint-jobs.sqlite"    # the job table, so jobs survive a restart (see jobstore.rs)
//!
//! [s3]
//! endpoint = "http://127.0.0.1:9000"  # S3-compatible server; AWS when unset
//! region = "us-east-1"
//! allow_http = false
//! # credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment
//!
//! [cluster]                   # past one machine: Apache DataFusion Ballista (README "Scaling out")
//! engine = "ballista"         # "none" (the default): every job runs here
//! scheduler = "df://127.0.0.1:50050"  # a glint-scheduler
//! threshold_mb = 1024         # logs at least this big run on the cluster (0: every job that can)
//! ranges = 16                 # byte ranges the executors ingest (the cluster's partitions)
//! shared_data_dir = false     # true: data_dir is mounted at the same path on every executor
//! ```

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub jobs: JobsConfig,
    pub s3: S3Config,
    pub cluster: ClusterConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub dist: PathBuf,
    pub token: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub allow_private_sources: bool,
    pub max_request_bytes: usize,
    pub share_db: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    pub threads: usize,
    pub max_concurrent: usize,
    pub queue_capacity: usize,
    pub timeout_secs: u64,
    pub memory_limit_mb: u64,
    pub max_retries: usize,
    pub retry_backoff_ms: u64,
    pub memo_mb: u64,
    pub keep_finished: usize,
    pub db: PathBuf,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub allow_http: bool,
}

/// Where jobs too large for this machine go.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    pub engine: ClusterEngine,
    pub scheduler: String,
    pub threshold_mb: u64,
    pub ranges: usize,
    pub shared_data_dir: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterEngine {
    None,
    Ballista,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            engine: ClusterEngine::None,
            scheduler: format!("df://127.0.0.1:{}", glint_cluster::DEFAULT_SCHEDULER_PORT),
            threshold_mb: 1024,
            ranges: 16,
            shared_data_dir: false,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config { server: ServerConfig::default(), jobs: JobsConfig::default(), s3: S3Config::default(), cluster: ClusterConfig::default() }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: "127.0.0.1".into(),
            port: 8080,
            dist: "dist".into(),
            token: None,
            data_dir: None,
            allow_private_sources: false,
            max_request_bytes: 8 * 1024 * 1024,
            share_db: "glint-shares.sqlite".into(),
        }
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        JobsConfig {
            threads: cores,
            max_concurrent: cores.clamp(1, 4),
            queue_capacity: 64,
            timeout_secs: 600,
            memory_limit_mb: 8192,
            max_retries: 3,
            retry_backoff_ms: 200,
            memo_mb: 4096,
            keep_finished: 500,
            db: "glint-jobs.sqlite".into(),
        }
    }
}

impl Config {
    /// The defaults overridden by the TOML file at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Config::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Config> {
        let mut config: Config = toml::from_str(text)?;
        if config.server.token.as_deref() == Some("") {
            config.server.token = None;
        }
        config.check()?;
        Ok(config)
    }

    /// Refuses settings that cannot work.
    pub fn check(&self) -> anyhow::Result<()> {
        let j = &self.jobs;
        for (name, value) in [("threads", j.threads), ("max_concurrent", j.max_concurrent), ("keep_finished", j.keep_finished)] {
            if value == 0 {
                anyhow::bail!("[jobs] {name} must be at least 1");
            }
        }
        if j.timeout_secs == 0 || j.memory_limit_mb == 0 {
            anyhow::bail!("[jobs] timeout_secs and memory_limit_mb must be at least 1");
        }
        let c = &self.cluster;
        if c.engine == ClusterEngine::Ballista {
            if c.ranges == 0 {
                anyhow::bail!("[cluster] ranges must be at least 1");
            }
            if !c.scheduler.starts_with("df://") {
                anyhow::bail!("[cluster] scheduler must be df://HOST:PORT (a glint-scheduler), not `{}`", c.scheduler);
            }
        }
        Ok(())
    }

    /// Whether the job API must be protected by a token: any host that is
    /// not a loopback address.
    pub fn needs_token(&self) -> bool {
        let host = self.server.host.trim_matches(['[', ']']);
        !(host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()))
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn the_file_overrides_defaults_and_bad_settings_are_refused() {
        let c = Config::parse("[server]\nport = 9000\ntoken = \"\"\n[jobs]\ntimeout_secs = 5\n").unwrap();
        assert_eq!((c.server.port, c.jobs.timeout_secs, c.server.token, c.jobs.queue_capacity), (9000, 5, None, 64));
        let cases = [
            ("[jobs]\nthreads = 0\n", "[jobs] threads must be at least 1"),
            ("[server]\nprot = 1\n", "unknown field `prot`"),
            ("[jobs]\ntimeout_secs = \"x\"\n", "invalid type: string \"x\", expected u64"),
            ("[cluster]\nengine = \"spark\"\n", "unknown variant `spark`, expected `none` or `ballista`"),
            ("[cluster]\nengine = \"ballista\"\nscheduler = \"http://x:1\"\n", "[cluster] scheduler must be df://HOST:PORT"),
        ];
        for (text, expected) in cases {
            let e = format!("{:#}", Config::parse(text).unwrap_err());
            assert!(e.contains(expected), "{text}: {e}");
        }
        let mut c = Config::default();
        for (host, needs) in [("127.0.0.1", false), ("localhost", false), ("::1", false), ("0.0.0.0", true), ("10.1.2.3", true)] {
            c.server.host = host.into();
            assert_eq!(c.needs_token(), needs, "{host}");
        }
    }
}
