//! The engine's event-explorer checks (`engine/tests/explore.rs`: overview,
//! profile, top users, journey, filters; same cases and expected text) on
//! wasm32 in headless Chromium.

#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "../../engine/tests/explore.rs"]
mod explore;
