//! The engine worker: one dataset and one [`Session`] per worker, driven by
//! [`ToWorker`] requests; every request gets exactly one final reply carrying
//! its id (`Loaded`, `SqlResult`, `Rows`, `Exported`, `Dropped` or `Error`).
//!
//! Results of `RunSql` are kept by key (a notebook cell) so the app can page
//! through them and download them without re-running the query; a named
//! result is also a table for later queries.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use std::sync::Arc;

use glint_engine::EngineError;
use glint_engine::ingest::{IngestOptions, ScanSummary, merge_reports, plan_schema, split_ranges};
use glint_engine::session::{QueryOutput, Session};
use glint_engine::table::{page, to_arrow_ipc, to_csv};
use glint_protocol::{ATTACHMENT_FIELD, DatasetSummary, Envelope, ExportFormat, FromWorker, TEXT_FIELD, ToWorker};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use crate::partition::{FromPartition, Pool, PoolExecutor, RangeSource, ToPartition};
use crate::source::{MAX_BROWSER_BYTES, RawSource, content_length, file_bytes, open_get, raw_line, response_bytes};

/// Most rows one `RunSql`/`FetchRows` reply may carry.
pub const MAX_PAGE_ROWS: usize = 50_000;

struct Kept {
    output: QueryOutput,
    table: Option<String>,
}

#[derive(Default)]
struct State {
    session: Option<Rc<Session>>,
    /// Where the loaded log can be read again (raw lines).
    source: Option<Rc<RawSource>>,
    results: HashMap<String, Kept>,
    /// The partition workers holding the loaded log.
    pool: Option<Pool>,
    /// Requests still running, by id (for `Cancel`).
    running: HashMap<u64, futures::future::AbortHandle>,
}

/// Installs the message handler and tells the app the worker is ready.
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(State::default()));
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let (text, attachment) = split_message(&ev.data());
        let state = state.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match Envelope::<ToWorker>::decode(&text) {
                Ok(req) => {
                    let id = req.id;
                    let (abort, registration) = futures::future::AbortHandle::new_pair();
                    state.borrow_mut().running.insert(id, abort);
                    let run = futures::future::Abortable::new(handle(state.clone(), req, attachment), registration);
                    let outcome = run.await;
                    state.borrow_mut().running.remove(&id);
                    if outcome.is_err() {
                        post(id, plain_error("cancelled", "stopped at your request"));
                    }
                }
                Err(message) => post(0, FromWorker::Error { kind: "protocol".into(), message, hint: None }),
            }
        });
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    post(0, FromWorker::Ready);
}

/// A message is either JSON text or `{text, attachment}`.
pub(crate) fn split_message(data: &JsValue) -> (String, Option<JsValue>) {
    if let Some(text) = data.as_string() {
        return (text, None);
    }
    let text = Reflect::get(data, &TEXT_FIELD.into()).ok().and_then(|t| t.as_string()).unwrap_or_default();
    let attachment = Reflect::get(data, &ATTACHMENT_FIELD.into()).ok().filter(|a| !a.is_undefined() && !a.is_null());
    (text, attachment)
}

fn post(id: u64, body: FromWorker) {
    post_with(id, body, None);
}

/// Posts a reply; `bytes` travel as a transferred `ArrayBuffer`.
fn post_with(id: u64, body: FromWorker, bytes: Option<Vec<u8>>) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let text = serde_json::to_string(&Envelope::new(id, body)).expect("protocol types serialize");
    // Posting to our own parent cannot fail while the worker lives.
    match bytes {
        None => {
            let _ = scope.post_message(&JsValue::from_str(&text));
        }
        Some(bytes) => {
            let array = Uint8Array::from(bytes.as_slice());
            drop(bytes);
            let buffer = array.buffer();
            let msg = Object::new();
            let _ = Reflect::set(&msg, &TEXT_FIELD.into(), &JsValue::from_str(&text));
            let _ = Reflect::set(&msg, &ATTACHMENT_FIELD.into(), &buffer);
            let _ = scope.post_message_with_transfer(&msg, &js_sys::Array::of1(&buffer));
        }
    }
}

