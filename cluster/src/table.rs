//! Glint's NDJSON ingest as Ballista scans: the same two phases as the
//! browser's workers and the server's threads, run by the executors, each on
//! its own byte ranges of the log.
//!
//! ```text
//!  glint_ranges (one partition per range): read range ─▶ scan_partition ─▶ ScanSummary (JSON)
//!        │ collected by the worker server: plan_schema(summaries) decides the schema once
//!        ▼
//!  events (one partition per range): read range ─▶ scan_partition ─▶ finish_partition ─▶ Arrow
//! ```
//!
//! Both scans are DataFusion file scans (`DataSourceExec` over a
//! `FileScanConfig` whose file groups are the byte ranges, one per
//! partition) with [`GlintSource`] as the file source. That shape matters:
//! Ballista 55 gives each task only its own partitions by narrowing a
//! scan's file groups, which it can do for file scans and in-memory scans
//! only; a scan of another kind would be read whole by every task. The plans
//! carry only the source, the ranges and (for `events`) the summaries; every
//! executor derives the same schema from them.

use std::fmt;
use std::sync::Arc;

use arrow::array::{StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileOpenFuture, FileOpener, FileScanConfig, FileScanConfigBuilder, FileSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::{DisplayFormatType, ExecutionPlan};
use futures::StreamExt;
use glint_engine::ingest::{IngestOptions, RangeInput, ScanSummary, SchemaPlan, finish_partition, plan_schema, scan_partition};
use object_store::ObjectStore;
use serde::{Deserialize, Serialize};

use crate::source::ClusterSource;

/// A log cut into byte ranges: what both phases' plans carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub source: ClusterSource,
    pub size: u64,
    pub ranges: Vec<(u64, u64)>,
}

impl Split {
    /// Reads range `i` and runs phase 1 on it (in a blocking thread).
    async fn scan(&self, i: usize) -> DfResult<glint_engine::ingest::PartitionScan> {
        let Some(&(start, end)) = self.ranges.get(i) else {
            return Err(DataFusionError::Internal(format!("range {i} of {} does not exist", self.ranges.len())));
        };
        let (bytes, offset, at_eof) = self.source.read_range(start, end, self.size).await.map_err(DataFusionError::Execution)?;
        tokio::task::spawn_blocking(move || {
            let input = RangeInput { bytes: &bytes, bytes_offset: offset, range: (start, end), at_eof };
            scan_partition(input, &IngestOptions::default())
        })
        .await
        .map_err(|e| DataFusionError::Execution(format!("the ingest of range {i} stopped: {e}")))?
        .map_err(|e| DataFusionError::Execution(format!("range {i}: {}", e.message)))
    }

    /// The index of the range a file scan hands an opener.
    fn index_of(&self, file: &PartitionedFile) -> DfResult<usize> {
        let range = file.range.as_ref().map(|r| (r.start as u64, r.end as u64));
        range
            .and_then(|r| self.ranges.iter().position(|x| *x == r))
            .ok_or_else(|| DataFusionError::Internal(format!("{range:?} is not one of the log's ranges")))
    }
}

/// What a scan reads: the range summaries (phase 1) or the events (phase 2).
#[derive(Debug, Clone)]
pub enum Scan {
    Ranges(Arc<Split>),
    Events(Arc<Events>),
}

impl Scan {
    pub fn split(&self) -> &Split {
        match self {
            Scan::Ranges(split) => split,
            Scan::Events(events) => &events.spec.split,
        }
    }

    fn schema(&self) -> SchemaRef {
        match self {
            Scan::Ranges(_) => ranges_schema(),
            Scan::Events(events) => events.plan.schema.clone(),
        }
    }

    /// One partition (file group) per range, in range order, or `only` these.
    pub fn exec(&self, groups: Option<&[Vec<(u64, u64)>]>, limit: Option<usize>) -> Arc<DataSourceExec> {
        let split = self.split();
        let path = "glint-log";
        let file = |(start, end): (u64, u64)| PartitionedFile::new_with_range(path.to_string(), split.size, start as i64, end as i64);
        let groups: Vec<FileGroup> = match groups {
            Some(groups) => groups.iter().map(|g| FileGroup::new(g.iter().copied().map(file).collect())).collect(),
            None => split.ranges.iter().copied().map(|r| FileGroup::new(vec![file(r)])).collect(),
        };
        let source = GlintSource { scan: self.clone(), table_schema: TableSchema::from(self.schema()), metrics: Default::default() };
        // The URL of a store every runtime has; the opener reads through the source's own store.
        let config = FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), Arc::new(source))
            .with_file_groups(groups)
            .with_limit(limit)
            .build();
        DataSourceExec::from_data_source(config)
    }
}

/// The file source of both scans.
#[derive(Debug, Clone)]
pub struct GlintSource {
    pub scan: Scan,
    table_schema: TableSchema,
    metrics: ExecutionPlanMetricsSet,
}

