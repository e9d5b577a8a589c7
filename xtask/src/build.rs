//! `cargo xtask build`: the app, built by Trunk into `dist/`, ready to serve.
//!
//! `cargo fetch` first, because `trunk build --offline` passes `--offline` to cargo; then Trunk
//! (configured by `Trunk.toml`: release, `dist/`, pinned wasm-bindgen and wasm-opt); then
//! gzip/brotli copies of the large files ([`crate::precompress`]) for the server to send as is.

use std::time::Instant;

use anyhow::Result;

use crate::precompress;
use crate::steps::{Steps, seconds};
use crate::tools::{self, Needs};
use crate::workspace::Workspace;

/// Tools the app build needs.
pub const NEEDS: Needs = Needs {
    wasm: true,
    trunk: true,
    chromium: false,
    e2e_node: false,
    moto: false,
    fuzz: false,
};

/// `cargo xtask build`: bootstrap, then [`app`].
pub fn run(ws: &Workspace) -> Result<()> {
    let start = Instant::now();
    tools::bootstrap(ws, NEEDS)?;
    let mut steps = Steps::new();
    app(ws, &mut steps)?;
    println!("\nxtask build: dist/ ready ({})", seconds(start.elapsed()));
    Ok(())
}

/// Fetch, Trunk release build, precompression; each a step in `steps`.
pub fn app(ws: &Workspace, steps: &mut Steps) -> Result<()> {
    steps.run("cargo fetch", || ws.run(ws.cargo().arg("fetch")))?;
    steps.run("trunk build --release", || {
        ws.run(ws.cmd("trunk").args(["build", "--release", "--offline"]))
    })?;
    steps.run("precompress dist/", || precompress::dist(ws))
}
