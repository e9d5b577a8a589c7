//! [`NotebookError`]: what is wrong with a notebook text or an edit, and where.
//!
//! Errors are data: the codec and the parsers return them, nothing panics.
//! `line` is 1-based; it is relative to the text that was parsed (the whole
//! file for [`crate::Notebook::parse`], a cell body for
//! [`crate::parse_params`] and [`crate::ChartSpec::parse`]). Errors about an
//! edit rather than a text (an invalid new name, an index out of range) have
//! `line == 0` and display without a line prefix.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotebookError {
    /// 1-based line number, or 0 when the error is not about a line.
    pub line: usize,
    pub message: String,
}

impl NotebookError {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        NotebookError { line, message: message.into() }
    }

    /// An error about an edit, not about a line of text.
    pub fn edit(message: impl Into<String>) -> Self {
        NotebookError { line: 0, message: message.into() }
    }
}

impl fmt::Display for NotebookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for NotebookError {}
