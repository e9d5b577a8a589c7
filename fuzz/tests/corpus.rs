//! Replays every kept fuzz input on stable: the minimised corpora
//! (`corpus/TARGET/`) and the crash cases found so far
//! (`regressions/TARGET/`, named after what they broke), through the same
//! property functions the fuzz targets run.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        let dir = root.join(dir).join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.file_name().is_some_and(|n| n != ".gitkeep"))
            .collect();
        files.sort();
        for path in files {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            count += 1;
        }
    }
    assert!(count > 0, "{target}: no corpus to replay");
}

#[test]
fn ndjson_ingest_corpus() {
    replay("ndjson_ingest", glint_fuzz::ndjson_ingest);
}

#[test]
fn notebook_codec_corpus() {
    replay("notebook_codec", glint_fuzz::notebook_codec);
}

#[test]
fn share_codec_corpus() {
    replay("share_codec", glint_fuzz::share_codec);
}
