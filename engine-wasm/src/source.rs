//! Reading a log's bytes in a worker: from a URL (`fetch`) or from a dropped
//! `File`, with progress, and gunzipped with the browser's
//! `DecompressionStream` when the bytes are gzip (detected by the magic
//! number, whatever the name says).

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, File, ReadableStream, ReadableStreamDefaultReader, ReadableWritablePair, Response, WorkerGlobalScope,
    WritableStream,
};

/// The largest log (after decompression) one browser worker takes. The wasm32
/// address space is 4 GiB and ingest needs about twice the input for the
/// columns it builds; larger logs get a clear error instead of a crashed tab.
pub const MAX_BROWSER_BYTES: u64 = 1 << 30;

fn too_large(what: &str, bytes: u64) -> String {
    format!(
        "{what} is {:.1} GiB; the browser engine takes logs up to {} GiB. Run it natively instead: \
         `worker-server query LOG --sql \"…\"` (the Glint worker server handles larger logs)",
        bytes as f64 / (1u64 << 30) as f64,
        MAX_BROWSER_BYTES >> 30
    )
}

/// Progress callback: `(stage, bytes_so_far, total)`.
pub type ProgressFn<'a> = &'a mut dyn FnMut(&str, u64, Option<u64>);

/// A GET of `url` that answered 2xx (the body not read yet).
pub async fn open_get(url: &str) -> Result<Response, String> {
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let resp = JsFuture::from(scope.fetch_with_str(url)).await.map_err(|e| format!("fetching {url} failed: {}", js_text(&e)))?;
    let resp: Response = resp.dyn_into().map_err(|_| "fetch did not return a Response".to_string())?;
    if !resp.ok() {
        return Err(format!("fetching {url} failed: HTTP {} {}", resp.status(), resp.status_text()));
    }
    Ok(resp)
}

/// A response's whole body (one worker's limit applies), gunzipped if needed; `true` when it was gzip.
pub async fn response_bytes(resp: Response, url: &str, progress: ProgressFn<'_>) -> Result<(Vec<u8>, bool), String> {
    let total = content_length(&resp);
    if let Some(total) = total.filter(|t| *t > MAX_BROWSER_BYTES) {
        return Err(too_large(url, total));
    }
    let body = resp.body().ok_or_else(|| format!("{url}: the response has no body"))?;
    let bytes = read_stream(&body, "download", total, progress).await.map_err(|e| format!("reading {url} failed: {e}"))?;
    gunzip_if_needed(bytes, progress).await.map_err(|e| format!("{url}: {e}"))
}

/// The announced body length (`Content-Length`), if any.
pub fn content_length(resp: &Response) -> Option<u64> {
    resp.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<u64>().ok())
}

/// The next chunk of a body, `None` at its end.
pub async fn next_chunk(reader: &ReadableStreamDefaultReader) -> Result<Option<Vec<u8>>, String> {
    let chunk = JsFuture::from(reader.read()).await.map_err(|e| js_text(&e))?;
    if Reflect::get(&chunk, &"done".into()).map(|v| v.is_truthy()).unwrap_or(true) {
        return Ok(None);
    }
    let value = Reflect::get(&chunk, &"value".into()).map_err(|e| js_text(&e))?;
    Ok(Some(value.unchecked_into::<Uint8Array>().to_vec()))
}

/// Reads a dropped/picked `File` and gunzips it if needed; `true` when it was gzip.
pub async fn file_bytes(file: &File, progress: ProgressFn<'_>) -> Result<(Vec<u8>, bool), String> {
    let name = file.name();
    let total = file.size() as u64;
    if total > MAX_BROWSER_BYTES {
        return Err(too_large(&name, total));
    }
    let stream = file.stream();
    let bytes = read_stream(&stream, "read", Some(total), progress).await.map_err(|e| format!("reading {name} failed: {e}"))?;
    gunzip_if_needed(bytes, progress).await.map_err(|e| format!("{name}: {e}"))
}

/// gzip's magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// An error naming the compression when `head` (an input's first bytes) is
/// compressed some way other than gzip, which Glint cannot read.
pub fn refuse_compression(head: &[u8], what: &str) -> Result<(), String> {
    match glint_engine::ingest::Compression::sniff(head) {
        Some(c) if c != glint_engine::ingest::Compression::Gzip => Err(c.unsupported(what)),
        _ => Ok(()),
    }
}

pub async fn gunzip_if_needed(bytes: Vec<u8>, progress: ProgressFn<'_>) -> Result<(Vec<u8>, bool), String> {
    refuse_compression(&bytes, "the log")?;
    if !is_gzip(&bytes) {
        return Ok((bytes, false));
    }
    let array = Uint8Array::from(bytes.as_slice());
    drop(bytes);
    let parts = js_sys::Array::of1(&array);
    let blob = Blob::new_with_u8_array_sequence(&parts).map_err(|e| js_text(&e))?;
    let ds = decompression_stream().map_err(|e| format!("this browser cannot decompress gzip: {}", js_text(&e)))?;
    let readable: ReadableStream = Reflect::get(&ds, &"readable".into()).map_err(|e| js_text(&e))?.unchecked_into();
    let writable: WritableStream = Reflect::get(&ds, &"writable".into()).map_err(|e| js_text(&e))?.unchecked_into();
    let pair = ReadableWritablePair::new(&readable, &writable);
    let stream = blob.stream().pipe_through(&pair);
    let out = read_stream(&stream, "gunzip", None, progress).await.map_err(|e| format!("not a valid gzip file ({e})"))?;
    Ok((out, true))
}

