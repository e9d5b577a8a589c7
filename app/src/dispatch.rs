//! Request/response bookkeeping for the engine worker, with no browser types.
//!
//! [`Dispatcher`] is the state machine behind [`crate::worker::EngineWorker`]:
//! it numbers requests, holds them back until the worker says
//! [`FromWorker::Ready`] (messages posted before the worker's wasm installed
//! its handler would be lost), and routes every incoming message to the
//! request it answers — progress to the request's progress handler, the final
//! reply to its completion handler. It returns what to do instead of doing
//! it, so it can be tested with plain `#[test]`s; the browser glue only posts
//! strings and calls handlers.
//!
//! The handler types are parameters: the app uses `Rc<dyn Fn>` / `Box<dyn
//! FnOnce>`, tests use plain values.

use std::collections::HashMap;

use glint_protocol::{Envelope, FromWorker, ToWorker};

/// Progress of a long request, as the worker reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub stage: String,
    pub bytes: u64,
    pub total_bytes: Option<u64>,
    pub rows: u64,
}

impl Progress {
    /// The state before the worker has reported anything.
    pub fn waiting(stage: &str) -> Self {
        Progress {
            stage: stage.to_owned(),
            bytes: 0,
            total_bytes: None,
            rows: 0,
        }
    }

    /// Fraction done in `0.0..=1.0`, when the total size is known.
    pub fn fraction(&self) -> Option<f64> {
        match self.total_bytes {
            Some(total) if total > 0 => Some((self.bytes as f64 / total as f64).clamp(0.0, 1.0)),
            _ => None,
        }
    }
}

/// Why a request failed: the worker's own `Error { kind, message }`, or one
/// made up here when the worker died or answered nonsense.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestError {
    /// A stable machine-readable word (`sql`, `fetch`, `worker_failed`, ...).
    pub kind: String,
    pub message: String,
    /// What was probably meant (closest column names, types to cast ...).
    pub hint: Option<String>,
}

impl RequestError {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        RequestError {
            kind: kind.to_owned(),
            message: message.into(),
            hint: None,
        }
    }
}

/// The final answer to a request: a `Loaded`, `SqlResult`, `Rows`, ... body, or an error.
pub type Reply = Result<FromWorker, RequestError>;

/// `kind` of the errors made up when the worker itself failed.
pub const WORKER_FAILED: &str = "worker_failed";

/// What to do with a request just handed to [`Dispatcher::send`].
#[derive(Debug)]
pub enum SendAction<D> {
    /// Post this message to the worker now.
    Post(String),
    /// Nothing yet: the message is queued until the worker is ready.
    Queued,
    /// The worker has failed: call the completion handler with this error.
    Fail(D, RequestError),
}

/// What to do with a message received from the worker.
#[derive(Debug)]
pub enum Delivery<P, D> {
    /// The worker became ready: post these queued `(id, message)`s in order.
    /// Empty if it was ready already.
    Ready { flush: Vec<(u64, String)> },
    /// Call a request's progress handler.
    Progress { handler: P, progress: Progress },
    /// Call a request's completion handler; the request is finished.
    Done { handler: D, reply: Reply },
    /// A well-formed message that answers no pending request (an error the
    /// worker could not attribute, or a late message).
    Stray { id: u64, body: FromWorker },
    /// A message that could not be decoded.
    Invalid { reason: String },
}

struct Pending<P, D> {
    on_progress: P,
    on_done: D,
}

/// Numbers requests and routes replies; see the module docs.
pub struct Dispatcher<P, D> {
    next_id: u64,
    ready: bool,
    failed: Option<RequestError>,
    queued: Vec<(u64, String)>,
    pending: HashMap<u64, Pending<P, D>>,
}

impl<P: Clone, D> Default for Dispatcher<P, D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Clone, D> Dispatcher<P, D> {
    pub fn new() -> Self {
        // Id 0 is the worker's own (`Ready`), so requests start at 1.
        Dispatcher {
            next_id: 1,
            ready: false,
            failed: None,
            queued: Vec::new(),
            pending: HashMap::new(),
        }
    }

    /// Whether the worker has said `Ready` (and has not failed since).
    pub fn is_ready(&self) -> bool {
        self.ready && self.failed.is_none()
    }

