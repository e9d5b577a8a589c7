//! The engine worker's entry point (built by Trunk as `worker_loader.js`).

/// Names an allocation failure before the worker dies (see `engine_wasm::heap`).
#[global_allocator]
static HEAP: engine_wasm::heap::Heap = engine_wasm::heap::Heap;

fn main() {
    // The same module runs as the coordinator (the app's worker) and as its
    // partition workers (started by the coordinator with a role mark).
    if engine_wasm::partition::is_partition_worker() {
        engine_wasm::partition::start_partition();
    } else {
        engine_wasm::worker::start();
    }
}
