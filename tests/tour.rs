//! `cargo run --example tour`, the README's main command, end to end: its whole output is a
//! reviewed snapshot. Sizes come from rustc 1.95 and differ between debug and release builds,
//! so each profile has its own snapshot.

use std::process::Command;

#[path = "support/readme.rs"]
mod readme;

/// The tour's stdout in this build's profile, passing `args` to it.
fn run_tour(profile: &str, args: &[&str]) -> String {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["run", "--quiet", "--example", "tour"]);
    if profile == "release" {
        cargo.arg("--release");
    }
    cargo.arg("--").args(args);
    let output = cargo
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the tour failed:\n{stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

#[test]
fn the_tour_prints_the_reviewed_walkthrough() {
    let profile = profile();
    let stdout = run_tour(profile, &[]);
    insta::with_settings!({ snapshot_suffix => profile }, {
        insta::assert_snapshot!("tour", stdout);
    });
}

/// The README shows excerpts of the tour (debug build); they must be what the tour prints.
#[test]
fn the_readme_excerpts_are_current() {
    if profile() != "debug" {
        return; // the excerpts' sizes are the debug build's
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let excerpts = readme::excerpts(&readme, "tour-output");
    assert!(!excerpts.is_empty(), "README.md marks its tour excerpts");
    let tour = run_tour("debug", &[]);
    for excerpt in excerpts {
        assert!(
            tour.contains(excerpt),
            "README.md's tour excerpt is stale; replace it with the matching part of \
             `cargo run --example tour`:\n{excerpt}"
        );
    }
}

/// The comparison pictures under `book/src/generated/` are what the tour draws now (debug
/// build). Regenerate with `cargo run --example tour -- --svg book/src/generated`.
#[test]
fn the_checked_in_comparison_pictures_are_current() {
    if profile() != "debug" {
        return; // the pictures show the debug build's sizes
    }
    let fresh = std::env::temp_dir().join(format!("stackless-tour-svg-{}", std::process::id()));
    run_tour(
        "debug",
        &["--svg", fresh.to_str().expect("UTF-8 temp path")],
    );
    let checked_in = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/generated");
    for name in ["handle_request.svg", "checksum.svg"] {
        let now = std::fs::read_to_string(fresh.join(name)).expect("the tour drew it");
        let kept = std::fs::read_to_string(checked_in.join(name)).unwrap_or_default();
        assert!(
            now == kept,
            "book/src/generated/{name} is stale: run `cargo run --example tour -- --svg book/src/generated`"
        );
    }
    std::fs::remove_dir_all(fresh).ok();
}
