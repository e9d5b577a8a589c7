//! A SQL cell's result: row count and time, a pager (the worker keeps the
//! whole result; pages of [`PAGE_ROWS`] come on demand, so a million-row
//! result stays fast), column types, copy/download, and the table itself.
//!
//! DOM: `.result` table with `data-total` (rows in the whole result) and
//! `data-offset`; headers hold `.col-name` and `.col-type`.

use glint_protocol::{ExportFormat, TableData};
use leptos::prelude::*;

use crate::ctx::Ctx;
use crate::format;
use crate::run::PAGE_ROWS;

#[component]
pub fn ResultView(id: u64, table: TableData, offset: usize, elapsed_ms: f64) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let total = table.total_rows as usize;
    let shown = table.rows.len();
    let first = if shown == 0 { 0 } else { offset + 1 };
    let last = offset + shown;
    let has_prev = offset > 0;
    let has_next = last < total;
    let numeric: Vec<bool> = table.columns.iter().map(|c| format::is_numeric_type(&c.data_type)).collect();
    let header = table
        .columns
        .iter()
        .zip(numeric.iter())
        .map(|(c, &num)| {
            view! {
                <th class:num=num>
                    <span class="col-name">{c.name.clone()}</span>
                    <span class="col-type">{c.data_type.clone()}</span>
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
    let last_page = total.saturating_sub(1) / PAGE_ROWS * PAGE_ROWS;
    view! {
        <div class="result-bar">
            <span class="result-meta">
                <span class="result-rows">{format::thousands(total as u64)}</span>
                {if total == 1 { " row" } else { " rows" }}
                " · " {format::duration_ms(elapsed_ms)}
            </span>
            {(total > shown || offset > 0).then(|| view! {
                <span class="pager">
                    <button type="button" class="small-btn" disabled=!has_prev on:click=move |_| ctx.fetch_page(id, 0)>"«"</button>
                    <button type="button" class="small-btn page-prev" disabled=!has_prev
                        on:click=move |_| ctx.fetch_page(id, offset.saturating_sub(PAGE_ROWS))>"‹ Prev"</button>
                    <span class="muted small page-range">
                        {format!("{}–{} of {}", format::thousands(first as u64), format::thousands(last as u64), format::thousands(total as u64))}
                    </span>
                    <button type="button" class="small-btn page-next" disabled=!has_next
                        on:click=move |_| ctx.fetch_page(id, offset + PAGE_ROWS)>"Next ›"</button>
                    <button type="button" class="small-btn" disabled=!has_next on:click=move |_| ctx.fetch_page(id, last_page)>"»"</button>
                </span>
            })}
            <span class="spacer"></span>
            <button type="button" class="small-btn" title="Copy the whole result as CSV"
                on:click=move |_| ctx.export(id, ExportFormat::Csv, true)>"Copy CSV"</button>
            <button type="button" class="small-btn" title="Download the whole result as CSV"
                on:click=move |_| ctx.export(id, ExportFormat::Csv, false)>"CSV ↓"</button>
            <button type="button" class="small-btn" title="Download the whole result as an Arrow IPC file (pandas, polars, DuckDB)"
                on:click=move |_| ctx.export(id, ExportFormat::ArrowIpc, false)>"Arrow ↓"</button>
            <button type="button" class="small-btn" title="Download the whole result as Parquet (uncompressed pages)"
                on:click=move |_| ctx.export_parquet(id)>"Parquet ↓"</button>
            <button type="button" class="small-btn" title="Chart this result in a new cell below"
                on:click=move |_| ctx.chart_of(id)>"Chart"</button>
        </div>
        <div class="table-wrap result-wrap">
            <table class="grid result" data-total=total data-offset=offset>
                <thead><tr>{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
