//! The properties Glint is fuzzed for, one function per fuzz target. Each
//! takes arbitrary bytes and panics only when a property fails:
//!
//! - [`ndjson_ingest`]: ingest never panics, and any split of the input into
//!   byte ranges (cut anywhere, read from the whole buffer or from a window as
//!   the browser and server drivers read it) gives the same schema, rows,
//!   columns and report as one range, or the same error.
//! - [`notebook_codec`]: parsing never panics; whatever parses writes back byte
//!   for byte, and stays parseable after edits.
//! - [`share_codec`]: decoding never panics; encode → decode is the identity.
//!
//! `cargo xtask fuzz` runs the targets under libFuzzer (`fuzz_targets/`);
//! `tests/corpus.rs` replays the kept corpora and crash cases on stable.

use std::ops::Range;

use arrow::compute::concat_batches;
use arrow::record_batch::RecordBatch;
use glint_engine::ingest::{
    Dataset, IngestOptions, ParseMode, PartitionScan, RangeInput, ScanSummary, assemble, finish_partition,
    ingest, plan_schema, scan_partition,
};
use glint_notebook::{ChartSpec, Notebook, ParamValue, Shared, markdown, parse_params, set_param, share, sql_references};

/// Input layout: `[flags][cuts × u16 LE][NDJSON…]`. `flags`: bits 0–2 the
/// number of cuts, bit 3 failfast, bit 4 windowed reads, bits 5–6 the batch
/// size (1, 2, 7 or the default rows), bit 7 one example per list.
pub fn ndjson_ingest(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let cuts = (flags & 7) as usize;
    if rest.len() < 2 * cuts {
        return;
    }
    let (cut_bytes, input) = rest.split_at(2 * cuts);
    let opts = IngestOptions {
        mode: if flags & 8 != 0 { ParseMode::FailFast } else { ParseMode::Permissive },
        batch_rows: [1, 2, 7, IngestOptions::default().batch_rows][(flags >> 5 & 3) as usize],
        max_examples: if flags & 128 != 0 { 1 } else { IngestOptions::default().max_examples },
    };
    let windowed = flags & 16 != 0;
    let len = input.len() as u64;
    let mut points: Vec<u64> =
        cut_bytes.chunks(2).map(|c| u64::from(u16::from_le_bytes([c[0], c[1]])) % (len + 1)).collect();
    points.sort_unstable();
    let mut ranges = Vec::new();
    let mut start = 0;
    for p in points.into_iter().chain([len]) {
        ranges.push(start..p);
        start = p;
    }

    let reference = outcome(ingest(input, 1, &opts));
    let split = outcome(ingest_ranges(input, &ranges, windowed, &opts));
    assert_eq!(split, reference, "ranges {ranges:?} (windowed: {windowed}) disagree with one range");
    let even = outcome(ingest(input, ranges.len(), &opts));
    assert_eq!(even, reference, "{} even ranges disagree with one range", ranges.len());
}

/// What an ingest produced, in a form two ingests can be compared by.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ingested { batch: RecordBatch, dataset: String },
    Failed(String),
}

fn outcome(result: glint_engine::error::Result<Dataset>) -> Outcome {
    match result {
        Ok(d) => {
            let batches: Vec<&RecordBatch> = d.partitions.iter().flatten().collect();
            let batch = concat_batches(&d.schema, batches).expect("partitions share the dataset's schema");
            assert_eq!(batch.num_rows() as u64, d.report.rows, "row count and report disagree");
            Outcome::Ingested { batch, dataset: format!("{:?} {:?} {}", d.report, d.fields, d.bytes) }
        }
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// The ingest's phases over the given ranges, each range reading either the
/// whole buffer or just its window: from the byte before the range to the end
/// of the line that straddles its end.
fn ingest_ranges(
    input: &[u8],
    ranges: &[Range<u64>],
    windowed: bool,
    opts: &IngestOptions,
) -> glint_engine::error::Result<Dataset> {
    let scans = ranges
        .iter()
        .map(|r| {
            let read = if windowed { window(input, r) } else { RangeInput::slice(input, r.clone()) };
            scan_partition(read, opts)
        })
        .collect::<glint_engine::error::Result<Vec<_>>>()?;
    let summaries: Vec<ScanSummary> = scans.iter().map(PartitionScan::summary).collect();
    let plan = plan_schema(&summaries, opts)?;
    let finished = scans
        .iter()
        .enumerate()
        .map(|(i, s)| finish_partition(s, &plan, i, opts))
        .collect::<glint_engine::error::Result<Vec<_>>>()?;
    Ok(assemble(&plan, &summaries, finished, opts))
}

fn window<'a>(input: &'a [u8], r: &Range<u64>) -> RangeInput<'a> {
    let from = r.start.saturating_sub(1) as usize;
    let to = if r.end == 0 {
        0
    } else {
        let last = r.end as usize - 1;
        input[last..].iter().position(|&b| b == b'\n').map_or(input.len(), |i| last + i + 1)
    };
    let to = to.max(from);
    RangeInput {
        bytes: &input[from..to],
        bytes_offset: from as u64,
        range: (r.start, r.end),
        at_eof: to == input.len(),
    }
}

/// Every notebook entry point on the input as text.
pub fn notebook_codec(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    if let Ok(mut nb) = Notebook::parse(text) {
        assert_eq!(nb.to_text(), text, "a parsed notebook does not write back byte for byte");
        let _ = nb.validate();
        let _ = nb.params();
        for i in 0..nb.len() {
            let _ = nb.dependants(i);
        }
        if nb.len() > 1 {
            match nb.move_cell(0, nb.len() - 1) {
                Ok(()) => {
                    let out = nb.to_text();
                    let again = Notebook::parse(&out).expect("an edited notebook parses");
                    assert_eq!(again.to_text(), out, "an edited notebook does not write back byte for byte");
                }
                // A refused move changes nothing.
                Err(_) => assert_eq!(nb.to_text(), text, "a refused move changed the notebook"),
            }
        }
    }
    let _ = parse_params(text);
    let _ = set_param(text, "a", &ParamValue::Int(1));
    let _ = ChartSpec::parse(text);
    let _ = sql_references(text);
    let _ = markdown::to_html(text);
}

/// The input decoded as a share link, and split into a notebook, a source and
/// parameters (at 0xFF bytes) that must survive encode → decode.
pub fn share_codec(data: &[u8]) {
    if let Ok(shared) = share::decode(&String::from_utf8_lossy(data)) {
        round_trip(&shared);
    }
    let mut parts = data.split(|&b| b == 0xFF).map(|p| String::from_utf8_lossy(p).into_owned());
    let notebook = parts.next().unwrap_or_default();
    let source = parts.next().filter(|s| !s.is_empty());
    let rest: Vec<String> = parts.collect();
    let params = rest.chunks(2).map(|kv| (kv[0].clone(), kv.get(1).cloned().unwrap_or_default())).collect();
    round_trip(&Shared { notebook, source, params });
}

fn round_trip(shared: &Shared) {
    if let Ok(fragment) = share::encode(shared) {
        let back = share::decode(&fragment).expect("an encoded link decodes");
        assert_eq!(&back, shared, "encode → decode changed the link");
    }
}
