//! Glint's browser UI (Leptos, client-side rendered).
//!
//! The UI renders what the engine worker sends and never links the engine:
//! all analytics run in the `engine-wasm` web worker, and only
//! `glint_protocol` messages cross between the two.
//!
//! - [`worker`]: the worker handle (spawn, ready handshake, requests by id);
//!   [`dispatch`] is its browser-free bookkeeping.
//! - [`run`]: running a notebook as plain data (cell states, the queue);
//!   [`state`]: the dataset's load state; [`format`]: display text. The
//!   notebook model itself is `glint_notebook`.
//! - [`ctx`]: the shared signals and the actions on them (talks to the worker).
//! - [`app`], [`cells`], [`results`], [`dataset`], [`experiments`], [`explorer`]: components that render the
//!   state; [`chart_view`] draws charts with plotters; [`browser`]: local
//!   storage, downloads, clipboard, the URL fragment; [`parquet`]: Parquet
//!   downloads through the small export worker (`export-wasm`).
//! - [`panic_report`]: panics become a readable message in the page.

pub mod app;
pub mod browser;
pub mod cells;
pub mod chart_view;
pub mod ctx;
pub mod dataset;
pub mod dispatch;
pub mod experiments;
pub mod explorer;
pub mod format;
pub mod lifts;
pub mod panic_report;
pub mod parquet;
pub mod results;
pub mod run;
pub mod server;
pub mod state;
pub mod worker;

pub use app::App;
