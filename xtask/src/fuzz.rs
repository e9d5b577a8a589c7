//! `cargo xtask fuzz`: the fuzz targets of `fuzz/` under libFuzzer (`cargo +nightly fuzz`), each
//! for a bounded time.
//!
//! One build (`cargo +nightly fuzz build -s none`, into `<target>/fuzz`: coverage
//! instrumentation, optimised, with debug assertions and overflow checks; no sanitizer, since
//! the code under test is safe Rust and ASan would halve the executions), then each target in
//! turn. New interesting inputs go to a work corpus outside the repository
//! (`<target>/fuzz-corpus/TARGET`), seeded from the kept one (`fuzz/corpus/TARGET`, read only);
//! `--merge` adds the work corpus's new coverage to the kept corpus afterwards. A crash stops
//! the run and is left in `fuzz/artifacts/TARGET/` (git-ignored): once fixed, copy it into
//! `fuzz/regressions/TARGET/`, which `cargo test -p glint-fuzz` replays on stable.

use std::time::Instant;

use anyhow::{Result, bail};

use crate::steps::{Steps, seconds};
use crate::tools::{self, Needs};
use crate::workspace::Workspace;

/// The targets, in `fuzz/Cargo.toml`'s order.
pub const TARGETS: [&str; 3] = ["ndjson_ingest", "notebook_codec", "share_codec"];

pub struct FuzzOptions {
    /// Seconds per target.
    pub secs: u64,
    /// Targets to run (all when empty).
    pub targets: Vec<String>,
    /// Merge the work corpus's new coverage into `fuzz/corpus/` afterwards.
    pub merge: bool,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        FuzzOptions { secs: 60, targets: Vec::new(), merge: false }
    }
}

pub fn run(ws: &Workspace, options: &FuzzOptions) -> Result<()> {
    let start = Instant::now();
    tools::bootstrap(ws, Needs { fuzz: true, ..Needs::default() })?;
    let mut steps = Steps::new();
    let result = fuzz_steps(ws, options, &mut steps);
    steps.print_summary(start.elapsed());
    result
}

/// The build and the runs as steps of a caller's [`Steps`] (`cargo xtask test` runs a short one).
pub fn fuzz_steps(ws: &Workspace, options: &FuzzOptions, steps: &mut Steps) -> Result<()> {
    let targets: Vec<&str> = if options.targets.is_empty() {
        TARGETS.to_vec()
    } else {
        options.targets.iter().map(String::as_str).collect()
    };
    if let Some(unknown) = targets.iter().find(|t| !TARGETS.contains(t)) {
        bail!("no fuzz target `{unknown}` (targets: {})", TARGETS.join(", "));
    }
    let fuzz_target_dir = ws.target_dir.join("fuzz");
    let fuzz = |sub: &str| {
        let mut cmd = ws.cargo();
        cmd.args(["+nightly", "fuzz", sub]).arg("--sanitizer=none").arg("--target-dir").arg(&fuzz_target_dir);
        cmd
    };
    steps.run("build the fuzz targets (cargo +nightly fuzz build)", || ws.run(&mut fuzz("build")))?;
    for target in targets {
        let work = ws.target_dir.join("fuzz-corpus").join(target);
        std::fs::create_dir_all(&work)?;
        let kept = ws.root.join("fuzz/corpus").join(target);
        let started = Instant::now();
        steps.run(&format!("fuzz {target} for {} s", options.secs), || {
            ws.run(
                fuzz("run")
                    .arg(target)
                    .arg(&work)
                    .arg(&kept)
                    .arg("--")
                    .arg(format!("-max_total_time={}", options.secs))
                    .arg("-rss_limit_mb=4096")
                    .arg("-print_final_stats=1"),
            )
            .map_err(|e| {
                e.context(format!(
                    "fuzz target {target} failed: the input is in fuzz/artifacts/{target}/; fix it, then copy \
                     it into fuzz/regressions/{target}/"
                ))
            })
        })?;
        println!("    ({target}: {} of fuzzing)", seconds(started.elapsed()));
        if options.merge {
            steps.run(&format!("merge {target}'s new coverage into fuzz/corpus/{target}"), || {
                // Edge coverage only: a corpus small enough to keep in git and replay in CI.
                ws.run(fuzz("run").arg(target).arg(&kept).arg(&work).args(["--", "-merge=1", "-use_counters=0", "-use_cmp=0"]))
            })?;
        }
    }
    Ok(())
}
