//! The event explorer, beside the notebook: the overview (events per name,
//! events over time, top properties, the ingest report), the schema with
//! every field's statistics, a filter builder that writes SQL cells,
//! drill-downs (rows and the users behind them, with any row's raw line),
//! and a user's journey in sessions. Every number comes from the engine
//! worker (`ToWorker::Explore` / `RunSql`); this module only renders.
//!
//! DOM (read by the end-to-end tests): `#explorer`; overview `#ov-rows`,
//! `#ov-users`, `#ov-events`, `#ov-range`, `#ov-ms`; `.event-bar[data-event]`,
//! `.hist-bar[data-start]`; `#explore-schema` rows `tr[data-path]`;
//! `#drill` with `#drill-rows` / `#drill-users`, `.raw-btn`, `#raw-line`;
//! `#journey-user`, `#journey-show`, `#journey` with `.journey-event`
//! (`data-session`, `.exposure`); filter `#filter-event`, `#filter-add`,
//! `#filter-show`, `#filter-cell`.

use glint_notebook::{Cell, CellKind};
use glint_protocol::explore::{
    Condition, Count, ExploreRequest, ExploreResult, FieldProfile, Filter, Journey, Op, Overview, TimeBucket,
};
use glint_protocol::{DatasetSummary, FromWorker, TableData, ToWorker};
use leptos::prelude::*;
use serde_json::Value;

use crate::ctx::Ctx;
use crate::format;
use crate::state::LoadState;

/// Rows a drill-down shows.
const DRILL_ROWS: usize = 50;
/// Users a drill-down lists.
const DRILL_USERS: usize = 20;

type Loaded<T> = Option<Result<T, String>>;

/// The explorer's state, shared by its parts.
#[derive(Clone, Copy)]
pub struct ExploreState {
    pub overview: RwSignal<Loaded<(Overview, f64)>>,
    pub bucket: RwSignal<Option<TimeBucket>>,
    pub profile: RwSignal<Loaded<(Vec<FieldProfile>, f64)>>,
    pub top_users: RwSignal<Loaded<Vec<Count>>>,
    pub journey: RwSignal<Loaded<Journey>>,
    pub journey_user: RwSignal<String>,
    pub gap_minutes: RwSignal<u32>,
    pub drill: RwSignal<Option<Drill>>,
    pub filter: RwSignal<Filter>,
    pub raw: RwSignal<Option<RawView>>,
    /// Profile and top users were asked for (once per load).
    pub details: RwSignal<bool>,
}

impl Default for ExploreState {
    fn default() -> Self {
        ExploreState {
            overview: RwSignal::new(None),
            bucket: RwSignal::new(None),
            profile: RwSignal::new(None),
            top_users: RwSignal::new(None),
            journey: RwSignal::new(None),
            journey_user: RwSignal::new(String::new()),
            gap_minutes: RwSignal::new(30),
            drill: RwSignal::new(None),
            filter: RwSignal::new(Filter::default()),
            raw: RwSignal::new(None),
            details: RwSignal::new(false),
        }
    }
}

/// A drill-down: the rows matching a filter and the users behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct Drill {
    /// Which drill-down this is (late replies of an earlier one are dropped).
    pub seq: u64,
    pub title: String,
    pub filter: Filter,
    pub rows: Loaded<TableData>,
    pub users: Loaded<TableData>,
}

/// One row's line: as read again from the source, or as parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RawView {
    pub line: u64,
    pub text: Option<String>,
    pub parsed: String,
    pub note: Option<String>,
}

fn explore_reply(reply: crate::dispatch::Reply) -> Result<(ExploreResult, f64), String> {
    match reply {
        Ok(FromWorker::Explored { result, elapsed_ms }) => Ok((result, elapsed_ms)),
        Ok(other) => Err(crate::state::unexpected(&other).message),
        Err(e) => Err(match e.hint {
            Some(h) => format!("{} ({h})", e.message),
            None => e.message,
        }),
    }
}

fn request(ctx: Ctx, req: ExploreRequest, done: impl FnOnce(Result<(ExploreResult, f64), String>) + 'static) {
    ctx.engine.with_value(|engine| match engine {
        Some(engine) => {
            engine.request(ToWorker::Explore { request: req }, |_| {}, move |reply| done(explore_reply(reply)));
        }
        None => done(Err("the query engine is not running; reload the page".into())),
    });
}

fn run_sql(ctx: Ctx, key: &str, sql: String, rows: usize, done: impl FnOnce(Result<TableData, String>) + 'static) {
    ctx.engine.with_value(|engine| match engine {
        Some(engine) => {
            let body = ToWorker::RunSql { key: key.into(), table: None, sql, params: Vec::new(), page_rows: rows };
            engine.request(body, |_| {}, move |reply| {
                done(match reply {
                    Ok(FromWorker::SqlResult { table, .. }) => Ok(table),
                    Ok(other) => Err(crate::state::unexpected(&other).message),
                    Err(e) => Err(e.message),
                })
            });
        }
        None => done(Err("the query engine is not running; reload the page".into())),
    });
}

