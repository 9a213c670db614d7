//! A picture of an `async fn`'s states: one box per state, left to right in the
//! order a run passes through them, each listing what that state keeps, and under
//! them the arguments every state keeps. Drawn from `cargo stackless layout`'s
//! analysis of the function.

use std::fmt::Write as _;

use stackless_inspect::layout_command::analysis::{
    FunctionLayout, SlotKind, StateLayout,
};

const BOX_WIDTH: f64 = 170.0;
const GAP: f64 = 26.0;
const LEFT: f64 = 10.0;
const TOP: f64 = 44.0;
const LINE: f64 = 17.0;

/// One box of the picture.
struct StateBox {
    title: String,
    subtitle: String,
    lines: Vec<String>,
    suspended: bool,
}

/// The picture of `function`'s states, for a function whose awaits run in source
/// order (no loops or branches between them).
pub fn render(function: &FunctionLayout) -> String {
    let mut boxes = vec![StateBox {
        title: "Unresumed".to_owned(),
        subtitle: "called, not yet polled".to_owned(),
        lines: vec!["only the arguments".to_owned()],
        suspended: false,
    }];
    boxes.extend(function.states.iter().map(suspended_box));
    boxes.push(StateBox {
        title: "Returned".to_owned(),
        subtitle: "the output was handed out".to_owned(),
        lines: vec!["nothing alive".to_owned()],
        suspended: false,
    });
    let edges: Vec<String> = std::iter::once("first poll".to_owned())
        .chain(
            function
                .states
                .iter()
                .map(|state| match &state.await_point {
                    Some(site) => {
                        format!("{} ready", expression(site.expression.as_deref()))
                    }
                    None => "ready".to_owned(),
                }),
        )
        .collect();

    let lines = boxes.iter().map(|b| b.lines.len()).max().unwrap_or(1) as f64;
    let box_height = 62.0 + lines * LINE;
    let width = LEFT * 2.0
        + boxes.len() as f64 * BOX_WIDTH
        + (boxes.len() - 1) as f64 * GAP;
    let prefix_top = TOP + box_height + 22.0;
    let height = prefix_top + 40.0;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#424242"/></marker></defs>"##
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="18" font-weight="bold">{} ({} B): its states, and what each keeps</text>"##,
        escape(&function.name),
        function.size
    );
    for (index, state) in boxes.iter().enumerate() {
        let x = LEFT + index as f64 * (BOX_WIDTH + GAP);
        draw_box(&mut svg, x, box_height, state);
        if let Some(label) = edges.get(index) {
            let y = TOP + 30.0;
            let _ = writeln!(
                svg,
                r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#424242" stroke-width="1.5" marker-end="url(#arrow)"/>"##,
                x + BOX_WIDTH,
                x + BOX_WIDTH + GAP - 1.0
            );
            // The label sits over the arrow's target box, where there is room for
            // it.
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{}" fill="#424242" font-size="11">{}</text>"##,
                x + BOX_WIDTH + 4.0,
                TOP - 6.0,
                escape(&format!("→ {label}"))
            );
        }
    }
    let prefix: Vec<String> = function
        .prefix
        .iter()
        .map(|slot| format!("{} {} B", slot.name, slot.size))
        .collect();
    let shared = if prefix.is_empty() {
        "in every state: nothing (no arguments)".to_owned()
    } else {
        format!("in every state, the arguments: {}", prefix.join(", "))
    };
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{prefix_top}" width="{}" height="26" rx="4" fill="#eeeeee" stroke="#9e9e9e"/>"##,
        width - 2.0 * LEFT
    );
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" fill="#424242">{}</text>"##,
        LEFT + 10.0,
        prefix_top + 17.0,
        escape(&shared)
    );
    svg.push_str("</svg>\n");
    svg
}

fn suspended_box(state: &StateLayout) -> StateBox {
    let subtitle = match &state.await_point {
        Some(site) => {
            format!("parked at {}.await", expression(site.expression.as_deref()))
        }
        None => "parked at an await".to_owned(),
    };
    let awaited = state
        .await_point
        .as_ref()
        .map_or("?", |site| expression(site.expression.as_deref()));
    let kept: Vec<(String, u64)> = state
        .slots
        .iter()
        .filter(|slot| slot.kind != SlotKind::Padding)
        .map(|slot| match slot.kind {
            SlotKind::Awaitee => (format!("{awaited} (awaited)"), slot.size),
            _ => (slot.name.clone(), slot.size),
        })
        .collect();
    // Monospaced, sizes in one column.
    let name_width = kept.iter().map(|(name, _)| name.chars().count()).max();
    let lines = kept
        .iter()
        .map(|(name, size)| {
            format!(
                "{name:<width$} {size:>3} B",
                width = name_width.unwrap_or(0)
            )
        })
        .collect();
    StateBox {
        title: state.variant.clone(),
        subtitle,
        lines,
        suspended: true,
    }
}

fn draw_box(svg: &mut String, x: f64, height: f64, state: &StateBox) {
    let (fill, stroke) = if state.suspended {
        ("#e3f2fd", "#1565c0")
    } else {
        ("#f5f5f5", "#757575")
    };
    let _ = writeln!(
        svg,
        r##"<rect x="{x}" y="{TOP}" width="{BOX_WIDTH}" height="{height}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" font-weight="bold">{}</text>"##,
        x + 10.0,
        TOP + 18.0,
        escape(&state.title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" fill="#424242" font-size="11">{}</text>"##,
        x + 10.0,
        TOP + 34.0,
        escape(&state.subtitle)
    );
    for (index, line) in state.lines.iter().enumerate() {
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" font-family="monospace" font-size="11.5" xml:space="preserve">{}</text>"##,
            x + 10.0,
            TOP + 56.0 + index as f64 * LINE,
            escape(line)
        );
    }
    if state.suspended {
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" fill="#616161" font-size="10.5" font-style="italic">polled, still pending: stays here</text>"##,
            x + 10.0,
            TOP + height - 8.0
        );
    }
}

fn expression(text: Option<&str>) -> &str {
    text.unwrap_or("?")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
