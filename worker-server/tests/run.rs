//! `worker-server run` as a scheduler runs it: the real binary over a real
//! notebook file, its output directory read back and shown side by side with
//! the input. Timings vary from run to run and are shown as `…`; the sample's
//! long list of malformed lines is left out (only its summary line is kept).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use expect_test::{Expect, expect};

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glint-run-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `worker-server run` over `notebook` (written to `dir/nb.md`) with
/// results in `dir/out`, and renders the exit status, stderr, the files
/// named in `show` and the summary `run.json`.
fn run(dir: &Path, notebook: &str, args: &[&str], show: &[&str]) -> String {
    let nb = dir.join("nb.md");
    std::fs::write(&nb, notebook).unwrap();
    let out_dir = dir.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_worker-server"))
        .arg("run")
        .arg(&nb)
        .arg("--out")
        .arg(&out_dir)
        .args(args)
        .output()
        .unwrap();
    let stderr: String = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("ingest: ") && !l.starts_with("  malformed line") && !l.starts_with("  … and"))
        .map(|l| format!("{}\n", without_ms(l)))
        .collect::<String>();
    let mut s = format!("status: {}\n--- stderr\n{stderr}", if out.status.success() { "ok" } else { "failed" });
    let mut files: Vec<String> = std::fs::read_dir(&out_dir)
        .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    files.sort();
    s += &format!("--- files:{}\n", files.iter().map(|f| format!(" {f}")).collect::<String>());
    for name in show {
        match std::fs::read_to_string(out_dir.join(name)) {
            Ok(text) => s += &format!("--- {name}\n{text}"),
            Err(e) => s += &format!("--- {name}: {e}\n"),
        }
    }
    if let Ok(text) = std::fs::read_to_string(out_dir.join("run.json")) {
        s += &format!("--- run.json\n{}", summary(&text));
    }
    s.replace(dir.to_str().unwrap(), "$DIR")
}

/// `in 12.3 ms` → `in … ms`.
fn without_ms(line: &str) -> String {
    match (line.find(" rows in "), line.find(" ms -> ")) {
        (Some(a), Some(b)) if a < b => format!("{} rows in … ms{}", &line[..a], &line[b + 3..]),
        _ => line.to_string(),
    }
}

/// `run.json` without its timings, one line per cell.
fn summary(text: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut s = format!(
        "status {}, source {}, format {}, params {}, rows {}, malformed {}\n",
        v["status"], v["source"], v["format"], v["params"], v["rows"], v["malformed"]
    );
    for c in v["cells"].as_array().unwrap() {
        assert!(c["ms"].as_f64().is_some(), "{c}");
        s += &format!(
            "  {} -> {}: {} rows, {} notes, alert {}\n",
            c["label"].as_str().unwrap(),
            c["file"].as_str().unwrap(),
            c["rows"],
            c["notes"].as_array().unwrap().len(),
            if c["alert"].is_null() { "no" } else { "yes" }
        );
    }
    if !v["error"].is_null() {
        s += &format!("  error: {}\n", v["error"]);
    }
    s
}

fn check(name: &str, notebook: &str, args: &[&str], show: &[&str], expect: Expect) {
    expect.assert_eq(&run(&temp_dir(name), notebook, args, show));
}

/// Orders per day, the days with at least `$min` orders (reading the named
/// result `per_day`), and the A/B read-out of the sample's experiment.
const NIGHTLY: &str = r#"# Nightly orders

```params
event = "Order Completed"
min = 230
```

Orders per day:

```sql name=per_day
SELECT CAST(date_trunc('day', ts) AS DATE) AS day, count(*) AS n
FROM events WHERE event = $event
GROUP BY 1 ORDER BY 1
```

```chart
source: per_day
x: day
y: n
```

```sql name=busy_days
SELECT count(*) AS days, sum(n) AS total FROM per_day WHERE n >= $min
```

```ab
experiment: rec_model_v2
control: control
metric: added_to_cart = conversion "Added to Cart"
metric: orders = count "Order Completed"
```
"#;

