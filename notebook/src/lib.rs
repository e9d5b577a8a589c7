//! Glint's notebook model: plain Rust, no IO, builds for native and wasm32.
//!
//! A notebook is a Markdown file in which fenced blocks of known kinds are
//! cells:
//!
//! ```text
//!  text ──codec::parse──▶ Notebook { cells: [Markdown | Sql | Chart | Params | …] } ──to_text──▶ same text
//!                              │
//!            deps: dependencies / dependants / validate (which cells to re-run, what is wrong)
//!            params: `params` cells → typed values, `$name` in SQL
//!            chart: ChartSpec (cell body) + TableData (result) → ChartData (points)
//!            markdown: Markdown cell → safe HTML
//!            share: notebook + source + overrides ⇄ URL fragment
//! ```
//!
//! Modules, one concept each: [`model`] (the notebook and its edits),
//! [`codec`] (the file format; round-trips byte for byte), [`params`],
//! [`deps`], [`chart`], [`markdown`], [`share`].
//!
//! **Architecture invariant:** no IO, no panics on any input: malformed
//! files, bodies and links are reported as [`NotebookError`],
//! [`Diagnostic`] or [`ShareError`] values.
//!
//! ```
//! use glint_notebook::{Cell, CellKind, Notebook};
//!
//! let text = "# Checkout\n\n```params\nmin_revenue = 10\n```\n\n\
//!             ```sql name=by_event\nSELECT event, count(*) AS n FROM events\n\
//!             WHERE revenue > $min_revenue GROUP BY event\n```\n\n\
//!             ```chart\nsource: by_event\nkind: bar\nx: event\ny: n\n```\n";
//! let mut nb = Notebook::parse(text)?;
//! assert_eq!(nb.to_text(), text);
//! let kinds: Vec<CellKind> = nb.cells().iter().map(|c| c.kind()).collect();
//! assert_eq!(kinds, [CellKind::Markdown, CellKind::Params, CellKind::Sql, CellKind::Chart]);
//!
//! // Changing the params cell re-runs the SQL cell and then its chart.
//! assert_eq!(nb.dependants(1), [2, 3]);
//! assert!(nb.validate().is_empty());
//!
//! // New cells are written canonically.
//! let name = nb.fresh_name("cell");
//! nb.push(Cell::new_sql(Some(&name), "SELECT * FROM by_event"))?;
//! assert!(nb.to_text().ends_with("```\n\n```sql name=cell_1\nSELECT * FROM by_event\n```\n"));
//! assert_eq!(nb.dependants(2), [3, 4]);
//! # Ok::<(), glint_notebook::NotebookError>(())
//! ```

pub mod chart;
pub mod codec;
pub mod deps;
mod error;
mod fence;
pub mod markdown;
pub mod model;
pub mod params;
pub mod share;

pub use chart::{
    ChartData, ChartKind, ChartSpec, ColumnClass, Series, XAxis, chart_data, column_class, series_color,
};
pub use deps::{Diagnostic, SqlRefs, sql_references};
pub use error::NotebookError;
/// The result types charts read, from `glint-protocol`.
pub use glint_protocol::{ColumnInfo, TableData};
pub use model::{Cell, CellKind, Notebook, check_name};
pub use params::{Param, ParamValue, parse_params, set_param};
pub use share::{ShareError, Shared};
