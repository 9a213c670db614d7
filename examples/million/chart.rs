//! The SVG chart of a run: memory against task count, both on log scales, one solid line per
//! system and shape (measured) and a dashed one beside it (predicted, where there is a model).
//!
//! Each point is a `<circle>` or `<rect>` carrying `data-system`, `data-shape`, `data-tasks`
//! and `data-bytes`, and each line a `<polyline>` with `data-series` (`measured` or
//! `predicted`), so tests and the book can read the numbers back.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::report::{Measurement, Results, Shape};

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 560.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 600.0;
const TOP: f64 = 70.0;
const BOTTOM: f64 = 500.0;

/// One colour per system, in the order systems first appear.
const PALETTE: [&str; 8] = [
    "#2a9d4b", "#e07b00", "#3a6fc4", "#b03a8c", "#8c6d1f", "#5b5b5b", "#c43a3a", "#2aa1a1",
];

/// The chart of `results`; an empty chart (axes and a note) when nothing was measured.
pub fn render(results: &Results) -> String {
    // (system, shape) -> measurements in task order.
    let mut series: BTreeMap<(usize, Option<Shape>, &str, &str), Vec<&Measurement>> =
        BTreeMap::new();
    let mut systems: Vec<&str> = Vec::new();
    for measurement in &results.measurements {
        let system = measurement.system.as_str();
        if !systems.contains(&system) {
            systems.push(system);
        }
        let order = systems.iter().position(|s| *s == system).unwrap_or(0);
        series
            .entry((
                order,
                measurement.shape.parse().ok(),
                system,
                &measurement.shape,
            ))
            .or_default()
            .push(measurement);
    }
    for points in series.values_mut() {
        points.sort_by_key(|m| m.tasks);
    }

    let tasks = results.measurements.iter().map(|m| m.tasks.max(1) as f64);
    let bytes = results.measurements.iter().flat_map(|m| {
        [Some(m.measured_bytes), m.predicted_bytes]
            .into_iter()
            .flatten()
            .map(|b| b.max(1) as f64)
    });
    let x = Axis::spanning(tasks, 1_000.0);
    let y = Axis::spanning(bytes, 1e6);

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="12" y="24" font-size="16" font-weight="bold">A million tasks: resident memory against concurrent tasks</text>"#
    );
    let _ = writeln!(
        svg,
        r##"<text x="12" y="44" fill="#555555">log scales; wide: measured (growth of VmRSS), dashed: predicted before spawning; {} build</text>"##,
        escape(&results.build)
    );
    draw_axes(&mut svg, &x, &y);

    for ((order, _, system, shape), points) in &series {
        let colour = PALETTE[order % PALETTE.len()];
        let square = shape.parse() == Ok(Shape::Buffer);
        let at = |tasks: u64, bytes: u64| {
            (
                LEFT + x.at(tasks as f64) * (RIGHT - LEFT),
                BOTTOM - y.at(bytes as f64) * (BOTTOM - TOP),
            )
        };
        let measured: Vec<(f64, f64)> = points
            .iter()
            .map(|m| at(m.tasks, m.measured_bytes))
            .collect();
        let predicted: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|m| Some(at(m.tasks, m.predicted_bytes?)))
            .collect();
        polyline(&mut svg, &measured, colour, "measured", system, shape);
        polyline(&mut svg, &predicted, colour, "predicted", system, shape);
        for (m, &(px, py)) in points.iter().zip(&measured) {
            let data = format!(
                r#"data-system="{}" data-shape="{}" data-tasks="{}" data-bytes="{}""#,
                escape(system),
                escape(shape),
                m.tasks,
                m.measured_bytes
            );
            let _ = if square {
                writeln!(
                    svg,
                    r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="{colour}" {data}/>"#,
                    px - 3.5,
                    py - 3.5
                )
            } else {
                writeln!(
                    svg,
                    r#"<circle cx="{px:.1}" cy="{py:.1}" r="3.5" fill="{colour}" {data}/>"#
                )
            };
        }
    }

    // The legend: one colour per system; the markers tell the shapes apart.
    let mut row = TOP;
    for (order, system) in systems.iter().enumerate() {
        let colour = PALETTE[order % PALETTE.len()];
        let _ = writeln!(
            svg,
            r#"<line x1="{}" y1="{row}" x2="{}" y2="{row}" stroke="{colour}" stroke-width="4" stroke-opacity="0.45"/>"#,
            RIGHT + 20.0,
            RIGHT + 44.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}">{}</text>"#,
            RIGHT + 50.0,
            row + 4.0,
            escape(system)
        );
        row += 20.0;
    }
    if series.is_empty() {
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" fill="#555555">nothing was measured</text>"##,
            LEFT + 20.0,
            TOP + 30.0
        );
    } else {
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" fill="#555555">circles: sleep; squares: buffer</text>"##,
            RIGHT + 20.0,
            row + 10.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// A log-scale axis over whole decades.
struct Axis {
    /// log10 of the lowest and highest decade shown.
    low: f64,
    high: f64,
}

impl Axis {
    /// The decades around every value of `values` (`fallback` alone when there are none).
    fn spanning(values: impl Iterator<Item = f64>, fallback: f64) -> Self {
        let (low, high) = values.fold((f64::MAX, f64::MIN), |(low, high), value| {
            (low.min(value), high.max(value))
        });
        let (low, high) = if low > high {
            (fallback, fallback)
        } else {
            (low, high)
        };
        let low = low.log10().floor();
        let high = high.log10().ceil().max(low + 1.0);
        Axis { low, high }
    }

    /// Where `value` falls, from 0 (the lowest decade) to 1 (the highest).
    fn at(&self, value: f64) -> f64 {
        (value.max(1.0).log10() - self.low) / (self.high - self.low)
    }

    /// The decades shown, as powers of ten.
    fn decades(&self) -> impl Iterator<Item = i32> {
        (self.low as i32)..=(self.high as i32)
    }
}

fn draw_axes(svg: &mut String, x: &Axis, y: &Axis) {
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{TOP}" width="{}" height="{}" fill="none" stroke="#999999"/>"##,
        RIGHT - LEFT,
        BOTTOM - TOP
    );
    for decade in x.decades() {
        let px = LEFT + x.at(10f64.powi(decade)) * (RIGHT - LEFT);
        let _ = writeln!(
            svg,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{BOTTOM}" stroke="#e4e4e4"/>"##
        );
        let _ = writeln!(
            svg,
            r#"<text x="{px:.1}" y="{}" text-anchor="middle">{}</text>"#,
            BOTTOM + 18.0,
            count_label(decade)
        );
    }
    for decade in y.decades() {
        let py = BOTTOM - y.at(10f64.powi(decade)) * (BOTTOM - TOP);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{RIGHT}" y2="{py:.1}" stroke="#e4e4e4"/>"##
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            py + 4.0,
            bytes_label(decade)
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">concurrent tasks</text>"#,
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 40.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">resident memory</text>"#,
        (TOP + BOTTOM) / 2.0,
        (TOP + BOTTOM) / 2.0
    );
}

