//! What the engine's test files share: the `checks!` macro (each case a
//! native `#[test]` and, when the file is included by `engine-wasm`'s tests,
//! a `wasm_bindgen_test` in headless Chromium), the engine partitions and
//! executor per target, a session over a log, and helpers for logs and
//! rounding. Included with `#[path = "support/mod.rs"]` (a path relative to
//! the including file, so the wasm test crates find it too).

#![allow(dead_code)]

use glint_engine::ingest::{IngestOptions, ingest};
use glint_engine::session::{Session, SessionOptions};

/// Declares each case as a test on both targets.
macro_rules! checks {
    ($($(#[$m:meta])* fn $name:ident() $body:block)*) => {$(
        $(#[$m])*
        #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
        #[cfg_attr(not(target_arch = "wasm32"), test)]
        fn $name() $body
    )*};
}

/// DataFusion's execution partitions for a case run at `n` ingest
/// partitions: `n` natively; 1 in a browser worker (one wasm instance runs
/// one execution partition; spreading across workers is the coordinator's job).
#[cfg(not(target_arch = "wasm32"))]
pub fn engine_partitions(n: usize) -> usize {
    n
}

#[cfg(target_arch = "wasm32")]
pub fn engine_partitions(_n: usize) -> usize {
    1
}

/// Runs an engine future: on a tokio runtime natively (DataFusion spawns
/// with several partitions), without one on wasm32 (as in the browser).
#[cfg(not(target_arch = "wasm32"))]
pub fn block_on_engine<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap().block_on(f)
}

#[cfg(target_arch = "wasm32")]
pub fn block_on_engine<T>(f: impl std::future::Future<Output = T>) -> T {
    futures::executor::block_on(f)
}

/// How a case's engine is laid out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Layout {
    /// One session over `n` ingest byte ranges (and `n` execution partitions natively).
    Partitions(usize),
    /// A coordinator session over `n` partition workers (in-process), each
    /// holding one byte range, as the browser's web workers do.
    Workers(usize),
}

/// Every layout a case runs in; the first is the reference.
pub const LAYOUTS: [Layout; 4] = [Layout::Partitions(1), Layout::Partitions(3), Layout::Partitions(7), Layout::Workers(3)];

/// A session over `log` ingested in `partitions` byte ranges.
pub fn session(log: &str, partitions: usize) -> Session {
    session_in(log, Layout::Partitions(partitions))
}

/// A session over `log` in the given layout.
pub fn session_in(log: &str, layout: Layout) -> Session {
    match layout {
        Layout::Partitions(n) => {
            let data = ingest(log.as_bytes(), n, &IngestOptions::default()).unwrap();
            Session::new(&data, &SessionOptions { target_partitions: engine_partitions(n), ..Default::default() }).unwrap()
        }
        Layout::Workers(n) => {
            let data = ingest(log.as_bytes(), n, &IngestOptions::default()).unwrap();
            glint_engine::distributed::InProcess::coordinator(&data).unwrap()
        }
    }
}

/// 6 significant digits, so that summation order cannot change the text.
pub fn round(x: f64) -> f64 {
    format!("{x:.5e}").parse().unwrap_or(x)
}

/// One Segment-style event line, `minute` minutes after 2026-10-01T00:00Z
/// (an empty `user` leaves `userId` out).
pub fn ev(user: &str, minute: u32, event: &str, props: &str) -> String {
    let user = if user.is_empty() { String::new() } else { format!("\"userId\":\"{user}\",") };
    format!(
        "{{{user}\"event\":\"{event}\",\"timestamp\":\"2026-10-{:02}T{:02}:{:02}:00Z\",\"properties\":{{{props}}}}}\n",
        1 + minute / 1440,
        minute % 1440 / 60,
        minute % 60
    )
}
