//! The notebook's cells: a frame per cell (kind, name, status, move/delete,
//! run) and a body per kind — SQL editor and result, rendered Markdown,
//! parameter inputs, chart controls and canvas. Keys: Shift+Enter runs a
//! cell and moves to the next (adding a SQL cell at the end), Ctrl/Cmd+Enter
//! runs in place.
//!
//! DOM: each cell is `.cell` with `data-kind`, `data-cell-id` and, when
//! named, `data-name`; its editor is `textarea.editor`; its status is
//! `.cell-status` with `data-state` (`idle`, `queued`, `running`, `done`,
//! `failed`); errors are `.cell-error`; charts draw into `canvas.chart`
//! with `data-drawn` set once drawn.

use glint_notebook::{CellKind, ChartSpec, chart_data, markdown};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use crate::chart_view;
use crate::ctx::Ctx;
use crate::dispatch::RequestError;
use crate::format;
use crate::results::ResultView;
use crate::run::{CellRun, CellState};

fn kind_label(kind: CellKind) -> &'static str {
    match kind {
        CellKind::Markdown => "Markdown",
        CellKind::Sql => "SQL",
        CellKind::Chart => "Chart",
        CellKind::Params => "Parameters",
        CellKind::Ab => "A/B test",
        CellKind::Funnel => "Funnel",
        CellKind::Retention => "Retention",
        CellKind::Trend => "Trend",
    }
}

fn state_word(state: &CellState) -> &'static str {
    match state.run {
        CellRun::Idle => "idle",
        CellRun::Queued => "queued",
        CellRun::Running => "running",
        CellRun::Table { .. } | CellRun::Chart { .. } => "done",
        CellRun::Failed(_) => "failed",
    }
}

/// Focuses the editor of the cell after `id`; false when there is none.
fn focus_next(ctx: Ctx, id: u64) -> bool {
    let next = ctx.nb.with_untracked(|nb| nb.position(id).and_then(|i| nb.cell(i + 1)).map(|c| c.id()));
    let Some(next) = next else { return false };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return true };
    let selector = format!(".cell[data-cell-id=\"{next}\"] textarea.editor, .cell[data-cell-id=\"{next}\"] input");
    if let Ok(Some(el)) = document.query_selector(&selector) {
        if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
    true
}

/// Shift+Enter / Ctrl+Enter handling shared by editors.
fn on_run_keys(ctx: Ctx, id: u64, ev: &KeyboardEvent) -> bool {
    if ev.key() != "Enter" || !(ev.shift_key() || ev.ctrl_key() || ev.meta_key()) {
        return false;
    }
    ev.prevent_default();
    ctx.run_cell(id);
    if ev.shift_key() && !focus_next(ctx, id) {
        if let Some(new_id) = ctx.push_new(CellKind::Sql) {
            let _ = new_id;
            request_animation_frame(move || {
                focus_next(ctx, id);
            });
        }
    }
    true
}

fn rows_for(text: &str) -> usize {
    (text.lines().count() + 1).clamp(3, 30)
}

/// A text editor bound to a cell's body (written on every keystroke).
#[component]
fn Editor(id: u64, #[prop(optional)] on_exit: Option<Callback<()>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let initial = ctx.nb.with_untracked(|nb| nb.position(id).and_then(|i| nb.cell(i)).map(|c| c.body().to_owned()).unwrap_or_default());
    let rows = RwSignal::new(rows_for(&initial));
    view! {
        <textarea
            class="editor"
            spellcheck="false"
            autocomplete="off"
            rows=move || rows.get()
            prop:value=initial
            on:input=move |ev| {
                let text = event_target_value(&ev);
                rows.set(rows_for(&text));
                ctx.edit_body(id, text);
            }
            on:keydown=move |ev: KeyboardEvent| {
                if on_run_keys(ctx, id, &ev) {
                    if let Some(exit) = on_exit {
                        exit.run(());
                    }
                } else if ev.key() == "Escape" {
                    if let Some(exit) = on_exit {
                        exit.run(());
                    }
                }
            }
        ></textarea>
    }
}

#[component]
fn ErrorBox(error: RequestError) -> impl IntoView {
    view! {
        <div class="error-box cell-error" role="alert">
            <div class="error-message">{error.message}</div>
            {error.hint.map(|hint| view! { <div class="error-hint">"Hint: " {hint}</div> })}
        </div>
    }
}

