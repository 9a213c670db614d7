//! `overhead.svg`: what each system adds over plain, as horizontal bars, one panel per
//! measure (bytes per future, ns per poll by hand, ns per poll on tokio), one group of bars per
//! shape, one bar per system.
//!
//! Every bar is a `<rect>` carrying `data-panel`, `data-shape`, `data-variant` and `data-value`,
//! so a test (or a reader) can read the numbers back. A bar far longer than the rest is cut at
//! the panel's edge and marked, its value written beside it.

use std::fmt::Write as _;

use crate::measure::Group;
use crate::report::Report;
use crate::variant::{Shape, Variant};

const PANEL_WIDTH: f64 = 330.0;
const PANEL_GAP: f64 = 30.0;
const LEFT: f64 = 20.0;
const TOP: f64 = 110.0;
const BAR: f64 = 11.0;
const CAPTION: f64 = 16.0;
const GROUP_GAP: f64 = 12.0;
/// Room right of the longest bar for its value.
const VALUE_ROOM: f64 = 60.0;

/// The instrumented columns, with their colours.
const SERIES: [(Variant, &str); 5] = [
    (Variant::Stackless, "#2a9d4b"),
    (Variant::StacklessOff, "#9bd3a8"),
    (Variant::AsyncBacktrace, "#e07b00"),
    (Variant::AwaitTree, "#3a6fc4"),
    (Variant::Tracing, "#b03a8c"),
];

/// One panel: a value per shape and variant.
struct Panel {
    key: &'static str,
    title: &'static str,
    unit: &'static str,
    decimals: usize,
    values: Vec<(Shape, Variant, f64)>,
}

/// The chart of `report`.
pub fn render(report: &Report) -> String {
    let panels = panels(report);
    let series: Vec<(Variant, &str)> = SERIES
        .iter()
        .copied()
        .filter(|(variant, _)| {
            panels
                .iter()
                .any(|p| p.values.iter().any(|(_, v, _)| v == variant))
        })
        .collect();
    let group_height = CAPTION + series.len() as f64 * BAR + GROUP_GAP;
    let width = LEFT * 2.0 + panels.len() as f64 * (PANEL_WIDTH + PANEL_GAP);
    let height = TOP + 30.0 + Shape::ALL.len() as f64 * group_height + 20.0;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    svg.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="26" font-size="16" font-weight="bold">What each attribute adds over the plain async fn</text>"#
    );
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="46" fill="#555555">{}; {} builds; lower is better</text>"##,
        escape(&report.measured_on.summary()),
        escape(&report.profile)
    );
    let mut x = LEFT;
    for (variant, colour) in &series {
        let _ = writeln!(
            svg,
            r#"<rect x="{x}" y="62" width="12" height="12" fill="{colour}"/><text x="{}" y="72">{}</text>"#,
            x + 16.0,
            escape(variant.label())
        );
        x += 30.0 + 7.0 * variant.label().len() as f64;
    }
    for (index, panel) in panels.iter().enumerate() {
        let left = LEFT + index as f64 * (PANEL_WIDTH + PANEL_GAP);
        draw_panel(&mut svg, panel, &series, left, group_height);
    }
    svg.push_str("</svg>\n");
    svg
}

fn panels(report: &Report) -> Vec<Panel> {
    let sizes = report
        .sizes
        .iter()
        .flat_map(|row| {
            row.variants
                .iter()
                .map(move |cell| (row.shape, cell.variant, cell.added as f64))
        })
        .collect();
    let added = |group| {
        report
            .group(group)
            .flat_map(|b| {
                b.variants
                    .iter()
                    .filter(|c| c.variant != Variant::Plain)
                    .map(move |c| (b.shape, c.variant, c.added_ns_per_poll))
            })
            .collect::<Vec<_>>()
    };
    let mut panels = vec![Panel {
        key: "bytes",
        title: "bytes added per future",
        unit: "B",
        decimals: 0,
        values: sizes,
    }];
    for (group, key, title) in [
        (Group::ByHand, "by_hand", "ns added per poll, by hand"),
        (
            Group::CurrentThread,
            "current_thread",
            "ns added per poll, tokio current-thread",
        ),
    ] {
        let values = added(group);
        if !values.is_empty() {
            panels.push(Panel {
                key,
                title,
                unit: "ns",
                decimals: 1,
                values,
            });
        }
    }
    panels
}

