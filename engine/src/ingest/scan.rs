//! Phase 1 of ingest: read a range's lines into a per-partition column store
//! (a tree of [`Node`]s, one per JSON path, holding one [`Cell`] per row) and
//! count the JSON kinds seen per path. Nothing is decided about types here:
//! that needs every partition's counts (see `shape.rs`).
//!
//! Each line is parsed once, by a serde visitor that writes straight into the
//! store. A line that fails half-way is rolled back (cells, text and any paths
//! it created), so malformed lines never leave a trace in the table.

use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::lines::{Lines, RangeInput};
use super::timestamp::parse_timestamp_micros;
use super::{IngestOptions, ParseMode};
use crate::error::{EngineError, ErrorKind, Result};
use glint_protocol::MalformedLine;

/// A JSON kind, as counted per path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Str,
    Object,
    Array,
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::Bool, Kind::Int, Kind::Float, Kind::Str, Kind::Object, Kind::Array];

    /// The JSON type's name, as the reports say it.
    pub fn json_name(self) -> &'static str {
        match self {
            Kind::Bool => "boolean",
            Kind::Int | Kind::Float => "number",
            Kind::Str => "string",
            Kind::Object => "object",
            Kind::Array => "array",
        }
    }
}

/// How many values of each kind a path had (explicit nulls not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KindCounts {
    pub bool: u64,
    pub int: u64,
    pub float: u64,
    pub str: u64,
    /// Strings that parse as timestamps (a subset of `str`).
    pub ts: u64,
    pub object: u64,
    pub array: u64,
}

impl KindCounts {
    pub fn get(&self, k: Kind) -> u64 {
        match k {
            Kind::Bool => self.bool,
            Kind::Int => self.int,
            Kind::Float => self.float,
            Kind::Str => self.str,
            Kind::Object => self.object,
            Kind::Array => self.array,
        }
    }

    fn slot(&mut self, k: Kind) -> &mut u64 {
        match k {
            Kind::Bool => &mut self.bool,
            Kind::Int => &mut self.int,
            Kind::Float => &mut self.float,
            Kind::Str => &mut self.str,
            Kind::Object => &mut self.object,
            Kind::Array => &mut self.array,
        }
    }

    pub fn add(&mut self, other: &KindCounts) {
        for k in Kind::ALL {
            *self.slot(k) += other.get(k);
        }
        self.ts += other.ts;
    }

    pub fn non_null(&self) -> u64 {
        Kind::ALL.iter().map(|&k| self.get(k)).sum()
    }
}

/// One value of one row at one path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// The path is absent in this row.
    Missing,
    /// An explicit JSON `null`.
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text in the node's arena; `ts` says whether it parsed as a timestamp.
    Str { start: u32, len: u32, ts: bool },
    /// An object: its members are in the child nodes.
    Object,
    /// An array, kept as its JSON text in the node's arena.
    Array { start: u32, len: u32 },
}

impl Cell {
    fn kind(&self) -> Option<Kind> {
        match self {
            Cell::Missing | Cell::Null => None,
            Cell::Bool(_) => Some(Kind::Bool),
            Cell::Int(_) => Some(Kind::Int),
            Cell::Float(_) => Some(Kind::Float),
            Cell::Str { .. } => Some(Kind::Str),
            Cell::Object => Some(Kind::Object),
            Cell::Array { .. } => Some(Kind::Array),
        }
    }
}

/// The store of one JSON path within one partition.
#[derive(Debug, Default)]
pub struct Node {
    pub name: Box<str>,
    pub parent: u32,
    /// Child node ids in order of first appearance.
    pub children: Vec<u32>,
    child_index: HashMap<Box<str>, u32>,
    pub counts: KindCounts,
    /// One cell per row; rows past the end are `Missing`.
    pub cells: Vec<Cell>,
    /// Text of this path's strings and arrays.
    pub arena: Vec<u8>,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<u32> {
        self.child_index.get(name).copied()
    }

    pub fn cell(&self, row: usize) -> Cell {
        self.cells.get(row).copied().unwrap_or(Cell::Missing)
    }

    pub fn text(&self, start: u32, len: u32) -> &[u8] {
        &self.arena[start as usize..(start + len) as usize]
    }
}

