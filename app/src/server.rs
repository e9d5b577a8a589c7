//! "Run on server": the notebook's computing cells run as one job on the
//! worker server that served the app (`POST /api/jobs`, followed through its
//! server-sent events). Each cell's result arrives as an Arrow IPC stream and
//! is handed to the local engine worker (`KeepResult`), so tables, paging,
//! charts and exports work exactly as for results computed here.
//!
//! The runner still decides what runs and in what order ([`crate::run`]);
//! in server mode [`Ctx::pump`] asks [`cell`] instead of the engine worker
//! for SQL and analysis cells. A job covers the whole notebook text it was
//! submitted with; asking for a cell of a changed notebook submits a new job
//! (the server keeps the ingested log, so that is cheap).

use std::cell::RefCell;
use std::rc::Rc;

use glint_protocol::{FromWorker, ToWorker};
use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::ctx::{Ctx, Source};
use crate::dispatch::RequestError;
use crate::run::{CellRun, PAGE_ROWS, result_key};

/// The part of a job's status the app reads (see `worker-server/src/jobs.rs`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct JobStatus {
    pub id: String,
    pub state: String,
    pub stage: String,
    #[serde(default)]
    pub results: Vec<JobResult>,
    pub error: Option<JobError>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct JobResult {
    /// 1-based position of the cell in the notebook.
    pub position: usize,
    pub url: String,
    pub ms: f64,
    #[serde(default)]
    pub notes: Vec<String>,
    pub alert: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct JobError {
    pub kind: String,
    pub message: String,
    pub hint: Option<String>,
    pub position: Option<usize>,
}

/// What a waiting cell learns from a status.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Waiting,
    Ready(JobResult),
    Failed(RequestError),
}

/// The outcome for the cell at `position` (1-based) in `status`.
pub fn outcome(status: &JobStatus, position: usize) -> Outcome {
    if let Some(r) = status.results.iter().find(|r| r.position == position) {
        return Outcome::Ready(r.clone());
    }
    if matches!(status.state.as_str(), "queued" | "running") {
        return Outcome::Waiting;
    }
    match &status.error {
        Some(e) if e.position == Some(position) => {
            Outcome::Failed(RequestError { kind: e.kind.clone(), message: e.message.clone(), hint: e.hint.clone() })
        }
        Some(e) => Outcome::Failed(RequestError::new(
            "upstream",
            format!("not run: the server job stopped ({}: {})", e.kind, e.message),
        )),
        None => Outcome::Failed(RequestError::new("server", "the server job finished without this cell's result")),
    }
}

/// The job source for a dataset, or why it cannot run on the server.
pub fn job_source(source: &Source, origin: &str) -> Result<String, String> {
    match source {
        Source::Sample => Ok("sample".into()),
        Source::Url(url) if url == crate::state::SAMPLE_URL || *url == format!("{origin}{}", crate::state::SAMPLE_URL) => {
            Ok("sample".into())
        }
        Source::Url(url) if url.starts_with('/') => Ok(format!("{origin}{url}")),
        Source::Url(url) => Ok(url.clone()),
        Source::File(name) => Err(format!(
            "{name} is a file dropped into this browser; the server cannot read it. Run it here, or load it from a URL (or the server's data directory) to run on the server"
        )),
    }
}

type Done = Box<dyn FnOnce(Result<CellRun, RequestError>)>;

