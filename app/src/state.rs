//! The dataset's load state as plain data, and how worker replies move it
//! along. Components only render it.

use glint_protocol::{DatasetSummary, FromWorker};

use crate::dispatch::{Progress, Reply, RequestError};

/// The URL the app loads on start; the server serves the built-in sample there.
pub const SAMPLE_URL: &str = "/api/sample.ndjson";


/// The dataset, from page start to `events` being queryable.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LoadState {
    /// The worker's wasm is still loading.
    #[default]
    StartingEngine,
    /// The worker is ingesting `source`.
    Loading {
        source: String,
        progress: Progress,
    },
    Loaded(Box<DatasetSummary>),
    /// The log is larger than the browser budget: it is not loaded here and
    /// cells run on the server (see [`crate::server`]).
    OnServer {
        source: String,
        bytes: u64,
        budget: u64,
    },
    Failed {
        source: String,
        error: RequestError,
    },
}

impl LoadState {
    /// The worker said `Ready`: the queued load request is now running.
    pub fn engine_ready(self, source: &str) -> Self {
        match self {
            LoadState::StartingEngine => LoadState::Loading {
                source: source.to_owned(),
                progress: Progress::waiting("requesting"),
            },
            other => other,
        }
    }

    /// A progress report for the load request.
    pub fn progress(self, source: &str, progress: Progress) -> Self {
        match self {
            LoadState::StartingEngine | LoadState::Loading { .. } => LoadState::Loading {
                source: source.to_owned(),
                progress,
            },
            other => other,
        }
    }

    /// The load request's final reply.
    pub fn finished(source: &str, reply: Reply) -> Self {
        match reply {
            Ok(FromWorker::Loaded { summary }) => LoadState::Loaded(Box::new(summary)),
            Ok(other) => LoadState::Failed {
                source: source.to_owned(),
                error: unexpected(&other),
            },
            Err(error) => LoadState::Failed {
                source: source.to_owned(),
                error,
            },
        }
    }

    /// Whether a query can run now (the load is over, for better or worse).
    pub fn settled(&self) -> bool {
        matches!(self, LoadState::Loaded(_) | LoadState::OnServer { .. } | LoadState::Failed { .. })
    }

    /// Whether cells can run (here, or on the server for a log too large for the browser).
    pub fn runnable(&self) -> bool {
        matches!(self, LoadState::Loaded(_) | LoadState::OnServer { .. })
    }
}

pub fn unexpected(reply: &FromWorker) -> RequestError {
    let name = match reply {
        FromWorker::Ready => "ready",
        FromWorker::Progress { .. } => "progress",
        FromWorker::Loaded { .. } => "loaded",
        FromWorker::SqlResult { .. } => "sql_result",
        FromWorker::Rows { .. } => "rows",
        FromWorker::Exported { .. } => "exported",
        FromWorker::Dropped => "dropped",
        FromWorker::Cancelled { .. } => "cancelled",
        FromWorker::Explored { .. } => "explored",
        FromWorker::RawLine { .. } => "raw_line",
        FromWorker::Error { .. } => "error",
    };
    RequestError::new(
        "protocol",
        format!("the engine worker answered with an unexpected `{name}` message"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_protocol::IngestReport;

    fn summary() -> DatasetSummary {
        DatasetSummary {
            source: SAMPLE_URL.into(),
            bytes: 10,
            partitions: 2,
            ingest_ms: 3.0,
            report: IngestReport::default(),
            schema: Vec::new(),
        }
    }

    #[test]
    fn load_moves_from_start_to_loaded() {
        let state = LoadState::StartingEngine.engine_ready(SAMPLE_URL);
        assert!(
            matches!(&state, LoadState::Loading { progress, .. } if progress.stage == "requesting")
        );
        assert!(!state.settled());
        let p = Progress {
            stage: "parse".into(),
            bytes: 5,
            total_bytes: Some(10),
            rows: 7,
        };
        let state = state.progress(SAMPLE_URL, p.clone());
        assert_eq!(
            state,
            LoadState::Loading {
                source: SAMPLE_URL.into(),
                progress: p
            }
        );
        let state = LoadState::finished(SAMPLE_URL, Ok(FromWorker::Loaded { summary: summary() }));
        assert_eq!(state, LoadState::Loaded(Box::new(summary())));
        assert!(state.settled());
        // A late progress report does not undo the result.
        assert!(state.progress(SAMPLE_URL, Progress::waiting("x")).settled());
    }

    #[test]
    fn wrong_replies_become_readable_errors() {
        let state = LoadState::finished(SAMPLE_URL, Ok(FromWorker::Ready));
        let LoadState::Failed { error, .. } = state else {
            panic!()
        };
        assert_eq!(error.kind, "protocol");

    }
}
