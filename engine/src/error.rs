//! Errors as data: every failure of the engine is an [`EngineError`] with a
//! stable [`ErrorKind`] (for programs) and a message written for analysts.

use std::fmt;

/// What went wrong, in words a program can match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The SQL text does not parse, or names something that does not exist.
    Sql,
    /// The query planned but failed while running.
    Execution,
    /// A limit was hit (memory, input size).
    ResourcesExhausted,
    /// In `failfast` mode, a malformed line stopped the ingest.
    MalformedInput,
    /// The caller broke an API contract (e.g. a range input that ends mid-line).
    InvalidInput,
    /// A partition worker cannot run its part of a query as the coordinator
    /// planned it (the coordinator then falls back; users never see it).
    Unsplittable,
    /// Anything else (a bug in Glint: please report it).
    Internal,
}

impl ErrorKind {
    /// Stable lower-case word used on the wire (`sql`, `execution`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Sql => "sql",
            ErrorKind::Execution => "execution",
            ErrorKind::ResourcesExhausted => "resources_exhausted",
            ErrorKind::MalformedInput => "malformed_input",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unsplittable => "unsplittable",
            ErrorKind::Internal => "internal",
        }
    }

    /// The kind named by [`ErrorKind::as_str`] (errors that crossed a worker boundary).
    pub fn from_word(word: &str) -> Option<ErrorKind> {
        [
            ErrorKind::Sql,
            ErrorKind::Execution,
            ErrorKind::ResourcesExhausted,
            ErrorKind::MalformedInput,
            ErrorKind::InvalidInput,
            ErrorKind::Unsplittable,
            ErrorKind::Internal,
        ]
        .into_iter()
        .find(|k| k.as_str() == word)
    }
}

/// An engine failure: a kind, a readable message and, where Glint can tell,
/// a hint at the fix (see [`crate::hint`]).
#[derive(Debug, Clone, PartialEq)]
pub struct EngineError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl EngineError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        EngineError { kind, message: message.into(), hint: None }
    }

    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} error: {}", self.kind.as_str(), self.message)?;
        match &self.hint {
            Some(hint) => write!(f, "\nhint: {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for EngineError {}

#[cfg(feature = "query")]
impl From<datafusion::error::DataFusionError> for EngineError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        use datafusion::error::DataFusionError as D;
        let kind = match e.find_root() {
            D::SQL(..) | D::Plan(..) | D::SchemaError(..) | D::NotImplemented(..) => ErrorKind::Sql,
            D::ResourcesExhausted(..) => ErrorKind::ResourcesExhausted,
            D::Internal(..) => ErrorKind::Internal,
            _ => ErrorKind::Execution,
        };
        EngineError::new(kind, e.to_string())
    }
}

impl From<arrow::error::ArrowError> for EngineError {
    fn from(e: arrow::error::ArrowError) -> Self {
        EngineError::new(ErrorKind::Execution, e.to_string())
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
