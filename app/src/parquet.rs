//! Parquet download: an Arrow IPC file (a result exported by the engine
//! worker) becomes a Parquet file in the export worker.
//!
//! The export worker is a second, small wasm module (`export-wasm`, built by
//! Trunk as [`EXPORT_WORKER_URL`]); the engine worker cannot write Parquet
//! without a full DataFusion rebuild. It is started on the first
//! [`ipc_to_parquet`] call and kept; after it fails (script missing, a trap)
//! the next call starts a fresh one.
//!
//! Protocol (plain JS objects; the authority is `export_wasm::worker`):
//! `{ready: true}` once from the worker; then `{id, ipc: ArrayBuffer}` to it
//! and `{id, parquet: ArrayBuffer}` or `{id, error: string}` back. Buffers
//! are transferred both ways, never copied. Requests made before `ready` are
//! queued here (a worker drops messages that arrive before its handler).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::js_text;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

/// Where Trunk puts the export worker's loader (`data-bin="export"`), next
/// to `index.html`.
pub const EXPORT_WORKER_URL: &str = "./export_loader.js";

/// Converts an Arrow IPC file (an `ArrayBuffer`) to a Parquet file (an
/// `ArrayBuffer`) in the export worker.
///
/// The input buffer is transferred to the worker: afterwards it is detached
/// (length 0) here. Errors are sentences for the user: a conversion error
/// from the worker, or why the worker could not run.
pub async fn ipc_to_parquet(ipc: JsValue) -> Result<JsValue, String> {
    let ipc: ArrayBuffer = ipc
        .dyn_into()
        .map_err(|_| "Parquet export needs the result as an ArrayBuffer".to_string())?;
    let worker = export_worker()?;
    let promise = worker.request(ipc);
    JsFuture::from(promise).await.map_err(|e| js_text(&e))
}

/// The running export worker, started on first use (and again after a
/// failure).
fn export_worker() -> Result<Rc<ExportWorker>, String> {
    thread_local! {
        static WORKER: RefCell<Option<Rc<ExportWorker>>> = const { RefCell::new(None) };
    }
    WORKER.with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(worker) = slot.as_ref().filter(|w| w.state.borrow().failed.is_none()) {
            return Ok(worker.clone());
        }
        // A failed worker is dropped here, outside its own event handlers.
        *slot = None;
        let worker = Rc::new(ExportWorker::spawn(EXPORT_WORKER_URL)?);
        *slot = Some(worker.clone());
        Ok(worker)
    })
}

/// The settle functions of one request's promise.
struct Pending {
    resolve: Function,
    reject: Function,
}

#[derive(Default)]
struct State {
    ready: bool,
    /// Why the worker stopped; set once, then every request fails.
    failed: Option<String>,
    next_id: u32,
    /// Requests waiting for `ready`, in order.
    queued: Vec<(u32, ArrayBuffer)>,
    pending: HashMap<u32, Pending>,
}

type SharedState = Rc<RefCell<State>>;