/// The result of phase 1 for one range.
#[derive(Debug)]
pub struct PartitionScan {
    /// Node 0 is the root (the row objects themselves).
    pub nodes: Vec<Node>,
    pub rows: usize,
    /// Per row: (index of its line within this range, byte offset of the line).
    pub row_lines: Vec<(u32, u64)>,
    pub lines: u64,
    pub empty_lines: u64,
    pub malformed: u64,
    /// The first malformed lines, with `line` = index within this range (0-based).
    pub malformed_examples: Vec<MalformedLine>,
    pub bytes: u64,
}

const EXCERPT: usize = 200;

/// Reads the lines a range owns into a column store.
pub fn scan_partition(input: RangeInput<'_>, opts: &IngestOptions) -> Result<PartitionScan> {
    let mut scan = PartitionScan {
        nodes: vec![Node::default()],
        rows: 0,
        row_lines: Vec::new(),
        lines: 0,
        empty_lines: 0,
        malformed: 0,
        malformed_examples: Vec::new(),
        bytes: input.range.1 - input.range.0,
    };
    let mut touched: Vec<(u32, usize)> = Vec::new();
    for line in Lines::new(input)? {
        let line = line?;
        let local_line = scan.lines;
        scan.lines += 1;
        if line.text.iter().all(u8::is_ascii_whitespace) {
            scan.empty_lines += 1;
            continue;
        }
        match scan.read_row(line.text, &mut touched) {
            Ok(()) => {
                scan.row_lines.push((local_line as u32, line.offset));
                scan.rows += 1;
            }
            Err(reason) => {
                scan.malformed += 1;
                let bad = MalformedLine {
                    line: local_line,
                    offset: line.offset,
                    reason,
                    excerpt: excerpt(line.text),
                };
                if opts.mode == ParseMode::FailFast {
                    // Phase 2 turns the first one into an error with its global line number.
                    scan.malformed_examples.push(bad);
                    break;
                }
                if scan.malformed_examples.len() < opts.max_examples {
                    scan.malformed_examples.push(bad);
                }
            }
        }
        if scan.row_lines.len() > u32::MAX as usize || scan.lines > u32::MAX as u64 {
            return Err(EngineError::new(
                ErrorKind::ResourcesExhausted,
                "a partition holds more than 4 billion lines: use more partitions",
            ));
        }
    }
    Ok(scan)
}

fn excerpt(text: &[u8]) -> String {
    let cut = text.len().min(EXCERPT);
    let mut s = String::from_utf8_lossy(&text[..cut]).into_owned();
    if text.len() > EXCERPT {
        s.push('…');
    }
    s
}

impl PartitionScan {
    /// Parses one line into the store as row `self.rows`, or rolls it back and
    /// says why it is malformed.
    fn read_row(&mut self, text: &[u8], touched: &mut Vec<(u32, usize)>) -> Result<(), String> {
        let first = text.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if first != Some(b'{') {
            return Err(match serde_json::from_slice::<IgnoredAny>(text) {
                Ok(_) => format!("expected a JSON object, found {}", json_kind_of(first)),
                Err(e) => describe(&e),
            });
        }
        let nodes_before = self.nodes.len();
        touched.clear();
        let mut de = serde_json::Deserializer::from_slice(text);
        let seed = ValueSeed { scan: self, node: 0, touched };
        let result = seed.deserialize(&mut de).and_then(|()| de.end());
        match result {
            Ok(()) => Ok(()),
            Err(e) => {
                self.rollback(nodes_before, touched);
                Err(describe(&e))
            }
        }
    }

    fn rollback(&mut self, nodes_before: usize, touched: &[(u32, usize)]) {
        let row = self.rows;
        for &(id, arena_len) in touched {
            let node = &mut self.nodes[id as usize];
            if node.cells.len() > row {
                if let Some(k) = node.cells[row].kind() {
                    *node.counts.slot(k) -= 1;
                    if let Cell::Str { ts: true, .. } = node.cells[row] {
                        node.counts.ts -= 1;
                    }
                }
                node.cells.truncate(row);
            }
            node.arena.truncate(arena_len);
        }
        while self.nodes.len() > nodes_before {
            let node = self.nodes.pop().expect("len checked");
            let parent = &mut self.nodes[node.parent as usize];
            parent.children.pop();
            parent.child_index.remove(&node.name);
        }
    }

