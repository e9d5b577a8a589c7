//! The page: starts the engine worker, opens the notebook (from a share
//! link, local storage, or the starter), loads the data source (from the
//! link, local storage, or the built-in sample) and runs the notebook.
//!
//! DOM ids: `run-all`, `open-notebook`, `save-notebook`, `new-notebook`,
//! `copy-link`, `share-link` (the last link made), `toggle-explore`, `notice`, `notebook`
//! (the cell list), `add-sql`/`add-markdown`/`add-chart`/`add-params`/`add-ab`,
//! `open-log` (file input), `url-input`/`load-url`, `load-sample`.

use glint_notebook::{CellKind, Notebook, share};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser;
use crate::cells::CellView;
use crate::ctx::{Ctx, Notice, Source};
use crate::dataset::{DatasetDetails, DatasetPanel, SchemaPanel};
use crate::dispatch::RequestError;
use crate::run::Runner;
use crate::state::LoadState;
use crate::worker::{EngineWorker, WORKER_URL, WorkerEvent};

/// The notebook shown to a first-time visitor.
pub const STARTER: &str = include_str!("starter.md");

/// What the page starts with: the notebook, the source, and what to tell
/// the user about how they were chosen.
fn initial_state() -> (Notebook, Source, Vec<Notice>) {
    let mut notices = Vec::new();
    let hash = browser::location_hash();
    if hash.contains("nb=") {
        match share::decode(&hash) {
            Ok(shared) => match Notebook::parse(&shared.notebook) {
                Ok(mut nb) => {
                    for (name, value) in &shared.params {
                        let current = nb.params().into_iter().find(|p| &p.name == name).map(|p| p.value);
                        let applied = match current {
                            None => Err(format!("the link sets `{name}`, which the notebook does not define")),
                            Some(current) => current
                                .parse_like(name, value)
                                .and_then(|v| nb.set_param(name, &v).map_err(|e| e.message)),
                        };
                        if let Err(e) = applied {
                            notices.push(Notice { text: e, error: true });
                        }
                    }
                    let source = shared.source.as_deref().map(Source::from_link_value).unwrap_or(Source::Sample);
                    browser::clear_hash();
                    return (nb, source, notices);
                }
                Err(e) => notices.push(Notice { text: format!("The shared notebook is damaged ({e}); opened your last notebook instead."), error: true }),
            },
            Err(e) => notices.push(Notice { text: format!("The share link cannot be read: {e}. Opened your last notebook instead."), error: true }),
        }
    }
    let source = browser::load_local(browser::SOURCE_KEY).map(Source::Url).unwrap_or(Source::Sample);
    let nb = browser::load_local(browser::NOTEBOOK_KEY)
        .and_then(|text| match Notebook::parse(&text) {
            Ok(nb) => Some(nb),
            Err(e) => {
                notices.push(Notice { text: format!("The saved notebook could not be read ({e}); opened the starter notebook."), error: true });
                None
            }
        })
        .unwrap_or_else(|| Notebook::parse(STARTER).unwrap_or_default());
    (nb, source, notices)
}

