//! A [`Session`]: an ingested [`Dataset`] registered as the table `events` in a
//! DataFusion context, answering SQL with Arrow batches.
//!
//! The engine spawns nothing itself. With one execution partition (the
//! browser's case: one wasm instance per worker) DataFusion runs without a
//! tokio runtime; with more, the caller must provide one (the server does).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use glint_protocol::{FieldInfo, IngestReport};

use crate::distributed::{self, CutRequest, Cuts, EventsTable, LocalPartition, PartitionExecutor, Placement};
use crate::error::{EngineError, ErrorKind, Result};
use crate::hint::{Scope, hint};
use crate::ingest::Dataset;

/// The name of the ingested table.
pub const EVENTS_TABLE: &str = "events";

#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// DataFusion's execution parallelism. 1 needs no async runtime.
    pub target_partitions: usize,
    /// The most memory a query's operators may hold (sorts, joins,
    /// aggregates) beyond the loaded batches, in bytes; a query that needs
    /// more fails with [`ErrorKind::ResourcesExhausted`]. `None`: unlimited.
    pub memory_limit: Option<usize>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions { target_partitions: 1, memory_limit: None }
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

/// A named query parameter's value (`$name` in SQL), as JSON: a string,
/// number or boolean.
pub type Param = (String, serde_json::Value);

pub struct Session {
    ctx: SessionContext,
    report: IngestReport,
    fields: Vec<FieldInfo>,
    /// Run queries as one stream without spawning (one partition, no tokio runtime).
    sequential: bool,
    placement: Placement,
    /// The `events` table of a partition worker.
    worker_table: Option<Arc<EventsTable>>,
    /// Earlier results registered as tables, by name (lower case), with their columns.
    results: std::sync::Mutex<HashMap<String, Vec<String>>>,
}

impl Session {
    /// Registers the dataset as `events`. With `target_partitions == 1` the
    /// dataset's partitions are scanned one after another as a single stream
    /// (rows keep their input order).
    pub fn new(dataset: &Dataset, opts: &SessionOptions) -> Result<Session> {
        let target = opts.target_partitions.max(1);
        let ctx = match opts.memory_limit {
            None => SessionContext::new_with_config(config(target)),
            Some(limit) => {
                let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new()
                    .with_memory_limit(limit, 1.0)
                    .build_arc()?;
                SessionContext::new_with_config_rt(config(target), runtime)
            }
        };
        let partitions = if target == 1 {
            vec![dataset.partitions.iter().flatten().cloned().collect()]
        } else {
            dataset.partitions.clone()
        };
        let table = MemTable::try_new(dataset.schema.clone(), partitions)?;
        ctx.register_table(EVENTS_TABLE, Arc::new(table))?;
        Ok(Session {
            ctx,
            report: dataset.report.clone(),
            fields: dataset.fields.clone(),
            sequential: target == 1,
            placement: Placement::Local,
            worker_table: None,
            results: Default::default(),
        })
    }

    /// A partition worker's session: partition `index` of `partitions` of
    /// the `events` rows (all with `schema`). It answers [`Session::execute_cuts`].
    pub fn partition_worker(schema: SchemaRef, batches: Vec<RecordBatch>, index: usize, partitions: usize) -> Result<Session> {
        if index >= partitions {
            return Err(EngineError::new(ErrorKind::InvalidInput, format!("partition {index} of {partitions} does not exist")));
        }
        let table = Arc::new(EventsTable {
            schema,
            partitions,
            local: Some(LocalPartition { index, batches: Arc::new(batches) }),
        });
        let ctx = SessionContext::new_with_config(distributed_config(partitions));
        ctx.register_table(EVENTS_TABLE, table.clone())?;
        Ok(Session {
            ctx,
            report: IngestReport::default(),
            fields: Vec::new(),
            sequential: partitions == 1,
            placement: Placement::Worker { index, partitions },
            worker_table: Some(table),
            results: Default::default(),
        })
    }

    /// A coordinator's session: `events` (with `schema`, `report` and
    /// `fields` as merged from the ingest) is spread over `partitions`
    /// partition workers reached through `executor`; see [`crate::distributed`].
    pub fn coordinator(
        schema: SchemaRef,
        report: IngestReport,
        fields: Vec<FieldInfo>,
        partitions: usize,
        executor: Arc<dyn PartitionExecutor>,
    ) -> Result<Session> {
        let partitions = partitions.max(1);
        let table = Arc::new(EventsTable { schema, partitions, local: None });
        let ctx = SessionContext::new_with_config(distributed_config(partitions));
        ctx.register_table(EVENTS_TABLE, table)?;
        Ok(Session {
            ctx,
            report,
            fields,
            sequential: partitions == 1,
            placement: Placement::Coordinator { partitions, executor },
            worker_table: None,
            results: Default::default(),
        })
    }