/// Asks for the overview (right after a load, before the notebook runs).
pub fn request_overview(ctx: Ctx) {
    let st = ctx.explore;
    st.overview.set(None);
    st.profile.set(None);
    st.top_users.set(None);
    st.journey.set(None);
    st.drill.set(None);
    st.raw.set(None);
    st.details.set(false);
    fetch_overview(ctx);
}

/// Asks for the overview with the chosen histogram bucket.
fn fetch_overview(ctx: Ctx) {
    let st = ctx.explore;
    request(ctx, ExploreRequest::Overview { bucket: st.bucket.get_untracked() }, move |r| {
        st.overview.set(Some(r.and_then(|(result, ms)| match result {
            ExploreResult::Overview(o) => Ok((o, ms)),
            _ => Err("unexpected explorer reply".into()),
        })));
    });
}

/// Asks for the schema statistics and the top users (when the explorer opens).
pub fn request_details(ctx: Ctx) {
    let st = ctx.explore;
    if st.details.get_untracked() {
        return;
    }
    st.details.set(true);
    {
        request(ctx, ExploreRequest::Profile, move |r| {
            st.profile.set(Some(r.and_then(|(result, ms)| match result {
                ExploreResult::Profile { fields } => Ok((fields, ms)),
                _ => Err("unexpected explorer reply".into()),
            })));
        });
    }
    {
        request(ctx, ExploreRequest::TopUsers { limit: 20 }, move |r| {
            let users = r.and_then(|(result, _)| match result {
                ExploreResult::TopUsers { users } => Ok(users),
                _ => Err("unexpected explorer reply".into()),
            });
            if let Ok(users) = &users {
                if st.journey_user.get_untracked().is_empty() {
                    if let Some(first) = users.first().and_then(|c| c.value.clone()) {
                        st.journey_user.set(first);
                    }
                }
            }
            st.top_users.set(Some(users));
        });
    }
}

fn show_journey(ctx: Ctx) {
    let st = ctx.explore;
    let user = st.journey_user.get_untracked();
    st.journey.set(None);
    request(ctx, ExploreRequest::Journey { user, gap_minutes: st.gap_minutes.get_untracked() }, move |r| {
        st.journey.set(Some(r.and_then(|(result, _)| match result {
            ExploreResult::Journey(j) => Ok(j),
            _ => Err("unexpected explorer reply".into()),
        })));
    });
}

/// Shows the rows matching `filter` and the users behind them.
pub fn drill(ctx: Ctx, title: String, filter: Filter) {
    let st = ctx.explore;
    let (rows_sql, users_sql) = match (filter.rows_sql(), filter.users_sql()) {
        (Ok(r), Ok(u)) => (r, u),
        (Err(e), _) | (_, Err(e)) => return ctx.complain(e),
    };
    let has_users = ctx.load.with_untracked(|l| match l {
        LoadState::Loaded(s) => s.schema.iter().any(|f| f.name == "user_id"),
        _ => false,
    });
    st.raw.set(None);
    let seq = st.drill.with_untracked(|d| d.as_ref().map_or(0, |d| d.seq + 1));
    st.drill.set(Some(Drill { seq, title, filter, rows: None, users: None }));
    run_sql(ctx, "__explore_rows", rows_sql, DRILL_ROWS, move |r| {
        st.drill.update(|d| match d {
            Some(d) if d.seq == seq => d.rows = Some(r),
            _ => {}
        });
    });
    if has_users {
        run_sql(ctx, "__explore_users", users_sql, DRILL_USERS, move |r| {
            st.drill.update(|d| match d {
                Some(d) if d.seq == seq => d.users = Some(r),
                _ => {}
            });
        });
    }
    crate::browser::scroll_into_view_later("#drill".into());
}


/// Adds a SQL cell with the filter's rows query and shows the notebook.
fn filter_to_cell(ctx: Ctx, filter: &Filter) {
    let sql = match filter.rows_sql() {
        Ok(sql) => sql,
        Err(e) => return ctx.complain(e),
    };
    let name = ctx.nb.with_untracked(|nb| nb.fresh_name("filtered"));
    let len = ctx.nb.with_untracked(|nb| nb.len());
    if let Some(id) = ctx.insert(len, Cell::new_code(CellKind::Sql, Some(&name), &sql)) {
        ctx.exploring.set(false);
        ctx.dashboard.set(false);
        ctx.run_cell(id);
        crate::browser::scroll_into_view_later(format!(".cell[data-cell-id=\"{id}\"]"));
    }
}

