//! Partition workers: the engine worker the app talks to is the
//! *coordinator*; it starts N partition workers (nested dedicated workers
//! running the same wasm module, compiled once and handed over as a
//! `WebAssembly.Module`). Each partition worker reads its own byte range of
//! the input (a `Blob.slice` of the dropped file or an HTTP Range request:
//! the bytes never pass through the coordinator or the main thread), keeps
//! its Arrow batches, and runs its partition of every query's cuts
//! ([`glint_engine::distributed`]).
//!
//! ```text
//!  coordinator                                   partition worker i
//!   ScanFile/ScanUrl/ScanBytes {range} ───────▶  read range → scan_partition → Scanned {summary}
//!   Finish {all summaries} ───────────────────▶  SchemaPlan → finish_partition → Finished {conflicts}
//!   Cuts {CutRequest} ────────────────────────▶  Session::execute_cuts → Cut (+ Arrow IPC buffer, transferred)
//! ```
//!
//! A worker that dies (out of memory, a crash) fails the pending request
//! with an error naming its partition; the coordinator then starts a new
//! worker for that partition, ingests its range again and retries once.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use glint_engine::distributed::{CutRequest, PartitionExecutor, WorkerOutputs};
use glint_engine::ingest::{IngestOptions, PartitionScan, RangeInput, ScanSummary, finish_partition, plan_schema, scan_partition};
use glint_engine::session::Session;
use glint_engine::{EngineError, ErrorKind};
use glint_protocol::{ATTACHMENT_FIELD, TEXT_FIELD, TypeConflict};
use js_sys::{Object, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, DedicatedWorkerGlobalScope, File, MessageEvent, Response, Url, Worker, WorkerGlobalScope};

use crate::source::js_text;
use crate::worker::split_message;

/// Where a partition worker reads its range.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum RangeSource {
    /// The `File` attached to the message.
    File,
    /// HTTP Range requests to `url`.
    Url { url: String },
    /// The bytes attached to the message: input positions `bytes_offset..`.
    Bytes { bytes_offset: u64 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ToPartition {
    /// Phase 1 of ingest for byte range `start..end` of an input of `size` bytes.
    Scan { index: usize, partitions: usize, start: u64, end: u64, size: u64, source: RangeSource },
    /// Phase 2, given every partition's summary (in partition order).
    Finish { summaries: Vec<ScanSummary> },
    /// This partition's part of a query.
    Cuts { request: CutRequest },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum FromPartition {
    Ready,
    /// `read_ms`: getting the range's bytes; `scan_ms`: phase 1.
    Scanned { summary: ScanSummary, read_ms: f64, scan_ms: f64 },
    /// `finish_ms`: phase 2 (Arrow batches).
    Finished { conflicts: Vec<(String, Vec<TypeConflict>)>, rows: u64, finish_ms: f64 },
    /// The encoded cuts come as the attachment.
    Cut,
    Error { kind: String, message: String },
}

#[derive(Debug, Serialize, Deserialize)]
struct Msg<T> {
    id: u64,
    body: T,
}

// ---------------------------------------------------------------- worker side

#[derive(Default)]
struct PartitionState {
    index: usize,
    partitions: usize,
    scan: Option<PartitionScan>,
    session: Option<Rc<Session>>,
}

/// Runs this worker as a partition worker (see the module docs).
pub fn start_partition() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(PartitionState::default()));
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let (text, attachment) = split_message(&ev.data());
        let state = state.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match serde_json::from_str::<Msg<ToPartition>>(&text) {
                Ok(msg) => {
                    let (reply, bytes) = match handle_partition(&state, msg.body, attachment).await {
                        Ok(r) => r,
                        Err(e) => (FromPartition::Error { kind: e.kind.as_str().into(), message: e.message }, None),
                    };
                    post(&js_sys::global().unchecked_into(), msg.id, &reply, bytes);
                }
                Err(e) => {
                    let reply = FromPartition::Error { kind: "internal".into(), message: format!("bad message: {e}") };
                    post(&js_sys::global().unchecked_into(), 0, &reply, None);
                }
            }
        });
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    post(&scope, 0, &FromPartition::Ready, None);
}

