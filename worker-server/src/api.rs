//! The job API over HTTP (JSON; results as Arrow IPC streams; progress as
//! server-sent events):
//!
//! ```text
//! POST   /api/jobs                  {source, sql | notebook, params?, timeout_secs?, memory_limit_mb?, partitions?}
//!                                   → 202 status │ 400 invalid │ 403 forbidden source │ 413 too large │ 503 queue full
//! GET    /api/jobs                  → {jobs: [status, …]} newest first
//! GET    /api/jobs/{id}             → status (state, stage, ingest, results, error, timings)
//! GET    /api/jobs/{id}/events      → text/event-stream: `status` events until the job finishes
//! DELETE /api/jobs/{id}             → cancelled status │ 409 already finished
//! GET    /api/jobs/{id}/results/{n} → application/vnd.apache.arrow.stream (?format=csv|json: text) │ 409 not (yet) there
//! GET    /api/stats                 → jobs per state, memoized logs, source fetches
//! ```
//!
//! Errors are `{"error": {"kind", "message", "hint"?}}`. With a token
//! configured every `/api/jobs` and `/api/stats` request needs
//! `Authorization: Bearer TOKEN`; requests whose `Origin` is not this
//! server are refused (the app is served from the same origin).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::Stream;

use crate::jobs::{ApiError, JobRequest, Jobs, Refused};

#[derive(Clone)]
pub struct Api {
    pub jobs: Arc<Jobs>,
    pub token: Option<Arc<str>>,
}

pub fn routes(api: Api) -> Router {
    Router::new()
        .route("/api/jobs", get(list).post(submit))
        .route("/api/jobs/{id}", get(status).delete(cancel))
        .route("/api/jobs/{id}/events", get(events))
        .route("/api/jobs/{id}/results/{index}", get(result))
        .route("/api/stats", get(stats))
        .layer(axum::middleware::from_fn_with_state(api.token.clone(), require_token))
        .with_state(api)
}

/// `{"error": …}` with a status.
pub fn error(status: StatusCode, e: ApiError) -> Response {
    (status, Json(serde_json::json!({ "error": e }))).into_response()
}

/// Requires `Authorization: Bearer TOKEN` when the server has a token.
pub async fn require_token(State(token): State<Option<Arc<str>>>, req: Request, next: Next) -> Response {
    if let Some(token) = token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match given {
            None => {
                let mut r = error(StatusCode::UNAUTHORIZED, ApiError::new("unauthorized", "this API needs `Authorization: Bearer <token>`"));
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return r;
            }
            Some(given) if !same(given.as_bytes(), token.as_bytes()) => {
                return error(StatusCode::UNAUTHORIZED, ApiError::new("unauthorized", "the bearer token is not valid"));
            }
            Some(_) => {}
        }
    }
    next.run(req).await
}

/// [`require_token`] for anything but reading (`GET`/`HEAD`): share links
/// open for anyone who has them, but only token holders make new ones.
pub async fn require_token_to_write(state: State<Option<Arc<str>>>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD) {
        return next.run(req).await;
    }
    require_token(state, req, next).await
}

/// Refuses requests to `/api/` from other origins (a page elsewhere using
/// the visitor's network position or session): their `Origin` must be the
/// `Host` they were sent to.
pub async fn same_origin(req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            let authority = origin.split_once("://").map_or("", |(_, a)| a);
            let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
            if authority.is_empty() || !authority.eq_ignore_ascii_case(host) {
                return error(
                    StatusCode::FORBIDDEN,
                    ApiError::new("forbidden", format!("cross-origin requests are refused (Origin {origin:?} is not this server)")),
                );
            }
        }
    }
    next.run(req).await
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn submit(State(api): State<Api>, body: Result<Json<JobRequest>, JsonRejection>) -> Response {
    let req = match body {
        Ok(Json(req)) => req,
        Err(rejection) => {
            let status = rejection.status();
            let kind = if status == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "invalid_request" };
            return error(status, ApiError::new(kind, rejection.body_text()));
        }
    };
    match api.jobs.submit(req).await {
        Ok(status) => {
            let location = HeaderValue::from_str(&format!("/api/jobs/{}", status.id)).expect("ASCII id");
            (StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(status)).into_response()
        }
        Err(Refused::Invalid(e)) => error(StatusCode::BAD_REQUEST, e),
        Err(Refused::Forbidden(e)) => error(StatusCode::FORBIDDEN, e),
        Err(Refused::QueueFull(e)) => {
            let mut r = error(StatusCode::SERVICE_UNAVAILABLE, e);
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            r
        }
    }
}