/// Where a loaded log's bytes can be read again (for a row's raw line).
pub enum RawSource {
    File(File),
    Url(String),
    /// Gzip input: byte offsets are in the decompressed log, which is gone.
    Compressed,
}

/// Bytes read for one line: enough for nearly every event.
const RAW_LINE_BYTES: u64 = 256 * 1024;

/// The input line starting at `offset`, read again from its source: a slice
/// of the dropped file, or an HTTP Range request. `Err` says why not.
pub async fn raw_line(source: &RawSource, offset: u64) -> Result<String, String> {
    let end = offset + RAW_LINE_BYTES;
    let bytes = match source {
        RawSource::Compressed => {
            return Err("the log was gzip-compressed, so its lines cannot be read again by offset".into());
        }
        RawSource::File(file) => {
            let part = file.slice_with_f64_and_f64(offset as f64, end as f64).map_err(|e| js_text(&e))?;
            let buffer = JsFuture::from(part.array_buffer()).await.map_err(|e| js_text(&e))?;
            Uint8Array::new(&buffer).to_vec()
        }
        RawSource::Url(url) => {
            let headers = web_sys::Headers::new().map_err(|e| js_text(&e))?;
            headers.set("Range", &format!("bytes={offset}-{}", end - 1)).map_err(|e| js_text(&e))?;
            let init = web_sys::RequestInit::new();
            init.set_headers(&headers);
            let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
            let resp = JsFuture::from(scope.fetch_with_str_and_init(url, &init)).await.map_err(|e| js_text(&e))?;
            let resp: Response = resp.dyn_into().map_err(|_| "fetch did not return a Response".to_string())?;
            if resp.status() != 206 {
                return Err(format!(
                    "the server answered a Range request with HTTP {} (not 206 Partial Content), so single lines cannot be read again",
                    resp.status()
                ));
            }
            let buffer = JsFuture::from(resp.array_buffer().map_err(|e| js_text(&e))?).await.map_err(|e| js_text(&e))?;
            Uint8Array::new(&buffer).to_vec()
        }
    };
    Ok(first_line(&bytes, offset == 0))
}

/// The first line of `bytes` (without its line break; a UTF-8 BOM at the
/// start of the input dropped), lossily decoded.
pub fn first_line(bytes: &[u8], input_start: bool) -> String {
    let bytes = if input_start { bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes) } else { bytes };
    let line = match bytes.iter().position(|&b| b == b'\n') {
        Some(end) => &bytes[..end],
        None => bytes,
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

/// `new DecompressionStream("gzip")` (web-sys gates the binding behind
/// unstable APIs, so it is constructed through `Reflect`).
fn decompression_stream() -> Result<JsValue, JsValue> {
    let ctor = Reflect::get(&js_sys::global(), &"DecompressionStream".into())?;
    let ctor: js_sys::Function = ctor.dyn_into().map_err(|_| JsValue::from_str("DecompressionStream is missing"))?;
    Reflect::construct(&ctor, &js_sys::Array::of1(&"gzip".into()))
}

/// Reads a byte stream to the end, reporting about every MiB.
async fn read_stream(stream: &ReadableStream, stage: &str, total: Option<u64>, progress: ProgressFn<'_>) -> Result<Vec<u8>, String> {
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut out = Vec::with_capacity(total.unwrap_or(0).min(1 << 31) as usize);
    let mut last_report = 0u64;
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| js_text(&e))?;
        let done = Reflect::get(&chunk, &"done".into()).map(|v| v.is_truthy()).unwrap_or(true);
        if done {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(|e| js_text(&e))?;
        let bytes: Uint8Array = value.unchecked_into();
        let start = out.len();
        if (start + bytes.length() as usize) as u64 > MAX_BROWSER_BYTES {
            let _ = reader.cancel();
            return Err(too_large(if stage == "gunzip" { "the decompressed log" } else { "the log" }, (start + bytes.length() as usize) as u64));
        }
        out.try_reserve(bytes.length() as usize).map_err(|_| {
            format!("out of memory after {} MiB: the log is too large for this browser tab", start >> 20)
        })?;
        out.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut out[start..]);
        if out.len() as u64 - last_report >= 1 << 20 {
            last_report = out.len() as u64;
            progress(stage, last_report, total);
        }
    }
    progress(stage, out.len() as u64, total);
    Ok(out)
}

/// A JS error as text.
pub fn js_text(v: &JsValue) -> String {
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}
