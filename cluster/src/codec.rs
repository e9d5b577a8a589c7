//! How Glint's tables and plans travel between the worker server, the
//! scheduler and the executors: Ballista's own codecs, plus
//!
//! - the `events` and `glint_ranges` tables and their scans (as JSON: the
//!   source, the ranges and the summaries; a scan also its partitions'
//!   ranges, which Ballista narrows to each task's);
//! - in-memory tables (a notebook cell's earlier result that a later cell
//!   reads), as an Arrow IPC stream.
//!
//! Glint's encodings start with `GLINT`, which no protobuf message (what
//! Ballista's codecs write) can start with: `G` (0x47) has wire type 7.

use std::sync::Arc;

use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use arrow::datatypes::SchemaRef;
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::catalog::TableProvider;
use datafusion::common::TableReference;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use serde::{Deserialize, Serialize};

use crate::table::{Events, EventsSpec, GlintSource, GlintTable, Scan, Split};
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;

const MAGIC: &[u8] = b"GLINT";

#[derive(Serialize, Deserialize)]
enum Table {
    Events(EventsSpec),
    Ranges(Split),
}

impl Table {
    fn of(scan: &Scan) -> Table {
        match scan {
            Scan::Events(events) => Table::Events(events.spec.clone()),
            Scan::Ranges(split) => Table::Ranges(split.as_ref().clone()),
        }
    }

    fn scan(self) -> DfResult<Scan> {
        Ok(match self {
            Table::Events(spec) => Scan::Events(Events::new(spec)?),
            Table::Ranges(split) => Scan::Ranges(Arc::new(split)),
        })
    }
}

#[derive(Serialize, Deserialize)]
struct ScanPlan {
    table: Table,
    /// The file groups (partitions) as byte ranges: all of them, or the
    /// ones a Ballista task was given.
    groups: Vec<Vec<(u64, u64)>>,
    limit: Option<usize>,
}

fn encode_json(tag: u8, value: &impl Serialize, buf: &mut Vec<u8>) -> DfResult<()> {
    buf.extend_from_slice(MAGIC);
    buf.push(tag);
    serde_json::to_writer(buf, value).map_err(|e| DataFusionError::Internal(format!("encoding a Glint plan: {e}")))
}

fn glint(buf: &[u8]) -> Option<(u8, &[u8])> {
    let rest = buf.strip_prefix(MAGIC)?;
    let (&tag, body) = rest.split_first()?;
    Some((tag, body))
}

fn decode_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> DfResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        DataFusionError::Internal(format!(
            "decoding a Glint plan: {e} (are the worker server, the scheduler and the executors the same Glint version?)"
        ))
    })
}