    /// A session over a context that already has `events` registered, with
    /// the ingest's report and fields (a Ballista cluster's context, whose
    /// `events` its executors read: see the `glint-cluster` crate). Queries
    /// run with DataFusion's `collect`, which for such a context means: by
    /// the cluster. `ctx` should be configured with [`session_config`].
    pub fn with_context(ctx: SessionContext, report: IngestReport, fields: Vec<FieldInfo>) -> Session {
        Session {
            ctx,
            report,
            fields,
            sequential: false,
            placement: Placement::Local,
            worker_table: None,
            results: Default::default(),
        }
    }

    /// In a coordinator: how `sql` would be split between the partition
    /// workers and the coordinator (see [`crate::distributed`]).
    pub async fn describe_split(&self, sql: &str) -> Result<String> {
        let Placement::Coordinator { partitions, .. } = &self.placement else {
            return Err(EngineError::new(ErrorKind::InvalidInput, "only a coordinator's session splits queries"));
        };
        let (plan, _, _) = self.physical_plan(sql, &[]).await?;
        Ok(distributed::describe_split(&plan, *partitions))
    }

    /// In a partition worker: runs this worker's part of a coordinator's
    /// request and returns it encoded ([`distributed::encode_cuts`]). A query
    /// this worker cannot plan exactly like the coordinator fails with
    /// [`ErrorKind::Unsplittable`] (the coordinator then asks for scans).
    pub async fn execute_cuts(&self, request: &CutRequest) -> Result<Vec<u8>> {
        let Some(table) = &self.worker_table else {
            return Err(EngineError::new(ErrorKind::Internal, "only a partition worker's session runs cuts"));
        };
        let task = self.ctx.task_ctx();
        let plan = match &request.cuts {
            Cuts::Scans(_) => None,
            Cuts::Subtrees(_) => match self.physical_plan(&request.sql, &request.params).await {
                Ok((plan, _, _)) => Some(plan),
                Err(e) => return Err(distributed::unsplittable(e.message)),
            },
        };
        distributed::run_cuts(request, plan, table, task).await
    }

    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    pub fn fields(&self) -> &[FieldInfo] {
        &self.fields
    }

    /// Plans and runs one SQL statement.
    pub async fn sql(&self, sql: &str) -> Result<QueryOutput> {
        self.sql_with_params(sql, &[]).await
    }

    /// Plans and runs one SQL statement whose `$name` placeholders take the
    /// given values. Errors carry a hint where Glint can tell what was meant.
    pub async fn sql_with_params(&self, sql: &str, params: &[Param]) -> Result<QueryOutput> {
        self.run(sql, params).await.map_err(|e| {
            let h = hint(&e.message, &self.scope(params));
            e.with_hint(h)
        })
    }

    async fn run(&self, sql: &str, params: &[Param]) -> Result<QueryOutput> {
        if sql.trim().is_empty() {
            return Err(EngineError::new(ErrorKind::Sql, "the query is empty"));
        }
        if let Placement::Coordinator { partitions, executor } = &self.placement {
            let (plan, task, schema) = self.physical_plan(sql, params).await?;
            let batches = distributed::run_coordinated(sql, params, plan, task, *partitions, executor).await?;
            return Ok(QueryOutput { schema, batches });
        }
        if matches!(self.placement, Placement::Worker { .. }) {
            return Err(EngineError::new(ErrorKind::Internal, "a partition worker answers cuts, not SQL"));
        }
        let df = self.dataframe(sql, params).await?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = if self.sequential {
            // No tokio runtime in a browser worker: run without spawning.
            use futures::TryStreamExt;
            let task = Arc::new(df.task_ctx());
            let plan = crate::sequential::without_spawning(df.create_physical_plan().await?)?;
            plan.execute(0, task)?.try_collect().await?
        } else {
            df.collect().await?
        };
        Ok(QueryOutput { schema, batches })
    }

    async fn dataframe(&self, sql: &str, params: &[Param]) -> Result<datafusion::dataframe::DataFrame> {
        let mut values = Vec::with_capacity(params.len());
        for (name, value) in params {
            values.push((name.clone(), scalar(name, value)?));
        }
        let mut df = self.ctx.sql(sql).await?;
        if !values.is_empty() || sql.contains('$') {
            df = df.with_param_values(values)?;
        }
        Ok(df)
    }