struct ExportWorker {
    worker: Worker,
    state: SharedState,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl ExportWorker {
    fn spawn(url: &str) -> Result<Self, String> {
        let worker = Worker::new(url).map_err(|e| {
            format!(
                "cannot start the Parquet export worker ({url}): {}",
                js_text(&e)
            )
        })?;
        let state = SharedState::default();

        let on_message = {
            let worker = worker.clone();
            let state = state.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                on_message(&worker, &state, &event.data())
            })
        };
        let on_error = {
            let worker = worker.clone();
            let state = state.clone();
            Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                worker.terminate();
                fail_all(&state, describe_error(&event));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(ExportWorker {
            worker,
            state,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Sends (or queues) one conversion; the promise settles with its reply.
    fn request(&self, ipc: ArrayBuffer) -> Promise {
        let mut settle = None;
        let promise =
            Promise::new(&mut |resolve, reject| settle = Some(Pending { resolve, reject }));
        let Some(pending) = settle else {
            // The executor runs synchronously inside `new Promise`.
            return Promise::reject(&"the browser did not run the promise executor".into());
        };
        let mut state = self.state.borrow_mut();
        if let Some(reason) = &state.failed {
            let _ = pending
                .reject
                .call1(&JsValue::NULL, &JsValue::from_str(reason));
            return promise;
        }
        let id = state.next_id;
        state.next_id = state.next_id.wrapping_add(1);
        state.pending.insert(id, pending);
        if state.ready {
            drop(state);
            post(&self.worker, &self.state, id, &ipc);
        } else {
            state.queued.push((id, ipc));
        }
        promise
    }
}

impl Drop for ExportWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// Posts `{id, ipc}` with the buffer transferred; if the browser refuses,
/// that request fails.
fn post(worker: &Worker, state: &SharedState, id: u32, ipc: &ArrayBuffer) {
    let message = Object::new();
    let _ = Reflect::set(&message, &"id".into(), &JsValue::from(id));
    let _ = Reflect::set(&message, &"ipc".into(), ipc);
    if let Err(e) = worker.post_message_with_transfer(&message, &Array::of1(ipc)) {
        let pending = state.borrow_mut().pending.remove(&id);
        if let Some(pending) = pending {
            let reason = format!(
                "cannot send the result to the Parquet export worker: {}",
                js_text(&e)
            );
            let _ = pending
                .reject
                .call1(&JsValue::NULL, &JsValue::from_str(&reason));
        }
    }
}

fn on_message(worker: &Worker, state: &SharedState, data: &JsValue) {
    if field(data, "ready").is_some_and(|r| r.is_truthy()) {
        let queued = {
            let mut state = state.borrow_mut();
            state.ready = true;
            std::mem::take(&mut state.queued)
        };
        for (id, ipc) in queued {
            post(worker, state, id, &ipc);
        }
        return;
    }
    // A message without an id answers no request (there are none such).
    let Some(id) = field(data, "id").and_then(|id| id.as_f64()) else {
        return;
    };
    // The borrow ends before the promise settles.
    let pending = state.borrow_mut().pending.remove(&(id as u32));
    let Some(pending) = pending else { return };
    if let Some(parquet) = field(data, "parquet").filter(|p| p.is_instance_of::<ArrayBuffer>()) {
        let _ = pending.resolve.call1(&JsValue::NULL, &parquet);
    } else {
        let reason = field(data, "error")
            .and_then(|e| e.as_string())
            .unwrap_or_else(|| {
                "the Parquet export worker sent a reply with neither parquet nor error".into()
            });
        let _ = pending
            .reject
            .call1(&JsValue::NULL, &JsValue::from_str(&reason));
    }
}

/// Every pending and queued request fails with `reason`; so do later ones
/// until a fresh worker is started.
fn fail_all(state: &SharedState, reason: String) {
    let pending: Vec<Pending> = {
        let mut state = state.borrow_mut();
        state.failed = Some(reason.clone());
        state.queued.clear();
        state.pending.drain().map(|(_, p)| p).collect()
    };
    let reason = JsValue::from_str(&reason);
    for p in pending {
        let _ = p.reject.call1(&JsValue::NULL, &reason);
    }
}

/// `data[key]`, if `data` is an object and the field is set.
fn field(data: &JsValue, key: &str) -> Option<JsValue> {
    if !data.is_object() {
        return None;
    }
    Reflect::get(data, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// A readable sentence for a worker `error` event: a trap in the worker
/// (e.g. a panic, or running out of memory on a huge result) carries a
/// message; a script that fails to load gives a bare `Event`.
fn describe_error(event: &Event) -> String {
    match event.dyn_ref::<ErrorEvent>() {
        Some(error) if !error.message().is_empty() => {
            format!("the Parquet export worker stopped: {}", error.message())
        }
        _ => format!(
            "the Parquet export worker could not be started (is {EXPORT_WORKER_URL} served next to index.html?)"
        ),
    }
}
