//! The engine's checks (`engine/tests/checks.rs`, the same cases and the
//! same expected text) run on wasm32 in headless Chromium, so the browser
//! engine is held to the native engine's answers.
//!
//! Run with `cargo xtask test` (or `CHROMEDRIVER=/usr/bin/chromedriver cargo
//! test -p engine-wasm --target wasm32-unknown-unknown --release`).

#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "../../engine/tests/checks.rs"]
mod checks;
