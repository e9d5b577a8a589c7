//! The page's shared state and the actions on it: the notebook, the run
//! state of its cells, the dataset and the engine worker. Components get a
//! [`Ctx`] from context and call its methods; the rules (which cells run,
//! in what order) live in [`crate::run`] and `glint_notebook`.

use glint_notebook::{Cell, CellKind, ChartSpec, Notebook, ParamValue};
use glint_protocol::{ExportFormat, FromWorker, ToWorker};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::browser;
use crate::dispatch::RequestError;
use crate::run::{CellRun, PAGE_ROWS, Runner, result_key};
use crate::state::{LoadState, unexpected};
use crate::worker::EngineWorker;

/// The built-in sample's address (served by `worker-server`).
pub const SAMPLE_URL: &str = crate::state::SAMPLE_URL;

/// Where the data comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Sample,
    Url(String),
    /// A local file: shareable only as "drop the same file".
    File(String),
}

impl Source {
    pub fn label(&self) -> String {
        match self {
            Source::Sample => "built-in sample".into(),
            Source::Url(url) => url.clone(),
            Source::File(name) => name.clone(),
        }
    }

    /// The source as written in a share link (`sample` or a URL).
    pub fn link_value(&self) -> Option<String> {
        match self {
            Source::Sample => Some("sample".into()),
            Source::Url(url) => Some(url.clone()),
            Source::File(_) => None,
        }
    }

    pub fn from_link_value(value: &str) -> Source {
        if value == "sample" { Source::Sample } else { Source::Url(value.to_owned()) }
    }
}

/// A short message shown at the top of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

#[derive(Clone, Copy)]
pub struct Ctx {
    pub nb: RwSignal<Notebook>,
    pub runner: RwSignal<Runner>,
    pub load: RwSignal<LoadState>,
    pub source: RwSignal<Source>,
    pub notice: RwSignal<Option<Notice>>,
    /// The last share link made (shown for copying by hand too).
    pub share_link: RwSignal<Option<String>>,
    /// The same link kept by the server (`/s/ID`), when it keeps links.
    pub short_link: RwSignal<Option<String>>,
    pub engine: StoredValue<Option<EngineWorker>, LocalStorage>,
    /// Showing the dashboard (pinned cells as tiles) instead of the notebook.
    pub dashboard: RwSignal<bool>,
    /// Showing the event explorer instead of the notebook.
    pub exploring: RwSignal<bool>,
    pub explore: crate::explorer::ExploreState,
    /// The running load's and the running cell's request ids (for Cancel).
    pub loading: StoredValue<Option<u64>>,
    pub running: StoredValue<Option<u64>>,
    /// "Run on server": SQL and analysis cells run as a job on the worker
    /// server (see [`crate::server`]); charts, paging and exports stay here.
    pub on_server: RwSignal<bool>,
}

impl Ctx {
    pub fn say(self, text: impl Into<String>) {
        self.notice.set(Some(Notice { text: text.into(), error: false }));
    }

    pub fn complain(self, text: impl Into<String>) {
        self.notice.set(Some(Notice { text: text.into(), error: true }));
    }

    fn index_of(self, id: u64) -> Option<usize> {
        self.nb.with_untracked(|nb| nb.position(id))
    }

    /// Sends the next queued cell's request, if the engine is idle.
    pub fn pump(self) {
        if !self.load.with_untracked(LoadState::runnable) {
            return;
        }
        let next = self.nb.with_untracked(|nb| self.runner.try_update(|r| r.next(nb))).flatten();
        let Some((id, request)) = next else { return };
        if self.on_server.get_untracked() && matches!(request, ToWorker::RunSql { .. } | ToWorker::RunAnalysis { .. }) {
            crate::server::cell(self, id, move |outcome| {
                self.nb.with_untracked(|nb| self.runner.update(|r| r.finish(nb, id, outcome)));
                self.pump();
            });
            return;
        }
        let sent = self.engine.with_value(|engine| match engine {
            Some(engine) => {
                let request_id = engine.request(request, |_| {}, move |reply| {
                    self.running.set_value(None);
                    let outcome = match reply {
                        Ok(FromWorker::SqlResult { table, elapsed_ms, notes, alert }) => {
                            Ok(CellRun::Table { table, offset: 0, elapsed_ms, notes, alert })
                        }
                        Ok(FromWorker::Rows { table }) => Ok(CellRun::Chart { table }),
                        Ok(other) => Err(unexpected(&other)),
                        Err(error) => Err(error),
                    };
                    self.nb.with_untracked(|nb| self.runner.update(|r| r.finish(nb, id, outcome)));
                    self.pump();
                });
                self.running.set_value(Some(request_id));
                true
            }
            None => false,
        });
        if !sent {
            let error = RequestError::new("worker_failed", "the query engine is not running; reload the page");
            self.nb.with_untracked(|nb| self.runner.update(|r| r.finish(nb, id, Err(error))));
        }
    }

