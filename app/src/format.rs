//! How numbers, sizes, durations and result cells read on screen.
//!
//! Display only: the page also shows machine-readable plain integers where
//! tests and scripts read them (`#row-count`), and never re-parses these.

use serde_json::Value;

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count in binary units: `1536` → `1.5 KiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$} {}", UNITS[unit])
}

/// A duration given in milliseconds: `0.42 ms`, `12.3 ms`, `1.25 s`.
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "–".to_owned();
    }
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else if ms < 60_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        let seconds = (ms / 1000.0).round() as u64;
        format!("{}m {:02}s", seconds / 60, seconds % 60)
    }
}

/// A fraction in `0..=1` as a whole percentage: `0.256` → `26%`.
pub fn percent(fraction: f64) -> String {
    format!("{:.0}%", (fraction * 100.0).clamp(0.0, 100.0))
}

/// The text of one result cell. `None` means SQL NULL (shown distinctly).
pub fn cell(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) if n.is_f64() => Some(n.as_f64().map(float).unwrap_or_else(|| n.to_string())),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// A float for display: at most 6 significant digits, plain notation for
/// everyday magnitudes (`0.900847`, `234.889`, `1454.66`), exponent
/// notation beyond (`3.21226e-14`). Exports keep every digit.
pub fn float(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return v.to_string();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..15).contains(&magnitude) {
        let text = format!("{v:.5e}");
        // 3.21226e-14 (trim zeros of the mantissa)
        return match text.split_once('e') {
            Some((m, e)) => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
            None => text,
        };
    }
    let decimals = (5 - magnitude).max(0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

/// Whether a column of this Arrow type (as displayed, `Int64`, `Float64`,
/// `Decimal128(10, 2)`...) holds numbers, to right-align it.
pub fn is_numeric_type(data_type: &str) -> bool {
    ["Int", "UInt", "Float", "Decimal"].iter().any(|prefix| {
        data_type
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    })
}

#[cfg(test)]
mod float_tests {
    #[test]
    fn floats_show_six_significant_digits() {
        let cases = [
            (0.9008474576271186, "0.900847"),
            (234.88940677966076, "234.889"),
            (1454.6599999999999, "1454.66"),
            (0.95, "0.95"),
            (3.21226e-14, "3.21226e-14"),
            (-0.0317368, "-0.0317368"),
            (12345678.9, "12345679"),
            (2.0, "2"),
            (0.0, "0"),
        ];
        for (v, want) in cases {
            assert_eq!(super::float(v), want, "{v}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn thousands_groups_digits() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (12345, "12,345"),
            (1234567, "1,234,567"),
        ];
        for (n, expect) in cases {
            assert_eq!(thousands(n), expect);
        }
    }

    #[test]
    fn bytes_use_binary_units() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1536, "1.50 KiB"),
            (20 * 1024 * 1024, "20.0 MiB"),
            (300 << 30, "300 GiB"),
        ];
        for (n, expect) in cases {
            assert_eq!(bytes(n), expect);
        }
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        let cases = [
            (0.4213, "0.42 ms"),
            (12.34, "12.3 ms"),
            (1250.0, "1.25 s"),
            (125_000.0, "2m 05s"),
            (f64::NAN, "–"),
        ];
        for (ms, expect) in cases {
            assert_eq!(duration_ms(ms), expect);
        }
    }

    #[test]
    fn cells_show_scalars_plainly_and_null_as_none() {
        assert_eq!(cell(&json!(null)), None);
        assert_eq!(
            cell(&json!("Added to Cart")).as_deref(),
            Some("Added to Cart")
        );
        assert_eq!(cell(&json!(42)).as_deref(), Some("42"));
        assert_eq!(cell(&json!(0.25)).as_deref(), Some("0.25"));
        assert_eq!(cell(&json!(true)).as_deref(), Some("true"));
        assert_eq!(cell(&json!([1, 2])).as_deref(), Some("[1,2]"));
    }

    #[test]
    fn numeric_types_are_recognised() {
        for t in ["Int64", "UInt8", "Float64", "Decimal128(10, 2)"] {
            assert!(is_numeric_type(t), "{t}");
        }
        for t in [
            "Utf8",
            "Interval(DayTime)",
            "Timestamp(µs, \"UTC\")",
            "Boolean",
            "Int",
        ] {
            assert!(!is_numeric_type(t), "{t}");
        }
    }

    #[test]
    fn percent_is_clamped() {
        assert_eq!(percent(0.256), "26%");
        assert_eq!(percent(1.7), "100%");
    }
}
