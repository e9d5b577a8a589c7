//! The engine worker as seen from the main thread: spawn it, wait for its
//! `Ready`, send requests and get their progress and replies by request id.
//!
//! This is thin browser glue over [`Dispatcher`], which holds all the
//! bookkeeping (and its tests). The worker is a classic `Worker` running
//! Trunk's loader shim for the `engine-wasm` `worker` bin; every message in
//! either direction is the JSON text of a `glint_protocol::Envelope`.

use std::cell::RefCell;
use std::rc::Rc;

use glint_protocol::{FromWorker, ToWorker};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use crate::dispatch::{Delivery, Dispatcher, Progress, Reply, RequestError, SendAction};

/// Where Trunk puts the engine worker's loader, next to `index.html`.
pub const WORKER_URL: &str = "./worker_loader.js";

/// Called with each progress report of one request.
pub type ProgressFn = Rc<dyn Fn(Progress)>;
/// Called once with a request's final reply.
pub type DoneFn = Box<dyn FnOnce(Reply)>;

type SharedDispatcher = Rc<RefCell<Dispatcher<ProgressFn, DoneFn>>>;

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
        let on_event: Rc<dyn Fn(WorkerEvent)> = Rc::new(on_event);

        let on_message = {
            let worker = worker.clone();
            let dispatch = dispatch.clone();
            let on_event = on_event.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    on_event(WorkerEvent::Invalid(
                        "the worker sent a message that is not text".into(),
                    ));
                    return;
                };
                // The borrow ends before any handler runs: handlers may send.
                let delivery = dispatch.borrow_mut().receive(&text);
                match delivery {
                    Delivery::Ready { flush } => {
                        for (id, message) in flush {
                            post(&worker, &dispatch, id, &message);
                        }
                        on_event(WorkerEvent::Ready);
                    }
                    Delivery::Progress { handler, progress } => handler(progress),
                    Delivery::Done { handler, reply } => handler(reply),
                    Delivery::Stray { id, body } => on_event(WorkerEvent::Stray { id, body }),
                    Delivery::Invalid { reason } => on_event(WorkerEvent::Invalid(reason)),
                }
            })
        };

        let on_error = {
            let worker = worker.clone();
            let dispatch = dispatch.clone();
            Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                let message = describe_error(&event);
                worker.terminate();
                let failed = dispatch.borrow_mut().fail_all(&message);
                for (handler, error) in failed {
                    handler(Err(error));
                }
                on_event(WorkerEvent::Failed(message));
            })
        };

        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(EngineWorker {
            worker,
            dispatch,
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
        let (id, action) =
            self.dispatch
                .borrow_mut()
                .send(body, Rc::new(on_progress), Box::new(on_done));
        match action {
            SendAction::Post(message) => post(&self.worker, &self.dispatch, id, &message),
            SendAction::Queued => {}
            SendAction::Fail(handler, error) => handler(Err(error)),
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

/// Posts one message; if the browser refuses, that request fails.
fn post(worker: &Worker, dispatch: &SharedDispatcher, id: u64, message: &str) {
    if let Err(e) = worker.post_message(&message.into()) {
        let error = RequestError::new(
            "post",
            format!(
                "cannot send the request to the engine worker: {}",
                js_text(&e)
            ),
        );
        let failed = dispatch.borrow_mut().fail_one(id, error);
        if let Some((handler, error)) = failed {
            handler(Err(error));
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

/// Best-effort text of a thrown JS value.
fn js_text(value: &wasm_bindgen::JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
