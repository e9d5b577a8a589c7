//! What a notebook run does, cell by cell: the server's notebook jobs and
//! `worker-server run` both turn a notebook (plus parameter overrides) into
//! this list and run it top to bottom with [`glint_engine::cell::run`].
//!
//! Markdown, params and chart cells compute nothing on the server (a chart
//! draws another cell's result), so they are left out; every other cell
//! becomes a [`Step`], in notebook order.

use anyhow::{Context, bail};
use glint_notebook::{CellKind, Notebook};

/// One cell to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1-based position of the cell in the notebook (what messages name).
    pub cell: usize,
    /// The cell's name (its result becomes a table of that name), if any.
    pub name: Option<String>,
    /// `sql`, `ab`, `trend`, `funnel` or `retention`.
    pub kind: String,
    pub body: String,
}

impl Step {
    /// How messages name the cell: `cell 3 (sql \`by_variant\`)`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("cell {} ({} `{n}`)", self.cell, self.kind),
            None => format!("cell {} ({})", self.cell, self.kind),
        }
    }

    /// A file name for the cell's result: its name, else `cell-N`.
    pub fn file_stem(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("cell-{}", self.cell))
    }
}

/// A notebook ready to run: its steps and the parameter values (`$name` in SQL).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub params: Vec<(String, serde_json::Value)>,
}

/// Plans `text` (a notebook file) with `overrides` (`name`, value as typed,
/// parsed to the type the params cell declares).
pub fn notebook(text: &str, overrides: &[(String, String)]) -> anyhow::Result<Plan> {
    let nb = Notebook::parse(text).context("the notebook does not parse")?;
    let mut params = nb.params();
    for (name, text) in overrides {
        let Some(p) = params.iter_mut().find(|p| &p.name == name) else {
            let known: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            if known.is_empty() {
                bail!("the notebook has no parameter `{name}` (it has no params cell)");
            }
            bail!("the notebook has no parameter `{name}` (it has: {})", known.join(", "));
        };
        p.value = p.value.parse_like(name, text).map_err(anyhow::Error::msg)?;
    }
    let steps = nb
        .cells()
        .iter()
        .enumerate()
        .filter(|(_, c)| !matches!(c.kind(), CellKind::Markdown | CellKind::Params | CellKind::Chart))
        .map(|(i, c)| Step {
            cell: i + 1,
            name: c.name().map(str::to_owned),
            kind: c.kind().fence_word().unwrap_or_default().to_owned(),
            body: c.body().to_owned(),
        })
        .collect();
    Ok(Plan { steps, params: params.into_iter().map(|p| (p.name, p.value.to_json())).collect() })
}

/// One SQL statement as a plan (a query job).
pub fn sql(sql: &str, params: Vec<(String, serde_json::Value)>) -> Plan {
    Plan { steps: vec![Step { cell: 1, name: None, kind: "sql".into(), body: sql.to_owned() }], params }
}

/// `name=value` from the command line.
pub fn parse_override(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not name=value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NB: &str = "# Test\n\n```params\nvariant = \"B\"\nmin = 10\n```\n\n```sql name=by_variant\nSELECT 1 WHERE $min > 1\n```\n\n```chart\nx: a\ny: b\n```\n\n```ab\nexperiment: e\n```\n";

    #[test]
    fn a_notebook_plans_its_computing_cells_in_order_with_typed_overrides() {
        let plan = notebook(NB, &[("min".into(), "25".into())]).unwrap();
        let steps: Vec<String> = plan.steps.iter().map(Step::label).collect();
        assert_eq!(steps, ["cell 3 (sql `by_variant`)", "cell 5 (ab)"]);
        assert_eq!(plan.params, [("variant".to_string(), "B".into()), ("min".to_string(), 25.into())]);
        assert_eq!(plan.steps[1].file_stem(), "cell-5");
    }

    #[test]
    fn bad_overrides_say_what_is_wrong() {
        let cases = [
            (("min", "ten"), "parameter `min` is a whole number; \"ten\" is not a whole number"),
            (("max", "1"), "the notebook has no parameter `max` (it has: variant, min)"),
        ];
        for ((name, value), expected) in cases {
            let e = notebook(NB, &[(name.into(), value.into())]).unwrap_err();
            assert_eq!(format!("{e:#}"), expected);
        }
        assert_eq!(parse_override("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(parse_override("=x").is_err());
    }
}
