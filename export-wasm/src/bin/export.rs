//! The export worker's entry point (built by Trunk as `export_loader.js`).

fn main() {
    export_wasm::worker::start();
}
