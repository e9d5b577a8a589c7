//! Precompressed copies of `dist/`'s `.wasm` and `.js` files: `NAME.gz` (gzip -9) and, when the
//! `brotli` binary is installed, `NAME.br` (brotli -q 9), next to each original, so the server
//! can send the smallest encoding a browser accepts without compressing per request.
//!
//! The engine's wasm module is tens of megabytes: brotli -q 11 took 271 s on it here, -q 9 takes
//! about 20 s for a file 18% larger (9.6 MB against 8.2 MB; gzip -9: 15.6 MB). All
//! compressors run concurrently (one process per file and format). Trunk recreates `dist/` on
//! every build, so no stale copies survive.

use std::path::{Path, PathBuf};
use std::process::Child;

use anyhow::{Context, Result, bail};

use crate::workspace::Workspace;

/// Extensions of the files worth precompressing.
const EXTENSIONS: [&str; 2] = ["wasm", "js"];

/// Compresses every `.wasm` and `.js` file under `dist/`, then prints the wasm sizes.
pub fn dist(ws: &Workspace) -> Result<()> {
    let dist = ws.dist();
    if !dist.is_dir() {
        bail!(
            "{} does not exist: did trunk build succeed?",
            dist.display()
        );
    }
    let mut files = Vec::new();
    collect(&dist, &mut files)?;
    files.sort();
    let brotli = ws.which("brotli").is_some();
    if !brotli {
        println!("note: no `brotli` binary: skipping .br files (Debian: apt-get install brotli)");
    }

    let mut running: Vec<(String, Child)> = Vec::new();
    for file in &files {
        let mut gzip = ws.cmd("gzip");
        gzip.args(["-k", "-9", "-f"]).arg(file);
        running.push(spawn(ws, &mut gzip)?);
        if brotli {
            let mut br = ws.cmd("brotli");
            br.args(["-f", "-q", "9", "-k"]).arg(file);
            running.push(spawn(ws, &mut br)?);
        }
    }
    // Wait for every child before reporting, so no compressor outlives a failure report.
    let mut failures = Vec::new();
    for (shown, mut child) in running {
        match child.wait() {
            Ok(status) if status.success() => {}
            Ok(status) => failures.push(format!("`{shown}` failed ({status})")),
            Err(error) => failures.push(format!("waiting for `{shown}`: {error}")),
        }
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("; "));
    }

    println!(
        "{:<48} {:>10} {:>10} {:>10}",
        "wasm file", "raw", "gzip -9", "brotli 9"
    );
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "wasm"))
    {
        let size = |path: PathBuf| std::fs::metadata(path).map(|m| human(m.len()));
        let name = file
            .strip_prefix(&dist)
            .unwrap_or(file)
            .display()
            .to_string();
        let gz = size(suffixed(file, "gz")).unwrap_or_else(|_| "-".into());
        let br = size(suffixed(file, "br")).unwrap_or_else(|_| "-".into());
        println!("{name:<48} {:>10} {gz:>10} {br:>10}", size(file.clone())?);
    }
    Ok(())
}

fn spawn(ws: &Workspace, cmd: &mut std::process::Command) -> Result<(String, Child)> {
    let shown = ws.display(cmd);
    println!("$ {shown}");
    let child = cmd
        .spawn()
        .with_context(|| format!("could not start `{shown}`"))?;
    Ok((shown, child))
}

/// All files below `dir` with one of [`EXTENSIONS`].
fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// `file` with `.suffix` appended (`app_bg.wasm` → `app_bg.wasm.gz`).
fn suffixed(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// `12.34 MB` or `84.1 kB` (decimal units, as the size budgets are written).
fn human(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.2} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1} kB", bytes as f64 / 1e3)
    }
}
