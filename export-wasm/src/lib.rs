//! # export-wasm
//!
//! Glint's export worker: turns a query result, sent as an Arrow IPC *file*
//! (what the engine worker's `Export` produces), into a Parquet file, in a
//! small wasm module of its own.
//!
//! ```text
//!  app (main thread) ──{id, ipc: ArrayBuffer}──▶ export worker: ipc_file_to_parquet
//!                    ◀─{id, parquet: ArrayBuffer} | {id, error: string}──
//!                    ◀─{ready: true}  (once, when the handler is installed)
//! ```
//!
//! - [`ipc_file_to_parquet`] ([`convert`]): the conversion as a plain
//!   function, tested natively; [`ipc_checks`]: the metadata checks that keep
//!   damaged input from reaching arrow-ipc's panics.
//! - [`worker`]: the message loop (browser glue only).
//!
//! **Architecture invariant:** no DataFusion and no `glint-engine`. This crate
//! is built by its own cargo invocation, so `parquet` never joins the engine
//! worker's feature set (which would unify arrow-ipc's dependencies
//! differently and rebuild DataFusion). It is pure Rust: Parquet pages are
//! written uncompressed, no codec crates.

pub mod convert;
pub mod ipc_checks;
pub mod worker;

pub use convert::ipc_file_to_parquet;
