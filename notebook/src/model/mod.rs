//! The notebook model: [`Notebook`], [`Cell`], [`CellKind`] and the edits the
//! UI makes (insert, remove, move, rename, set a body or an attribute).
//!
//! **Invariant:** the model keeps every byte of the file it was parsed from
//! (the BOM, the blank lines between cells, each cell's raw fence lines and
//! line endings), so [`Notebook::to_text`] gives back the parsed text byte for
//! byte. The UI sees clean content: [`Cell::body`] is a code cell's text
//! between its fences, or a Markdown cell's text without the blank lines that
//! separate it from its neighbours, always with `\n` line endings and without
//! a final line terminator. An edit rewrites only the edited cell's bytes
//! (plus, for insert/remove/move, the blank line at the seams it creates).
//!
//! New cells are written canonically: fenced with ```` ``` ```` (longer when
//! the body contains a fence line), one blank line from their neighbours, and
//! the notebook's line ending (`\n`, or `\r\n` for a file that uses CRLF).

mod cell;

pub use cell::{Cell, CellKind, check_name};

use crate::NotebookError;
use crate::fence;

/// A notebook: Markdown text with fenced code cells. See the module docs for
/// how the file's bytes are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Notebook {
    pub(crate) bom: bool,
    /// Whitespace-only lines before the first cell.
    pub(crate) lead: String,
    pub(crate) cells: Vec<Cell>,
    /// Whitespace-only lines after the last cell.
    pub(crate) tail: String,
    /// The file's line ending (that of its first line), for new text.
    pub(crate) newline: &'static str,
    pub(crate) next_id: u64,
}

impl Default for Notebook {
    fn default() -> Self {
        Notebook {
            bom: false,
            lead: String::new(),
            cells: Vec::new(),
            tail: String::new(),
            newline: "\n",
            next_id: 1,
        }
    }
}

impl Notebook {
    /// An empty notebook.
    pub fn new() -> Notebook {
        Notebook::default()
    }

    /// Reads a notebook file; see [`crate::codec`].
    pub fn parse(text: &str) -> Result<Notebook, NotebookError> {
        crate::codec::parse(text)
    }

    /// The file text; byte for byte the parsed text when nothing was edited.
    pub fn to_text(&self) -> String {
        crate::codec::write(self)
    }

    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    pub fn cell(&self, index: usize) -> Option<&Cell> {
        self.cells.get(index)
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// `"\n"`, or `"\r\n"` for a file whose first line ends with CRLF.
    pub fn newline(&self) -> &'static str {
        self.newline
    }

    /// The index of the cell with this [`Cell::id`].
    pub fn position(&self, id: u64) -> Option<usize> {
        self.cells.iter().position(|c| c.id == id)
    }

    /// The index of the cell named `name` (names compare case-insensitively,
    /// as unquoted SQL identifiers do).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.cells.iter().position(|c| c.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }

    /// `{prefix}_1`, `{prefix}_2`, … : the first one no cell uses.
    pub fn fresh_name(&self, prefix: &str) -> String {
        (1..)
            .map(|n| format!("{prefix}_{n}"))
            .find(|name| self.find(name).is_none())
            .unwrap_or_else(|| prefix.to_string())
    }

    pub(crate) fn assign_id(&mut self, cell: &mut Cell) {
        cell.id = self.next_id;
        self.next_id += 1;
    }

    fn check_index(&self, index: usize) -> Result<(), NotebookError> {
        if index < self.cells.len() {
            Ok(())
        } else {
            Err(NotebookError::edit(format!("no cell {index}: the notebook has {} cells", self.cells.len())))
        }
    }

    /// Checks that `name` may name the cell at `index` (`None`: a new cell).
    fn check_new_name(&self, name: &str, index: Option<usize>) -> Result<(), NotebookError> {
        check_name(name).map_err(NotebookError::edit)?;
        match self.find(name) {
            Some(other) if Some(other) != index => {
                Err(NotebookError::edit(format!("another cell is already named `{name}`")))
            }
            _ => Ok(()),
        }
    }

    /// Every cell but the last ends with a line terminator (and the last one
    /// too when whitespace follows it), so cells never run together.
    fn fix_eols(&mut self) {
        let n = self.cells.len();
        let tail = !self.tail.is_empty();
        let nl = self.newline;
        for (i, cell) in self.cells.iter_mut().enumerate() {
            if i + 1 < n || tail {
                cell.ensure_eol(nl);
            }
        }
    }

