//! Small browser services the components use: local storage, downloads, the
//! clipboard, the URL fragment and reading a picked file. Failures come back
//! as readable text; nothing here panics.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Url};

/// Where the notebook is kept between reloads.
pub const NOTEBOOK_KEY: &str = "glint.notebook.v1";
/// Where the data source is kept between reloads.
pub const SOURCE_KEY: &str = "glint.source.v1";
/// Why the engine worker stopped while the page was in use (set when it
/// dies, read once by the next load: that load does not run the notebook,
/// which would likely stop it again).
pub const ENGINE_STOPPED_KEY: &str = "glint.engine-stopped.v1";

/// Best-effort text of a thrown JS value.
pub fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn load_local(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Saves a value; a full or disabled storage is not an error worth a dialog.
pub fn save_local(key: &str, value: &str) -> Result<(), String> {
    let storage = storage().ok_or("local storage is not available")?;
    storage
        .set_item(key, value)
        .map_err(|e| format!("could not save to local storage: {}", js_text(&e)))
}

pub fn remove_local(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// Offers `bytes` as a download named `file_name`.
pub fn download(file_name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let array = Uint8Array::from(bytes);
    download_parts(file_name, mime, &Array::of1(&array))
}

/// Offers an `ArrayBuffer` (as sent by the worker) as a download.
pub fn download_buffer(file_name: &str, mime: &str, buffer: &JsValue) -> Result<(), String> {
    download_parts(file_name, mime, &Array::of1(buffer))
}

fn download_parts(file_name: &str, mime: &str, parts: &Array) -> Result<(), String> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_buffer_source_sequence_and_options(parts, &options)
        .map_err(|e| format!("cannot build the file: {}", js_text(&e)))?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|e| js_text(&e))?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| js_text(&e))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // The click has started the download; the URL can go once it is read.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}

/// The text of an `ArrayBuffer`, decoded as UTF-8 (lossy).
pub fn buffer_text(buffer: &JsValue) -> String {
    let bytes = Uint8Array::new(buffer).to_vec();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Copies text to the clipboard.
pub async fn copy_text(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let clipboard = window.navigator().clipboard();
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|e| format!("the browser refused the clipboard ({}); copy the text by hand", js_text(&e)))
}

/// The URL fragment without `#` (empty when there is none).
pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_owned())
        .unwrap_or_default()
}

/// The `?workers=N` of the page's URL: how many partition workers to load
/// logs into (default: one per logical core).
pub fn workers_param() -> Option<u32> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix("workers=")?.parse().ok())
}

/// The value of `name=` in the page's query string.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let prefix = format!("{name}=");
    search.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix(prefix.as_str()).map(str::to_owned))
}

/// The page's URL without its fragment.
pub fn page_url() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return String::new();
    };
    let href = location.href().unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_owned()
}

/// Removes the fragment from the address bar (after a shared notebook is
/// opened, so a reload keeps later edits from local storage).
pub fn clear_hash() {
    if let Some(window) = web_sys::window() {
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&page_url()));
        }
    }
}

/// A picked file's text.
pub async fn file_text(file: &File) -> Result<String, String> {
    let text = JsFuture::from(file.text())
        .await
        .map_err(|e| format!("cannot read {}: {}", file.name(), js_text(&e)))?;
    text.as_string().ok_or_else(|| format!("{} is not text", file.name()))
}

/// Scrolls the first element matching a CSS selector into view, after the
/// next frame (so a just-added element is in the DOM).
pub fn scroll_into_view_later(selector: String) {
    leptos::prelude::request_animation_frame(move || {
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(&selector).ok().flatten()) {
            el.scroll_into_view();
        }
    });
}
