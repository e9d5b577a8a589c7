//! `cargo xtask test`: every test, in order, failing fast.
//!
//! 1. native: `cargo test -p glint-protocol -p glint-notebook -p glint-stats -p glint-engine
//!    -p worker-server`, then the app's plain-Rust tests and the Parquet converter's
//!    (`cargo test -p glint-app`, `cargo test -p export-wasm`: separate invocations, since
//!    together they would unify features differently and rebuild DataFusion); worker-server's S3
//!    tests run against moto's S3 server, named by `GLINT_MOTO_SERVER` ([`tools::moto_server`]);
//!    then each fuzz target for 20 s under libFuzzer ([`crate::fuzz`]; `--no-fuzz` skips it);
//! 2. wasm: the engine's tests on wasm32 in headless Chromium
//!    (`cargo test -p engine-wasm --target wasm32-unknown-unknown --release`; the runner is
//!    `wasm-bindgen-test-runner`, set in `.cargo/config.toml`, with chromedriver and
//!    `engine-wasm/webdriver.json`);
//! 3. build: the app with Trunk ([`crate::build::app`]) and the native `worker-server`;
//! 4. e2e: `node --test tests/e2e/` drives Chromium against that server and `dist/`.
//!
//! On a cold machine the wasm32 build of step 2 starts in the background before step 1
//! (`cargo test --no-run`, output in `<target>/xtask-wasm-build.log`): DataFusion's crates
//! compile mostly one after another, so two builds side by side keep both cores busy and cut
//! the cold wall-clock time. Cargo locks the native and the wasm32 build directories
//! separately, so they do not wait on each other.
//!
//! `--no-wasm` skips 2; `--no-e2e` skips 3 and 4 (3 only exists to feed 4). The closing line
//! `xtask: N passed, 0 failed` is printed only when every step that ran passed.

