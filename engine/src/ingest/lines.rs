//! Splitting an input into byte ranges and ranges into lines, by Hadoop's
//! line-record rule: a range owns every line that *starts* inside it. A range
//! other than the first skips its partial first line; every range finishes its
//! last line past its end. So N ranges read every line exactly once.

use std::ops::Range;

use crate::error::{EngineError, ErrorKind, Result};

/// `n` contiguous byte ranges covering `0..len` (fewer when `len` is small;
/// always at least one).
pub fn split_ranges(len: u64, n: usize) -> Vec<Range<u64>> {
    let n = (n.max(1) as u64).min(len.max(1));
    let step = len / n;
    (0..n)
        .map(|i| {
            let start = i * step;
            let end = if i + 1 == n { len } else { (i + 1) * step };
            start..end
        })
        .collect()
}

/// The bytes a partition reads: `bytes` holds input positions
/// `bytes_offset..bytes_offset + bytes.len()`, which must cover the byte before
/// `range.start` (unless `range.start` is 0) and run past `range.end` up to the
/// end of the line that straddles it (or to the end of the input, `at_eof`).
#[derive(Debug, Clone, Copy)]
pub struct RangeInput<'a> {
    pub bytes: &'a [u8],
    pub bytes_offset: u64,
    pub range: (u64, u64),
    /// `bytes` reaches the end of the whole input.
    pub at_eof: bool,
}

impl<'a> RangeInput<'a> {
    /// A whole in-memory input as one range.
    pub fn whole(bytes: &'a [u8]) -> Self {
        RangeInput { bytes, bytes_offset: 0, range: (0, bytes.len() as u64), at_eof: true }
    }

    /// One range of a whole in-memory input.
    pub fn slice(bytes: &'a [u8], range: Range<u64>) -> Self {
        RangeInput { bytes, bytes_offset: 0, range: (range.start, range.end), at_eof: true }
    }
}

/// One line: its absolute byte offset and its content without the line end
/// (`\n` or `\r\n`) and, on the input's first line, without a UTF-8 BOM.
#[derive(Debug, PartialEq)]
pub struct Line<'a> {
    pub offset: u64,
    pub text: &'a [u8],
}

/// Iterates over the lines a range owns.
pub struct Lines<'a> {
    bytes: &'a [u8],
    base: u64,
    /// Position in `bytes` of the next line start.
    pos: usize,
    /// Lines starting at or after this position in `bytes` belong to the next range.
    end: usize,
    at_eof: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl<'a> Lines<'a> {
    pub fn new(input: RangeInput<'a>) -> Result<Self> {
        let (start, end) = input.range;
        let base = input.bytes_offset;
        let invalid = |msg: String| EngineError::new(ErrorKind::InvalidInput, msg);
        if start > end {
            return Err(invalid(format!("range {start}..{end} is reversed")));
        }
        let avail_end = base + input.bytes.len() as u64;
        let needed_start = start.saturating_sub(1);
        if base > needed_start || (avail_end < end) {
            return Err(invalid(format!(
                "range {start}..{end} is not covered by the bytes given ({base}..{avail_end})"
            )));
        }
        let pos = if start == 0 {
            0
        } else {
            // The line starting at `start` is ours only if the byte before it ends a line.
            let from = (start - 1 - base) as usize;
            match memchr(b'\n', &input.bytes[from..]) {
                Some(i) => from + i + 1,
                None => input.bytes.len(),
            }
        };
        Ok(Lines { bytes: input.bytes, base, pos, end: (end - base) as usize, at_eof: input.at_eof })
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<Line<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end || self.pos >= self.bytes.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.bytes[start..];
        let (mut text, next) = match memchr(b'\n', rest) {
            Some(i) => (&rest[..i], start + i + 1),
            None if self.at_eof => (rest, self.bytes.len()),
            None => {
                self.pos = self.bytes.len();
                return Some(Err(EngineError::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "the line at byte {} runs past the bytes given; read on to its end",
                        self.base + start as u64
                    ),
                )));
            }
        };
        self.pos = next;
        if let Some(stripped) = text.strip_suffix(b"\r") {
            text = stripped;
        }
        let offset = self.base + start as u64;
        if offset == 0 {
            text = text.strip_prefix(BOM).unwrap_or(text);
        }
        Some(Ok(Line { offset, text }))
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(input: &[u8], n: usize) -> Vec<(u64, String)> {
        split_ranges(input.len() as u64, n)
            .into_iter()
            .flat_map(|r| {
                Lines::new(RangeInput::slice(input, r))
                    .unwrap()
                    .map(|l| l.unwrap())
                    .map(|l| (l.offset, String::from_utf8_lossy(l.text).into_owned()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn every_line_once_for_any_split() {
        let input = b"\xEF\xBB\xBFa\r\nbb\n\nccc\ndddd";
        let one = lines_of(input, 1);
        assert_eq!(
            one,
            vec![(0, "a".into()), (6, "bb".into()), (9, "".into()), (10, "ccc".into()), (14, "dddd".into())]
        );
        for n in 2..=input.len() + 2 {
            assert_eq!(lines_of(input, n), one, "{n} partitions");
        }
    }

    #[test]
    fn range_input_must_reach_the_line_end() {
        let input = b"abc\ndef\n";
        let partial = RangeInput { bytes: &input[..6], bytes_offset: 0, range: (0, 5), at_eof: false };
        let got: Vec<_> = Lines::new(partial).unwrap().collect();
        assert!(got[1].is_err());
    }
}