#[component]
pub fn CellView(id: u64, kind: CellKind) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let index = Memo::new(move |_| ctx.nb.with(|nb| nb.position(id)));
    let name = Memo::new(move |_| ctx.nb.with(|nb| nb.position(id).and_then(|i| nb.cell(i)).and_then(|c| c.name().map(str::to_owned))));
    let state = Memo::new(move |_| ctx.runner.with(|r| r.state(id)));
    let problems = Memo::new(move |_| {
        ctx.nb.with(|nb| {
            let Some(i) = nb.position(id) else { return Vec::new() };
            nb.validate().into_iter().filter(|d| d.cell == i).map(|d| d.message).collect::<Vec<_>>()
        })
    });
    let name_error = RwSignal::new(None::<String>);
    let pinned = Memo::new(move |_| ctx.nb.with(|nb| nb.position(id).is_some_and(|i| crate::run::pinned(nb, i))));
    let runs = crate::run::runnable(kind);
    let named = kind == CellKind::Sql || crate::run::analysis(kind);

    let body = match kind {
        CellKind::Sql => view! { <SqlBody id state /> }.into_any(),
        CellKind::Ab => view! { <AbBody id state /> }.into_any(),
        CellKind::Trend | CellKind::Funnel | CellKind::Retention => view! { <KpiBody id kind state /> }.into_any(),
        CellKind::Markdown => view! { <MarkdownBody id /> }.into_any(),
        CellKind::Params => view! { <ParamsBody id /> }.into_any(),
        CellKind::Chart => view! { <ChartBody id state /> }.into_any(),
    };

    view! {
        <section
            class="cell"
            class:stale=move || state.with(|s| s.stale)
            class:failed=move || state.with(|s| matches!(s.run, CellRun::Failed(_)))
            data-kind=kind.fence_word().unwrap_or("markdown")
            data-cell-id=id
            data-name=move || name.get()
        >
            <div class="cell-bar">
                <span class="cell-kind">{kind_label(kind)}</span>
                <span class="cell-title">{move || name.get()}</span>
                {named.then(|| view! {
                    <input
                        class="cell-name"
                        placeholder="name"
                        title="Name the cell to use its result as a table in cells below"
                        prop:value=move || name.get().unwrap_or_default()
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            name_error.set(ctx.rename(id, &value).err());
                        }
                    />
                })}
                <span class="cell-status" data-state=move || state.with(state_word)>
                    {move || state.with(|s| match &s.run {
                        CellRun::Queued => "queued".to_owned(),
                        CellRun::Running => "running…".to_owned(),
                        CellRun::Table { elapsed_ms, .. } if s.stale => format!("{} · out of date", format::duration_ms(*elapsed_ms)),
                        CellRun::Table { elapsed_ms, .. } => format::duration_ms(*elapsed_ms),
                        CellRun::Failed(_) => "failed".to_owned(),
                        _ if s.stale => "out of date".to_owned(),
                        _ => String::new(),
                    })}
                </span>
                <span class="spacer"></span>
                <button type="button" class="icon-btn pin-btn" class:pinned=move || pinned.get()
                    title=move || if pinned.get() { "Unpin from the dashboard" } else { "Pin to the dashboard" }
                    aria-label="Pin to the dashboard"
                    on:click=move |_| ctx.toggle_pin(id)>{move || if pinned.get() { "★" } else { "☆" }}</button>
                <button type="button" class="icon-btn" title="Move up" aria-label="Move up"
                    disabled=move || index.get() == Some(0)
                    on:click=move |_| ctx.move_by(id, -1)>"↑"</button>
                <button type="button" class="icon-btn" title="Move down" aria-label="Move down"
                    disabled=move || index.get().map(|i| i + 1 >= ctx.nb.with(|nb| nb.len())).unwrap_or(true)
                    on:click=move |_| ctx.move_by(id, 1)>"↓"</button>
                <button type="button" class="icon-btn" title="Delete cell" aria-label="Delete cell"
                    on:click=move |_| ctx.remove(id)>"✕"</button>
                {runs.then(|| view! {
                    <button type="button" class="run-btn" title="Run (Shift+Enter)"
                        disabled=move || state.with(|s| s.run.is_busy())
                        on:click=move |_| ctx.run_cell(id)>"▶ Run"</button>
                })}
            </div>
            {move || name_error.get().map(|e| view! { <div class="warn small">{e}</div> })}
            {move || problems.get().into_iter().map(|p| view! { <div class="warn small cell-problem">{p}</div> }).collect_view()}
            {body}
        </section>
    }
}

