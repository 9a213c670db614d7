//! The stackful comparison's text and JSON renderings, from fixed inputs (the same figures the
//! tour measures for `handle_request` in a debug build), so these snapshots change only when
//! the models or the renderings do. The SVG rendering is checked structurally in
//! `inspect/src/stackful/svg.rs`, and the tour's pictures in `tests/tour.rs`.

use stackless::models::Build;
use stackless::{Comparison, FutureSize, StackUsage};

fn handle_request(build: Build) -> Comparison {
    Comparison::new(
        "tour::handle_request",
        FutureSize {
            size: 4216,
            align: 8,
            overhead: 8,
        },
        StackUsage {
            high_water: 8728,
            stack_size: 256 * 1024,
            polls: 2,
        },
        build,
    )
}

#[test]
fn text_rendering() {
    insta::assert_snapshot!("handle_request_debug", handle_request(Build::Debug));
    // A release build keeps the same 4 KiB future inline in tokio's task cell.
    insta::assert_snapshot!("handle_request_release", handle_request(Build::Release));
}

#[test]
fn json_rendering() {
    insta::assert_snapshot!(
        "handle_request_json",
        handle_request(Build::Debug).to_json()
    );
}

#[test]
fn stackless_costs_less_than_every_stack_here() {
    let comparison = handle_request(Build::Release);
    let future = comparison.footprints[0].committed;
    for footprint in &comparison.footprints[2..] {
        assert!(footprint.committed > future, "{footprint:?}");
        assert!(footprint.reserved >= footprint.committed, "{footprint:?}");
    }
}