    fn child_of(&mut self, parent: u32, key: &str, cursor: &mut usize) -> u32 {
        let p = &self.nodes[parent as usize];
        if let Some(&id) = p.children.get(*cursor) {
            if &*self.nodes[id as usize].name == key {
                *cursor += 1;
                return id;
            }
        }
        if let Some(id) = p.child_index.get(key).copied() {
            if let Some(pos) = p.children.iter().position(|&c| c == id) {
                *cursor = pos + 1;
            }
            return id;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(Node { name: key.into(), parent, ..Node::default() });
        let p = &mut self.nodes[parent as usize];
        p.children.push(id);
        p.child_index.insert(key.into(), id);
        *cursor = p.children.len();
        id
    }

    /// Sets row `self.rows` of `node` (a repeated key replaces the earlier value).
    fn set(&mut self, node: u32, cell: Cell, touched: &mut Vec<(u32, usize)>) {
        let row = self.rows;
        let n = &mut self.nodes[node as usize];
        if n.cells.len() > row {
            if let Some(k) = n.cells[row].kind() {
                *n.counts.slot(k) -= 1;
                if let Cell::Str { ts: true, .. } = n.cells[row] {
                    n.counts.ts -= 1;
                }
            }
            n.cells[row] = cell;
        } else {
            touched.push((node, n.arena.len()));
            n.cells.resize(row, Cell::Missing);
            n.cells.push(cell);
        }
        if let Some(k) = cell.kind() {
            *n.counts.slot(k) += 1;
        }
        if let Cell::Str { ts: true, .. } = cell {
            n.counts.ts += 1;
        }
    }

    fn push_text(&mut self, node: u32, text: &[u8], touched: &mut Vec<(u32, usize)>) -> (u32, u32) {
        let row = self.rows;
        let n = &mut self.nodes[node as usize];
        if n.cells.len() <= row && !touched.iter().any(|&(id, _)| id == node) {
            // Record the arena length before this row's first write.
            touched.push((node, n.arena.len()));
        }
        let start = n.arena.len();
        n.arena.extend_from_slice(text);
        (start as u32, text.len() as u32)
    }
}

fn json_kind_of(first: Option<u8>) -> &'static str {
    match first {
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// serde_json's message without the "at line 1" (every input here is one line).
fn describe(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let base = match msg.find(" at line ") {
        Some(i) => &msg[..i],
        None => &msg[..],
    };
    if e.column() > 0 { format!("{base} (column {})", e.column()) } else { base.to_string() }
}

/// Visits one JSON value and stores it at `node`, row `scan.rows`.
struct ValueSeed<'s> {
    scan: &'s mut PartitionScan,
    node: u32,
    touched: &'s mut Vec<(u32, usize)>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.scan.set(self.node, Cell::Null, self.touched);
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.scan.set(self.node, Cell::Bool(v), self.touched);
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.scan.set(self.node, Cell::Int(v), self.touched);
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        let cell = match i64::try_from(v) {
            Ok(i) => Cell::Int(i),
            Err(_) => Cell::Float(v as f64),
        };
        self.scan.set(self.node, cell, self.touched);
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.scan.set(self.node, Cell::Float(v), self.touched);
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        let ts = parse_timestamp_micros(v).is_some();
        let (start, len) = self.scan.push_text(self.node, v.as_bytes(), self.touched);
        self.scan.set(self.node, Cell::Str { start, len, ts }, self.touched);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ValueSeed { scan, node, touched } = self;
        scan.set(node, Cell::Object, touched);
        let mut cursor = 0;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let child = scan.child_of(node, key.as_str(), &mut cursor);
            map.next_value_seed(ValueSeed { scan: &mut *scan, node: child, touched: &mut *touched })?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<serde_json::Value>()? {
            items.push(v);
        }
        let text = serde_json::Value::Array(items).to_string();
        let (start, len) = self.scan.push_text(self.node, text.as_bytes(), self.touched);
        self.scan.set(self.node, Cell::Array { start, len }, self.touched);
        Ok(())
    }
}

/// An object key, borrowed from the input when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v))
    }
}