fn now_ms() -> f64 {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    scope.performance().map(|p| p.now()).unwrap_or_default()
}

fn error(e: EngineError) -> FromWorker {
    FromWorker::Error { kind: e.kind.as_str().into(), message: e.message, hint: e.hint }
}

fn plain_error(kind: &str, message: impl Into<String>) -> FromWorker {
    FromWorker::Error { kind: kind.into(), message: message.into(), hint: None }
}

async fn handle(state: Rc<RefCell<State>>, req: Envelope<ToWorker>, attachment: Option<JsValue>) {
    let id = req.id;
    match req.body {
        ToWorker::LoadUrl { url, workers } => {
            let reply = load(&state, id, &url, Input::Url(url.clone()), workers).await;
            post(id, reply);
        }
        ToWorker::LoadFile { name, workers, .. } => {
            let Some(file) = attachment.and_then(|a| a.dyn_into::<File>().ok()) else {
                return post(id, plain_error("protocol", "a LoadFile request came without its file"));
            };
            let reply = load(&state, id, &name, Input::File(file), workers).await;
            post(id, reply);
        }
        ToWorker::RunSql { key, table, sql, params, page_rows } => {
            let reply = run_cell(&state, "sql", key, table, &sql, &params, page_rows).await;
            post(id, reply);
        }
        ToWorker::RunAnalysis { kind, key, table, spec, page_rows } => {
            let reply = run_cell(&state, &kind, key, table, &spec, &[], page_rows).await;
            post(id, reply);
        }
        ToWorker::KeepResult { key, elapsed_ms, notes, alert, page_rows } => {
            let Some(buffer) = attachment else {
                return post(id, plain_error("protocol", "a KeepResult request came without its Arrow IPC stream"));
            };
            let bytes = Uint8Array::new(&buffer).to_vec();
            let reply = match glint_engine::table::from_arrow_ipc_stream(&bytes) {
                Ok(out) => {
                    // A result from elsewhere replaces this key's result and its table.
                    let session = state.borrow().session.clone();
                    if let (Some(Kept { table: Some(old), .. }), Some(session)) = (state.borrow_mut().results.remove(&key), &session) {
                        let _ = session.deregister_result(&old);
                    }
                    keep(&state, None, key, None, out, elapsed_ms, notes, alert, page_rows)
                }
                Err(e) => error(e),
            };
            post(id, reply);
        }
        ToWorker::FetchRows { key, offset, limit } => {
            let st = state.borrow();
            let reply = match st.results.get(&key) {
                None => plain_error("no_result", format!("no result is kept for `{key}`; run the cell again")),
                Some(kept) => match page(&kept.output, offset, limit.min(MAX_PAGE_ROWS)) {
                    Ok(table) => FromWorker::Rows { table },
                    Err(e) => error(e),
                },
            };
            post(id, reply);
        }
        ToWorker::Export { key, format } => {
            let bytes = {
                let st = state.borrow();
                match st.results.get(&key) {
                    None => Err(plain_error("no_result", format!("no result is kept for `{key}`; run the cell again"))),
                    Some(kept) => match format {
                        ExportFormat::Csv => to_csv(&kept.output.batches).map(String::into_bytes),
                        ExportFormat::ArrowIpc => to_arrow_ipc(&kept.output),
                    }
                    .map_err(error),
                }
            };
            match bytes {
                Ok(bytes) => post_with(id, FromWorker::Exported { format, bytes: bytes.len() as u64 }, Some(bytes)),
                Err(reply) => post(id, reply),
            }
        }
        ToWorker::Cancel { request } => {
            let target = state.borrow_mut().running.remove(&request);
            if let Some(abort) = &target {
                abort.abort();
            }
            post(id, FromWorker::Cancelled { found: target.is_some() });
        }
        ToWorker::Explore { request } => {
            let Some(session) = state.borrow().session.clone() else {
                return post(id, plain_error("no_data", "no dataset is loaded yet"));
            };
            let started = now_ms();
            let reply = match glint_engine::explore::run(&session, &request).await {
                Ok(result) => FromWorker::Explored { result, elapsed_ms: now_ms() - started },
                Err(e) => error(e),
            };
            post(id, reply);
        }
        ToWorker::RawLine { offset } => {
            let source = state.borrow().source.clone();
            let reply = match source {
                None => plain_error("no_data", "no dataset is loaded yet"),
                Some(source) => match raw_line(&source, offset).await {
                    Ok(text) => FromWorker::RawLine { text: Some(text), note: None },
                    Err(note) => FromWorker::RawLine { text: None, note: Some(note) },
                },
            };
            post(id, reply);
        }
        ToWorker::Drop { key } => {
            let mut st = state.borrow_mut();
            if let Some(Kept { table: Some(name), .. }) = st.results.remove(&key) {
                if let Some(session) = &st.session {
                    let _ = session.deregister_result(&name);
                }
            }
            post(id, FromWorker::Dropped);
        }
    }
}

