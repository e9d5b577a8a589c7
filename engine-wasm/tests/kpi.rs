//! The engine's KPI checks (`engine/tests/kpi.rs`: trend, funnel,
//! retention; same cases and expected text) on wasm32 in headless Chromium.

#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "../../engine/tests/kpi.rs"]
mod kpi;
