//! Fence lines of the notebook file: the opening line of a code cell
//! (```` ```sql name=by_event ````), its info string (a kind word and
//! `key=value` attributes) and the matching closing line, by CommonMark's
//! rules (``` or ~~~, at least three, up to three spaces of indent; a closing
//! fence uses the same character and is at least as long).
//!
//! Attributes are parsed with their byte spans in the line, so an edit of
//! one attribute rewrites only that attribute's bytes.

use std::ops::Range;

/// An opening fence line, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FenceOpen {
    pub ch: u8,
    pub len: usize,
    /// Byte offset in the line where the fence run starts.
    pub run_start: usize,
    /// Byte offset in the line where the info string starts (after the run).
    pub info_start: usize,
}

/// One `key=value` attribute of an info string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr {
    pub key: String,
    pub value: String,
    /// The whole `key=value` token in the line.
    pub span: Range<usize>,
}

/// The info string of an opening fence: the kind word and the attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Info {
    pub kind: String,
    /// End of the kind word in the line.
    pub kind_end: usize,
    pub attrs: Vec<Attr>,
}

fn is_blank_byte(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Parses `line` (without its line terminator) as an opening fence.
pub(crate) fn parse_open(line: &str) -> Option<FenceOpen> {
    let bytes = line.as_bytes();
    let indent = bytes.iter().take_while(|&&b| b == b' ').count();
    if indent > 3 {
        return None;
    }
    let ch = *bytes.get(indent)?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = bytes[indent..].iter().take_while(|&&b| b == ch).count();
    if len < 3 {
        return None;
    }
    let info_start = indent + len;
    if ch == b'`' && bytes[info_start..].contains(&b'`') {
        return None;
    }
    Some(FenceOpen { ch, len, run_start: indent, info_start })
}

/// The length of the fence run if `line` could close a fence of `ch`
/// (indent up to 3, a run of `ch`, then only spaces/tabs), whatever its length.
fn closing_run(line: &str, ch: u8) -> Option<usize> {
    let bytes = line.as_bytes();
    let indent = bytes.iter().take_while(|&&b| b == b' ').count();
    if indent > 3 {
        return None;
    }
    let len = bytes[indent..].iter().take_while(|&&b| b == ch).count();
    if len < 3 || !bytes[indent + len..].iter().all(|&b| is_blank_byte(b)) {
        return None;
    }
    Some(len)
}

/// True when `line` closes a fence opened with `len` times `ch`.
pub(crate) fn closes(line: &str, ch: u8, len: usize) -> bool {
    closing_run(line, ch).is_some_and(|run| run >= len)
}

/// The fence length a cell needs so that no line of `body` closes it early.
pub(crate) fn needed_len(body: &str, ch: u8) -> usize {
    body.split('\n')
        .filter_map(|line| closing_run(line.strip_suffix('\r').unwrap_or(line), ch))
        .map(|run| run + 1)
        .fold(3, usize::max)
}

/// The first word of the info string of an opening fence.
pub(crate) fn kind_word<'a>(line: &'a str, open: &FenceOpen) -> &'a str {
    let info = line[open.info_start..].trim_start_matches([' ', '\t']);
    info.split([' ', '\t']).next().unwrap_or("")
}

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Parses the info string of `line` (kind word, then attributes).
pub(crate) fn parse_info(line: &str, open: &FenceOpen) -> Result<Info, String> {
    let bytes = line.as_bytes();
    let mut i = open.info_start;
    while i < bytes.len() && is_blank_byte(bytes[i]) {
        i += 1;
    }
    let kind_start = i;
    while i < bytes.len() && !is_blank_byte(bytes[i]) {
        i += 1;
    }
    let kind = line[kind_start..i].to_string();
    let kind_end = i;
    let mut attrs: Vec<Attr> = Vec::new();
    loop {
        while i < bytes.len() && is_blank_byte(bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && is_key_char(bytes[i]) {
            i += 1;
        }
        let key = &line[start..i];
        let at_end = i >= bytes.len() || is_blank_byte(bytes[i]);
        if key.is_empty() || !(at_end || bytes[i] == b'=') {
            let token_end = line[start..].find([' ', '\t']).map_or(line.len(), |n| start + n);
            return Err(format!(
                "malformed attribute `{}`: write key=value or key=\"quoted value\"",
                &line[start..token_end]
            ));
        }
        let value = if at_end {
            String::new()
        } else {
            i += 1; // '='
            match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let (value, end) = quoted(line, i, q).ok_or_else(|| {
                        format!("unbalanced quote in attribute `{key}`: close it with {}", q as char)
                    })?;
                    i = end;
                    if i < bytes.len() && !is_blank_byte(bytes[i]) {
                        return Err(format!(
                            "malformed attribute `{key}`: put a space after its closing quote"
                        ));
                    }
                    value
                }
                _ => {
                    let vstart = i;
                    while i < bytes.len() && !is_blank_byte(bytes[i]) {
                        i += 1;
                    }
                    let value = &line[vstart..i];
                    if value.contains(['"', '\'']) {
                        return Err(format!("unbalanced quote in attribute `{key}`: quote the whole value"));
                    }
                    value.to_string()
                }
            }
        };
        if attrs.iter().any(|a| a.key == key) {
            return Err(format!("attribute `{key}` is given twice"));
        }
        attrs.push(Attr { key: key.to_string(), value, span: start..i });
    }
    Ok(Info { kind, kind_end, attrs })
}

/// Reads a quoted value starting at the quote `q` at `start`; returns the
/// unescaped value and the offset after the closing quote. Double quotes
/// support `\"` and `\\`; single quotes are literal.
fn quoted(line: &str, start: usize, q: u8) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = line[start + 1..].char_indices();
    while let Some((n, c)) = chars.next() {
        match c {
            '\\' if q == b'"' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => out.push(e),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => return None,
            },
            c if c == q as char => return Some((out, start + 1 + n + 1)),
            c => out.push(c),
        }
    }
    None
}

/// The `key=value` token for an attribute, quoting the value when needed.
pub(crate) fn attr_token(key: &str, value: &str) -> String {
    let plain =
        !value.is_empty() && !value.contains(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '\\'));
    if plain {
        format!("{key}={value}")
    } else {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        format!("{key}=\"{escaped}\"")
    }
}

/// Checks an attribute key given by a caller (not parsed from a file).
pub(crate) fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(is_key_char)
}