enum Input {
    File(File),
    Url(String),
}

/// How the partition workers get their bytes.
enum Ranges {
    /// Each reads its own range from the source (file slice / HTTP Range).
    Direct { size: u64, source: RangeSource, file: Option<File> },
    /// The coordinator read (and gunzipped) everything; each gets a copy of its range.
    Copied { bytes: Rc<Vec<u8>> },
    /// A download without Range support, split while it arrives
    /// ([`crate::stream_split`]): partition i's piece comes through `pieces[i]`.
    Streamed {
        size: u64,
        response: RefCell<Option<web_sys::Response>>,
        pieces: RefCell<Vec<Option<futures::channel::oneshot::Receiver<crate::stream_split::Piece>>>>,
    },
}

/// Input below this many bytes per partition worker is not split further.
const MIN_PARTITION_BYTES: u64 = 4 << 20;
/// Most partition workers one coordinator starts.
const MAX_WORKERS: usize = 16;

/// Loads a log into partition workers (see [`crate::partition`]) and makes
/// the coordinator's session over them.
async fn load(state: &Rc<RefCell<State>>, id: u64, name: &str, input: Input, workers: Option<u32>) -> FromWorker {
    let started = now_ms();
    if let Some(old) = state.borrow_mut().pool.take() {
        old.terminate();
    }
    {
        let mut st = state.borrow_mut();
        st.session = None;
        st.results.clear();
    }
    let progress = |stage: &str, bytes, total| post(id, FromWorker::Progress { stage: stage.into(), bytes, total_bytes: total, rows: 0 });
    let (ranges, raw) = match prepare(&input, &mut |s, b, t| progress(s, b, t)).await {
        Ok(r) => r,
        Err(message) => return plain_error("source", message),
    };
    let size = match &ranges {
        Ranges::Direct { size, .. } => *size,
        Ranges::Copied { bytes } => bytes.len() as u64,
        Ranges::Streamed { size, .. } => *size,
    };
    let wanted = workers.map(|w| w as usize).unwrap_or_else(hardware_concurrency).clamp(1, MAX_WORKERS);
    let n = wanted.min(size.div_ceil(MIN_PARTITION_BYTES).max(1) as usize);
    let limit = MAX_BROWSER_BYTES * n as u64;
    if size > limit {
        return plain_error(
            "source",
            format!(
                "{name} is {:.1} GiB; {n} browser workers take up to {} GiB. Run it natively instead: `worker-server query LOG --sql \"…\"`",
                size as f64 / (1u64 << 30) as f64,
                limit >> 30
            ),
        );
    }
    let parts = split_ranges(size, n);
    let pool = match Pool::start(parts.len()).await {
        Ok(p) => p,
        Err(message) => return plain_error("internal", message),
    };
    progress(&format!("parse: {} workers", parts.len()), 0, Some(size));
    let scan_started = now_ms();
    let ranges = Rc::new(ranges);
    let parts = Rc::new(parts);
    // Phase 1 in every worker at once; progress as each finishes its range.
    let done = Rc::new(std::cell::Cell::new((0u64, 0u64, 0usize)));
    let scans = (0..parts.len()).map(|i| {
        let (pool, ranges, parts, done) = (pool.clone(), ranges.clone(), parts.clone(), done.clone());
        async move {
            let summary = scan(&pool, &ranges, &parts, i).await?;
            let (bytes, rows, workers) = done.get();
            let now = (bytes + summary.bytes, rows + summary.rows, workers + 1);
            done.set(now);
            let stage = format!("parse: {} of {} workers done", now.2, parts.len());
            post(id, FromWorker::Progress { stage, bytes: now.0, total_bytes: Some(size), rows: now.1 });
            Ok::<_, EngineError>(summary)
        }
    });
    // A download without ranges is split while it arrives, beside the scans.
    let download = async {
        let Ranges::Streamed { response, pieces, size } = &*ranges else { return Ok(()) };
        let Some(response) = response.borrow_mut().take() else { return Ok(()) };
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..parts.len()).map(|_| futures::channel::oneshot::channel()).unzip();
        *pieces.borrow_mut() = receivers.into_iter().map(Some).collect();
        let senders = senders.into_iter().map(Some).collect();
        let total = *size;
        crate::stream_split::split_download(response, parts.to_vec(), total, senders, &mut |bytes| {
            post(id, FromWorker::Progress { stage: "download".into(), bytes, total_bytes: Some(total), rows: 0 })
        })
        .await
    };
    let (downloaded, scanned) = futures::join!(download, futures::future::try_join_all(scans));
    if let Err(message) = downloaded {
        pool.terminate();
        return plain_error("source", message);
    }
    let summaries: Vec<ScanSummary> = match scanned {
        Ok(s) => s,
        Err(e) => {
            pool.terminate();
            return error(e);
        }
    };
    let scanned_at = now_ms();
    let plan = match plan_schema(&summaries, &IngestOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            pool.terminate();
            return error(e);
        }
    };
    let summaries = Rc::new(summaries);
    let finishes = (0..parts.len()).map(|i| finish(&pool, &summaries, i));
    let finished = match futures::future::try_join_all(finishes).await {
        Ok(f) => f,
        Err(e) => {
            pool.terminate();
            return error(e);
        }
    };
    log(&format!(
        "glint: {size} bytes over {} partition workers: ready to scan after {:.0} ms, scanned after {:.0} ms, batches built after {:.0} ms",
        parts.len(),
        scan_started - started,
        scanned_at - started,
        now_ms() - started
    ));
    let report = merge_reports(&plan, &summaries[..], finished.iter(), &IngestOptions::default());
    let fields = plan.field_infos();
    let reload = {
        let (pool, ranges, parts, summaries) = (pool.clone(), ranges.clone(), parts.clone(), summaries.clone());
        Rc::new(move |i: usize| {
            let (pool, ranges, parts, summaries) = (pool.clone(), ranges.clone(), parts.clone(), summaries.clone());
            Box::pin(async move {
                scan(&pool, &ranges, &parts, i).await?;
                finish(&pool, &summaries, i).await.map(|_| ())
            }) as futures::future::LocalBoxFuture<'static, Result<(), EngineError>>
        })
    };
    let executor = Arc::new(PoolExecutor { pool: pool.clone(), reload });
    let session = match Session::coordinator(plan.schema.clone(), report.clone(), fields.clone(), parts.len(), executor) {
        Ok(s) => s,
        Err(e) => {
            pool.terminate();
            return error(e);
        }
    };
    let summary = DatasetSummary {
        source: name.to_string(),
        bytes: size,
        partitions: parts.len(),
        ingest_ms: now_ms() - started,
        report,
        schema: fields,
    };
    let mut st = state.borrow_mut();
    st.session = Some(Rc::new(session));
    st.source = Some(Rc::new(raw));
    st.pool = Some(pool);
    FromWorker::Loaded { summary }
}

