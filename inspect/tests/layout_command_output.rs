//! What `cargo stackless layout` prints for the fixture crate `tests/fixtures/layout-crate`:
//! text and JSON as reviewed snapshots, the SVG checked structurally. The fixture has the
//! tour's shapes, one function per diagnostic, a generic function used with two types, an
//! inspected future awaiting another, and a plain `async fn` for `--all`. Sizes are rustc
//! 1.95's, debug build (the command builds with the dev profile unless `--release`).
//!
//! Needs the `cli` feature: `cargo test -p stackless-inspect --features cli`.

#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};

#[path = "../../tests/support/readme.rs"]
mod readme;
use std::sync::OnceLock;

use stackless_inspect::layout_command::analysis::{
    DiagnosticKind, LayoutReport, Selection, analyse,
};
use stackless_inspect::layout_command::{Captured, Command, capture, parse_args, render};
use stackless_inspect::type_sizes::{self, TypeSizes};

/// The fixture, built once per test binary (into the directory the driver's tests use).
fn captured() -> &'static (Captured, TypeSizes) {
    static CAPTURED: OnceLock<(Captured, TypeSizes)> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let manifest =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layout-crate/Cargo.toml");
        let target: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("layout-crate");
        let argv = [
            "cargo-stackless",
            "layout",
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--target-dir",
            target.to_str().unwrap(),
        ];
        let Command::Layout(options) = parse_args(argv).expect("valid arguments").command;
        let captured = capture(&options).expect("the fixture builds");
        let parsed = type_sizes::parse(&captured.type_sizes_text);
        (captured, parsed)
    })
}

fn report(filter: Option<&str>, all: bool) -> LayoutReport {
    let (captured, parsed) = captured();
    let selection = Selection {
        filter: filter.map(str::to_owned),
        all,
    };
    analyse(parsed, &captured.workspace_root, &selection)
}

#[test]
fn every_inspected_function_as_text() {
    insta::assert_snapshot!("inspected_text", render::text(&report(None, false)));
}

#[test]
fn every_inspected_function_as_json() {
    insta::assert_snapshot!(
        "inspected_json",
        render::json(&report(Some("checksum"), false))
    );
}

#[test]
fn all_state_machines_include_the_plain_ones() {
    let report = report(Some("plain_sum"), true);
    assert_eq!(report.functions.len(), 1, "{:?}", report.functions);
    insta::assert_snapshot!("plain_sum_text", render::text(&report));
}

#[test]
fn rustc_s_output_is_fully_understood() {
    assert_eq!(captured().1.skipped_lines, 0);
    assert_eq!(report(None, false).skipped_lines, 0);
}

#[test]
fn each_diagnostic_is_found_on_its_function() {
    let report = report(None, false);
    let kinds = |name: &str| -> Vec<DiagnosticKind> {
        report
            .functions
            .iter()
            .filter(|function| function.name == name)
            .flat_map(|function| {
                function
                    .diagnostics
                    .iter()
                    .map(|diagnostic| diagnostic.kind)
            })
            .collect()
    };
    assert_eq!(kinds("checksum"), [DiagnosticKind::ArgumentStoredTwice]);
    assert_eq!(kinds("held_twice"), [DiagnosticKind::FutureHeldTwice]);
    assert_eq!(kinds("held_once"), []);
    assert!(kinds("fetch").contains(&DiagnosticKind::LargeLocal));
    assert!(kinds("large_request").contains(&DiagnosticKind::LargeFuture));
}

#[test]
fn the_fix_for_a_future_held_twice_halves_it() {
    let report = report(Some("held_"), false);
    let size = |name: &str| {
        report
            .functions
            .iter()
            .find(|function| function.name == name)
            .unwrap()
            .size
    };
    assert!(
        size("held_once") * 3 < size("held_twice") * 2,
        "{} vs {}",
        size("held_once"),
        size("held_twice")
    );
}

#[test]
fn a_generic_function_has_one_layout_per_instantiation() {
    let report = report(Some("hold"), false);
    let mut sizes: Vec<u64> = report
        .functions
        .iter()
        .filter(|function| function.name == "hold")
        .map(|function| function.size)
        .collect();
    sizes.sort();
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert!(sizes[0] < sizes[1]);
    for function in report
        .functions
        .iter()
        .filter(|function| function.name == "hold")
    {
        assert!(
            function.instrumentation.is_some_and(|extra| extra <= 8),
            "{function:?}"
        );
    }
}

#[test]
fn states_are_joined_to_their_awaits_in_source_order() {
    let report = report(Some("outer"), false);
    let outer = &report.functions[0];
    let awaits: Vec<(u32, &str)> = outer
        .states
        .iter()
        .map(|state| {
            let site = state
                .await_point
                .as_ref()
                .expect("every state of an inspected fn is labelled");
            (site.index, site.expression.as_deref().unwrap_or("?"))
        })
        .collect();
    assert_eq!(
        awaits,
        [
            (0, "hold(1u8)"),
            (1, "hold([0u64; 16])"),
            (2, "fetch(\"nested\")")
        ]
    );
    let nested = outer.states[2]
        .slots
        .iter()
        .find_map(|slot| slot.ty.as_deref());
    assert_eq!(nested, Some("the future of `fetch` (inspected)"));
}

#[test]
fn the_svg_draws_every_state_to_scale() {
    let report = report(Some("fetch"), false);
    let svg = render::svg(&report);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    let fetch = &report.functions[0];
    let slots: Vec<&str> = svg
        .lines()
        .filter(|line| line.starts_with(r#"<rect class="slot""#))
        .collect();
    let expected: usize = fetch
        .states
        .iter()
        .map(|state| fetch.prefix.len() + state.slots.len())
        .sum();
    assert_eq!(slots.len(), expected);
    // The buffer is 1024 of the future's 1064 bytes: its bar is that share of the 560 px map.
    let buffer = slots
        .iter()
        .find(|line| line.contains(r#"data-name="buffer""#))
        .expect("buffer drawn");
    let width: f64 = buffer
        .split(" width=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((width - 1024.0 / 1064.0 * 560.0).abs() < 0.01, "{width}");
}

/// The README shows excerpts of this output; they must be what the command prints now.
#[test]
fn the_readme_excerpts_are_current() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README");
    let text = render::text(&report(None, false));
    let excerpts = readme::excerpts(&readme, "layout-output");
    assert!(!excerpts.is_empty(), "README.md marks its layout excerpts");
    for excerpt in excerpts {
        assert!(
            text.contains(excerpt),
            "README.md's layout excerpt is stale; replace it with the matching part of \
             `cargo stackless layout --manifest-path inspect/tests/fixtures/layout-crate/Cargo.toml`:\n{excerpt}"
        );
    }
}
