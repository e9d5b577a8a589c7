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

use glint_engine::EngineError;
use glint_engine::ingest::{IngestOptions, ingest};
use glint_engine::session::{QueryOutput, Session, SessionOptions};
use glint_engine::table::{page, to_arrow_ipc, to_csv};
use glint_protocol::{ATTACHMENT_FIELD, DatasetSummary, Envelope, ExportFormat, FromWorker, TEXT_FIELD, ToWorker};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use crate::source::{RawSource, fetch_bytes, file_bytes, raw_line};

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
                Ok(req) => handle(state, req, attachment).await,
                Err(message) => post(0, FromWorker::Error { kind: "protocol".into(), message, hint: None }),
            }
        });
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    post(0, FromWorker::Ready);
}

/// A message is either JSON text or `{text, attachment}`.
fn split_message(data: &JsValue) -> (String, Option<JsValue>) {
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
        ToWorker::LoadUrl { url } => {
            let mut progress = |stage: &str, bytes, total| {
                post(id, FromWorker::Progress { stage: stage.into(), bytes, total_bytes: total, rows: 0 })
            };
            let bytes = fetch_bytes(&url, &mut progress).await;
            let raw = |gz: bool| if gz { RawSource::Compressed } else { RawSource::Url(url.clone()) };
            let bytes = bytes.map(|(b, gz)| (b, raw(gz)));
            post(id, load(&state, id, &url, bytes));
        }
        ToWorker::LoadFile { name, .. } => {
            let Some(file) = attachment.and_then(|a| a.dyn_into::<File>().ok()) else {
                return post(id, plain_error("protocol", "a LoadFile request came without its file"));
            };
            let mut progress = |stage: &str, bytes, total| {
                post(id, FromWorker::Progress { stage: stage.into(), bytes, total_bytes: total, rows: 0 })
            };
            let bytes = file_bytes(&file, &mut progress).await;
            let bytes = bytes.map(|(b, gz)| (b, if gz { RawSource::Compressed } else { RawSource::File(file.clone()) }));
            post(id, load(&state, id, &name, bytes));
        }
        ToWorker::RunSql { key, table, sql, params, page_rows } => {
            let reply = run_sql(&state, key, table, &sql, &params, page_rows).await;
            post(id, reply);
        }
        ToWorker::RunAnalysis { kind, key, table, spec, page_rows } => {
            let reply = match kind.as_str() {
                "ab" => run_ab(&state, key, table, &spec, page_rows).await,
                other => run_kpi(&state, other, key, table, &spec, page_rows).await,
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

fn load(state: &Rc<RefCell<State>>, id: u64, source: &str, bytes: Result<(Vec<u8>, RawSource), String>) -> FromWorker {
    let (bytes, raw) = match bytes {
        Ok(b) => b,
        Err(message) => return plain_error("source", message),
    };
    post(id, FromWorker::Progress { stage: "parse".into(), bytes: bytes.len() as u64, total_bytes: Some(bytes.len() as u64), rows: 0 });
    let parse_started = now_ms();
    let dataset = match ingest(&bytes, 1, &IngestOptions::default()) {
        Ok(d) => d,
        Err(e) => return error(e),
    };
    drop(bytes);
    let session = match Session::new(&dataset, &SessionOptions { target_partitions: 1 }) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    let summary = DatasetSummary {
        source: source.to_string(),
        bytes: dataset.bytes,
        partitions: dataset.partitions.len(),
        ingest_ms: now_ms() - parse_started,
        report: dataset.report.clone(),
        schema: dataset.fields.clone(),
    };
    let mut st = state.borrow_mut();
    st.session = Some(Rc::new(session));
    st.source = Some(Rc::new(raw));
    st.results.clear();
    FromWorker::Loaded { summary }
}

async fn run_sql(
    state: &Rc<RefCell<State>>,
    key: String,
    table: Option<String>,
    sql: &str,
    params: &[(String, serde_json::Value)],
    page_rows: usize,
) -> FromWorker {
    let Some(session) = state.borrow().session.clone() else {
        return plain_error("no_data", "no dataset is loaded yet");
    };
    let started = now_ms();
    match session.sql_with_params(sql, params).await {
        Ok(out) => keep(state, &session, key, table, out, now_ms() - started, Vec::new(), None, page_rows),
        Err(e) => error(e),
    }
}

async fn run_ab(state: &Rc<RefCell<State>>, key: String, table: Option<String>, spec: &str, page_rows: usize) -> FromWorker {
    let Some(session) = state.borrow().session.clone() else {
        return plain_error("no_data", "no dataset is loaded yet");
    };
    let started = now_ms();
    let spec = match glint_engine::ab::AbSpec::parse(spec) {
        Ok(spec) => spec,
        Err(e) => return error(e),
    };
    match glint_engine::ab::run(&session, &spec).await {
        Ok(report) => {
            let srm = &report.srm;
            let alert = srm.flagged.then(|| {
                let arms: Vec<String> = srm
                    .arms
                    .iter()
                    .zip(&srm.observed)
                    .zip(&srm.expected)
                    .map(|((arm, o), e)| format!("{arm} {o} (expected {e:.0})"))
                    .collect();
                format!(
                    "Sample ratio mismatch: {} units; p = {:.2e} < {}. The assignment or the logging is broken for some units: do not trust the lifts until this is explained.",
                    arms.join(", "),
                    srm.p_value,
                    srm.threshold
                )
            });
            keep(state, &session, key, table, report.table, now_ms() - started, report.warnings, alert, page_rows)
        }
        Err(e) => error(e),
    }
}

async fn run_kpi(
    state: &Rc<RefCell<State>>,
    kind: &str,
    key: String,
    table: Option<String>,
    spec: &str,
    page_rows: usize,
) -> FromWorker {
    let Some(kind) = glint_engine::kpi::KpiKind::from_word(kind) else {
        return plain_error("protocol", format!("`{kind}` is not an analysis this engine knows (ab, trend, funnel, retention)"));
    };
    let Some(session) = state.borrow().session.clone() else {
        return plain_error("no_data", "no dataset is loaded yet");
    };
    let started = now_ms();
    match glint_engine::kpi::run(&session, kind, spec).await {
        Ok(report) => keep(state, &session, key, table, report.table, now_ms() - started, report.notes, None, page_rows),
        Err(e) => error(e),
    }
}

/// Keeps a result under `key` (and as table `table`), replying with its first page.
#[allow(clippy::too_many_arguments)]
fn keep(
    state: &Rc<RefCell<State>>,
    session: &Session,
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
    if let Some(Kept { table: Some(old), .. }) = st.results.get(&key) {
        if Some(old) != table.as_ref() {
            let _ = session.deregister_result(old);
        }
    }
    if let Some(name) = &table {
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
