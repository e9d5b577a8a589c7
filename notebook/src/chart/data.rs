//! [`chart_data`]: a result table and a [`ChartSpec`] → the series to draw.
//!
//! - x axis: categories for bar charts and text columns (x = the category's
//!   index, categories in first-appearance order, duplicate categories
//!   summed), numbers for numeric columns, instants (ms since the epoch, UTC)
//!   for time columns and for text columns whose values all parse as times.
//! - series: one per `y` column, or with `series:` one per value of that
//!   column (per value and `y` column when there are several). At most
//!   [`MAX_SERIES`]: the largest by total are kept in first-appearance order,
//!   the rest summed into [`OTHER_SERIES`], which comes last.
//! - NULL or non-numeric y cells (and every y cell of a row whose x cannot
//!   be read) are skipped and counted in `skipped`.
//! - line and area points are sorted by x.

use super::values::{label, number, time_ms};
use super::{ChartKind, ChartSpec, ColumnClass, column_class, histogram};
use glint_protocol::TableData;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// The most series a chart gets (the last one being "other" when cut).
pub const MAX_SERIES: usize = 12;
/// The name of the series that sums the smaller ones.
pub const OTHER_SERIES: &str = "other";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum XAxis {
    /// Labels; a point's x is the index of its label.
    Category(Vec<String>),
    Number,
    /// Milliseconds since the Unix epoch, UTC.
    Time,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartData {
    pub kind: ChartKind,
    pub x_axis: XAxis,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// y cells left out (NULL, not a number, or their row's x unreadable).
    pub skipped: usize,
    /// Histograms only: the bin edges (one more than bins); series points
    /// are (bin centre, count). Empty for other kinds.
    pub bin_edges: Vec<f64>,
}

/// Finds a column: exact name first, then case-insensitively.
pub(crate) fn column(table: &TableData, name: &str) -> Result<usize, String> {
    let cols = &table.columns;
    cols.iter()
        .position(|c| c.name == name)
        .or_else(|| cols.iter().position(|c| c.name.eq_ignore_ascii_case(name)))
        .ok_or_else(|| {
            let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
            if names.is_empty() {
                format!("column `{name}` is not in the result (it has no columns)")
            } else {
                format!("column `{name}` is not in the result (columns: {})", names.join(", "))
            }
        })
}

pub(crate) fn cell(row: &[Value], col: usize) -> &Value {
    row.get(col).unwrap_or(&Value::Null)
}

#[derive(Clone, Copy, PartialEq)]
enum Axis {
    Category,
    Number,
    Time,
}

struct Group {
    name: String,
    points: Vec<(f64, f64)>,
    total: f64,
}

/// Builds the chart's data; errors name the missing column or setting.
pub fn chart_data(spec: &ChartSpec, table: &TableData) -> Result<ChartData, String> {
    if spec.kind == ChartKind::Histogram {
        return histogram::histogram(spec, table);
    }
    let kind = spec.kind.name();
    let x_name = spec.x.as_deref().ok_or_else(|| format!("a {kind} chart needs `x:` (a column name)"))?;
    if spec.y.is_empty() {
        return Err(format!("a {kind} chart needs `y:` (one or more column names)"));
    }
    let xi = column(table, x_name)?;
    let ys: Vec<usize> = spec.y.iter().map(|y| column(table, y)).collect::<Result<_, _>>()?;
    let si = spec.series.as_deref().map(|s| column(table, s)).transpose()?;

    let axis = match (spec.kind, column_class(&table.columns[xi].data_type)) {
        (ChartKind::Bar, _) => Axis::Category,
        (_, ColumnClass::Time) => Axis::Time,
        (_, ColumnClass::Numeric) => Axis::Number,
        (_, ColumnClass::Text) if all_times(table, xi) => Axis::Time,
        _ => Axis::Category,
    };

    let mut categories: Vec<String> = Vec::new();
    let mut category_index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut group_index: HashMap<String, usize> = HashMap::new();
    let mut skipped = 0;
    for row in &table.rows {
        let xv = cell(row, xi);
        let x = match axis {
            Axis::Category => {
                let l = label(xv);
                let next = categories.len();
                let idx = *category_index.entry(l.clone()).or_insert(next);
                if idx == next {
                    categories.push(l);
                }
                Some(idx as f64)
            }
            Axis::Number => number(xv),
            Axis::Time => time_ms(xv),
        };
        let Some(x) = x else {
            skipped += ys.len();
            continue;
        };
        let split = si.map(|s| label(cell(row, s)));
        for (k, &yi) in ys.iter().enumerate() {
            let Some(y) = number(cell(row, yi)) else {
                skipped += 1;
                continue;
            };
            let y_name = &table.columns[yi].name;
            let name = match &split {
                Some(s) if ys.len() == 1 => s.clone(),
                Some(s) => format!("{s} · {}", spec.y.get(k).unwrap_or(y_name)),
                None => y_name.clone(),
            };
            let next = groups.len();
            let g = *group_index.entry(name.clone()).or_insert(next);
            if g == next {
                groups.push(Group { name, points: Vec::new(), total: 0.0 });
            }
            groups[g].points.push((x, y));
            groups[g].total += y;
        }
    }

    let mut series = cut_to_max(groups);
    for s in &mut series {
        if axis == Axis::Category || s.name == OTHER_SERIES {
            sum_same_x(&mut s.points);
        } else if matches!(spec.kind, ChartKind::Line | ChartKind::Area) {
            s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
    }
    let y_names: Vec<&str> = ys.iter().map(|&y| table.columns[y].name.as_str()).collect();
    Ok(ChartData {
        kind: spec.kind,
        x_axis: match axis {
            Axis::Category => XAxis::Category(categories),
            Axis::Number => XAxis::Number,
            Axis::Time => XAxis::Time,
        },
        x_label: table.columns[xi].name.clone(),
        y_label: y_names.join(", "),
        series,
        skipped,
        bin_edges: Vec::new(),
    })
}

/// True when a text column has values and all of them parse as times.
fn all_times(table: &TableData, col: usize) -> bool {
    let mut values = table.rows.iter().map(|r| cell(r, col)).filter(|v| !v.is_null()).peekable();
    values.peek().is_some() && values.all(|v| matches!(v, Value::String(_)) && time_ms(v).is_some())
}

/// Keeps the `MAX_SERIES - 1` largest groups (by total) in their order and
/// sums the rest into "other".
fn cut_to_max(groups: Vec<Group>) -> Vec<Series> {
    if groups.len() <= MAX_SERIES {
        return groups.into_iter().map(|g| Series { name: g.name, points: g.points }).collect();
    }
    let mut by_total: Vec<usize> = (0..groups.len()).collect();
    by_total.sort_by(|&a, &b| groups[b].total.total_cmp(&groups[a].total).then(a.cmp(&b)));
    let mut keep = vec![false; groups.len()];
    for &i in &by_total[..MAX_SERIES - 1] {
        keep[i] = true;
    }
    let mut out = Vec::new();
    let mut other = Vec::new();
    for (g, kept) in groups.into_iter().zip(keep) {
        if kept {
            out.push(Series { name: g.name, points: g.points });
        } else {
            other.extend(g.points);
        }
    }
    out.push(Series { name: OTHER_SERIES.to_string(), points: other });
    out
}

/// Sorts points by x and sums the y of equal x.
fn sum_same_x(points: &mut Vec<(f64, f64)>) {
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(points.len());
    for &(x, y) in points.iter() {
        match out.last_mut() {
            Some(last) if last.0 == x => last.1 += y,
            _ => out.push((x, y)),
        }
    }
    *points = out;
}