    /// Inserts `cell` at `index` (0..=len) and returns its id. The cell is
    /// separated from its neighbours by a blank line.
    pub fn insert(&mut self, index: usize, mut cell: Cell) -> Result<u64, NotebookError> {
        if index > self.cells.len() {
            return Err(NotebookError::edit(format!(
                "cannot insert at {index}: the notebook has {} cells",
                self.cells.len()
            )));
        }
        if let Some(name) = cell.bad_name.as_deref().or(cell.attr("name")) {
            self.check_new_name(name, None)?;
        }
        if cell.fresh {
            cell.adopt_newline(self.newline);
            cell.fresh = false;
        }
        self.assign_id(&mut cell);
        Ok(self.place(index, cell))
    }

    /// Appends `cell`; see [`Notebook::insert`].
    pub fn push(&mut self, cell: Cell) -> Result<u64, NotebookError> {
        self.insert(self.cells.len(), cell)
    }

    fn place(&mut self, index: usize, mut cell: Cell) -> u64 {
        let nl = self.newline;
        if !self.lead.is_empty() && !self.lead.ends_with('\n') {
            self.lead.push_str(nl);
        }
        cell.gap = if index == 0 { String::new() } else { nl.to_string() };
        let id = cell.id;
        self.cells.insert(index, cell);
        if let Some(next) = self.cells.get_mut(index + 1)
            && next.gap.is_empty()
        {
            next.gap = nl.to_string();
        }
        self.fix_eols();
        id
    }

    /// Removes and returns the cell at `index`.
    pub fn remove(&mut self, index: usize) -> Option<Cell> {
        if index >= self.cells.len() {
            return None;
        }
        let mut cell = self.cells.remove(index);
        cell.gap.clear();
        let nl = self.newline;
        if let Some(next) = self.cells.get_mut(index) {
            if index == 0 {
                next.gap.clear();
            } else if next.gap.is_empty() {
                next.gap = nl.to_string();
            }
        }
        self.fix_eols();
        Some(cell)
    }

    /// Moves the cell at `from` so that it ends up at index `to`.
    pub fn move_cell(&mut self, from: usize, to: usize) -> Result<(), NotebookError> {
        self.check_index(from)?;
        self.check_index(to)?;
        if from == to {
            return Ok(());
        }
        let before = self.clone();
        if let Some(cell) = self.remove(from) {
            self.place(to, cell);
        }
        // A Markdown cell can end in an unclosed ``` fence only when it is
        // the file's last; moved elsewhere, that fence would swallow the
        // cells after it when the file is read again (found by fuzzing).
        let code = |nb: &Notebook| nb.cells.iter().filter(|c| c.kind().is_code()).count();
        let reread = crate::codec::parse(&self.to_text());
        if !reread.as_ref().is_ok_and(|nb| code(nb) == code(self)) {
            *self = before;
            return Err(NotebookError::edit(
                "moving this cell would change the cells when the file is read again: a Markdown cell has an unclosed ``` fence; close it first",
            ));
        }
        Ok(())
    }

    /// Replaces a cell's body (a Markdown cell's text). Only that cell's
    /// bytes change; a code cell's fences grow when the body holds a fence.
    pub fn set_body(&mut self, index: usize, body: &str) -> Result<(), NotebookError> {
        self.check_index(index)?;
        let nl = self.newline;
        self.cells[index].set_body(body, nl);
        Ok(())
    }

    /// Names (`Some`) or unnames (`None`) a code cell; the name must be valid
    /// ([`check_name`]) and unused by other cells.
    pub fn rename(&mut self, index: usize, name: Option<&str>) -> Result<(), NotebookError> {
        self.check_index(index)?;
        if let Some(name) = name {
            if self.cells[index].name() == Some(name) {
                return Ok(());
            }
            self.check_new_name(name, Some(index))?;
        }
        self.cells[index].set_attr_raw("name", name)
    }

    /// Sets (`Some`) or removes (`None`) an attribute of a code cell's
    /// opening fence, rewriting only that attribute's bytes. `name` goes
    /// through [`Notebook::rename`].
    pub fn set_attr(&mut self, index: usize, key: &str, value: Option<&str>) -> Result<(), NotebookError> {
        self.check_index(index)?;
        if key == "name" {
            return self.rename(index, value);
        }
        if !fence::valid_key(key) {
            return Err(NotebookError::edit(format!(
                "invalid attribute name `{key}`: use ASCII letters, digits, `_`, `-` and `.`"
            )));
        }
        if value.is_some_and(|v| v.contains(['`', '\n', '\r'])) {
            return Err(NotebookError::edit("an attribute value cannot contain ` or a line break"));
        }
        self.cells[index].set_attr_raw(key, value)
    }
}
