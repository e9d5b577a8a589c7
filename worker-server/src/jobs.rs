//! The server's jobs: a query or a notebook over a source, run on the
//! engine's own CPU pool (a tokio runtime separate from the one serving
//! HTTP), with a bounded queue, bounded concurrency, a timeout and a memory
//! limit per job, cancellation, and memoized datasets.
//!
//! ```text
//! submit ─▶ queued ─(slot free)─▶ running: version? ─▶ memo hit │ fetch ─▶ ingest ─▶ cells… ─▶ succeeded
//!                                                                                         └──▶ failed │ timed_out │ cancelled
//!                                   └─ [cluster] and (asked, or the log ≥ threshold_mb):
//!                                      Ballista: executors ingest the log's ranges ─▶ cells… (same results)
//! ```
//!
//! Each state change bumps the job's `watch` channel; the API turns that
//! into server-sent events. Results are kept as Arrow IPC streams, one per
//! computed cell, until the job is evicted (`keep_finished`).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use glint_engine::ingest::{Dataset, IngestOptions};
use glint_engine::session::{Session, SessionOptions};
use glint_protocol::IngestReport;
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, watch};

use crate::config::{ClusterEngine, Config};
use glint_cluster::{ClusterSource, S3Options};
use crate::jobstore::JobStore;
use crate::plan::{self, Plan};
use crate::sources::{Source, redact};

/// A job request (`POST /api/jobs`): exactly one of `sql` and `notebook`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    /// `sample`, a path in the data directory, or an http(s):// or s3:// URL.
    pub source: String,
    pub sql: Option<String>,
    /// A notebook file's text; its computing cells run top to bottom.
    pub notebook: Option<String>,
    /// Parameter values: for `sql`, bound as `$name` (JSON scalars); for a
    /// notebook, overrides of its params cell (typed as declared there).
    #[serde(default)]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Per-job limits, at most the server's (its config is the ceiling).
    pub timeout_secs: Option<u64>,
    pub memory_limit_mb: Option<u64>,
    pub partitions: Option<usize>,
    /// `true`: run on the server's Ballista cluster (an error when it has
    /// none, or the executors cannot read the source); `false`: run here;
    /// unset: on the cluster when the log is at least `[cluster] threshold_mb`.
    pub cluster: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
}

impl JobState {
    pub fn finished(self) -> bool {
        !matches!(self, JobState::Queued | JobState::Running)
    }
}

/// A failure as the API shows it (`kind`: a stable word).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub kind: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The cell that failed, in a notebook job, and its 1-based position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
}

impl ApiError {
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { kind: kind.into(), message: message.into(), hint: None, cell: None, position: None }
    }
}

/// One computed cell's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultInfo {
    pub index: usize,
    pub cell: String,
    /// 1-based position of the cell in the notebook (1 for a query job).
    pub position: usize,
    pub name: Option<String>,
    pub rows: usize,
    pub columns: Vec<String>,
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    pub ms: f64,
    /// `GET` this for the rows as an Arrow IPC stream.
    pub url: String,
}

/// What `GET /api/jobs/{id}` answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobStatus {
    pub id: String,
    pub state: JobState,
    /// What the job is doing or waiting for, for people.
    pub stage: String,
    pub source: String,
    pub kind: String,
    pub submitted_ms: u64,
    pub started_ms: Option<u64>,
    pub finished_ms: Option<u64>,
    pub cells_total: usize,
    pub cells_done: usize,
    /// The log was already ingested for an earlier job (same source version).
    pub memoized: bool,
    /// Where the job ran: `local`, or `ballista df://host:port`; unset until it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    pub ingest: Option<IngestSummary>,
    pub results: Vec<ResultInfo>,
    pub error: Option<ApiError>,
    pub timeout_secs: u64,
    pub memory_limit_mb: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestSummary {
    pub bytes: u64,
    pub rows: u64,
    pub malformed: u64,
    pub type_conflicts: u64,
    pub ms: f64,
    pub report: IngestReport,
}