/// The job for the current notebook text, and the cells waiting on it.
struct Job {
    text: String,
    /// Cell ids by position at submit time.
    cells: Vec<u64>,
    status: Option<JobStatus>,
    waiters: Vec<(u64, Done)>,
    /// Set when the job could not be submitted or followed.
    broken: Option<RequestError>,
    events: Option<web_sys::EventSource>,
    _on_status: Option<Closure<dyn FnMut(web_sys::MessageEvent)>>,
    _on_error: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

thread_local! {
    static JOB: RefCell<Option<Rc<RefCell<Job>>>> = const { RefCell::new(None) };
}

/// Gets cell `cell_id`'s result from the server job for the current
/// notebook (submitting one if needed) and keeps it in the local worker.
pub fn cell(ctx: Ctx, cell_id: u64, done: impl FnOnce(Result<CellRun, RequestError>) + 'static) {
    let text = ctx.nb.with_untracked(|nb| nb.to_text());
    let current = JOB.with(|j| j.borrow().clone()).filter(|job| {
        let job = job.borrow();
        job.text == text && job.broken.is_none()
    });
    let job = match current {
        Some(job) => job,
        None => match submit(ctx, text) {
            Ok(job) => job,
            Err(e) => return done(Err(e)),
        },
    };
    job.borrow_mut().waiters.push((cell_id, Box::new(done)));
    settle(ctx, &job);
}

/// Starts a job for `text` and follows it.
fn submit(ctx: Ctx, text: String) -> Result<Rc<RefCell<Job>>, RequestError> {
    let window = web_sys::window().ok_or_else(|| RequestError::new("server", "no window"))?;
    let origin = window.location().origin().unwrap_or_default();
    let source = ctx.source.with_untracked(|s| job_source(s, &origin)).map_err(|m| RequestError::new("server", m))?;
    if let Some(old) = JOB.with(|j| j.borrow_mut().take()) {
        stop(&old);
    }
    let cells = ctx.nb.with_untracked(|nb| nb.cells().iter().map(|c| c.id()).collect());
    let job = Rc::new(RefCell::new(Job {
        text: text.clone(),
        cells,
        status: None,
        waiters: Vec::new(),
        broken: None,
        events: None,
        _on_status: None,
        _on_error: None,
    }));
    JOB.with(|j| *j.borrow_mut() = Some(job.clone()));
    ctx.say("Submitting the notebook to the server…");
    let body = serde_json::json!({ "source": source, "notebook": text }).to_string();
    let job2 = job.clone();
    leptos::task::spawn_local(async move {
        match post_job(&body).await {
            Ok(status) => {
                let id = status.id.clone();
                job2.borrow_mut().status = Some(status);
                follow(ctx, &job2, &id);
            }
            Err(e) => {
                job2.borrow_mut().broken = Some(e);
            }
        }
        settle(ctx, &job2);
    });
    Ok(job)
}

async fn post_job(body: &str) -> Result<JobStatus, RequestError> {
    let text = post_json("/api/jobs", body, 202).await?;
    serde_json::from_str(&text).map_err(|e| RequestError::new("server", format!("the server's reply is not a job status: {e}")))
}

/// POSTs a JSON `body` to `url`; the reply's text when its status is
/// `expected`, else the server's error.
async fn post_json(url: &str, body: &str, expected: u16) -> Result<String, RequestError> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    let headers = web_sys::Headers::new().map_err(js_error)?;
    headers.set("Content-Type", "application/json").map_err(js_error)?;
    init.set_headers(&headers);
    let resp = fetch(url, &init).await?;
    let text = JsFuture::from(resp.text().map_err(js_error)?).await.map_err(js_error)?.as_string().unwrap_or_default();
    if resp.status() != expected {
        return Err(api_error(resp.status(), &text));
    }
    Ok(text)
}

/// The server's `{"error": …}` reply as a request error.
fn api_error(status: u16, text: &str) -> RequestError {
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let e = &value["error"];
    match (e["kind"].as_str(), e["message"].as_str()) {
        (Some(kind), Some(message)) => RequestError {
            kind: kind.into(),
            message: format!("the server refused the job: {message}"),
            hint: e["hint"].as_str().map(str::to_owned),
        },
        _ if status == 404 || status == 405 => RequestError::new(
            "server",
            "this page's server has no job API (serve the app with `worker-server serve` to run on the server)",
        ),
        _ => RequestError::new("server", format!("the server answered {status}: {}", text.chars().take(200).collect::<String>())),
    }
}

async fn fetch(url: &str, init: &web_sys::RequestInit) -> Result<web_sys::Response, RequestError> {
    let window = web_sys::window().ok_or_else(|| RequestError::new("server", "no window"))?;
    let resp = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(|e| RequestError::new("server", format!("the server cannot be reached: {}", crate::browser::js_text(&e))))?;
    resp.dyn_into().map_err(js_error)
}