#[component]
pub fn App() -> impl IntoView {
    let (nb, source, notices) = initial_state();
    let ctx = Ctx {
        nb: RwSignal::new(nb),
        runner: RwSignal::new(Runner::default()),
        load: RwSignal::new(LoadState::StartingEngine),
        source: RwSignal::new(source.clone()),
        notice: RwSignal::new(notices.into_iter().next()),
        share_link: RwSignal::new(None),
        short_link: RwSignal::new(None),
        engine: StoredValue::new_local(None),
        dashboard: RwSignal::new(false),
        exploring: RwSignal::new(false),
        explore: crate::explorer::ExploreState::default(),
        loading: StoredValue::new(None),
        running: StoredValue::new(None),
        on_server: RwSignal::new(crate::browser::query_param("server").is_some_and(|v| v == "1")),
    };
    provide_context(ctx);
    let engine_error = RwSignal::new(None::<String>);

    match EngineWorker::spawn(WORKER_URL, move |event| on_worker_event(event, ctx.load, engine_error)) {
        Ok(engine) => {
            ctx.engine.set_value(Some(engine));
            ctx.load_source(source, None);
        }
        Err(message) => ctx.load.set(LoadState::Failed {
            source: source.label(),
            error: RequestError::new("worker_failed", message),
        }),
    }

    // The notebook survives a reload.
    Effect::new(move |_| {
        let text = ctx.nb.with(Notebook::to_text);
        if let Err(e) = browser::save_local(browser::NOTEBOOK_KEY, &text) {
            leptos::logging::warn!("{e}");
        }
    });

    let dragging = RwSignal::new(false);
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        let file = ev.data_transfer().and_then(|dt| dt.files()).and_then(|files| files.get(0));
        if let Some(file) = file {
            open_dropped(ctx, file);
        }
    };

    view! {
        <div
            class="page"
            class:dragging=move || dragging.get()
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |ev: web_sys::DragEvent| {
                if ev.related_target().is_none() { dragging.set(false); }
            }
            on:drop=on_drop
        >
            <TopBar />
            {move || ctx.notice.get().map(|n| view! {
                <div id="notice" class="notice" class:error=n.error role=if n.error { "alert" } else { "status" }>
                    <span>{n.text}</span>
                    <button type="button" class="icon-btn" aria-label="Dismiss" on:click=move |_| ctx.notice.set(None)>"✕"</button>
                </div>
            })}
            {move || engine_error.get().map(|message| view! {
                <div class="error-box banner" id="engine-error" role="alert">{message}</div>
            })}
            <div class="layout">
                <aside class="sidebar">
                    <crate::experiments::ExperimentsPanel />
                    <SchemaPanel load=ctx.load.into() />
                </aside>
                <main class="content">
                    <DataBar />
                    <DatasetPanel load=ctx.load.into() />
                    {move || ctx.exploring.get().then(|| view! { <crate::explorer::Explorer /> })}
                    {move || (ctx.dashboard.get() && !ctx.exploring.get()).then(|| view! {
                        <div class="dashboard-bar">
                            <h2>"Dashboard"</h2>
                            <span class="muted small">"Pinned cells (★ in a cell's bar), refreshed together."</span>
                            <span class="spacer"></span>
                            <button type="button" id="refresh-dashboard" class="small-btn" on:click=move |_| ctx.refresh_dashboard()>"↻ Refresh"</button>
                        </div>
                        {move || ctx.nb.with(|nb| (0..nb.len()).all(|i| !crate::run::pinned(nb, i))).then(|| view! {
                            <p class="muted">"Nothing is pinned yet: pin cells with ★ in their bar, in the notebook view."</p>
                        })}
                    })}
                    <section id="notebook" class="notebook" class:dashboard=move || ctx.dashboard.get() class:hidden=move || ctx.exploring.get()>
                        <For
                            each=move || {
                                let dashboard = ctx.dashboard.get();
                                ctx.nb.with(|nb| {
                                    nb.cells()
                                        .iter()
                                        .enumerate()
                                        .filter(|(i, _)| !dashboard || crate::run::pinned(nb, *i))
                                        .map(|(_, c)| (c.id(), c.kind()))
                                        .collect::<Vec<_>>()
                                })
                            }
                            key=|(id, _)| *id
                            children=move |(id, kind)| view! { <CellView id kind /> }
                        />
                    </section>
                    <div class="add-bar" class:hidden=move || ctx.dashboard.get() || ctx.exploring.get()>
                        <span class="muted small">"Add a cell:"</span>
                        <button type="button" id="add-sql" class="small-btn" on:click=move |_| { ctx.push_new(CellKind::Sql); }>"+ SQL"</button>
                        <button type="button" id="add-markdown" class="small-btn" on:click=move |_| { ctx.push_new(CellKind::Markdown); }>"+ Markdown"</button>
                        <button type="button" id="add-chart" class="small-btn" on:click=move |_| { ctx.push_new(CellKind::Chart); }>"+ Chart"</button>
                        <button type="button" id="add-params" class="small-btn" on:click=move |_| { ctx.push_new(CellKind::Params); }>"+ Parameters"</button>
                        <button type="button" id="add-ab" class="small-btn" on:click=move |_| { ctx.push_new(CellKind::Ab); }>"+ A/B test"</button>
                        <button type="button" id="add-trend" class="small-btn" on:click=move |_| { ctx.push_new(CellKind::Trend); }>"+ Trend"</button>
                        <button type="button" id="add-funnel" class="small-btn" on:click=move |_| { ctx.push_new(CellKind::Funnel); }>"+ Funnel"</button>
                        <button type="button" id="add-retention" class="small-btn" on:click=move |_| { ctx.push_new(CellKind::Retention); }>"+ Retention"</button>
                    </div>
                    <DatasetDetails load=ctx.load.into() />
                </main>
            </div>
            <div class="drop-overlay">"Drop an NDJSON log (.json, .ndjson, .jsonl, optionally .gz) or a notebook (.md)"</div>
        </div>
    }
}

