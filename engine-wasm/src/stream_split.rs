//! Splitting a download on the fly, for servers that do not answer Range
//! requests: the coordinator reads the body once and hands partition k its
//! bytes as soon as the download has passed the end of the last line its
//! range owns, so partition workers scan while the rest downloads and the
//! coordinator holds at most about one range. A gzip body (detected by its
//! first bytes) is read whole, gunzipped, then split.
//!
//! The split follows the ranges computed from the announced length
//! (`Content-Length`); if the body turns out shorter or longer, the last
//! partition's range ends at the real end.

use std::ops::Range;

use futures::channel::oneshot;
use web_sys::{ReadableStreamDefaultReader, Response};

use crate::source::{gunzip_if_needed, is_gzip, next_chunk, refuse_compression};

/// One partition's input: bytes `bytes_offset..` of the log, covering the
/// byte before `start` and the end of the line that straddles `end`.
#[derive(Debug)]
pub struct Piece {
    pub bytes: Vec<u8>,
    pub bytes_offset: u64,
    pub start: u64,
    pub end: u64,
    /// The log's length (announced, or real once the body ended).
    pub size: u64,
}

/// Cuts a growing buffer into pieces; pure, so it is unit-tested natively.
pub struct Splitter {
    parts: Vec<Range<u64>>,
    announced: u64,
    /// Bytes from absolute position `base` to what has been read.
    buf: Vec<u8>,
    base: u64,
    next: usize,
}

impl Splitter {
    pub fn new(parts: Vec<Range<u64>>, announced: u64) -> Self {
        Splitter { parts, announced, buf: Vec::new(), base: 0, next: 0 }
    }

    /// Adds downloaded bytes; returns the pieces (index, piece) now complete.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<(usize, Piece)> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        // The last range ends with the body: it is only complete at the end.
        while self.next + 1 < self.parts.len() {
            let Some(line_end) = self.line_end_after(self.parts[self.next].end) else { break };
            out.push(self.emit(line_end, self.announced));
        }
        out
    }

    /// The body ended: the remaining pieces, ranges clamped to its real length.
    pub fn finish(mut self) -> Vec<(usize, Piece)> {
        let total = self.base + self.buf.len() as u64;
        let last = self.parts.len().saturating_sub(1);
        for (k, r) in self.parts.iter_mut().enumerate() {
            r.start = r.start.min(total);
            r.end = if k == last { total } else { r.end.min(total) };
        }
        let mut out = Vec::new();
        while self.next < self.parts.len() {
            let end = self.parts[self.next].end;
            let to = if self.next == last { total } else { self.line_end_after(end).unwrap_or(total) };
            out.push(self.emit(to, total));
        }
        out
    }

    /// One past the first newline at or after `end - 1`, if read yet.
    fn line_end_after(&self, end: u64) -> Option<u64> {
        let from = end.saturating_sub(1).max(self.base);
        let rel = (from - self.base) as usize;
        let p = self.buf.get(rel..)?.iter().position(|&b| b == b'\n')?;
        Some(self.base + (rel + p + 1) as u64)
    }

    fn emit(&mut self, to: u64, size: u64) -> (usize, Piece) {
        let k = self.next;
        let r = self.parts[k].clone();
        let from = r.start.saturating_sub(1).max(self.base);
        let to = to.max(from);
        let bytes = self.buf[(from - self.base) as usize..(to - self.base) as usize].to_vec();
        // The next range needs the byte before its start (this range's last byte).
        let keep = r.end.saturating_sub(1).max(self.base).min(self.base + self.buf.len() as u64);
        self.buf.drain(..(keep - self.base) as usize);
        self.base = keep;
        self.next += 1;
        (k, Piece { bytes, bytes_offset: from, start: r.start, end: r.end, size })
    }
}