fn js_error(e: JsValue) -> RequestError {
    RequestError::new("server", crate::browser::js_text(&e))
}

/// A short link (`ORIGIN/s/ID`) for `shared`, kept by the server
/// (`POST /api/share`); an error when this server keeps no links.
pub async fn short_link(shared: &glint_notebook::share::Shared) -> Result<String, RequestError> {
    let body = serde_json::json!({
        "notebook": shared.notebook,
        "source": shared.source,
        "params": shared.params,
    });
    let text = post_json("/api/share", &body.to_string(), 201).await?;
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let path = value["url"].as_str().ok_or_else(|| RequestError::new("server", "the server's reply has no link"))?;
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    Ok(format!("{origin}{path}"))
}

/// The size of the log at `url` (a HEAD request's `Content-Length`), when
/// the server says it.
pub async fn remote_size(url: &str) -> Option<u64> {
    let init = web_sys::RequestInit::new();
    init.set_method("HEAD");
    let resp = fetch(url, &init).await.ok()?;
    if !resp.ok() {
        return None;
    }
    resp.headers().get("content-length").ok().flatten()?.trim().parse().ok()
}

/// Follows the job's `status` events.
fn follow(ctx: Ctx, job: &Rc<RefCell<Job>>, id: &str) {
    let Ok(events) = web_sys::EventSource::new(&format!("/api/jobs/{id}/events")) else {
        job.borrow_mut().broken = Some(RequestError::new("server", "the job's progress cannot be followed (EventSource)"));
        return;
    };
    let weak = Rc::downgrade(job);
    let on_status = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        let Some(job) = weak.upgrade() else { return };
        let Some(text) = ev.data().as_string() else { return };
        let Ok(status) = serde_json::from_str::<JobStatus>(&text) else { return };
        let finished = !matches!(status.state.as_str(), "queued" | "running");
        ctx.say(format!("On the server: {}", status.stage));
        job.borrow_mut().status = Some(status);
        if finished {
            stop(&job);
        }
        settle(ctx, &job);
    });
    let weak = Rc::downgrade(job);
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let Some(job) = weak.upgrade() else { return };
        let closed = job.borrow().events.as_ref().is_some_and(|e| e.ready_state() == web_sys::EventSource::CLOSED);
        let finished = job.borrow().status.as_ref().is_some_and(|s| !matches!(s.state.as_str(), "queued" | "running"));
        if closed && !finished {
            job.borrow_mut().broken = Some(RequestError::new("server", "the connection to the server job was lost"));
            settle(ctx, &job);
        }
    });
    let _ = events.add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref());
    events.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let mut j = job.borrow_mut();
    j.events = Some(events);
    j._on_status = Some(on_status);
    j._on_error = Some(on_error);
}

fn stop(job: &Rc<RefCell<Job>>) {
    if let Some(events) = job.borrow_mut().events.take() {
        events.close();
    }
}

/// Answers the waiting cells that the job's status now decides.
fn settle(ctx: Ctx, job: &Rc<RefCell<Job>>) {
    let mut ready = Vec::new();
    {
        let mut j = job.borrow_mut();
        let waiters = std::mem::take(&mut j.waiters);
        for (cell_id, done) in waiters {
            let decided = match (&j.broken, &j.status) {
                (Some(e), _) => Outcome::Failed(e.clone()),
                (None, None) => Outcome::Waiting,
                (None, Some(status)) => match j.cells.iter().position(|c| *c == cell_id) {
                    Some(i) => outcome(status, i + 1),
                    None => Outcome::Failed(RequestError::new("server", "the cell is not in the notebook the job runs")),
                },
            };
            match decided {
                Outcome::Waiting => j.waiters.push((cell_id, done)),
                Outcome::Failed(e) => ready.push((done, Err(e))),
                Outcome::Ready(r) => ready.push((done, Ok((cell_id, r)))),
            }
        }
    }
    for (done, outcome) in ready {
        match outcome {
            Err(e) => done(Err(e)),
            Ok((cell_id, result)) => leptos::task::spawn_local(keep(ctx, cell_id, result, done)),
        }
    }
}

