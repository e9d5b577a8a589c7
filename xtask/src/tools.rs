//! Tool bootstrap: install what a command needs and lacks, at pinned versions.
//!
//! Idempotent and quick when everything is present (a few `--version` probes); each install is
//! printed as a timed step. What is checked, and how it is installed when missing:
//!
//! | tool | check | install |
//! |---|---|---|
//! | clang, llvm (zstd's C code on wasm32) | `clang`, `llvm-ar`/`llvm-config` on PATH | apt-get |
//! | brotli (precompressed dist/) | `brotli` on PATH | apt-get |
//! | chromium, chromium-driver (tests) | `/usr/bin/chromium`, `/usr/bin/chromedriver` | apt-get |
//! | wasm32 target | `rustup target list --installed` | `rustup target add` |
//! | wasm-bindgen-cli | `--version` = Cargo.lock's `wasm-bindgen` | `cargo install` (no `--locked`) |
//! | trunk | `trunk --version` = 0.21.14 | `cargo install --locked` |
//! | binaryen 132 | `.tools/node_modules/.bin/wasm-opt` | `npm install --prefix .tools` |
//! | e2e node modules | `tests/e2e/node_modules` | `npm ci` (`npm install` without a lock) |
//! | moto's S3 server (tests) | the venv's `moto.__version__` = [`MOTO_VERSION`] | venv + pip ([`PipVenv`]) |
//! | nightly toolchain (fuzzing) | `rustup toolchain list` | `rustup toolchain install nightly --profile minimal` |
//! | cargo-fuzz | `cargo fuzz --version` = [`CARGO_FUZZ_VERSION`] | `cargo install --locked` |
//!
//! Debian's binaryen (108) breaks wasm-bindgen output, so the npm build comes first on the
//! children's `PATH` (see [`crate::workspace`]) and `Trunk.toml` pins `wasm_opt = "version_132"`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::steps::{Steps, seconds};
use crate::workspace::Workspace;

/// Trunk release this repository is built with (0.22 needs a newer Rust than we pin).
pub const TRUNK_VERSION: &str = "0.21.14";
/// binaryen (wasm-opt) release; must agree with `wasm_opt` in `Trunk.toml`.
pub const BINARYEN_VERSION: &str = "132";
/// The browser and its WebDriver, as installed by Debian's `chromium` / `chromium-driver`.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// PyPI `moto` release whose `moto_server` is the S3 server of `worker-server/tests/s3.rs`.
pub const MOTO_VERSION: &str = "5.2.5";
/// cargo-fuzz release (`cargo xtask fuzz`; libFuzzer needs a nightly toolchain).
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The tool groups a command needs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Needs {
    /// wasm32 builds: clang + llvm, the wasm32 target, wasm-bindgen-cli (and its test runner).
    pub wasm: bool,
    /// The app build: Trunk and binaryen.
    pub trunk: bool,
    /// Headless Chromium and chromedriver.
    pub chromium: bool,
    /// `tests/e2e`'s node modules (playwright-core).
    pub e2e_node: bool,
    /// moto's S3-compatible server in a venv ([`moto_server`]).
    pub moto: bool,
    /// A nightly toolchain and cargo-fuzz.
    pub fuzz: bool,
}

/// Installs whatever `needs` asks for and is missing; prints one line when all is present.
pub fn bootstrap(ws: &Workspace, needs: Needs) -> Result<()> {
    let start = Instant::now();
    println!("==> tools (target dir: {})", ws.target_dir.display());
    let mut steps = Steps::new();
    apt_packages(ws, needs, &mut steps)?;
    if needs.wasm {
        wasm32_target(ws, &mut steps)?;
        wasm_bindgen_cli(ws, &mut steps)?;
    }
    if needs.trunk {
        trunk(ws, &mut steps)?;
        binaryen(ws, &mut steps)?;
    }
    if needs.e2e_node {
        e2e_node_modules(ws, &mut steps)?;
    }
    if needs.moto {
        moto(ws, &mut steps)?;
    }
    if needs.fuzz {
        cargo_fuzz(ws, &mut steps)?;
    }
    let (installed, _) = steps.counts();
    let what = if installed == 0 {
        "all present"
    } else {
        "installed what was missing"
    };
    println!("<== tools: ready, {what} ({})", seconds(start.elapsed()));
    Ok(())
}

