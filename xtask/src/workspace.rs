//! The repository xtask works on, and how it runs child processes there.
//!
//! Every child gets the same environment: `CARGO_TARGET_DIR` set to the one target directory
//! shared by all builds on this machine (`$GLINT_TARGET_DIR`, default `~/.cache/glint/target`),
//! and a `PATH` that starts with `<repo>/.tools/node_modules/.bin` (npm binaryen's `wasm-opt`,
//! ahead of any distribution binaryen) and cargo's bin directory (tools xtask just installed).
//! Cargo's per-package variables that `cargo xtask` (a `cargo run`) puts in xtask's own
//! environment (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, …) are removed: build scripts such as
//! ring's declare `rerun-if-env-changed` on them, so leaking xtask's values into child builds
//! would rebuild ring, and DataFusion above it, whenever xtask and a plain `cargo` alternate or
//! the checkout moves.
//! Each command is printed before it runs; a failure names the command and its exit status.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// Whether `key` is one of the variables cargo sets for the package it runs (xtask's own), not
/// for the children: `CARGO_MANIFEST_*`, `CARGO_PKG_*`, `CARGO_CRATE_NAME`, `CARGO_BIN_NAME`,
/// `CARGO_PRIMARY_PACKAGE`.
fn is_package_var(key: &OsStr) -> bool {
    let key = key.to_string_lossy();
    key.starts_with("CARGO_MANIFEST_")
        || key.starts_with("CARGO_PKG_")
        || matches!(key.as_ref(), "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE")
}

/// Paths and the child-process environment of one Glint checkout.
pub struct Workspace {
    /// The repository root (the workspace's `Cargo.toml`).
    pub root: PathBuf,
    /// The shared cargo target directory handed to every child.
    pub target_dir: PathBuf,
    /// `PATH` for children: `.tools/node_modules/.bin`, cargo's bin, then the inherited `PATH`.
    path: OsString,
}

impl Workspace {
    /// Finds the repository: the nearest directory at or above the current one holding
    /// `xtask/Cargo.toml` (`cargo xtask` runs in the caller's directory), else xtask's own
    /// manifest directory. Not the manifest directory first: clones sharing the target dir share
    /// one xtask binary, whose compiled-in path is whichever clone built it last.
    pub fn locate() -> Result<Self> {
        let from_cwd = std::env::current_dir()
            .ok()
            .and_then(|cwd| cwd.ancestors().find(|d| d.join("xtask/Cargo.toml").is_file()).map(Path::to_path_buf));
        let root = match from_cwd {
            Some(root) => root,
            None => Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .context("xtask's manifest directory has no parent")?
                .to_path_buf(),
        };
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let target_dir = match std::env::var_os("GLINT_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => std::path::absolute(PathBuf::from(dir))?,
            _ => home
                .as_ref()
                .context("neither GLINT_TARGET_DIR nor HOME is set: cannot choose a target dir")?
                .join(".cache/glint/target"),
        };
        let cargo_bin = match std::env::var_os("CARGO_HOME") {
            Some(cargo_home) => PathBuf::from(cargo_home).join("bin"),
            None => home.unwrap_or_default().join(".cargo/bin"),
        };
        let mut entries = vec![root.join(".tools/node_modules/.bin"), cargo_bin];
        if let Some(inherited) = std::env::var_os("PATH") {
            entries.extend(std::env::split_paths(&inherited));
        }
        let path = std::env::join_paths(entries).context("a PATH entry contains a separator")?;
        Ok(Self {
            root,
            target_dir,
            path,
        })
    }

    /// The Trunk output directory (`[build] dist` in `Trunk.toml`).
    pub fn dist(&self) -> PathBuf {
        self.root.join("dist")
    }

    /// Where repo-local tools (npm binaryen) are installed.
    pub fn tools_dir(&self) -> PathBuf {
        self.root.join(".tools")
    }

    /// The native debug build of the server (`cargo build -p worker-server`).
    pub fn server_bin(&self) -> PathBuf {
        self.target_dir.join("debug/worker-server")
    }

    /// A command run at the repository root with the shared environment.
    pub fn cmd(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("PATH", &self.path);
        for (key, _) in std::env::vars_os() {
            if is_package_var(&key) {
                cmd.env_remove(key);
            }
        }
        cmd
    }

    /// `cargo` (the rustup proxy on `PATH`, which keeps the toolchain xtask runs under).
    pub fn cargo(&self) -> Command {
        self.cmd("cargo")
    }

    /// The file `name` resolves to on the children's `PATH`, if any.
    pub fn which(&self, name: &str) -> Option<PathBuf> {
        std::env::split_paths(&self.path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    }

    /// The trimmed stdout of `program args` when it runs and succeeds; `None` otherwise. For
    /// probes such as `trunk --version`, so nothing is printed.
    pub fn probe(&self, program: &str, args: &[&str]) -> Option<String> {
        let output = self
            .cmd(program)
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Prints `cmd`, runs it with inherited stdio and fails unless it exits successfully.
    pub fn run(&self, cmd: &mut Command) -> Result<()> {
        let shown = self.display(cmd);
        println!("$ {shown}");
        let status = cmd
            .status()
            .with_context(|| format!("could not start `{shown}`"))?;
        if !status.success() {
            bail!("`{shown}` failed ({status})");
        }
        Ok(())
    }

    /// A shell-like rendering of `cmd`: extra environment (not the shared `PATH` and target dir),
    /// program, arguments, and the directory when it is not the repository root.
    pub fn display(&self, cmd: &Command) -> String {
        let mut parts = Vec::new();
        for (key, value) in cmd.get_envs() {
            if (key == "PATH" || key == "CARGO_TARGET_DIR") && value.is_some() {
                continue;
            }
            match value {
                Some(value) => parts.push(format!(
                    "{}={}",
                    key.to_string_lossy(),
                    quote(&value.to_string_lossy())
                )),
                None => parts.push(format!("(unset {})", key.to_string_lossy())),
            }
        }
        parts.push(quote(&cmd.get_program().to_string_lossy()));
        parts.extend(cmd.get_args().map(|arg| quote(&arg.to_string_lossy())));
        let mut shown = parts.join(" ");
        if let Some(dir) = cmd.get_current_dir()
            && dir != self.root
        {
            let dir = dir.strip_prefix(&self.root).unwrap_or(dir);
            shown.push_str(&format!("   (in {})", dir.display()));
        }
        shown
    }
}

/// Single-quotes `text` when a shell would split or expand it.
fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting() {
        assert_eq!(quote("--port=8080"), "--port=8080");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }
}
