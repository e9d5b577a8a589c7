//! `worker-server run`: a notebook top to bottom, natively, for schedulers
//! (cron, Airflow): each computing cell's result becomes a file, and a named
//! cell's result a table the cells below it can read, as in the browser.
//!
//! ```text
//! worker-server run NOTEBOOK.md --source sample|PATH|URL [--param name=value]...
//!                   --out DIR [--format csv|json|parquet] [--partitions N]
//! ```
//!
//! - Parameter overrides are checked against the notebook's params cell
//!   before anything is read.
//! - `--source`: `sample`, a local path (the command line is trusted: any
//!   path), or an `http(s)://` / `s3://` URL (read with [`Source::fetch`]'s
//!   retries; private addresses allowed).
//! - Progress on stderr: the ingest report, then one line per cell (label,
//!   rows, milliseconds, file), with the cell's notes and its sample ratio
//!   mismatch alert indented below it.
//! - Results go to `DIR/<cell name or cell-N>.<format>`; Parquet pages are
//!   uncompressed (pure Rust, as the browser's export).
//! - `DIR/run.json` summarizes the run, also when it failed:
//!
//! ```text
//! {"status":"ok"|"failed","notebook":…,"source":…,"format":"csv","partitions":4,
//!  "params":{name: value,…},"rows":…,"malformed":…,"ingest_ms":…,
//!  "cells":[{"cell":3,"label":"cell 3 (sql `by_day`)","file":"by_day.csv",
//!            "rows":…,"ms":…,"notes":[…],"alert":null},…],
//!  "error":null|{"cell":4,"label":…,"message":…,"hint":…}}
//! ```
//!
//! The first failing cell stops the run (exit status 1) with an error naming
//! the cell; the files of the cells before it stay written.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use glint_engine::cell::{self, CellOutput};
use glint_engine::ingest::IngestOptions;
use glint_engine::session::{QueryOutput, Session, SessionOptions};
use glint_engine::table;
use serde_json::{Value, json};

use crate::config::Config;
use crate::plan::{self, Step};
use crate::sources::{Source, redact};

#[derive(Args)]
pub struct RunArgs {
    /// The notebook file (Markdown with fenced cells, as the app saves it).
    notebook: PathBuf,
    /// The log: `sample`, a local file path, or an http(s):// or s3:// URL.
    #[arg(long)]
    source: String,
    /// A parameter override, `name=value` (the value as typed in the params
    /// cell: `10`, `0.5`, `text`, `true`). Repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = plan::parse_override)]
    params: Vec<(String, String)>,
    /// The directory the results (and `run.json`) are written to; created if missing.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Byte ranges ingested in parallel, and the query engine's parallelism.
    #[arg(long, default_value_t = default_partitions())]
    partitions: usize,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Format {
    Csv,
    Json,
    Parquet,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Parquet => "parquet",
        }
    }
}

/// The summary's file name in the output directory.
const SUMMARY: &str = "run.json";

fn default_partitions() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(16)
}