struct Job {
    number: u64,
    /// The request as JSON (kept in the job database).
    request: String,
    status: JobStatus,
    ipc: Vec<Bytes>,
    abort: Option<tokio::task::AbortHandle>,
    changed: watch::Sender<u64>,
    /// Taken back from the job database after a restart (no results kept).
    restored: bool,
}

/// A request that passed the checks.
struct Prepared {
    plan: Plan,
    kind: &'static str,
    source: Source,
    shown: String,
    timeout_secs: u64,
    memory_limit_mb: u64,
    partitions: usize,
    cluster: Option<bool>,
}

/// Why a submission was refused (the API maps kinds to status codes).
#[derive(Debug)]
pub enum Refused {
    Invalid(ApiError),
    Forbidden(ApiError),
    QueueFull(ApiError),
}

pub struct Jobs {
    config: Arc<Config>,
    engine: tokio::runtime::Handle,
    slots: Arc<Semaphore>,
    table: Mutex<Table>,
    memo: Mutex<Memo>,
    next: AtomicU64,
    store: Option<JobStore>,
    /// Times each source version was fetched (tests and `/api/stats`).
    pub fetches: AtomicU64,
}

#[derive(Default)]
struct Table {
    jobs: HashMap<String, Job>,
    /// Ids in submission order (for listing and eviction).
    order: VecDeque<String>,
}

/// Ingested logs by source and version, least recently used first.
#[derive(Default)]
struct Memo {
    entries: VecDeque<(String, Arc<Dataset>, u64)>,
}

impl Jobs {
    /// `engine`: the runtime that runs jobs (not the one serving HTTP).
    /// `store`: the job database, if any (see [`Jobs::recover`]).
    pub fn new(config: Arc<Config>, engine: tokio::runtime::Handle, store: Option<JobStore>) -> Arc<Jobs> {
        Arc::new(Jobs {
            store,
            slots: Arc::new(Semaphore::new(config.jobs.max_concurrent)),
            config,
            engine,
            table: Mutex::default(),
            memo: Mutex::default(),
            next: AtomicU64::new(1),
            fetches: AtomicU64::new(0),
        })
    }

    /// Checks and queues a job; returns its first status.
    pub async fn submit(self: &Arc<Self>, req: JobRequest) -> Result<JobStatus, Refused> {
        let prepared = self.prepare(&req).await?;
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        self.enqueue(number, req, prepared, now_ms(), "queued", true)
    }

    /// Checks a request against the limits and the source rules.
    async fn prepare(&self, req: &JobRequest) -> Result<Prepared, Refused> {
        let invalid = |kind: &str, message: String| Refused::Invalid(ApiError::new(kind, message));
        let limits = &self.config.jobs;
        let timeout_secs = ceiling("timeout_secs", req.timeout_secs, limits.timeout_secs).map_err(|m| invalid("invalid_request", m))?;
        let memory_limit_mb =
            ceiling("memory_limit_mb", req.memory_limit_mb, limits.memory_limit_mb).map_err(|m| invalid("invalid_request", m))?;
        let partitions = ceiling("partitions", req.partitions.map(|p| p as u64), limits.threads as u64)
            .map_err(|m| invalid("invalid_request", m))? as usize;
        let (plan, kind) = match (&req.sql, &req.notebook) {
            (Some(sql), None) => {
                let params = req.params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                (plan::sql(sql, params), "sql")
            }
            (None, Some(text)) => {
                let overrides: Vec<(String, String)> = req
                    .params
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                    .collect();
                let plan = plan::notebook(text, &overrides).map_err(|e| invalid("invalid_notebook", format!("{e:#}")))?;
                (plan, "notebook")
            }
            _ => return Err(invalid("invalid_request", "give exactly one of `sql` and `notebook`".into())),
        };
        if req.cluster == Some(true) && self.config.cluster.engine != ClusterEngine::Ballista {
            return Err(invalid(
                "no_cluster",
                "this server has no cluster to run the job on (its config has no [cluster] engine = \"ballista\"); leave out `cluster`".into(),
            ));
        }
        if plan.steps.is_empty() {
            return Err(invalid("invalid_notebook", "the notebook has no cells to compute (SQL or analysis)".into()));
        }
        let source = Source::resolve(&req.source, &self.config).await.map_err(|e| {
            let err = ApiError::new(e.kind, e.message);
            if e.kind == "forbidden" { Refused::Forbidden(err) } else { Refused::Invalid(err) }
        })?;
        if req.cluster == Some(true) {
            self.cluster_source(&source).map_err(Refused::Invalid)?;
        }
        let shown = match &source {
            Source::Remote { url } => redact(url),
            _ => req.source.trim().to_owned(),
        };
        Ok(Prepared { plan, kind, source, shown, timeout_secs, memory_limit_mb, partitions, cluster: req.cluster })
    }

