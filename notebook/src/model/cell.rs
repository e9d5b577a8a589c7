//! [`Cell`] and [`CellKind`]: one cell with its raw bytes (the blank lines
//! before it, its fence lines, its line endings) and its clean text.

use crate::NotebookError;
use crate::fence::{self, FenceOpen, Info};
use serde::{Deserialize, Serialize};

/// What a cell is. Only the fence words of the code kinds make a fenced block
/// a cell; any other fenced block is part of a Markdown cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    Markdown,
    Sql,
    Chart,
    Params,
    /// Kept as opaque cells until their features land.
    Ab,
    Funnel,
    Retention,
    Trend,
}

impl CellKind {
    /// Every kind that is written as a fenced block, in a fixed order.
    pub const CODE_KINDS: [CellKind; 7] = [
        CellKind::Sql,
        CellKind::Chart,
        CellKind::Params,
        CellKind::Ab,
        CellKind::Funnel,
        CellKind::Retention,
        CellKind::Trend,
    ];

    /// The word after the opening fence (` ```sql `), `None` for Markdown.
    pub fn fence_word(self) -> Option<&'static str> {
        Some(match self {
            CellKind::Markdown => return None,
            CellKind::Sql => "sql",
            CellKind::Chart => "chart",
            CellKind::Params => "params",
            CellKind::Ab => "ab",
            CellKind::Funnel => "funnel",
            CellKind::Retention => "retention",
            CellKind::Trend => "trend",
        })
    }

    /// The code kind for a fence word (exact, lowercase), if it is one.
    pub fn from_fence_word(word: &str) -> Option<CellKind> {
        CellKind::CODE_KINDS.into_iter().find(|k| k.fence_word() == Some(word))
    }

    pub fn is_code(self) -> bool {
        self != CellKind::Markdown
    }

    /// Whether later SQL cells can read this cell's result by its name.
    pub fn produces_table(self) -> bool {
        self == CellKind::Sql
    }
}

/// A code cell's fence lines, raw.
#[derive(Debug, Clone, PartialEq)]
struct Code {
    /// The opening line without its terminator, and the parse of it.
    open: String,
    open_eol: String,
    fence: FenceOpen,
    info: Info,
    /// Exactly the bytes between the opening and the closing line.
    raw_body: String,
    /// The closing line without its terminator.
    close: String,
    close_eol: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Layout {
    /// `raw` is the text from its first to its last non-blank line, without
    /// the last line's terminator `eol` (empty at the end of a file).
    Markdown {
        raw: String,
        eol: String,
    },
    Code(Code),
}

/// One cell. Build new ones with [`Cell::new_sql`] & co. and add them with
/// [`Notebook::insert`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    kind: CellKind,
    pub(super) id: u64,
    /// Whitespace-only lines before the cell (not part of its text).
    pub(super) gap: String,
    /// Clean content: `\n` line endings, no final terminator.
    body: String,
    layout: Layout,
    /// Built by a constructor, not yet in a notebook (written canonically).
    pub(super) fresh: bool,
    /// A name given to a constructor that cannot be written (reported by
    /// [`super::Notebook::insert`]).
    pub(super) bad_name: Option<String>,
}

/// `\r\n` → `\n`.
fn clean(raw: &str) -> String {
    raw.replace("\r\n", "\n")
}

/// Clean text → raw text with the line ending `nl`.
fn to_raw(text: &str, nl: &str) -> String {
    let text = clean(text);
    if nl == "\n" { text } else { text.replace('\n', nl) }
}

/// Checks a cell name: ASCII letters, digits and `_`, not starting with a
/// digit, and not `events` (the event table), in any case.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a cell name cannot be empty".to_string());
    }
    let ident = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if !ident {
        return Err(format!(
            "invalid cell name `{name}`: use ASCII letters, digits and `_`, not starting with a digit"
        ));
    }
    if name.eq_ignore_ascii_case("events") {
        return Err(format!("`{name}` is the name of the event table; choose another cell name"));
    }
    Ok(())
}

impl Cell {
    /// A Markdown cell with `text` (leading/trailing blank lines are kept but
    /// become separators when the file is read again).
    pub fn new_markdown(text: &str) -> Cell {
        let body = clean(text);
        Cell {
            kind: CellKind::Markdown,
            id: 0,
            gap: String::new(),
            layout: Layout::Markdown { raw: body.clone(), eol: "\n".into() },
            body,
            fresh: true,
            bad_name: None,
        }
    }

