//! The page: starts the engine worker, loads the sample, and wires worker
//! replies into the [`LoadState`] and [`QueryState`] signals that the panels
//! render.

use glint_protocol::{FromWorker, ToWorker};
use leptos::prelude::*;

use crate::dataset::{DatasetDetails, DatasetPanel, SchemaPanel};
use crate::dispatch::RequestError;
use crate::query::QueryPanel;
use crate::state::{LoadState, QueryState, SAMPLE_URL};
use crate::worker::{EngineWorker, WORKER_URL, WorkerEvent};

#[component]
pub fn App() -> impl IntoView {
    let load = RwSignal::new(LoadState::StartingEngine);
    let query = RwSignal::new(QueryState::Idle);
    // Problems of the worker itself, not of one request.
    let engine_error = RwSignal::new(None::<String>);

    let engine = match EngineWorker::spawn(WORKER_URL, move |event| {
        on_worker_event(event, load, engine_error)
    }) {
        Ok(engine) => {
            engine.request(
                ToWorker::LoadUrl {
                    url: SAMPLE_URL.to_owned(),
                },
                move |progress| {
                    load.update(|l| *l = std::mem::take(l).progress(SAMPLE_URL, progress))
                },
                move |reply| load.set(LoadState::finished(SAMPLE_URL, reply)),
            );
            Some(engine)
        }
        Err(message) => {
            load.set(LoadState::Failed {
                source: SAMPLE_URL.to_owned(),
                error: RequestError::new("worker_failed", message),
            });
            None
        }
    };
    let engine = StoredValue::new_local(engine);

    let run_query = Callback::new(move |sql: String| {
        let sql = sql.trim().to_owned();
        if sql.is_empty() || query.with_untracked(QueryState::is_running) {
            return;
        }
        query.set(QueryState::Running { sql: sql.clone() });
        engine.with_value(|engine| match engine {
            Some(engine) => {
                engine.request(
                    ToWorker::Query { sql: sql.clone() },
                    |_| {},
                    move |reply| query.set(QueryState::finished(sql, reply)),
                );
            }
            None => query.set(QueryState::Failed {
                sql,
                error: RequestError::new(
                    "worker_failed",
                    "the query engine is not running; reload the page",
                ),
            }),
        });
    });
    let can_run = Signal::derive(move || {
        load.with(LoadState::settled) && !query.with(QueryState::is_running)
    });

    view! {
        <header class="topbar">
            <span class="brand">"Glint"</span>
            <span class="tagline">"event-log analytics, in your browser"</span>
        </header>
        {move || engine_error.get().map(|message| view! {
            <div class="error-box banner" id="engine-error" role="alert">{message}</div>
        })}
        <div class="layout">
            <aside class="sidebar">
                <SchemaPanel load=load.into() />
            </aside>
            <main class="content">
                <DatasetPanel load=load.into() />
                <QueryPanel state=query.into() can_run on_run=run_query />
                <DatasetDetails load=load.into() />
            </main>
        </div>
    }
}

fn on_worker_event(
    event: WorkerEvent,
    load: RwSignal<LoadState>,
    engine_error: RwSignal<Option<String>>,
) {
    match event {
        WorkerEvent::Ready => load.update(|l| *l = std::mem::take(l).engine_ready(SAMPLE_URL)),
        // Pending requests already failed with this message (a failed load
        // shows it in its own box); after a good load, say that later
        // queries cannot run either.
        WorkerEvent::Failed(message) => {
            if load.with_untracked(|l| matches!(l, LoadState::Loaded(_))) {
                engine_error.set(Some(format!("{message}. Reload the page to restart it.")));
            }
        }
        WorkerEvent::Stray {
            body: FromWorker::Error { kind, message },
            ..
        } => {
            engine_error.set(Some(format!(
                "The engine reported an error ({kind}): {message}"
            )));
        }
        WorkerEvent::Stray { .. } => {}
        WorkerEvent::Invalid(reason) => {
            engine_error.set(Some(format!(
                "The engine sent a message Glint cannot read: {reason}"
            )));
        }
    }
}