    /// Number of requests waiting for their final reply.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Registers a request and says whether to post it now.
    pub fn send(&mut self, body: ToWorker, on_progress: P, on_done: D) -> (u64, SendAction<D>) {
        let id = self.next_id;
        self.next_id += 1;
        if let Some(error) = &self.failed {
            return (id, SendAction::Fail(on_done, error.clone()));
        }
        let text = serde_json::to_string(&Envelope::new(id, body))
            .expect("protocol requests are plain strings and always serialize");
        self.pending.insert(
            id,
            Pending {
                on_progress,
                on_done,
            },
        );
        if self.ready {
            (id, SendAction::Post(text))
        } else {
            self.queued.push((id, text));
            (id, SendAction::Queued)
        }
    }

    /// Routes one message (the JSON text of an `Envelope<FromWorker>`).
    pub fn receive(&mut self, text: &str) -> Delivery<P, D> {
        let envelope = match Envelope::<FromWorker>::decode(text) {
            Ok(envelope) => envelope,
            Err(reason) => return Delivery::Invalid { reason },
        };
        let Envelope { id, body, .. } = envelope;
        match body {
            FromWorker::Ready => {
                if self.ready || self.failed.is_some() {
                    return Delivery::Ready { flush: Vec::new() };
                }
                self.ready = true;
                Delivery::Ready {
                    flush: std::mem::take(&mut self.queued),
                }
            }
            FromWorker::Progress {
                stage,
                bytes,
                total_bytes,
                rows,
            } => match self.pending.get(&id) {
                Some(pending) => Delivery::Progress {
                    handler: pending.on_progress.clone(),
                    progress: Progress {
                        stage,
                        bytes,
                        total_bytes,
                        rows,
                    },
                },
                None => Delivery::Stray {
                    id,
                    body: FromWorker::Progress {
                        stage,
                        bytes,
                        total_bytes,
                        rows,
                    },
                },
            },
            body => match self.pending.remove(&id) {
                Some(pending) => {
                    let reply = match body {
                        FromWorker::Error { kind, message, hint } => Err(RequestError { kind, message, hint }),
                        other => Ok(other),
                    };
                    Delivery::Done {
                        handler: pending.on_done,
                        reply,
                    }
                }
                None => Delivery::Stray { id, body },
            },
        }
    }

    /// Finishes one request with an error (e.g. posting its message failed).
    pub fn fail_one(&mut self, id: u64, error: RequestError) -> Option<(D, RequestError)> {
        self.queued.retain(|(queued, _)| *queued != id);
        self.pending
            .remove(&id)
            .map(|pending| (pending.on_done, error))
    }