/// A dropped or picked file: a notebook (`.md`) opens, anything else loads as data.
fn open_dropped(ctx: Ctx, file: web_sys::File) {
    let name = file.name();
    if name.ends_with(".md") || name.ends_with(".markdown") {
        leptos::task::spawn_local(async move {
            match browser::file_text(&file).await {
                Ok(text) => match Notebook::parse(&text) {
                    Ok(nb) => {
                        ctx.replace_notebook(nb);
                        ctx.say(format!("Opened {name}."));
                    }
                    Err(e) => ctx.complain(format!("{name} is not a Glint notebook: {e}")),
                },
                Err(e) => ctx.complain(e),
            }
        });
    } else {
        ctx.load_source(Source::File(name), Some(file));
    }
}

fn input_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
    let file = input.files()?.get(0);
    input.set_value("");
    file
}

#[component]
fn TopBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let busy = Memo::new(move |_| ctx.runner.with(Runner::busy));
    let save = move |_| {
        let text = ctx.nb.with_untracked(Notebook::to_text);
        if let Err(e) = browser::download("notebook.md", "text/markdown", text.as_bytes()) {
            ctx.complain(e);
        }
    };
    let copy_link = move |_| {
        let source = ctx.source.get_untracked();
        let shared = share::Shared {
            notebook: ctx.nb.with_untracked(Notebook::to_text),
            source: source.link_value(),
            params: Vec::new(),
        };
        match share::encode(&shared) {
            Ok(fragment) => {
                let link = format!("{}#{fragment}", browser::page_url());
                ctx.share_link.set(Some(link.clone()));
                ctx.short_link.set(None);
                let local_file = matches!(source, Source::File(_));
                leptos::task::spawn_local(async move {
                    // A short link when the server keeps links; the full one works anywhere.
                    let short = crate::server::short_link(&shared).await.ok();
                    ctx.short_link.set(short.clone());
                    let (what, copy) = match &short {
                        Some(s) => ("Short link", s.clone()),
                        None => ("Link", link.clone()),
                    };
                    let copied = browser::copy_text(&copy).await;
                    let mut text = match copied {
                        Ok(()) => format!("{what} copied ({} characters).", copy.len()),
                        Err(e) => format!("{what} made ({} characters) but not copied: {e}.", copy.len()),
                    };
                    if local_file {
                        text += " The data is a local file: the viewer opens the link on the sample, or drops the same file.";
                    }
                    ctx.say(text);
                });
            }
            Err(e) => ctx.complain(e.to_string()),
        }
    };
    view! {
        <header class="topbar">
            <span class="brand">"Glint"</span>
            <span class="tagline">"event-log analytics, in your browser"</span>
            <span class="spacer"></span>
            <button type="button" id="toggle-explore" class="top-btn" class:active=move || ctx.exploring.get()
                title="Explore the log: overview, fields, filters, user journeys"
                on:click=move |_| ctx.exploring.update(|e| *e = !*e)>{move || if ctx.exploring.get() { "Notebook" } else { "Explore" }}</button>
            <button type="button" id="toggle-dashboard" class="top-btn" class:active=move || ctx.dashboard.get() && !ctx.exploring.get()
                title="Show the pinned cells as a dashboard"
                on:click=move |_| { ctx.exploring.set(false); ctx.dashboard.update(|d| *d = !*d); }>{move || if ctx.dashboard.get() && !ctx.exploring.get() { "Notebook" } else { "Dashboard" }}</button>
            <button type="button" id="run-all" class="top-btn primary" disabled=move || busy.get()
                on:click=move |_| ctx.run_all()>{move || if busy.get() { "Running…" } else { "▶ Run all" }}</button>
            <label class="top-btn" title="Run SQL and analysis cells as a job on the server that served this page (the same engine, the same answers)">
                <input type="checkbox" id="run-on-server" prop:checked=move || ctx.on_server.get()
                    on:change=move |ev| {
                        let on = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|i| i.checked());
                        ctx.on_server.set(on);
                        ctx.say(if on { "Cells now run on the server: ▶ Run all to run the notebook there." } else { "Cells now run in this browser." });
                    } />
                " Run on server"
            </label>
            <button type="button" id="new-notebook" class="top-btn" title="Start from the starter notebook"
                on:click=move |_| ctx.replace_notebook(Notebook::parse(STARTER).unwrap_or_default())>"New"</button>
            <label class="top-btn" title="Open a notebook file (.md)">
                "Open…"
                <input type="file" id="open-notebook" accept=".md,.markdown,text/markdown" class="hidden-input"
                    on:change=move |ev| { if let Some(file) = input_file(&ev) { open_dropped(ctx, file); } } />
            </label>
            <button type="button" id="save-notebook" class="top-btn" title="Download the notebook as Markdown" on:click=save>"Save"</button>
            <button type="button" id="copy-link" class="top-btn" title="Copy a link that opens this notebook and recomputes it" on:click=copy_link>"Copy link"</button>
        </header>
        {move || ctx.share_link.get().map(|link| view! {
            <div class="share-row">
                <span class="muted small">"Share link:"</span>
                <input id="share-link" readonly prop:value=link on:focus=move |ev| {
                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { input.select(); }
                } />
                {move || ctx.short_link.get().map(|short| view! {
                    <span class="muted small">"Short:"</span>
                    <input id="short-link" readonly prop:value=short />
                })}
                <button type="button" class="icon-btn" aria-label="Close" on:click=move |_| ctx.share_link.set(None)>"✕"</button>
            </div>
        })}
    }
}