    pub fn new_sql(name: Option<&str>, body: &str) -> Cell {
        Cell::new_code(CellKind::Sql, name, body)
    }

    pub fn new_chart(spec: &crate::ChartSpec) -> Cell {
        Cell::new_code(CellKind::Chart, None, &spec.to_body())
    }

    pub fn new_params(body: &str) -> Cell {
        Cell::new_code(CellKind::Params, None, body)
    }

    /// A cell of any kind (`CellKind::Markdown` gives a Markdown cell and
    /// ignores `name`). The name is checked by [`Notebook::insert`].
    pub fn new_code(kind: CellKind, name: Option<&str>, body: &str) -> Cell {
        let Some(word) = kind.fence_word() else {
            return Cell::new_markdown(body);
        };
        let body = clean(body);
        let run = "`".repeat(fence::needed_len(&body, b'`'));
        let mut open = format!("{run}{word}");
        let bad_name = name.filter(|n| check_name(n).is_err()).map(str::to_string);
        if let Some(name) = name.filter(|_| bad_name.is_none()) {
            open.push(' ');
            open.push_str(&fence::attr_token("name", name));
        }
        let raw_body = if body.is_empty() { String::new() } else { format!("{body}\n") };
        let mut cell = Cell {
            kind,
            id: 0,
            gap: String::new(),
            body,
            layout: Layout::Markdown { raw: String::new(), eol: String::new() },
            fresh: true,
            bad_name,
        };
        // A constructed opening line always parses; if it did not, the cell
        // would stay an (empty) Markdown cell rather than panic.
        if let Some(code) = Code::new(open, "\n".into(), raw_body, run, "\n".into()) {
            cell.layout = Layout::Code(code);
        } else {
            cell.kind = CellKind::Markdown;
        }
        cell
    }