/// A condition's value typed by its column: numbers and booleans as such.
pub fn typed_value(data_type: &str, text: &str) -> Value {
    let text = text.trim();
    if format::is_numeric_type(data_type) {
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
        if let Some(n) = text.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Value::Number(n);
        }
    }
    if data_type == "Boolean" && (text == "true" || text == "false") {
        return Value::Bool(text == "true");
    }
    Value::String(text.to_owned())
}

/// A result row as a JSON object, without Glint's own columns and aliases.
pub fn row_json(table: &TableData, row: usize, summary: &DatasetSummary) -> String {
    let mut object = serde_json::Map::new();
    if let Some(values) = table.rows.get(row) {
        for (c, v) in table.columns.iter().zip(values) {
            let alias = summary.schema.iter().any(|f| f.name == c.name && f.alias_of.is_some());
            if c.name == "_line" || c.name == "_offset" || alias || v.is_null() {
                continue;
            }
            object.insert(c.name.clone(), v.clone());
        }
    }
    serde_json::to_string_pretty(&Value::Object(object)).unwrap_or_default()
}

fn column_u64(table: &TableData, row: usize, name: &str) -> Option<u64> {
    let i = table.columns.iter().position(|c| c.name == name)?;
    table.rows.get(row)?.get(i)?.as_u64()
}

fn show_raw(ctx: Ctx, table: &TableData, row: usize) {
    let Some(summary) = ctx.load.with_untracked(|l| match l {
        LoadState::Loaded(s) => Some(s.clone()),
        _ => None,
    }) else {
        return;
    };
    let parsed = row_json(table, row, &summary);
    let line = column_u64(table, row, "_line").unwrap_or(0);
    let st = ctx.explore;
    let Some(offset) = column_u64(table, row, "_offset") else {
        st.raw.set(Some(RawView { line, text: None, parsed, note: Some("the row has no `_offset`".into()) }));
        return;
    };
    st.raw.set(Some(RawView { line, text: None, parsed: parsed.clone(), note: Some("reading…".into()) }));
    ctx.engine.with_value(|engine| {
        if let Some(engine) = engine {
            engine.request(ToWorker::RawLine { offset }, |_| {}, move |reply| {
                let (text, note) = match reply {
                    Ok(FromWorker::RawLine { text, note }) => (text, note),
                    Ok(other) => (None, Some(crate::state::unexpected(&other).message)),
                    Err(e) => (None, Some(e.message)),
                };
                st.raw.set(Some(RawView { line, text, parsed, note }));
            });
        }
    });
}

fn bar_percent(count: u64, max: u64) -> String {
    format!("{:.1}%", if max == 0 { 0.0 } else { count as f64 * 100.0 / max as f64 })
}

#[component]
pub fn Explorer() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    Effect::new(move |_| {
        if ctx.exploring.get() && ctx.load.with(|l| matches!(l, LoadState::Loaded(_))) {
            request_details(ctx);
        }
    });
    view! {
        <div id="explorer" class="explorer">
            <OverviewCard />
            <DrillCard />
            <FilterCard />
            <JourneyCard />
            <SchemaCard />
        </div>
    }
}