/// Phase 1 of partition `i` in its worker.
async fn scan(pool: &Pool, ranges: &Ranges, parts: &[std::ops::Range<u64>], i: usize) -> Result<ScanSummary, EngineError> {
    let r = &parts[i];
    let (mut start, mut end) = (r.start, r.end);
    let (source, size, attachment) = match ranges {
        Ranges::Direct { size, source, file } => (source.clone(), *size, file.clone().map(JsValue::from)),
        Ranges::Streamed { pieces, .. } => {
            let receiver = pieces.borrow_mut().get_mut(i).and_then(Option::take);
            let gone = || {
                EngineError::new(
                    glint_engine::ErrorKind::Execution,
                    format!("partition {i} cannot be read again: its server does not answer Range requests; load the log again"),
                )
            };
            let piece = receiver.ok_or_else(gone)?.await.map_err(|_| gone())?;
            (start, end) = (piece.start, piece.end);
            let copy = Uint8Array::from(piece.bytes.as_slice());
            (RangeSource::Bytes { bytes_offset: piece.bytes_offset }, piece.size, Some(copy.buffer().into()))
        }
        Ranges::Copied { bytes } => {
            let from = r.start.saturating_sub(1) as usize;
            let end = r.end as usize;
            let to = match bytes[end.saturating_sub(1).max(from)..].iter().position(|&b| b == b'\n') {
                Some(p) => end.saturating_sub(1).max(from) + p + 1,
                None => bytes.len(),
            };
            let copy = Uint8Array::from(&bytes[from..to]);
            (RangeSource::Bytes { bytes_offset: from as u64 }, bytes.len() as u64, Some(copy.buffer().into()))
        }
    };
    let msg = ToPartition::Scan { index: i, partitions: parts.len(), start, end, size, source };
    match pool.ask(i, &msg, attachment.as_ref()).await? {
        (FromPartition::Scanned { summary, read_ms, scan_ms }, _) => {
            log(&format!(
                "glint: partition {i}: {} bytes read in {read_ms:.0} ms, scanned ({} rows) in {scan_ms:.0} ms",
                summary.bytes, summary.rows
            ));
            Ok(summary)
        }
        _ => Err(EngineError::new(glint_engine::ErrorKind::Internal, format!("partition worker {i} answered Scan wrongly"))),
    }
}

