//! The dataset panels: load progress, the ingest summary (rows, malformed
//! lines, type conflicts), the malformed-line and conflict reports, and the
//! schema of `events`. They render a [`LoadState`]; nothing here talks to the
//! worker.
//!
//! Stable DOM ids (read by the end-to-end test): `row-count`,
//! `malformed-count`, `conflict-count` (plain integers), `schema`,
//! `load-progress`, `load-error`.

use glint_protocol::{ColumnConflicts, DatasetSummary, FieldInfo, MalformedLine};
use leptos::prelude::*;

use crate::dispatch::{Progress, RequestError};
use crate::format;
use crate::state::LoadState;

/// The summary card: progress while loading, the numbers once loaded.
#[component]
pub fn DatasetPanel(load: Signal<LoadState>) -> impl IntoView {
    move || match load.get() {
        LoadState::StartingEngine => view! {
            <section class="card" id="load-progress">
                <h2>"Dataset"</h2>
                <p class="muted">"Starting the query engine…"</p>
                <progress class="bar"></progress>
            </section>
        }
        .into_any(),
        LoadState::Loading { source, progress } => {
            view! { <LoadProgress source progress /> }.into_any()
        }
        LoadState::Failed { source, error } => view! {
            <section class="card">
                <h2>"Dataset"</h2>
                <div class="error-box" id="load-error" role="alert">
                    <div class="error-title">"Could not load " <code>{source}</code></div>
                    <ErrorText error />
                </div>
            </section>
        }
        .into_any(),
        LoadState::Loaded(summary) => view! { <Summary summary=*summary /> }.into_any(),
        LoadState::OnServer { source, bytes, budget } => view! {
            <section class="card" id="on-server">
                <h2>"Dataset"</h2>
                <p><code>{source}</code></p>
                <p class="notice-text">{format!(
                    "This log is {}, more than this browser's budget of {}: it stays on the server, and the notebook runs there (same engine, same answers). The explorer needs the log in the browser.",
                    crate::format::bytes(bytes), crate::format::bytes(budget)
                )}</p>
            </section>
        }
        .into_any(),
    }
}

