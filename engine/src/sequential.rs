//! Running a physical plan without spawning tasks, for one execution
//! partition (the browser worker's case: no tokio runtime in wasm).
//!
//! DataFusion merges several partitions into one with
//! `CoalescePartitionsExec`, which spawns a task per input partition. Even
//! with `target_partitions = 1` a plan can have several partitions (a
//! `UNION ALL` has one per input), and a spawn outside a tokio runtime
//! panics. [`without_spawning`] swaps every multi-partition coalesce for
//! [`SequentialCoalesceExec`], which reads the partitions one after another
//! in the calling task, and coalesces the plan's root the same way. A
//! `RepartitionExec` (in a coordinator's plan, which has as many partitions
//! as there are partition workers) becomes the same single-partition merge
//! (order-preserving where it preserved order): one partition satisfies any
//! distribution its parent required.
//! (`SortPreservingMergeExec` already falls back to plain streams without a
//! multi-thread runtime.)

use std::fmt;
use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::union::{InterleaveExec, UnionExec};
use datafusion::physical_plan::sorts::sort_preserving_merge::SortPreservingMergeExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};
use futures::{StreamExt, TryStreamExt, future, stream};

/// Reads every input partition in turn, as one output partition.
#[derive(Debug)]
pub struct SequentialCoalesceExec {
    input: Arc<dyn ExecutionPlan>,
    fetch: Option<usize>,
    properties: Arc<PlanProperties>,
}

impl SequentialCoalesceExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, fetch: Option<usize>) -> Self {
        // Reading partitions one after another keeps no ordering across them.
        let mut eq = input.equivalence_properties().clone();
        eq.clear_orderings();
        eq.clear_per_partition_constants();
        let properties =
            PlanProperties::new(eq, Partitioning::UnknownPartitioning(1), input.pipeline_behavior(), input.boundedness());
        SequentialCoalesceExec { input, fetch, properties: Arc::new(properties) }
    }
}

impl DisplayAs for SequentialCoalesceExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match self.fetch {
            Some(fetch) => write!(f, "SequentialCoalesceExec: fetch={fetch}"),
            None => write!(f, "SequentialCoalesceExec"),
        }
    }
}

impl ExecutionPlan for SequentialCoalesceExec {
    fn name(&self) -> &'static str {
        "SequentialCoalesceExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(self: Arc<Self>, mut children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        match children.pop() {
            Some(input) if children.is_empty() => Ok(Arc::new(SequentialCoalesceExec::new(input, self.fetch))),
            _ => datafusion::common::internal_err!("SequentialCoalesceExec takes exactly one child"),
        }
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return datafusion::common::internal_err!("SequentialCoalesceExec has one partition, not {partition}");
        }
        let input = Arc::clone(&self.input);
        let partitions = input.output_partitioning().partition_count();
        let batches = stream::iter(0..partitions).map(move |p| input.execute(p, Arc::clone(&context))).try_flatten();
        let limited = batches.scan(self.fetch, |left, item| {
            let out = match (item, left.as_mut()) {
                (Ok(_), Some(0)) => return future::ready(None),
                (Ok(batch), Some(n)) => {
                    let take = batch.num_rows().min(*n);
                    *n -= take;
                    Ok(batch.slice(0, take))
                }
                (other, _) => other,
            };
            future::ready(Some(out))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.input.schema(), limited)))
    }
}

/// The plan with every multi-partition coalesce (and a multi-partition
/// root) made sequential; see the module docs.
pub fn without_spawning(plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
    // An interleave (partition i = partition i of every input, which are
    // hash-partitioned alike) becomes a union read as one partition, before
    // its inputs' repartitions below turn into single partitions.
    let plan = plan
        .transform_down(|node| {
            if let Some(interleave) = node.downcast_ref::<InterleaveExec>() {
                let union = UnionExec::try_new(interleave.inputs().clone())?;
                return Ok(Transformed::yes(Arc::new(SequentialCoalesceExec::new(union, None)) as Arc<dyn ExecutionPlan>));
            }
            Ok(Transformed::no(node))
        })?
        .data;
    let plan = plan
        .transform_up(|node| {
            if let Some(repartition) = node.downcast_ref::<RepartitionExec>() {
                // One partition satisfies every distribution the parent asked for.
                let input = Arc::clone(repartition.input());
                let merged: Arc<dyn ExecutionPlan> = match (repartition.preserve_order(), input.output_ordering()) {
                    (true, Some(ordering)) => Arc::new(SortPreservingMergeExec::new(ordering.clone(), input)),
                    _ => Arc::new(SequentialCoalesceExec::new(input, None)),
                };
                return Ok(Transformed::yes(merged));
            }
            if let Some(coalesce) = node.downcast_ref::<CoalescePartitionsExec>() {
                if coalesce.input().output_partitioning().partition_count() > 1 {
                    let input = Arc::clone(coalesce.input());
                    return Ok(Transformed::yes(
                        Arc::new(SequentialCoalesceExec::new(input, coalesce.fetch())) as Arc<dyn ExecutionPlan>
                    ));
                }
            }
            Ok(Transformed::no(node))
        })?
        .data;
    if plan.output_partitioning().partition_count() > 1 {
        Ok(Arc::new(SequentialCoalesceExec::new(plan, None)))
    } else {
        Ok(plan)
    }
}