    /// The worker died: every pending request fails, and so will later ones.
    /// Returns the completion handlers to call, in request order.
    pub fn fail_all(&mut self, message: &str) -> Vec<(D, RequestError)> {
        let error = RequestError::new(WORKER_FAILED, message);
        self.failed = Some(error.clone());
        self.queued.clear();
        let mut pending: Vec<_> = self.pending.drain().collect();
        pending.sort_by_key(|(id, _)| *id);
        pending
            .into_iter()
            .map(|(_, p)| (p.on_done, error.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_protocol::{PROTOCOL_VERSION, TableData};

    /// Handlers in tests are just labels.
    type TestDispatcher = Dispatcher<&'static str, &'static str>;

    fn from_worker(id: u64, body: FromWorker) -> String {
        serde_json::to_string(&Envelope::new(id, body)).unwrap()
    }

    fn query(sql: &str) -> ToWorker {
        ToWorker::RunSql {
            key: "cell1".into(),
            table: None,
            sql: sql.into(),
            params: Vec::new(),
            page_rows: 100,
        }
    }

    fn result() -> FromWorker {
        FromWorker::SqlResult {
            table: TableData::default(),
            elapsed_ms: 1.5,
            notes: Vec::new(),
            alert: None,
        }
    }

    #[test]
    fn requests_wait_for_ready_then_flush_in_order() {
        let mut d = TestDispatcher::new();
        let (a, action) = d.send(ToWorker::LoadUrl { url: "/x".into(), workers: None }, "p1", "d1");
        assert!(matches!(action, SendAction::Queued));
        let (b, _) = d.send(query("SELECT 1"), "p2", "d2");
        assert_eq!((a, b), (1, 2));
        assert!(!d.is_ready());

        let Delivery::Ready { flush } = d.receive(&from_worker(0, FromWorker::Ready)) else {
            panic!()
        };
        let ids: Vec<u64> = flush.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [1, 2]);
        let sent: Envelope<ToWorker> = Envelope::decode(&flush[1].1).unwrap();
        assert_eq!(sent, Envelope::new(2, query("SELECT 1")));

        // Later requests go out at once; a second Ready flushes nothing.
        assert!(matches!(
            d.send(query("SELECT 2"), "p3", "d3").1,
            SendAction::Post(_)
        ));
        let Delivery::Ready { flush } = d.receive(&from_worker(0, FromWorker::Ready)) else {
            panic!()
        };
        assert!(flush.is_empty());
    }

    #[test]
    fn progress_and_replies_reach_their_request() {
        let mut d = TestDispatcher::new();
        d.receive(&from_worker(0, FromWorker::Ready));
        d.send(query("a"), "pa", "da");
        d.send(query("b"), "pb", "db");

        let progress = FromWorker::Progress {
            stage: "fetch".into(),
            bytes: 10,
            total_bytes: Some(20),
            rows: 3,
        };
        match d.receive(&from_worker(2, progress)) {
            Delivery::Progress { handler, progress } => {
                assert_eq!(handler, "pb");
                assert_eq!(progress.fraction(), Some(0.5));
            }
            other => panic!("{other:?}"),
        }
        match d.receive(&from_worker(
            2,
            FromWorker::Error {
                kind: "sql".into(),
                message: "bad".into(),
                hint: None,
            },
        )) {
            Delivery::Done { handler, reply } => {
                assert_eq!(handler, "db");
                assert_eq!(reply, Err(RequestError::new("sql", "bad")));
            }
            other => panic!("{other:?}"),
        }
        match d.receive(&from_worker(1, result())) {
            Delivery::Done { handler, reply } => {
                assert_eq!(handler, "da");
                assert_eq!(reply, Ok(result()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.pending(), 0);
        // A second reply to a finished request is stray, not a crash.
        assert!(matches!(
            d.receive(&from_worker(1, result())),
            Delivery::Stray { id: 1, .. }
        ));
    }

    #[test]
    fn garbage_and_other_versions_are_invalid() {
        let mut d = TestDispatcher::new();
        assert!(matches!(d.receive("not json"), Delivery::Invalid { .. }));
        let future = format!(
            r#"{{"v":{},"id":0,"body":{{"type":"ready"}}}}"#,
            PROTOCOL_VERSION + 1
        );
        match d.receive(&future) {
            Delivery::Invalid { reason } => assert!(reason.contains("not supported"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert!(!d.is_ready());
    }

    #[test]
    fn a_failed_worker_fails_pending_and_later_requests() {
        let mut d = TestDispatcher::new();
        d.send(query("a"), "pa", "da");
        d.send(query("b"), "pb", "db");
        let failed = d.fail_all("worker script not found");
        let handlers: Vec<_> = failed.iter().map(|(h, _)| *h).collect();
        assert_eq!(handlers, ["da", "db"]);
        assert_eq!(failed[0].1.kind, WORKER_FAILED);

        match d.send(query("c"), "pc", "dc").1 {
            SendAction::Fail(handler, error) => {
                assert_eq!(handler, "dc");
                assert_eq!(error.message, "worker script not found");
            }
            other => panic!("{other:?}"),
        }
        // A late Ready does not revive it.
        let Delivery::Ready { flush } = d.receive(&from_worker(0, FromWorker::Ready)) else {
            panic!()
        };
        assert!(flush.is_empty());
        assert!(!d.is_ready());
    }

    #[test]
    fn fail_one_drops_a_queued_request() {
        let mut d = TestDispatcher::new();
        let (id, _) = d.send(query("a"), "pa", "da");
        let (handler, _) = d.fail_one(id, RequestError::new("post", "x")).unwrap();
        assert_eq!(handler, "da");
        let Delivery::Ready { flush } = d.receive(&from_worker(0, FromWorker::Ready)) else {
            panic!()
        };
        assert!(flush.is_empty());
    }
}
