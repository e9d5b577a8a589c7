//! Draws a [`ChartData`] on a canvas with plotters. The data (series, bins,
//! category labels) comes from `glint_notebook::chart`; this file only maps
//! it to pixels: crisp on high-DPI screens (the canvas is sized in device
//! pixels and every font and stroke is scaled), colours fixed per series.

use glint_notebook::{ChartData, ChartKind, XAxis, series_color};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// CSS size of a chart.
pub const CHART_HEIGHT_CSS: f64 = 320.0;

/// Sizes the canvas for the screen's pixel ratio and draws the chart.
pub fn draw(canvas: &HtmlCanvasElement, data: &ChartData, title: Option<&str>) -> Result<(), String> {
    let ratio = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0).max(1.0);
    let css_width = canvas.client_width().max(320) as f64;
    canvas.set_width((css_width * ratio).round() as u32);
    canvas.set_height((CHART_HEIGHT_CSS * ratio).round() as u32);
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the browser gave no 2D canvas")?;
    let root = backend.into_drawing_area();
    render(&root, data, title, ratio, css_width).map_err(|e| format!("drawing the chart failed: {e}"))
}

fn rgb(index: usize) -> RGBColor {
    let (r, g, b) = series_color(index);
    RGBColor(r, g, b)
}

/// Readable number labels: 12 345, 1.5k → plain with thin grouping.
fn number_label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}B", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn time_label(ms: f64, span_ms: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let iso: String = date.to_iso_string().into();
    if span_ms <= 3.0 * 86_400_000.0 {
        // 2026-01-05T10:00:00.000Z → 01-05 10:00
        format!("{} {}", iso.get(5..10).unwrap_or(""), iso.get(11..16).unwrap_or(""))
    } else {
        iso.get(0..10).unwrap_or("").to_owned()
    }
}

fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let cut: String = label.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

