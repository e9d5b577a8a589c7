//! Notebook parameters: the `params` cell body (`name = value` lines, values
//! as JSON scalar literals), typed values, typed overrides from an input box
//! or a URL, and rewriting one parameter's line.
//!
//! ```text
//! # comments and blank lines are allowed
//! variant = "B"
//! min_revenue = 10
//! ratio = 0.5
//! only_paid = true
//! ```
//!
//! SQL cells refer to a parameter as `$name`.

use crate::NotebookError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A parameter value; its type is fixed by the literal in the params cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    /// Always finite.
    Float(f64),
    Text(String),
    Bool(bool),
}

/// One `name = value` line of a params cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub value: ParamValue,
    /// 1-based line within the cell body.
    pub line: usize,
}

impl ParamValue {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ParamValue::Int(i) => (*i).into(),
            ParamValue::Float(f) => (*f).into(),
            ParamValue::Text(s) => s.clone().into(),
            ParamValue::Bool(b) => (*b).into(),
        }
    }

    /// The literal as written in a params cell (`10`, `0.5`, `"B"`, `true`).
    pub fn to_literal(&self) -> String {
        self.to_json().to_string()
    }

    /// The value as a SQL literal (`'it''s'`, `10`, `TRUE`), for callers that
    /// substitute text rather than bind parameters.
    pub fn to_sql_literal(&self) -> String {
        match self {
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Float(f) => self::float_text(*f),
            ParamValue::Text(s) => format!("'{}'", s.replace('\'', "''")),
            ParamValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        }
    }

    /// What the type is called in messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            ParamValue::Int(_) => "a whole number",
            ParamValue::Float(_) => "a number",
            ParamValue::Text(_) => "text",
            ParamValue::Bool(_) => "true or false",
        }
    }

    /// Parses user-typed (or URL) text as a value of this value's type; the
    /// text is raw (no quotes around text). `name` is for the message.
    pub fn parse_like(&self, name: &str, text: &str) -> Result<ParamValue, String> {
        let t = text.trim();
        let bad = |what: &str| format!("parameter `{name}` is {}; {text:?} is {what}", self.type_name());
        match self {
            ParamValue::Int(_) => t.parse().map(ParamValue::Int).map_err(|_| bad("not a whole number")),
            ParamValue::Float(_) => match t.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(ParamValue::Float(f)),
                _ => Err(bad("not a number")),
            },
            ParamValue::Text(_) => Ok(ParamValue::Text(text.to_string())),
            ParamValue::Bool(_) => {
                if t.eq_ignore_ascii_case("true") {
                    Ok(ParamValue::Bool(true))
                } else if t.eq_ignore_ascii_case("false") {
                    Ok(ParamValue::Bool(false))
                } else {
                    Err(bad("neither"))
                }
            }
        }
    }
}

fn float_text(f: f64) -> String {
    serde_json::Value::from(f).to_string()
}

/// The value as a user would type it (text without quotes), e.g. for an
/// input box or a URL override.
impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{}", float_text(*x)),
            ParamValue::Text(s) => write!(f, "{s}"),
            ParamValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A parameter name: ASCII letters, digits and `_`, not starting with a digit.
pub fn is_param_name(name: &str) -> bool {
    name.bytes().next().is_some_and(|b| !b.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// One line split into its `name` and value text, if it is an assignment.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    let (name, value) = t.split_once('=').unwrap_or((t, ""));
    Some((name.trim(), value.trim()))
}

fn parse_value(name: &str, text: &str) -> Result<ParamValue, String> {
    let expected =
        || format!("the value of `{name}` must be a number, a \"double-quoted string\", true or false");
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(ParamValue::Int(i)),
            (None, Some(f)) if f.is_finite() => Ok(ParamValue::Float(f)),
            _ => Err(format!("the value of `{name}` is out of range")),
        },
        Ok(serde_json::Value::String(s)) => Ok(ParamValue::Text(s)),
        Ok(serde_json::Value::Bool(b)) => Ok(ParamValue::Bool(b)),
        _ => Err(expected()),
    }
}