    pub(crate) fn parsed_markdown(gap: String, raw: String, eol: String) -> Cell {
        Cell {
            kind: CellKind::Markdown,
            id: 0,
            gap,
            body: clean(&raw),
            layout: Layout::Markdown { raw, eol },
            fresh: false,
            bad_name: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn parsed_code(
        kind: CellKind,
        gap: String,
        open: String,
        open_eol: String,
        fence: FenceOpen,
        info: Info,
        raw_body: String,
        close: String,
        close_eol: String,
    ) -> Cell {
        let body = clean(strip_eol(&raw_body));
        Cell {
            kind,
            id: 0,
            gap,
            body,
            layout: Layout::Code(Code { open, open_eol, fence, info, raw_body, close, close_eol }),
            fresh: false,
            bad_name: None,
        }
    }

    pub fn kind(&self) -> CellKind {
        self.kind
    }

    /// Stable identity within a notebook (for keyed UI lists); 0 for a cell
    /// that was never in a notebook.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The `name=` attribute, if set and non-empty.
    pub fn name(&self) -> Option<&str> {
        self.attr("name").filter(|n| !n.is_empty())
    }

    /// The clean text: between the fences for a code cell, the Markdown text
    /// (without separating blank lines) for a Markdown cell. `\n` line
    /// endings, no final line terminator.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// An attribute of the opening fence (`Some("")` for a bare flag).
    pub fn attr(&self, key: &str) -> Option<&str> {
        match &self.layout {
            Layout::Code(code) => code.info.attrs.iter().find(|a| a.key == key).map(|a| a.value.as_str()),
            Layout::Markdown { .. } => None,
        }
    }

    /// All attributes in file order.
    pub fn attrs(&self) -> Vec<(&str, &str)> {
        match &self.layout {
            Layout::Code(code) => {
                code.info.attrs.iter().map(|a| (a.key.as_str(), a.value.as_str())).collect()
            }
            Layout::Markdown { .. } => Vec::new(),
        }
    }

    pub(crate) fn gap_mut(&mut self) -> &mut String {
        &mut self.gap
    }

    pub(crate) fn write_to(&self, out: &mut String) {
        out.push_str(&self.gap);
        match &self.layout {
            Layout::Markdown { raw, eol } => {
                out.push_str(raw);
                out.push_str(eol);
            }
            Layout::Code(c) => {
                for part in [&c.open, &c.open_eol, &c.raw_body, &c.close, &c.close_eol] {
                    out.push_str(part);
                }
            }
        }
    }

    fn eol_mut(&mut self) -> &mut String {
        match &mut self.layout {
            Layout::Markdown { eol, .. } => eol,
            Layout::Code(c) => &mut c.close_eol,
        }
    }

    pub(super) fn ensure_eol(&mut self, nl: &str) {
        let eol = self.eol_mut();
        if eol.is_empty() {
            eol.push_str(nl);
        }
    }

    /// Rewrites a constructed cell with the notebook's line ending.
    pub(super) fn adopt_newline(&mut self, nl: &str) {
        if nl == "\n" {
            return;
        }
        match &mut self.layout {
            Layout::Markdown { raw, eol } => {
                *raw = to_raw(&self.body, nl);
                *eol = nl.to_string();
            }
            Layout::Code(c) => {
                c.raw_body = to_raw(&c.raw_body, nl);
                c.open_eol = nl.to_string();
                c.close_eol = nl.to_string();
            }
        }
    }

    /// Replaces the body; a no-op when the clean text is unchanged.
    pub(super) fn set_body(&mut self, text: &str, nl: &str) {
        let text = clean(text);
        if text == self.body {
            return;
        }
        match &mut self.layout {
            Layout::Markdown { raw, .. } => *raw = to_raw(&text, nl),
            Layout::Code(c) => {
                c.raw_body = if text.is_empty() { String::new() } else { to_raw(&text, nl) + nl };
                let needed = fence::needed_len(&text, c.fence.ch);
                if needed > c.fence.len {
                    c.lengthen_fence(needed);
                }
            }
        }
        self.body = text;
    }

    /// Sets (`Some`) or removes (`None`) an attribute, rewriting only its token.
    pub(super) fn set_attr_raw(&mut self, key: &str, value: Option<&str>) -> Result<(), NotebookError> {
        let Layout::Code(c) = &mut self.layout else {
            return Err(NotebookError::edit("a Markdown cell has no attributes"));
        };
        let mut open = c.open.clone();
        let existing = c.info.attrs.iter().find(|a| a.key == key);
        match (existing, value) {
            (Some(a), Some(v)) => open.replace_range(a.span.clone(), &fence::attr_token(key, v)),
            (Some(a), None) => {
                let start = open[..a.span.start].trim_end_matches([' ', '\t']).len();
                open.replace_range(start..a.span.end, "");
            }
            (None, Some(v)) => {
                let at = c.info.attrs.last().map_or(c.info.kind_end, |a| a.span.end);
                open.insert_str(at, &format!(" {}", fence::attr_token(key, v)));
            }
            (None, None) => return Ok(()),
        }
        c.reparse_open(open).ok_or_else(|| NotebookError::edit(format!("cannot write attribute `{key}`")))
    }
}

fn strip_eol(s: &str) -> &str {
    s.strip_suffix("\r\n").or_else(|| s.strip_suffix('\n')).unwrap_or(s)
}

impl Code {
    fn new(
        open: String,
        open_eol: String,
        raw_body: String,
        close: String,
        close_eol: String,
    ) -> Option<Code> {
        let fence = fence::parse_open(&open)?;
        let info = fence::parse_info(&open, &fence).ok()?;
        Some(Code { open, open_eol, fence, info, raw_body, close, close_eol })
    }

    /// Replaces the opening line if the new one parses; `None` leaves it.
    fn reparse_open(&mut self, open: String) -> Option<()> {
        let fence = fence::parse_open(&open)?;
        let info = fence::parse_info(&open, &fence).ok()?;
        *self = Code { open, fence, info, ..self.clone() };
        Some(())
    }

    /// Makes both fence runs `len` long (the body now holds a fence line).
    fn lengthen_fence(&mut self, len: usize) {
        let ch = self.fence.ch as char;
        let run: String = std::iter::repeat_n(ch, len).collect();
        let open =
            format!("{}{run}{}", &self.open[..self.fence.run_start], &self.open[self.fence.info_start..]);
        if self.reparse_open(open).is_none() {
            return;
        }
        let indent = self.close.bytes().take_while(|&b| b == b' ').count();
        let old = self.close.as_bytes()[indent..].iter().take_while(|&&b| b == ch as u8).count();
        self.close.replace_range(indent..indent + old, &run);
    }
}
