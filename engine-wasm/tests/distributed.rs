//! The engine's coordinator / partition-worker checks
//! (`engine/tests/distributed.rs`: cuts per query, answers equal to a local
//! session's) on wasm32 in headless Chromium, where partition workers run.

#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "../../engine/tests/distributed.rs"]
mod distributed;