#[component]
fn OverviewCard() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let st = ctx.explore;
    let summary = Memo::new(move |_| {
        ctx.load.with(|l| match l {
            LoadState::Loaded(s) => Some((**s).clone()),
            _ => None,
        })
    });
    let set_bucket = move |ev: leptos::ev::Event| {
        let b = match event_target_value(&ev).as_str() {
            "hour" => Some(TimeBucket::Hour),
            "day" => Some(TimeBucket::Day),
            "week" => Some(TimeBucket::Week),
            _ => None,
        };
        st.bucket.set(b);
        fetch_overview(ctx);
    };
    view! {
        <section class="card" id="explore-overview">
            <div class="card-head">
                <h2>"Overview"</h2>
                <span class="spacer"></span>
                <button type="button" class="small-btn" id="sample-rows"
                    on:click=move |_| drill(ctx, "Sample rows (input order)".into(), Filter::default())>"Sample rows"</button>
            </div>
            {move || match st.overview.get() {
                None => view! { <p class="muted">"Computing the overview…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="error-box" role="alert">{e}</div> }.into_any(),
                Some(Ok((o, ms))) => {
                    let s = summary.get();
                    let range = match (&o.time_min, &o.time_max) {
                        (Some(a), Some(b)) => format!("{a} … {b}"),
                        _ => "no event times".into(),
                    };
                    let max_event = o.events.iter().map(|c| c.count).max().unwrap_or(0);
                    let max_bucket = o.histogram.iter().map(|c| c.count).max().unwrap_or(0);
                    let bucket_word = o.bucket.map(|b| b.word()).unwrap_or("");
                    let events = o.events.iter().map(|c| {
                        let name = c.value.clone();
                        let label = name.clone().unwrap_or_else(|| "(no event name)".into());
                        let width = bar_percent(c.count, max_event);
                        let filter = Filter {
                            event: name.clone(),
                            conditions: if name.is_none() {
                                vec![Condition { path: "event".into(), op: Op::IsNull, value: Value::Null }]
                            } else {
                                Vec::new()
                            },
                            ..Default::default()
                        };
                        let title = format!("Events “{label}”");
                        view! {
                            <button type="button" class="event-bar" data-event=label.clone() title="Show these rows and their users"
                                on:click=move |_| drill(ctx, title.clone(), filter.clone())>
                                <span class="bar-label">{label.clone()}</span>
                                <span class="bar-track"><span class="bar-fill" style:width=width></span></span>
                                <span class="bar-count">{format::thousands(c.count)}</span>
                            </button>
                        }
                    }).collect_view();
                    let hist = o.histogram.iter().map(|h| {
                        let height = bar_percent(h.count, max_bucket);
                        let filter = Filter { from: Some(h.start.clone()), to: Some(h.end.clone()), ..Default::default() };
                        let title = format!("Events from {} to {}", h.start, h.end);
                        let tip = format!("{}: {} events", h.start, format::thousands(h.count));
                        view! {
                            <button type="button" class="hist-bar" data-start=h.start.clone() data-count=h.count title=tip
                                on:click=move |_| drill(ctx, title.clone(), filter.clone())>
                                <span class="hist-fill" style:height=height></span>
                            </button>
                        }
                    }).collect_view();
                    let first = o.histogram.first().map(|h| h.start.clone()).unwrap_or_default();
                    let last = o.histogram.last().map(|h| h.start.clone()).unwrap_or_default();
                    let props = o.top_properties.iter().map(|p| view! {
                        <li><code>{p.value.clone().unwrap_or_default()}</code> " " <span class="muted">{format::thousands(p.count)}</span></li>
                    }).collect_view();
                    let (malformed, conflicts, ingest_ms) = s.as_ref().map(|s| (s.report.malformed, s.report.conflict_total(), s.ingest_ms)).unwrap_or_default();
                    view! {
                        <dl class="stats">
                            <div class="stat"><dt>"Rows"</dt><dd id="ov-rows">{o.rows}</dd></div>
                            <div class="stat"><dt>"Users"</dt><dd id="ov-users">{o.users.map(|u| u.to_string()).unwrap_or_else(|| "—".into())}</dd></div>
                            <div class="stat"><dt>"Event names"</dt><dd id="ov-events">{o.distinct_events.map(|u| u.to_string()).unwrap_or_else(|| "—".into())}</dd></div>
                            <div class="stat"><dt>"Ingest"</dt><dd>{format::duration_ms(ingest_ms)}</dd></div>
                            <div class="stat" class:warn={malformed > 0}>
                                <dt>"Malformed lines"</dt>
                                <dd><a href="#malformed-report" title="Show the lines">{format::thousands(malformed)}</a></dd>
                            </div>
                            <div class="stat" class:warn={conflicts > 0}>
                                <dt>"Type conflicts"</dt>
                                <dd><a href="#conflict-report" title="Show the values">{format::thousands(conflicts)}</a></dd>
                            </div>
                        </dl>
                        {s.as_ref().filter(|s| s.report.malformed > 0).map(|s| {
                            let items = s.report.malformed_examples.iter().take(5).map(|m| view! {
                                <li>{format!("line {}: {} — ", m.line, m.reason)}<code>{m.excerpt.clone()}</code></li>
                            }).collect_view();
                            view! {
                                <details class="small" id="ov-malformed">
                                    <summary>{format!("Show malformed lines (first {} of {})", s.report.malformed_examples.len().min(5), format::thousands(s.report.malformed))}</summary>
                                    <ul class="plain">{items}</ul>
                                    <a href="#malformed-report">"all listed lines"</a>
                                </details>
                            }
                        })}
                        {s.as_ref().filter(|s| s.report.conflict_total() > 0).map(|s| {
                            let items = s.report.conflicts.iter().map(|c| view! {
                                <li><code>{c.column.clone()}</code>{format!(" ({}): {} values of another type, e.g. ", c.expected, format::thousands(c.count))}
                                    {c.examples.first().map(|e| view! { <code>{e.value.clone()}</code> {format!(" on line {}", e.line)} })}</li>
                            }).collect_view();
                            view! {
                                <details class="small" id="ov-conflicts">
                                    <summary>"Show type conflicts"</summary>
                                    <ul class="plain">{items}</ul>
                                    <a href="#conflict-report">"all examples"</a>
                                </details>
                            }
                        })}
                        <p class="muted small">
                            "Time range (UTC): " <span id="ov-range">{range}</span>
                            {(o.rows_without_time > 0).then(|| format!(" · {} rows without a time", format::thousands(o.rows_without_time)))}
                            " · overview computed in " <span id="ov-ms">{format!("{ms:.0}")}</span> " ms"
                        </p>
                        <div class="explore-grid">
                            <div>
                                <h3>"Events per name"</h3>
                                <div class="event-bars">{events}</div>
                                {(o.events_other > 0).then(|| view! {
                                    <p class="muted small">{format!("+ {} events with other names", format::thousands(o.events_other))}</p>
                                })}
                            </div>
                            <div>
                                <div class="card-head">
                                    <h3>"Events over time"</h3>
                                    <span class="spacer"></span>
                                    <label class="muted small">"per "
                                        <select id="bucket" on:change=set_bucket>
                                            <option value="auto" selected=move || st.bucket.get().is_none()>{format!("auto ({bucket_word})")}</option>
                                            <option value="hour" selected=move || st.bucket.get() == Some(TimeBucket::Hour)>"hour"</option>
                                            <option value="day" selected=move || st.bucket.get() == Some(TimeBucket::Day)>"day"</option>
                                            <option value="week" selected=move || st.bucket.get() == Some(TimeBucket::Week)>"week"</option>
                                        </select>
                                    </label>
                                </div>
                                <div class="histogram" id="histogram" data-bucket=bucket_word>{hist}</div>
                                <div class="hist-axis muted small"><span>{first}</span><span class="spacer"></span><span>{last}</span></div>
                                <h3>"Top properties"</h3>
                                <ul class="plain">{props}</ul>
                            </div>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// A small table of a result's first rows, with a raw-line button per row
/// when the result has `_offset`.
fn rows_table(ctx: Ctx, table: TableData, raw_buttons: bool) -> impl IntoView {
    let numeric: Vec<bool> = table.columns.iter().map(|c| format::is_numeric_type(&c.data_type)).collect();
    let has_offset = raw_buttons && table.columns.iter().any(|c| c.name == "_offset");
    let header = table.columns.iter().map(|c| view! { <th>{c.name.clone()}</th> }).collect_view();
    let shared = std::rc::Rc::new(table.clone());
    let rows = (0..table.rows.len())
        .map(|r| {
            let cells = table.rows[r]
                .iter()
                .enumerate()
                .map(|(i, v)| match format::cell(v) {
                    Some(t) => view! { <td class:num=numeric.get(i).copied().unwrap_or(false)>{t}</td> }.into_any(),
                    None => view! { <td class="null">"NULL"</td> }.into_any(),
                })
                .collect_view();
            let shared = shared.clone();
            view! {
                <tr>
                    {has_offset.then(|| view! {
                        <td><button type="button" class="icon-btn raw-btn" title="Show this row's line from the input"
                            on:click=move |_| show_raw(ctx, &shared, r)>"{ }"</button></td>
                    })}
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="grid compact">
                <thead><tr>{has_offset.then(|| view! { <th></th> })}{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn DrillCard() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let st = ctx.explore;
    move || {
        let d = st.drill.get()?;
        let filter = d.filter.clone();
        let rows = match d.rows {
            None => view! { <p class="muted">"Finding the rows…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e}</div> }.into_any(),
            Some(Ok(t)) => {
                let total = t.total_rows;
                let shown = t.rows.len();
                view! {
                    <p class="muted small"><span id="drill-total">{total}</span>
                        {format!(" matching rows{}", if (shown as u64) < total { format!("; the first {shown} in input order") } else { String::new() })}</p>
                    <div id="drill-rows">{rows_table(ctx, t, true)}</div>
                }.into_any()
            }
        };
        let users = match d.users {
            None => ().into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e}</div> }.into_any(),
            Some(Ok(t)) => {
                let total = t.total_rows;
                let list = t.rows.iter().map(|r| {
                    let user = r.first().and_then(format::cell);
                    let events = r.get(1).and_then(Value::as_u64).unwrap_or(0);
                    match user {
                        Some(u) => {
                            let name = u.clone();
                            view! {
                                <li><button type="button" class="link-btn drill-user" title="Show this user's journey"
                                    on:click=move |_| { st.journey_user.set(name.clone()); show_journey(ctx); crate::browser::scroll_into_view_later("#explore-journey".into()); }>{u}</button>
                                " " <span class="muted small">{format::thousands(events)}</span></li>
                            }.into_any()
                        }
                        None => view! { <li class="muted">"(no user) " {format::thousands(events)}</li> }.into_any(),
                    }
                }).collect_view();
                view! {
                    <h3>"Users behind them"</h3>
                    <p class="muted small">{format!("{} users", format::thousands(total))}</p>
                    <ul class="plain users" id="drill-users">{list}</ul>
                }.into_any()
            }
        };
        Some(view! {
            <section class="card" id="drill">
                <div class="card-head">
                    <h2>{d.title.clone()}</h2>
                    <span class="spacer"></span>
                    <button type="button" class="small-btn" title="Open these rows as a SQL cell in the notebook"
                        on:click=move |_| filter_to_cell(ctx, &filter)>"Open as SQL cell"</button>
                    <button type="button" class="icon-btn" aria-label="Close" on:click=move |_| st.drill.set(None)>"✕"</button>
                </div>
                <RawLineView />
                <div class="drill-grid">
                    <div>{rows}</div>
                    <div>{users}</div>
                </div>
            </section>
        })
    }
}

#[component]
fn RawLineView() -> impl IntoView {
    let st = expect_context::<Ctx>().explore;
    move || {
        let raw = st.raw.get()?;
        Some(view! {
            <div class="raw-line" id="raw-line">
                <div class="card-head">
                    <h3>{format!("Line {}", raw.line)}</h3>
                    <span class="spacer"></span>
                    <button type="button" class="icon-btn" aria-label="Close" on:click=move |_| st.raw.set(None)>"✕"</button>
                </div>
                {match raw.text {
                    Some(text) => view! { <pre class="raw exact" id="raw-text">{text}</pre> }.into_any(),
                    None => view! {
                        <p class="muted small">{raw.note.clone().unwrap_or_default()} " — the row as parsed:"</p>
                        <pre class="raw parsed" id="raw-text">{raw.parsed.clone()}</pre>
                    }.into_any(),
                }}
            </div>
        })
    }
}

#[component]
fn FilterCard() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let st = ctx.explore;
    let schema = Memo::new(move |_| {
        ctx.load.with(|l| match l {
            LoadState::Loaded(s) => s
                .schema
                .iter()
                .filter(|f| f.data_type != "Struct" && !f.name.starts_with('_'))
                .map(|f| (f.name.clone(), f.data_type.clone()))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    let events = Memo::new(move |_| match st.overview.get() {
        Some(Ok((o, _))) => o.events.iter().filter_map(|c| c.value.clone()).collect::<Vec<_>>(),
        _ => Vec::new(),
    });
    let type_of = move |path: &str| schema.with_untracked(|s| s.iter().find(|(n, _)| n == path).map(|(_, t)| t.clone())).unwrap_or_default();
    let add = move |_| {
        let first = schema.with_untracked(|s| s.first().map(|(n, _)| n.clone())).unwrap_or_default();
        st.filter.update(|f| f.conditions.push(Condition { path: first, op: Op::Eq, value: Value::String(String::new()) }));
    };
    view! {
        <section class="card" id="explore-filter">
            <div class="card-head"><h2>"Filter"</h2></div>
            <div class="filter-row">
                <label>"Event "
                    <select id="filter-event" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        st.filter.update(|f| f.event = (!v.is_empty()).then_some(v));
                    }>
                        <option value="" selected=move || st.filter.with(|f| f.event.is_none())>"any"</option>
                        {move || events.get().into_iter().map(|e| {
                            let selected = st.filter.with(|f| f.event.as_deref() == Some(e.as_str()));
                            view! { <option value=e.clone() selected=selected>{e.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"from "<input type="text" id="filter-from" placeholder="2026-10-01T00:00:00Z"
                    prop:value=move || st.filter.with(|f| f.from.clone().unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev); st.filter.update(|f| f.from = (!v.trim().is_empty()).then(|| v.trim().to_owned())); } /></label>
                <label>"to "<input type="text" id="filter-to" placeholder="2026-11-01T00:00:00Z"
                    prop:value=move || st.filter.with(|f| f.to.clone().unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev); st.filter.update(|f| f.to = (!v.trim().is_empty()).then(|| v.trim().to_owned())); } /></label>
            </div>
            {move || {
                let conditions = st.filter.with(|f| f.conditions.clone());
                conditions.into_iter().enumerate().map(|(i, c)| {
                    let value_text = match &c.value { Value::String(s) => s.clone(), Value::Null => String::new(), v => v.to_string() };
                    let needs_value = !matches!(c.op, Op::IsNull | Op::IsNotNull);
                    view! {
                        <div class="filter-row condition">
                            <select class="cond-path" on:change=move |ev| {
                                let path = event_target_value(&ev);
                                let t = type_of(&path);
                                st.filter.update(|f| if let Some(c) = f.conditions.get_mut(i) {
                                    let text = match &c.value { Value::String(s) => s.clone(), v => v.to_string() };
                                    c.value = typed_value(&t, &text);
                                    c.path = path;
                                });
                            }>
                                {schema.get().into_iter().map(|(n, _)| {
                                    let selected = n == c.path;
                                    view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                                }).collect_view()}
                            </select>
                            <select class="cond-op" on:change=move |ev| {
                                if let Some(op) = Op::from_symbol(&event_target_value(&ev)) {
                                    st.filter.update(|f| if let Some(c) = f.conditions.get_mut(i) { c.op = op; });
                                }
                            }>
                                {Op::ALL.into_iter().map(|op| view! { <option value=op.symbol() selected={op == c.op}>{op.symbol()}</option> }).collect_view()}
                            </select>
                            {needs_value.then(|| view! {
                                <input type="text" class="cond-value" prop:value=value_text.clone() on:change=move |ev| {
                                    let text = event_target_value(&ev);
                                    st.filter.update(|f| if let Some(c) = f.conditions.get_mut(i) { c.value = typed_value(&type_of(&c.path), &text); });
                                } />
                            })}
                            <button type="button" class="icon-btn" aria-label="Remove the condition"
                                on:click=move |_| st.filter.update(|f| { if i < f.conditions.len() { f.conditions.remove(i); } })>"✕"</button>
                        </div>
                    }
                }).collect_view()
            }}
            <div class="filter-row">
                <button type="button" class="small-btn" id="filter-add" on:click=add>"+ Condition"</button>
                <span class="spacer"></span>
                <button type="button" class="small-btn" id="filter-show"
                    on:click=move |_| drill(ctx, "Filtered rows".into(), st.filter.get_untracked())>"Show rows"</button>
                <button type="button" class="small-btn primary" id="filter-cell" title="Add the equivalent SQL as a notebook cell"
                    on:click=move |_| filter_to_cell(ctx, &st.filter.get_untracked())>"Add as SQL cell"</button>
            </div>
            <pre class="sql-preview muted small" id="filter-sql">{move || st.filter.with(|f| f.rows_sql().unwrap_or_else(|e| e))}</pre>
        </section>
    }
}

#[component]
fn JourneyCard() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let st = ctx.explore;
    view! {
        <section class="card" id="explore-journey">
            <div class="card-head"><h2>"User journey"</h2></div>
            <div class="filter-row">
                <label>"User "
                    <input type="text" id="journey-user" list="top-users" prop:value=move || st.journey_user.get()
                        on:input=move |ev| st.journey_user.set(event_target_value(&ev))
                        on:keydown=move |ev: web_sys::KeyboardEvent| { if ev.key() == "Enter" { show_journey(ctx); } } />
                </label>
                <datalist id="top-users">
                    {move || match st.top_users.get() {
                        Some(Ok(users)) => users.into_iter().filter_map(|c| {
                            let v = c.value?;
                            Some(view! { <option value=v.clone()>{format!("{} events", c.count)}</option> })
                        }).collect_view().into_any(),
                        _ => ().into_any(),
                    }}
                </datalist>
                <label>"new session after "
                    <input type="number" id="journey-gap" min="1" max="10080" class="narrow" prop:value=move || st.gap_minutes.get().to_string()
                        on:change=move |ev| { if let Ok(m) = event_target_value(&ev).parse::<u32>() { st.gap_minutes.set(m.clamp(1, 10_080)); } } />
                    " min idle"
                </label>
                <button type="button" class="small-btn" id="journey-show" on:click=move |_| show_journey(ctx)>"Show"</button>
            </div>
            {move || match st.top_users.get() {
                Some(Ok(users)) if !users.is_empty() => view! {
                    <p class="muted small">"Most active: "
                        {users.into_iter().take(8).filter_map(|c| {
                            let v = c.value?;
                            let name = v.clone();
                            Some(view! { <button type="button" class="link-btn top-user"
                                on:click=move |_| { st.journey_user.set(name.clone()); show_journey(ctx); }>{v}</button> " " })
                        }).collect_view()}
                    </p>
                }.into_any(),
                Some(Err(e)) => view! { <p class="muted small">{e}</p> }.into_any(),
                _ => ().into_any(),
            }}
            {move || match st.journey.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <div class="error-box" role="alert">{e}</div> }.into_any(),
                Some(Ok(j)) => {
                    let shown = j.events.len();
                    let head = format!(
                        "{} events in {} sessions (sessions by {}){}",
                        format::thousands(j.total_events),
                        j.sessions,
                        j.sessions_by,
                        if (shown as u64) < j.total_events { format!("; the first {shown} shown") } else { String::new() }
                    );
                    let mut last_session = 0;
                    let items = j.events.into_iter().map(|e| {
                        let new = e.session != last_session;
                        last_session = e.session;
                        view! {
                            {new.then(|| view! { <li class="session-head">{format!("Session {}", e.session)}</li> })}
                            <li class="journey-event" class:exposure=e.exposure.is_some() data-session=e.session data-line=e.line>
                                <details>
                                    <summary>
                                        <span class="time">{e.time.clone().unwrap_or_else(|| "(no time)".into())}</span>
                                        " " <strong class="name">{e.event.clone().unwrap_or_else(|| "(no event name)".into())}</strong>
                                        {e.exposure.clone().map(|x| view! { " " <span class="badge">{format!("exposure: {x}")}</span> })}
                                        " " <span class="muted small">{format!("line {}", e.line)}</span>
                                    </summary>
                                    <pre class="raw">{pretty(&e.json)}</pre>
                                </details>
                            </li>
                        }
                    }).collect_view();
                    view! {
                        <p class="muted small" id="journey-head">{head}</p>
                        <ol class="journey" id="journey">{items}</ol>
                    }.into_any()
                }
            }}
        </section>
    }
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<Value>(json).ok().and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or_else(|| json.to_owned())
}

#[component]
fn SchemaCard() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let st = ctx.explore;
    view! {
        <section class="card" id="explore-schema">
            <div class="card-head"><h2>"Fields"</h2>
                <span class="muted small">"click a value to see its rows"</span>
            </div>
            {move || match st.profile.get() {
                None => view! { <p class="muted">"Computing field statistics…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="error-box" role="alert">{e}</div> }.into_any(),
                Some(Ok((fields, ms))) => {
                    let rows = fields.into_iter().map(|f| {
                        let path = f.path.clone();
                        let data_type = f.data_type.clone();
                        let top = if f.unique {
                            view! { <span class="muted small">"nearly every value distinct"</span> }.into_any()
                        } else {
                            f.top.iter().map(|c| {
                                let value = c.value.clone().unwrap_or_default();
                                let filter = Filter {
                                    conditions: vec![Condition { path: path.clone(), op: Op::Eq, value: typed_value(&data_type, &value) }],
                                    ..Default::default()
                                };
                                let title = format!("{path} = {value}");
                                view! {
                                    <button type="button" class="chip" title="Filter on this value: its rows and users (the filter builder takes the condition)"
                                        on:click=move |_| {
                                            let condition = filter.conditions[0].clone();
                                            st.filter.update(|f| {
                                                f.conditions.retain(|c| c.path != condition.path);
                                                f.conditions.push(condition);
                                            });
                                            drill(ctx, title.clone(), filter.clone());
                                        }>
                                        {value.clone()} " " <span class="muted">{format::thousands(c.count)}</span>
                                    </button>
                                }
                            }).collect_view().into_any()
                        };
                        let distinct = if f.distinct_exact { format::thousands(f.distinct) } else { format!("≈ {}", format::thousands(f.distinct)) };
                        let distinct_title = if f.distinct_exact { "exact" } else { "HyperLogLog estimate (about ±2%)" };
                        view! {
                            <tr data-path=f.path.clone()>
                                <td><code>{f.path.clone()}</code>
                                    {(!f.aliases.is_empty()).then(|| view! { <span class="muted small">{format!(" = {}", f.aliases.join(", "))}</span> })}</td>
                                <td class="type">{f.data_type.clone()}</td>
                                <td class="num null-pct">{format!("{:.1}%", f.null_fraction * 100.0)}</td>
                                <td class="num distinct" title=distinct_title>{distinct}</td>
                                <td class="num">{f.min.clone().unwrap_or_default()}</td>
                                <td class="num">{f.max.clone().unwrap_or_default()}</td>
                                <td class="top">{top}</td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <p class="muted small">{format!("computed in {ms:.0} ms; distinct counts are exact up to 10,000 and estimated (≈) beyond")}</p>
                        <div class="table-wrap">
                            <table class="grid compact" id="profile">
                                <thead><tr><th>"Field"</th><th>"Type"</th><th class="num">"Null"</th><th class="num">"Distinct"</th>
                                    <th class="num">"Min"</th><th class="num">"Max"</th><th>"Top values"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_protocol::{ColumnInfo, FieldInfo, IngestReport};
    use serde_json::json;

    #[test]
    fn values_take_their_column_type() {
        assert_eq!(typed_value("Int64", " 42 "), json!(42));
        assert_eq!(typed_value("Float64", "2.5"), json!(2.5));
        assert_eq!(typed_value("Float64", "abc"), json!("abc"));
        assert_eq!(typed_value("Boolean", "true"), json!(true));
        assert_eq!(typed_value("Utf8", "42"), json!("42"));
    }

    #[test]
    fn a_row_as_json_leaves_out_meta_columns_aliases_and_nulls() {
        let col = |n: &str| ColumnInfo { name: n.into(), data_type: "Utf8".into() };
        let table = TableData {
            columns: vec![col("event"), col("userId"), col("user_id"), col("_line"), col("x")],
            rows: vec![vec![json!("a"), json!("u1"), json!("u1"), json!(3), json!(null)]],
            total_rows: 1,
        };
        let field = |n: &str, alias: Option<&str>| FieldInfo { name: n.into(), data_type: "Utf8".into(), alias_of: alias.map(Into::into) };
        let summary = DatasetSummary {
            source: "s".into(),
            bytes: 0,
            partitions: 1,
            ingest_ms: 0.0,
            report: IngestReport::default(),
            schema: vec![field("event", None), field("userId", None), field("user_id", Some("userId"))],
        };
        assert_eq!(row_json(&table, 0, &summary), "{\n  \"event\": \"a\",\n  \"userId\": \"u1\"\n}");
        assert_eq!(bar_percent(1, 4), "25.0%");
        assert_eq!(bar_percent(1, 0), "0.0%");
    }
}
