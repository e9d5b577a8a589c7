//! Errors as data: what was wrong with the caller's input or options.
//!
//! A [`StatsError`] means the *request* is invalid (alpha outside (0, 1), a
//! binomial arm with more conversions than units, weights that do not match
//! the arms). A statistic that merely does not exist for valid data (an arm
//! with no units, zero variance in both arms) is not an error: it is a
//! [`Computed::Undefined`](crate::Computed) with a reason.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of mistake the caller made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StatsErrorKind {
    /// An option is out of range (alpha, threshold, tuning parameter, weights).
    InvalidOption,
    /// Sufficient statistics that no data set can produce (negative counts,
    /// non-finite sums, a negative sum of squares, conversions above n).
    InvalidInput,
    /// A valid combination of options that this crate does not implement
    /// (for example one-sided sequential intervals).
    Unsupported,
}

/// An invalid request: the kind (for programs) and a sentence (for people).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsError {
    pub kind: StatsErrorKind,
    pub message: String,
}

impl StatsError {
    pub(crate) fn invalid_option(message: impl Into<String>) -> Self {
        Self {
            kind: StatsErrorKind::InvalidOption,
            message: message.into(),
        }
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self {
            kind: StatsErrorKind::InvalidInput,
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        Self {
            kind: StatsErrorKind::Unsupported,
            message: message.into(),
        }
    }
}

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            StatsErrorKind::InvalidOption => "invalid option",
            StatsErrorKind::InvalidInput => "invalid input",
            StatsErrorKind::Unsupported => "unsupported",
        };
        write!(f, "{kind}: {}", self.message)
    }
}

impl std::error::Error for StatsError {}

/// Checks a significance level: it must lie strictly between 0 and 1.
pub(crate) fn check_alpha(alpha: f64, what: &str) -> Result<(), StatsError> {
    if alpha.is_finite() && alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(StatsError::invalid_option(format!(
            "{what} must lie in (0, 1), got {alpha}"
        )))
    }
}
