//! `cargo xtask dev`: build everything, then run the server in the foreground.
//!
//! Bootstrap (no browser needed), the app build ([`crate::build::app`]), the native
//! `worker-server`, and finally `worker-server serve --dist dist --host H --port N` replaces the
//! xtask process, so Ctrl-C reaches the server directly.

use anyhow::{Context, Result};

use crate::build;
use crate::steps::Steps;
use crate::tools;
use crate::workspace::Workspace;

/// Where the server listens.
pub struct DevOptions {
    pub host: String,
    pub port: u16,
}

impl Default for DevOptions {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 8080,
        }
    }
}

pub fn run(ws: &Workspace, options: &DevOptions) -> Result<()> {
    tools::bootstrap(ws, build::NEEDS)?;
    let mut steps = Steps::new();
    build::app(ws, &mut steps)?;
    steps.run("cargo build -p worker-server", || {
        ws.run(ws.cargo().args(["build", "-p", "worker-server"]))
    })?;

    let mut serve = ws.cmd(ws.server_bin());
    serve.arg("serve").arg("--dist").arg(ws.dist()).args([
        "--host",
        &options.host,
        "--port",
        &options.port.to_string(),
    ]);
    // The server prints "Glint is running at http://…/" once it has bound the port.
    println!("\n$ {}", ws.display(&serve));
    exec(serve)
}

/// Replaces this process with `cmd` (on Unix); elsewhere runs it to completion.
fn exec(mut cmd: std::process::Command) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = cmd.exec();
        Err(error).context("could not start worker-server")
    }
    #[cfg(not(unix))]
    {
        let status = cmd.status().context("could not start worker-server")?;
        anyhow::ensure!(status.success(), "worker-server exited with {status}");
        Ok(())
    }
}