/// A running cell's line, with the button that stops it.
#[component]
fn Running() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <p class="muted small running-line">
            "Running… "
            <button type="button" class="link-btn cancel-btn" on:click=move |_| ctx.cancel(ctx.running)>"Cancel"</button>
        </p>
    }
}

#[component]
fn SqlBody(id: u64, state: Memo<CellState>) -> impl IntoView {
    view! {
        <Editor id />
        <SqlOutput id state />
    }
}

#[component]
fn SqlOutput(id: u64, state: Memo<CellState>) -> impl IntoView {
    view! {
        {move || match state.get().run {
            CellRun::Table { table, offset, elapsed_ms, notes, alert } => view! {
                {alert.map(|a| view! { <div class="error-box cell-alert" role="alert">{a}</div> })}
                <ResultView id table offset elapsed_ms />
                {(!notes.is_empty()).then(|| view! {
                    <ul class="cell-notes">{notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                })}
            }.into_any(),
            CellRun::Failed(error) => view! { <ErrorBox error /> }.into_any(),
            CellRun::Running => view! { <Running /> }.into_any(),
            CellRun::Queued => view! { <p class="muted small">"Running…"</p> }.into_any(),
            _ => view! { <p class="muted small">"Shift+Enter runs the cell."</p> }.into_any(),
        }}
    }
}

/// An `ab` cell: the spec editor, then the read-out: an alert when the
/// sample ratio mismatches, the lift chart, the result table and notes.
#[component]
fn AbBody(id: u64, state: Memo<CellState>) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let lift_rows = Memo::new(move |_| match state.get().run {
        CellRun::Table { table, .. } => crate::lifts::lift_rows(&table),
        _ => Vec::new(),
    });
    let draw_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let rows = lift_rows.get();
        let Some(canvas) = canvas.get() else { return };
        if rows.is_empty() {
            return;
        }
        draw_error.set(crate::lifts::draw(&canvas, &rows).err());
    });
    view! {
        <Editor id />
        <canvas class="chart lifts" node_ref=canvas
            style:display=move || if lift_rows.with(|r| r.is_empty()) { "none" } else { "block" }
            style:height=move || format!("{}px", crate::lifts::height_css(lift_rows.with(Vec::len)))></canvas>
        {move || draw_error.get().map(|e| view! { <div class="error-box cell-error">{e}</div> })}
        <SqlOutput id state />
    }
}

/// The largest absolute value of a column in the rows at hand.
fn column_max(table: &glint_protocol::TableData, name: &str) -> f64 {
    let Some(i) = table.columns.iter().position(|c| c.name == name) else { return 0.0 };
    table.rows.iter().filter_map(|r| r.get(i)?.as_f64()).fold(0.0, |m, v| m.max(v.abs()))
}

/// The chart a KPI cell draws of its own result: trends as lines over their
/// time bucket (one series per metric, or per segment of a breakdown),
/// funnels as bars of users per step; retention is read as its table.
/// A trend's metrics on a much smaller scale than the largest (rates next to
/// counts) are left out of the chart, which would flatten them to zero; the
/// table shows them.
pub fn kpi_chart(kind: CellKind, table: &glint_protocol::TableData) -> Option<ChartSpec> {
    use glint_notebook::{ChartKind, ColumnClass, column_class};
    let columns = &table.columns;
    let find = |name: &str| columns.iter().find(|c| c.name == name).map(|c| c.name.clone());
    match kind {
        CellKind::Trend => {
            let x = columns.iter().find(|c| column_class(&c.data_type) == ColumnClass::Time)?.name.clone();
            let segment = find("segment");
            let numeric: Vec<String> = columns
                .iter()
                .filter(|c| column_class(&c.data_type) == ColumnClass::Numeric)
                .map(|c| c.name.clone())
                .collect();
            let largest = numeric.iter().map(|n| column_max(table, n)).fold(0.0, f64::max);
            let numeric: Vec<String> =
                numeric.into_iter().filter(|n| column_max(table, n) * 50.0 >= largest).collect();
            let mut spec = ChartSpec::new(ChartKind::Line);
            spec.x = Some(x);
            spec.y = if segment.is_some() { numeric.into_iter().take(1).collect() } else { numeric };
            spec.series = segment;
            (!spec.y.is_empty()).then_some(spec)
        }
        CellKind::Funnel => {
            let mut spec = ChartSpec::new(ChartKind::Bar);
            spec.x = find("step_name");
            spec.y = vec![find("users")?];
            spec.series = columns
                .first()
                .filter(|c| !["step", "step_name"].contains(&c.name.as_str()))
                .map(|c| c.name.clone());
            spec.x.is_some().then_some(spec)
        }
        _ => None,
    }
}

