//! Hints for SQL errors: DataFusion says what is wrong; a hint says what the
//! analyst probably meant (the closest column or table names, the types to
//! cast between, the parameter to define).
//!
//! Hints are computed from the error text and the names in scope, so they work
//! the same for every query source (notebook cells, the CLI, the server).

/// The names a query could have used.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Column names of `events` (and of the tables below, qualified or not).
    pub columns: Vec<String>,
    /// Table names: `events` and earlier cells' results.
    pub tables: Vec<String>,
    /// Parameters defined in the notebook.
    pub params: Vec<String>,
}

/// A hint for a DataFusion error message, if Glint has one.
pub fn hint(message: &str, scope: &Scope) -> Option<String> {
    if let Some(name) = after(message, "No field named ") {
        let name = trim_name(name);
        let bare = name.rsplit('.').next().unwrap_or(name);
        let close = closest(bare, &scope.columns);
        return Some(if close.is_empty() {
            format!("unknown column `{bare}`; run `SELECT * FROM events LIMIT 5` to see the columns")
        } else {
            format!("unknown column `{bare}`; did you mean {}?", list(&close))
        });
    }
    if let Some(name) = after(message, "table '").or_else(|| after(message, "table \"")) {
        if message.contains("not found") {
            let name = trim_name(name);
            let bare = name.rsplit('.').next().unwrap_or(name);
            let close = closest(bare, &scope.tables);
            let known = list(&scope.tables.iter().map(String::as_str).collect::<Vec<_>>());
            return Some(if close.is_empty() {
                format!("unknown table `{bare}`; the tables are {known} (name a SQL cell to query its result)")
            } else {
                format!("unknown table `{bare}`; did you mean {}?", list(&close))
            });
        }
    }
    if let Some(name) = after(message, "No value found for placeholder with name $") {
        let name = trim_name(name);
        let close = closest(name, &scope.params);
        return Some(if close.is_empty() {
            format!("`${name}` is not defined: add `{name} = …` to a params cell above")
        } else {
            format!("`${name}` is not defined; did you mean {}?", list(&close.iter().map(|p| p.trim_start_matches('$')).collect::<Vec<_>>()))
        });
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("cannot infer common")
        || lower.contains("cannot coerce")
        || lower.contains("there isn't a common type")
        || lower.contains("no function matches")
        || lower.contains("does not support")
            && (lower.contains("utf8") || lower.contains("int") || lower.contains("float"))
    {
        let types = types_in(message);
        let between = if types.len() >= 2 { format!(" ({} and {})", types[0], types[1]) } else { String::new() };
        return Some(format!(
            "the values have different types{between}: cast one side, e.g. `CAST(x AS DOUBLE)` or `CAST(x AS VARCHAR)`; \
             a `properties.x` column holds one JSON type, other types are NULL (see the ingest report)"
        ));
    }
    if let Some(value) = after(message, "Cannot cast string '") {
        let value = value.split('\'').next().unwrap_or_default();
        let target = after(message, "to value of ").and_then(|t| t.split_whitespace().next()).unwrap_or("a number");
        return Some(format!(
            "the text '{value}' was compared with or converted to {target}: quote the value ('…') to compare as text, \
             or filter the column to numeric strings before casting"
        ));
    }
    if lower.contains("sql error: parsererror") || lower.contains("expected: ") {
        return Some("a syntax error: check commas, parentheses and quotes ('text' for strings, \"Name\" for column names with capitals or dots)".into());
    }
    None
}

fn after<'a>(message: &'a str, marker: &str) -> Option<&'a str> {
    message.find(marker).map(|i| &message[i + marker.len()..])
}

/// The name at the start of `text`, without quotes and trailing punctuation.
fn trim_name(text: &str) -> &str {
    let text = text.trim_start_matches(['"', '\'', '`']);
    let end = text.find(|c: char| c == '"' || c == '\'' || c == '`' || c == ' ' || c == ',' || c == '\n').unwrap_or(text.len());
    text[..end].trim_end_matches(['.', ';'])
}