/// Fetches a result's rows and keeps them in the local engine worker.
async fn keep(ctx: Ctx, cell_id: u64, result: JobResult, done: Done) {
    let init = web_sys::RequestInit::new();
    let bytes = match fetch(&result.url, &init).await {
        Ok(resp) if resp.ok() => match resp.array_buffer() {
            Ok(p) => JsFuture::from(p).await.map_err(js_error),
            Err(e) => Err(js_error(e)),
        },
        Ok(resp) => Err(RequestError::new("server", format!("the cell's result could not be fetched ({})", resp.status()))),
        Err(e) => Err(e),
    };
    let buffer = match bytes {
        Ok(b) => b,
        Err(e) => return done(Err(e)),
    };
    let request = ToWorker::KeepResult {
        key: result_key(cell_id),
        elapsed_ms: result.ms,
        notes: result.notes,
        alert: result.alert,
        page_rows: PAGE_ROWS,
    };
    let mut done = Some(done);
    ctx.engine.with_value(|engine| {
        let (Some(engine), Some(done)) = (engine, done.take()) else { return };
        engine.request_with(request, Some(buffer), |_| {}, move |reply, _| {
            let run = match reply {
                Ok(FromWorker::SqlResult { table, elapsed_ms, notes, alert }) => {
                    Ok(CellRun::Table { table, offset: 0, elapsed_ms, notes, alert })
                }
                Ok(other) => Err(crate::state::unexpected(&other)),
                Err(e) => Err(e),
            };
            done(run)
        });
    });
    if let Some(done) = done {
        done(Err(RequestError::new("worker_failed", "the query engine is not running; reload the page")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: &str, results: &[usize], error: Option<Option<usize>>) -> JobStatus {
        JobStatus {
            id: "j1".into(),
            state: state.into(),
            stage: String::new(),
            results: results
                .iter()
                .map(|&position| JobResult { position, url: format!("/r/{position}"), ms: 1.0, notes: vec![], alert: None })
                .collect(),
            error: error.map(|position| JobError { kind: "sql".into(), message: "bad".into(), hint: None, position }),
        }
    }

    #[test]
    fn a_waiting_cell_learns_its_outcome_from_the_job_status() {
        let cases = [
            (status("running", &[2], None), 2, "ready /r/2"),
            (status("running", &[2], None), 4, "waiting"),
            (status("queued", &[], None), 2, "waiting"),
            (status("failed", &[2], Some(Some(4))), 4, "failed sql: bad"),
            (status("failed", &[2], Some(Some(4))), 6, "failed upstream: not run: the server job stopped (sql: bad)"),
            (status("cancelled", &[], Some(None)), 2, "failed upstream: not run: the server job stopped (sql: bad)"),
            (status("succeeded", &[2], None), 3, "failed server: the server job finished without this cell's result"),
        ];
        for (st, position, expected) in cases {
            let got = match outcome(&st, position) {
                Outcome::Waiting => "waiting".to_string(),
                Outcome::Ready(r) => format!("ready {}", r.url),
                Outcome::Failed(e) => format!("failed {}: {}", e.kind, e.message),
            };
            assert_eq!(got, expected, "{st:?} {position}");
        }
    }

    #[test]
    fn the_job_source_is_the_sample_or_a_url_never_a_dropped_file() {
        let origin = "http://127.0.0.1:8080";
        let cases = [
            (Source::Sample, Ok("sample")),
            (Source::Url("/api/sample.ndjson".into()), Ok("sample")),
            (Source::Url("http://127.0.0.1:8080/api/sample.ndjson".into()), Ok("sample")),
            (Source::Url("/data/x.ndjson".into()), Ok("http://127.0.0.1:8080/data/x.ndjson")),
            (Source::Url("s3://b/k.ndjson".into()), Ok("s3://b/k.ndjson")),
        ];
        for (source, expected) in cases {
            assert_eq!(job_source(&source, origin).as_deref(), expected.map_err(|_: ()| String::new()).as_deref(), "{source:?}");
        }
        assert!(job_source(&Source::File("a.ndjson".into()), origin).unwrap_err().contains("the server cannot read it"));
    }
}