/// clang/llvm for wasm32 builds, chromium/chromedriver for browser tests, python3-venv for the
/// S3 tests' moto server, from apt.
fn apt_packages(ws: &Workspace, needs: Needs, steps: &mut Steps) -> Result<()> {
    let mut missing = Vec::new();
    if needs.wasm {
        if ws.which("clang").is_none() {
            missing.push("clang");
        }
        if ws.which("llvm-ar").is_none() && ws.which("llvm-config").is_none() {
            missing.push("llvm");
        }
    }
    if needs.trunk && ws.which("brotli").is_none() {
        // dist/ is served precompressed; brotli shrinks the engine worker most.
        missing.push("brotli");
    }
    if needs.chromium {
        if !Path::new(CHROMIUM).is_file() {
            missing.push("chromium");
        }
        if !Path::new(CHROMEDRIVER).is_file() {
            missing.push("chromium-driver");
        }
    }
    if needs.moto && ws.probe("python3", &["-c", "import venv, ensurepip; print('ok')"]).as_deref() != Some("ok") {
        // The S3 tests' moto server lives in a venv.
        missing.extend(["python3", "python3-venv"]);
    }
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    steps.run(&format!("install {list} (apt)"), || {
        if ws.which("apt-get").is_none() {
            bail!("apt-get not found: install {list} with your package manager");
        }
        ws.run(&mut privileged(ws, &["apt-get", "update"], &list)?)?;
        let mut install = vec!["apt-get", "install", "-y"];
        install.extend(&missing);
        ws.run(&mut privileged(ws, &install, &list)?)
    })
}

/// `argv` run as root: directly when we are root, else through sudo when there is one.
fn privileged(ws: &Workspace, argv: &[&str], packages: &str) -> Result<Command> {
    const NONINTERACTIVE: &str = "DEBIAN_FRONTEND=noninteractive";
    if ws.probe("id", &["-u"]).as_deref() == Some("0") {
        let mut cmd = ws.cmd(argv[0]);
        cmd.args(&argv[1..])
            .env("DEBIAN_FRONTEND", "noninteractive");
        Ok(cmd)
    } else if ws.which("sudo").is_some() {
        let mut cmd = ws.cmd("sudo");
        cmd.arg(NONINTERACTIVE).args(argv);
        Ok(cmd)
    } else {
        bail!(
            "installing {packages} needs root and there is no sudo: run \
             `{NONINTERACTIVE} apt-get install -y {packages}` as root, then retry"
        )
    }
}

/// `rustup target add wasm32-unknown-unknown` unless installed.
fn wasm32_target(ws: &Workspace, steps: &mut Steps) -> Result<()> {
    match ws.probe("rustup", &["target", "list", "--installed"]) {
        Some(list) if list.lines().any(|line| line.trim() == WASM_TARGET) => Ok(()),
        Some(_) => steps.run(
            &format!("install the {WASM_TARGET} target (rustup)"),
            || ws.run(ws.cmd("rustup").args(["target", "add", WASM_TARGET])),
        ),
        None => {
            // No rustup: accept a toolchain that ships the target's standard library.
            let sysroot = ws
                .probe("rustc", &["--print", "sysroot"])
                .context("neither rustup nor rustc runs: install Rust with rustup")?;
            if Path::new(&sysroot)
                .join("lib/rustlib")
                .join(WASM_TARGET)
                .is_dir()
            {
                Ok(())
            } else {
                bail!("the {WASM_TARGET} target is missing and there is no rustup to add it")
            }
        }
    }
}

