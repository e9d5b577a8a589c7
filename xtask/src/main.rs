//! `cargo xtask`: every Glint workflow beyond `cargo build`, in the spirit of rust-analyzer's
//! xtask (the alias lives in `.cargo/config.toml`).
//!
//! ```text
//! cargo xtask build                       # Trunk release build into dist/ + .gz/.br copies
//! cargo xtask dev [--host H] [--port N]   # build, then serve the app (default 127.0.0.1:8080)
//! cargo xtask test [--no-wasm] [--no-e2e] # native, wasm-in-Chromium and end-to-end tests
//! cargo xtask sample --out PATH [--users N] [--days N] [--seed S]
//! cargo xtask bench [--size 1GB] [--build-app] [--timeout-s N]
//! cargo xtask fuzz [--secs N] [--merge] [TARGET…]
//! cargo xtask load [--clients N] [--jobs N]
//! ```
//!
//! Each command first installs the tools it needs and lacks ([`tools`]), runs every child process
//! with one shared target directory and a pinned `PATH` ([`workspace`]), and times its steps
//! ([`steps`]). Code map: `args.rs` (hand-rolled argument parsing), `build.rs` (Trunk build),
//! `precompress.rs` (gzip/brotli copies of `dist/`), `dev.rs`, `test.rs`, `sample.rs`, `bench.rs`
//! (Glint against DuckDB and DuckDB-WASM; the measuring lives in `tests/bench/`), `fuzz.rs`
//! (libFuzzer runs of `fuzz/`), `load.rs` (the server's load test, larger).
//!
//! **Invariant:** std + anyhow only, so `cargo xtask` is ready seconds after a fresh clone.

mod args;
mod bench;
mod build;
mod dev;
mod fuzz;
mod load;
mod precompress;
mod sample;
mod steps;
mod test;
mod tools;
mod workspace;

use std::process::ExitCode;

use anyhow::Result;

use crate::args::Args;
use crate::workspace::Workspace;

const USAGE: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  build                          cargo fetch, `trunk build --release --offline` into dist/,
                                 then gzip/brotli copies of dist's .wasm and .js files
  dev [--host H] [--port N]      build, build worker-server, serve the app
                                 (default http://127.0.0.1:8080/)
  test [--no-wasm] [--no-e2e] [--no-fuzz]
                                 native tests, a short fuzz run, engine tests on wasm32 in
                                 headless Chromium, app build + end-to-end browser tests
                                   --no-wasm  skip the wasm32 engine tests
                                   --no-e2e   skip the app build and the end-to-end tests
                                   --no-fuzz  skip the short fuzz run
  sample --out PATH [...]        write the sample log (`worker-server sample`; --users,
                                 --days, --seed are passed through)
  bench [--size 1GB] [--build-app] [--timeout-s N]
                                 generate a log of about that size (cached in
                                 ~/.cache/glint/bench), run q1-q6 on Glint and DuckDB-WASM in
                                 headless Chromium and on Glint and DuckDB natively, check that
                                 all agree, print the times, rewrite BENCHMARKS.md's table
                                   --build-app  rebuild dist/ first (built when missing)
                                   --timeout-s  time limit per engine (default 3600)
  fuzz [--secs N] [--merge] [TARGET...]
                                 run the fuzz targets (ndjson_ingest, notebook_codec,
                                 share_codec; default all) under libFuzzer, N seconds each
                                 (default 60); crashes land in fuzz/artifacts/
                                   --merge  add new coverage to the kept corpus fuzz/corpus/
  load [--clients N] [--jobs N]  the worker server's load test over HTTP on 127.0.0.1 with N
                                 concurrent clients x N jobs each (default 32 x 25), then a
                                 kill -9 under load; prints throughput, p50/p99 and memory
  help                           this text

Every command installs what it needs and lacks first (apt: clang, llvm, chromium,
chromium-driver; rustup: wasm32 target; cargo: wasm-bindgen-cli as pinned by Cargo.lock,
trunk 0.21.14, cargo-fuzz 0.13.2 and a nightly toolchain for fuzzing; npm: binaryen 132 into
.tools/). All builds share one target directory:
$GLINT_TARGET_DIR, default ~/.cache/glint/target.";

fn main() -> ExitCode {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let command = argv.remove(0);
    match dispatch(&command, Args::new(argv)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nxtask {command}: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command; its arguments are parsed here so that every command's surface is visible
/// in one place.
fn dispatch(command: &str, mut args: Args) -> Result<()> {
    match command {
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        "build" => {
            args.finish()?;
            let ws = Workspace::locate()?;
            build::run(&ws)
        }
        "dev" => {
            let defaults = dev::DevOptions::default();
            let options = dev::DevOptions {
                host: args.value("--host")?.unwrap_or(defaults.host),
                port: match args.value("--port")? {
                    Some(port) => port
                        .parse()
                        .map_err(|_| anyhow::anyhow!("--port: `{port}` is not a port number"))?,
                    None => defaults.port,
                },
            };
            args.finish()?;
            let ws = Workspace::locate()?;
            dev::run(&ws, &options)
        }
        "test" => {
            let options = test::TestOptions {
                wasm: !args.flag("--no-wasm"),
                e2e: !args.flag("--no-e2e"),
                fuzz: !args.flag("--no-fuzz"),
            };
            args.finish()?;
            let ws = Workspace::locate()?;
            test::run(&ws, &options)
        }
        "sample" => {
            let ws = Workspace::locate()?;
            sample::run(&ws, args.into_rest())
        }
        "bench" => {
            let defaults = bench::BenchOptions::default();
            let options = bench::BenchOptions {
                size: match args.value("--size")? {
                    Some(size) => bench::parse_size(&size)?,
                    None => defaults.size,
                },
                build_app: args.flag("--build-app"),
                timeout_s: match args.value("--timeout-s")? {
                    Some(s) => s
                        .parse()
                        .map_err(|_| anyhow::anyhow!("--timeout-s: `{s}` is not a number of seconds"))?,
                    None => defaults.timeout_s,
                },
            };
            args.finish()?;
            let ws = Workspace::locate()?;
            bench::run(&ws, &options)
        }
        "fuzz" => {
            let defaults = fuzz::FuzzOptions::default();
            let secs = match args.value("--secs")? {
                Some(s) => s.parse().map_err(|_| anyhow::anyhow!("--secs: `{s}` is not a number of seconds"))?,
                None => defaults.secs,
            };
            let merge = args.flag("--merge");
            let options = fuzz::FuzzOptions { secs, merge, targets: args.into_rest() };
            let ws = Workspace::locate()?;
            fuzz::run(&ws, &options)
        }
        "load" => {
            let defaults = load::LoadOptions::default();
            let count = |name: &str, value: Option<String>, default: usize| -> Result<usize> {
                match value {
                    Some(v) => v.parse().map_err(|_| anyhow::anyhow!("{name}: `{v}` is not a count")),
                    None => Ok(default),
                }
            };
            let options = load::LoadOptions {
                clients: count("--clients", args.value("--clients")?, defaults.clients)?,
                jobs: count("--jobs", args.value("--jobs")?, defaults.jobs)?,
            };
            args.finish()?;
            let ws = Workspace::locate()?;
            load::run(&ws, &options)
        }
        other => anyhow::bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}
