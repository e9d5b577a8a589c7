//! The SQL box and its result: a textarea (Shift+Enter runs), a Run button,
//! and the result table or the error. It renders a [`QueryState`] and hands
//! the SQL to `on_run`; it does not talk to the worker itself.
//!
//! Stable DOM ids: `sql`, `run`, `result` (the table; `data-sql` holds the
//! query it answers), `result-rows` (total rows, plain integer), `error`.

use glint_protocol::TableData;
use leptos::prelude::*;
use web_sys::KeyboardEvent;

use crate::dataset::ErrorText;
use crate::format;
use crate::state::{DEFAULT_SQL, QueryState};

#[component]
pub fn QueryPanel(
    state: Signal<QueryState>,
    /// Whether a query may be started now.
    can_run: Signal<bool>,
    on_run: Callback<String>,
) -> impl IntoView {
    let sql = RwSignal::new(DEFAULT_SQL.to_owned());
    let run = move || {
        if can_run.get_untracked() {
            on_run.run(sql.get_untracked());
        }
    };
    view! {
        <section class="card query">
            <div class="card-head">
                <h2>"SQL"</h2>
                <span class="muted small">"over the table " <code>"events"</code> " · Shift+Enter runs"</span>
            </div>
            <textarea
                id="sql"
                rows="5"
                spellcheck="false"
                autocomplete="off"
                aria-label="SQL query"
                prop:value=move || sql.get()
                on:input=move |ev| sql.set(event_target_value(&ev))
                on:keydown=move |ev: KeyboardEvent| {
                    if ev.key() == "Enter" && ev.shift_key() {
                        ev.prevent_default();
                        run();
                    }
                }
            ></textarea>
            <div class="actions">
                <button id="run" type="button" disabled=move || !can_run.get() on:click=move |_| run()>
                    {move || if state.with(QueryState::is_running) { "Running…" } else { "Run" }}
                </button>
            </div>
            <QueryOutput state />
        </section>
    }
}

#[component]
fn QueryOutput(state: Signal<QueryState>) -> impl IntoView {
    move || match state.get() {
        QueryState::Idle => view! {
            <p class="muted">"Run the query to see its result."</p>
        }
        .into_any(),
        QueryState::Running { .. } => {
            view! { <p class="muted" id="running">"Running…"</p> }.into_any()
        }
        QueryState::Failed { error, .. } => view! {
            <div class="error-box" id="error" role="alert">
                <ErrorText error />
            </div>
        }
        .into_any(),
        QueryState::Done {
            sql,
            table,
            elapsed_ms,
        } => view! { <ResultTable sql table elapsed_ms /> }.into_any(),
    }
}

#[component]
fn ResultTable(sql: String, table: TableData, elapsed_ms: f64) -> impl IntoView {
    let total = table.total_rows;
    let shown = table.rows.len();
    let truncated = table.truncated();
    let numeric: Vec<bool> = table
        .columns
        .iter()
        .map(|c| format::is_numeric_type(&c.data_type))
        .collect();
    let header = table
        .columns
        .into_iter()
        .zip(numeric.clone())
        .map(|(c, num)| {
            view! {
                <th class:num=num>
                    <span class="col-name">{c.name}</span>
                    <span class="col-type">{c.data_type}</span>
                </th>
            }
        })
        .collect_view();
    let rows = table
        .rows
        .into_iter()
        .map(|row| {
            let cells = row
                .iter()
                .enumerate()
                .map(|(i, value)| {
                    let num = numeric.get(i).copied().unwrap_or(false);
                    match format::cell(value) {
                        Some(text) => view! { <td class:num=num>{text}</td> }.into_any(),
                        None => view! { <td class="null">"NULL"</td> }.into_any(),
                    }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <p class="result-meta">
            <span id="result-rows">{total}</span>
            {if total == 1 { " row" } else { " rows" }}
            {truncated.then(|| format!(" (showing the first {})", format::thousands(shown as u64)))}
            " · " {format::duration_ms(elapsed_ms)}
        </p>
        <div class="table-wrap result-wrap">
            <table class="grid" id="result" data-sql=sql>
                <thead><tr>{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
