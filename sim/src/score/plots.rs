//! The score report's plots, as SVG drawn with `plotters` (SVG backend only: no font or image crates;
//! the viewer renders the text): head-pose error over time, the gaze-zone confusion heatmap, alert
//! latency per episode.

use super::frames::{zone_name, FrameRow, FrameScore, ZONES};
use super::report::ScoreReport;
use crate::error::{Result, SimError};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

fn plot_error(path: &Path, e: impl std::fmt::Display) -> SimError {
    SimError::Other(format!("plot {}: {e}", path.display()))
}

/// A plotted error series: its name, the value of a frame, its colour.
type Series = (&'static str, fn(&FrameRow) -> Option<f64>, RGBColor);

/// Splits a series into runs of consecutive frames that all have a value (no line across a gap).
fn runs(
    rows: &[FrameRow],
    value: fn(&FrameRow) -> Option<f64>,
    gap_s: f64,
) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut last_t = f64::NEG_INFINITY;
    for r in rows {
        match value(r) {
            Some(v) => {
                if r.t_s - last_t > gap_s || out.is_empty() {
                    out.push(Vec::new());
                }
                if let Some(run) = out.last_mut() {
                    run.push((r.t_s, v));
                }
                last_t = r.t_s;
            }
            None => last_t = f64::NEG_INFINITY,
        }
    }
    out
}

/// Perceived minus true yaw, pitch and roll over the drive, episodes shaded.
pub fn head_pose_error(report: &ScoreReport, frames: &FrameScore, path: &Path) -> Result<()> {
    let rows = &frames.rows;
    let t_end = rows.last().map_or(1.0, |r| r.t_s).max(1.0);
    let period = rows
        .windows(2)
        .map(|w| w[1].t_s - w[0].t_s)
        .fold(f64::INFINITY, f64::min);
    let gap = if period.is_finite() {
        period * 1.5
    } else {
        1.0
    };
    let series: [Series; 3] = [
        ("yaw", |r| r.yaw_err, RGBColor(31, 119, 180)),
        ("pitch", |r| r.pitch_err, RGBColor(214, 39, 40)),
        ("roll", |r| r.roll_err, RGBColor(44, 160, 44)),
    ];
    let max = rows
        .iter()
        .flat_map(|r| [r.yaw_err, r.pitch_err, r.roll_err])
        .flatten()
        .fold(5.0f64, |m, v| m.max(v.abs()))
        .min(90.0);
    let root = SVGBackend::new(path, (1000, 360)).into_drawing_area();
    let e = |x| plot_error(path, x);
    root.fill(&WHITE).map_err(e)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "head pose error (perceived - truth), frames with a face on both sides",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..t_end, -max..max)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("drive time (s)")
        .y_desc("error (deg)")
        .draw()
        .map_err(e)?;
    chart
        .draw_series(report.episodes.iter().map(|ep| {
            Rectangle::new(
                [(ep.start_s, -max), (ep.end_s, max)],
                RGBColor(0, 0, 0).mix(0.07).filled(),
            )
        }))
        .map_err(e)?;
    for (name, value, color) in series {
        for (i, run) in runs(rows, value, gap).into_iter().enumerate() {
            let drawn = chart
                .draw_series(LineSeries::new(run, color.stroke_width(1)))
                .map_err(e)?;
            if i == 0 {
                drawn.label(name).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            }
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// The gaze-zone confusion matrix as a heatmap (share of each true zone's frames), counts in cells.
/// Drawn in pixels on the drawing area: zone names are long, and a chart's axis labels would not
/// sit on the cells.
pub fn gaze_confusion(frames: &FrameScore, path: &Path) -> Result<()> {
    let g = &frames.gaze;
    let used: Vec<usize> = (0..ZONES.len())
        .filter(|&i| (0..ZONES.len()).any(|j| g.confusion[i][j] + g.confusion[j][i] > 0))
        .collect();
    let n = used.len().max(1) as i32;
    let (cell, left, top) = (64i32, 170i32, 150i32);
    let size = ((left + n * cell + 20) as u32, (top + n * cell + 40) as u32);
    let root = SVGBackend::new(path, size).into_drawing_area();
    let e = |x| plot_error(path, x);
    root.fill(&WHITE).map_err(e)?;
    let text = |s: &str, x: i32, y: i32, size: i32, area: &DrawingArea<_, Shift>| {
        area.draw(&Text::new(s.to_string(), (x, y), ("sans-serif", size)))
    };
    text(
        &format!(
            "gaze zone: rows truth, columns perceived (accuracy {})",
            g.accuracy
                .map_or("-".into(), |a| format!("{:.1} %", a * 100.0))
        ),
        10,
        10,
        16,
        &root,
    )
    .map_err(e)?;
    for (col, &j) in used.iter().enumerate() {
        let x = left + col as i32 * cell + cell / 2;
        // Column names, rotated so long names fit above narrow cells.
        root.draw(&Text::new(
            zone_name(ZONES[j]),
            (x, top - 8),
            ("sans-serif", 12)
                .into_font()
                .transform(FontTransform::Rotate270),
        ))
        .map_err(e)?;
    }
    for (row, &i) in used.iter().enumerate() {
        let y = top + row as i32 * cell;
        text(&zone_name(ZONES[i]), 10, y + cell / 2 - 6, 12, &root).map_err(e)?;
        let total: u64 = g.confusion[i].iter().sum();
        for (col, &j) in used.iter().enumerate() {
            let x = left + col as i32 * cell;
            let count = g.confusion[i][j];
            let share = if total > 0 {
                count as f64 / total as f64
            } else {
                0.0
            };
            let shade = |full: u8| (255.0 - share * (255.0 - f64::from(full))).round() as u8;
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                RGBColor(shade(8), shade(48), shade(107)).filled(),
            ))
            .map_err(e)?;
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                RGBColor(200, 200, 200),
            ))
            .map_err(e)?;
            let color = if share > 0.5 { WHITE } else { BLACK };
            root.draw(&Text::new(
                count.to_string(),
                (x + 8, y + cell / 2 - 6),
                ("sans-serif", 12).into_font().color(&color),
            ))
            .map_err(e)?;
        }
    }
    root.present().map_err(e)
}