/// Downloads `response`'s body and sends partition k its piece through
/// `senders[k]` as soon as it is complete. `progress(bytes_read)`.
pub async fn split_download(
    response: Response,
    parts: Vec<Range<u64>>,
    announced: u64,
    mut senders: Vec<Option<oneshot::Sender<Piece>>>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), String> {
    let body = response.body().ok_or("the response has no body")?;
    let reader: ReadableStreamDefaultReader = wasm_bindgen::JsCast::unchecked_into(body.get_reader());
    let mut splitter = Splitter::new(parts.clone(), announced);
    let partitions = senders.len();
    let mut read = 0u64;
    let mut last_report = 0u64;
    let mut send = |pieces: Vec<(usize, Piece)>| {
        for (k, piece) in pieces {
            if let Some(tx) = senders.get_mut(k).and_then(Option::take) {
                let _ = tx.send(piece);
            }
        }
    };
    let mut first = true;
    while let Some(chunk) = next_chunk(&reader).await? {
        read += chunk.len() as u64;
        if first {
            refuse_compression(&chunk, "the log")?;
        }
        if first && is_gzip(&chunk) {
            // Compressed: offsets are in the decompressed log; read all, gunzip, split.
            let mut all = chunk;
            while let Some(more) = next_chunk(&reader).await? {
                all.extend_from_slice(&more);
            }
            let (plain, _) = gunzip_if_needed(all, &mut |_, _, _| {}).await?;
            let total = plain.len() as u64;
            let mut parts = glint_engine::ingest::split_ranges(total, parts.len());
            while parts.len() < partitions {
                parts.push(total..total);
            }
            let mut s = Splitter::new(parts, total);
            let mut pieces = s.push(&plain);
            pieces.extend(s.finish());
            send(pieces);
            return Ok(());
        }
        first = false;
        send(splitter.push(&chunk));
        if read - last_report >= 1 << 20 {
            last_report = read;
            progress(read);
        }
    }
    progress(read);
    send(splitter.finish());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    /// Splitting by chunks of any size gives the ranges Hadoop's rule gives.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn pieces_cover_each_range_and_its_last_line() {
        let log = b"aaaa\nbb\ncccccc\nd\neeeee\nff\n";
        for n in 1..5 {
            let parts = glint_engine::ingest::split_ranges(log.len() as u64, n);
            for chunk in [1, 3, 7, 100] {
                let mut s = Splitter::new(parts.clone(), log.len() as u64);
                let mut pieces = Vec::new();
                for c in log.chunks(chunk) {
                    pieces.extend(s.push(c));
                }
                pieces.extend(s.finish());
                assert_eq!(pieces.len(), parts.len());
                let mut lines = Vec::new();
                for (k, p) in &pieces {
                    let input = glint_engine::ingest::RangeInput {
                        bytes: &p.bytes,
                        bytes_offset: p.bytes_offset,
                        range: (p.start, p.end),
                        at_eof: p.bytes_offset + p.bytes.len() as u64 >= p.size,
                    };
                    assert_eq!((p.start, p.end), (parts[*k].start, parts[*k].end));
                    for line in glint_engine::ingest::Lines::new(input).unwrap() {
                        lines.push(String::from_utf8(line.unwrap().text.to_vec()).unwrap());
                    }
                }
                assert_eq!(lines, ["aaaa", "bb", "cccccc", "d", "eeeee", "ff"], "{n} parts, chunks of {chunk}");
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_body_shorter_or_longer_than_announced_ends_the_last_range() {
        let log = b"one\ntwo\nthree\n";
        for announced in [6u64, 40] {
            let parts = glint_engine::ingest::split_ranges(announced, 3);
            let mut s = Splitter::new(parts, announced);
            let mut pieces = s.push(log);
            pieces.extend(s.finish());
            let mut lines = Vec::new();
            for (_, p) in &pieces {
                let input = glint_engine::ingest::RangeInput {
                    bytes: &p.bytes,
                    bytes_offset: p.bytes_offset,
                    range: (p.start, p.end),
                    at_eof: p.bytes_offset + p.bytes.len() as u64 >= p.size,
                };
                for line in glint_engine::ingest::Lines::new(input).unwrap() {
                    lines.push(String::from_utf8(line.unwrap().text.to_vec()).unwrap());
                }
            }
            assert_eq!(lines, ["one", "two", "three"], "announced {announced}");
        }
    }
}
