//! A [`Session`]: an ingested [`Dataset`] registered as the table `events` in a
//! DataFusion context, answering SQL with Arrow batches.
//!
//! The engine spawns nothing itself. With one execution partition (the
//! browser's case: one wasm instance per worker) DataFusion runs without a
//! tokio runtime; with more, the caller must provide one (the server does).

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use glint_protocol::{FieldInfo, IngestReport};

use crate::error::{EngineError, ErrorKind, Result};
use crate::ingest::Dataset;

/// The name of the ingested table.
pub const EVENTS_TABLE: &str = "events";

#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// DataFusion's execution parallelism. 1 needs no async runtime.
    pub target_partitions: usize,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions { target_partitions: 1 }
    }
}

/// A query's result.
#[derive(Debug, Clone)]
pub struct QueryOutput {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl QueryOutput {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

pub struct Session {
    ctx: SessionContext,
    report: IngestReport,
    fields: Vec<FieldInfo>,
}

impl Session {
    /// Registers the dataset as `events`. With `target_partitions == 1` the
    /// dataset's partitions are scanned one after another as a single stream
    /// (rows keep their input order).
    pub fn new(dataset: &Dataset, opts: &SessionOptions) -> Result<Session> {
        let target = opts.target_partitions.max(1);
        let config = SessionConfig::new()
            .with_target_partitions(target)
            .with_information_schema(true)
            .set_str("datafusion.execution.time_zone", "+00:00");
        let ctx = SessionContext::new_with_config(config);
        let partitions = if target == 1 {
            vec![dataset.partitions.iter().flatten().cloned().collect()]
        } else {
            dataset.partitions.clone()
        };
        let table = MemTable::try_new(dataset.schema.clone(), partitions)?;
        ctx.register_table(EVENTS_TABLE, Arc::new(table))?;
        Ok(Session { ctx, report: dataset.report.clone(), fields: dataset.fields.clone() })
    }

    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    pub fn fields(&self) -> &[FieldInfo] {
        &self.fields
    }

    /// Plans and runs one SQL statement.
    pub async fn sql(&self, sql: &str) -> Result<QueryOutput> {
        if sql.trim().is_empty() {
            return Err(EngineError::new(ErrorKind::Sql, "the query is empty"));
        }
        let df = self.ctx.sql(sql).await?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        Ok(QueryOutput { schema, batches })
    }
}
