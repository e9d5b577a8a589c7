//! The engine worker's entry point (built by Trunk as `worker_loader.js`).

fn main() {
    engine_wasm::worker::start();
}