    /// Stops the running load or cell (`which`: [`Ctx::loading`] or [`Ctx::running`]).
    pub fn cancel(self, which: StoredValue<Option<u64>>) {
        let Some(request) = which.get_value() else { return };
        self.engine.with_value(|engine| {
            if let Some(engine) = engine {
                engine.request(ToWorker::Cancel { request }, |_| {}, |_| {});
            }
        });
    }

    /// Runs a cell and the cells that depend on it.
    pub fn run_cell(self, id: u64) {
        let Some(index) = self.index_of(id) else { return };
        let kind = self.nb.with_untracked(|nb| nb.cell(index).map(|c| c.kind()));
        if kind == Some(CellKind::Markdown) {
            return;
        }
        self.nb.with_untracked(|nb| self.runner.update(|r| r.enqueue_with_dependants(nb, index)));
        self.pump();
    }

    /// Runs the dashboard's cells (pinned ones and what they read).
    pub fn refresh_dashboard(self) {
        self.nb.with_untracked(|nb| {
            let cells = crate::run::dashboard_cells(nb);
            self.runner.update(|r| r.enqueue_cells(nb, &cells));
        });
        self.pump();
    }

    /// Pins a cell to the dashboard, or unpins it.
    pub fn toggle_pin(self, id: u64) {
        let Some(index) = self.index_of(id) else { return };
        let pinned = self.nb.with_untracked(|nb| crate::run::pinned(nb, index));
        let value = (!pinned).then_some("true");
        if let Some(Err(e)) = self.nb.try_update(|nb| nb.set_attr(index, "pin", value)) {
            self.complain(e.to_string());
        }
    }

    pub fn run_all(self) {
        self.nb.with_untracked(|nb| self.runner.update(|r| r.enqueue_all(nb)));
        self.pump();
    }

    /// A cell's text changed (typing): it and its dependants are stale.
    pub fn edit_body(self, id: u64, body: String) {
        let Some(index) = self.index_of(id) else { return };
        let result = self.nb.try_update(|nb| nb.set_body(index, &body));
        if let Some(Err(e)) = result {
            self.complain(e.to_string());
        }
        self.nb.with_untracked(|nb| self.runner.update(|r| r.mark_stale(nb, index)));
    }

    pub fn rename(self, id: u64, name: &str) -> Result<(), String> {
        let index = self.index_of(id).ok_or("the cell is gone")?;
        let name = name.trim();
        let name = (!name.is_empty()).then_some(name);
        self.nb
            .try_update(|nb| nb.rename(index, name))
            .unwrap_or(Ok(()))
            .map_err(|e| e.message)?;
        self.nb.with_untracked(|nb| self.runner.update(|r| r.mark_stale(nb, index)));
        Ok(())
    }

    /// Sets a parameter's value from typed text; re-runs what uses it.
    pub fn set_param(self, cell_id: u64, name: &str, text: &str) -> Result<(), String> {
        let current = self
            .nb
            .with_untracked(|nb| nb.params().into_iter().find(|p| p.name == name).map(|p| p.value))
            .ok_or_else(|| format!("no parameter `{name}`"))?;
        let value: ParamValue = current.parse_like(name, text)?;
        if value == current {
            return Ok(());
        }
        self.nb.try_update(|nb| nb.set_param(name, &value)).unwrap_or(Ok(())).map_err(|e| e.message)?;
        if let Some(index) = self.index_of(cell_id) {
            let deps = self.nb.with_untracked(|nb| nb.dependants(index));
            self.nb.with_untracked(|nb| self.runner.update(|r| r.mark_stale(nb, index)));
            if !deps.is_empty() {
                self.run_cell(cell_id);
            }
        }
        Ok(())
    }

    pub fn insert(self, index: usize, cell: Cell) -> Option<u64> {
        match self.nb.try_update(|nb| nb.insert(index.min(nb.len()), cell)) {
            Some(Ok(id)) => Some(id),
            Some(Err(e)) => {
                self.complain(e.to_string());
                None
            }
            None => None,
        }
    }

