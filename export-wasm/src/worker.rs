//! The export worker's message loop.
//!
//! Protocol (plain JS objects, no JSON text):
//! - from the worker, once: `{ready: true}` after `onmessage` is installed
//!   (messages posted before that are lost, so the app waits for it);
//! - to the worker: `{id: number, ipc: ArrayBuffer}` (an Arrow IPC file;
//!   a `Uint8Array` is accepted too);
//! - from the worker, once per request: `{id, parquet: ArrayBuffer}` with the
//!   buffer transferred, or `{id, error: string}`. `id` is echoed as sent.
//!
//! Requests are handled synchronously, one at a time, in arrival order.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::convert::ipc_file_to_parquet;

/// Field of a request or reply: the request id, echoed in the reply.
pub const ID_FIELD: &str = "id";
/// Field of a request: the Arrow IPC file.
pub const IPC_FIELD: &str = "ipc";
/// Field of a successful reply: the Parquet file.
pub const PARQUET_FIELD: &str = "parquet";
/// Field of a failed reply: what went wrong, as a sentence.
pub const ERROR_FIELD: &str = "error";
/// Field of the one-off readiness message.
pub const READY_FIELD: &str = "ready";

/// Installs the message handler, then posts `{ready: true}`.
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let handler =
        Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| handle(&event.data()));
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    let ready = Object::new();
    set(&ready, READY_FIELD, &JsValue::TRUE);
    post(&ready, None);
}

fn handle(data: &JsValue) {
    let id = get(data, ID_FIELD).unwrap_or(JsValue::NULL);
    let reply = Object::new();
    set(&reply, ID_FIELD, &id);
    match request_bytes(data).and_then(|ipc| ipc_file_to_parquet(&ipc)) {
        Ok(parquet) => {
            let array = Uint8Array::from(parquet.as_slice());
            drop(parquet);
            let buffer = array.buffer();
            set(&reply, PARQUET_FIELD, &buffer);
            post(&reply, Some(buffer));
        }
        Err(message) => {
            set(&reply, ERROR_FIELD, &JsValue::from_str(&message));
            post(&reply, None);
        }
    }
}

/// The request's IPC bytes, copied into wasm memory.
fn request_bytes(data: &JsValue) -> Result<Vec<u8>, String> {
    let ipc = get(data, IPC_FIELD).ok_or_else(|| {
        "the export worker expects {id, ipc: ArrayBuffer}; the message has no `ipc`".to_string()
    })?;
    if let Some(buffer) = ipc.dyn_ref::<ArrayBuffer>() {
        Ok(Uint8Array::new(buffer).to_vec())
    } else if let Some(view) = ipc.dyn_ref::<Uint8Array>() {
        Ok(view.to_vec())
    } else {
        Err(
            "the export worker expects `ipc` to be an ArrayBuffer holding an Arrow IPC file"
                .to_string(),
        )
    }
}

/// `data[key]` if `data` is an object and the field is set.
fn get(data: &JsValue, key: &str) -> Option<JsValue> {
    if !data.is_object() {
        return None;
    }
    Reflect::get(data, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Defining a field on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// Posts to the app; a `transfer`red buffer moves instead of being copied.
fn post(message: &Object, transfer: Option<ArrayBuffer>) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    // Posting to our own parent cannot fail while the worker lives.
    let _ = match transfer {
        Some(buffer) => scope.post_message_with_transfer(message, &Array::of1(&buffer)),
        None => scope.post_message(message),
    };
}