fn draw_panel(
    svg: &mut String,
    panel: &Panel,
    series: &[(Variant, &str)],
    left: f64,
    group_height: f64,
) {
    let (low, high, cut) = scale(panel.values.iter().map(|(_, _, v)| *v));
    let plot = PANEL_WIDTH - VALUE_ROOM;
    let at = |value: f64| left + (value.clamp(low, high) - low) / (high - low) * plot;
    let zero = at(0.0);
    let bottom = TOP + 30.0 + Shape::ALL.len() as f64 * group_height;
    let _ = writeln!(
        svg,
        r#"<text x="{left}" y="{}" font-size="13" font-weight="bold">{}</text>"#,
        TOP,
        escape(panel.title)
    );
    let _ = writeln!(
        svg,
        r##"<line x1="{zero:.1}" y1="{}" x2="{zero:.1}" y2="{bottom}" stroke="#333333"/>"##,
        TOP + 12.0
    );
    for (group, shape) in Shape::ALL.iter().enumerate() {
        let top = TOP + 30.0 + group as f64 * group_height;
        let _ = writeln!(
            svg,
            r##"<text x="{left}" y="{:.1}" fill="#333333">{}</text>"##,
            top + 10.0,
            shape.key()
        );
        for (row, (variant, colour)) in series.iter().enumerate() {
            let Some(&(_, _, value)) = panel
                .values
                .iter()
                .find(|(s, v, _)| s == shape && v == variant)
            else {
                continue;
            };
            let y = top + CAPTION + row as f64 * BAR;
            let (from, to) = if value < 0.0 {
                (at(value), zero)
            } else {
                (zero, at(value))
            };
            let _ = writeln!(
                svg,
                r#"<rect x="{from:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{colour}" data-panel="{}" data-shape="{}" data-variant="{}" data-value="{value}"/>"#,
                (to - from).max(0.5),
                BAR - 2.0,
                panel.key,
                shape.key(),
                variant.key()
            );
            if value > cut {
                let _ = writeln!(
                    svg,
                    r##"<path d="M{:.1},{:.1} l4,-{:.1} M{:.1},{:.1} l4,-{:.1}" stroke="#ffffff" stroke-width="2"/>"##,
                    to - 14.0,
                    y + BAR - 2.0,
                    BAR - 2.0,
                    to - 9.0,
                    y + BAR - 2.0,
                    BAR - 2.0
                );
            }
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#333333">{} {}</text>"##,
                to.max(zero) + 3.0,
                y + BAR - 3.0,
                signed(value, panel.decimals),
                panel.unit
            );
        }
    }
}

/// The axis `(low, high)` for `values`, and the value past which a bar is cut: when the largest
/// is over three times the next, the axis ends a little past the next and the largest is cut.
fn scale(values: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    let low = values.first().copied().unwrap_or(0.0).min(0.0);
    let largest = values.last().copied().unwrap_or(1.0).max(f64::MIN_POSITIVE);
    let next = values
        .iter()
        .rev()
        .copied()
        .find(|&v| v < largest / 3.0)
        .filter(|&v| v > 0.0);
    let high = match next {
        Some(next) if values.iter().filter(|&&v| v >= largest / 3.0).count() <= 2 => next * 1.5,
        _ => largest,
    };
    let high = if high <= low { low + 1.0 } else { high };
    (low, high, high)
}

/// `value` with a sign and `decimals` decimals; one that rounds to zero is `0`, not `-0.0`.
fn signed(value: f64, decimals: usize) -> String {
    let rounded = format!("{value:+.decimals$}");
    if rounded
        .trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".to_owned()
    } else {
        rounded
    }
}

/// `text` with `&`, `<`, `>` and `"` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_sign_unless_they_round_to_zero() {
        assert_eq!(signed(-0.04, 1), "0");
        assert_eq!(signed(0.0, 0), "0");
        assert_eq!(signed(-0.06, 1), "-0.1");
        assert_eq!(signed(8.0, 0), "+8");
        assert_eq!(signed(12.34, 1), "+12.3");
    }

    #[test]
    fn an_outlier_is_cut_and_the_rest_keep_the_scale() {
        let (low, high, cut) = scale([8.0, 40.0, 80.0, 96.0, 1120.0].into_iter());
        assert_eq!((low, high, cut), (0.0, 144.0, 144.0));
        let (low, high, _) = scale([-0.5, 1.0, 2.0].into_iter());
        assert_eq!((low, high), (-0.5, 2.0));
    }
}