/// A line through `points`: a wide translucent band when measured, a thin dashed line on top
/// of it when predicted (so a prediction on the measurement still shows); nothing for no points.
fn polyline(
    svg: &mut String,
    points: &[(f64, f64)],
    colour: &str,
    kind: &str,
    system: &str,
    shape: &str,
) {
    if points.is_empty() {
        return;
    }
    let coordinates: Vec<String> = points
        .iter()
        .map(|&(px, py)| format!("{px:.1},{py:.1}"))
        .collect();
    let style = if kind == "predicted" {
        r#"stroke-width="1.5" stroke-dasharray="6 4""#
    } else {
        r#"stroke-width="4" stroke-opacity="0.45""#
    };
    let _ = writeln!(
        svg,
        r#"<polyline points="{}" fill="none" stroke="{colour}" {style} data-series="{kind}" data-system="{}" data-shape="{}"/>"#,
        coordinates.join(" "),
        escape(system),
        escape(shape)
    );
}

/// `10^decade` tasks: `1k`, `10k`, `1M`.
fn count_label(decade: i32) -> String {
    match decade {
        d if d >= 9 => format!("{}G", 10i64.pow((d - 9) as u32)),
        d if d >= 6 => format!("{}M", 10i64.pow((d - 6) as u32)),
        d if d >= 3 => format!("{}k", 10i64.pow((d - 3) as u32)),
        d if d >= 0 => 10i64.pow(d as u32).to_string(),
        _ => String::new(),
    }
}

/// `10^decade` bytes in decimal units, as the public benchmarks report them: `1 MB`, `10 GB`.
fn bytes_label(decade: i32) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    if decade < 0 {
        return String::new();
    }
    let unit = (decade as usize / 3).min(UNITS.len() - 1);
    let value = 10i64.pow((decade as usize - unit * 3) as u32);
    format!("{value} {}", UNITS[unit])
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