/// wasm-bindgen-cli at exactly Cargo.lock's `wasm-bindgen` version (the CLI refuses modules
/// from another version). Also checks that `Trunk.toml` pins the same version.
fn wasm_bindgen_cli(ws: &Workspace, steps: &mut Steps) -> Result<()> {
    let version = locked_wasm_bindgen(ws)?;
    check_trunk_pin(ws, &version)?;
    let wanted = |tool: &str| format!("{tool} {version}");
    let present = || {
        ["wasm-bindgen", "wasm-bindgen-test-runner"]
            .iter()
            .all(|tool| ws.probe(tool, &["--version"]) == Some(wanted(tool)))
    };
    if present() {
        return Ok(());
    }
    steps.run(
        &format!("install wasm-bindgen-cli {version} (cargo install)"),
        || {
            // No --locked: the CLI's own lockfile names a crate version crates.io lacks.
            // No shared target dir: cargo install then builds in a temporary one and removes it.
            ws.run(
                ws.cargo()
                    .args([
                        "install",
                        "--force",
                        "wasm-bindgen-cli",
                        "--version",
                        &version,
                    ])
                    .env_remove("CARGO_TARGET_DIR"),
            )?;
            if !present() {
                bail!(
                    "installed, but `wasm-bindgen --version` prints {:?}: another wasm-bindgen is \
                 earlier on PATH ({:?})",
                    ws.probe("wasm-bindgen", &["--version"]),
                    ws.which("wasm-bindgen")
                );
            }
            Ok(())
        },
    )
}

/// The `wasm-bindgen` version in Cargo.lock (writing the lock file first if it lacks one).
fn locked_wasm_bindgen(ws: &Workspace) -> Result<String> {
    let lock_path = ws.root.join("Cargo.lock");
    let read = || std::fs::read_to_string(&lock_path).unwrap_or_default();
    let mut versions = locked_versions(&read(), "wasm-bindgen");
    if versions.is_empty() {
        // Missing or stale lock file: `cargo metadata` resolves and writes it.
        ws.run(
            ws.cargo()
                .args(["metadata", "--format-version", "1"])
                .stdout(Stdio::null()),
        )?;
        versions = locked_versions(&read(), "wasm-bindgen");
    }
    match versions.as_slice() {
        [version] => Ok(version.clone()),
        [] => bail!("Cargo.lock has no `wasm-bindgen` package"),
        many => bail!("Cargo.lock has several wasm-bindgen versions {many:?}: pin one"),
    }
}

/// The versions of `package` among Cargo.lock's `[[package]]` entries.
fn locked_versions(lock: &str, package: &str) -> Vec<String> {
    let quoted = |line: &str, key: &str| {
        line.strip_prefix(key)
            .and_then(|rest| rest.trim().strip_prefix('='))
            .map(|value| value.trim().trim_matches('"').to_owned())
    };
    lock.split("[[package]]")
        .skip(1)
        .filter_map(|entry| {
            let name = entry.lines().find_map(|line| quoted(line, "name"))?;
            let version = entry.lines().find_map(|line| quoted(line, "version"))?;
            (name == package).then_some(version)
        })
        .collect()
}

/// Fails unless `Trunk.toml` pins `wasm_bindgen` to `version` (otherwise Trunk would try to
/// download another CLI and the offline build fails late and obscurely).
fn check_trunk_pin(ws: &Workspace, version: &str) -> Result<()> {
    let path = ws.root.join("Trunk.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let pinned = text.lines().find_map(|line| {
        let value = line
            .trim()
            .strip_prefix("wasm_bindgen")?
            .trim()
            .strip_prefix('=')?;
        value.split('"').nth(1).map(str::to_owned)
    });
    match pinned {
        Some(pinned) if pinned == version => Ok(()),
        Some(pinned) => bail!(
            "Trunk.toml pins wasm_bindgen = \"{pinned}\" but Cargo.lock has wasm-bindgen \
             {version}: make them equal"
        ),
        None => bail!("Trunk.toml has no `wasm_bindgen = \"{version}\"` under [tools]"),
    }
}

