//! Reading result cells (JSON scalars) as chart values: numbers, instants
//! (milliseconds since the Unix epoch, UTC) and category labels. Tolerant:
//! numeric text counts as a number, timestamps may be RFC 3339 with `Z` or an
//! offset, with `T` or a space, with or without fractions or an offset
//! (then UTC), or a bare date.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;

/// A finite number from a JSON number or numeric text.
pub fn number(v: &Value) -> Option<f64> {
    let f = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    f.is_finite().then_some(f)
}

/// Milliseconds since the epoch (UTC) from timestamp/date text, or from a
/// JSON number taken as milliseconds.
pub fn time_ms(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) => parse_time_ms(s),
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// Parses timestamp or date text to milliseconds since the epoch (UTC).
pub fn parse_time_ms(text: &str) -> Option<f64> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis() as f64);
    }
    let with_t: String = match s.as_bytes().get(10) {
        Some(b' ') => format!("{}T{}", &s[..10], &s[11..]),
        _ => s.to_string(),
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(&with_t) {
        return Some(t.timestamp_millis() as f64);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(&with_t, fmt) {
            return Some(t.timestamp_millis() as f64);
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&with_t, fmt) {
            return Some(t.and_utc().timestamp_millis() as f64);
        }
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis() as f64)
}

/// The text of a cell as a category label (`(null)` for NULL).
pub fn label(v: &Value) -> String {
    match v {
        Value::Null => "(null)".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
