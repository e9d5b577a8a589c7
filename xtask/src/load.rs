//! `cargo xtask load`: `worker-server/tests/load.rs` at a larger size, its report shown.
//!
//! The test starts the real server (debug build, as the e2e tests use) on 127.0.0.1, runs
//! `clients` threads × `jobs` submissions each (submit, follow the events, fetch the result,
//! check it is the job's own answer), checks that no job was lost or duplicated, and prints
//! throughput, p50/p99/max latencies and the server's peak memory; then kills the server with
//! SIGKILL under load, restarts it and accounts for every accepted job.

use anyhow::Result;

use crate::workspace::Workspace;

pub struct LoadOptions {
    pub clients: usize,
    pub jobs: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { clients: 32, jobs: 25 }
    }
}

pub fn run(ws: &Workspace, options: &LoadOptions) -> Result<()> {
    // The same package set as `cargo xtask test`'s native step, so nothing is rebuilt.
    let mut cargo = ws.cargo();
    cargo
        .args(["test", "-p", "glint-protocol", "-p", "glint-notebook", "-p", "glint-stats", "-p", "glint-engine"])
        .args(["-p", "worker-server", "-p", "glint-fuzz", "-p", "glint-cluster", "--test", "load", "--", "--nocapture", "--test-threads=1"])
        .env("GLINT_LOAD_CLIENTS", options.clients.to_string())
        .env("GLINT_LOAD_JOBS", options.jobs.to_string());
    ws.run(&mut cargo)
}
