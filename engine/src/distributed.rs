//! Distributed execution: the `events` table's partitions live in partition
//! workers (browser web workers, one wasm instance each); a coordinator plans
//! every query and runs only its last stages.
//!
//! ```text
//!   coordinator: SQL ─▶ physical plan (N partitions) ─▶ cuts ─────────────┐ CutRequest (SQL + cut fingerprints)
//!                                                                          ▼
//!   worker i:    same SQL ─▶ same plan ─▶ same cuts ─▶ execute partition i of each cut
//!                (scan, filter, projection, partial aggregation)           │ Arrow IPC (encode_cuts)
//!                                                                          ▼
//!   coordinator: cuts replaced by GatheredExec (worker i = partition i) ─▶ final stages, no spawning
//! ```
//!
//! A *cut* is a maximal subtree below the plan's first exchange that only
//! holds partition-local operators over `events` (see [`shippable`]). Both
//! sides plan the same SQL with the same configuration and the same table
//! (no statistics, so no plan choice depends on where data is); the worker
//! still compares each cut's printed plan with the coordinator's
//! fingerprint. If anything differs, or the query also reads tables only the
//! coordinator has (earlier cell results), the coordinator falls back to
//! *scan cuts*: workers return the projected rows of `events` and every other
//! stage runs in the coordinator. Slower, never wrong.
//!
//! The engine still does no IO: the coordinator talks to its workers through
//! a [`PartitionExecutor`] the caller provides (web workers in the browser,
//! in-process sessions in tests).

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result as DfResult;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning, PlanProperties,
    SendableRecordBatchStream, displayable, replace_children_if_necessary,
};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, ErrorKind, Result};
use crate::session::Param;

/// What a coordinator asks every partition worker to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutRequest {
    pub sql: String,
    pub params: Vec<Param>,
    pub cuts: Cuts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cuts {
    /// Plan `sql` and run these subtrees (by printed plan, in plan order).
    Subtrees(Vec<String>),
    /// Just read `events` (the fallback: needs no planning in the worker).
    Scans(Vec<ScanCut>),
}

/// One read of `events`: the columns (by index) and at most how many rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanCut {
    pub projection: Option<Vec<usize>>,
    pub fetch: Option<usize>,
}

/// Per partition worker (in partition order), the encoded outputs of every
/// cut ([`encode_cuts`]).
pub type WorkerOutputs = Vec<Vec<u8>>;

/// How a coordinator reaches its partition workers. `execute` sends the
/// request to all of them and resolves when every one has answered (or one
/// failed: then with that error; a worker's [`ErrorKind::Unsplittable`]
/// makes the coordinator retry with scan cuts).
pub trait PartitionExecutor: Send + Sync {
    fn execute(&self, request: CutRequest) -> BoxFuture<'static, Result<WorkerOutputs>>;
}

/// Where a session's `events` rows are.
#[derive(Clone)]
pub(crate) enum Placement {
    /// All here (one browser worker, the server, tests).
    Local,
    /// Partition `index` of `partitions` is here; the others are elsewhere.
    Worker { index: usize, partitions: usize },
    /// None here: `partitions` workers hold them.
    Coordinator { partitions: usize, executor: Arc<dyn PartitionExecutor> },
}

impl fmt::Debug for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placement::Local => write!(f, "Local"),
            Placement::Worker { index, partitions } => write!(f, "Worker {index}/{partitions}"),
            Placement::Coordinator { partitions, .. } => write!(f, "Coordinator of {partitions}"),
        }
    }
}

/// The `events` table of a worker or coordinator session: `partitions`
/// partitions, of which at most one (`local`) is held here. It reports no
/// statistics, so that worker and coordinator plan alike.
#[derive(Debug)]
pub(crate) struct EventsTable {
    pub schema: SchemaRef,
    pub partitions: usize,
    pub local: Option<LocalPartition>,
}

#[derive(Debug, Clone)]
pub(crate) struct LocalPartition {
    pub index: usize,
    pub batches: Arc<Vec<RecordBatch>>,
}