    pub fn push_new(self, kind: CellKind) -> Option<u64> {
        let len = self.nb.with_untracked(|nb| nb.len());
        let cell = self.nb.with_untracked(|nb| new_cell(nb, kind, len));
        self.insert(len, cell)
    }

    pub fn remove(self, id: u64) {
        let Some(index) = self.index_of(id) else { return };
        self.nb.with_untracked(|nb| self.runner.update(|r| r.mark_stale(nb, index)));
        self.nb.update(|nb| {
            nb.remove(index);
        });
        self.runner.update(|r| {
            r.states.remove(&id);
        });
        self.engine.with_value(|engine| {
            if let Some(engine) = engine {
                engine.request(ToWorker::Drop { key: result_key(id) }, |_| {}, |_| {});
            }
        });
    }

    pub fn move_by(self, id: u64, delta: isize) {
        let Some(index) = self.index_of(id) else { return };
        let len = self.nb.with_untracked(|nb| nb.len());
        let to = index as isize + delta;
        if to < 0 || to as usize >= len {
            return;
        }
        if let Some(Err(e)) = self.nb.try_update(|nb| nb.move_cell(index, to as usize)) {
            self.complain(e.to_string());
        }
    }

    /// Adds a chart of a SQL cell's result right below it (naming the cell
    /// if it has no name) and draws it.
    pub fn chart_of(self, sql_id: u64) {
        let Some(index) = self.index_of(sql_id) else { return };
        let name = match self.nb.with_untracked(|nb| nb.cell(index).and_then(|c| c.name().map(str::to_owned))) {
            Some(name) => name,
            None => {
                let name = self.nb.with_untracked(|nb| nb.fresh_name("result"));
                if let Err(e) = self.rename(sql_id, &name) {
                    return self.complain(e);
                }
                name
            }
        };
        let columns = match self.runner.with_untracked(|r| r.state(sql_id).run) {
            CellRun::Table { table, .. } => table.columns,
            _ => Vec::new(),
        };
        let mut spec = ChartSpec::auto(&columns).unwrap_or_else(|| ChartSpec::new(glint_notebook::ChartKind::Bar));
        spec.source = Some(name);
        if let Some(id) = self.insert(index + 1, Cell::new_chart(&spec)) {
            if self.runner.with_untracked(|r| matches!(r.state(sql_id).run, CellRun::Table { .. })) {
                let chart_index = self.index_of(id).unwrap_or(index + 1);
                self.nb.with_untracked(|nb| self.runner.update(|r| r.enqueue_with_dependants(nb, chart_index)));
                self.pump();
            }
        }
    }

    /// Shows another page of a SQL cell's result.
    pub fn fetch_page(self, id: u64, offset: usize) {
        self.engine.with_value(|engine| {
            let Some(engine) = engine else { return };
            engine.request(ToWorker::FetchRows { key: result_key(id), offset, limit: PAGE_ROWS }, |_| {}, move |reply| match reply {
                Ok(FromWorker::Rows { table }) => self.runner.update(|r| r.set_page(id, table, offset)),
                Ok(other) => self.complain(unexpected(&other).message),
                Err(e) => self.complain(e.message),
            });
        });
    }

    /// Asks the engine for a cell's whole result as a file; `then` gets the
    /// file name stem (the cell's name) and the bytes (an `ArrayBuffer`).
    fn export_then(self, id: u64, format: ExportFormat, then: impl FnOnce(String, JsValue) + 'static) {
        let base = self
            .nb
            .with_untracked(|nb| nb.position(id).and_then(|i| nb.cell(i)).and_then(|c| c.name().map(str::to_owned)))
            .unwrap_or_else(|| "result".into());
        self.engine.with_value(|engine| {
            let Some(engine) = engine else { return };
            engine.request_with(ToWorker::Export { key: result_key(id), format }, None, |_| {}, move |reply, attachment| {
                match (reply, attachment) {
                    (Ok(FromWorker::Exported { .. }), Some(buffer)) => then(base, buffer),
                    (Ok(FromWorker::Exported { .. }), None) => self.complain("the engine sent no file"),
                    (Ok(other), _) => self.complain(unexpected(&other).message),
                    (Err(e), _) => self.complain(e.message),
                }
            });
        });
    }