impl FileSource for GlintSource {
    fn create_file_opener(&self, _store: Arc<dyn ObjectStore>, _config: &FileScanConfig, _partition: usize) -> DfResult<Arc<dyn FileOpener>> {
        Ok(Arc::new(GlintOpener { scan: self.scan.clone() }))
    }

    fn table_schema(&self) -> &TableSchema {
        &self.table_schema
    }

    fn with_batch_size(&self, _batch_size: usize) -> Arc<dyn FileSource> {
        Arc::new(self.clone())
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        &self.metrics
    }

    fn file_type(&self) -> &str {
        match self.scan {
            Scan::Ranges(_) => "glint_ranges",
            Scan::Events(_) => "glint_events",
        }
    }

    fn fmt_extra(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let split = self.scan.split();
        write!(f, ", log={} in {} ranges", split.source.shown(), split.ranges.len())
    }

    // The ranges are Glint's partitions; DataFusion must not re-cut them.
    fn supports_repartitioning(&self) -> bool {
        false
    }

    fn repartitioned(
        &self,
        _target_partitions: usize,
        _repartition_file_min_size: usize,
        _output_ordering: Option<datafusion::physical_expr::LexOrdering>,
        _config: &FileScanConfig,
    ) -> DfResult<Option<FileScanConfig>> {
        Ok(None)
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }
}

/// Reads one range and ingests it.
struct GlintOpener {
    scan: Scan,
}

impl FileOpener for GlintOpener {
    fn open(&self, file: PartitionedFile) -> DfResult<FileOpenFuture> {
        let scan = self.scan.clone();
        let i = scan.split().index_of(&file)?;
        Ok(Box::pin(async move {
            let batches = match &scan {
                Scan::Ranges(split) => {
                    let summary = split.scan(i).await?.summary();
                    let json = serde_json::to_string(&summary).map_err(|e| DataFusionError::Internal(e.to_string()))?;
                    vec![RecordBatch::try_new(
                        ranges_schema(),
                        vec![Arc::new(UInt32Array::from(vec![i as u32])), Arc::new(StringArray::from(vec![json]))],
                    )?]
                }
                Scan::Events(events) => {
                    let partition = events.spec.split.scan(i).await?;
                    let events = events.clone();
                    tokio::task::spawn_blocking(move || finish_partition(&partition, &events.plan, i, &IngestOptions::default()))
                        .await
                        .map_err(|e| DataFusionError::Execution(format!("the ingest of range {i} stopped: {e}")))?
                        .map_err(|e| DataFusionError::Execution(format!("range {i}: {}", e.message)))?
                        .batches
                }
            };
            Ok(futures::stream::iter(batches.into_iter().map(Ok)).boxed())
        }))
    }
}

/// `events` or `glint_ranges` as a scan with `projection` and `limit`.
fn scan_plan(scan: &Scan, projection: Option<&Vec<usize>>, limit: Option<usize>) -> DfResult<Arc<dyn ExecutionPlan>> {
    let exec: Arc<dyn ExecutionPlan> = scan.exec(None, limit);
    let Some(projection) = projection else { return Ok(exec) };
    let schema = exec.schema();
    let exprs: Vec<(Arc<dyn PhysicalExpr>, String)> = projection
        .iter()
        .map(|&i| {
            let name = schema.field(i).name().clone();
            (Arc::new(datafusion::physical_expr::expressions::Column::new(&name, i)) as Arc<dyn PhysicalExpr>, name)
        })
        .collect();
    Ok(Arc::new(ProjectionExec::try_new(exprs, exec)?))
}

pub fn ranges_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("range", DataType::UInt32, false), Field::new("summary", DataType::Utf8, false)]))
}

/// What the `events` table's plans carry: the split and every range's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsSpec {
    pub split: Split,
    pub summaries: Vec<ScanSummary>,
}

/// [`EventsSpec`] with the schema plan derived from it (the same everywhere).
#[derive(Debug)]
pub struct Events {
    pub spec: EventsSpec,
    pub plan: SchemaPlan,
}

impl Events {
    pub fn new(spec: EventsSpec) -> DfResult<Arc<Events>> {
        if spec.summaries.len() != spec.split.ranges.len() {
            return Err(DataFusionError::Internal(format!(
                "{} summaries for {} ranges",
                spec.summaries.len(),
                spec.split.ranges.len()
            )));
        }
        let plan = plan_schema(&spec.summaries, &IngestOptions::default()).map_err(|e| DataFusionError::Execution(e.message))?;
        Ok(Arc::new(Events { spec, plan }))
    }
}

/// The tables `events` and `glint_ranges` (one row per range, `(range,
/// summary)`, the summary as JSON): scans the executors run.
#[derive(Debug)]
pub struct GlintTable(pub Scan);

#[async_trait]
impl TableProvider for GlintTable {
    fn schema(&self) -> SchemaRef {
        self.0.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        scan_plan(&self.0, projection, limit)
    }
}
