//! # glint-cluster
//!
//! Glint past one machine, on Apache DataFusion Ballista 55: the worker
//! server hands a job's SQL (and its A/B and KPI cells, which are SQL too) to
//! a Ballista scheduler, whose executors read the log's byte ranges and run
//! Glint's own NDJSON ingest on them. The same engine code plans every query
//! ([`glint_engine::session::Session`] over a Ballista context), so the
//! answers are the local engine's.
//!
//! ```text
//!  worker server ── Session::with_context(Ballista context) ── SQL ──▶ glint-scheduler ──▶ glint-executor × N
//!        │ 1. glint_ranges: each executor scans its ranges → ScanSummary        (reads file:// | http(s):// | s3://
//!        │ 2. plan_schema(summaries): one schema                                  byte ranges itself)
//!        │ 3. events: each executor ingests its ranges with that schema → Arrow → DataFusion stages
//! ```
//!
//! Glint defines no UDFs or UDAFs (its A/B and KPI read-outs compile to
//! DataFusion's built-in aggregates plus statistics on the small per-arm
//! results); what the scheduler and the executors must know is Glint's
//! `events` table, its scan and in-memory cell results, which [`codec`]
//! encodes. `glint-scheduler` and `glint-executor` are Ballista's processes
//! with these codecs installed.
//!
//! This crate does IO (it is a native shell, like `worker-server`); the
//! engine's code still does none.

pub mod codec;
pub mod process;
pub mod source;
pub mod table;

use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionState;
use datafusion::prelude::{SessionConfig, SessionContext};
use glint_engine::error::{EngineError, ErrorKind, Result};
use glint_engine::ingest::{IngestOptions, ScanSummary, merge_reports, plan_schema, split_ranges};
use glint_engine::session::Session;

pub use source::{ClusterSource, S3Options};
use table::{Events, EventsSpec, GlintTable, Scan, Split};

/// The scheduler's default gRPC port.
pub const DEFAULT_SCHEDULER_PORT: u16 = 50050;

/// A session state with Glint's configuration (UTC, `partitions` target
/// partitions) and Glint's codecs, for a Ballista context (remote or
/// standalone).
pub fn session_state(partitions: usize) -> SessionState {
    let (logical, physical) = codec::codecs();
    let config = glint_engine::session::session_config(SessionConfig::new_with_ballista(), partitions.max(1))
        // information_schema tables are in-memory views of the client's catalog; Ballista cannot ship them.
        .with_information_schema(false)
        // Ballista 55's adaptive planner reads the members of a UNION ALL of
        // single-partition stages more than once (of three members, the first
        // 3×, the second 2×: q6's funnel steps came out tripled); its static
        // planner answers right. tests/standalone.rs compares q6.
        .set_bool(ballista_core::config::BALLISTA_ADAPTIVE_PLANNER_ENABLED, false)
        .with_ballista_logical_extension_codec(logical)
        .with_ballista_physical_extension_codec(physical);
    SessionStateBuilder::new().with_config(config).with_default_features().build()
}

/// A context whose queries run on the Ballista cluster behind `scheduler`
/// (`df://host:port`).
pub async fn connect(scheduler: &str, partitions: usize) -> Result<SessionContext> {
    SessionContext::remote_with_state(scheduler, session_state(partitions)).await.map_err(|e| {
        EngineError::new(ErrorKind::InvalidInput, format!("the Ballista scheduler `{scheduler}` cannot be used: {e}"))
    })
}

/// What [`open`] read.
pub struct Opened {
    pub session: Session,
    /// The log's size in bytes.
    pub bytes: u64,
    pub ranges: usize,
}

/// Registers `source` as `events` in `ctx` (a Ballista context): the
/// executors scan its `ranges` byte ranges (phase 1), the schema is decided
/// here from their summaries, and later queries read `events` by ingesting
/// the ranges with it (phase 2), in the executors.
pub async fn open(ctx: SessionContext, source: ClusterSource, ranges: usize) -> Result<Opened> {
    let unavailable = |m: String| EngineError::new(ErrorKind::InvalidInput, m);
    let size = source.size().await.map_err(unavailable)?;
    let split = Split { source, size, ranges: split_ranges(size, ranges).into_iter().map(|r| (r.start, r.end)).collect() };
    let n = split.ranges.len();
    ctx.register_table("glint_ranges", Arc::new(GlintTable(Scan::Ranges(Arc::new(split.clone())))))?;
    let collected = match ctx.sql("SELECT range, summary FROM glint_ranges").await {
        Ok(df) => df.collect().await,
        Err(e) => Err(e),
    };
    ctx.deregister_table("glint_ranges")?;
    let batches = collected.map_err(|e| cluster_error("scanning the log's ranges", e))?;
    let mut summaries: Vec<Option<ScanSummary>> = vec![None; n];
    for b in &batches {
        let range = b.column(0).as_any().downcast_ref::<arrow::array::UInt32Array>();
        let summary = b.column(1).as_any().downcast_ref::<arrow::array::StringArray>();
        let (Some(range), Some(summary)) = (range, summary) else {
            return Err(EngineError::new(ErrorKind::Internal, "the range scan returned unexpected columns"));
        };
        for i in 0..b.num_rows() {
            let s: ScanSummary = serde_json::from_str(summary.value(i))
                .map_err(|e| EngineError::new(ErrorKind::Internal, format!("a range summary does not decode: {e}")))?;
            if let Some(slot) = summaries.get_mut(range.value(i) as usize) {
                *slot = Some(s);
            }
        }
    }
    let summaries: Vec<ScanSummary> = summaries
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.ok_or_else(|| EngineError::new(ErrorKind::Internal, format!("range {i} of {n} was not scanned"))))
        .collect::<Result<_>>()?;
    let opts = IngestOptions::default();
    let plan = plan_schema(&summaries, &opts)?;
    // Type conflicts are counted from the summaries; their examples come from
    // phase 2, which runs inside the cluster's queries, so none are listed.
    let mut report = merge_reports(&plan, &summaries, std::iter::empty(), &opts);
    report.malformed_examples.truncate(opts.max_examples);
    let fields = plan.field_infos();
    let events = Events::new(EventsSpec { split, summaries })?;
    ctx.register_table(glint_engine::session::EVENTS_TABLE, Arc::new(GlintTable(Scan::Events(events))))?;
    Ok(Opened { session: Session::with_context(ctx, report, fields), bytes: size, ranges: n })
}

fn cluster_error(what: &str, e: datafusion::error::DataFusionError) -> EngineError {
    let message = e.to_string();
    let kind = if message.contains("onnect") || message.contains("transport error") {
        ErrorKind::InvalidInput
    } else {
        ErrorKind::Execution
    };
    EngineError::new(kind, format!("{what} on the Ballista cluster failed: {message}"))
}
