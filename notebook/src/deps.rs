//! Which cells use which: a small SQL reference scanner, the dependencies of
//! a cell, the cells to re-run after a change ([`Notebook::dependants`]) and
//! the notebook's diagnostics ([`Notebook::validate`]).
//!
//! **Invariant:** dependencies only point to earlier cells. A reference to a
//! cell or parameter defined later is not an edge but a diagnostic ("move it
//! up"), so re-running dependants in notebook order is always correct.
//!
//! Matching is generous: an unquoted identifier that happens to equal a cell
//! name (a column alias, a function) makes an edge too; an extra re-run is
//! harmless, a missed one is not.

use crate::chart::{self, ChartSpec};
use crate::codec::MarkdownHazard;
use crate::params::{param_names_lenient, parse_params};
use crate::{CellKind, Notebook};
use serde::{Deserialize, Serialize};

/// What a SQL text refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlRefs {
    /// Table-like names in first-use order, without duplicates: unquoted
    /// identifiers lowercased, `"quoted"` ones exact. Keywords are included;
    /// names after a `.` (columns of a qualified name) are not.
    pub identifiers: Vec<String>,
    /// `$name` parameter references (without the `$`), first-use order.
    pub params: Vec<String>,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Scans SQL for identifiers and `$params`, skipping `'strings'` (with `''`
/// escapes), `-- line comments` and `/* block comments */` (nested).
pub fn sql_references(sql: &str) -> SqlRefs {
    let b = sql.as_bytes();
    let mut refs = SqlRefs::default();
    let mut i = 0;
    let mut after_dot = false;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let mut is_dot = false;
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'\'' => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\'' {
                        if b.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if next == Some(b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if next == Some(b'*') => {
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                let mut name = String::new();
                let mut start = i + 1;
                i += 1;
                loop {
                    match b.get(i) {
                        None => {
                            name.push_str(&sql[start..]);
                            break;
                        }
                        Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                            name.push_str(&sql[start..=i]);
                            i += 2;
                            start = i;
                        }
                        Some(b'"') => {
                            name.push_str(&sql[start..i]);
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                if !after_dot && !name.is_empty() {
                    push_unique(&mut refs.identifiers, name);
                }
            }
            b'$' => {
                let start = i + 1;
                i = start;
                while i < b.len() && is_ident_byte(b[i]) {
                    i += 1;
                }
                let name = &sql[start..i];
                if name.bytes().next().is_some_and(|f| !f.is_ascii_digit()) {
                    push_unique(&mut refs.params, name.to_string());
                }
            }
            c if c.is_ascii_digit() => {
                while i < b.len() && (is_ident_byte(b[i]) || b[i] == b'.') {
                    i += 1;
                }
            }
            c if is_ident_byte(c) => {
                let start = i;
                while i < b.len() && (is_ident_byte(b[i]) || b[i] == b'$') {
                    i += 1;
                }
                if !after_dot {
                    push_unique(&mut refs.identifiers, sql[start..i].to_lowercase());
                }
            }
            b'.' => {
                is_dot = true;
                i += 1;
            }
            _ => i += 1,
        }
        after_dot = is_dot;
    }
    refs
}

/// A problem found by [`Notebook::validate`], attached to a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub cell: usize,
    pub message: String,
}

impl Notebook {
    /// The cell producing a table named `ident` (an identifier from
    /// [`sql_references`]), compared case-insensitively.
    pub fn table_cell(&self, ident: &str) -> Option<usize> {
        self.cells().iter().position(|c| {
            c.kind().produces_table() && c.name().is_some_and(|n| n.eq_ignore_ascii_case(ident))
        })
    }

    /// The cell a chart reads: its `source:` (any table cell, before or
    /// after it), or without one the nearest SQL cell above it.
    pub fn chart_source(&self, index: usize) -> Option<usize> {
        let cell = self.cells().get(index).filter(|c| c.kind() == CellKind::Chart)?;
        match chart::source_of(cell.body()) {
            Some(name) => self.table_cell(&name),
            None => self.cells()[..index].iter().rposition(|c| c.kind() == CellKind::Sql),
        }
    }

    /// Earlier cells this cell uses, ascending: for a SQL cell the named SQL
    /// cells and params cells it refers to, for a chart its source.
    pub fn dependencies(&self, index: usize) -> Vec<usize> {
        let Some(cell) = self.cells().get(index) else { return Vec::new() };
        let mut deps: Vec<usize> = match cell.kind() {
            CellKind::Sql => {
                let refs = sql_references(cell.body());
                let tables = refs.identifiers.iter().filter_map(|id| self.table_cell(id));
                let params = refs.params.iter().filter_map(|p| self.param_cell(p));
                tables.chain(params).collect()
            }
            CellKind::Chart => self.chart_source(index).into_iter().collect(),
            _ => Vec::new(),
        };
        deps.retain(|&d| d < index);
        deps.sort_unstable();
        deps.dedup();
        deps
    }

    /// Every later cell that depends on cell `index`, directly or through
    /// other cells, in notebook order: what to re-run after it changes.
    pub fn dependants(&self, index: usize) -> Vec<usize> {
        let n = self.len();
        if index >= n {
            return Vec::new();
        }
        let mut hit = vec![false; n];
        hit[index] = true;
        let mut out = Vec::new();
        for j in index + 1..n {
            if self.dependencies(j).iter().any(|&d| hit[d]) {
                hit[j] = true;
                out.push(j);
            }
        }
        out
    }

    /// Problems that keep cells from running or from reading back as they
    /// are, in cell order: references to cells or parameters defined below
    /// (or nowhere), params and chart bodies that do not parse, duplicate
    /// parameters, chart sources that are missing or not SQL cells, and
    /// Markdown text that would not read back as one Markdown cell (it holds
    /// a cell fence, or leaves a code block open above other cells).
    pub fn validate(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (i, cell) in self.cells().iter().enumerate() {
            let mut say = |message: String| out.push(Diagnostic { cell: i, message });
            match cell.kind() {
                CellKind::Sql => {
                    let refs = sql_references(cell.body());
                    for id in &refs.identifiers {
                        if let Some(j) = self.table_cell(id).filter(|&j| j > i) {
                            let name = self.cells()[j].name().unwrap_or(id);
                            say(format!("`{name}` is defined below this cell; move it up"));
                        }
                    }
                    for p in &refs.params {
                        match self.param_cell(p) {
                            None => say(format!("unknown parameter `${p}`")),
                            Some(j) if j > i => say(format!(
                                "parameter `${p}` is defined below this cell; move its params cell up"
                            )),
                            Some(_) => {}
                        }
                    }
                }
                CellKind::Params => {
                    if let Err(e) = parse_params(cell.body()) {
                        say(format!("line {} of this cell: {}", e.line, e.message));
                    }
                    for name in param_names_lenient(cell.body()) {
                        if self.param_cell(&name).is_some_and(|j| j < i) {
                            say(format!("parameter `{name}` is already defined in an earlier params cell"));
                        }
                    }
                }
                CellKind::Chart => {
                    if let Err(e) = ChartSpec::parse(cell.body()) {
                        say(format!("line {} of this cell: {}", e.line, e.message));
                    }
                    match chart::source_of(cell.body()) {
                        Some(name) => match self.find(&name) {
                            None => say(format!("chart source `{name}` is not a cell of this notebook")),
                            Some(j) if !self.cells()[j].kind().produces_table() => {
                                say(format!("chart source `{name}` is not a SQL cell"))
                            }
                            Some(j) if j > i => {
                                say(format!("`{name}` is defined below this cell; move it up"))
                            }
                            Some(_) => {}
                        },
                        None if self.chart_source(i).is_none() => say(
                            "this chart has no source: add `source: <SQL cell name>` or put it below a SQL cell"
                                .to_string(),
                        ),
                        None => {}
                    }
                }
                CellKind::Markdown => match crate::codec::markdown_hazard(cell.body()) {
                    Some(MarkdownHazard::CellFence(f)) => say(format!(
                        "this text holds a {f} block: it becomes a cell of its own when the notebook is opened again"
                    )),
                    Some(MarkdownHazard::Unclosed(f)) if i + 1 < self.len() => say(format!(
                        "this text opens a {f} code block without closing it: the cells below turn into text \
                         when the notebook is opened again"
                    )),
                    _ => {}
                },
                _ => {}
            }
        }
        out
    }
}