pub fn run(args: RunArgs) -> anyhow::Result<()> {
    if args.partitions == 0 {
        bail!("--partitions must be at least 1");
    }
    let text = std::fs::read_to_string(&args.notebook).with_context(|| format!("reading {}", args.notebook.display()))?;
    let plan = plan::notebook(&text, &args.params).with_context(|| format!("in {}", args.notebook.display()))?;
    let ext = args.format.extension();
    if let Some(step) = plan.steps.iter().find(|s| format!("{}.{ext}", s.file_stem()) == SUMMARY) {
        bail!("{} would be written to {SUMMARY}, the run's summary: rename the cell", step.label());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(args.partitions).enable_all().build()?;

    let (bytes, shown) = runtime.block_on(read_source(&args.source))?;
    let started = Instant::now();
    let dataset = crate::load::ingest_parallel(&bytes, args.partitions, &IngestOptions::default())?;
    let ingest_ms = ms(started);
    drop(bytes);
    eprint!("{}", crate::query::report_text(&shown, dataset.bytes, &dataset.report));
    eprintln!("ingest: {ingest_ms:.1} ms over {} partitions", dataset.partitions.len());
    let session = Session::new(&dataset, &SessionOptions { target_partitions: args.partitions, ..Default::default() })?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;

    let params: serde_json::Map<String, Value> = plan.params.iter().cloned().collect();
    let mut summary = json!({
        "status": "ok",
        "notebook": args.notebook.display().to_string(),
        "source": shown,
        "format": ext,
        "partitions": dataset.partitions.len(),
        "params": params,
        "rows": dataset.report.rows,
        "malformed": dataset.report.malformed,
        "ingest_ms": round(ingest_ms),
        "cells": [],
        "error": null,
    });
    drop(dataset);
    let mut outcome = Ok(());
    for step in &plan.steps {
        let started = Instant::now();
        let done = runtime.block_on(cell::run(&session, &step.kind, &step.body, &plan.params)).and_then(|out| {
            if let Some(name) = &step.name {
                session.register_result(name, &out.table)?;
            }
            Ok(out)
        });
        let out = match done {
            Ok(out) => out,
            Err(e) => {
                summary["status"] = "failed".into();
                summary["error"] = json!({"cell": step.cell, "label": step.label(), "message": e.message, "hint": e.hint});
                let hint = e.hint.map(|h| format!("\nhint: {h}")).unwrap_or_default();
                outcome = Err(anyhow::anyhow!("{} failed: {}{hint}", step.label(), e.message));
                break;
            }
        };
        let file = format!("{}.{ext}", step.file_stem());
        if let Err(e) = write_result(&args.out.join(&file), &out.table, args.format) {
            summary["status"] = "failed".into();
            summary["error"] = json!({"cell": step.cell, "label": step.label(), "message": format!("{e:#}"), "hint": null});
            outcome = Err(e.context(format!("{}: writing its result", step.label())));
            break;
        }
        let cell_ms = ms(started);
        progress(step, &out, cell_ms, &file);
        push_cell(&mut summary, step, &out, cell_ms, &file);
    }
    let path = args.out.join(SUMMARY);
    let written = std::fs::write(&path, serde_json::to_string_pretty(&summary)? + "\n").with_context(|| format!("writing {}", path.display()));
    outcome.and(written)
}

/// The log's bytes and how messages name it.
async fn read_source(text: &str) -> anyhow::Result<(bytes::Bytes, String)> {
    let text = text.trim();
    if text == "sample" {
        let bytes = Source::Sample.fetch(&Config::default()).await.map_err(anyhow::Error::msg)?;
        return Ok((bytes, "built-in sample".into()));
    }
    if text.contains("://") {
        let mut config = Config::default();
        config.server.allow_private_sources = true;
        let source = Source::resolve(text, &config).await.map_err(anyhow::Error::msg)?;
        let shown = match &source {
            Source::Remote { url } => redact(url),
            _ => text.to_owned(),
        };
        let bytes = source.fetch(&config).await.map_err(anyhow::Error::msg)?;
        return Ok((bytes, shown));
    }
    let bytes = std::fs::read(text).with_context(|| format!("reading {text}"))?;
    Ok((bytes.into(), text.to_owned()))
}

fn write_result(path: &Path, out: &QueryOutput, format: Format) -> anyhow::Result<()> {
    let bytes = match format {
        Format::Csv => table::to_csv(&out.batches)?.into_bytes(),
        Format::Json => (table::to_json(&out.batches)? + "\n").into_bytes(),
        Format::Parquet => to_parquet(out)?,
    };
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// The result as a Parquet file with uncompressed pages.
fn to_parquet(out: &QueryOutput) -> anyhow::Result<Vec<u8>> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;

    let props = WriterProperties::builder().set_compression(Compression::UNCOMPRESSED).build();
    let mut w = ArrowWriter::try_new(Vec::new(), out.schema.clone(), Some(props))
        .context("this result's schema cannot be written as Parquet")?;
    for b in &out.batches {
        w.write(b)?;
    }
    Ok(w.into_inner()?)
}

/// One line per cell on stderr, its notes and alert indented below.
fn progress(step: &Step, out: &CellOutput, ms: f64, file: &str) {
    eprintln!("{}: {} rows in {ms:.1} ms -> {file}", step.label(), out.table.rows());
    for note in &out.notes {
        eprintln!("  note: {note}");
    }
    if let Some(alert) = &out.alert {
        eprintln!("  ALERT: {alert}");
    }
}

fn push_cell(summary: &mut Value, step: &Step, out: &CellOutput, ms: f64, file: &str) {
    if let Some(cells) = summary["cells"].as_array_mut() {
        cells.push(json!({
            "cell": step.cell,
            "label": step.label(),
            "name": step.name,
            "kind": step.kind,
            "file": file,
            "rows": out.table.rows(),
            "ms": round(ms),
            "notes": out.notes,
            "alert": out.alert,
        }));
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// Milliseconds to a tenth.
fn round(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}