/// A nightly toolchain (any: libFuzzer's instrumentation needs one) and cargo-fuzz at
/// [`CARGO_FUZZ_VERSION`].
fn cargo_fuzz(ws: &Workspace, steps: &mut Steps) -> Result<()> {
    let has_nightly = ws
        .probe("rustup", &["toolchain", "list"])
        .is_some_and(|list| list.lines().any(|line| line.starts_with("nightly")));
    if !has_nightly {
        steps.run("install a nightly toolchain (rustup)", || {
            ws.run(ws.cmd("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))
        })?;
    }
    let wanted = format!("cargo-fuzz {CARGO_FUZZ_VERSION}");
    if ws.probe("cargo", &["fuzz", "--version"]) == Some(wanted.clone()) {
        return Ok(());
    }
    steps.run(&format!("install cargo-fuzz {CARGO_FUZZ_VERSION} (cargo install)"), || {
        ws.run(
            ws.cargo()
                .args(["install", "--locked", "--force", &format!("cargo-fuzz@{CARGO_FUZZ_VERSION}")])
                .env_remove("CARGO_TARGET_DIR"),
        )
    })
}

/// Trunk at [`TRUNK_VERSION`].
fn trunk(ws: &Workspace, steps: &mut Steps) -> Result<()> {
    let wanted = format!("trunk {TRUNK_VERSION}");
    if ws.probe("trunk", &["--version"]) == Some(wanted.clone()) {
        return Ok(());
    }
    steps.run(&format!("install trunk {TRUNK_VERSION} (cargo install)"), || {
        ws.run(
            ws.cargo()
                .args(["install", "--locked", "--force", &format!("trunk@{TRUNK_VERSION}")])
                .env_remove("CARGO_TARGET_DIR"),
        )?;
        match ws.probe("trunk", &["--version"]) {
            Some(found) if found == wanted => Ok(()),
            found => bail!(
                "installed, but `trunk --version` prints {found:?}: another trunk is earlier on \
                 PATH ({:?})",
                ws.which("trunk")
            ),
        }
    })
}

/// binaryen's `wasm-opt` from npm into `<repo>/.tools` (never Debian's 108).
fn binaryen(ws: &Workspace, steps: &mut Steps) -> Result<()> {
    let wasm_opt = ws.tools_dir().join("node_modules/.bin/wasm-opt");
    let present = || {
        wasm_opt.is_file()
            && ws
                .probe(&wasm_opt.to_string_lossy(), &["--version"])
                .is_some_and(|v| v.contains(&format!("version {BINARYEN_VERSION}")))
    };
    if present() {
        return Ok(());
    }
    steps.run(
        &format!("install binaryen {BINARYEN_VERSION} into .tools (npm)"),
        || {
            require_npm(ws, "binaryen (wasm-opt)")?;
            ws.run(
                ws.cmd("npm")
                    .arg("install")
                    .arg("--prefix")
                    .arg(ws.tools_dir())
                    .args([
                        &format!("binaryen@{BINARYEN_VERSION}"),
                        "--no-audit",
                        "--no-fund",
                    ]),
            )?;
            if !present() {
                bail!(
                    "installed, but {} does not report version {BINARYEN_VERSION}",
                    wasm_opt.display()
                );
            }
            Ok(())
        },
    )
}

/// `tests/e2e/node_modules` (playwright-core) via `npm ci`, or `npm install` without a lock.
fn e2e_node_modules(ws: &Workspace, steps: &mut Steps) -> Result<()> {
    let dir = ws.root.join("tests/e2e");
    if dir.join("node_modules").is_dir() {
        return Ok(());
    }
    steps.run("install tests/e2e node modules (npm)", || {
        if !dir.join("package.json").is_file() {
            bail!("{} is missing", dir.join("package.json").display());
        }
        require_npm(ws, "the end-to-end tests")?;
        let verb = if dir.join("package-lock.json").is_file() {
            "ci"
        } else {
            "install"
        };
        ws.run(
            ws.cmd("npm")
                .args([verb, "--no-audit", "--no-fund"])
                .current_dir(&dir),
        )
    })
}

/// A Python venv holding one pinned PyPI package, probed before pip runs.
pub struct PipVenv<'a> {
    /// The venv's directory.
    pub dir: PathBuf,
    /// What pip installs, such as `duckdb==2.0.0`.
    pub requirement: String,
    /// Python code that uses what we need of the package and prints its version.
    pub probe: &'a str,
    /// What `probe` prints when the right release works.
    pub version: &'a str,
    /// What the package is for (named when python3 is missing).
    pub purpose: &'a str,
}

impl PipVenv<'_> {
    pub fn python(&self) -> PathBuf {
        self.dir.join("bin/python")
    }

    /// Whether `probe` prints `version` in the venv (nothing is printed).
    pub fn present(&self, ws: &Workspace) -> bool {
        ws.probe(&self.python().to_string_lossy(), &["-c", self.probe]).as_deref() == Some(self.version)
    }

    /// Creates the venv when it has no python, pip-installs the requirement and probes again.
    pub fn install(&self, ws: &Workspace) -> Result<()> {
        let python = self.python();
        if !python.is_file() {
            if ws.which("python3").is_none() {
                bail!("python3 is needed for {} (Debian: apt-get install python3 python3-venv)", self.purpose);
            }
            ws.run(ws.cmd("python3").arg("-m").arg("venv").arg(&self.dir))?;
        }
        ws.run(ws.cmd(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", &self.requirement]))?;
        if !self.present(ws) {
            bail!(
                "installed {} in {}, but `{}` does not print {}",
                self.requirement,
                self.dir.display(),
                self.probe,
                self.version
            );
        }
        Ok(())
    }
}

/// `moto_server` in the venv next to the shared target dir (`~/.cache/glint/moto-venv`).
pub fn moto_server(ws: &Workspace) -> PathBuf {
    moto_venv(ws).dir.join("bin/moto_server")
}

fn moto_venv(ws: &Workspace) -> PipVenv<'static> {
    let cache = ws.target_dir.parent().unwrap_or(&ws.target_dir);
    PipVenv {
        dir: cache.join("moto-venv"),
        requirement: format!("moto[server]=={MOTO_VERSION}"),
        probe: "import moto, moto.server; print(moto.__version__)",
        version: MOTO_VERSION,
        purpose: "the S3 tests (moto's server)",
    }
}

/// PyPI `moto[server]` at [`MOTO_VERSION`] in [`moto_venv`].
fn moto(ws: &Workspace, steps: &mut Steps) -> Result<()> {
    let venv = moto_venv(ws);
    if venv.present(ws) && moto_server(ws).is_file() {
        return Ok(());
    }
    steps.run(&format!("install moto {MOTO_VERSION} into {} (pip)", venv.dir.display()), || venv.install(ws))
}

fn require_npm(ws: &Workspace, purpose: &str) -> Result<()> {
    if ws.which("npm").is_none() || ws.which("node").is_none() {
        bail!(
            "Node.js and npm are needed for {purpose}: install them (Debian: apt-get install nodejs npm)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::locked_versions;

    #[test]
    fn reads_package_versions_from_a_lock_file() {
        let lock = r#"
version = 4

[[package]]
name = "wasm-bindgen-futures"
version = "0.4.57"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        assert_eq!(locked_versions(lock, "wasm-bindgen"), ["0.2.130"]);
        assert!(locked_versions(lock, "trunk").is_empty());
    }
}
