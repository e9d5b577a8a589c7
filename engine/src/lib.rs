//! # glint-engine
//!
//! The target-independent core of Glint: it turns an NDJSON event log into
//! Arrow record batches and answers SQL over them with DataFusion. The same
//! code runs in browser web workers (wasm32), in the worker server's threads
//! and in tests.
//!
//! ```text
//!   NDJSON bytes ─▶ ingest (per byte range) ─▶ Dataset ─▶ Session ("events") ─▶ SQL ─▶ Arrow
//!                      └─ IngestReport: malformed lines, type conflicts (errors as data)
//! ```
//!
//! **Architecture invariant:** this crate does no IO and spawns nothing. Bytes
//! come in as slices; results go out as values. Browser IO lives in
//! `engine-wasm`, server IO in `worker-server`.
//!
//! ```
//! use glint_engine::{ingest::{ingest, IngestOptions}, session::{Session, SessionOptions}};
//! let log = b"{\"event\":\"a\",\"userId\":\"u1\"}\nnot json\n{\"event\":\"b\",\"userId\":2}\n";
//! let data = ingest(log, 2, &IngestOptions::default()).unwrap();
//! assert_eq!((data.report.rows, data.report.malformed), (2, 1));
//! let session = Session::new(&data, &SessionOptions::default()).unwrap();
//! let out = futures::executor::block_on(session.sql("SELECT count(user_id) AS n FROM events")).unwrap();
//! assert_eq!(glint_engine::table::to_csv(&out.batches).unwrap(), "n\n1\n");
//! ```

#[cfg(feature = "query")]
pub mod ab;
#[cfg(feature = "query")]
pub mod cell;
#[cfg(feature = "query")]
pub mod distributed;
pub mod error;
#[cfg(feature = "query")]
pub mod explore;
#[cfg(feature = "query")]
pub mod hint;
pub mod ingest;
#[cfg(feature = "query")]
pub mod kpi;
pub mod sample;
#[cfg(feature = "query")]
pub mod sequential;
#[cfg(feature = "query")]
pub mod session;
#[cfg(feature = "query")]
pub mod table;

pub use error::{EngineError, ErrorKind};