/// Ballista's logical codec plus Glint's tables and in-memory tables.
#[derive(Debug, Default)]
pub struct GlintLogicalCodec {
    ballista: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for GlintLogicalCodec {
    fn try_decode(&self, buf: &[u8], inputs: &[LogicalPlan], ctx: &TaskContext) -> DfResult<Extension> {
        self.ballista.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> DfResult<()> {
        self.ballista.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> DfResult<Arc<dyn TableProvider>> {
        match glint(buf) {
            Some((b'T', body)) => Ok(Arc::new(GlintTable(decode_json::<Table>(body)?.scan()?))),
            Some((b'M', body)) => {
                let reader = StreamReader::try_new(std::io::Cursor::new(body), None)?;
                let batches = reader.collect::<Result<Vec<_>, _>>()?;
                Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
            }
            _ => self.ballista.try_decode_table_provider(buf, table_ref, schema, ctx),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> DfResult<()> {
        let any: &dyn std::any::Any = node.as_ref();
        if let Some(GlintTable(scan)) = any.downcast_ref::<GlintTable>() {
            return encode_json(b'T', &Table::of(scan), buf);
        }
        if let Some(t) = any.downcast_ref::<MemTable>() {
            buf.extend_from_slice(MAGIC);
            buf.push(b'M');
            let schema = t.schema();
            let mut w = StreamWriter::try_new(&mut *buf, &schema)?;
            for partition in &t.batches {
                let batches = partition
                    .try_read()
                    .map_err(|_| DataFusionError::Execution("an in-memory table is being written; try again".into()))?;
                for b in batches.iter() {
                    w.write(b)?;
                }
            }
            w.finish()?;
            return Ok(());
        }
        self.ballista.try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(&self, buf: &[u8], ctx: &TaskContext) -> DfResult<Arc<dyn FileFormatFactory>> {
        self.ballista.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(&self, buf: &mut Vec<u8>, node: Arc<dyn FileFormatFactory>) -> DfResult<()> {
        self.ballista.try_encode_file_format(buf, node)
    }
}

/// Ballista's physical codec plus Glint's scans.
#[derive(Debug, Default)]
pub struct GlintPhysicalCodec {
    ballista: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for GlintPhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        match glint(buf) {
            Some((b'P', body)) => {
                let plan: ScanPlan = decode_json(body)?;
                Ok(plan.table.scan()?.exec(Some(&plan.groups), plan.limit))
            }
            _ => self.ballista.try_decode(buf, inputs, ctx, proto_converter),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> DfResult<()> {
        if let Some((source, config)) = glint_scan(&node) {
            let table = Table::of(&source.scan);
            let groups = config
                .file_groups
                .iter()
                .map(|g| g.files().iter().filter_map(|f| f.range.as_ref().map(|r| (r.start as u64, r.end as u64))).collect())
                .collect();
            return encode_json(b'P', &ScanPlan { table, groups, limit: config.limit }, buf);
        }
        self.ballista.try_encode(node, buf, proto_converter)
    }
}

/// A file scan of Glint's: its source and its configuration.
fn glint_scan(node: &Arc<dyn ExecutionPlan>) -> Option<(&GlintSource, &FileScanConfig)> {
    let exec = node.downcast_ref::<DataSourceExec>()?;
    let source: &dyn std::any::Any = exec.data_source().as_ref();
    let config = source.downcast_ref::<FileScanConfig>()?;
    let file_source: &dyn std::any::Any = config.file_source.as_ref();
    Some((file_source.downcast_ref::<GlintSource>()?, config))
}

/// Both codecs, as the scheduler, the executors and the worker server's
/// Ballista sessions install them.
pub fn codecs() -> (Arc<dyn LogicalExtensionCodec>, Arc<dyn PhysicalExtensionCodec>) {
    (Arc::new(GlintLogicalCodec::default()), Arc::new(GlintPhysicalCodec::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion_proto::physical_plan::DefaultPhysicalProtoConverter;
    use glint_engine::ingest::{IngestOptions, PartitionScan, RangeInput, scan_partition, split_ranges};

    use datafusion::datasource::physical_plan::FileSource;

    use crate::source::{ClusterSource, S3Options};

    const LOG: &[u8] = b"{\"event\":\"a\",\"userId\":\"u1\"}\n{\"event\":\"b\",\"userId\":\"u2\",\"properties\":{\"n\":1}}\nnot json\n{\"event\":\"c\"}\n";

    fn events() -> Arc<Events> {
        let ranges: Vec<(u64, u64)> = split_ranges(LOG.len() as u64, 3).into_iter().map(|r| (r.start, r.end)).collect();
        let summaries = ranges
            .iter()
            .map(|&(a, b)| scan_partition(RangeInput::slice(LOG, a..b), &IngestOptions::default()).map(|s: PartitionScan| s.summary()))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let source = ClusterSource::new("https://logs.example/events.ndjson", S3Options::default()).unwrap();
        Events::new(EventsSpec { split: Split { source, size: LOG.len() as u64, ranges }, summaries }).unwrap()
    }

    /// What a scan reads, as the codec sees it: its table's kind, its partitions' ranges, its limit.
    fn shape(plan: &Arc<dyn ExecutionPlan>) -> String {
        let (source, config) = glint_scan(plan).expect("a Glint scan");
        let groups: Vec<Vec<(i64, i64)>> = config
            .file_groups
            .iter()
            .map(|g| g.files().iter().map(|f| f.range.as_ref().map(|r| (r.start, r.end)).unwrap()).collect())
            .collect();
        format!("{} {groups:?} limit {:?} schema {}", source.file_type(), config.limit, plan.schema().fields().len())
    }

    /// A scan narrowed to a task's ranges, and a cell result held in memory,
    /// read back as they were written.
    #[test]
    fn scans_and_in_memory_tables_travel_whole() {
        let codec = GlintPhysicalCodec::default();
        let ctx = TaskContext::default();
        let events = events();
        let cases: Vec<(Arc<dyn ExecutionPlan>, &str)> = vec![
            (Scan::Events(events.clone()).exec(None, None), "glint_events [[(0, 33)], [(33, 66)], [(66, 100)]] limit None schema 6"),
            (Scan::Events(events.clone()).exec(Some(&[vec![(66, 100)]]), Some(2)), "glint_events [[(66, 100)]] limit Some(2) schema 6"),
            (Scan::Ranges(Arc::new(events.spec.split.clone())).exec(Some(&[]), None), "glint_ranges [] limit None schema 2"),
        ];
        for (plan, expected) in cases {
            assert_eq!(shape(&plan), expected);
            let mut buf = Vec::new();
            codec.try_encode(plan, &mut buf, &DefaultPhysicalProtoConverter {}).unwrap();
            assert!(buf.starts_with(MAGIC));
            let back = codec.try_decode(&buf, &[], &ctx, &DefaultPhysicalProtoConverter {}).unwrap();
            assert_eq!(shape(&back), expected);
        }

        let logical = GlintLogicalCodec::default();
        let batch = arrow::record_batch::RecordBatch::try_from_iter(vec![(
            "n",
            Arc::new(arrow::array::Int64Array::from(vec![1, 2, 3])) as arrow::array::ArrayRef,
        )])
        .unwrap();
        let table = Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch.clone()]]).unwrap());
        let mut buf = Vec::new();
        logical.try_encode_table_provider(&TableReference::bare("orders"), table, &mut buf).unwrap();
        let back = logical.try_decode_table_provider(&buf, &TableReference::bare("orders"), batch.schema(), &ctx).unwrap();
        let any: &dyn std::any::Any = back.as_ref();
        let back = any.downcast_ref::<MemTable>().expect("a MemTable");
        let rows: Vec<_> = back.batches.iter().flat_map(|p| p.try_read().unwrap().clone()).collect();
        assert_eq!(rows, vec![batch]);
    }
}
