//! On an in-process standalone Ballista cluster (scheduler and executor in
//! this test, over real gRPC on localhost), with Glint's codecs: the
//! benchmark queries q1–q6 (`tests/bench/queries.json`) and every cell of
//! the starter notebook (SQL, A/B, trend, funnel, retention; later cells
//! read earlier cells' results) give the local engine's answers on the same
//! NDJSON log, with 1 and 4 byte ranges; and the ingest report agrees.

use ballista::prelude::SessionContextExt;
use datafusion::prelude::SessionContext;
use glint_cluster::{ClusterSource, S3Options};
use glint_engine::ingest::{IngestOptions, ingest};
use glint_engine::sample::{SampleSpec, generate};
use glint_engine::session::{Session, SessionOptions};
use glint_notebook::{CellKind, Notebook};

/// A standalone cluster (scheduler and one executor in this process) with
/// 2 task slots: fewer than most stages have tasks, as on a busy cluster.
async fn standalone(ranges: usize) -> SessionContext {
    let state = glint_cluster::session_state(ranges);
    let config = state.config().clone().set_usize("ballista.standalone.parallelism", 2);
    let state = datafusion::execution::SessionStateBuilder::new_from_existing(state).with_config(config).build();
    SessionContext::standalone_with_state(state).await.unwrap()
}

const QUERIES: &str = include_str!("../../tests/bench/queries.json");
const STARTER: &str = include_str!("../../app/src/starter.md");

