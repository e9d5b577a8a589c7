//! Glint's wire types: the only types that cross a worker, process or HTTP
//! boundary (STYLE rule 4). They are plain data with serde derives; every
//! message is wrapped in an [`Envelope`] that carries [`PROTOCOL_VERSION`].
//!
//! The ingest report types ([`IngestReport`], [`MalformedLine`],
//! [`TypeConflict`]) are also the engine's own report types, so a report made
//! by the engine in a browser worker, a server thread or the CLI is the same
//! value everywhere.
//!
//! ```
//! use glint_protocol::{Envelope, ToWorker};
//! let msg = Envelope::new(7, ToWorker::Query { sql: "SELECT 1".into() });
//! let text = serde_json::to_string(&msg).unwrap();
//! let back: Envelope<ToWorker> = Envelope::decode(&text).unwrap();
//! assert_eq!(back.id, 7);
//! ```

mod report;
mod table;

pub use report::{ColumnConflicts, FieldInfo, IngestReport, MalformedLine, TypeConflict};
pub use table::{ColumnInfo, TableData};

use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change of a message type.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message with its protocol version and a request id (replies carry the id
/// of the request they answer).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope<T> {
    pub v: u32,
    pub id: u64,
    pub body: T,
}

impl<T> Envelope<T> {
    pub fn new(id: u64, body: T) -> Self {
        Envelope { v: PROTOCOL_VERSION, id, body }
    }
}

impl<T: for<'de> Deserialize<'de>> Envelope<T> {
    /// Parses a message, refusing other protocol versions with a clear error.
    pub fn decode(text: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct VersionOnly {
            v: u32,
        }
        let version: VersionOnly =
            serde_json::from_str(text).map_err(|e| format!("malformed message: {e}"))?;
        if version.v != PROTOCOL_VERSION {
            return Err(format!(
                "protocol version {} is not supported (expected {PROTOCOL_VERSION}); reload the page",
                version.v
            ));
        }
        serde_json::from_str(text).map_err(|e| format!("malformed message: {e}"))
    }
}

/// Requests from the app (main thread) to the engine worker.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Fetch an NDJSON log from a URL (same origin or CORS-enabled) and ingest it.
    LoadUrl { url: String },
    /// Run SQL over the loaded `events` table.
    Query { sql: String },
}

/// Replies and events from the engine worker to the app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's wasm is instantiated and its message handler installed.
    Ready,
    /// Progress of a long request.
    Progress { stage: String, bytes: u64, total_bytes: Option<u64>, rows: u64 },
    /// A dataset was ingested and registered as `events`.
    Loaded { summary: DatasetSummary },
    /// A query's result.
    QueryResult { table: TableData, elapsed_ms: f64 },
    /// A request failed; `kind` is a stable machine-readable word.
    Error { kind: String, message: String },
}

/// What the UI shows about a loaded dataset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DatasetSummary {
    pub source: String,
    pub bytes: u64,
    pub partitions: usize,
    pub ingest_ms: f64,
    pub report: IngestReport,
    pub schema: Vec<FieldInfo>,
}
