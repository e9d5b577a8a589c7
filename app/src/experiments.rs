//! The experiment view: the experiments found in the loaded log (values of
//! `properties.experiment_id` with their arms and units, counted by the
//! engine), each with "Analyze", which adds an `ab` cell for it to the
//! notebook and runs it. Shown when the log has the Segment-style
//! `properties.experiment_id` and `properties.variant` columns.
//!
//! DOM: `#experiments`, one `.experiment` per experiment with `data-experiment`,
//! its button `.analyze`.

use glint_notebook::{Cell, CellKind};
use glint_protocol::{FromWorker, TableData, ToWorker};
use leptos::prelude::*;

use crate::ctx::Ctx;
use crate::format;
use crate::state::LoadState;

const EXPERIMENT_COLUMN: &str = "properties.experiment_id";
const VARIANT_COLUMN: &str = "properties.variant";

const EXPERIMENTS_SQL: &str = "SELECT properties.experiment_id AS experiment, properties.variant AS arm, \
     count(DISTINCT user_id) AS units FROM events \
     WHERE properties.experiment_id IS NOT NULL AND properties.variant IS NOT NULL \
     GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 200";

const EVENTS_SQL: &str = "SELECT event, count(DISTINCT user_id) AS users FROM events \
     WHERE event IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 12";

/// One experiment and its arms.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub id: String,
    pub arms: Vec<(String, u64)>,
}

/// Groups `(experiment, arm, units)` rows.
pub fn experiments(table: &TableData) -> Vec<Experiment> {
    let mut out: Vec<Experiment> = Vec::new();
    for row in &table.rows {
        let (Some(id), Some(arm)) = (row.first().and_then(|v| v.as_str()), row.get(1).and_then(|v| v.as_str())) else {
            continue;
        };
        let units = row.get(2).and_then(|v| v.as_u64()).unwrap_or(0);
        match out.last_mut() {
            Some(e) if e.id == id => e.arms.push((arm.to_owned(), units)),
            _ => out.push(Experiment { id: id.to_owned(), arms: vec![(arm.to_owned(), units)] }),
        }
    }
    out
}

/// The arm that is most likely the control.
pub fn guess_control(arms: &[(String, u64)]) -> Option<String> {
    const NAMES: [&str; 6] = ["control", "baseline", "a", "off", "original", "default"];
    NAMES
        .iter()
        .find_map(|n| arms.iter().find(|(a, _)| a.eq_ignore_ascii_case(n)))
        .or_else(|| arms.first())
        .map(|(a, _)| a.clone())
}

/// An `ab` cell body for an experiment: conversion metrics on the most
/// common events (those that are not exposure events themselves).
pub fn ab_body(experiment: &Experiment, events: &[String]) -> String {
    let quote = |s: &str| s.replace('"', "'");
    let mut body = format!(
        "experiment: {}\ncontrol: {}\n",
        experiment.id,
        guess_control(&experiment.arms).unwrap_or_default()
    );
    let mut metrics = 0;
    for event in events.iter().filter(|e| !e.to_ascii_lowercase().contains("experiment")).take(3) {
        let name: String = event
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let name = name.trim_matches('_');
        let name = if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) { format!("m{metrics}") } else { name.to_owned() };
        body += &format!("metric: {name} = conversion \"{}\"\n", quote(event));
        metrics += 1;
    }
    if metrics == 0 {
        body += "metric: events = count\n";
    }
    body += "# more: metric: revenue = sum properties.revenue \"Order Completed\" · cap: revenue 99% · cuped: 14 · breakdown: context.device.type";
    body
}