/// A trend, funnel or retention cell: the spec editor, a chart of the
/// result (trend, funnel) and the result table.
#[component]
fn KpiBody(id: u64, kind: CellKind, state: Memo<CellState>) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let chart = Memo::new(move |_| match state.get().run {
        CellRun::Table { table, .. } => kpi_chart(kind, &table).map(|spec| chart_data(&spec, &table)),
        _ => None,
    });
    Effect::new(move |_| {
        let Some(Ok(data)) = chart.get() else { return };
        if let Some(canvas) = canvas.get() {
            let _ = chart_view::draw(&canvas, &data, None);
        }
    });
    view! {
        <Editor id />
        <canvas class="chart kpi" node_ref=canvas
            style:display=move || if matches!(chart.get(), Some(Ok(_))) { "block" } else { "none" }></canvas>
        {move || match chart.get() {
            Some(Err(e)) => Some(view! { <p class="warn small">{format!("chart: {e}")}</p> }),
            _ => None,
        }}
        <SqlOutput id state />
    }
}

#[component]
fn MarkdownBody(id: u64) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let empty = ctx.nb.with_untracked(|nb| nb.position(id).and_then(|i| nb.cell(i)).map(|c| c.body().trim().is_empty()).unwrap_or(true));
    let editing = RwSignal::new(empty);
    let html = Memo::new(move |_| {
        ctx.nb.with(|nb| nb.position(id).and_then(|i| nb.cell(i)).map(|c| markdown::to_html(c.body())).unwrap_or_default())
    });
    let exit = Callback::new(move |_| editing.set(false));
    view! {
        {move || if editing.get() {
            view! {
                <Editor id on_exit=exit />
                <div class="actions"><button type="button" class="small-btn" on:click=move |_| editing.set(false)>"Done"</button></div>
            }.into_any()
        } else {
            view! {
                <div class="markdown" title="Double-click to edit" on:dblclick=move |_| editing.set(true) inner_html=move || html.get()></div>
                <div class="actions"><button type="button" class="small-btn" on:click=move |_| editing.set(true)>"Edit"</button></div>
            }.into_any()
        }}
    }
}