    /// Downloads a SQL cell's whole result, or copies it as CSV.
    pub fn export(self, id: u64, format: ExportFormat, copy: bool) {
        self.export_then(id, format, move |base, buffer| {
            if copy {
                let text = browser::buffer_text(&buffer);
                leptos::task::spawn_local(async move {
                    match browser::copy_text(&text).await {
                        Ok(()) => self.say(format!("Copied {} as CSV ({} bytes).", base, text.len())),
                        Err(e) => self.complain(e),
                    }
                });
            } else if let Err(e) = browser::download_buffer(&format!("{base}.{}", format.extension()), format.mime(), &buffer) {
                self.complain(e);
            }
        });
    }

    /// Downloads a result as Parquet: the engine writes Arrow IPC, the export
    /// worker turns it into Parquet (the engine's wasm stays free of Parquet).
    pub fn export_parquet(self, id: u64) {
        self.export_then(id, ExportFormat::ArrowIpc, move |base, ipc| {
            leptos::task::spawn_local(async move {
                let result = crate::parquet::ipc_to_parquet(ipc).await.map_err(|e| format!("Parquet export failed: {e}"));
                let downloaded = result.and_then(|parquet| {
                    browser::download_buffer(&format!("{base}.parquet"), "application/vnd.apache.parquet", &parquet)
                });
                if let Err(e) = downloaded {
                    self.complain(e);
                }
            });
        });
    }

    /// Loads a dataset; when it is in, runs the notebook. A log larger than
    /// the browser budget ([`browser_budget`]) is not loaded here: a URL's
    /// notebook runs on the server instead; a dropped file is refused.
    pub fn load_source(self, source: Source, file: Option<web_sys::File>) {
        let budget = browser_budget();
        if let (Source::File(name), Some(file)) = (&source, &file) {
            let size = file.size() as u64;
            if size > budget {
                self.load.set(LoadState::Failed {
                    source: name.clone(),
                    error: RequestError::new(
                        "too_large",
                        format!(
                            "{name} is {}, more than this browser's budget of {}; loading it here could crash the tab. Put it where the server can read it (a URL, S3, or its data directory), load it from there, and the notebook runs on the server.",
                            crate::format::bytes(size),
                            crate::format::bytes(budget)
                        ),
                    ),
                });
                return;
            }
        }
        if let Source::Url(url) = &source {
            let url = url.clone();
            leptos::task::spawn_local(async move {
                match crate::server::remote_size(&url).await {
                    Some(bytes) if bytes > budget => self.offload(source, bytes, budget),
                    _ => self.load_here(source, None),
                }
            });
            return;
        }
        self.load_here(source, file)
    }

    /// A log too large for the browser: the notebook runs on the server.
    fn offload(self, source: Source, bytes: u64, budget: u64) {
        self.source.set(source.clone());
        self.runner.update(Runner::reset);
        self.load.set(LoadState::OnServer { source: source.label(), bytes, budget });
        self.on_server.set(true);
        self.run_all();
    }

    fn load_here(self, source: Source, file: Option<web_sys::File>) {
        let workers = browser::workers_param();
        let (request, attachment) = match (&source, file) {
            (Source::File(name), Some(file)) => {
                let size = file.size() as u64;
                (ToWorker::LoadFile { name: name.clone(), size, workers }, Some(JsValue::from(file)))
            }
            (Source::Url(url), _) => (ToWorker::LoadUrl { url: url.clone(), workers }, None),
            _ => (ToWorker::LoadUrl { url: SAMPLE_URL.into(), workers }, None),
        };
        let label = source.label();
        match &source {
            Source::Url(url) => {
                let _ = browser::save_local(browser::SOURCE_KEY, url);
            }
            _ => browser::remove_local(browser::SOURCE_KEY),
        }
        self.source.set(source);
        self.runner.update(Runner::reset);
        let started = self.engine.with_value(|engine| {
            let Some(engine) = engine else { return false };
            let progress_label = label.clone();
            self.load.set(LoadState::Loading { source: label.clone(), progress: crate::dispatch::Progress::waiting("requesting") });
            let id = engine.request_with(
                request,
                attachment,
                move |progress| self.load.update(|l| *l = std::mem::take(l).progress(&progress_label, progress)),
                move |reply, _| {
                    self.loading.set_value(None);
                    self.load.set(LoadState::finished(&label, reply));
                    if self.load.with_untracked(|l| matches!(l, LoadState::Loaded(_))) {
                        // The overview first: it is what a new log is looked at with.
                        crate::explorer::request_overview(self);
                        match browser::load_local(browser::ENGINE_STOPPED_KEY) {
                            // The last page's engine died running this notebook: not again by itself.
                            Some(why) => {
                                browser::remove_local(browser::ENGINE_STOPPED_KEY);
                                self.complain(format!(
                                    "The notebook was not run, because the engine stopped last time ({why}). Change the cell that stopped it, then run cells with Shift+Enter."
                                ));
                            }
                            None => self.run_all(),
                        }
                    }
                },
            );
            self.loading.set_value(Some(id));
            true
        });
        if !started {
            self.complain("the query engine is not running; reload the page");
        }
    }

