//! `cargo xtask sample --out PATH [--users N] [--days N] [--seed S]`: the server's `sample`
//! subcommand, built and run by cargo. Arguments are passed through unchanged (the server
//! validates them) and run from the caller's directory, so a relative `--out` lands there.

use anyhow::{Context, Result};

use crate::workspace::Workspace;

pub fn run(ws: &Workspace, args: Vec<String>) -> Result<()> {
    let here = std::env::current_dir().context("reading the current directory")?;
    ws.run(
        ws.cargo()
            .arg("run")
            .arg("--manifest-path")
            .arg(ws.root.join("Cargo.toml"))
            .args(["-p", "worker-server", "--", "sample"])
            .args(args)
            .current_dir(here),
    )
}