fn internal(message: impl Into<String>) -> EngineError {
    EngineError::new(ErrorKind::Internal, message)
}

async fn handle_partition(
    state: &Rc<RefCell<PartitionState>>,
    msg: ToPartition,
    attachment: Option<JsValue>,
) -> Result<(FromPartition, Option<Vec<u8>>), EngineError> {
    match msg {
        ToPartition::Scan { index, partitions, start, end, size, source } => {
            let started = now_ms();
            let (bytes, bytes_offset, at_eof) = read_range(&source, attachment, start, end, size)
                .await
                .map_err(|e| EngineError::new(ErrorKind::InvalidInput, format!("partition {index}: {e}")))?;
            let read_ms = now_ms() - started;
            let input = RangeInput { bytes: &bytes, bytes_offset, range: (start, end), at_eof };
            let scan = scan_partition(input, &IngestOptions::default())?;
            drop(bytes);
            let summary = scan.summary();
            let scan_ms = now_ms() - started - read_ms;
            let mut st = state.borrow_mut();
            st.index = index;
            st.partitions = partitions;
            st.scan = Some(scan);
            st.session = None;
            Ok((FromPartition::Scanned { summary, read_ms, scan_ms }, None))
        }
        ToPartition::Finish { summaries } => {
            let started = now_ms();
            let mut st = state.borrow_mut();
            let scan = st.scan.take().ok_or_else(|| internal("Finish before Scan"))?;
            let plan = plan_schema(&summaries, &IngestOptions::default())?;
            let finished = finish_partition(&scan, &plan, st.index, &IngestOptions::default())?;
            drop(scan);
            let rows = finished.batches.iter().map(|b| b.num_rows() as u64).sum();
            let session = Session::partition_worker(plan.schema.clone(), finished.batches, st.index, st.partitions)?;
            st.session = Some(Rc::new(session));
            Ok((FromPartition::Finished { conflicts: finished.conflict_examples, rows, finish_ms: now_ms() - started }, None))
        }
        ToPartition::Cuts { request } => {
            let session = state.borrow().session.clone().ok_or_else(|| internal("a query before the data was loaded"))?;
            let bytes = session.execute_cuts(&request).await?;
            Ok((FromPartition::Cut, Some(bytes)))
        }
    }
}

fn now_ms() -> f64 {
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    scope.performance().map(|p| p.now()).unwrap_or_default()
}

/// How much more to read, at a time, to finish the line that straddles a range's end.
const TAIL_STEP: u64 = 64 * 1024;

/// Reads what a range needs: from the byte before `start` (to see whether a
/// line starts at `start`) to the end of the line that straddles `end`.
async fn read_range(
    source: &RangeSource,
    attachment: Option<JsValue>,
    start: u64,
    end: u64,
    size: u64,
) -> Result<(Vec<u8>, u64, bool), String> {
    let from = start.saturating_sub(1);
    if let RangeSource::Bytes { bytes_offset } = source {
        let buffer = attachment.ok_or("the range's bytes are missing")?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        let at_eof = bytes_offset + bytes.len() as u64 >= size;
        return Ok((bytes, *bytes_offset, at_eof));
    }
    let file: Option<File> = match source {
        RangeSource::File => Some(attachment.and_then(|a| a.dyn_into::<File>().ok()).ok_or("the file is missing")?),
        _ => None,
    };
    let read = |a: u64, b: u64| {
        let file = file.clone();
        let source = source.clone();
        async move {
            match (&source, file) {
                (RangeSource::File, Some(file)) => slice_bytes(&file, a, b).await,
                (RangeSource::Url { url }, _) => fetch_range(url, a, b).await,
                _ => Err("no source".to_string()),
            }
        }
    };
    let mut bytes = read(from, end).await?;
    let mut reached = from + bytes.len() as u64;
    // The last line runs to the first newline at or after `end - 1`.
    let mut checked = end.saturating_sub(1).max(from);
    loop {
        let tail = &bytes[(checked - from) as usize..];
        if tail.contains(&b'\n') || reached >= size {
            break;
        }
        checked = reached;
        let more = read(reached, (reached + TAIL_STEP).min(size)).await?;
        if more.is_empty() {
            break;
        }
        reached += more.len() as u64;
        bytes.extend_from_slice(&more);
    }
    Ok((bytes, from, reached >= size))
}