/// The reports and schema, once loaded (nothing before).
#[component]
pub fn DatasetDetails(load: Signal<LoadState>) -> impl IntoView {
    move || match load.get() {
        LoadState::Loaded(summary) => {
            let DatasetSummary { report, .. } = *summary;
            let malformed_total = report.malformed;
            view! {
                <MalformedReport total=malformed_total lines=report.malformed_examples />
                <ConflictReport conflicts=report.conflicts />
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}

/// The schema sidebar.
#[component]
pub fn SchemaPanel(load: Signal<LoadState>) -> impl IntoView {
    move || match load.get() {
        LoadState::Loaded(summary) => view! { <SchemaTable fields=summary.schema /> }.into_any(),
        _ => view! {
            <section class="card schema-card">
                <h2>"Schema"</h2>
                <p class="muted">"Columns appear once the data is loaded."</p>
            </section>
        }
        .into_any(),
    }
}

/// A request error's kind and message, readable.
#[component]
pub fn ErrorText(error: RequestError) -> impl IntoView {
    view! {
        <div class="error-kind">{error.kind}</div>
        <pre class="error-message">{error.message}</pre>
    }
}

#[component]
fn LoadProgress(source: String, progress: Progress) -> impl IntoView {
    let ctx = expect_context::<crate::ctx::Ctx>();
    let fraction = progress.fraction();
    let amount = match progress.total_bytes {
        Some(total) => format!(
            "{} of {}",
            format::bytes(progress.bytes),
            format::bytes(total)
        ),
        None => format::bytes(progress.bytes),
    };
    view! {
        <section class="card" id="load-progress">
            <div class="card-head">
                <h2>"Loading"</h2>
                <code class="source">{source}</code>
            </div>
            <progress class="bar" max="1" value=fraction></progress>
            <p class="progress-line">
                <span class="stage">{progress.stage}</span>
                <span>{amount}</span>
                {fraction.map(|f| view! { <span>{format::percent(f)}</span> })}
                <span>{format::thousands(progress.rows)} " rows"</span>
                <button type="button" class="link-btn cancel-btn" id="cancel-load" on:click=move |_| ctx.cancel(ctx.loading)>"Cancel"</button>
            </p>
        </section>
    }
}

#[component]
fn Summary(summary: DatasetSummary) -> impl IntoView {
    let report = &summary.report;
    let conflicts = report.conflict_total();
    let rows = report.rows;
    let malformed = report.malformed;
    let partitions = summary.partitions;
    view! {
        <section class="card" id="dataset">
            <div class="card-head">
                <h2>"Dataset"</h2>
                <code class="source" title="source">{summary.source}</code>
            </div>
            <dl class="stats">
                <div class="stat">
                    <dt>"Rows"</dt>
                    <dd><span id="row-count" title=format::thousands(rows)>{rows}</span></dd>
                </div>
                <div class="stat" class:warn=move || { malformed > 0 }>
                    <dt>"Malformed lines"</dt>
                    <dd><span id="malformed-count">{malformed}</span></dd>
                </div>
                <div class="stat" class:warn=move || { conflicts > 0 }>
                    <dt>"Type conflicts"</dt>
                    <dd><span id="conflict-count">{conflicts}</span></dd>
                </div>
                <div class="stat">
                    <dt>"Size"</dt>
                    <dd>{format::bytes(summary.bytes)}</dd>
                </div>
                <div class="stat">
                    <dt>"Ingest time"</dt>
                    <dd id="ingest-ms">{format::duration_ms(summary.ingest_ms)}</dd>
                </div>
                <div class="stat">
                    <dt>"Partitions"</dt>
                    <dd id="partitions">{partitions}</dd>
                </div>
            </dl>
            <p class="muted small">
                {format::thousands(report.lines)} " lines read: " {format::thousands(rows)} " rows, "
                {format::thousands(report.empty_lines)} " empty, " {format::thousands(malformed)}
                " malformed (skipped)."
            </p>
        </section>
    }
}

#[component]
fn MalformedReport(total: u64, lines: Vec<MalformedLine>) -> impl IntoView {
    let shown = lines.len();
    let body = if lines.is_empty() {
        view! { <p class="muted">"No malformed lines."</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap">
                <table class="grid" id="malformed">
                    <thead>
                        <tr><th class="num">"Line"</th><th class="num">"Byte offset"</th><th>"Reason"</th><th>"Excerpt"</th></tr>
                    </thead>
                    <tbody>
                        {lines
                            .into_iter()
                            .map(|m| view! {
                                <tr>
                                    <td class="num">{m.line}</td>
                                    <td class="num">{m.offset}</td>
                                    <td>{m.reason}</td>
                                    <td class="excerpt"><code>{m.excerpt}</code></td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card" id="malformed-report">
            <div class="card-head">
                <h2>"Malformed lines"</h2>
                <span class="muted small">
                    {if (shown as u64) < total {
                        format!("first {shown} of {}; all skipped", format::thousands(total))
                    } else {
                        format!("{shown} skipped")
                    }}
                </span>
            </div>
            {body}
        </section>
    }
}

#[component]
fn ConflictReport(conflicts: Vec<ColumnConflicts>) -> impl IntoView {
    let body = if conflicts.is_empty() {
        view! { <p class="muted">"Every value matched its column's type."</p> }.into_any()
    } else {
        view! {
            <p class="muted small">
                "Values of another JSON type are not coerced: they are NULL in the typed column, "
                "and their JSON text stays in " <code>"<column>__raw"</code> "."
            </p>
            <div class="table-wrap">
                <table class="grid" id="conflicts">
                    <thead>
                        <tr><th>"Column"</th><th>"Expected"</th><th class="num">"Count"</th><th>"First examples"</th></tr>
                    </thead>
                    <tbody>
                        {conflicts
                            .into_iter()
                            .map(|c| view! {
                                <tr>
                                    <td><code>{c.column}</code></td>
                                    <td>{c.expected}</td>
                                    <td class="num">{c.count}</td>
                                    <td>
                                        <ul class="examples">
                                            {c.examples
                                                .into_iter()
                                                .map(|e| view! {
                                                    <li>
                                                        "line " {e.line} ": " {e.found} " "
                                                        <code>{e.value}</code>
                                                    </li>
                                                })
                                                .collect_view()}
                                        </ul>
                                    </td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card" id="conflict-report">
            <h2>"Type conflicts"</h2>
            {body}
        </section>
    }
}

#[component]
fn SchemaTable(fields: Vec<FieldInfo>) -> impl IntoView {
    let count = fields.len();
    view! {
        <section class="card schema-card">
            <div class="card-head">
                <h2>"Schema"</h2>
                <span class="muted small">{count} " columns"</span>
            </div>
            <div class="table-wrap">
                <table class="grid compact" id="schema">
                    <thead>
                        <tr><th>"Name"</th><th>"Type"</th><th>"Alias of"</th></tr>
                    </thead>
                    <tbody>
                        {fields
                            .into_iter()
                            .map(|f| view! {
                                <tr>
                                    <td><code>{f.name}</code></td>
                                    <td class="type">{f.data_type}</td>
                                    <td>{f.alias_of.map(|a| view! { <code>{a}</code> })}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