#[component]
fn ParamsBody(id: u64) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let raw = RwSignal::new(false);
    let parsed = Memo::new(move |_| {
        ctx.nb.with(|nb| nb.position(id).and_then(|i| nb.cell(i)).map(|c| glint_notebook::parse_params(c.body())))
    });
    let errors = RwSignal::new(std::collections::HashMap::<String, String>::new());
    view! {
        {move || match parsed.get() {
            Some(Ok(params)) if !raw.get() => view! {
                <div class="params">
                    {params.into_iter().map(|p| {
                        let name = p.name.clone();
                        let name2 = p.name.clone();
                        let checkbox = matches!(p.value, glint_notebook::ParamValue::Bool(_));
                        let text = match &p.value {
                            glint_notebook::ParamValue::Text(s) => s.clone(),
                            other => other.to_literal(),
                        };
                        let input_type = match p.value {
                            glint_notebook::ParamValue::Int(_) | glint_notebook::ParamValue::Float(_) => "number",
                            glint_notebook::ParamValue::Bool(_) => "checkbox",
                            _ => "text",
                        };
                        let checked = matches!(p.value, glint_notebook::ParamValue::Bool(true));
                        view! {
                            <label class="param">
                                <span class="param-name">"$" {p.name.clone()}</span>
                                <input
                                    class="param-input"
                                    data-param=p.name.clone()
                                    type=input_type
                                    step="any"
                                    prop:value=text
                                    prop:checked=checked
                                    on:change=move |ev| {
                                        let value = if checkbox {
                                            event_target_checked(&ev).to_string()
                                        } else {
                                            event_target_value(&ev)
                                        };
                                        let result = ctx.set_param(id, &name, &value);
                                        errors.update(|e| match result {
                                            Ok(()) => { e.remove(&name); }
                                            Err(msg) => { e.insert(name.clone(), msg); }
                                        });
                                    }
                                />
                                <span class="col-type">{p.value.type_name()}</span>
                                {move || errors.with(|e| e.get(&name2).cloned()).map(|m| view! { <span class="warn small">{m}</span> })}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <div class="actions"><button type="button" class="small-btn" on:click=move |_| raw.set(true)>"Edit source"</button></div>
            }.into_any(),
            Some(Err(e)) => view! {
                <div class="error-box cell-error">{format!("Parameters, {e}")}</div>
                <Editor id />
            }.into_any(),
            _ => view! {
                <p class="muted small">"One parameter per line: " <code>"name = 10"</code>", " <code>"name = \"text\""</code>", " <code>"flag = true"</code>". Use it in SQL as " <code>"$name"</code>"."</p>
                <Editor id on_exit=Callback::new(move |_| raw.set(false)) />
                <div class="actions"><button type="button" class="small-btn" on:click=move |_| { raw.set(false); ctx.run_cell(id); }>"Done"</button></div>
            }.into_any(),
        }}
    }
}

#[component]
fn ChartBody(id: u64, state: Memo<CellState>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let canvas = NodeRef::<html::Canvas>::new();
    let raw = RwSignal::new(false);
    let spec = Memo::new(move |_| ctx.nb.with(|nb| nb.position(id).and_then(|i| nb.cell(i)).map(|c| ChartSpec::parse(c.body()))));
    let columns = Memo::new(move |_| match state.get().run {
        CellRun::Chart { table } => table.columns,
        _ => Vec::new(),
    });
    // The spec as drawn: empty x/y are filled in automatically.
    let effective = Memo::new(move |_| {
        let spec = match spec.get() {
            Some(Ok(spec)) => spec,
            Some(Err(e)) => return Err(format!("chart settings, {e}")),
            None => return Err("the cell is gone".into()),
        };
        if spec.x.is_none() && spec.y.is_empty() {
            let cols = columns.get();
            if let Some(mut auto) = ChartSpec::auto(&cols) {
                auto.source = spec.source.clone();
                auto.title = spec.title.clone();
                if spec.kind != glint_notebook::ChartKind::Bar {
                    auto.kind = spec.kind;
                }
                return Ok(auto);
            }
        }
        Ok(spec)
    });
    let draw_error = RwSignal::new(None::<String>);
    let drawn = RwSignal::new(false);
    let chart_notes = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        let run = state.get().run;
        let spec = effective.get();
        let Some(canvas) = canvas.get() else { return };
        drawn.set(false);
        let CellRun::Chart { table } = run else { return };
        let result = spec.and_then(|spec| {
            let data = chart_data(&spec, &table)?;
            chart_view::draw(&canvas, &data, spec.title.as_deref())?;
            Ok(data)
        });
        match result {
            Ok(data) => {
                let note = (data.skipped > 0).then(|| format!("{} values left out (NULL or not numbers)", data.skipped));
                let truncated = table.truncated().then(|| {
                    format!("drawn from the first {} of {} rows", format::thousands(table.rows.len() as u64), format::thousands(table.total_rows))
                });
                draw_error.set(None);
                drawn.set(true);
                chart_notes.set([note, truncated].into_iter().flatten().collect());
            }
            Err(e) => {
                draw_error.set(Some(e));
                chart_notes.set(Vec::new());
            }
        }
    });
    let set_field = move |field: &'static str, value: String| {
        let Ok(mut s) = effective.get_untracked() else { return };
        let value = (!value.is_empty()).then_some(value);
        match field {
            "kind" => s.kind = value.as_deref().and_then(glint_notebook::ChartKind::from_name).unwrap_or(s.kind),
            "x" => s.x = value,
            "y" => s.y = value.into_iter().collect(),
            "series" => s.series = value,
            _ => {}
        }
        ctx.edit_body(id, s.to_body());
        ctx.run_cell(id);
    };
    let select = move |field: &'static str, label: &'static str, optional: bool| {
        view! {
            <label class="chart-field">
                <span class="muted small">{label}</span>
                <select data-field=field on:change=move |ev| set_field(field, event_target_value(&ev))>
                    {move || {
                        let current = effective.with(|s| s.as_ref().ok().map(|s| match field {
                            "kind" => s.kind.name().to_owned(),
                            "x" => s.x.clone().unwrap_or_default(),
                            "y" => s.y.first().cloned().unwrap_or_default(),
                            _ => s.series.clone().unwrap_or_default(),
                        })).unwrap_or_default();
                        let mut names: Vec<String> = if field == "kind" {
                            glint_notebook::ChartKind::ALL.iter().map(|k| k.name().to_owned()).collect()
                        } else {
                            columns.get().into_iter().map(|c| c.name).collect()
                        };
                        if !current.is_empty() && !names.contains(&current) {
                            names.insert(0, current.clone());
                        }
                        let blank = (optional && field != "kind").then(|| {
                            let selected = current.is_empty();
                            view! { <option value="" selected=selected>"—"</option> }
                        });
                        view! {
                            {blank}
                            {names.into_iter().map(|n| {
                                let selected = n == current;
                                view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                            }).collect_view()}
                        }
                    }}
                </select>
            </label>
        }
    };
    view! {
        <div class="chart-controls">
            {select("kind", "chart", false)}
            {select("x", "x", true)}
            {select("y", "y", true)}
            {select("series", "series", true)}
            <span class="spacer"></span>
            <button type="button" class="small-btn" on:click=move |_| raw.update(|r| *r = !*r)>
                {move || if raw.get() { "Hide settings" } else { "Edit settings" }}
            </button>
        </div>
        {move || raw.get().then(|| view! { <Editor id /> })}
        {move || match state.get().run {
            CellRun::Failed(error) => Some(view! { <ErrorBox error /> }.into_any()),
            CellRun::Running | CellRun::Queued => Some(view! { <p class="muted small">"Drawing…"</p> }.into_any()),
            CellRun::Idle => Some(view! { <p class="muted small">"Run the cell to draw its chart."</p> }.into_any()),
            _ => None,
        }}
        {move || draw_error.get().map(|e| view! { <div class="error-box cell-error" role="alert">{e}</div> })}
        <canvas class="chart" node_ref=canvas data-drawn=move || drawn.get().to_string()
            style:display=move || if matches!(state.get().run, CellRun::Chart { .. }) && draw_error.get().is_none() { "block" } else { "none" }></canvas>
        {move || chart_notes.get().into_iter().map(|n| view! { <p class="muted small">{n}</p> }).collect_view()}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_protocol::{ColumnInfo, TableData};
    use serde_json::json;

    #[test]
    fn trend_charts_leave_out_metrics_on_a_much_smaller_scale() {
        let col = |n: &str, t: &str| ColumnInfo { name: n.into(), data_type: t.into() };
        let table = TableData {
            columns: vec![col("bucket", "Timestamp(µs, \"+00:00\")"), col("views", "Int64"), col("carts", "Int64"), col("cart_rate", "Float64")],
            rows: vec![vec![json!("2026-10-01T00:00:00Z"), json!(3207), json!(628), json!(0.1958)]],
            total_rows: 1,
        };
        let spec = kpi_chart(CellKind::Trend, &table).unwrap();
        assert_eq!(spec.x.as_deref(), Some("bucket"));
        assert_eq!(spec.y, ["views", "carts"]);
        let funnel = TableData {
            columns: vec![col("segment", "Utf8"), col("step", "Int64"), col("step_name", "Utf8"), col("users", "Int64")],
            rows: Vec::new(),
            total_rows: 0,
        };
        let spec = kpi_chart(CellKind::Funnel, &funnel).unwrap();
        assert_eq!((spec.x.as_deref(), spec.series.as_deref()), (Some("step_name"), Some("segment")));
        assert!(kpi_chart(CellKind::Retention, &funnel).is_none());
    }
}