    /// Replaces the notebook (opened file, shared link, new).
    pub fn replace_notebook(self, nb: Notebook) {
        let old: Vec<u64> = self.nb.with_untracked(|nb| nb.cells().iter().map(|c| c.id()).collect());
        self.engine.with_value(|engine| {
            if let Some(engine) = engine {
                for id in old {
                    engine.request(ToWorker::Drop { key: result_key(id) }, |_| {}, |_| {});
                }
            }
        });
        self.runner.update(Runner::reset);
        self.nb.set(nb);
        if self.load.with_untracked(|l| matches!(l, LoadState::Loaded(_))) {
            self.run_all();
        }
    }
}

/// A new `ab` cell's body: the experiment of the sample, ready to edit.
pub const AB_TEMPLATE: &str = "experiment: rec_model_v2\ncontrol: control\n# experiment_column: properties.experiment_id\n# variant_column: properties.variant\n# unit: user_id\nmetric: added_to_cart = conversion \"Added to Cart\"\nmetric: orders = count \"Order Completed\"\nmetric: revenue = sum properties.revenue \"Order Completed\"\n# cap: revenue 99%\n# cuped: 14\n# breakdown: context.device.type\n# correction: holm\n# sequential: true";

/// New KPI cells' bodies (the sample's events; edit to taste).
pub const TREND_TEMPLATE: &str = "metric: views = count \"Product Viewed\"\nmetric: carts = count \"Added to Cart\"\nmetric: cart_rate = ratio carts / views\nbucket: day\n# breakdown: context.device.type\n# top: 5";
pub const FUNNEL_TEMPLATE: &str = "step: Product Viewed\nstep: Added to Cart\nstep: Checkout Started\nstep: Order Completed\nwindow: 7d\norder: strict\n# breakdown: context.device.type";
pub const RETENTION_TEMPLATE: &str = "cohort: Page Viewed\nreturn: Order Completed\nperiod: day\nperiods: 7";

/// A new, empty cell of `kind` for position `index`.
/// The largest log loaded into this browser, in bytes: `?budget=MB` in the
/// page URL, else 1.5 GiB (a 1 GB log peaks at about 5.4 GiB over Chromium's
/// processes; see BENCHMARKS.md).
pub fn browser_budget() -> u64 {
    browser::query_param("budget").and_then(|v| v.parse::<u64>().ok()).map_or(1536 << 20, |mb| mb << 20)
}

pub fn new_cell(nb: &Notebook, kind: CellKind, index: usize) -> Cell {
    match kind {
        CellKind::Markdown => Cell::new_markdown("Notes in *Markdown*."),
        CellKind::Params => Cell::new_params("name = \"value\""),
        CellKind::Ab => {
            let name = nb.fresh_name("ab");
            Cell::new_code(CellKind::Ab, Some(&name), AB_TEMPLATE)
        }
        CellKind::Trend => Cell::new_code(CellKind::Trend, Some(&nb.fresh_name("trend")), TREND_TEMPLATE),
        CellKind::Funnel => Cell::new_code(CellKind::Funnel, Some(&nb.fresh_name("funnel")), FUNNEL_TEMPLATE),
        CellKind::Retention => Cell::new_code(CellKind::Retention, Some(&nb.fresh_name("retention")), RETENTION_TEMPLATE),
        CellKind::Chart => {
            let source = (0..index.min(nb.len())).rev().find_map(|i| {
                let cell = nb.cell(i)?;
                (cell.kind() == CellKind::Sql).then(|| cell.name().map(str::to_owned)).flatten()
            });
            let mut spec = ChartSpec::new(glint_notebook::ChartKind::Bar);
            spec.source = source;
            Cell::new_chart(&spec)
        }
        _ => {
            let name = nb.fresh_name("cell");
            Cell::new_sql(Some(&name), "SELECT event, count(*) AS n\nFROM events\nGROUP BY event\nORDER BY n DESC")
        }
    }
}
