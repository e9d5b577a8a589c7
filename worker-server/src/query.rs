//! `worker-server query`: SQL over a log from the command line.
//!
//! `--sql` may be given several times: the log is ingested once and the
//! statements run in order over the same session, each result printed in turn
//! (`--format json`: one JSON array per statement, one per line).
//! `--timings PATH` writes how long each phase took, as JSON (what
//! `cargo xtask bench` reads):
//!
//! ```text
//! {"read_ms":…,"ingest_ms":…,"session_ms":…,"partitions":2,"rows":…,
//!  "queries":[{"ms":…,"rows":…},…],"peak_rss_bytes":…}
//! ```
//!
//! `peak_rss_bytes` is the process's high-water resident set (`VmHWM` in
//! `/proc/self/status`, read after the last statement; `null` where there is
//! no `/proc`).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use glint_engine::ingest::{IngestOptions, ParseMode};
use glint_engine::sample::{SampleSpec, generate};
use glint_engine::session::{Session, SessionOptions};
use glint_engine::table;
use glint_protocol::IngestReport;

#[derive(Args)]
pub struct QueryArgs {
    /// The NDJSON log (`.json`, `.ndjson`, `.jsonl`).
    path: Option<PathBuf>,
    /// Use the built-in sample log instead of a file.
    #[arg(long, conflicts_with = "path")]
    sample: bool,
    /// The SQL to run; the log is the table `events`. Repeat to run several
    /// statements, in order, over one ingest.
    #[arg(long, required = true)]
    sql: Vec<String>,
    /// Byte ranges ingested (and scanned) in parallel.
    #[arg(long, default_value_t = default_partitions())]
    partitions: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// `permissive` skips and reports malformed lines; `failfast` stops at the first.
    #[arg(long, default_value = "permissive")]
    mode: ParseMode,
    /// Write the time of each phase and statement (and the peak memory) as JSON to this file.
    #[arg(long)]
    timings: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

fn default_partitions() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(16)
}

pub fn run(args: QueryArgs) -> anyhow::Result<()> {
    if args.partitions == 0 {
        bail!("--partitions must be at least 1");
    }
    let read_started = Instant::now();
    let (bytes, source) = match (&args.path, args.sample) {
        (Some(p), _) => (std::fs::read(p).with_context(|| format!("reading {}", p.display()))?, p.display().to_string()),
        (None, true) => (generate(&SampleSpec::default()), "built-in sample".to_string()),
        (None, false) => bail!("give a PATH to an NDJSON log, or --sample"),
    };
    let read_time = read_started.elapsed();
    let started = Instant::now();
    let opts = IngestOptions { mode: args.mode, ..IngestOptions::default() };
    let dataset = crate::load::ingest_parallel(&bytes, args.partitions, &opts)?;
    let ingest_time = started.elapsed();
    eprint!("{}", report_text(&source, dataset.bytes, &dataset.report));
    eprintln!("ingest: {:.1} ms over {} partitions", ingest_time.as_secs_f64() * 1e3, dataset.partitions.len());
    drop(bytes);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(args.partitions).enable_all().build()?;
    let session_started = Instant::now();
    let session = Session::new(&dataset, &SessionOptions { target_partitions: args.partitions, ..Default::default() })?;
    let session_time = session_started.elapsed();
    let mut queries = Vec::with_capacity(args.sql.len());
    for sql in &args.sql {
        let query_started = Instant::now();
        let out = runtime.block_on(session.sql(sql))?;
        queries.push(format!(
            r#"{{"ms":{:.3},"rows":{}}}"#,
            query_started.elapsed().as_secs_f64() * 1e3,
            out.rows()
        ));
        let text = match args.format {
            Format::Table => table::to_pretty(&out.batches)? + "\n",
            Format::Csv => table::to_csv(&out.batches)?,
            Format::Json => table::to_json(&out.batches)? + "\n",
        };
        print!("{text}");
    }
    if let Some(path) = &args.timings {
        let peak = peak_rss_bytes().map_or("null".to_string(), |b| b.to_string());
        let json = format!(
            r#"{{"read_ms":{:.3},"ingest_ms":{:.3},"session_ms":{:.3},"partitions":{},"rows":{},"queries":[{}],"peak_rss_bytes":{peak}}}"#,
            read_time.as_secs_f64() * 1e3,
            ingest_time.as_secs_f64() * 1e3,
            session_time.as_secs_f64() * 1e3,
            dataset.partitions.len(),
            dataset.report.rows,
            queries.join(","),
        );
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The process's peak resident set size (`VmHWM`), where `/proc` has it.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// The ingest report as the CLI prints it.
pub fn report_text(source: &str, bytes: u64, r: &IngestReport) -> String {
    let mut s = format!(
        "ingest report for {source}: {bytes} bytes, {} lines, {} rows, {} malformed lines skipped, {} empty lines, {} type conflicts\n",
        r.lines,
        r.rows,
        r.malformed,
        r.empty_lines,
        r.conflict_total()
    );
    for m in &r.malformed_examples {
        s += &format!("  malformed line {} (byte {}): {} | {}\n", m.line, m.offset, m.reason, m.excerpt);
    }
    if r.malformed > r.malformed_examples.len() as u64 {
        s += &format!("  … and {} more malformed lines\n", r.malformed - r.malformed_examples.len() as u64);
    }
    for c in &r.conflicts {
        s += &format!("  column {} ({}): {} values of another type are NULL (raw JSON in {}__raw)", c.column, c.expected, c.count, c.column);
        if let Some(e) = c.examples.first() {
            s += &format!(", e.g. line {}: {} {}", e.line, e.found, e.value);
        }
        s += "\n";
    }
    s
}