#[test]
fn a_notebook_runs_top_to_bottom_into_one_file_per_cell() {
    check("nightly", NIGHTLY, &["--source", "sample", "--partitions", "3"], &["per_day.csv", "busy_days.csv", "cell-7.csv"], expect![[r#"
        status: ok
        --- stderr
        ingest report for built-in sample: 28055654 bytes, 85603 lines, 85381 rows, 222 malformed lines skipped, 0 empty lines, 430 type conflicts
          column userId (string): 430 values of another type are NULL (raw JSON in userId__raw), e.g. line 416: number 1584
        cell 4 (sql `per_day`): 15 rows in … ms -> per_day.csv
        cell 6 (sql `busy_days`): 1 rows in … ms -> busy_days.csv
        cell 7 (ab): 4 rows in … ms -> cell-7.csv
          note: 333 exposure event(s) have no unit (`user_id` is NULL) and are left out
        --- files: busy_days.csv cell-7.csv per_day.csv run.json
        --- per_day.csv
        day,n
        2026-10-01,218
        2026-10-02,241
        2026-10-03,237
        2026-10-04,230
        2026-10-05,205
        2026-10-06,203
        2026-10-07,207
        2026-10-08,214
        2026-10-09,248
        2026-10-10,219
        2026-10-11,241
        2026-10-12,226
        2026-10-13,224
        2026-10-14,220
        2026-10-15,2
        --- busy_days.csv
        days,total
        5,1197
        --- cell-7.csv
        metric,kind,arm,units,value,abs_lift,abs_ci_low,abs_ci_high,rel_lift,rel_ci_low,rel_ci_high,p_value,adj_p_value,chance_to_beat,expected_loss,significant,note
        added_to_cart,conversion,control,1180,0.9008474576271186,,,,,,,,,,,,
        added_to_cart,conversion,treatment,1157,0.9325842696629213,0.0317368120358027,0.009386727146064418,0.05408689692554097,0.0352299512721046,0.009907411048209809,0.06055249149599939,0.005540773432844676,0.005540773432844676,0.9972371293468801,9.538967675617061e-6,true,
        orders,count,control,1180,0.95,,,,,,,,,,,,
        orders,count,treatment,1157,1.1797752808988764,0.22977528089887644,0.1315748313467222,0.3279757304510307,0.24186871673565943,0.1269731864558092,0.3567642470155097,1.678974147152711e-7,3.357948294305422e-7,0.9999988295830763,1.1754398702438813e-8,true,
        --- run.json
        status "ok", source "built-in sample", format "csv", params {"event":"Order Completed","min":230}, rows 85381, malformed 222
          cell 4 (sql `per_day`) -> per_day.csv: 15 rows, 0 notes, alert no
          cell 6 (sql `busy_days`) -> busy_days.csv: 1 rows, 0 notes, alert no
          cell 7 (ab) -> cell-7.csv: 4 rows, 1 notes, alert no
    "#]]);
}

#[test]
fn parameter_overrides_change_the_results() {
    let cases = [
        (["--param", "min=240"], expect![[r#"
            days,total
            3,730
        "#]]),
        (["--param", "event=Checkout Started"], expect![[r#"
            days,total
            14,4541
        "#]]),
    ];
    for (i, (args, expected)) in cases.into_iter().enumerate() {
        let dir = temp_dir(&format!("override-{i}"));
        let out = Command::new(env!("CARGO_BIN_EXE_worker-server"))
            .args(["run", "--source", "sample", "--out"])
            .arg(dir.join("out"))
            .args(args)
            .arg(write(&dir, "nb.md", NIGHTLY))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        expected.assert_eq(&std::fs::read_to_string(dir.join("out/busy_days.csv")).unwrap());
    }
}

#[test]
fn json_and_parquet_results_read_back_to_the_same_rows() {
    let csv = |dir: &Path| std::fs::read_to_string(dir.join("out/per_day.csv")).unwrap();
    let base = temp_dir("formats-csv");
    run(&base, NIGHTLY, &["--source", "sample"], &[]);
    let expected = csv(&base);

    let dir = temp_dir("formats-json");
    let shown = run(&dir, NIGHTLY, &["--source", "sample", "--format", "json"], &[]);
    assert!(shown.contains("--- files: busy_days.json cell-7.json per_day.json run.json\n"), "{shown}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(dir.join("out/per_day.json")).unwrap()).unwrap();
    let from_json: String = std::iter::once("day,n\n".to_string())
        .chain(rows.iter().map(|r| format!("{},{}\n", r["day"].as_str().unwrap(), r["n"])))
        .collect();
    assert_eq!(from_json, expected);

    let dir = temp_dir("formats-parquet");
    let shown = run(&dir, NIGHTLY, &["--source", "sample", "--format", "parquet"], &[]);
    assert!(shown.contains("--- files: busy_days.parquet cell-7.parquet per_day.parquet run.json\n"), "{shown}");
    for name in ["per_day", "cell-7"] {
        let file = std::fs::File::open(dir.join(format!("out/{name}.parquet"))).unwrap();
        let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let compression = builder.metadata().row_group(0).column(0).compression();
        assert_eq!(compression, parquet::basic::Compression::UNCOMPRESSED);
        let batches: Vec<_> = builder.build().unwrap().map(Result::unwrap).collect();
        let mut text = Vec::new();
        {
            let mut w = arrow::csv::WriterBuilder::new().with_header(true).build(&mut text);
            for b in &batches {
                w.write(b).unwrap();
            }
        }
        let original = std::fs::read_to_string(base.join(format!("out/{name}.csv"))).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), original, "{name}");
    }
}

/// A small log (the CLI tests' log): a local path is read directly.
const LOG: &str = concat!(
    "{\"event\":\"Product Viewed\",\"userId\":\"u1\",\"timestamp\":\"2026-10-01T10:00:00Z\",\"properties\":{\"variant\":\"control\"}}\n",
    "{\"event\":\"Added to Cart\",\"userId\":\"u1\",\"timestamp\":\"2026-10-01T10:05:00+02:00\",\"properties\":{\"variant\":\"control\"}}\n",
    "{\"event\":\"Product Viewed\",\"userId\":42,\"timestamp\":\"2026-10-01T11:00:00Z\"}\n",
    "{\"event\":\"Product Viewed\",\"userId\":\"u2\",\n",
    "\n",
    "{\"event\":\"Added to Cart\",\"userId\":\"u2\",\"timestamp\":\"2026-10-02T09:00:00Z\",\"properties\":{\"variant\":\"treatment\"}}\n",
);

const FAILING: &str = r#"```sql name=by_event
SELECT event, count(*) AS n FROM events GROUP BY 1 ORDER BY 1
```

```sql
SELECT evnt FROM by_event
```

```sql name=never
SELECT 1 AS one
```
"#;

#[test]
fn the_first_failing_cell_stops_the_run_and_keeps_what_came_before() {
    let dir = temp_dir("failing");
    let log = write(&dir, "events.ndjson", LOG);
    expect![[r#"
        status: failed
        --- stderr
        ingest report for $DIR/events.ndjson: 454 bytes, 6 lines, 4 rows, 1 malformed lines skipped, 1 empty lines, 1 type conflicts
          column userId (string): 1 values of another type are NULL (raw JSON in userId__raw), e.g. line 3: number 42
        cell 1 (sql `by_event`): 2 rows in … ms -> by_event.csv
        error: cell 2 (sql) failed: Schema error: No field named evnt. Did you mean 'by_event.event'?
        Valid fields are by_event.event, by_event.n.
        hint: unknown column `evnt`; did you mean `event`?
        --- files: by_event.csv run.json
        --- by_event.csv
        event,n
        Added to Cart,2
        Product Viewed,2
        --- run.json
        status "failed", source "$DIR/events.ndjson", format "csv", params {}, rows 4, malformed 1
          cell 1 (sql `by_event`) -> by_event.csv: 2 rows, 0 notes, alert no
          error: {"cell":2,"hint":"unknown column `evnt`; did you mean `event`?","label":"cell 2 (sql)","message":"Schema error: No field named evnt. Did you mean 'by_event.event'?\nValid fields are by_event.event, by_event.n."}
    "#]]
    .assert_eq(&run(&dir, FAILING, &["--source", log.to_str().unwrap()], &["by_event.csv"]));
}

#[test]
fn bad_parameters_and_sources_are_refused_before_anything_runs() {
    let cases = [
        (&["--source", "sample", "--param", "max=1"][..], expect![[r#"
            status: failed
            --- stderr
            error: in $DIR/nb.md: the notebook has no parameter `max` (it has: event, min)
            --- files:
        "#]]),
        (&["--source", "sample", "--param", "min=ten"], expect![[r#"
            status: failed
            --- stderr
            error: in $DIR/nb.md: parameter `min` is a whole number; "ten" is not a whole number
            --- files:
        "#]]),
        (&["--source", "sample", "--param", "min"], expect![[r#"
            status: failed
            --- stderr
            error: invalid value 'min' for '--param <NAME=VALUE>': `min` is not name=value

            For more information, try '--help'.
            --- files:
        "#]]),
        (&["--source", "/nonexistent/events.ndjson"], expect![[r#"
            status: failed
            --- stderr
            error: reading /nonexistent/events.ndjson: No such file or directory (os error 2)
            --- files:
        "#]]),
        (&["--source", "ftp://example.com/log"], expect![[r#"
            status: failed
            --- stderr
            error: `ftp://` sources are not supported: use http(s)://, s3:// or a path in the data directory
            --- files:
        "#]]),
    ];
    for (i, (args, expected)) in cases.into_iter().enumerate() {
        let dir = temp_dir(&format!("refused-{i}"));
        expected.assert_eq(&run(&dir, NIGHTLY, args, &[]));
    }
}

#[test]
fn a_source_can_be_an_http_url() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                LOG.len()
            );
            let body: &[u8] = if request.starts_with(b"HEAD") { b"" } else { LOG.as_bytes() };
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
        }
    });
    let dir = temp_dir("http");
    let url = format!("http://{addr}/logs/events.ndjson?sig=secret");
    let shown = run(&dir, FAILING.split("```sql\n").next().unwrap(), &["--source", &url], &["by_event.csv"]).replace(&addr.to_string(), "ADDR");
    expect![[r#"
        status: ok
        --- stderr
        ingest report for http://ADDR/logs/events.ndjson?...: 454 bytes, 6 lines, 4 rows, 1 malformed lines skipped, 1 empty lines, 1 type conflicts
          column userId (string): 1 values of another type are NULL (raw JSON in userId__raw), e.g. line 3: number 42
        cell 1 (sql `by_event`): 2 rows in … ms -> by_event.csv
        --- files: by_event.csv run.json
        --- by_event.csv
        event,n
        Added to Cart,2
        Product Viewed,2
        --- run.json
        status "ok", source "http://ADDR/logs/events.ndjson?...", format "csv", params {}, rows 4, malformed 1
          cell 1 (sql `by_event`) -> by_event.csv: 2 rows, 0 notes, alert no
    "#]]
    .assert_eq(&shown);
}

#[test]
fn a_sample_ratio_mismatch_is_an_alert_under_its_cell() {
    // 40 users in control, 8 in treatment for a 50/50 split; every third carts.
    let log: String = (0..48)
        .map(|u| {
            let arm = if u < 40 { "control" } else { "treatment" };
            let mut lines = format!(
                "{{\"event\":\"Experiment Viewed\",\"userId\":\"u{u}\",\"timestamp\":\"2026-10-01T10:00:00Z\",\"properties\":{{\"experiment_id\":\"exp\",\"variant\":\"{arm}\"}}}}\n"
            );
            if u % 3 == 0 {
                lines += &format!("{{\"event\":\"Added to Cart\",\"userId\":\"u{u}\",\"timestamp\":\"2026-10-01T11:00:00Z\"}}\n");
            }
            lines
        })
        .collect();
    let dir = temp_dir("srm");
    let source = write(&dir, "events.ndjson", &log);
    let notebook = "```ab name=readout\nexperiment: exp\ncontrol: control\nmetric: carts = conversion \"Added to Cart\"\n```\n";
    expect![[r#"
        status: ok
        --- stderr
        ingest report for $DIR/events.ndjson: 7794 bytes, 64 lines, 64 rows, 0 malformed lines skipped, 0 empty lines, 0 type conflicts
        cell 1 (ab `readout`): 2 rows in … ms -> readout.csv
          note: sample ratio mismatch: units per arm (control 40, treatment 8) are not the intended split (expected 24.0, 24.0; p = 3.860e-6 < 0.001): assignment or logging is likely broken, so the comparisons cannot be trusted
          ALERT: Sample ratio mismatch: control 40 (expected 24), treatment 8 (expected 24) units; p = 3.86e-6 < 0.001. The assignment or the logging is broken for some units: do not trust the lifts until this is explained.
        --- files: readout.csv run.json
        --- run.json
        status "ok", source "$DIR/events.ndjson", format "csv", params {}, rows 64, malformed 0
          cell 1 (ab `readout`) -> readout.csv: 2 rows, 1 notes, alert yes
    "#]].assert_eq(&run(&dir, notebook, &["--source", source.to_str().unwrap()], &[]));
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