/// Up to three candidates closest to `name` (case-insensitive Jaro–Winkler,
/// substring matches first), best first.
fn closest<'a>(name: &str, candidates: &'a [String]) -> Vec<&'a str> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .iter()
        .map(|c| {
            let cl = c.to_lowercase();
            let leaf = cl.rsplit('.').next().unwrap_or(&cl).to_string();
            let mut score = strsim::jaro_winkler(&lower, &cl).max(strsim::jaro_winkler(&lower, &leaf));
            if cl == lower || leaf == lower {
                score += 2.0;
            } else if !lower.is_empty() && (cl.contains(&lower) || lower.contains(&leaf)) {
                score += 0.5;
            }
            (score, c.as_str())
        })
        .filter(|(s, _)| *s >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Names as SQL: quoted where plain SQL would fold or split them.
fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| {
            if n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                format!("`{n}`")
            } else {
                format!("`\"{n}\"`")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Arrow type names mentioned in a message, in order.
fn types_in(message: &str) -> Vec<&'static str> {
    const TYPES: [&str; 12] = [
        "Utf8View", "Utf8", "LargeUtf8", "Int64", "Int32", "Float64", "Float32", "Boolean", "Timestamp", "Date32", "Struct", "List",
    ];
    let mut found: Vec<(usize, &'static str)> = Vec::new();
    for t in TYPES {
        let mut from = 0;
        while let Some(i) = message[from..].find(t) {
            let at = from + i;
            if !found.iter().any(|(p, ft)| at >= *p && at < p + ft.len()) {
                found.push((at, t));
            }
            from = at + t.len();
        }
    }
    found.sort();
    found.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    fn check(message: &str, expect: Expect) {
        let scope = Scope {
            columns: vec!["event".into(), "user_id".into(), "userId".into(), "properties.variant".into(), "properties.revenue".into(), "ts".into()],
            tables: vec!["events".into(), "by_event".into(), "exposures".into()],
            params: vec!["min_revenue".into(), "variant".into()],
        };
        let got = hint(message, &scope).unwrap_or_else(|| "(no hint)".into());
        expect.assert_eq(&got);
    }

    #[test]
    fn hints() {
        check(
            "Schema error: No field named evnt. Valid fields are events.event, events.user_id.",
            expect!["unknown column `evnt`; did you mean `event`?"],
        );
        check(
            "Schema error: No field named variant. Valid fields are events.event.",
            expect![[r#"unknown column `variant`; did you mean `"properties.variant"`?"#]],
        );
        check(
            "Schema error: No field named userid. Valid fields are ...",
            expect![[r#"unknown column `userid`; did you mean `"userId"`, `user_id`?"#]],
        );
        check(
            "Schema error: No field named zzzzzz.",
            expect!["unknown column `zzzzzz`; run `SELECT * FROM events LIMIT 5` to see the columns"],
        );
        check(
            "Error during planning: table 'datafusion.public.by_evnt' not found",
            expect!["unknown table `by_evnt`; did you mean `by_event`?"],
        );
        check(
            "Error during planning: table 'datafusion.public.qqq' not found",
            expect!["unknown table `qqq`; the tables are `events`, `by_event`, `exposures` (name a SQL cell to query its result)"],
        );
        check(
            "Execution error: No value found for placeholder with name $min_revenu",
            expect!["`$min_revenu` is not defined; did you mean `min_revenue`?"],
        );
        check(
            "Execution error: No value found for placeholder with name $country",
            expect!["`$country` is not defined: add `country = …` to a params cell above"],
        );
        check(
            "Error during planning: Cannot infer common argument type for comparison operation Utf8 > Int64",
            expect!["the values have different types (Utf8 and Int64): cast one side, e.g. `CAST(x AS DOUBLE)` or `CAST(x AS VARCHAR)`; a `properties.x` column holds one JSON type, other types are NULL (see the ingest report)"],
        );
        check(
            "SQL error: ParserError(\"Expected: an expression, found: FROM at Line: 1, Column: 8\")",
            expect![[r#"a syntax error: check commas, parentheses and quotes ('text' for strings, "Name" for column names with capitals or dots)"#]],
        );
        check(
            "Arrow error: Cast error: Cannot cast string 'DE' to value of Int64 type",
            expect!["the text 'DE' was compared with or converted to Int64: quote the value ('…') to compare as text, or filter the column to numeric strings before casting"],
        );
        check("Arrow error: Divide by zero error", expect!["(no hint)"]);
    }
}
