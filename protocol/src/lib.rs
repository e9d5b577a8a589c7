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
//! let msg = Envelope::new(7, ToWorker::FetchRows { key: "c1".into(), offset: 0, limit: 100 });
//! let text = serde_json::to_string(&msg).unwrap();
//! let back: Envelope<ToWorker> = Envelope::decode(&text).unwrap();
//! assert_eq!(back.id, 7);
//! ```

pub mod explore;
mod report;
mod table;

pub use report::{ColumnConflicts, FieldInfo, IngestReport, MalformedLine, TypeConflict};
pub use table::{ColumnInfo, TableData};

use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change of a message type.
pub const PROTOCOL_VERSION: u32 = 6;

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
///
/// A message may carry one binary attachment beside its JSON text (see
/// [`Attachment`]): `LoadFile` comes with the dropped `File`, `Exported`
/// replies come with the file's bytes (a transferred buffer, not copied).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Fetch an NDJSON log (optionally gzip-compressed) from a URL (same
    /// origin or CORS-enabled) and ingest it.
    /// `workers`: partition workers to spread the log over (default: the
    /// machine's logical cores, at most 16, fewer for small logs).
    LoadUrl {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        workers: Option<u32>,
    },
    /// Ingest the `File` attached to this message (`name` for messages; a
    /// `.gz` name means gzip).
    LoadFile {
        name: String,
        size: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        workers: Option<u32>,
    },
    /// Run SQL over `events` and earlier named results. The result is kept
    /// under `key` (for paging and export) and, when `table` is set, becomes a
    /// table of that name for later queries. Replies `SqlResult`.
    RunSql {
        key: String,
        table: Option<String>,
        sql: String,
        #[serde(default)]
        params: Vec<(String, serde_json::Value)>,
        /// Rows sent back with the reply (the first page).
        page_rows: usize,
    },
    /// Run an analysis cell (`kind`: `ab`, `trend`, `funnel` or `retention`);
    /// `spec` is the cell's body (see `glint_engine::ab` and
    /// `glint_engine::kpi`). The read-out is a result like `RunSql`'s (kept
    /// under `key`, a table named `table` when set). Replies `SqlResult` with
    /// notes and, when an A/B test's sample ratio mismatches, an alert.
    RunAnalysis {
        kind: String,
        key: String,
        table: Option<String>,
        spec: String,
        page_rows: usize,
    },
    /// Keep a result computed elsewhere (a worker-server job's cell): the
    /// Arrow IPC stream attached becomes the result under `key`, for paging,
    /// charts and export exactly like a `RunSql` result (it does not become
    /// a table: the server's session holds those). Replies `SqlResult` with
    /// `elapsed_ms`, `notes` and `alert` as given.
    KeepResult {
        key: String,
        elapsed_ms: f64,
        #[serde(default)]
        notes: Vec<String>,
        #[serde(default)]
        alert: Option<String>,
        page_rows: usize,
    },
    /// Rows of a kept result. Replies `Rows`.
    FetchRows { key: String, offset: usize, limit: usize },
    /// A kept result as a file. Replies `Exported` with the bytes attached.
    Export { key: String, format: ExportFormat },
    /// Forget a kept result (and its table, if it had one). Replies `Dropped`.
    Drop { key: String },
    /// Stop request `request` (a load or a query): it replies `Error` with
    /// kind `cancelled`, and this request replies `Cancelled` (`found`: it
    /// was still running). A cancelled load stops its partition workers; a
    /// query's partition workers finish their current step and the
    /// coordinator ignores it.
    Cancel { request: u64 },
    /// An event-explorer statistic over `events`. Replies `Explored`.
    Explore { request: explore::ExploreRequest },
    /// The input bytes of one row (its line), read again from the source (a
    /// dropped file or a URL with HTTP Range support). Replies `RawLine`.
    RawLine { offset: u64 },
}

/// File formats a result can be downloaded as.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    ArrowIpc,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::ArrowIpc => "arrow",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv",
            ExportFormat::ArrowIpc => "application/vnd.apache.arrow.file",
        }
    }
}

/// The binary part of a message, beside its JSON text: in the browser the
/// message is `{text, attachment}` where `attachment` is a `File` (requests)
/// or an `ArrayBuffer` (replies). Plain-text messages have none.
pub const ATTACHMENT_FIELD: &str = "attachment";
/// The JSON text of a message with an attachment.
pub const TEXT_FIELD: &str = "text";

/// A worker whose allocation failed posts `"{OUT_OF_MEMORY_NOTE}{wanted} {heap}"`
/// (bytes asked for, bytes of wasm memory it holds) to its parent, outside the
/// JSON protocol: written without allocating, just before the worker most
/// likely dies. The parent keeps the last note and names it if the worker's
/// `error` event follows; a reply in between (a `try_reserve` that failed
/// gracefully) clears it.
pub const OUT_OF_MEMORY_NOTE: &str = "glint:out-of-memory ";

/// Reads an [`OUT_OF_MEMORY_NOTE`] message: `(wanted, heap)` in bytes.
pub fn parse_out_of_memory(text: &str) -> Option<(u64, u64)> {
    let (wanted, heap) = text.strip_prefix(OUT_OF_MEMORY_NOTE)?.split_once(' ')?;
    Some((wanted.parse().ok()?, heap.parse().ok()?))
}

/// What a worker that died after an [`OUT_OF_MEMORY_NOTE`] ran into, in words.
pub fn out_of_memory_text(wanted: u64, heap: u64) -> String {
    let mib = |b: u64| match b {
        0..1024 => format!("{b} bytes"),
        1024..1_048_576 => format!("{:.0} KiB", b as f64 / 1024.0),
        _ => format!("{:.0} MiB", b as f64 / (1u64 << 20) as f64),
    };
    format!(
        "it ran out of memory: it held {} and needed {} more, and a browser worker has at most 4 GiB",
        mib(heap),
        mib(wanted)
    )
}

/// Replies and events from the engine worker to the app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's wasm is instantiated and its message handler installed.
    Ready,
    /// Progress of a long request.
    Progress { stage: String, bytes: u64, total_bytes: Option<u64>, rows: u64 },
    /// The reply to `Cancel`.
    Cancelled { found: bool },
    /// A dataset was ingested and registered as `events`.
    Loaded { summary: DatasetSummary },
    /// A `RunSql`/`RunAnalysis` result: the first page and the full row count;
    /// `notes` and `alert` (shown prominently) say what the numbers alone
    /// do not (excluded units, a sample ratio mismatch).
    SqlResult {
        table: TableData,
        elapsed_ms: f64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notes: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alert: Option<String>,
    },
    /// A `FetchRows` page.
    Rows { table: TableData },
    /// An `Export`: the bytes are the message's attachment.
    Exported { format: ExportFormat, bytes: u64 },
    /// A `Drop` is done.
    Dropped,
    /// An `Explore` answer and how long the engine took.
    Explored { result: explore::ExploreResult, elapsed_ms: f64 },
    /// A `RawLine` answer: the line as it is in the input (`exact`), or,
    /// when the source cannot be read again, `None` with the reason.
    RawLine { text: Option<String>, note: Option<String> },
    /// A request failed; `kind` is a stable machine-readable word; `hint`
    /// says what was probably meant, when Glint can tell.
    Error {
        kind: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
    },
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
