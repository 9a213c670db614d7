//! What can be checked without timing anything: the size goals, in the build under test, and
//! that the checked-in tables (`book/src/generated/overhead.*`, written by
//! `cargo run --release -p stackless-overhead --bin overhead -- --out book/src/generated`) are
//! current: their sizes are this build's, and their markdown and chart render from their JSON.
//!
//! Sizes depend on the compiler; these were produced by rustc 1.95. They are the same in the
//! dev and release profiles for these shapes, which is why a debug test can check the release
//! run's table (the runner measures release builds). The times in the tables are measurements
//! of one machine on one date and are not checked; the instruction counts are
//! (`tests/instructions.rs`).

use stackless_overhead::drive::future_size;
use stackless_overhead::variant::{Shape, Variant};
use stackless_overhead::{chart, markdown};

mod support;
use support::{REGENERATE, checked_in_report, generated};

fn added(shape: Shape, variant: Variant) -> i64 {
    future_size(shape, variant) as i64 - future_size(shape, Variant::Plain) as i64
}

#[cfg(feature = "inspect")]
#[test]
fn stackless_adds_at_most_8_bytes_and_fewer_than_every_peer() {
    use stackless_overhead::report::MAX_ADDED_BYTES;

    for shape in Shape::ALL {
        let ours = added(shape, Variant::Stackless);
        assert!(
            (0..=MAX_ADDED_BYTES as i64).contains(&ours),
            "{shape:?}: stackless adds {ours} B"
        );
        for peer in [
            Variant::AsyncBacktrace,
            Variant::AwaitTree,
            Variant::Tracing,
        ] {
            let theirs = added(shape, peer);
            assert!(
                ours < theirs,
                "{shape:?}: stackless adds {ours} B, {peer:?} {theirs} B"
            );
        }
    }
}

/// With `cargo test -p stackless-overhead --no-default-features`: the attribute is gone.
#[cfg(not(feature = "inspect"))]
#[test]
fn stackless_off_adds_nothing() {
    for shape in Shape::ALL {
        assert_eq!(added(shape, Variant::StacklessOff), 0, "{shape:?}");
    }
}

#[test]
fn the_checked_in_sizes_are_this_builds() {
    let report = checked_in_report();
    assert_eq!(report.sizes.len(), Shape::ALL.len());
    let mut checked = 0;
    for row in &report.sizes {
        let stale = |variant: Variant, recorded: usize| {
            format!(
                "{:?} {variant:?}: the table says {recorded} B, this build {} B; regenerate with `{REGENERATE}`",
                row.shape,
                future_size(row.shape, variant)
            )
        };
        assert_eq!(
            row.plain,
            future_size(row.shape, Variant::Plain),
            "{}",
            stale(Variant::Plain, row.plain)
        );
        for cell in &row.variants {
            // One build has stackless on or off, not both.
            if Variant::in_this_build().contains(&cell.variant) {
                let now = future_size(row.shape, cell.variant);
                assert_eq!(cell.bytes, now, "{}", stale(cell.variant, cell.bytes));
                assert_eq!(cell.added, now as i64 - row.plain as i64);
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked,
        Shape::ALL.len() * 4,
        "plain, stackless and three peers per shape"
    );
}

#[test]
fn the_checked_in_tables_and_chart_render_from_the_checked_in_json() {
    let report = checked_in_report();
    assert!(
        !report.quick,
        "the checked-in report is a quick run's; regenerate with `{REGENERATE}`"
    );
    let mut rechecked = report.clone();
    rechecked.check_goals();
    assert!(
        rechecked.goals == report.goals,
        "the checked-in goals are not what the numbers give now; render again with \
         `cargo run --release -p stackless-overhead --bin overhead -- --render \
         book/src/generated/overhead.json --out book/src/generated`"
    );
    for (file, rendered) in [
        ("overhead.md", markdown::render(&report)),
        ("overhead.svg", chart::render(&report)),
    ] {
        let path = generated(file);
        let checked_in = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert!(
            checked_in == rendered,
            "{} does not render from overhead.json; regenerate with `{REGENERATE}`",
            path.display()
        );
    }
}
