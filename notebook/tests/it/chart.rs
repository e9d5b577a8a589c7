//! Chart specs (parse, canonical body, auto) and chart data.

use expect_test::{Expect, expect};
use glint_notebook::chart::parse_time_ms;
use glint_notebook::{ChartKind, ChartSpec, ColumnInfo, TableData, XAxis, chart_data, series_color};
use serde_json::{Value, json};

fn check_spec(body: &str, expect: Expect) {
    let actual = match ChartSpec::parse(body) {
        Ok(spec) => {
            let canonical = spec.to_body();
            assert_eq!(ChartSpec::parse(&canonical).as_ref(), Ok(&spec), "canonical body parses back");
            format!("{spec:?}\n---\n{canonical}\n")
        }
        Err(e) => format!("error: {e}\n"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn spec() {
    check_spec(
        "source: by_event\nkind: bar\nx: event\ny: n",
        expect![[r#"
        ChartSpec { kind: Bar, source: Some("by_event"), x: Some("event"), y: ["n"], series: None, bins: None, title: None }
        ---
        source: by_event
        kind: bar
        x: event
        y: n
    "#]],
    );
    check_spec(
        "# c\n\nKIND: Line\ny: a, b ,, c\nx: day\nseries: variant\ntitle: Revenue: per day\nbins:\n",
        expect![[r#"
        ChartSpec { kind: Line, source: None, x: Some("day"), y: ["a", "b", "c"], series: Some("variant"), bins: None, title: Some("Revenue: per day") }
        ---
        kind: line
        x: day
        y: a, b, c
        series: variant
        title: Revenue: per day
    "#]],
    );
    check_spec(
        "kind: histogram\nx: revenue\nbins: 30",
        expect![[r#"
        ChartSpec { kind: Histogram, source: None, x: Some("revenue"), y: [], series: None, bins: Some(30), title: None }
        ---
        kind: histogram
        x: revenue
        bins: 30
    "#]],
    );
    check_spec(
        "kind: pie",
        expect![[r#"
        error: line 1: unknown chart kind `pie`: use bar, line, area, scatter or histogram
    "#]],
    );
    check_spec(
        "kind: bar\ncolor: red",
        expect![[r#"
        error: line 2: unknown chart key `color`: use source, kind, x, y, series, bins or title
    "#]],
    );
    check_spec(
        "kind: bar\nx event",
        expect![[r#"
        error: line 2: expected `key: value` (keys: source, kind, x, y, series, bins or title)
    "#]],
    );
    check_spec(
        "kind: bar\nkind: line",
        expect![[r#"
        error: line 2: `kind` is given twice
    "#]],
    );
    check_spec(
        "kind: histogram\nbins: 0",
        expect![[r#"
        error: line 2: bins must be a whole number from 1 to 200, not `0`
    "#]],
    );
    check_spec(
        "x: a\ny: b",
        expect![[r#"
        error: line 1: missing `kind:` (bar, line, area, scatter or histogram)
    "#]],
    );
}

fn cols(spec: &[(&str, &str)]) -> Vec<ColumnInfo> {
    spec.iter().map(|(n, t)| ColumnInfo { name: n.to_string(), data_type: t.to_string() }).collect()
}

fn check_auto(columns: &[(&str, &str)], expect: Expect) {
    let actual = match ChartSpec::auto(&cols(columns)) {
        Some(spec) => spec.to_body(),
        None => "None".to_string(),
    };
    expect.assert_eq(&actual);
}

#[test]
fn auto() {
    check_auto(
        &[("day", "Timestamp(µs, \"UTC\")"), ("users", "Int64"), ("revenue", "Float64")],
        expect![[r#"
        kind: line
        x: day
        y: users, revenue"#]],
    );
    check_auto(
        &[("day", "Date32"), ("variant", "Utf8"), ("users", "Int64")],
        expect![[r#"
        kind: line
        x: day
        y: users
        series: variant"#]],
    );
    check_auto(
        &[("event", "Utf8"), ("n", "Int64")],
        expect![[r#"
        kind: bar
        x: event
        y: n"#]],
    );
    check_auto(
        &[("event", "Utf8"), ("variant", "Utf8View"), ("n", "Int64")],
        expect![[r#"
        kind: bar
        x: event
        y: n
        series: variant"#]],
    );
    check_auto(
        &[("event", "Utf8"), ("variant", "Utf8"), ("n", "Int64"), ("m", "Decimal128(10, 2)")],
        expect![[r#"
        kind: bar
        x: event
        y: n, m"#]],
    );
    check_auto(
        &[("paid", "Boolean"), ("n", "UInt64")],
        expect![[r#"
        kind: bar
        x: paid
        y: n"#]],
    );
    check_auto(
        &[("a", "Float64"), ("b", "Int32"), ("c", "Int8")],
        expect![[r#"
        kind: scatter
        x: a
        y: b"#]],
    );
    check_auto(
        &[("revenue", "Float64"), ("tags", "List(Utf8)")],
        expect![[r#"
        kind: histogram
        x: revenue"#]],
    );
    check_auto(&[("event", "Utf8"), ("day", "Date32")], expect!["None"]);
    check_auto(&[], expect!["None"]);
}

fn table(columns: &[(&str, &str)], rows: Vec<Vec<Value>>) -> TableData {
    TableData { columns: cols(columns), total_rows: rows.len() as u64, rows }
}

fn check_data(spec: &str, table: &TableData, expect: Expect) {
    let spec = ChartSpec::parse(spec).expect("test spec parses");
    let actual = match chart_data(&spec, table) {
        Ok(d) => {
            let mut out = match &d.x_axis {
                XAxis::Category(c) => format!("x: {} categories {c:?}\n", d.x_label),
                other => format!("x: {} {other:?}\n", d.x_label),
            };
            out += &format!("y: {}, skipped {}\n", d.y_label, d.skipped);
            if !d.bin_edges.is_empty() {
                out += &format!("edges {:?}\n", d.bin_edges);
            }
            for s in &d.series {
                out += &format!("{}: {:?}\n", s.name, s.points);
            }
            out
        }
        Err(e) => format!("error: {e}\n"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn category_bar() {
    let t = table(
        &[("event", "Utf8"), ("n", "Int64"), ("revenue", "Float64")],
        vec![
            vec![json!("Viewed"), json!(10), json!(1.5)],
            vec![json!("Added"), json!(4), Value::Null],
            vec![json!("Viewed"), json!(1), json!("2.5")],
            vec![Value::Null, json!(2), json!(true)],
            vec![json!("short row")],
        ],
    );
    check_data(
        "kind: bar\nx: event\ny: n, revenue",
        &t,
        expect![[r#"
        x: event categories ["Viewed", "Added", "(null)", "short row"]
        y: n, revenue, skipped 4
        n: [(0.0, 11.0), (1.0, 4.0), (2.0, 2.0)]
        revenue: [(0.0, 4.0)]
    "#]],
    );
    check_data(
        "kind: bar\nx: Event\ny: nope",
        &t,
        expect![[r#"
        error: column `nope` is not in the result (columns: event, n, revenue)
    "#]],
    );
    check_data(
        "kind: bar\ny: n",
        &t,
        expect![[r#"
        error: a bar chart needs `x:` (a column name)
    "#]],
    );
    check_data(
        "kind: bar\nx: event",
        &t,
        expect![[r#"
        error: a bar chart needs `y:` (one or more column names)
    "#]],
    );
}

#[test]
fn series_split_with_other() {
    let mut rows = Vec::new();
    for s in 0..15 {
        for day in ["mon", "tue"] {
            rows.push(vec![json!(day), json!(format!("s{s:02}")), json!(s + 1)]);
        }
    }
    let t = table(&[("day", "Utf8"), ("source", "Utf8"), ("n", "Int64")], rows);
    check_data(
        "kind: bar\nx: day\ny: n\nseries: source",
        &t,
        expect![[r#"
        x: day categories ["mon", "tue"]
        y: n, skipped 0
        s04: [(0.0, 5.0), (1.0, 5.0)]
        s05: [(0.0, 6.0), (1.0, 6.0)]
        s06: [(0.0, 7.0), (1.0, 7.0)]
        s07: [(0.0, 8.0), (1.0, 8.0)]
        s08: [(0.0, 9.0), (1.0, 9.0)]
        s09: [(0.0, 10.0), (1.0, 10.0)]
        s10: [(0.0, 11.0), (1.0, 11.0)]
        s11: [(0.0, 12.0), (1.0, 12.0)]
        s12: [(0.0, 13.0), (1.0, 13.0)]
        s13: [(0.0, 14.0), (1.0, 14.0)]
        s14: [(0.0, 15.0), (1.0, 15.0)]
        other: [(0.0, 10.0), (1.0, 10.0)]
    "#]],
    );
}

#[test]
fn time_line_sorted() {
    let t = table(
        &[("day", "Timestamp(µs, \"+00:00\")"), ("variant", "Utf8"), ("users", "Int64")],
        vec![
            vec![json!("2026-01-06T00:00:00Z"), json!("B"), json!(7)],
            vec![json!("2026-01-05T00:00:00+00:00"), json!("A"), json!(3)],
            vec![json!("2026-01-05T00:00:00.500Z"), json!("B"), json!(5)],
            vec![json!("not a time"), json!("A"), json!(1)],
            vec![json!("2026-01-06 01:00:00"), json!("A"), json!(4)],
        ],
    );
    check_data(
        "kind: line\nx: day\ny: users\nseries: variant",
        &t,
        expect![[r#"
        x: day Time
        y: users, skipped 1
        B: [(1767571200500.0, 5.0), (1767657600000.0, 7.0)]
        A: [(1767571200000.0, 3.0), (1767661200000.0, 4.0)]
    "#]],
    );
    let text_days = table(
        &[("day", "Utf8"), ("n", "Float64")],
        vec![vec![json!("2026-01-02"), json!(2)], vec![json!("2026-01-01"), json!(1)]],
    );
    check_data(
        "kind: area\nx: day\ny: n",
        &text_days,
        expect![[r#"
        x: day Time
        y: n, skipped 0
        n: [(1767225600000.0, 1.0), (1767312000000.0, 2.0)]
    "#]],
    );
    check_data(
        "kind: scatter\nx: n\ny: n",
        &text_days,
        expect![[r#"
        x: n Number
        y: n, skipped 0
        n: [(2.0, 2.0), (1.0, 1.0)]
    "#]],
    );
}

#[test]
fn histogram() {
    let values: Vec<Vec<Value>> =
        (0..100).map(|i| vec![json!((i * 37 % 100) as f64 / 10.0)]).chain([vec![Value::Null]]).collect();
    let t = table(&[("revenue", "Float64")], values);
    check_data(
        "kind: histogram\nx: revenue\nbins: 4",
        &t,
        expect![[r#"
        x: revenue Number
        y: count, skipped 1
        edges [0.0, 2.475, 4.95, 7.425000000000001, 9.9]
        count: [(1.2375, 25.0), (3.7125000000000004, 25.0), (6.1875, 25.0), (8.662500000000001, 25.0)]
    "#]],
    );
    check_data(
        "kind: histogram\ny: revenue",
        &t,
        expect![[r#"
        x: revenue Number
        y: count, skipped 1
        edges [0.0, 1.98, 3.96, 5.9399999999999995, 7.92, 9.9]
        count: [(0.99, 20.0), (2.9699999999999998, 20.0), (4.949999999999999, 20.0), (6.93, 20.0), (8.91, 20.0)]
    "#]],
    );
    let same = table(&[("v", "Int64")], vec![vec![json!(3)], vec![json!(3)]]);
    check_data(
        "kind: histogram\nx: v",
        &same,
        expect![[r#"
        x: v Number
        y: count, skipped 0
        edges [2.5, 3.5]
        count: [(3.0, 2.0)]
    "#]],
    );
    let empty = table(&[("v", "Int64")], vec![]);
    check_data(
        "kind: histogram\nx: v",
        &empty,
        expect![[r#"
        x: v Number
        y: count, skipped 0
        count: []
    "#]],
    );
    check_data(
        "kind: histogram",
        &empty,
        expect![[r#"
        error: a histogram needs `x:` (a numeric column)
    "#]],
    );
}

#[test]
fn times() {
    let parsed: Vec<String> = [
        "2026-01-05T10:00:00Z",
        "2026-01-05T10:00:00+00:00",
        "2026-01-05T10:00:00.123456Z",
        "2026-01-05T11:00:00+01:00",
        "2026-01-05 10:00:00",
        "2026-01-05T10:00:00",
        "2026-01-05 10:00:00.123+0000",
        "2026-01-05",
        "yesterday",
    ]
    .iter()
    .map(|s| format!("{s} → {:?}\n", parse_time_ms(s)))
    .collect();
    expect![[r#"
        2026-01-05T10:00:00Z → Some(1767607200000.0)
        2026-01-05T10:00:00+00:00 → Some(1767607200000.0)
        2026-01-05T10:00:00.123456Z → Some(1767607200123.0)
        2026-01-05T11:00:00+01:00 → Some(1767607200000.0)
        2026-01-05 10:00:00 → Some(1767607200000.0)
        2026-01-05T10:00:00 → Some(1767607200000.0)
        2026-01-05 10:00:00.123+0000 → Some(1767607200123.0)
        2026-01-05 → Some(1767571200000.0)
        yesterday → None
    "#]]
    .assert_eq(&parsed.concat());
}

#[test]
fn palette() {
    assert_eq!(series_color(0), series_color(8));
    assert_ne!(series_color(0), series_color(1));
    assert_eq!(ChartKind::from_name("Scatter"), Some(ChartKind::Scatter));
}
