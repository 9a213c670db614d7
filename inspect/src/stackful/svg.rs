//! The SVG rendering of a [`Comparison`]: one horizontal bar per system, widths to scale
//! (memory per instance), labelled with the system and the figure, and the projection for a
//! million instances beside it.
//!
//! Each bar is a `<rect class="bar">` carrying `data-system` and `data-bytes`, so tests (and
//! anyone post-processing the picture) can read the numbers back.

use std::fmt::Write as _;

use crate::svg::escape;

use super::comparison::{Comparison, bytes, count};

const WIDTH: u32 = 900;
const LABEL_WIDTH: u32 = 250;
const BAR_AREA: f64 = 420.0;
const BAR_HEIGHT: u32 = 22;
const ROW_GAP: u32 = 12;
const TOP: u32 = 64;

pub(crate) fn render(comparison: &Comparison) -> String {
    let largest = comparison
        .footprints
        .iter()
        .map(|footprint| footprint.committed)
        .max()
        .unwrap_or(1)
        .max(1);
    let millions = comparison
        .projections
        .iter()
        .map(|projection| projection.instances)
        .max();
    let rows = comparison.footprints.len() as u32;
    let height = TOP + rows * (BAR_HEIGHT + ROW_GAP) + 8;
    let mut svg = crate::svg::open(WIDTH, height, 13);
    let _ = writeln!(
        svg,
        r#"<text x="12" y="24" font-size="16" font-weight="bold">{}: memory per concurrent instance</text>"#,
        escape(&comparison.function)
    );
    let _ = writeln!(
        svg,
        r##"<text x="12" y="44" fill="#555555">bars to scale; green: stackless, orange: a stack per instance ({} touched when measured on a {} stack)</text>"##,
        bytes(comparison.stack.high_water as u64),
        bytes(comparison.stack.stack_size as u64)
    );
    if let Some(instances) = millions {
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" fill="#555555" font-weight="bold">x {}</text>"##,
            LABEL_WIDTH + BAR_AREA as u32 + 110,
            TOP - 6,
            count(instances)
        );
    }
    for (row, footprint) in comparison.footprints.iter().enumerate() {
        let y = TOP + row as u32 * (BAR_HEIGHT + ROW_GAP);
        let width = (footprint.committed as f64 / largest as f64 * BAR_AREA).max(1.0);
        // The first two rows are stackless (the future, the tokio task); the rest are stacks.
        let colour = if row < 2 { "#2e7d32" } else { "#e65100" };
        let _ = writeln!(
            svg,
            r#"<text x="12" y="{}">{}</text>"#,
            y + BAR_HEIGHT - 6,
            escape(&footprint.system)
        );
        let _ = writeln!(
            svg,
            r#"<rect class="bar" data-system="{}" data-bytes="{}" x="{LABEL_WIDTH}" y="{y}" width="{width:.2}" height="{BAR_HEIGHT}" fill="{colour}"/>"#,
            escape(&footprint.system),
            footprint.committed,
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.2}" y="{}">{}</text>"#,
            LABEL_WIDTH as f64 + width + 6.0,
            y + BAR_HEIGHT - 6,
            bytes(footprint.committed as u64)
        );
        if let Some(instances) = millions {
            let total = (footprint.committed as u64).saturating_mul(instances);
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{}" fill="#555555">{}</text>"##,
                LABEL_WIDTH + BAR_AREA as u32 + 110,
                y + BAR_HEIGHT - 6,
                bytes(total)
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::FutureSize;
    use crate::stackful::models::Footprint;
    use crate::stackful::stack::StackUsage;

    fn comparison() -> Comparison {
        let footprint = |system: &str, committed| Footprint {
            system: system.to_owned(),
            committed,
            reserved: committed,
            detail: String::new(),
        };
        Comparison::from_footprints(
            "app::<fetch>",
            FutureSize {
                size: 64,
                align: 8,
                overhead: 8,
            },
            StackUsage {
                high_water: 3000,
                stack_size: 262_144,
                polls: 3,
            },
            vec![
                footprint("the future", 72),
                footprint("a & b", 200),
                footprint("thread", 20_480),
            ],
        )
    }

    /// (system, bytes, width) of every bar.
    fn bars(svg: &str) -> Vec<(String, u64, f64)> {
        svg.lines()
            .filter(|line| line.starts_with(r#"<rect class="bar""#))
            .map(|line| {
                let attribute = |name: &str| {
                    let start = line.find(&format!(r#" {name}=""#)).expect(name) + name.len() + 3;
                    line[start..].split('"').next().unwrap().to_owned()
                };
                (
                    attribute("data-system"),
                    attribute("data-bytes").parse().unwrap(),
                    attribute("width").parse().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn every_footprint_has_a_labelled_bar_to_scale() {
        let svg = comparison().to_svg();
        let bars = bars(&svg);
        assert_eq!(bars.len(), 3);
        assert_eq!(bars[1].0, "a &amp; b");
        let (_, largest_bytes, largest_width) = bars[2].clone();
        assert_eq!(largest_width, BAR_AREA);
        for (system, bytes, width) in &bars {
            let expected = (*bytes as f64 / largest_bytes as f64 * BAR_AREA).max(1.0);
            assert!(
                (width - expected).abs() < 0.01,
                "{system}: {width} != {expected}"
            );
        }
        assert!(svg.contains("20.0 KiB"));
        assert!(svg.contains("app::&lt;fetch&gt;"));
    }

    #[test]
    fn the_document_is_balanced() {
        let svg = comparison().to_svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        let opened = svg.matches("<text").count();
        assert_eq!(opened, svg.matches("</text>").count());
        assert!(
            !svg.replace("&amp;", "")
                .replace("&lt;", "")
                .replace("&gt;", "")
                .replace("&quot;", "")
                .contains('&')
        );
    }
}