pub async fn slice_bytes(file: &File, a: u64, b: u64) -> Result<Vec<u8>, String> {
    let part = file.slice_with_f64_and_f64(a as f64, b as f64).map_err(|e| js_text(&e))?;
    let buffer = JsFuture::from(part.array_buffer()).await.map_err(|e| format!("reading the file failed: {}", js_text(&e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Bytes `a..b` of `url` by an HTTP Range request (must be answered 206).
pub async fn fetch_range(url: &str, a: u64, b: u64) -> Result<Vec<u8>, String> {
    if b <= a {
        return Ok(Vec::new());
    }
    let headers = web_sys::Headers::new().map_err(|e| js_text(&e))?;
    headers.set("Range", &format!("bytes={a}-{}", b - 1)).map_err(|e| js_text(&e))?;
    let init = web_sys::RequestInit::new();
    init.set_headers(&headers);
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let resp = JsFuture::from(scope.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| format!("fetching bytes {a}-{} of {url} failed: {}", b - 1, js_text(&e)))?;
    let resp: Response = resp.dyn_into().map_err(|_| "fetch did not return a Response".to_string())?;
    if resp.status() != 206 {
        return Err(format!("{url} answered a Range request with HTTP {} instead of 206", resp.status()));
    }
    let buffer = JsFuture::from(resp.array_buffer().map_err(|e| js_text(&e))?).await.map_err(|e| js_text(&e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Posts `{text, attachment}`; `bytes` travel as a transferred buffer.
fn post<T: Serialize>(target: &JsValue, id: u64, body: &T, bytes: Option<Vec<u8>>) {
    let text = serde_json::to_string(&Msg { id, body }).expect("messages serialize");
    let msg = Object::new();
    let _ = Reflect::set(&msg, &TEXT_FIELD.into(), &JsValue::from_str(&text));
    let transfer = js_sys::Array::new();
    if let Some(bytes) = bytes {
        let array = Uint8Array::from(bytes.as_slice());
        let _ = Reflect::set(&msg, &ATTACHMENT_FIELD.into(), &array.buffer());
        transfer.push(&array.buffer());
    }
    post_raw(target, &msg, &transfer);
}

fn post_raw(target: &JsValue, msg: &JsValue, transfer: &js_sys::Array) {
    if let Some(worker) = target.dyn_ref::<Worker>() {
        let _ = worker.post_message_with_transfer(msg, transfer);
    } else if let Some(scope) = target.dyn_ref::<DedicatedWorkerGlobalScope>() {
        let _ = scope.post_message_with_transfer(msg, transfer);
    }
}

// ----------------------------------------------------------- coordinator side

type Reply = Result<(FromPartition, Option<JsValue>), EngineError>;

struct Slot {
    worker: Worker,
    /// Counts restarts of this partition's worker.
    generation: u64,
    // Kept alive with the worker.
    _handlers: (Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(web_sys::Event)>),
}

impl Slot {
    /// Terminates the worker; events it already queued find no handler
    /// (not the closures about to be dropped).
    fn stop(self) {
        self.worker.set_onmessage(None);
        // Errors it already queued are swallowed, not passed on to the app.
        // (A Rust closure, not `new Function`: the page's CSP has no 'unsafe-eval'.)
        let swallow = Closure::<dyn FnMut(web_sys::Event)>::new(|e: web_sys::Event| e.prevent_default());
        self.worker.set_onerror(Some(swallow.as_ref().unchecked_ref()));
        swallow.forget();
        self.worker.terminate();
    }
}

struct PoolInner {
    slots: RefCell<Vec<Option<Slot>>>,
    next_id: Cell<u64>,
    /// Per request id: the partition asked and where its reply goes.
    pending: RefCell<HashMap<u64, (usize, oneshot::Sender<Reply>)>>,
    ready: RefCell<HashMap<usize, oneshot::Sender<()>>>,
    /// Recoveries in progress (restart + reload), shared by every request that saw the worker die.
    recovering: RefCell<HashMap<usize, futures::future::Shared<futures::future::LocalBoxFuture<'static, Result<(), String>>>>>,
    /// Per partition: its last out-of-memory note (see `crate::heap`), until its next reply.
    out_of_memory: RefCell<HashMap<usize, (u64, u64)>>,
    script_url: String,
}

impl Drop for PoolInner {
    /// The last handle gone (a replaced dataset, a cancelled load): the
    /// workers and their memory go too.
    fn drop(&mut self) {
        for slot in self.slots.get_mut().iter_mut() {
            if let Some(slot) = slot.take() {
                slot.stop();
            }
        }
    }
}

/// The coordinator's partition workers.
#[derive(Clone)]
pub struct Pool(Rc<PoolInner>);

impl Pool {
    /// Starts `n` partition workers sharing this worker's compiled module.
    pub async fn start(n: usize) -> Result<Pool, String> {
        let script_url = partition_script_url()?;
        let pool = Pool(Rc::new(PoolInner {
            slots: RefCell::new((0..n).map(|_| None).collect()),
            next_id: Cell::new(1),
            pending: Default::default(),
            ready: Default::default(),
            recovering: Default::default(),
            out_of_memory: Default::default(),
            script_url,
        }));
        let mut waits = Vec::new();
        for i in 0..n {
            waits.push(pool.spawn(i)?);
        }
        for (i, w) in waits.into_iter().enumerate() {
            w.await.map_err(|_| format!("partition worker {i} did not start"))?;
        }
        Ok(pool)
    }

    pub fn len(&self) -> usize {
        self.0.slots.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// (Re)starts the worker of partition `i`; resolves when it is ready.
    fn spawn(&self, i: usize) -> Result<oneshot::Receiver<()>, String> {
        let worker = Worker::new(&self.0.script_url).map_err(|e| format!("cannot start a partition worker: {}", js_text(&e)))?;
        let (tx, rx) = oneshot::channel();
        self.0.ready.borrow_mut().insert(i, tx);
        let inner = Rc::downgrade(&self.0);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let Some(inner) = inner.upgrade() else { return };
            let (text, attachment) = split_message(&ev.data());
            if let Some(note) = glint_protocol::parse_out_of_memory(&text) {
                inner.out_of_memory.borrow_mut().insert(i, note);
                return;
            }
            inner.out_of_memory.borrow_mut().remove(&i);
            let msg: Msg<FromPartition> = match serde_json::from_str(&text) {
                Ok(m) => m,
                Err(_) => return,
            };
            if let FromPartition::Ready = msg.body {
                if let Some(tx) = inner.ready.borrow_mut().remove(&i) {
                    let _ = tx.send(());
                }
                return;
            }
            if let Some((_, tx)) = inner.pending.borrow_mut().remove(&msg.id) {
                let reply = match msg.body {
                    FromPartition::Error { kind, message } => {
                        Err(EngineError::new(ErrorKind::from_word(&kind).unwrap_or(ErrorKind::Internal), message))
                    }
                    body => Ok((body, attachment)),
                };
                let _ = tx.send(reply);
            }
        });
        let inner = Rc::downgrade(&self.0);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            // Handled here: it must not reach the app as the coordinator's own error.
            ev.prevent_default();
            ev.stop_propagation();
            let Some(inner) = inner.upgrade() else { return };
            let what = match inner.out_of_memory.borrow_mut().remove(&i) {
                Some((wanted, heap)) => glint_protocol::out_of_memory_text(wanted, heap),
                None => ev.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).unwrap_or_else(|| "it failed".into()),
            };
            let failed: Vec<u64> = inner.pending.borrow().iter().filter(|(_, (p, _))| *p == i).map(|(id, _)| *id).collect();
            for id in failed {
                if let Some((_, tx)) = inner.pending.borrow_mut().remove(&id) {
                    let _ = tx.send(Err(worker_died(i, &what)));
                }
            }
            inner.ready.borrow_mut().remove(&i);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        worker.post_message(&wasm_bindgen::module()).map_err(|e| js_text(&e))?;
        let generation = self.generation(i) + 1;
        let old = self.0.slots.borrow_mut()[i].replace(Slot { worker, generation, _handlers: (on_message, on_error) });
        if let Some(old) = old {
            old.stop();
        }
        Ok(rx)
    }

    /// Sends one request to partition `i`'s worker and waits for its reply.
    pub async fn ask(&self, i: usize, msg: &ToPartition, attachment: Option<&JsValue>) -> Reply {
        let id = self.0.next_id.get();
        self.0.next_id.set(id + 1);
        let (tx, rx) = oneshot::channel();
        self.0.pending.borrow_mut().insert(id, (i, tx));
        let text = serde_json::to_string(&Msg { id, body: msg }).expect("messages serialize");
        let m = Object::new();
        let _ = Reflect::set(&m, &TEXT_FIELD.into(), &JsValue::from_str(&text));
        let transfer = js_sys::Array::new();
        if let Some(a) = attachment {
            let _ = Reflect::set(&m, &ATTACHMENT_FIELD.into(), a);
            if a.is_instance_of::<js_sys::ArrayBuffer>() {
                transfer.push(a);
            }
        }
        {
            let slots = self.0.slots.borrow();
            match slots.get(i).and_then(Option::as_ref) {
                Some(slot) => post_raw(&slot.worker, &m, &transfer),
                None => {
                    self.0.pending.borrow_mut().remove(&id);
                    return Err(worker_died(i, "it is not running"));
                }
            }
        }
        rx.await.unwrap_or_else(|_| Err(worker_died(i, "its reply was lost")))
    }

    /// Replaces partition `i`'s worker with a fresh one.
    pub async fn restart(&self, i: usize) -> Result<(), String> {
        let ready = self.spawn(i)?;
        ready.await.map_err(|_| format!("partition worker {i} did not restart"))
    }

    /// How many times partition `i`'s worker was started.
    pub fn generation(&self, i: usize) -> u64 {
        self.0.slots.borrow().get(i).and_then(Option::as_ref).map_or(0, |s| s.generation)
    }

    /// Brings partition `i` back after its worker (of generation `failed`)
    /// died: a new worker, its range ingested again (`reload`). Requests that
    /// saw the same death share one recovery.
    pub async fn recover(&self, i: usize, failed: u64, reload: Reload) -> Result<(), EngineError> {
        let running = self.0.recovering.borrow().get(&i).cloned();
        let recovery = match running {
            Some(r) => r,
            None if self.generation(i) != failed => return Ok(()),
            None => {
                let pool = self.clone();
                let r = futures::FutureExt::shared(Box::pin(async move {
                    pool.restart(i).await?;
                    reload(i).await.map_err(|e| e.message)
                }) as futures::future::LocalBoxFuture<'static, Result<(), String>>);
                self.0.recovering.borrow_mut().insert(i, r.clone());
                r
            }
        };
        let outcome = recovery.await;
        self.0.recovering.borrow_mut().remove(&i);
        outcome.map_err(|e| EngineError::new(ErrorKind::Execution, format!("partition worker {i} could not be restarted: {e}")))
    }

    pub fn terminate(&self) {
        for slot in self.0.slots.borrow_mut().iter_mut() {
            if let Some(slot) = slot.take() {
                slot.stop();
            }
        }
        for (_, (i, tx)) in self.0.pending.borrow_mut().drain() {
            let _ = tx.send(Err(worker_died(i, "the dataset was replaced")));
        }
    }
}

pub fn worker_died(i: usize, what: &str) -> EngineError {
    let why = if what.contains("out of memory") { String::new() } else { "; it may have run out of memory".into() };
    EngineError::new(ErrorKind::Execution, format!("partition worker {i} stopped ({what}){why}"))
}

/// A `blob:` URL of the partition workers' bootstrap: it loads the
/// wasm-bindgen glue next to this worker's script, marks the role and
/// instantiates the module it is sent (already compiled: no second download
/// or compile).
fn partition_script_url() -> Result<String, String> {
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let here = scope.location().href();
    let glue = Url::new_with_base("worker.js", &here).map_err(|e| js_text(&e))?.href();
    let script = format!(
        "importScripts({glue:?});\nself.__glint_role = 'partition';\nself.onmessage = (e) => {{ self.onmessage = null; wasm_bindgen({{ module_or_path: e.data }}); }};\n"
    );
    let parts = js_sys::Array::of1(&JsValue::from_str(&script));
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| js_text(&e))?;
    Url::create_object_url_with_blob(&blob).map_err(|e| js_text(&e))
}

/// Whether this worker was started as a partition worker.
pub fn is_partition_worker() -> bool {
    Reflect::get(&js_sys::global(), &"__glint_role".into()).ok().and_then(|v| v.as_string()).as_deref() == Some("partition")
}

/// The pool as the engine's [`PartitionExecutor`]: a request goes to every
/// worker at once; a worker that died is restarted, re-ingests its range
/// (`reload`) and is asked again, once.
pub struct PoolExecutor {
    pub pool: Pool,
    pub reload: Reload,
}

/// Ingests partition `i` again in its (new) worker.
pub type Reload = Rc<dyn Fn(usize) -> futures::future::LocalBoxFuture<'static, Result<(), EngineError>>>;

// SAFETY: wasm32 without the atomics feature has exactly one thread; the
// engine's `Send + Sync` bounds cannot be exercised by another thread here.
unsafe impl Send for PoolExecutor {}
unsafe impl Sync for PoolExecutor {}

struct AssertSend<F>(F);
// SAFETY: as above (single-threaded wasm32).
unsafe impl<F> Send for AssertSend<F> {}
impl<F: std::future::Future> std::future::Future for AssertSend<F> {
    type Output = F::Output;
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<F::Output> {
        // SAFETY: structural pinning of the only field.
        unsafe { self.map_unchecked_mut(|s| &mut s.0) }.poll(cx)
    }
}

impl PartitionExecutor for PoolExecutor {
    fn execute(&self, request: CutRequest) -> futures::future::BoxFuture<'static, glint_engine::error::Result<WorkerOutputs>> {
        let pool = self.pool.clone();
        let reload = self.reload.clone();
        Box::pin(AssertSend(async move {
            let msg = ToPartition::Cuts { request };
            let asks = (0..pool.len()).map(|i| {
                let pool = pool.clone();
                let reload = reload.clone();
                let msg = msg.clone();
                async move {
                    let generation = pool.generation(i);
                    let mut reply = pool.ask(i, &msg, None).await;
                    if matches!(&reply, Err(e) if e.message.starts_with(&format!("partition worker {i} stopped"))) {
                        pool.recover(i, generation, reload).await?;
                        reply = pool.ask(i, &msg, None).await;
                    }
                    match reply? {
                        (FromPartition::Cut, Some(buffer)) => Ok(Uint8Array::new(&buffer).to_vec()),
                        _ => Err(internal(format!("partition worker {i} answered a query without its result"))),
                    }
                }
            });
            futures::future::try_join_all(asks).await
        }))
    }
}