/// Parses a params cell body. Line numbers are relative to the body.
pub fn parse_params(body: &str) -> Result<Vec<Param>, NotebookError> {
    let mut params: Vec<Param> = Vec::new();
    for (n, line) in body.split('\n').enumerate() {
        let line_no = n + 1;
        let Some((name, value)) = assignment(line) else { continue };
        if !line.contains('=') {
            return Err(NotebookError::new(line_no, "expected `name = value`"));
        }
        if !is_param_name(name) {
            return Err(NotebookError::new(
                line_no,
                format!(
                    "invalid parameter name `{name}`: use ASCII letters, digits and `_`, not starting with a digit"
                ),
            ));
        }
        if value.is_empty() {
            return Err(NotebookError::new(line_no, format!("parameter `{name}` has no value")));
        }
        let value = parse_value(name, value).map_err(|m| NotebookError::new(line_no, m))?;
        if let Some(first) = params.iter().find(|p| p.name == name) {
            return Err(NotebookError::new(
                line_no,
                format!("parameter `{name}` is defined twice (first on line {})", first.line),
            ));
        }
        params.push(Param { name: name.to_string(), value, line: line_no });
    }
    Ok(params)
}

/// Rewrites the value on the line of parameter `name`, keeping the rest of
/// the body (and that line's spacing) as it is; appends `name = value` when
/// the body has no such line.
pub fn set_param(body: &str, name: &str, value: &ParamValue) -> String {
    let literal = value.to_literal();
    let mut out = String::with_capacity(body.len() + literal.len());
    let mut done = false;
    for line in body.split_inclusive('\n') {
        let content_len = line.trim_end_matches(['\n', '\r']).len();
        let (content, eol) = line.split_at(content_len);
        let is_target = !done && content.contains('=') && assignment(content).is_some_and(|(n, _)| n == name);
        match content.find('=') {
            Some(eq) if is_target => {
                let after = &content[eq + 1..];
                let value_start = eq + 1 + (after.len() - after.trim_start().len());
                let value_end = content.trim_end().len().max(value_start);
                out.push_str(&content[..value_start]);
                out.push_str(&literal);
                out.push_str(&content[value_end..]);
                out.push_str(eol);
                done = true;
            }
            _ => out.push_str(line),
        }
    }
    if !done {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("{name} = {literal}"));
    }
    out
}

/// Parameter names in a params body, even when a value is malformed (so a
/// broken params cell still counts as defining its names for dependencies).
pub(crate) fn param_names_lenient(body: &str) -> Vec<String> {
    body.split('\n')
        .filter(|line| line.contains('='))
        .filter_map(assignment)
        .map(|(name, _)| name)
        .filter(|name| is_param_name(name))
        .map(str::to_string)
        .collect()
}

impl crate::Notebook {
    /// All parameters of all params cells, in notebook order. A params cell
    /// that does not parse is left out, and a name defined again in a later
    /// cell keeps its first value ([`crate::Notebook::validate`] reports both).
    pub fn params(&self) -> Vec<Param> {
        let mut all: Vec<Param> = Vec::new();
        for cell in self.cells().iter().filter(|c| c.kind() == crate::CellKind::Params) {
            for p in parse_params(cell.body()).unwrap_or_default() {
                if !all.iter().any(|q| q.name == p.name) {
                    all.push(p);
                }
            }
        }
        all
    }

    /// The first params cell that defines `name`.
    pub fn param_cell(&self, name: &str) -> Option<usize> {
        self.cells().iter().position(|c| {
            c.kind() == crate::CellKind::Params && param_names_lenient(c.body()).iter().any(|n| n == name)
        })
    }

    /// Rewrites parameter `name` in the params cell that defines it (only
    /// that line changes). Errors when no params cell defines it.
    pub fn set_param(&mut self, name: &str, value: &ParamValue) -> Result<(), NotebookError> {
        let index = self
            .param_cell(name)
            .ok_or_else(|| NotebookError::edit(format!("no params cell defines `{name}`")))?;
        let body = set_param(self.cells()[index].body(), name, value);
        self.set_body(index, &body)
    }
}
