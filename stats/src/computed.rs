//! [`Computed`]: a statistic's value, or the reason it does not exist.
//!
//! Valid data can still leave a statistic undefined: a mean of zero units, a
//! t statistic of 0/0 when both arms have zero variance, a relative lift over
//! a control rate of 0. Such cases are results, never NaN and never panics.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A value, or `Undefined` with a machine-readable code and a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Computed<T> {
    Value(T),
    Undefined { code: UndefinedCode, reason: String },
}

/// Why a statistic does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UndefinedCode {
    /// An arm has no units (n = 0).
    NoUnits,
    /// An arm has one unit, so its sample variance (n − 1) does not exist.
    SingleUnit,
    /// The standard error is zero: the test statistic would be 0/0 or ±∞.
    ZeroVariance,
    /// The control's mean is zero: a relative lift divides by it.
    ZeroBaseline,
    /// A ratio metric's denominator sums to zero in an arm.
    ZeroDenominator,
    /// The comparison has no p-value, so it takes no part in a correction.
    NotTested,
}

/// The reason half of [`Computed::Undefined`], used internally with `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Undefined {
    pub(crate) code: UndefinedCode,
    pub(crate) reason: String,
}

impl Undefined {
    pub(crate) fn new(code: UndefinedCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

impl<T> From<Result<T, Undefined>> for Computed<T> {
    fn from(result: Result<T, Undefined>) -> Self {
        match result {
            Ok(value) => Computed::Value(value),
            Err(Undefined { code, reason }) => Computed::Undefined { code, reason },
        }
    }
}

impl<T> Computed<T> {
    /// The value, if there is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Computed::Value(value) => Some(value),
            Computed::Undefined { .. } => None,
        }
    }

    /// Consumes `self` and returns the value, if there is one.
    pub fn into_value(self) -> Option<T> {
        match self {
            Computed::Value(value) => Some(value),
            Computed::Undefined { .. } => None,
        }
    }

    /// The code and reason, if the statistic is undefined.
    pub fn undefined(&self) -> Option<(UndefinedCode, &str)> {
        match self {
            Computed::Value(_) => None,
            Computed::Undefined { code, reason } => Some((*code, reason)),
        }
    }

    pub fn is_value(&self) -> bool {
        matches!(self, Computed::Value(_))
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Computed<U> {
        match self {
            Computed::Value(value) => Computed::Value(f(value)),
            Computed::Undefined { code, reason } => Computed::Undefined { code, reason },
        }
    }

    pub(crate) fn to_result(&self) -> Result<&T, Undefined> {
        match self {
            Computed::Value(value) => Ok(value),
            Computed::Undefined { code, reason } => Err(Undefined::new(*code, reason.clone())),
        }
    }
}

impl<T: fmt::Display> fmt::Display for Computed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Computed::Value(value) => value.fmt(f),
            Computed::Undefined { reason, .. } => write!(f, "not computable: {reason}"),
        }
    }
}
