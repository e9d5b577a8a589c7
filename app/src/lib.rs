//! Glint's browser UI (Leptos, client-side rendered).
//!
//! The UI renders what the engine worker sends and never links the engine:
//! all analytics run in the `engine-wasm` web worker, and only
//! `glint_protocol` messages cross between the two.
//!
//! - [`worker`]: the worker handle (spawn, ready handshake, requests by id);
//!   [`dispatch`] is its browser-free bookkeeping.
//! - [`state`]: the page's state as plain data; [`format`]: display text.
//! - [`app`], [`dataset`], [`query`]: components that render the state.
//! - [`panic_report`]: panics become a readable message in the page.

pub mod app;
pub mod dataset;
pub mod dispatch;
pub mod format;
pub mod panic_report;
pub mod query;
pub mod state;
pub mod worker;

pub use app::App;