/// The result as text, floats to 9 significant digits (partitioned sums may
/// add in another order).
fn canonical(out: &glint_engine::session::QueryOutput) -> String {
    let csv = glint_engine::table::to_csv(&out.batches).unwrap();
    csv.lines()
        .map(|line| {
            line.split(',')
                .map(|f| match f.parse::<f64>() {
                    Ok(v) if f.contains('.') || f.contains('e') => format!("{v:.9e}"),
                    _ => f.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs every computing cell of the starter notebook; one text per cell.
async fn notebook(session: &Session) -> Vec<String> {
    let nb = Notebook::parse(STARTER).unwrap();
    let params: Vec<(String, serde_json::Value)> = nb.params().into_iter().map(|p| (p.name, p.value.to_json())).collect();
    let mut texts = Vec::new();
    for cell in nb.cells() {
        if matches!(cell.kind(), CellKind::Markdown | CellKind::Params | CellKind::Chart) {
            continue;
        }
        let kind = cell.kind().fence_word().unwrap_or_default();
        let label = format!("{kind} {}", cell.name().unwrap_or("-"));
        match glint_engine::cell::run(session, kind, cell.body(), &params).await {
            Ok(out) => {
                if let Some(name) = cell.name() {
                    session.register_result(name, &out.table).unwrap();
                }
                texts.push(format!("{label}\nnotes: {:?}\nalert: {:?}\n{}", out.notes, out.alert, canonical(&out.table)));
            }
            Err(e) => texts.push(format!("{label}\nerror: {e}")),
        }
    }
    texts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_and_notebook_cells_on_a_standalone_cluster_equal_the_local_engine() {
    // A smaller sample (about 15k events, with malformed lines and numeric user ids).
    let log = generate(&SampleSpec { users: 600, days: 7, ..SampleSpec::default() });
    let dir = std::env::temp_dir().join(format!("glint-cluster-standalone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.ndjson");
    std::fs::write(&path, &log).unwrap();
    let url = url::Url::from_file_path(&path).unwrap().to_string();

    let data = ingest(&log, 3, &IngestOptions::default()).unwrap();
    let local = Session::new(&data, &SessionOptions { target_partitions: 3, memory_limit: None }).unwrap();
    assert!(data.report.malformed > 0, "the sample should have malformed lines to count");
    let queries: serde_json::Value = serde_json::from_str(QUERIES).unwrap();
    let queries: Vec<(String, String)> = queries["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["name"].as_str().unwrap().to_string(), q["glint"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(queries.len(), 6);
    let mut expected = Vec::new();
    for (name, sql) in &queries {
        let out = local.sql(sql).await.unwrap_or_else(|e| panic!("{name} locally: {e}"));
        assert!(out.rows() > 0, "{name} has rows locally");
        expected.push(canonical(&out));
    }
    let expected_cells = notebook(&local).await;
    assert!(expected_cells.len() >= 6, "{expected_cells:?}");
    assert!(expected_cells.iter().all(|t| !t.contains("\nerror: ")), "{expected_cells:?}");

    for ranges in [1, 4] {
        let ctx = standalone(ranges).await;
        let source = ClusterSource::new(&url, S3Options::default()).unwrap();
        let opened = glint_cluster::open(ctx, source, ranges).await.unwrap();
        assert_eq!(opened.ranges, ranges);
        assert_eq!(opened.bytes, log.len() as u64);
        let cluster = opened.session;
        let (a, b) = (cluster.report(), local.report());
        assert_eq!(
            (a.rows, a.malformed, a.conflict_total(), &a.malformed_examples),
            (b.rows, b.malformed, b.conflict_total(), &b.malformed_examples),
            "ingest report with {ranges} ranges"
        );
        assert_eq!(cluster.fields(), local.fields(), "fields with {ranges} ranges");
        for ((name, sql), want) in queries.iter().zip(&expected) {
            let out = cluster.sql(sql).await.unwrap_or_else(|e| panic!("{name} on the cluster ({ranges} ranges): {e}"));
            assert_eq!(&canonical(&out), want, "{name} with {ranges} ranges");
        }
        let cells = notebook(&cluster).await;
        for (got, want) in cells.iter().zip(&expected_cells) {
            assert_eq!(got, want, "starter notebook cell with {ranges} ranges");
        }
        assert_eq!(cells.len(), expected_cells.len());
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_source_and_bad_sql_are_errors_not_hangs() {
    let ctx = standalone(2).await;
    let missing = ClusterSource::new("file:///nonexistent/glint/events.ndjson", S3Options::default()).unwrap();
    let e = glint_cluster::open(ctx.clone(), missing, 2).await.err().unwrap();
    assert!(e.message.contains("file:///nonexistent/glint/events.ndjson was not found"), "{e}");
    for (url, want) in [
        ("ftp://host/x.ndjson", "`ftp://` is not a source the cluster's executors can read"),
        ("file://relative", "is not an absolute file:// path"),
        ("s3://bucket", "is not s3://bucket/key"),
    ] {
        let e = ClusterSource::new(url, S3Options::default()).unwrap_err();
        assert!(e.contains(want), "{url}: {e}");
    }
    // A gzip log is named, not read as malformed lines.
    let dir = std::env::temp_dir().join(format!("glint-cluster-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let gz = dir.join("events.ndjson.gz");
    std::fs::write(&gz, b"\x1f\x8b\x08\x00\x00\x00\x00\x00rest").unwrap();
    let source = ClusterSource::new(url::Url::from_file_path(&gz).unwrap().as_str(), S3Options::default()).unwrap();
    let e = glint_cluster::open(ctx.clone(), source, 2).await.err().unwrap();
    assert!(e.message.contains("gzip"), "{e}");
    // Bad SQL on a cluster session: DataFusion's error, with Glint's hint.
    let ok = dir.join("ok.ndjson");
    std::fs::write(&ok, b"{\"event\":\"a\",\"userId\":\"u1\"}\n{\"event\":\"b\",\"userId\":\"u2\"}\nnot json\n").unwrap();
    let source = ClusterSource::new(url::Url::from_file_path(&ok).unwrap().as_str(), S3Options::default()).unwrap();
    let opened = glint_cluster::open(ctx, source, 2).await.unwrap();
    assert_eq!((opened.session.report().rows, opened.session.report().malformed), (2, 1));
    let e = opened.session.sql("SELECT evnt FROM events").await.unwrap_err();
    assert!(e.to_string().contains("evnt"), "{e}");
    assert_eq!(e.hint.as_deref(), Some("unknown column `evnt`; did you mean `event`?"), "{e:?}");
    let out = opened.session.sql("SELECT event, user_id FROM events ORDER BY event").await.unwrap();
    assert_eq!(glint_engine::table::to_csv(&out.batches).unwrap(), "event,user_id\na,u1\nb,u2\n");
    std::fs::remove_dir_all(&dir).ok();
}
