//! `cargo xtask bench [--size 1GB] [--build-app] [--timeout-s N]`: Glint against its peers on one
//! log, in one run, with the answers checked against each other (STYLE rule 6).
//!
//! 1. tools: Chromium (apt) when missing; `tests/bench`'s node modules (`npm ci`: playwright-core,
//!    `@duckdb/duckdb-wasm`, apache-arrow); a venv with PyPI `duckdb` ([`DUCKDB_VERSION`]) under
//!    `~/.cache/glint/bench-venv`;
//! 2. build `worker-server` in the dev profile with the workspace's own crates at opt-level 2
//!    (`CARGO_PROFILE_DEV_OPT_LEVEL=2`; dependencies are at 2 already, so only Glint's crates
//!    compile, and their artifacts sit beside the plain dev ones); a release build would compile
//!    DataFusion again. The binary is copied to the cache so that other builds cannot swap it
//!    mid-run. The app in `dist/` is used as built (`--build-app` rebuilds it first; it is built
//!    when missing);
//! 3. generate the log with `worker-server sample` (users scaled to the size over [`DAYS`] days,
//!    from bytes per user-day measured on a small log), cached in `~/.cache/glint/bench/`;
//! 4. `node tests/bench/bench.mjs`: native Glint and native DuckDB, then Glint's engine worker and
//!    DuckDB-WASM in one headless Chromium; it checks that every engine gives the same rows for
//!    every query (failing with the query and the engines named) and prints the tables;
//! 5. replace the generated section of `BENCHMARKS.md` (between [`BEGIN`] and [`END`]) with the
//!    tables, the machine, the date and the engine worker's wasm sizes.
//!
//! The queries live in `tests/bench/queries.json` (Glint's and DuckDB's SQL side by side); what
//! each engine does is described in `BENCHMARKS.md` and in the scripts' headers.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::build;
use crate::steps::Steps;
use crate::tools::{self, CHROMIUM, Needs, PipVenv};
use crate::workspace::Workspace;

/// PyPI `duckdb` release the native peer runs.
pub const DUCKDB_VERSION: &str = "2.0.0";
/// Days of the generated log; its size is reached by the number of users.
pub const DAYS: u32 = 14;
/// Markers of the generated section of `BENCHMARKS.md`.
pub const BEGIN: &str = "<!-- bench:begin (written by `cargo xtask bench`; edits inside are overwritten) -->";
pub const END: &str = "<!-- bench:end -->";

pub struct BenchOptions {
    /// Wanted size of the log in bytes (approximate: whole users).
    pub size: u64,
    /// Rebuild the app (`dist/`) before measuring.
    pub build_app: bool,
    /// Per-engine time limit in seconds.
    pub timeout_s: u64,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions { size: 1_000_000_000, build_app: false, timeout_s: 3600 }
    }
}

/// `1GB`, `50MB`, `200M`, `1.5G`, `512MiB`, `123456` → bytes (KB/MB/GB are powers of 1000,
/// KiB/MiB/GiB of 1024).
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| anyhow::anyhow!("--size: `{text}` is not a size such as 50MB or 1GB"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => bail!("--size: unknown unit `{other}` (use B, KB, MB, GB, KiB, MiB or GiB)"),
    };
    let bytes = (number * factor).round();
    if !(bytes >= 1e5) {
        bail!("--size: `{text}` is too small (at least 100KB)");
    }
    Ok(bytes as u64)
}

pub fn run(ws: &Workspace, options: &BenchOptions) -> Result<()> {
    let start = Instant::now();
    tools::bootstrap(ws, Needs { chromium: true, ..Needs::default() })?;
    let cache = cache_dir()?;
    fs::create_dir_all(&cache)?;
    let mut steps = Steps::new();
    let result = all_steps(ws, options, &cache, &mut steps);
    steps.print_summary(start.elapsed());
    result
}

