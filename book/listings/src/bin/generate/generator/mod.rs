//! Writes every report, table and picture the book shows to `book/src/generated/`:
//!
//! ```sh
//! cargo run -p stackless-book --bin generate
//! ```
//!
//! `tests/generated.rs` runs the same code and fails when a checked-in file differs
//! from what it produces now. Everything is deterministic: sizes are rustc's,
//! counters come from single-threaded runs in a fixed order, times come from tokio's
//! paused clock, and nothing prints an address. Sizes are those of a debug build
//! (`cargo stackless layout` builds with the dev profile too), so the generator
//! refuses to run in a release build.

mod layouts;
mod runtime;
mod states_svg;

use std::error::Error;
use std::path::{Path, PathBuf};

use layouts::Layouts;

/// The command that regenerates the files, as the book and the test's message spell
/// it.
pub const COMMAND: &str = "cargo run -p stackless-book --bin generate";

/// Files of `book/src/generated/` that another command writes: the tour's
/// comparison pictures (`cargo run --example tour -- --svg book/src/generated`,
/// checked by the root `tests/tour.rs`).
pub const WRITTEN_BY_THE_TOUR: [&str; 2] = ["handle_request.svg", "checksum.svg"];

/// Files of `book/src/generated/` written by the million-task benchmark (`cargo run --release
/// --example million -- --tasks 1000000 --json book/src/generated/million.json --svg
/// book/src/generated/million.svg > book/src/generated/million.txt`). They are measurements of
/// one machine on one date (both recorded in `million.json`), so nothing checks them against a
/// fresh run.
pub const MEASURED_BY_THE_BENCHMARK: [&str; 3] =
    ["million.json", "million.svg", "million.txt"];

/// Files of `book/src/generated/` written by the overhead benchmark against the peers
/// (`cargo run --release -p stackless-overhead --bin overhead -- --out book/src/generated
/// --with-compile-time`). Measurements of one machine on one date (recorded in
/// `overhead.json`); `overhead/tests/sizes.rs` checks the sizes in them against the build and
/// that the table and the chart are rendered from the JSON, `overhead/tests/instructions.rs`
/// the instruction counts against this code's, and the compile-time benchmark's tests that its
/// table timed the crates it generates now, the attribute's code as it is, and this rustc.
pub const MEASURED_BY_THE_OVERHEAD_BENCHMARK: [&str; 3] =
    ["overhead.json", "overhead.md", "overhead.svg"];

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Its name in `book/src/generated/`.
    pub file: &'static str,
    /// Its contents.
    pub contents: String,
}

impl Output {
    fn new(file: &'static str, contents: String) -> Self {
        Output { file, contents }
    }
}

/// The numbers the chapters quote in their prose, written to `numbers.txt` with each
/// value between `ANCHOR` lines, so that a sentence can include it inline:
/// "rustc's future is `{{#include generated/numbers.txt:respond_size}}` bytes".
#[derive(Default)]
struct Numbers(Vec<(&'static str, String)>);

impl Numbers {
    fn add(&mut self, name: &'static str, value: impl ToString) {
        assert!(
            self.0.iter().all(|(known, _)| *known != name),
            "`{name}` twice"
        );
        self.0.push((name, value.to_string()));
    }

    fn output(self) -> Output {
        let mut text = String::from(
            "Numbers the chapters quote in their prose, one per ANCHOR region; a chapter\n\
             includes each where it quotes it. Generated with the rest of this directory.\n",
        );
        for (name, value) in self.0 {
            text.push_str(&format!(
                "ANCHOR: {name}\n{value}\nANCHOR_END: {name}\n"
            ));
        }
        Output::new("numbers.txt", text)
    }
}

/// `book/src/generated/`.
pub fn generated_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../src/generated")
}

/// Everything the book shows, in a fixed order. The runs come first, while their
/// functions' counters are still untouched; then `cargo stackless layout` builds this
/// crate's library with `-Zprint-type-sizes` in `layout_target_dir`.
///
/// Fails in a release build: the book shows a debug build's sizes.
pub fn all(layout_target_dir: &Path) -> Result<Vec<Output>, Box<dyn Error>> {
    if !cfg!(debug_assertions) {
        return Err(format!(
            "the book shows debug-build sizes: run `{COMMAND}` without `--release`"
        )
        .into());
    }
    let mut numbers = Numbers::default();
    let mut outputs = runtime::all(&mut numbers);
    let layouts = Layouts::capture(layout_target_dir)?;
    outputs.extend(layouts::all(&layouts, &mut numbers));
    outputs.push(numbers.output());
    Ok(outputs)
}

/// The generated files that differ from `outputs` in `directory`, and the files
/// there that nothing generates (other than the tour's).
pub fn stale(outputs: &[Output], directory: &Path) -> Vec<String> {
    let mut stale: Vec<String> = outputs
        .iter()
        .filter(|output| {
            std::fs::read_to_string(directory.join(output.file)).ok()
                != Some(output.contents.clone())
        })
        .map(|output| {
            format!("{} differs from what the toolkit produces now", output.file)
        })
        .collect();
    let entries = std::fs::read_dir(directory).map(|entries| {
        entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect::<Vec<String>>()
    });
    for name in entries.unwrap_or_default() {
        let known = outputs.iter().any(|output| output.file == name)
            || WRITTEN_BY_THE_TOUR.contains(&name.as_str())
            || MEASURED_BY_THE_BENCHMARK.contains(&name.as_str())
            || MEASURED_BY_THE_OVERHEAD_BENCHMARK.contains(&name.as_str());
        if !known {
            stale.push(format!("{name} is generated by nothing"));
        }
    }
    stale.sort();
    stale
}