/// Phase 2 of partition `i`: its conflict examples.
async fn finish(
    pool: &Pool,
    summaries: &Rc<Vec<ScanSummary>>,
    i: usize,
) -> Result<Vec<(String, Vec<glint_protocol::TypeConflict>)>, EngineError> {
    match pool.ask(i, &ToPartition::Finish { summaries: summaries.to_vec() }, None).await? {
        (FromPartition::Finished { conflicts, finish_ms, .. }, _) => {
            log(&format!("glint: partition {i}: Arrow batches built in {finish_ms:.0} ms"));
            Ok(conflicts)
        }
        _ => Err(EngineError::new(glint_engine::ErrorKind::Internal, format!("partition worker {i} answered Finish wrongly"))),
    }
}

/// Decides how the workers read the input: directly (a plain file, or a URL
/// whose server answers Range requests) or from a copy the coordinator read
/// (gzip, or a server without ranges).
async fn prepare(input: &Input, progress: &mut dyn FnMut(&str, u64, Option<u64>)) -> Result<(Ranges, RawSource), String> {
    match input {
        Input::File(file) => {
            let size = file.size() as u64;
            let head = crate::partition::slice_bytes(file, 0, 10.min(size)).await?;
            crate::source::refuse_compression(&head, &format!("`{}`", file.name()))?;
            if !is_gzip(&head) && !file.name().ends_with(".gz") {
                let ranges = Ranges::Direct { size, source: RangeSource::File, file: Some(file.clone()) };
                return Ok((ranges, RawSource::File(file.clone())));
            }
            let (bytes, gz) = file_bytes(file, progress).await?;
            let raw = if gz { RawSource::Compressed } else { RawSource::File(file.clone()) };
            Ok((Ranges::Copied { bytes: Rc::new(bytes) }, raw))
        }
        Input::Url(url) => {
            if let Some(size) = probe_ranges(url).await {
                // Partition workers run from a `blob:` URL: they need the absolute address.
                let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
                let absolute = web_sys::Url::new_with_base(url, &scope.location().href()).map(|u| u.href()).unwrap_or_else(|_| url.clone());
                let ranges = Ranges::Direct { size, source: RangeSource::Url { url: absolute }, file: None };
                return Ok((ranges, RawSource::Url(url.clone())));
            }
            let response = open_get(url).await?;
            let encoded = response.headers().get("content-encoding").ok().flatten().is_some_and(|e| e != "identity");
            match content_length(&response) {
                // The announced length is the body's: split it while it downloads.
                Some(size) if !encoded && !url.ends_with(".gz") => {
                    let streamed = Ranges::Streamed { size, response: RefCell::new(Some(response)), pieces: RefCell::new(Vec::new()) };
                    Ok((streamed, RawSource::Url(url.clone())))
                }
                _ => {
                    let (bytes, gz) = response_bytes(response, url, progress).await?;
                    let raw = if gz { RawSource::Compressed } else { RawSource::Url(url.clone()) };
                    Ok((Ranges::Copied { bytes: Rc::new(bytes) }, raw))
                }
            }
        }
    }
}

fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// The size of `url` when its server answers Range requests (a ranged GET
/// of the first ten bytes: 206 with a `Content-Range` total) and the log is
/// not compressed; `None` otherwise (then it is downloaded whole).
async fn probe_ranges(url: &str) -> Option<u64> {
    let headers = web_sys::Headers::new().ok()?;
    headers.set("Range", "bytes=0-9").ok()?;
    let init = web_sys::RequestInit::new();
    init.set_headers(&headers);
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let resp = wasm_bindgen_futures::JsFuture::from(scope.fetch_with_str_and_init(url, &init)).await.ok()?;
    let resp: web_sys::Response = resp.dyn_into().ok()?;
    if resp.status() != 206 {
        return None;
    }
    let range = resp.headers().get("content-range").ok().flatten()?;
    let total = range.rsplit('/').next()?.trim().parse::<u64>().ok()?;
    let body = wasm_bindgen_futures::JsFuture::from(resp.array_buffer().ok()?).await.ok()?;
    let head = Uint8Array::new(&body).to_vec();
    // Compressed logs are downloaded whole (gunzipped, or refused by name).
    if glint_engine::ingest::Compression::sniff(&head).is_some() { None } else { Some(total) }
}

/// A line in the browser's console (timings for whoever looks at devtools).
fn log(text: &str) {
    web_sys::console::log_1(&JsValue::from_str(text));
}

fn hardware_concurrency() -> usize {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    (scope.navigator().hardware_concurrency() as usize).max(1)
}

/// Runs one cell (`kind`: `sql` or an analysis word) and keeps its result.
async fn run_cell(
    state: &Rc<RefCell<State>>,
    kind: &str,
    key: String,
    table: Option<String>,
    body: &str,
    params: &[(String, serde_json::Value)],
    page_rows: usize,
) -> FromWorker {
    let Some(session) = state.borrow().session.clone() else {
        return plain_error("no_data", "no dataset is loaded yet");
    };
    let started = now_ms();
    match glint_engine::cell::run(&session, kind, body, params).await {
        Ok(out) => keep(state, Some(&session), key, table, out.table, now_ms() - started, out.notes, out.alert, page_rows),
        Err(e) => error(e),
    }
}

/// Keeps a result under `key` (and as table `table`), replying with its first page.
#[allow(clippy::too_many_arguments)]
fn keep(
    state: &Rc<RefCell<State>>,
    session: Option<&Session>,
    key: String,
    table: Option<String>,
    out: QueryOutput,
    elapsed_ms: f64,
    notes: Vec<String>,
    alert: Option<String>,
    page_rows: usize,
) -> FromWorker {
    let mut st = state.borrow_mut();
    // A renamed cell's old table goes away.
    if let (Some(Kept { table: Some(old), .. }), Some(session)) = (st.results.get(&key), session) {
        if Some(old) != table.as_ref() {
            let _ = session.deregister_result(old);
        }
    }
    if let (Some(name), Some(session)) = (&table, session) {
        if let Err(e) = session.register_result(name, &out) {
            return error(e);
        }
    }
    let reply = match page(&out, 0, page_rows.min(MAX_PAGE_ROWS)) {
        Ok(table) => FromWorker::SqlResult { table, elapsed_ms, notes, alert },
        Err(e) => error(e),
    };
    st.results.insert(key, Kept { output: out, table });
    reply
}
