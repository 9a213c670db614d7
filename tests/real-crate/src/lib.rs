//! Annotate every `async fn` of a crate from crates.io with `#[stackless::inspect]` and run the
//! crate's own tests, plain and annotated: `cargo run -p stackless-real-crate -- --help`.
//!
//! The binary (`main.rs`) runs the stages; each module here is one of them.

/// Puts the attribute on every `async fn` of one source file, or says why not.
pub mod annotate;
/// Runs cargo in a copy and keeps its output.
pub mod cargo;
/// Counts and lists the pass's outcome over a whole crate.
pub mod census;
/// Makes the working copies.
pub mod copy;
/// Reads which files a build compiled.
pub mod depinfo;
/// Fetches the published source from the registry.
pub mod fetch;
/// Reads and compares the outcome of every test.
pub mod libtest;
/// Checks that the annotations are live, through `stackless::report()`.
pub mod liveness;