fn all_steps(ws: &Workspace, options: &BenchOptions, cache: &Path, steps: &mut Steps) -> Result<()> {
    let bench_dir = ws.root.join("tests/bench");
    if options.build_app || !ws.dist().join("worker_loader.js").is_file() {
        tools::bootstrap(ws, build::NEEDS)?;
        build::app(ws, steps)?;
    }
    steps.run("tests/bench node modules (npm ci)", || node_modules(ws, &bench_dir))?;
    let python = cache.parent().unwrap_or(cache).join("bench-venv/bin/python");
    steps.run(&format!("DuckDB {DUCKDB_VERSION} in a venv (pip)"), || duckdb_venv(ws, &python))?;
    let server = cache.join("bin/worker-server");
    steps.run("build worker-server (dev profile, Glint's crates at opt-level 2)", || {
        ws.run(ws.cargo().args(["build", "-p", "worker-server"]).env("CARGO_PROFILE_DEV_OPT_LEVEL", "2"))?;
        fs::create_dir_all(cache.join("bin"))?;
        let _ = fs::remove_file(&server);
        fs::copy(ws.server_bin(), &server).context("copying worker-server into the bench cache")?;
        Ok(())
    })?;
    let mut log = None;
    steps.run("generate the log", || {
        log = Some(generate_log(ws, &server, cache, options.size)?);
        Ok(())
    })?;
    let log = log.context("no log")?;
    let results = cache.join("results");
    fs::create_dir_all(&results)?;
    let table = results.join("table.md");
    let _ = fs::remove_file(&table);
    // Other work on the machine skews every column alike; the section records how busy it was.
    let load_before = fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned));
    steps.run("measure and compare (node tests/bench/bench.mjs)", || {
        ws.run(
            ws.cmd("node")
                .arg(bench_dir.join("bench.mjs"))
                .arg("--log")
                .arg(&log.path)
                .arg("--dist")
                .arg(ws.dist())
                .arg("--protocol")
                .arg(ws.root.join("protocol/src/lib.rs"))
                .arg("--queries")
                .arg(bench_dir.join("queries.json"))
                .arg("--server-bin")
                .arg(&server)
                .arg("--python")
                .arg(&python)
                .arg("--work")
                .arg(&results)
                .arg("--out-md")
                .arg(&table)
                .arg("--out-json")
                .arg(results.join("results.json"))
                .arg("--chromium")
                .arg(CHROMIUM)
                .arg("--timeout-s")
                .arg(options.timeout_s.to_string()),
        )
    })?;
    steps.run("write BENCHMARKS.md", || {
        let table = fs::read_to_string(&table).context("bench.mjs wrote no table")?;
        let section = section(ws, &log, &table, load_before.as_deref());
        let path = ws.root.join("BENCHMARKS.md");
        let old = fs::read_to_string(&path).unwrap_or_default();
        fs::write(&path, splice(&old, &section))?;
        println!("updated {}", path.display());
        Ok(())
    })
}

/// `~/.cache/glint/bench`.
fn cache_dir() -> Result<PathBuf> {
    let home = std::env::var_os("HOME").context("HOME is not set: cannot choose the bench cache")?;
    Ok(PathBuf::from(home).join(".cache/glint/bench"))
}

