//! `cargo run --example tour`, the README's main command, end to end: its whole output is a
//! reviewed snapshot. Sizes come from rustc 1.95 and differ between debug and release builds,
//! so each profile has its own snapshot.

use std::process::Command;

/// The tour's stdout in this build's profile.
fn run_tour(profile: &str) -> String {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["run", "--quiet", "--example", "tour"]);
    if profile == "release" {
        cargo.arg("--release");
    }
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
    let stdout = run_tour(profile);
    insta::with_settings!({ snapshot_suffix => profile }, {
        insta::assert_snapshot!("tour", stdout);
    });
}

/// The README shows an excerpt of the tour (debug build); it must be what the tour prints.
#[test]
fn the_readme_excerpt_is_current() {
    if profile() != "debug" {
        return; // the excerpt's sizes are the debug build's
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let excerpt = readme
        .split("<!-- tour-output -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /tour-output -->").next())
        .expect("README marks the tour excerpt");
    let excerpt = excerpt
        .trim()
        .strip_prefix("```text")
        .and_then(|text| text.strip_suffix("```"))
        .expect("the excerpt is a text block")
        .trim_start_matches('\n');
    let tour = run_tour("debug");
    assert!(
        tour.contains(excerpt),
        "README.md's tour excerpt is stale; replace it with the matching part of `cargo run --example tour`:\n{excerpt}"
    );
}
