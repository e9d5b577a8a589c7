//! The workers' allocator: the system allocator, plus a note to the parent
//! thread when an allocation fails.
//!
//! In wasm32 a failed allocation (the module's memory cannot grow past 4 GiB,
//! or the browser refuses) aborts the worker with a bare `RuntimeError:
//! unreachable`. Just before that, [`Heap`] posts a
//! [`glint_protocol::OUT_OF_MEMORY_NOTE`] saying how much was asked for with
//! how much held, so the app (for the engine worker) or the coordinator (for a
//! partition worker) can say the worker ran out of memory. The note is
//! formatted on the stack: nothing here allocates. A failure that is handled
//! (`try_reserve`) also posts one; the parent ignores it unless the worker dies
//! before its next reply.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::{JsCast, JsValue};

pub struct Heap;

// SAFETY: every call is forwarded to `System` unchanged; `note` only reads
// the memory size and calls into JS.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            note(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            note(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            note(new_size);
        }
        p
    }
}

/// A note is being posted (a failure while posting one is not noted again).
static NOTING: AtomicBool = AtomicBool::new(false);

fn note(wanted: usize) {
    if NOTING.swap(true, Ordering::Relaxed) {
        return;
    }
    let heap = core::arch::wasm32::memory_size(0) as u64 * 65536;
    let mut buf = StackText::<96>::default();
    let _ = std::fmt::Write::write_fmt(&mut buf, format_args!("{}{wanted} {heap}", glint_protocol::OUT_OF_MEMORY_NOTE));
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let _ = scope.post_message(&JsValue::from_str(buf.as_str()));
    NOTING.store(false, Ordering::Relaxed);
}

/// Text in a fixed buffer (longer writes fail).
struct StackText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Default for StackText<N> {
    fn default() -> Self {
        StackText { bytes: [0; N], len: 0 }
    }
}

impl<const N: usize> StackText<N> {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl<const N: usize> std::fmt::Write for StackText<N> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > N {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
