//! Renderings of a [`LayoutReport`]: text for the terminal, JSON, and an SVG memory map.
//!
//! The text uses no colour (so `NO_COLOR` is always honoured) and no terminal width tricks:
//! it reads the same in a terminal, a CI log and a snapshot.

use std::fmt::{self, Write as _};

use super::analysis::{FunctionLayout, LayoutReport, Slot, SlotKind, StateLayout};
use crate::svg::escape;
use crate::table::Table;

/// The report as text.
pub fn text(report: &LayoutReport) -> String {
    let mut out = String::new();
    if report.functions.is_empty() {
        out.push_str("no async state machines matched\n");
    }
    for (at, function) in report.functions.iter().enumerate() {
        if at > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{}", FunctionText(function));
    }
    if report.skipped_lines > 0 {
        let _ = writeln!(
            out,
            "\n({} lines of rustc's output were not understood and were skipped)",
            report.skipped_lines
        );
    }
    out
}

/// The report as pretty-printed JSON.
pub fn json(report: &LayoutReport) -> String {
    serde_json::to_string_pretty(report).expect("a layout report is always serialisable")
}

struct FunctionText<'a>(&'a FunctionLayout);

impl fmt::Display for FunctionText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let function = self.0;
        write!(f, "{}", function.name)?;
        if let Some(location) = &function.location {
            write!(f, "  ({location})")?;
        }
        write!(f, "  {} bytes, align {}", function.size, function.align)?;
        match function.instrumentation {
            Some(extra) => writeln!(f, ", +{extra} bytes instrumentation")?,
            None => writeln!(f)?,
        }
        if !function.inspected {
            writeln!(
                f,
                "  (not inspected: states are labelled by what they await, not by source line)"
            )?;
        }
        let prefix: u64 = function.prefix.iter().map(|slot| slot.size).sum();
        if function.prefix.is_empty() {
            writeln!(f, "  shared prefix: none (no captured arguments)")?;
        } else {
            writeln!(f, "  shared prefix, in every state ({prefix} B):")?;
            slot_table(&function.prefix).write(f, "    ")?;
        }
        if function.states.is_empty() {
            writeln!(
                f,
                "  no await points: the future completes on its first poll"
            )?;
        }
        for (index, state) in function.states.iter().enumerate() {
            writeln!(
                f,
                "  {}",
                state_heading(
                    state,
                    function.largest_state == Some(index),
                    function.inspected
                )
            )?;
            slot_table(&state.slots).write(f, "    ")?;
        }
        if !function.diagnostics.is_empty() {
            writeln!(f, "  diagnostics:")?;
            for diagnostic in &function.diagnostics {
                match &diagnostic.location {
                    Some(location) => writeln!(f, "    {location}: {}", diagnostic.message)?,
                    None => writeln!(f, "    {}", diagnostic.message)?,
                }
                writeln!(f, "      fix: {}", diagnostic.fix)?;
            }
        }
        Ok(())
    }
}

fn state_heading(state: &StateLayout, largest: bool, inspected: bool) -> String {
    let mut heading = match &state.await_point {
        Some(site) => format!(
            "{}  await #{} at {}: {}.await",
            state.variant,
            site.index,
            site.location,
            site.expression.as_deref().unwrap_or("?")
        ),
        None => match state
            .slots
            .iter()
            .find(|slot| slot.kind == SlotKind::Awaitee)
        {
            Some(_) if !inspected => state.variant.clone(),
            _ => format!("{}  (an await the macro could not label)", state.variant),
        },
    };
    let _ = write!(heading, "  {} B", state.size);
    if largest {
        heading.push_str("  <- largest");
    }
    heading
}

fn slot_table(slots: &[Slot]) -> Table<4> {
    let mut table = Table::new(["", "", "", ""]);
    table.right_align([2]);
    for slot in slots {
        let (what, name) = match slot.kind {
            SlotKind::Upvar => ("argument", slot.name.clone()),
            SlotKind::Local => ("local", slot.name.clone()),
            SlotKind::Awaitee => (
                "awaiting",
                slot.ty.clone().unwrap_or_else(|| "?".to_owned()),
            ),
            SlotKind::Padding => ("padding", String::new()),
        };
        table.row([
            what.to_owned(),
            name,
            format!("{} B", slot.size),
            format!("@{}", slot.offset),
        ]);
    }
    table.without_header();
    table
}

const WIDTH: f64 = 900.0;
const LABEL: f64 = 290.0;
const MAP: f64 = 560.0;
const ROW: f64 = 24.0;

/// The report as SVG: per function, one row per state laid over the same byte range, to scale,
/// so the overlap of states (and the prefix every state shares) is visible.
pub fn svg(report: &LayoutReport) -> String {
    let rows: usize = report
        .functions
        .iter()
        .map(|function| function.states.len() + 3)
        .sum();
    let height = 40.0 + rows as f64 * ROW;
    let mut svg = crate::svg::open(WIDTH, height, 12);
    let _ = writeln!(
        svg,
        r##"<text x="10" y="20" fill="#555555">each row is one state over the same bytes, to scale: grey argument (shared prefix), blue local, green awaited future, white padding</text>"##
    );
    let mut y = 40.0;
    for function in &report.functions {
        let _ = writeln!(
            svg,
            r#"<text x="10" y="{}" font-weight="bold">{} ({} B)</text>"#,
            y + 14.0,
            escape(&function.name),
            function.size
        );
        y += ROW;
        let scale = MAP / function.size.max(1) as f64;
        for (index, state) in function.states.iter().enumerate() {
            let label = match &state.await_point {
                Some(site) => format!("{} #{} line {}", state.variant, site.index, site.line),
                None => state.variant.clone(),
            };
            let marker = if function.largest_state == Some(index) {
                " (largest)"
            } else {
                ""
            };
            let _ = writeln!(
                svg,
                r#"<text x="20" y="{}">{}{marker}</text>"#,
                y + 14.0,
                escape(&label)
            );
            for slot in function.prefix.iter().chain(&state.slots) {
                let (fill, stroke) = match slot.kind {
                    SlotKind::Upvar => ("#9e9e9e", "#616161"),
                    SlotKind::Local => ("#1565c0", "#0d47a1"),
                    SlotKind::Awaitee => ("#2e7d32", "#1b5e20"),
                    SlotKind::Padding => ("#ffffff", "#bdbdbd"),
                };
                let _ = writeln!(
                    svg,
                    r#"<rect class="slot" data-state="{}" data-kind="{}" data-name="{}" data-offset="{}" data-size="{}" x="{:.2}" y="{}" width="{:.2}" height="{}" fill="{fill}" stroke="{stroke}" stroke-width="0.5"><title>{} {} B at {}</title></rect>"#,
                    escape(&state.variant),
                    kind_name(slot.kind),
                    escape(&slot.name),
                    slot.offset,
                    slot.size,
                    LABEL + slot.offset as f64 * scale,
                    y + 3.0,
                    (slot.size as f64 * scale).max(0.5),
                    ROW - 6.0,
                    escape(&slot.name),
                    slot.size,
                    slot.offset
                );
            }
            y += ROW;
        }
        y += ROW;
    }
    svg.push_str("</svg>\n");
    svg
}

fn kind_name(kind: SlotKind) -> &'static str {
    match kind {
        SlotKind::Upvar => "argument",
        SlotKind::Local => "local",
        SlotKind::Awaitee => "awaitee",
        SlotKind::Padding => "padding",
    }
}
