//! The checked-in report, `book/src/generated/overhead.json`, for the tests that check it is
//! current.

use std::path::PathBuf;

use stackless_overhead::report::Report;

/// What regenerates the checked-in report, for the messages that say it is stale.
pub const REGENERATE: &str =
    "cargo run --release -p stackless-overhead --bin overhead -- --out book/src/generated";

/// A file of the book's generated directory, where the report is written.
pub fn generated(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../book/src/generated")
        .join(file)
}

pub fn checked_in_report() -> Report {
    let path = generated("overhead.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("{}: {error}; write it with `{REGENERATE}`", path.display())
    });
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}