#[component]
pub fn ExperimentsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let found = RwSignal::new(None::<Result<Vec<Experiment>, String>>);
    let events = RwSignal::new(Vec::<String>::new());
    let applicable = Memo::new(move |_| {
        ctx.load.with(|l| match l {
            LoadState::Loaded(summary) => {
                let has = |n: &str| summary.schema.iter().any(|f| f.name == n);
                Some(summary.source.clone()).filter(|_| has(EXPERIMENT_COLUMN) && has(VARIANT_COLUMN) && has("event"))
            }
            _ => None,
        })
    });
    Effect::new(move |_| {
        if applicable.get().is_none() {
            found.set(None);
            return;
        }
        ctx.engine.with_value(|engine| {
            let Some(engine) = engine else { return };
            let run = |key: &str, sql: &str| ToWorker::RunSql {
                key: key.into(),
                table: None,
                sql: sql.into(),
                params: Vec::new(),
                page_rows: 200,
            };
            engine.request(run("__experiments", EXPERIMENTS_SQL), |_| {}, move |reply| {
                found.set(Some(match reply {
                    Ok(FromWorker::SqlResult { table, .. }) => Ok(experiments(&table)),
                    Ok(_) => Err("unexpected reply".into()),
                    Err(e) => Err(e.message),
                }));
            });
            engine.request(run("__events", EVENTS_SQL), |_| {}, move |reply| {
                if let Ok(FromWorker::SqlResult { table, .. }) = reply {
                    events.set(table.rows.iter().filter_map(|r| r.first()?.as_str().map(str::to_owned)).collect());
                }
            });
        });
    });
    let analyze = move |experiment: Experiment| {
        let body = ab_body(&experiment, &events.get_untracked());
        let name = ctx.nb.with_untracked(|nb| nb.fresh_name("ab"));
        let len = ctx.nb.with_untracked(|nb| nb.len());
        if let Some(id) = ctx.insert(len, Cell::new_code(CellKind::Ab, Some(&name), &body)) {
            ctx.run_cell(id);
            crate::browser::scroll_into_view_later(format!(".cell[data-cell-id=\"{id}\"]"));
        }
    };
    move || {
        applicable.get()?;
        Some(view! {
            <section class="card" id="experiments">
                <h2>"Experiments"</h2>
                {move || match found.get() {
                    None => view! { <p class="muted small">"Counting…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="warn small">{e}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! {
                        <p class="muted small">"No events carry " <code>{EXPERIMENT_COLUMN}</code> "."</p>
                    }.into_any(),
                    Some(Ok(list)) => list.into_iter().map(|e| {
                        let total: u64 = e.arms.iter().map(|(_, u)| u).sum();
                        let arms = e.arms.iter().map(|(a, u)| format!("{a} {}", format::thousands(*u))).collect::<Vec<_>>().join(" · ");
                        let id = e.id.clone();
                        let label = e.id.clone();
                        let exp = e.clone();
                        view! {
                            <div class="experiment" data-experiment=id>
                                <div class="experiment-head">
                                    <code>{label}</code>
                                    <span class="muted small">{format!("{} units", format::thousands(total))}</span>
                                    <span class="spacer"></span>
                                    <button type="button" class="small-btn analyze" on:click=move |_| analyze(exp.clone())>"Analyze"</button>
                                </div>
                                <div class="muted small">{arms}</div>
                            </div>
                        }
                    }).collect_view().into_any(),
                }}
            </section>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_protocol::ColumnInfo;
    use serde_json::json;

    #[test]
    fn experiments_group_arms_and_guess_the_control() {
        let col = |n: &str| ColumnInfo { name: n.into(), data_type: "x".into() };
        let table = TableData {
            columns: ["experiment", "arm", "units"].map(col).to_vec(),
            rows: vec![
                vec![json!("checkout"), json!("B"), json!(10)],
                vec![json!("checkout"), json!("a"), json!(12)],
                vec![json!("rec"), json!("control"), json!(5)],
                vec![json!("rec"), json!("treatment"), json!(6)],
                vec![json!(null), json!("x"), json!(1)],
            ],
            total_rows: 5,
        };
        let found = experiments(&table);
        assert_eq!(found.len(), 2);
        assert_eq!(guess_control(&found[0].arms).as_deref(), Some("a"));
        assert_eq!(guess_control(&found[1].arms).as_deref(), Some("control"));
        let body = ab_body(&found[1], &["Experiment Viewed".into(), "Added to Cart".into(), "2fa \"ok\"".into()]);
        assert_eq!(
            body.lines().take(4).collect::<Vec<_>>(),
            ["experiment: rec", "control: control", "metric: added_to_cart = conversion \"Added to Cart\"", "metric: m1 = conversion \"2fa 'ok'\""]
        );
    }
}
