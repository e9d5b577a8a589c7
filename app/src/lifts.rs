//! The A/B read-out's lift chart: one row per metric × treatment arm, the
//! relative lift as a point and its confidence interval as a bar, a zero
//! line, significant rows coloured. [`lift_rows`] reads the rows from the
//! `ab` cell's result table (plain Rust, tested); [`draw`] paints them with
//! plotters at the device pixel ratio.

use glint_protocol::TableData;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde_json::Value;
use web_sys::HtmlCanvasElement;

/// One interval of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LiftRow {
    pub label: String,
    pub estimate: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub significant: bool,
}

fn column(table: &TableData, name: &str) -> Option<usize> {
    table.columns.iter().position(|c| c.name == name)
}

fn number(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|f| f.is_finite())
}

/// The rows that have a relative lift (control rows have none).
pub fn lift_rows(table: &TableData) -> Vec<LiftRow> {
    let (Some(metric), Some(arm), Some(lift)) = (column(table, "metric"), column(table, "arm"), column(table, "rel_lift")) else {
        return Vec::new();
    };
    let low = column(table, "rel_ci_low");
    let high = column(table, "rel_ci_high");
    let significant = column(table, "significant");
    table
        .rows
        .iter()
        .filter_map(|row| {
            let estimate = number(row.get(lift))?;
            let text = |i: usize| row.get(i).map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).unwrap_or_default();
            Some(LiftRow {
                label: format!("{} · {}", text(metric), text(arm)),
                estimate,
                low: low.and_then(|i| number(row.get(i))),
                high: high.and_then(|i| number(row.get(i))),
                significant: significant.and_then(|i| row.get(i)).and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

fn percent(v: f64) -> String {
    let p = (v * 100.0).round();
    if p == 0.0 { "0%".into() } else { format!("{p:+.0}%") }
}

/// CSS height of the chart for `n` rows.
pub fn height_css(n: usize) -> f64 {
    70.0 + 34.0 * n.max(1) as f64
}

/// Paints the intervals; returns an error text if the canvas cannot be used.
pub fn draw(canvas: &HtmlCanvasElement, rows: &[LiftRow]) -> Result<(), String> {
    let ratio = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0).max(1.0);
    let css_width = canvas.client_width().max(320) as f64;
    let css_height = height_css(rows.len());
    canvas.set_width((css_width * ratio).round() as u32);
    canvas.set_height((css_height * ratio).round() as u32);
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the browser gave no 2D canvas")?;
    let root = backend.into_drawing_area();
    paint(&root, rows, ratio).map_err(|e| format!("drawing the lift chart failed: {e}"))
}

fn paint(
    root: &DrawingArea<CanvasBackend, plotters::coord::Shift>,
    rows: &[LiftRow],
    s: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let px = |v: f64| (v * s).round() as i32;
    root.fill(&WHITE)?;
    let extent = rows
        .iter()
        .flat_map(|r| [Some(r.estimate), r.low, r.high])
        .flatten()
        .fold(0.01_f64, |m, v| m.max(v.abs()));
    let x_max = extent * 1.15;
    let n = rows.len().max(1);
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .margin(px(10.0))
        .x_label_area_size(px(34.0))
        .y_label_area_size(px(220.0))
        .build_cartesian_2d(-x_max..x_max, -0.5..(n as f64 - 0.5))?;
    let label_style = ("sans-serif", px(12.0)).into_font().color(&RGBColor(50, 56, 66));
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(7)
        .y_labels(n)
        .x_label_formatter(&|x| percent(*x))
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            // Rows run top to bottom.
            labels.get(n - 1 - i as usize).cloned().unwrap_or_default()
        })
        .x_desc("relative lift vs control (confidence interval)")
        .label_style(label_style.clone())
        .axis_desc_style(label_style)
        .light_line_style(RGBColor(240, 242, 245))
        .bold_line_style(RGBColor(228, 231, 235))
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
        ShapeStyle::from(RGBColor(120, 128, 140)).stroke_width((1.0 * s).round() as u32),
    )))?;
    for (i, row) in rows.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        let color = match (row.significant, row.estimate >= 0.0) {
            (true, true) => RGBColor(0, 122, 84),
            (true, false) => RGBColor(190, 40, 40),
            _ => RGBColor(110, 118, 130),
        };
        let (low, high) = (row.low.unwrap_or(-x_max), row.high.unwrap_or(x_max));
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(low, y), (high, y)],
            ShapeStyle::from(color).stroke_width((3.0 * s).round() as u32),
        )))?;
        chart.draw_series(std::iter::once(Circle::new((row.estimate, y), (5.0 * s).round() as u32, color.filled())))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_protocol::ColumnInfo;
    use serde_json::json;

    #[test]
    fn rows_come_from_the_result_columns() {
        let col = |n: &str| ColumnInfo { name: n.into(), data_type: "x".into() };
        let table = TableData {
            columns: ["metric", "arm", "rel_lift", "rel_ci_low", "rel_ci_high", "significant"].map(col).to_vec(),
            rows: vec![
                vec![json!("conv"), json!("control"), json!(null), json!(null), json!(null), json!(null)],
                vec![json!("conv"), json!("treatment"), json!(0.035), json!(0.01), json!(0.06), json!(true)],
                vec![json!("rev"), json!("treatment"), json!(-0.01), json!(null), json!(0.02), json!(false)],
            ],
            total_rows: 3,
        };
        assert_eq!(
            lift_rows(&table),
            vec![
                LiftRow { label: "conv · treatment".into(), estimate: 0.035, low: Some(0.01), high: Some(0.06), significant: true },
                LiftRow { label: "rev · treatment".into(), estimate: -0.01, low: None, high: Some(0.02), significant: false },
            ]
        );
        assert!(lift_rows(&TableData::default()).is_empty());
    }
}
