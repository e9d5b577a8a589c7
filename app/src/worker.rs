//! The engine worker as seen from the main thread: spawn it, wait for its
//! `Ready`, send requests and get their progress and replies by request id.
//!
//! This is thin browser glue over [`Dispatcher`], which holds all the
//! bookkeeping (and its tests). The worker is a classic `Worker` running
//! Trunk's loader shim for the `engine-wasm` `worker` bin; every message in
//! either direction is the JSON text of a `glint_protocol::Envelope`, or
//! `{text, attachment}` when it carries a `File` (to the worker) or an
//! `ArrayBuffer` (from it).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use glint_protocol::{ATTACHMENT_FIELD, FromWorker, TEXT_FIELD, ToWorker};
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen::closure::Closure;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use crate::browser::js_text;
use crate::dispatch::{Delivery, Dispatcher, Progress, Reply, RequestError, SendAction};

/// Where Trunk puts the engine worker's loader, next to `index.html`.
pub const WORKER_URL: &str = "./worker_loader.js";

/// Called with each progress report of one request.
pub type ProgressFn = Rc<dyn Fn(Progress)>;
/// Called once with a request's final reply and its attachment, if any.
pub type DoneFn = Box<dyn FnOnce(Reply, Option<JsValue>)>;

type SharedDispatcher = Rc<RefCell<Dispatcher<ProgressFn, DoneFn>>>;
/// Attachments of requests not posted yet, by request id.
type Outgoing = Rc<RefCell<HashMap<u64, JsValue>>>;

/// Things that happen to the worker itself rather than to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerEvent {
    /// The worker is up; queued requests have been posted.
    Ready,
    /// The worker failed (script not found, wasm trap, ...); every pending
    /// and later request fails with kind `worker_failed`.
    Failed(String),
    /// A message for no pending request, e.g. an error the worker could not
    /// attribute to a request.
    Stray { id: u64, body: FromWorker },
    /// A message that could not be decoded.
    Invalid(String),
}

/// A running engine worker. Dropping it terminates the worker.
pub struct EngineWorker {
    worker: Worker,
    dispatch: SharedDispatcher,
    outgoing: Outgoing,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl EngineWorker {
    /// Starts the worker script at `url`; `on_event` hears about readiness
    /// and failures (see [`WorkerEvent`]).
    pub fn spawn(url: &str, on_event: impl Fn(WorkerEvent) + 'static) -> Result<Self, String> {
        let worker = Worker::new(url)
            .map_err(|e| format!("cannot start the engine worker ({url}): {}", js_text(&e)))?;
        let dispatch: SharedDispatcher = Rc::new(RefCell::new(Dispatcher::new()));
        let outgoing: Outgoing = Rc::default();
        // The worker's last out-of-memory note, until its next reply (see
        // `glint_protocol::OUT_OF_MEMORY_NOTE`).
        let out_of_memory: Rc<Cell<Option<(u64, u64)>>> = Rc::default();
        let on_event: Rc<dyn Fn(WorkerEvent)> = Rc::new(on_event);

        let on_message = {
            let worker = worker.clone();
            let dispatch = dispatch.clone();
            let outgoing = outgoing.clone();
            let on_event = on_event.clone();
            let out_of_memory = out_of_memory.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some((text, attachment)) = split_message(&event.data()) else {
                    on_event(WorkerEvent::Invalid(
                        "the worker sent a message that is not text".into(),
                    ));
                    return;
                };
                if let Some(note) = glint_protocol::parse_out_of_memory(&text) {
                    out_of_memory.set(Some(note));
                    return;
                }
                // The borrow ends before any handler runs: handlers may send.
                let delivery = dispatch.borrow_mut().receive(&text);
                match delivery {
                    Delivery::Ready { flush } => {
                        for (id, message) in flush {
                            post(&worker, &dispatch, &outgoing, id, &message);
                        }
                        on_event(WorkerEvent::Ready);
                    }
                    Delivery::Progress { handler, progress } => handler(progress),
                    Delivery::Done { handler, reply } => {
                        // It replied after the note: it survived that failure.
                        out_of_memory.set(None);
                        handler(reply, attachment)
                    }
                    Delivery::Stray { id, body } => on_event(WorkerEvent::Stray { id, body }),
                    Delivery::Invalid { reason } => on_event(WorkerEvent::Invalid(reason)),
                }
            })
        };