/// Per episode: alert latency from the episode start (bar) and the earliest protocol time (black
/// tick); a missed episode has no bar and a red mark.
pub fn alert_latency(report: &ScoreReport, path: &Path) -> Result<()> {
    let eps = &report.episodes;
    let n = eps.len().max(1) as u32;
    let top = eps
        .iter()
        .flat_map(|e| [e.latency_s, e.earliest_s.map(|x| x - e.start_s)])
        .flatten()
        .fold(1.0f64, f64::max)
        * 1.15;
    let root = SVGBackend::new(path, (160 + 70 * n, 360)).into_drawing_area();
    let e = |x| plot_error(path, x);
    root.fill(&WHITE).map_err(e)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "alert latency per episode (bar: from start; tick: earliest protocol time)",
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc("episode (numbered as in report.md)")
        .y_desc("seconds after the episode start")
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => (i + 1).to_string(),
            _ => String::new(),
        })
        .draw()
        .map_err(e)?;
    let at = |i: usize| SegmentValue::Exact(i as u32);
    chart
        .draw_series(eps.iter().enumerate().filter_map(|(i, ep)| {
            ep.latency_s.map(|l| {
                let mut bar = Rectangle::new(
                    [(at(i), 0.0), (at(i + 1), l)],
                    RGBColor(31, 119, 180).filled(),
                );
                bar.set_margin(0, 0, 12, 12);
                bar
            })
        }))
        .map_err(e)?;
    // The earliest protocol time as a black line across the episode's column.
    chart
        .draw_series(eps.iter().enumerate().filter_map(|(i, ep)| {
            ep.earliest_s.map(|x| {
                let y = x - ep.start_s;
                PathElement::new(vec![(at(i), y), (at(i + 1), y)], BLACK.stroke_width(3))
            })
        }))
        .map_err(e)?;
    chart
        .draw_series(
            eps.iter()
                .enumerate()
                .filter(|(_, ep)| !ep.detected)
                .map(|(i, ep)| {
                    let label = if ep.scorable() { "missed" } else { "n/a" };
                    Text::new(
                        label,
                        (SegmentValue::CenterOf(i as u32), top * 0.05),
                        ("sans-serif", 12).into_font().color(&RED),
                    )
                }),
        )
        .map_err(e)?;
    root.present().map_err(e)
}