fn no_job(id: &str) -> Response {
    error(StatusCode::NOT_FOUND, ApiError::new("not_found", format!("there is no job `{id}` (finished jobs are kept for a while, then forgotten)")))
}

async fn list(State(api): State<Api>) -> Response {
    Json(serde_json::json!({ "jobs": api.jobs.list() })).into_response()
}

async fn stats(State(api): State<Api>) -> Response {
    Json(api.jobs.stats()).into_response()
}

async fn status(State(api): State<Api>, Path(id): Path<String>) -> Response {
    match api.jobs.status(&id) {
        Some(s) => Json(s).into_response(),
        None => no_job(&id),
    }
}

async fn cancel(State(api): State<Api>, Path(id): Path<String>) -> Response {
    match api.jobs.cancel(&id) {
        None => no_job(&id),
        Some(Ok(s)) => Json(s).into_response(),
        Some(Err(s)) => error(
            StatusCode::CONFLICT,
            ApiError::new("finished", format!("job `{id}` already finished ({})", word(s.state))),
        ),
    }
}

/// A job state's wire word (its serde name), for messages.
fn word(state: crate::jobs::JobState) -> String {
    serde_json::to_value(state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct ResultQuery {
    format: Option<String>,
}

async fn result(State(api): State<Api>, Path((id, index)): Path<(String, usize)>, Query(q): Query<ResultQuery>) -> Response {
    match api.jobs.result(&id, index) {
        None => no_job(&id),
        Some(Ok(bytes)) => match q.format.as_deref().unwrap_or("arrow") {
            "arrow" => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.apache.arrow.stream"))], bytes).into_response(),
            format @ ("csv" | "json") => match glint_engine::table::from_arrow_ipc_stream(&bytes).and_then(|out| {
                if format == "csv" { glint_engine::table::to_csv(&out.batches) } else { glint_engine::table::to_json(&out.batches) }
            }) {
                Ok(text) => {
                    let kind = if format == "csv" { "text/csv; charset=utf-8" } else { "application/json" };
                    ([(header::CONTENT_TYPE, HeaderValue::from_static(kind))], text).into_response()
                }
                Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, ApiError::new("internal", e.message)),
            },
            other => error(
                StatusCode::BAD_REQUEST,
                ApiError::new("invalid_request", format!("`format={other}` is not one of arrow (default), csv, json")),
            ),
        },
        Some(Err((_, true))) => error(
            StatusCode::GONE,
            ApiError::new("gone", format!("job `{id}` ran before the server restarted; results are kept in memory only: submit it again")),
        ),
        Some(Err((s, false))) => error(
            StatusCode::CONFLICT,
            ApiError::new(
                "no_result",
                format!(
                    "job `{id}` has no result {index} ({} of {} cells done, {})",
                    s.cells_done,
                    s.cells_total,
                    word(s.state)
                ),
            ),
        ),
    }
}

async fn events(State(api): State<Api>, Path(id): Path<String>) -> Response {
    let Some(rx) = api.jobs.watch(&id) else {
        return no_job(&id);
    };
    Sse::new(status_stream(api.jobs.clone(), id, rx)).keep_alive(KeepAlive::new().interval(Duration::from_secs(10))).into_response()
}

/// The job's status now and after each change, ending with the final one.
fn status_stream(
    jobs: Arc<Jobs>,
    id: String,
    rx: tokio::sync::watch::Receiver<u64>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(Some((rx, true)), move |state| {
        let jobs = jobs.clone();
        let id = id.clone();
        async move {
            let (mut rx, first) = state?;
            if !first && rx.changed().await.is_err() {
                return None;
            }
            rx.borrow_and_update();
            let status = jobs.status(&id)?;
            let done = status.state.finished();
            let event = Event::default().event("status").json_data(&status).unwrap_or_else(|_| Event::default().data("{}"));
            Some((Ok(event), (!done).then_some((rx, false))))
        }
    })
}