/// `npm ci` when the installed modules do not match the lock file.
fn node_modules(ws: &Workspace, dir: &Path) -> Result<()> {
    let lock = fs::read(dir.join("package-lock.json")).context("tests/bench/package-lock.json is missing")?;
    let installed = dir.join("node_modules/.glint-installed-lock");
    if fs::read(&installed).ok().as_deref() == Some(lock.as_slice()) {
        println!("up to date");
        return Ok(());
    }
    if ws.which("npm").is_none() || ws.which("node").is_none() {
        bail!("Node.js and npm are needed for the benchmark: install them (Debian: apt-get install nodejs npm)");
    }
    ws.run(ws.cmd("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))?;
    fs::write(&installed, lock)?;
    Ok(())
}

/// A venv with PyPI `duckdb` at [`DUCKDB_VERSION`] whose JSON reader works offline (the wheel
/// bundles the JSON extension; the probe checks it).
fn duckdb_venv(ws: &Workspace, python: &Path) -> Result<()> {
    let venv = PipVenv {
        dir: python.parent().and_then(Path::parent).context("venv path")?.to_path_buf(),
        requirement: format!("duckdb=={DUCKDB_VERSION}"),
        probe: "import duckdb; duckdb.sql(\"SELECT json_type('1')\").fetchall(); print(duckdb.__version__)",
        version: DUCKDB_VERSION,
        purpose: "the native DuckDB peer",
    };
    if venv.present(ws) {
        println!("duckdb {DUCKDB_VERSION} present");
        return Ok(());
    }
    venv.install(ws)
}

/// The generated log and how it was made.
struct Log {
    path: PathBuf,
    bytes: u64,
    users: u32,
    days: u32,
}

/// Writes (or reuses) a sample log of about `size` bytes.
fn generate_log(ws: &Workspace, server: &Path, cache: &Path, size: u64) -> Result<Log> {
    // Bytes per user-day, measured on a small log (the generator is deterministic; 1,000 users
    // over the same days land within a few percent of large logs, fewer users or days do not).
    const PROBE_USERS: u32 = 1_000;
    let probe = cache.join(format!("calibration-{PROBE_USERS}u-{DAYS}d.ndjson"));
    if !probe.is_file() {
        sample(ws, server, &probe, PROBE_USERS, DAYS)?;
    }
    let per_user_day = fs::metadata(&probe)?.len() as f64 / (f64::from(PROBE_USERS) * f64::from(DAYS));
    let users = ((size as f64 / (per_user_day * DAYS as f64)).ceil() as u32).max(1);
    let path = cache.join(format!("log-{users}u-{DAYS}d.ndjson"));
    if path.is_file() {
        println!("reusing {}", path.display());
    } else {
        let partial = path.with_extension("ndjson.partial");
        sample(ws, server, &partial, users, DAYS)?;
        fs::rename(&partial, &path)?;
    }
    let bytes = fs::metadata(&path)?.len();
    println!("log: {} ({}, {users} users × {DAYS} days)", path.display(), human(bytes));
    Ok(Log { path, bytes, users, days: DAYS })
}

fn sample(ws: &Workspace, server: &Path, out: &Path, users: u32, days: u32) -> Result<()> {
    ws.run(
        ws.cmd(server)
            .arg("sample")
            .arg("--out")
            .arg(out)
            .args(["--users", &users.to_string(), "--days", &days.to_string()]),
    )
}

/// The generated section of BENCHMARKS.md: run, machine, bundle sizes, the tables.
fn section(ws: &Workspace, log: &Log, table: &str, load_before: Option<&str>) -> String {
    let mut s = String::new();
    s += BEGIN;
    s += "\n\n";
    s += &format!("### Last run: {} UTC\n\n", utc_now());
    s += &format!(
        "- Log: `worker-server sample --users {} --days {}` = {} ({} bytes), generated by the bench.\n",
        log.users,
        log.days,
        human(log.bytes),
        log.bytes
    );
    s += &format!(
        "- Machine: {}; load average {} when the measurements started.\n",
        machine(),
        load_before.unwrap_or("?")
    );
    let commit = ws.probe("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "?".into());
    let dirty = ws
        .probe("git", &["status", "--porcelain"])
        .is_some_and(|out| !out.is_empty());
    s += &format!(
        "- Glint: commit `{commit}`{}; the app as built in `dist/`; native `worker-server` in the dev profile with all crates at opt-level 2 (not `--release`).\n",
        if dirty { " with uncommitted changes" } else { "" }
    );
    let browser = ws.probe(CHROMIUM, &["--version"]).unwrap_or_else(|| "?".into());
    let node = ws.probe("node", &["--version"]).unwrap_or_else(|| "?".into());
    s += &format!("- Browser: {} (headless, driven by playwright-core); Node.js {node}.\n", browser.trim());
    s += &format!("- Engine worker wasm (`dist/worker_bg.wasm`): {}.\n", wasm_sizes(&ws.dist()));
    s += "\n";
    s += table.trim_end();
    s += "\n\n";
    s += END;
    s += "\n";
    s
}

fn wasm_sizes(dist: &Path) -> String {
    let size = |name: &str| fs::metadata(dist.join(name)).map(|m| human(m.len())).unwrap_or_else(|_| "–".into());
    format!(
        "{} raw, {} gzip, {} brotli",
        size("worker_bg.wasm"),
        size("worker_bg.wasm.gz"),
        size("worker_bg.wasm.br")
    )
}

/// `2 CPUs (AMD EPYC …), 23.4 GiB RAM`, from std and /proc.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let ram = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB RAM", kib as f64 / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown RAM".into());
    format!("{cpus} CPUs ({model}), {ram}, Linux")
}

/// `12.3 MB` (powers of 1000, as `--size`).
fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} KB", b / 1e3)
    }
}

/// `YYYY-MM-DD HH:MM` in UTC from the system clock.
fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", rest / 3600, rest % 3600 / 60)
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `old` with the text between [`BEGIN`] and [`END`] (markers included) replaced by
/// `section`; appended when there is no such section.
fn splice(old: &str, section: &str) -> String {
    if let (Some(begin), Some(end)) = (old.find(BEGIN), old.find(END))
        && begin < end
    {
        let after = &old[end + END.len()..];
        let after = after.strip_prefix('\n').unwrap_or(after);
        return format!("{}{section}{after}", &old[..begin]);
    }
    let mut out = old.to_owned();
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
    }
    out.push_str(section);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GB").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("50MB").unwrap(), 50_000_000);
        assert_eq!(parse_size("200M").unwrap(), 200_000_000);
        assert_eq!(parse_size("1.5g").unwrap(), 1_500_000_000);
        assert_eq!(parse_size("512MiB").unwrap(), 512 * 1024 * 1024);
        assert_eq!(parse_size("250000").unwrap(), 250_000);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5XB").is_err());
        assert!(parse_size("10").is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_727), (2026, 10, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn section_is_replaced_or_appended() {
        let section = format!("{BEGIN}\nnew\n{END}\n");
        assert_eq!(splice("", &section), section);
        assert_eq!(splice("# B\n", &section), format!("# B\n\n{section}"));
        let old = format!("# B\n\n{BEGIN}\nold\n{END}\n\n## After\n");
        assert_eq!(splice(&old, &section), format!("# B\n\n{section}\n## After\n"));
    }
}