use std::fs::File;
use std::process::{Child, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::build;
use crate::fuzz;
use crate::steps::Steps;
use crate::tools::{self, CHROMEDRIVER, CHROMIUM, Needs};
use crate::workspace::Workspace;

/// Which optional steps run (all by default).
pub struct TestOptions {
    /// Run the wasm32 engine tests in headless Chromium.
    pub wasm: bool,
    /// Build the app and the server and run the end-to-end tests.
    pub e2e: bool,
    /// Run each fuzz target briefly.
    pub fuzz: bool,
}

/// Seconds per fuzz target in the short run.
const FUZZ_SECS: u64 = 20;

const NATIVE: &str = "native tests (protocol, notebook, stats, engine, worker-server, Ballista cluster, fuzz corpora)";
const FUZZ: &str = "short fuzz run (cargo xtask fuzz --secs 20)";
const APP: &str = "app model and Parquet export tests (native)";
const WASM: &str = "wasm engine tests (headless Chromium)";
const BUILD: &str = "build app (trunk) and worker-server";
const E2E: &str = "end-to-end tests (node --test tests/e2e/)";

pub fn run(ws: &Workspace, options: &TestOptions) -> Result<()> {
    let start = Instant::now();
    let needs = Needs {
        wasm: options.wasm || options.e2e,
        trunk: options.e2e,
        chromium: options.wasm || options.e2e,
        e2e_node: options.e2e,
        moto: true,
        fuzz: options.fuzz,
    };
    tools::bootstrap(ws, needs)?;

    let mut steps = Steps::new();
    let result = all_steps(ws, options, &mut steps);
    steps.print_summary(start.elapsed());
    match (result, steps.first_failure()) {
        (Ok(()), _) => {
            let (passed, failed) = steps.counts();
            println!("xtask: {passed} passed, {failed} failed");
            Ok(())
        }
        (Err(error), Some(step)) => {
            println!("xtask: FAILED at step `{step}`");
            Err(error)
        }
        (Err(error), None) => Err(error),
    }
}

/// `cargo test` arguments of the wasm32 engine tests.
const WASM_TEST_ARGS: [&str; 6] = ["test", "-p", "engine-wasm", "--target", "wasm32-unknown-unknown", "--release"];

/// Starts compiling the wasm32 tests in the background (see the module docs).
fn start_wasm_build(ws: &Workspace) -> Result<(Child, std::path::PathBuf)> {
    std::fs::create_dir_all(&ws.target_dir)?;
    let log_path = ws.target_dir.join("xtask-wasm-build.log");
    let log = File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let child = ws
        .cargo()
        .args(WASM_TEST_ARGS)
        .arg("--no-run")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting the background wasm32 build")?;
    println!("(building the wasm32 tests in the background meanwhile; log: {})", log_path.display());
    Ok((child, log_path))
}

/// Waits for the background wasm32 build; on failure, shows the end of its log.
fn finish_wasm_build(mut child: Child, log_path: &std::path::Path) -> Result<()> {
    let status = child.wait().context("waiting for the background wasm32 build")?;
    if status.success() {
        return Ok(());
    }
    let log = std::fs::read_to_string(log_path).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(60).collect();
    for line in tail.iter().rev() {
        eprintln!("{line}");
    }
    bail!("the wasm32 test build failed ({status}); full log: {}", log_path.display())
}

/// The steps in order; the first failure stops the rest.
fn all_steps(ws: &Workspace, options: &TestOptions, steps: &mut Steps) -> Result<()> {
    let mut background = if options.wasm { Some(start_wasm_build(ws)?) } else { None };
    let native = steps.run(NATIVE, || {
        let mut cargo = ws.cargo();
        cargo.env("GLINT_MOTO_SERVER", tools::moto_server(ws));
        ws.run(cargo.args([
            "test",
            "-p",
            "glint-protocol",
            "-p",
            "glint-notebook",
            "-p",
            "glint-stats",
            "-p",
            "glint-engine",
            "-p",
            "worker-server",
            "-p",
            "glint-fuzz",
            "-p",
            "glint-cluster",
        ]))
    });
    let native = native.and_then(|()| {
        steps.run(APP, || {
            ws.run(ws.cargo().args(["test", "-p", "glint-app"]))?;
            ws.run(ws.cargo().args(["test", "-p", "export-wasm"]))
        })
    });
    let native = native.and_then(|()| {
        if options.fuzz {
            let short = fuzz::FuzzOptions { secs: FUZZ_SECS, ..fuzz::FuzzOptions::default() };
            steps.run(FUZZ, || fuzz::fuzz_steps(ws, &short, &mut Steps::new()))
        } else {
            steps.skip(FUZZ, "--no-fuzz");
            Ok(())
        }
    });
    if let Err(error) = native {
        if let Some((mut child, _)) = background.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        return Err(error);
    }

    if let Some((child, log_path)) = background.take() {
        steps.run(WASM, || {
            finish_wasm_build(child, &log_path)?;
            ws.run(
                ws.cargo()
                    .args(WASM_TEST_ARGS)
                    .env("CHROMEDRIVER", CHROMEDRIVER)
                    .env("WASM_BINDGEN_TEST_TIMEOUT", "600"),
            )
        })?;
    } else {
        steps.skip(WASM, "--no-wasm");
    }

    if !options.e2e {
        steps.skip(BUILD, "--no-e2e");
        steps.skip(E2E, "--no-e2e");
        return Ok(());
    }
    steps.run(BUILD, || {
        let mut inner = Steps::new();
        build::app(ws, &mut inner)?;
        inner.run("cargo build -p worker-server", || {
            ws.run(ws.cargo().args(["build", "-p", "worker-server"]))
        })
    })?;
    steps.run(E2E, || {
        let server = ws.server_bin();
        if !server.is_file() {
            bail!("{} is missing after the build", server.display());
        }
        ws.run(
            ws.cmd("node")
                .args(["--test", "tests/e2e/"])
                .env("GLINT_SERVER_BIN", &server)
                .env("GLINT_DIST", ws.dist())
                .env("CHROMIUM", CHROMIUM),
        )
    })
}