    /// Queues job `number` (checking the queue's capacity when `bounded`)
    /// and starts its task.
    fn enqueue(
        self: &Arc<Self>,
        number: u64,
        req: JobRequest,
        p: Prepared,
        submitted_ms: u64,
        stage: &str,
        bounded: bool,
    ) -> Result<JobStatus, Refused> {
        let id = format!("j{number}");
        let status = JobStatus {
            id: id.clone(),
            state: JobState::Queued,
            stage: stage.into(),
            source: p.shown,
            kind: p.kind.into(),
            submitted_ms,
            started_ms: None,
            finished_ms: None,
            cells_total: p.plan.steps.len(),
            cells_done: 0,
            memoized: false,
            engine: None,
            ingest: None,
            results: Vec::new(),
            error: None,
            timeout_secs: p.timeout_secs,
            memory_limit_mb: p.memory_limit_mb,
        };
        {
            let mut t = self.table.lock().unwrap();
            let waiting = t.jobs.values().filter(|j| j.status.state == JobState::Queued).count();
            if bounded && waiting >= self.config.jobs.queue_capacity {
                return Err(Refused::QueueFull(ApiError::new(
                    "queue_full",
                    format!("the job queue is full ({waiting} jobs waiting); try again later"),
                )));
            }
            let request = serde_json::to_string(&req).unwrap_or_default();
            self.persist(number, &request, &status);
            let (changed, _) = watch::channel(0);
            t.jobs.insert(id.clone(), Job { number, request, status: status.clone(), ipc: Vec::new(), abort: None, changed, restored: false });
            t.order.push_back(id.clone());
            self.evict(&mut t);
        }
        let (timeout_secs, memory_limit_mb, partitions, cluster) = (p.timeout_secs, p.memory_limit_mb, p.partitions, p.cluster);
        let (source, plan) = (p.source, p.plan);
        let jobs = self.clone();
        let run_id = id.clone();
        let task = self.engine.spawn(async move {
            let permit = jobs.slots.clone().acquire_owned().await;
            let _permit = permit.expect("the job semaphore is never closed");
            jobs.update(&run_id, |s| {
                s.state = JobState::Running;
                s.started_ms = Some(now_ms());
                s.stage = "starting".into();
            });
            let work = jobs.run(&run_id, source, plan, partitions, memory_limit_mb << 20, cluster);
            let outcome = match tokio::time::timeout(Duration::from_secs(timeout_secs), work).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err((JobState::Failed, e)),
                Err(_) => Err((
                    JobState::TimedOut,
                    ApiError::new("timeout", format!("the job ran longer than its timeout of {timeout_secs} s and was stopped")),
                )),
            };
            jobs.update(&run_id, |s| {
                s.finished_ms = Some(now_ms());
                match outcome {
                    Ok(()) => {
                        s.state = JobState::Succeeded;
                        s.stage = "done".into();
                    }
                    Err((state, e)) => {
                        s.state = state;
                        s.stage = "stopped".into();
                        s.error = Some(e);
                    }
                }
            });
        });
        if let Some(job) = self.table.lock().unwrap().jobs.get_mut(&id) {
            job.abort = Some(task.abort_handle());
        }
        Ok(status)
    }

    /// Takes back the jobs of an earlier run from the job database: queued
    /// ones are queued again, running ones are reported failed, finished ones
    /// keep their status (their results were in memory and are gone).
    /// Returns (queued again, failed, finished) counts.
    pub async fn recover(self: &Arc<Self>) -> anyhow::Result<(usize, usize, usize)> {
        let Some(store) = &self.store else { return Ok((0, 0, 0)) };
        let rows = store.load()?;
        let mut counts = (0, 0, 0);
        for row in rows {
            self.next.fetch_max(row.number + 1, Ordering::Relaxed);
            let (Ok(req), Ok(mut status)) =
                (serde_json::from_str::<JobRequest>(&row.request), serde_json::from_str::<JobStatus>(&row.status))
            else {
                store.forget(row.number)?;
                continue;
            };
            match status.state {
                JobState::Queued => match self.prepare(&req).await {
                    Ok(p) => {
                        let _ = self.enqueue(row.number, req, p, status.submitted_ms, "queued again after a server restart", false);
                        counts.0 += 1;
                        continue;
                    }
                    Err(Refused::Invalid(e) | Refused::Forbidden(e) | Refused::QueueFull(e)) => {
                        status.error = Some(e);
                        status.state = JobState::Failed;
                        counts.1 += 1;
                    }
                },
                JobState::Running => {
                    status.state = JobState::Failed;
                    status.error = Some(ApiError::new(
                        "server_restarted",
                        "the server stopped while this job was running; submit it again",
                    ));
                    counts.1 += 1;
                }
                _ => counts.2 += 1,
            }
            if status.finished_ms.is_none() {
                status.finished_ms = Some(now_ms());
                status.stage = "stopped".into();
            }
            self.persist(row.number, &row.request, &status);
            let (changed, _) = watch::channel(0);
            let mut t = self.table.lock().unwrap();
            let job = Job { number: row.number, request: row.request, status, ipc: Vec::new(), abort: None, changed, restored: true };
            t.order.push_back(job.status.id.clone());
            t.jobs.insert(job.status.id.clone(), job);
            self.evict(&mut t);
        }
        Ok(counts)
    }

    /// Writes a job's status to the job database (a failure is printed, not fatal).
    fn persist(&self, number: u64, request: &str, status: &JobStatus) {
        if let Some(store) = &self.store {
            let json = serde_json::to_string(status).unwrap_or_default();
            if let Err(e) = store.save(number, request, &json) {
                eprintln!("warning: job j{number} could not be saved to the job database: {e:#}");
            }
        }
    }

    /// Runs a job's work (after it got a slot).
    async fn run(
        &self,
        id: &str,
        source: Source,
        plan: Plan,
        partitions: usize,
        memory_limit: u64,
        cluster: Option<bool>,
    ) -> Result<(), ApiError> {
        let started = Instant::now();
        if let Some(on_cluster) = self.cluster_route(id, &source, cluster).await? {
            return self.run_on_cluster(id, on_cluster, &plan, started).await;
        }
        self.update(id, |s| {
            s.engine = Some("local".into());
            s.stage = "checking the source version".into();
        });
        let source_error = |e: crate::sources::SourceError| ApiError::new(e.kind, e.message);
        let version = source.version(&self.config).await.map_err(source_error)?;
        let key = version.as_ref().map(|v| format!("{source:?}\n{v}"));
        let memo = key.as_ref().and_then(|k| self.memo_get(k));
        let memoized = memo.is_some();
        let dataset = match memo {
            Some(d) => d,
            None => {
                self.update(id, |s| s.stage = "reading the source".into());
                let bytes = source.fetch(&self.config).await.map_err(source_error)?;
                self.fetches.fetch_add(1, Ordering::Relaxed);
                if bytes.len() as u64 > memory_limit {
                    return Err(exhausted(format!(
                        "the log is {} MB, more than this job's memory limit of {} MB",
                        bytes.len() >> 20,
                        memory_limit >> 20
                    )));
                }
                self.update(id, |s| s.stage = format!("ingesting {} MB in {partitions} ranges", bytes.len() >> 20));
                let threads = self.config.jobs.threads;
                let dataset = tokio::task::spawn_blocking(move || {
                    crate::load::ingest_parallel(&bytes, threads, &IngestOptions::default())
                })
                .await
                .map_err(|e| ApiError::new("internal", format!("the ingest stopped: {e}")))?
                .map_err(engine_error)?;
                let dataset = Arc::new(dataset);
                if let Some(k) = &key {
                    self.memo_put(k.clone(), dataset.clone());
                }
                dataset
            }
        };
        let held = dataset_bytes(&dataset);
        if held > memory_limit {
            return Err(exhausted(format!(
                "the ingested log takes {} MB in memory, more than this job's memory limit of {} MB",
                held >> 20,
                memory_limit >> 20
            )));
        }
        let report = dataset.report.clone();
        let ingest_ms = started.elapsed().as_secs_f64() * 1e3;
        self.update(id, |s| {
            s.memoized = memoized;
            s.ingest = Some(IngestSummary {
                bytes: dataset.bytes,
                rows: report.rows,
                malformed: report.malformed,
                type_conflicts: report.conflict_total(),
                ms: ingest_ms,
                report,
            });
        });
        let options = SessionOptions { target_partitions: partitions, memory_limit: Some((memory_limit - held) as usize) };
        let session = Session::new(&dataset, &options).map_err(engine_error)?;
        self.run_cells(id, &session, &plan).await
    }

    /// Whether the job runs on the cluster: the source as the executors
    /// read it, or `None` (it runs here).
    async fn cluster_route(&self, id: &str, source: &Source, asked: Option<bool>) -> Result<Option<ClusterSource>, ApiError> {
        let c = &self.config.cluster;
        if c.engine != ClusterEngine::Ballista || asked == Some(false) {
            return Ok(None);
        }
        let reachable = self.cluster_source(source);
        if asked == Some(true) {
            return reachable.map(Some);
        }
        // By size: a log the executors cannot read runs here.
        let Ok(on_cluster) = reachable else { return Ok(None) };
        self.update(id, |s| s.stage = "checking the log's size".into());
        let size = on_cluster.size().await.map_err(|m| ApiError::new("source_unavailable", m))?;
        Ok((size >= c.threshold_mb.saturating_mul(1 << 20)).then_some(on_cluster))
    }

    /// The source as the cluster's executors read it, or why they cannot.
    fn cluster_source(&self, source: &Source) -> Result<ClusterSource, ApiError> {
        let unreachable = |m: String| ApiError {
            hint: Some("give a log the executors can read: an http(s):// or s3:// URL, or a file in a data directory every executor mounts at the same path ([cluster] shared_data_dir = true); or submit with \"cluster\": false to run it here".into()),
            ..ApiError::new("not_reachable_by_cluster", m)
        };
        let invalid = |m: String| ApiError::new("invalid_source", m);
        match source {
            Source::Sample => Err(unreachable("the built-in sample is made by this server; the cluster's executors cannot read it".into())),
            Source::File(path) if self.config.cluster.shared_data_dir => {
                let url = url::Url::from_file_path(path).map_err(|_| invalid(format!("{} is not an absolute path", path.display())))?;
                ClusterSource::new(url.as_str(), S3Options::default()).map_err(invalid)
            }
            Source::File(path) => Err(unreachable(format!(
                "`{}` is in this server's data directory, which the cluster's executors cannot read ([cluster] shared_data_dir is false)",
                path.file_name().unwrap_or_default().to_string_lossy()
            ))),
            Source::Remote { url } => {
                let s3 = &self.config.s3;
                let options = S3Options { endpoint: s3.endpoint.clone(), region: s3.region.clone(), allow_http: s3.allow_http };
                ClusterSource::new(url.as_str(), options).map_err(invalid)
            }
        }
    }

    /// Runs the job's cells on the Ballista cluster: its executors ingest
    /// the log's byte ranges and run every query's stages.
    async fn run_on_cluster(&self, id: &str, source: ClusterSource, plan: &Plan, started: Instant) -> Result<(), ApiError> {
        let c = &self.config.cluster;
        self.update(id, |s| {
            s.engine = Some(format!("ballista {}", c.scheduler));
            s.stage = format!("connecting to the Ballista cluster at {}", c.scheduler);
        });
        let at_scheduler = |e: glint_engine::EngineError| {
            let mut err = engine_error(e);
            if !err.message.contains(&c.scheduler) {
                err.message = format!("{} (scheduler {})", err.message, c.scheduler);
            }
            err
        };
        let ctx = glint_cluster::connect(&c.scheduler, c.ranges).await.map_err(at_scheduler)?;
        self.update(id, |s| s.stage = format!("ingesting in {} ranges on the cluster", c.ranges));
        let opened = glint_cluster::open(ctx, source, c.ranges).await.map_err(at_scheduler)?;
        let report = opened.session.report().clone();
        let ingest_ms = started.elapsed().as_secs_f64() * 1e3;
        self.update(id, |s| {
            s.ingest = Some(IngestSummary {
                bytes: opened.bytes,
                rows: report.rows,
                malformed: report.malformed,
                type_conflicts: report.conflict_total(),
                ms: ingest_ms,
                report,
            });
        });
        self.run_cells(id, &opened.session, plan).await
    }

    /// Runs the plan's cells one after another, keeping each result.
    async fn run_cells(&self, id: &str, session: &Session, plan: &Plan) -> Result<(), ApiError> {
        let total = plan.steps.len();
        for (i, step) in plan.steps.iter().enumerate() {
            self.update(id, |s| s.stage = format!("running {} ({} of {total})", step.label(), i + 1));
            let cell_started = Instant::now();
            let fail = |e: glint_engine::EngineError| ApiError { cell: Some(step.label()), position: Some(step.cell), ..engine_error(e) };
            let out = glint_engine::cell::run(session, &step.kind, &step.body, &plan.params).await.map_err(fail)?;
            if let Some(name) = &step.name {
                session.register_result(name, &out.table).map_err(fail)?;
            }
            let ipc = Bytes::from(glint_engine::table::to_arrow_ipc_stream(&out.table).map_err(fail)?);
            let info = ResultInfo {
                index: i,
                cell: step.label(),
                position: step.cell,
                name: step.name.clone(),
                rows: out.table.rows(),
                columns: out.table.schema.fields().iter().map(|f| f.name().clone()).collect(),
                notes: out.notes,
                alert: out.alert,
                ms: cell_started.elapsed().as_secs_f64() * 1e3,
                url: format!("/api/jobs/{id}/results/{i}"),
            };
            let mut t = self.table.lock().unwrap();
            if let Some(job) = t.jobs.get_mut(id) {
                job.ipc.push(ipc);
                job.status.results.push(info);
                job.status.cells_done = i + 1;
                job.changed.send_modify(|v| *v += 1);
            }
        }
        Ok(())
    }

    /// Stops a queued or running job. `None`: no such job; `Err`: it had finished.
    pub fn cancel(&self, id: &str) -> Option<Result<JobStatus, JobStatus>> {
        let mut t = self.table.lock().unwrap();
        let job = t.jobs.get_mut(id)?;
        if job.status.state.finished() {
            return Some(Err(job.status.clone()));
        }
        if let Some(abort) = job.abort.take() {
            abort.abort();
        }
        job.status.state = JobState::Cancelled;
        job.status.stage = "cancelled".into();
        job.status.finished_ms = Some(now_ms());
        job.status.error = Some(ApiError::new("cancelled", "the job was cancelled"));
        job.changed.send_modify(|v| *v += 1);
        self.persist(job.number, &job.request, &job.status);
        Some(Ok(job.status.clone()))
    }

    pub fn status(&self, id: &str) -> Option<JobStatus> {
        self.table.lock().unwrap().jobs.get(id).map(|j| j.status.clone())
    }

    /// The newest jobs first.
    pub fn list(&self) -> Vec<JobStatus> {
        let t = self.table.lock().unwrap();
        t.order.iter().rev().filter_map(|id| t.jobs.get(id)).map(|j| j.status.clone()).collect()
    }

    /// Result `index` of job `id` as an Arrow IPC stream.
    /// `Err((status, restored))` when there is no such result (yet, or any
    /// more: a job restored after a restart has none).
    pub fn result(&self, id: &str, index: usize) -> Option<Result<Bytes, (JobStatus, bool)>> {
        let t = self.table.lock().unwrap();
        let job = t.jobs.get(id)?;
        Some(job.ipc.get(index).cloned().ok_or_else(|| (job.status.clone(), job.restored)))
    }

    /// A receiver that changes whenever the job does.
    pub fn watch(&self, id: &str) -> Option<watch::Receiver<u64>> {
        self.table.lock().unwrap().jobs.get(id).map(|j| j.changed.subscribe())
    }

    /// Counts of jobs per state, and memo use.
    pub fn stats(&self) -> serde_json::Value {
        let t = self.table.lock().unwrap();
        // Keyed by state: serde writes each as its wire word.
        let mut counts: HashMap<JobState, usize> = HashMap::new();
        for j in t.jobs.values() {
            *counts.entry(j.status.state).or_default() += 1;
        }
        let memo = self.memo.lock().unwrap();
        serde_json::json!({
            "jobs": counts,
            "memoized_logs": memo.entries.len(),
            "memoized_mb": memo.entries.iter().map(|e| e.2).sum::<u64>() >> 20,
            "source_fetches": self.fetches.load(Ordering::Relaxed),
        })
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut JobStatus)) {
        let mut t = self.table.lock().unwrap();
        if let Some(job) = t.jobs.get_mut(id) {
            // A cancelled job's late updates (the ingest thread finishing) are dropped.
            if job.status.state == JobState::Cancelled {
                return;
            }
            let before = job.status.state;
            f(&mut job.status);
            job.changed.send_modify(|v| *v += 1);
            if job.status.state != before {
                self.persist(job.number, &job.request, &job.status);
            }
        }
    }

    /// Forgets the oldest finished jobs beyond `keep_finished`.
    fn evict(&self, t: &mut Table) {
        let finished = t.jobs.values().filter(|j| j.status.state.finished()).count();
        let mut excess = finished.saturating_sub(self.config.jobs.keep_finished);
        let mut keep = VecDeque::with_capacity(t.order.len());
        while let Some(id) = t.order.pop_front() {
            if excess > 0 && t.jobs.get(&id).is_some_and(|j| j.status.state.finished()) {
                if let (Some(job), Some(store)) = (t.jobs.remove(&id), &self.store) {
                    let _ = store.forget(job.number);
                }
                excess -= 1;
            } else {
                keep.push_back(id);
            }
        }
        t.order = keep;
    }

    fn memo_get(&self, key: &str) -> Option<Arc<Dataset>> {
        let mut memo = self.memo.lock().unwrap();
        let at = memo.entries.iter().position(|e| e.0 == key)?;
        let entry = memo.entries.remove(at)?;
        let dataset = entry.1.clone();
        memo.entries.push_back(entry);
        Some(dataset)
    }

    fn memo_put(&self, key: String, dataset: Arc<Dataset>) {
        let budget = self.config.jobs.memo_mb << 20;
        let size = dataset_bytes(&dataset);
        if size > budget {
            return;
        }
        let mut memo = self.memo.lock().unwrap();
        memo.entries.retain(|e| e.0 != key);
        while memo.entries.iter().map(|e| e.2).sum::<u64>() + size > budget {
            memo.entries.pop_front();
        }
        memo.entries.push_back((key, dataset, size));
    }
}

/// A per-job value: the request's, if within the server's `limit`; else the limit.
fn ceiling(name: &str, asked: Option<u64>, limit: u64) -> Result<u64, String> {
    match asked {
        None => Ok(limit),
        Some(0) => Err(format!("`{name}` must be at least 1")),
        Some(v) if v > limit => Err(format!("`{name}` {v} is more than this server allows ({limit})")),
        Some(v) => Ok(v),
    }
}

fn exhausted(message: String) -> ApiError {
    ApiError {
        hint: Some("raise the job's memory_limit_mb (up to the server's [jobs] memory_limit_mb), or filter the log first".into()),
        ..ApiError::new("resources_exhausted", message)
    }
}

fn engine_error(e: glint_engine::EngineError) -> ApiError {
    ApiError { kind: e.kind.as_str().into(), message: e.message, hint: e.hint, cell: None, position: None }
}

/// Bytes the dataset's Arrow arrays hold.
fn dataset_bytes(d: &Dataset) -> u64 {
    d.partitions.iter().flatten().map(|b| b.get_array_memory_size() as u64).sum()
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}