/// Where the data comes from: a file, a URL, or the sample.
#[component]
fn DataBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let url = RwSignal::new(match ctx.source.get_untracked() {
        Source::Url(u) => u,
        _ => String::new(),
    });
    let load_url = move || {
        let value = url.get_untracked().trim().to_owned();
        if value.is_empty() {
            return ctx.complain("Enter the URL of an NDJSON log (https://…).");
        }
        if value.starts_with("s3://") {
            return ctx.complain("s3:// sources need the Glint worker server; in the browser, use an https:// URL (a presigned S3 URL works).");
        }
        ctx.load_source(Source::Url(value), None);
    };
    view! {
        <section class="card data-bar">
            <label class="small-btn file-btn" title="Open an NDJSON log from your disk; it never leaves your machine">
                "Open log…"
                <input type="file" id="open-log" class="hidden-input" accept=".json,.ndjson,.jsonl,.gz,.md,application/json"
                    on:change=move |ev| { if let Some(file) = input_file(&ev) { open_dropped(ctx, file); } } />
            </label>
            <span class="muted small">"or drop a file anywhere · or"</span>
            <input id="url-input" class="url-input" type="url" placeholder="https://example.com/events.ndjson(.gz)"
                prop:value=move || url.get()
                on:input=move |ev| url.set(event_target_value(&ev))
                on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Enter" { load_url(); } />
            <button type="button" id="load-url" class="small-btn" on:click=move |_| load_url()>"Load URL"</button>
            <button type="button" id="load-sample" class="small-btn" on:click=move |_| ctx.load_source(Source::Sample, None)>"Sample"</button>
            <span class="muted small source-label">"Data: " {move || ctx.source.get().label()}</span>
        </section>
    }
}

fn on_worker_event(event: WorkerEvent, load: RwSignal<LoadState>, engine_error: RwSignal<Option<String>>) {
    use glint_protocol::FromWorker;
    match event {
        WorkerEvent::Ready => {}
        // Pending requests already failed with this message (a failed load
        // shows it in its own box); after a good load, say that later
        // queries cannot run either.
        WorkerEvent::Failed(message) => {
            if load.with_untracked(|l| matches!(l, LoadState::Loaded(_))) {
                engine_error.set(Some(format!("{message}. Reload the page to restart it (the notebook will not run by itself then).")));
                let _ = browser::save_local(browser::ENGINE_STOPPED_KEY, &message);
            }
        }
        WorkerEvent::Stray { body: FromWorker::Error { kind, message, .. }, .. } => {
            engine_error.set(Some(format!("The engine reported an error ({kind}): {message}")));
        }
        WorkerEvent::Stray { .. } => {}
        WorkerEvent::Invalid(reason) => {
            engine_error.set(Some(format!("The engine sent a message Glint cannot read: {reason}")));
        }
    }
}