#[async_trait]
impl TableProvider for EventsTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn datafusion::catalog::Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let scan = ScanCut { projection: projection.cloned(), fetch: limit };
        Ok(Arc::new(EventsScanExec::try_new(self.schema.clone(), scan, self.partitions, self.local.clone())?))
    }
}

/// Reads `events`: the local partition's batches, nothing for the other
/// partitions of a worker, an error in a coordinator (whose scans must all
/// have been cut out and run in the workers).
#[derive(Debug)]
pub struct EventsScanExec {
    scan: ScanCut,
    local: Option<LocalPartition>,
    properties: Arc<PlanProperties>,
}

impl EventsScanExec {
    fn try_new(table_schema: SchemaRef, scan: ScanCut, partitions: usize, local: Option<LocalPartition>) -> DfResult<Self> {
        let schema = match &scan.projection {
            Some(p) => Arc::new(table_schema.project(p)?),
            None => table_schema.clone(),
        };
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(partitions),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        Ok(EventsScanExec { scan, local, properties: Arc::new(properties) })
    }
}

impl DisplayAs for EventsScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let schema = self.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        write!(f, "EventsScanExec: partitions={}, columns=[{}]", self.properties.partitioning.partition_count(), names.join(", "))?;
        if let Some(fetch) = self.scan.fetch {
            write!(f, ", fetch={fetch}")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for EventsScanExec {
    fn name(&self) -> &'static str {
        "EventsScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        if children.is_empty() { Ok(self) } else { datafusion::common::internal_err!("EventsScanExec has no children") }
    }

    fn execute(&self, partition: usize, _context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let schema = self.schema();
        let batches = match &self.local {
            None => {
                return datafusion::common::internal_err!(
                    "partition {partition} of `events` lives in a partition worker, not in the coordinator"
                );
            }
            Some(local) if local.index == partition => {
                let mut out = Vec::new();
                let mut left = self.scan.fetch.unwrap_or(usize::MAX);
                for b in local.batches.iter() {
                    if left == 0 {
                        break;
                    }
                    let b = match &self.scan.projection {
                        Some(p) => b.project(p)?,
                        None => b.clone(),
                    };
                    let take = b.num_rows().min(left);
                    left -= take;
                    out.push(if take < b.num_rows() { b.slice(0, take) } else { b });
                }
                out
            }
            Some(_) => Vec::new(),
        };
        Ok(Box::pin(MemoryStream::try_new(batches, schema, None)?))
    }
}

/// A cut's output gathered from the workers: partition i is worker i's part.
#[derive(Debug)]
pub struct GatheredExec {
    partitions: Vec<Vec<RecordBatch>>,
    properties: Arc<PlanProperties>,
}

impl GatheredExec {
    fn new(cut: &Arc<dyn ExecutionPlan>, partitions: Vec<Vec<RecordBatch>>) -> Self {
        let properties = cut.properties().as_ref().clone().with_partitioning(Partitioning::UnknownPartitioning(partitions.len()));
        GatheredExec { partitions, properties: Arc::new(properties) }
    }
}

impl DisplayAs for GatheredExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let rows: usize = self.partitions.iter().flatten().map(RecordBatch::num_rows).sum();
        write!(f, "GatheredExec: partitions={}, rows={rows}", self.partitions.len())
    }
}

impl ExecutionPlan for GatheredExec {
    fn name(&self) -> &'static str {
        "GatheredExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        if children.is_empty() { Ok(self) } else { datafusion::common::internal_err!("GatheredExec has no children") }
    }

    fn execute(&self, partition: usize, _context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let Some(batches) = self.partitions.get(partition) else {
            return datafusion::common::internal_err!("GatheredExec has {} partitions, not {partition}", self.partitions.len());
        };
        Ok(Box::pin(MemoryStream::try_new(batches.clone(), self.schema(), None)?))
    }
}

fn is_events_scan(plan: &Arc<dyn ExecutionPlan>) -> bool {
    plan.downcast_ref::<EventsScanExec>().is_some()
}

