//! Native partitioned ingest: the engine's two phases run on one OS thread
//! per byte range (the server-side counterpart of the browser's workers).

use std::thread;

use glint_engine::error::Result;
use glint_engine::ingest::{
    Dataset, IngestOptions, PartitionScan, RangeInput, ScanSummary, assemble, finish_partition, plan_schema,
    scan_partition, split_ranges,
};

/// Ingests `bytes` in `partitions` ranges, in parallel.
pub fn ingest_parallel(bytes: &[u8], partitions: usize, opts: &IngestOptions) -> Result<Dataset> {
    let ranges = split_ranges(bytes.len() as u64, partitions);
    let scans: Vec<PartitionScan> = thread::scope(|s| {
        let handles: Vec<_> = ranges
            .into_iter()
            .map(|r| s.spawn(move || scan_partition(RangeInput::slice(bytes, r), opts)))
            .collect();
        handles.into_iter().map(|h| h.join().expect("ingest thread panicked")).collect::<Result<Vec<_>>>()
    })?;
    let summaries: Vec<ScanSummary> = scans.iter().map(PartitionScan::summary).collect();
    let plan = plan_schema(&summaries, opts)?;
    let finished = thread::scope(|s| {
        let handles: Vec<_> = scans
            .iter()
            .enumerate()
            .map(|(i, scan)| {
                let plan = &plan;
                s.spawn(move || finish_partition(scan, plan, i, opts))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("ingest thread panicked")).collect::<Result<Vec<_>>>()
    })?;
    Ok(assemble(&plan, &summaries, finished, opts))
}
