//! # engine-wasm
//!
//! Glint's browser shell around `glint-engine`: the code that runs inside a
//! dedicated web worker. It owns all browser IO (fetching a log or reading a
//! dropped file, with progress; gunzip) and speaks the versioned message protocol of `glint-protocol`
//! with the app on the main thread, so no engine work ever runs on the UI
//! thread.
//!
//! ```text
//!  app (main thread) ──Envelope<ToWorker> JSON (+ File)──▶ worker: fetch/read → gunzip → ingest → Session
//!                    ◀─Envelope<FromWorker> JSON── Ready / Progress / Loaded / SqlResult / Rows / Exported / Error
//! ```
//!
//! **Architecture invariant:** no analytics logic here: everything computed
//! comes from the engine; this crate moves bytes and messages.

pub mod heap;
pub mod partition;
pub mod source;
pub mod stream_split;
pub mod worker;