/// Operators whose output partition i depends only on input partition i.
fn partition_local(plan: &Arc<dyn ExecutionPlan>) -> bool {
    if let Some(agg) = plan.downcast_ref::<AggregateExec>() {
        return *agg.mode() == AggregateMode::Partial;
    }
    if let Some(sort) = plan.downcast_ref::<SortExec>() {
        return sort.preserve_partitioning();
    }
    // A scalar subquery's value is filled in at run time by a
    // `ScalarSubqueryExec` above: a worker would never see it.
    let reads_subquery = || displayable(plan.as_ref()).one_line().to_string().contains("scalar_subquery(");
    matches!(plan.name(), "FilterExec" | "ProjectionExec" | "CoalesceBatchesExec" | "CooperativeExec" | "LocalLimitExec")
        && !reads_subquery()
}

/// A subtree a worker can run for its own partition: partition-local
/// operators down to scans of `events`, keeping `partitions` partitions.
pub fn shippable(plan: &Arc<dyn ExecutionPlan>, partitions: usize) -> bool {
    if is_events_scan(plan) {
        return true;
    }
    let children = plan.children();
    !children.is_empty()
        && partition_local(plan)
        && plan.output_partitioning().partition_count() == partitions
        && children.iter().all(|c| shippable(c, partitions))
}

fn is_cut(plan: &Arc<dyn ExecutionPlan>, partitions: usize, scans_only: bool) -> bool {
    if scans_only { is_events_scan(plan) } else { shippable(plan, partitions) }
}