fn render(
    root: &DrawingArea<CanvasBackend, Shift>,
    data: &ChartData,
    title: Option<&str>,
    s: f64,
    css_width: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let px = |v: f64| (v * s).round() as i32;
    let pxu = |v: f64| (v * s).round() as u32;
    root.fill(&WHITE)?;

    let points = || data.series.iter().flat_map(|series| series.points.iter());
    let (y_lo, y_hi) = bounds(points().map(|p| p.1)).unwrap_or((0.0, 1.0));
    let bars = matches!(data.kind, ChartKind::Bar | ChartKind::Histogram | ChartKind::Area);
    let (mut y_lo, mut y_hi) = if bars || y_lo >= 0.0 && data.kind != ChartKind::Scatter {
        (y_lo.min(0.0), y_hi.max(0.0))
    } else {
        (y_lo, y_hi)
    };
    if y_hi <= y_lo {
        y_hi = y_lo + 1.0;
    }
    let pad = (y_hi - y_lo) * 0.08;
    if y_hi > 0.0 {
        y_hi += pad;
    }
    if y_lo < 0.0 || data.kind == ChartKind::Scatter {
        y_lo -= pad;
    }

    let (x_lo, x_hi) = match (&data.x_axis, data.kind) {
        (XAxis::Category(labels), _) => (-0.5, labels.len().max(1) as f64 - 0.5),
        (_, ChartKind::Histogram) => bounds(data.bin_edges.iter().copied()).unwrap_or((0.0, 1.0)),
        _ => bounds(points().map(|p| p.0)).unwrap_or((0.0, 1.0)),
    };
    let (x_lo, x_hi) = if x_hi > x_lo {
        let pad = if matches!(data.x_axis, XAxis::Category(_)) || data.kind == ChartKind::Histogram {
            0.0
        } else {
            (x_hi - x_lo) * 0.03
        };
        (x_lo - pad, x_hi + pad)
    } else {
        (x_lo - 1.0, x_hi + 1.0)
    };
    let span = x_hi - x_lo;

    let mut builder = ChartBuilder::on(root);
    builder.margin(px(12.0)).x_label_area_size(px(46.0)).y_label_area_size(px(64.0));
    if let Some(title) = title.filter(|t| !t.is_empty()) {
        builder.caption(title, ("sans-serif", px(15.0)).into_font().color(&RGBColor(29, 33, 39)));
    }
    let mut chart = builder.build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;

    let categories = match &data.x_axis {
        XAxis::Category(labels) => Some(labels.clone()),
        _ => None,
    };
    let n_categories = categories.as_ref().map(|c| c.len()).unwrap_or(0);
    // About 7 CSS px per character of a 12 px label; thin out labels that
    // cannot get 5 characters, shorten the rest to fit their slot.
    let plot_css = (css_width - 100.0).max(100.0);
    let slot = plot_css / n_categories.max(1) as f64;
    let step = ((5.0 * 7.0) / slot).ceil().max(1.0) as usize;
    let label_chars = ((slot * step as f64) / 7.0).floor().clamp(4.0, 24.0) as usize;
    let time_labels = ((plot_css / 110.0).floor() as usize).clamp(2, 10);
    let x_format = |x: &f64| -> String {
        match (&categories, &data.x_axis) {
            (Some(labels), _) => {
                let i = x.round();
                if (x - i).abs() > 1e-6 || i < 0.0 || (i as usize) % step != 0 {
                    return String::new();
                }
                labels.get(i as usize).map(|l| short(l, label_chars)).unwrap_or_default()
            }
            (None, XAxis::Time) => time_label(*x, span),
            _ => number_label(*x),
        }
    };
    let label_style = ("sans-serif", px(12.0)).into_font().color(&RGBColor(70, 78, 90));
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(data.x_label.as_str())
        .y_desc(data.y_label.as_str())
        .label_style(label_style.clone())
        .axis_desc_style(("sans-serif", px(13.0)).into_font().color(&RGBColor(40, 46, 56)))
        .x_label_formatter(&x_format)
        .y_label_formatter(&|y| number_label(*y))
        .light_line_style(RGBColor(238, 240, 243))
        .bold_line_style(RGBColor(226, 229, 233))
        .axis_style(ShapeStyle::from(RGBColor(150, 158, 168)).stroke_width(pxu(1.0)))
        .x_labels(match data.x_axis {
            XAxis::Category(_) => n_categories.min(200),
            XAxis::Time => time_labels,
            XAxis::Number => time_labels.max(4),
        })
        .y_labels(7);
    if n_categories > 0 {
        mesh.disable_x_mesh();
    }
    mesh.draw()?;

    let k = data.series.len().max(1) as f64;
    for (i, series) in data.series.iter().enumerate() {
        let color = rgb(i);
        let fill = color.filled();
        let stroke = ShapeStyle::from(color).stroke_width(pxu(2.0));
        let drawn = match data.kind {
            ChartKind::Histogram => {
                let edges = &data.bin_edges;
                chart.draw_series(series.points.iter().enumerate().filter_map(|(b, p)| {
                    let (lo, hi) = (*edges.get(b)?, *edges.get(b + 1)?);
                    let gap = (hi - lo) * 0.04;
                    Some(Rectangle::new([(lo + gap, 0.0), (hi - gap, p.1)], fill))
                }))?
            }
            ChartKind::Bar => {
                let width = if categories.is_some() {
                    0.8
                } else {
                    let mut xs: Vec<f64> = points().map(|p| p.0).collect();
                    xs.sort_by(f64::total_cmp);
                    xs.dedup();
                    let gap = xs.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
                    if gap.is_finite() { gap * 0.8 } else { span * 0.05 }
                };
                let w = width / k;
                let offset = -width / 2.0 + w * i as f64;
                chart.draw_series(
                    series.points.iter().map(move |&(x, y)| Rectangle::new([(x + offset, 0.0), (x + offset + w * 0.94, y)], fill)),
                )?
            }
            ChartKind::Line => {
                if series.points.len() <= 60 {
                    chart.draw_series(series.points.iter().map(|&p| Circle::new(p, pxu(2.5), fill)))?;
                }
                chart.draw_series(LineSeries::new(series.points.iter().copied(), stroke))?
            }
            ChartKind::Area => chart.draw_series(
                AreaSeries::new(series.points.iter().copied(), 0.0, color.mix(0.22)).border_style(stroke),
            )?,
            ChartKind::Scatter => {
                chart.draw_series(series.points.iter().map(|&p| Circle::new(p, pxu(3.0), color.mix(0.75).filled())))?
            }
        };
        if data.series.len() > 1 {
            let legend_size = px(5.0);
            drawn.label(series.name.clone()).legend(move |(x, y)| {
                Rectangle::new([(x, y - legend_size), (x + 2 * legend_size, y + legend_size)], color.filled())
            });
        }
    }
    if data.series.len() > 1 {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(210, 214, 220))
            .label_font(label_style)
            .margin(px(6.0))
            .draw()?;
    }
    root.present()?;
    Ok(())
}
