//! The engine worker: one dataset and one [`Session`] per worker, driven by
//! [`ToWorker`] requests; every request gets exactly one final reply
//! (`Loaded`, `QueryResult` or `Error`) carrying its id.

use std::cell::RefCell;
use std::rc::Rc;

use glint_engine::ingest::{IngestOptions, ingest};
use glint_engine::session::{Session, SessionOptions};
use glint_engine::table::to_table_data;
use glint_protocol::{DatasetSummary, Envelope, FromWorker, ToWorker};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Rows of a result sent for display (the full count is always reported).
pub const MAX_DISPLAY_ROWS: usize = 10_000;

#[derive(Default)]
struct State {
    session: Option<Rc<Session>>,
}

/// Installs the message handler and tells the app the worker is ready.
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(State::default()));
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let text = ev.data().as_string().unwrap_or_default();
        let state = state.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match Envelope::<ToWorker>::decode(&text) {
                Ok(req) => handle(state, req).await,
                Err(message) => post(0, FromWorker::Error { kind: "protocol".into(), message }),
            }
        });
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    post(0, FromWorker::Ready);
}

fn post(id: u64, body: FromWorker) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let text = serde_json::to_string(&Envelope::new(id, body)).expect("protocol types serialize");
    // Posting a string to our own parent cannot fail while the worker lives.
    let _ = scope.post_message(&JsValue::from_str(&text));
}

fn now_ms() -> f64 {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    scope.performance().map(|p| p.now()).unwrap_or_default()
}

async fn handle(state: Rc<RefCell<State>>, req: Envelope<ToWorker>) {
    let id = req.id;
    let reply = match req.body {
        ToWorker::LoadUrl { url } => load(&state, id, &url).await,
        ToWorker::Query { sql } => query(&state, &sql).await,
    };
    post(id, reply);
}

async fn load(state: &Rc<RefCell<State>>, id: u64, url: &str) -> FromWorker {
    let bytes = match crate::fetch::fetch_bytes(url, |bytes, total| {
        post(id, FromWorker::Progress { stage: "download".into(), bytes, total_bytes: total, rows: 0 })
    })
    .await
    {
        Ok(b) => b,
        Err(message) => return FromWorker::Error { kind: "source".into(), message },
    };
    post(id, FromWorker::Progress { stage: "parse".into(), bytes: bytes.len() as u64, total_bytes: Some(bytes.len() as u64), rows: 0 });
    let parse_started = now_ms();
    let dataset = match ingest(&bytes, 1, &IngestOptions::default()) {
        Ok(d) => d,
        Err(e) => return FromWorker::Error { kind: e.kind.as_str().into(), message: e.message },
    };
    let session = match Session::new(&dataset, &SessionOptions { target_partitions: 1 }) {
        Ok(s) => s,
        Err(e) => return FromWorker::Error { kind: e.kind.as_str().into(), message: e.message },
    };
    let summary = DatasetSummary {
        source: url.to_string(),
        bytes: dataset.bytes,
        partitions: dataset.partitions.len(),
        ingest_ms: now_ms() - parse_started,
        report: dataset.report.clone(),
        schema: dataset.fields.clone(),
    };
    state.borrow_mut().session = Some(Rc::new(session));
    FromWorker::Loaded { summary }
}

async fn query(state: &Rc<RefCell<State>>, sql: &str) -> FromWorker {
    let Some(session) = state.borrow().session.clone() else {
        return FromWorker::Error { kind: "no_data".into(), message: "no dataset is loaded yet".into() };
    };
    let started = now_ms();
    let out = match session.sql(sql).await {
        Ok(o) => o,
        Err(e) => return FromWorker::Error { kind: e.kind.as_str().into(), message: e.message },
    };
    let elapsed_ms = now_ms() - started;
    match to_table_data(&out, MAX_DISPLAY_ROWS) {
        Ok(table) => FromWorker::QueryResult { table, elapsed_ms },
        Err(e) => FromWorker::Error { kind: e.kind.as_str().into(), message: e.message },
    }
}
