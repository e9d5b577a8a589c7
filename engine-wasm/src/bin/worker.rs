//! The engine worker's entry point (built by Trunk as `worker_loader.js`).

fn main() {
    // The same module runs as the coordinator (the app's worker) and as its
    // partition workers (started by the coordinator with a role mark).
    if engine_wasm::partition::is_partition_worker() {
        engine_wasm::partition::start_partition();
    } else {
        engine_wasm::worker::start();
    }
}
