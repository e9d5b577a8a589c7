//! The notebook crate's checks as data: one `check` function per feature,
//! one line per case (`UPDATE_EXPECT=1 cargo test -p glint-notebook` to
//! refresh the expectations).

mod chart;
mod codec;
mod deps;
mod edits;
mod markdown;
mod params;
mod robustness;
mod share;

/// The sample notebook from the file-format docs.
pub const SAMPLE: &str = r#"# Checkout experiment

Notes in *Markdown*.

```params
variant = "B"
min_revenue = 10
```

```sql name=by_event
SELECT event, count(*) AS n FROM events WHERE revenue > $min_revenue GROUP BY event
```

```chart
source: by_event
kind: bar
x: event
y: n
```
"#;

/// Text with one `{:?}`-quoted line per line, so line endings show.
pub fn show_lines(text: &str) -> String {
    text.split_inclusive('\n').map(|l| format!("{l:?}\n")).collect()
}