/// Applies `f` to every cut (top-down, children in order) and rebuilds the
/// plan around what it returns.
fn map_cuts(
    plan: &Arc<dyn ExecutionPlan>,
    partitions: usize,
    scans_only: bool,
    f: &mut dyn FnMut(&Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>>,
) -> Result<Arc<dyn ExecutionPlan>> {
    if is_cut(plan, partitions, scans_only) {
        return f(plan);
    }
    let children = plan.children();
    if children.is_empty() {
        return Ok(Arc::clone(plan));
    }
    let mut changed = false;
    let mut mapped = Vec::with_capacity(children.len());
    for child in children {
        let m = map_cuts(child, partitions, scans_only, f)?;
        changed |= !Arc::ptr_eq(&m, child);
        mapped.push(m);
    }
    if changed { Ok(replace_children_if_necessary(Arc::clone(plan), mapped)?) } else { Ok(Arc::clone(plan)) }
}

/// The plan's cuts, in plan order.
pub fn find_cuts(plan: &Arc<dyn ExecutionPlan>, partitions: usize, scans_only: bool) -> Vec<Arc<dyn ExecutionPlan>> {
    let mut cuts = Vec::new();
    let _ = map_cuts(plan, partitions, scans_only, &mut |c| {
        cuts.push(Arc::clone(c));
        Ok(Arc::clone(c))
    });
    cuts
}

/// A cut's identity: its printed plan.
pub fn fingerprint(cut: &Arc<dyn ExecutionPlan>) -> String {
    displayable(cut.as_ref()).indent(true).to_string()
}

/// Leaves a worker cannot plan like the coordinator: tables other than
/// `events` (earlier cell results, `VALUES`, system tables).
fn reads_other_tables(plan: &Arc<dyn ExecutionPlan>) -> bool {
    let children = plan.children();
    if children.is_empty() {
        return !is_events_scan(plan) && !matches!(plan.name(), "EmptyExec" | "PlaceholderRowExec");
    }
    children.iter().any(|c| reads_other_tables(c))
}

/// Plans the request's cuts in the coordinator.
pub(crate) fn request_for(sql: &str, params: &[Param], plan: &Arc<dyn ExecutionPlan>, partitions: usize, scans_only: bool) -> CutRequest {
    let cuts = find_cuts(plan, partitions, scans_only);
    let cuts = if scans_only {
        Cuts::Scans(
            cuts.iter()
                .filter_map(|c| c.downcast_ref::<EventsScanExec>().map(|s| s.scan.clone()))
                .collect(),
        )
    } else {
        Cuts::Subtrees(cuts.iter().map(fingerprint).collect())
    };
    CutRequest { sql: sql.to_string(), params: params.to_vec(), cuts }
}

/// How a coordinator would split a plan: `subtrees` or `scans`, then one
/// line per cut with its operators from the top (`Name(detail)` for
/// aggregates), e.g. `AggregateExec(Partial) ← ProjectionExec ← EventsScanExec`.
pub(crate) fn describe_split(plan: &Arc<dyn ExecutionPlan>, partitions: usize) -> String {
    let scans_only = reads_other_tables(plan);
    let mut s = String::from(if scans_only { "scans\n" } else { "subtrees\n" });
    for cut in find_cuts(plan, partitions, scans_only) {
        let mut names = Vec::new();
        let mut node = Some(cut);
        while let Some(n) = node {
            let name = match n.downcast_ref::<AggregateExec>() {
                Some(a) => format!("AggregateExec({:?})", a.mode()),
                None => n.name().to_string(),
            };
            names.push(name);
            node = n.children().first().map(|c| Arc::clone(c));
        }
        s += &format!("  {}\n", names.join(" ← "));
    }
    s
}

/// Runs a coordinator's plan: its cuts in the workers, the rest here.
pub(crate) async fn run_coordinated(
    sql: &str,
    params: &[Param],
    plan: Arc<dyn ExecutionPlan>,
    task: Arc<TaskContext>,
    partitions: usize,
    executor: &Arc<dyn PartitionExecutor>,
) -> Result<Vec<RecordBatch>> {
    use futures::TryStreamExt;
    let mut scans_only = reads_other_tables(&plan);
    let cut_count = find_cuts(&plan, partitions, scans_only).len();
    let mut outputs = Vec::new();
    if cut_count > 0 {
        outputs = match executor.execute(request_for(sql, params, &plan, partitions, scans_only)).await {
            Err(e) if e.kind == ErrorKind::Unsplittable && !scans_only => {
                scans_only = true;
                executor.execute(request_for(sql, params, &plan, partitions, true)).await?
            }
            other => other?,
        };
    }
    let cut_count = find_cuts(&plan, partitions, scans_only).len();
    if outputs.len() != if cut_count > 0 { partitions } else { 0 } {
        return Err(EngineError::new(
            ErrorKind::Internal,
            format!("{} partition workers answered, {partitions} expected", outputs.len()),
        ));
    }
    // outputs[worker][cut] → gathered[cut][worker]
    let mut gathered: Vec<Vec<Vec<RecordBatch>>> = (0..cut_count).map(|_| Vec::with_capacity(partitions)).collect();
    for (worker, bytes) in outputs.iter().enumerate() {
        let cuts = decode_cuts(bytes)?;
        if cuts.len() != cut_count {
            return Err(EngineError::new(
                ErrorKind::Internal,
                format!("partition worker {worker} returned {} cut outputs, {cut_count} expected", cuts.len()),
            ));
        }
        for (k, batches) in cuts.into_iter().enumerate() {
            gathered[k].push(batches);
        }
    }
    let mut gathered = gathered.into_iter();
    let plan = map_cuts(&plan, partitions, scans_only, &mut |cut| {
        let parts = gathered.next().unwrap_or_default();
        Ok(Arc::new(GatheredExec::new(cut, parts)) as Arc<dyn ExecutionPlan>)
    })?;
    let plan = crate::sequential::without_spawning(plan)?;
    Ok(plan.execute(0, task)?.try_collect().await?)
}

/// A worker's part of a request: the encoded output of partition `index` of
/// every cut.
pub(crate) async fn run_cuts(
    request: &CutRequest,
    plan: Option<Arc<dyn ExecutionPlan>>,
    table: &EventsTable,
    task: Arc<TaskContext>,
) -> Result<Vec<u8>> {
    use futures::TryStreamExt;
    let Some(local) = &table.local else {
        return Err(EngineError::new(ErrorKind::Internal, "run_cuts needs a partition worker's session"));
    };
    let cuts: Vec<Arc<dyn ExecutionPlan>> = match (&request.cuts, plan) {
        (Cuts::Scans(scans), _) => scans
            .iter()
            .map(|s| {
                EventsScanExec::try_new(table.schema.clone(), s.clone(), table.partitions, Some(local.clone()))
                    .map(|e| Arc::new(e) as Arc<dyn ExecutionPlan>)
            })
            .collect::<DfResult<_>>()?,
        (Cuts::Subtrees(expected), Some(plan)) => {
            let cuts = find_cuts(&plan, table.partitions, false);
            let found: Vec<String> = cuts.iter().map(fingerprint).collect();
            if &found != expected {
                return Err(unsplittable(format!(
                    "the worker planned {} cuts that differ from the coordinator's {}",
                    found.len(),
                    expected.len()
                )));
            }
            cuts
        }
        (Cuts::Subtrees(_), None) => return Err(unsplittable("the worker could not plan the query".to_string())),
    };
    let mut outputs = Vec::with_capacity(cuts.len());
    for cut in &cuts {
        let batches: Vec<RecordBatch> = cut.execute(local.index, Arc::clone(&task))?.try_collect().await?;
        outputs.push((cut.schema(), batches));
    }
    encode_cuts(&outputs)
}

pub(crate) fn unsplittable(message: String) -> EngineError {
    EngineError::new(ErrorKind::Unsplittable, message)
}

/// Cut outputs as one buffer: per cut, an 8-byte little-endian length and an
/// Arrow IPC stream (schema first, so an empty output keeps its columns).
pub fn encode_cuts(outputs: &[(SchemaRef, Vec<RecordBatch>)]) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    for (schema, batches) in outputs {
        let mut ipc = Vec::new();
        {
            let mut w = StreamWriter::try_new(&mut ipc, schema)?;
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        buf.extend_from_slice(&(ipc.len() as u64).to_le_bytes());
        buf.extend_from_slice(&ipc);
    }
    Ok(buf)
}

/// The inverse of [`encode_cuts`].
pub fn decode_cuts(mut bytes: &[u8]) -> Result<Vec<Vec<RecordBatch>>> {
    let bad = |what: &str| EngineError::new(ErrorKind::Internal, format!("a partition worker's reply is damaged: {what}"));
    let mut cuts = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 8 {
            return Err(bad("truncated length"));
        }
        let (len, rest) = bytes.split_at(8);
        let len = u64::from_le_bytes(len.try_into().expect("8 bytes")) as usize;
        if rest.len() < len {
            return Err(bad("truncated stream"));
        }
        let (ipc, rest) = rest.split_at(len);
        let reader = StreamReader::try_new(std::io::Cursor::new(ipc), None)?;
        cuts.push(reader.collect::<std::result::Result<Vec<_>, _>>()?);
        bytes = rest;
    }
    Ok(cuts)
}