    /// The physical plan of one statement, with its task context and result schema.
    async fn physical_plan(
        &self,
        sql: &str,
        params: &[Param],
    ) -> Result<(Arc<dyn datafusion::physical_plan::ExecutionPlan>, Arc<datafusion::execution::TaskContext>, SchemaRef)> {
        let df = self.dataframe(sql, params).await?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let task = Arc::new(df.task_ctx());
        Ok((df.create_physical_plan().await?, task, schema))
    }

    /// Registers a result as a table that later queries can name (a notebook
    /// cell's result). Replaces an earlier result of the same name; `events`
    /// cannot be replaced.
    pub fn register_result(&self, name: &str, out: &QueryOutput) -> Result<()> {
        let key = name.to_lowercase();
        if key == EVENTS_TABLE {
            return Err(EngineError::new(ErrorKind::InvalidInput, "`events` is the loaded log; give the cell another name"));
        }
        if !valid_name(name) {
            return Err(EngineError::new(
                ErrorKind::InvalidInput,
                format!("`{name}` cannot name a table: use letters, digits and `_`, not starting with a digit"),
            ));
        }
        let table = MemTable::try_new(out.schema.clone(), vec![out.batches.clone()])?;
        self.ctx.deregister_table(key.as_str())?;
        self.ctx.register_table(key.as_str(), Arc::new(table))?;
        let columns = out.schema.fields().iter().map(|f| f.name().clone()).collect();
        self.results_mut().insert(key, columns);
        Ok(())
    }

    /// Forgets a registered result (a deleted or renamed cell).
    pub fn deregister_result(&self, name: &str) -> Result<()> {
        let key = name.to_lowercase();
        if self.results_mut().remove(&key).is_some() {
            self.ctx.deregister_table(key.as_str())?;
        }
        Ok(())
    }

    fn results_mut(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<String>>> {
        // The map is only a name index; a panic elsewhere cannot leave it inconsistent.
        self.results.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The names a query can use, for error hints.
    fn scope(&self, params: &[Param]) -> Scope {
        let results = self.results_mut();
        let mut tables = vec![EVENTS_TABLE.to_string()];
        let mut names: Vec<&String> = results.keys().collect();
        names.sort();
        tables.extend(names.iter().map(|n| n.to_string()));
        let mut columns: Vec<String> = self.fields.iter().map(|f| f.name.clone()).collect();
        for name in names {
            columns.extend(results[name].iter().cloned());
        }
        columns.sort();
        columns.dedup();
        Scope { columns, tables, params: params.iter().map(|(n, _)| n.clone()).collect() }
    }
}

/// `base` with what every Glint session plans with (UTC, information
/// schema) and `target_partitions` partitions.
pub fn session_config(base: SessionConfig, target_partitions: usize) -> SessionConfig {
    base.with_target_partitions(target_partitions)
        .with_information_schema(true)
        .set_str("datafusion.execution.time_zone", "+00:00")
}

fn config(target_partitions: usize) -> SessionConfig {
    session_config(SessionConfig::new(), target_partitions)
}

/// Workers and their coordinator must plan alike: no filters that one side
/// fills at run time (dynamic filters would be filled only where the
/// operator producing them runs).
fn distributed_config(partitions: usize) -> SessionConfig {
    config(partitions).set_bool("datafusion.optimizer.enable_dynamic_filter_pushdown", false)
}

/// A table name a cell result may take.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A JSON parameter value as a SQL literal value.
fn scalar(name: &str, value: &serde_json::Value) -> Result<ScalarValue> {
    use serde_json::Value as V;
    Ok(match value {
        V::String(s) => ScalarValue::Utf8(Some(s.clone())),
        V::Bool(b) => ScalarValue::Boolean(Some(*b)),
        V::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => ScalarValue::Int64(Some(i)),
            (None, Some(f)) => ScalarValue::Float64(Some(f)),
            _ => return Err(EngineError::new(ErrorKind::InvalidInput, format!("parameter `{name}`: {n} is not a usable number"))),
        },
        V::Null => ScalarValue::Null,
        V::Array(_) | V::Object(_) => {
            return Err(EngineError::new(
                ErrorKind::InvalidInput,
                format!("parameter `{name}` must be a string, number or true/false, not {value}"),
            ));
        }
    })
}
