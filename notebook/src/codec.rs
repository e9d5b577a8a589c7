//! The notebook file codec: Markdown text ⇄ [`Notebook`].
//!
//! A file is Markdown in which fenced blocks whose info string starts with a
//! code kind (`sql`, `chart`, `params`, `ab`, `funnel`, `retention`, `trend`)
//! are cells; everything between them is Markdown cells. Fences follow
//! CommonMark: ``` or ~~~ (three or more), up to three spaces of indent, a
//! closing fence of the same character at least as long. Any other fenced
//! block (```` ```python ````, a bare ```` ``` ````) is Markdown text, and a
//! known fence inside it is not a cell.
//!
//! **Invariant:** for every text `t` that [`parse`] accepts,
//! `parse(t)?.to_text() == t` byte for byte. Blank lines between cells belong
//! to the cell after them (its "gap"); those before the first cell and after
//! the last belong to the notebook.
//!
//! Errors: an unclosed cell fence, a malformed attribute, an invalid or
//! duplicate cell name — each with the 1-based line of the opening fence.

use crate::NotebookError;
use crate::fence;
use crate::model::{Cell, CellKind, Notebook, check_name};

/// One line of the file: its text and its terminator (`\n`, `\r\n` or `""`
/// for a last line without one).
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    content: &'a str,
    eol: &'a str,
}

impl Line<'_> {
    fn is_blank(&self) -> bool {
        self.content.bytes().all(|b| b == b' ' || b == b'\t')
    }
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find('\n') {
            Some(i) => {
                let cut = if rest[..i].ends_with('\r') { i - 1 } else { i };
                lines.push(Line { content: &rest[..cut], eol: &rest[cut..=i] });
                rest = &rest[i + 1..];
            }
            None => {
                lines.push(Line { content: rest, eol: "" });
                rest = "";
            }
        }
    }
    lines
}

fn raw(lines: &[Line<'_>]) -> String {
    lines.iter().flat_map(|l| [l.content, l.eol]).collect()
}

/// Collects cells and the blank lines between them.
struct Builder {
    cells: Vec<Cell>,
    /// Line number (1-based) of each cell's first line.
    starts: Vec<usize>,
    /// Blank lines not yet given to a cell.
    pending: String,
}

impl Builder {
    /// A Markdown stretch: its outer blank lines are separators.
    fn markdown(&mut self, lines: &[Line<'_>], first_line: usize) {
        let Some(first) = lines.iter().position(|l| !l.is_blank()) else {
            self.pending.push_str(&raw(lines));
            return;
        };
        let last = lines.iter().rposition(|l| !l.is_blank()).unwrap_or(first);
        self.pending.push_str(&raw(&lines[..first]));
        let text = &lines[first..=last];
        let mut body = raw(text);
        let eol = text[text.len() - 1].eol;
        body.truncate(body.len() - eol.len());
        let gap = std::mem::take(&mut self.pending);
        self.cells.push(Cell::parsed_markdown(gap, body, eol.to_string()));
        self.starts.push(first_line + first);
        self.pending = raw(&lines[last + 1..]);
    }
}

/// Parses a notebook file; see the module docs.
pub fn parse(text: &str) -> Result<Notebook, NotebookError> {
    let (bom, text) = match text.strip_prefix('\u{FEFF}') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let lines = split_lines(text);
    let newline = match lines.iter().find(|l| !l.eol.is_empty()) {
        Some(l) if l.eol == "\r\n" => "\r\n",
        _ => "\n",
    };
    let mut b = Builder { cells: Vec::new(), starts: Vec::new(), pending: String::new() };
    let (mut i, mut md_start) = (0, 0);
    while i < lines.len() {
        let line = lines[i];
        let Some(open) = fence::parse_open(line.content) else {
            i += 1;
            continue;
        };
        let closing =
            |from: usize| (from..lines.len()).find(|&j| fence::closes(lines[j].content, open.ch, open.len));
        let Some(kind) = CellKind::from_fence_word(fence::kind_word(line.content, &open)) else {
            // A Markdown fenced block: skip it (to the end if unclosed).
            i = closing(i + 1).map_or(lines.len(), |j| j + 1);
            continue;
        };
        let info =
            fence::parse_info(line.content, &open).map_err(|message| NotebookError::new(i + 1, message))?;
        let Some(close) = closing(i + 1) else {
            let run = &line.content[open.run_start..open.info_start];
            return Err(NotebookError::new(
                i + 1,
                format!("this {run}{} cell is never closed: add a line {run} after its body", info.kind),
            ));
        };
        b.markdown(&lines[md_start..i], md_start + 1);
        let gap = std::mem::take(&mut b.pending);
        let close_line = lines[close];
        b.cells.push(Cell::parsed_code(
            kind,
            gap,
            line.content.to_string(),
            line.eol.to_string(),
            open,
            info,
            raw(&lines[i + 1..close]),
            close_line.content.to_string(),
            close_line.eol.to_string(),
        ));
        b.starts.push(i + 1);
        i = close + 1;
        md_start = i;
    }
    b.markdown(&lines[md_start..], md_start + 1);
    check_names(&b.cells, &b.starts)?;

    let mut nb = Notebook { bom, newline, ..Notebook::default() };
    let mut cells = b.cells;
    match cells.first_mut() {
        Some(first) => {
            nb.lead = std::mem::take(first.gap_mut());
            nb.tail = b.pending;
        }
        None => nb.lead = b.pending,
    }
    for mut cell in cells {
        nb.assign_id(&mut cell);
        nb.cells.push(cell);
    }
    Ok(nb)
}

fn check_names(cells: &[Cell], starts: &[usize]) -> Result<(), NotebookError> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (cell, &line) in cells.iter().zip(starts) {
        let Some(name) = cell.attr("name") else { continue };
        check_name(name).map_err(|m| NotebookError::new(line, m))?;
        let folded = name.to_ascii_lowercase();
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == folded) {
            return Err(NotebookError::new(
                line,
                format!("duplicate cell name `{name}` (also used on line {first})"),
            ));
        }
        seen.push((folded, line));
    }
    Ok(())
}

/// Writes a notebook back to text.
pub fn write(nb: &Notebook) -> String {
    let mut out = String::new();
    if nb.bom {
        out.push('\u{FEFF}');
    }
    out.push_str(&nb.lead);
    for cell in &nb.cells {
        cell.write_to(&mut out);
    }
    out.push_str(&nb.tail);
    out
}

/// Why a Markdown cell's text would not read back as that one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MarkdownHazard {
    /// It holds a fenced block of a cell kind (the fence, e.g. "```sql").
    CellFence(String),
    /// It opens a fenced block it never closes (the fence), which would
    /// swallow the cells below it.
    Unclosed(String),
}

/// Scans Markdown text the way [`parse`] does.
pub(crate) fn markdown_hazard(text: &str) -> Option<MarkdownHazard> {
    let lines = split_lines(text);
    let mut i = 0;
    while i < lines.len() {
        let content = lines[i].content;
        let Some(open) = fence::parse_open(content) else {
            i += 1;
            continue;
        };
        let fence_text = content[open.run_start..].trim_end().to_string();
        if CellKind::from_fence_word(fence::kind_word(content, &open)).is_some() {
            return Some(MarkdownHazard::CellFence(fence_text));
        }
        match (i + 1..lines.len()).find(|&j| fence::closes(lines[j].content, open.ch, open.len)) {
            Some(j) => i = j + 1,
            None => return Some(MarkdownHazard::Unclosed(fence_text)),
        }
    }
    None
}
