//! Timestamp recognition: RFC 3339 / ISO 8601 date-times with a `T` or a space,
//! optional fraction, and an offset (`Z`, `+02:00`, `+0200`) or none (read as
//! UTC). Results are UTC instants in microseconds; the local time zone of the
//! machine never plays a part.

use chrono::{DateTime, NaiveDateTime};

/// Microseconds since the Unix epoch, or `None` if `s` is not a date-time.
pub fn parse_timestamp_micros(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    // Cheap shape check first: `YYYY-MM-DD?HH:MM` at least.
    if b.len() < 16
        || !b[..4].iter().all(u8::is_ascii_digit)
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
    {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_micros());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.timestamp_micros());
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp_micros as p;

    #[test]
    fn offsets_become_the_same_instant() {
        let utc = p("2026-10-01T12:00:00Z").unwrap();
        assert_eq!(p("2026-10-01T14:00:00+02:00"), Some(utc));
        assert_eq!(p("2026-10-01T14:00:00+0200"), Some(utc));
        assert_eq!(p("2026-10-01 12:00:00"), Some(utc));
        assert_eq!(p("2026-10-01T12:00:00.000001Z"), Some(utc + 1));
        assert_eq!(p("2026-10-01T07:00:00-05:00"), Some(utc));
    }

    #[test]
    fn non_timestamps() {
        for s in ["2026-10-01", "hello world, long text", "2026-13-01T00:00:00Z", "12345678901234567"] {
            assert_eq!(p(s), None, "{s}");
        }
    }
}
