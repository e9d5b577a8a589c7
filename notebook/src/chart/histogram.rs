//! Histograms: bins over one numeric column, their count given by `bins:` or
//! chosen by the Freedman–Diaconis rule (Sturges' rule when the spread is
//! zero), clamped to 1..=200.

use super::data::{cell, column};
use super::values::number;
use super::{ChartData, ChartSpec, Series, XAxis};
use glint_protocol::TableData;

/// The most bins a histogram gets.
const MAX_BINS: usize = 200;

pub(crate) fn histogram(spec: &ChartSpec, table: &TableData) -> Result<ChartData, String> {
    let name = spec.y.first().or(spec.x.as_ref()).ok_or("a histogram needs `x:` (a numeric column)")?;
    let col = column(table, name)?;
    let mut values: Vec<f64> = Vec::new();
    let mut skipped = 0;
    for row in &table.rows {
        match number(cell(row, col)) {
            Some(v) => values.push(v),
            None => skipped += 1,
        }
    }
    values.sort_by(f64::total_cmp);
    let (bin_edges, counts) = bins(&values, spec.bins.map(|b| b as usize));
    let points = bin_edges.windows(2).zip(counts).map(|(e, n)| ((e[0] + e[1]) / 2.0, n as f64)).collect();
    Ok(ChartData {
        kind: spec.kind,
        x_axis: XAxis::Number,
        x_label: table.columns[col].name.clone(),
        y_label: "count".to_string(),
        series: vec![Series { name: "count".to_string(), points }],
        skipped,
        bin_edges,
    })
}

/// Linear-interpolated quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The automatic bin count for sorted values (at least two).
fn auto_bins(sorted: &[f64]) -> usize {
    let n = sorted.len() as f64;
    let sturges = n.log2().ceil() as usize + 1;
    let range = sorted[sorted.len() - 1] - sorted[0];
    let iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
    let width = 2.0 * iqr / n.cbrt();
    let fd = (range / width).ceil();
    if iqr > 0.0 && fd.is_finite() && fd >= 1.0 { fd as usize } else { sturges }
}

/// Bin edges and counts for sorted finite values.
fn bins(sorted: &[f64], wanted: Option<usize>) -> (Vec<f64>, Vec<usize>) {
    let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
        return (Vec::new(), Vec::new());
    };
    if min == max {
        return (vec![min - 0.5, min + 0.5], vec![sorted.len()]);
    }
    let n = wanted.unwrap_or_else(|| auto_bins(sorted)).clamp(1, MAX_BINS);
    let width = (max - min) / n as f64;
    let mut edges: Vec<f64> = (0..n).map(|i| min + width * i as f64).collect();
    edges.push(max);
    let mut counts = vec![0; n];
    for &v in sorted {
        let i = ((v - min) / width).floor();
        let i = if i.is_finite() && i >= 0.0 { (i as usize).min(n - 1) } else { 0 };
        counts[i] += 1;
    }
    (edges, counts)
}