/// Partition workers as sessions in this process, run one after another:
/// the coordinator protocol without web workers (tests, and a reference for
/// other executors). The request travels as JSON and the replies as encoded
/// cuts, exactly as between web workers.
pub struct InProcess {
    workers: Vec<Arc<crate::session::Session>>,
}

impl InProcess {
    /// A coordinator session over `dataset`, one partition worker per ingest partition.
    pub fn coordinator(dataset: &crate::ingest::Dataset) -> Result<crate::session::Session> {
        let n = dataset.partitions.len().max(1);
        let mut workers = Vec::with_capacity(n);
        for i in 0..n {
            let batches = dataset.partitions.get(i).cloned().unwrap_or_default();
            workers.push(Arc::new(crate::session::Session::partition_worker(dataset.schema.clone(), batches, i, n)?));
        }
        let executor = Arc::new(InProcess { workers });
        crate::session::Session::coordinator(dataset.schema.clone(), dataset.report.clone(), dataset.fields.clone(), n, executor)
    }
}

impl PartitionExecutor for InProcess {
    fn execute(&self, request: CutRequest) -> BoxFuture<'static, Result<WorkerOutputs>> {
        let workers = self.workers.clone();
        Box::pin(async move {
            let text = serde_json::to_string(&request).map_err(|e| EngineError::new(ErrorKind::Internal, e.to_string()))?;
            let request: CutRequest =
                serde_json::from_str(&text).map_err(|e| EngineError::new(ErrorKind::Internal, e.to_string()))?;
            let mut outputs = Vec::with_capacity(workers.len());
            for worker in &workers {
                outputs.push(worker.execute_cuts(&request).await?);
            }
            Ok(outputs)
        })
    }
}