        let on_error = {
            let worker = worker.clone();
            let dispatch = dispatch.clone();
            let stopped = Cell::new(false);
            Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                // Only the first error counts: a dying worker can report more
                // (after an out-of-memory abort, a poisoned task queue panics).
                if stopped.replace(true) {
                    return;
                }
                let message = match out_of_memory.take() {
                    Some((wanted, heap)) => format!(
                        "the engine worker stopped: {}. Ask for less (aggregate, filter or LIMIT the rows), or run the notebook on the server",
                        glint_protocol::out_of_memory_text(wanted, heap)
                    ),
                    None => describe_error(&event),
                };
                worker.terminate();
                let failed = dispatch.borrow_mut().fail_all(&message);
                for (handler, error) in failed {
                    handler(Err(error), None);
                }
                on_event(WorkerEvent::Failed(message));
            })
        };

        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(EngineWorker {
            worker,
            dispatch,
            outgoing,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Sends a request (queued until the worker is ready) and returns its id.
    /// `on_progress` runs for each progress report, `on_done` exactly once.
    pub fn request(
        &self,
        body: ToWorker,
        on_progress: impl Fn(Progress) + 'static,
        on_done: impl FnOnce(Reply) + 'static,
    ) -> u64 {
        self.request_with(body, None, on_progress, move |reply, _| on_done(reply))
    }

    /// [`Self::request`] with a `File` (or other value) attached, and the
    /// reply's attachment passed to `on_done`.
    pub fn request_with(
        &self,
        body: ToWorker,
        attachment: Option<JsValue>,
        on_progress: impl Fn(Progress) + 'static,
        on_done: impl FnOnce(Reply, Option<JsValue>) + 'static,
    ) -> u64 {
        let (id, action) =
            self.dispatch
                .borrow_mut()
                .send(body, Rc::new(on_progress), Box::new(on_done));
        if let Some(attachment) = attachment {
            self.outgoing.borrow_mut().insert(id, attachment);
        }
        match action {
            SendAction::Post(message) => {
                post(&self.worker, &self.dispatch, &self.outgoing, id, &message)
            }
            SendAction::Queued => {}
            SendAction::Fail(handler, error) => {
                self.outgoing.borrow_mut().remove(&id);
                handler(Err(error), None)
            }
        }
        id
    }
}

impl Drop for EngineWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// A message is JSON text, or `{text, attachment}`.
fn split_message(data: &JsValue) -> Option<(String, Option<JsValue>)> {
    if let Some(text) = data.as_string() {
        return Some((text, None));
    }
    let text = Reflect::get(data, &TEXT_FIELD.into()).ok()?.as_string()?;
    let attachment = Reflect::get(data, &ATTACHMENT_FIELD.into())
        .ok()
        .filter(|a| !a.is_undefined() && !a.is_null());
    Some((text, attachment))
}

/// Posts one message (with its attachment, if any); if the browser refuses,
/// that request fails.
fn post(worker: &Worker, dispatch: &SharedDispatcher, outgoing: &Outgoing, id: u64, message: &str) {
    let attachment = outgoing.borrow_mut().remove(&id);
    let data: JsValue = match attachment {
        None => message.into(),
        Some(attachment) => {
            let object = js_sys::Object::new();
            let _ = Reflect::set(&object, &TEXT_FIELD.into(), &message.into());
            let _ = Reflect::set(&object, &ATTACHMENT_FIELD.into(), &attachment);
            object.into()
        }
    };
    if let Err(e) = worker.post_message(&data) {
        let error = RequestError::new(
            "post",
            format!(
                "cannot send the request to the engine worker: {}",
                js_text(&e)
            ),
        );
        let failed = dispatch.borrow_mut().fail_one(id, error);
        if let Some((handler, error)) = failed {
            handler(Err(error), None);
        }
    }
}

/// A readable sentence for a worker `error` event. A script that fails to
/// load gives a bare `Event` with no message at all.
fn describe_error(event: &Event) -> String {
    match event.dyn_ref::<ErrorEvent>() {
        Some(error) if !error.message().is_empty() => {
            let place = if error.filename().is_empty() {
                String::new()
            } else {
                format!(" ({}:{})", error.filename(), error.lineno())
            };
            format!("the engine worker stopped: {}{place}", error.message())
        }
        _ => format!(
            "the engine worker could not be started (is {WORKER_URL} served next to index.html?)"
        ),
    }
}
