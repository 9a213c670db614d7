//! Every report, table and picture under `book/src/generated/` is what the toolkit
//! produces now. Regenerate with `cargo run -p stackless-book --bin generate`, then
//! read the diff.
//!
//! One test in a binary of its own: the generator reads the counters of the
//! listings' functions, which no other test may touch in the same process. Sizes
//! are rustc 1.95's, debug build; a release build of this test checks nothing (the
//! generator refuses to run there).

#![cfg(feature = "inspect")]

use std::path::Path;

#[path = "../src/bin/generate/generator/mod.rs"]
mod generator;

#[test]
fn the_generated_files_are_current() {
    if !cfg!(debug_assertions) {
        return; // the book shows a debug build's sizes
    }
    let target =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("stackless-book-layout");
    let outputs = generator::all(&target).expect("the generator runs");
    let stale = generator::stale(&outputs, &generator::generated_dir());
    assert!(
        stale.is_empty(),
        "book/src/generated/ is stale; regenerate with `{}`:\n  {}",
        generator::COMMAND,
        stale.join("\n  ")
    );
}
