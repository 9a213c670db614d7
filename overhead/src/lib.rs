//! What `#[stackless::inspect]` costs next to its peers (`async_backtrace::framed`,
//! `await_tree::instrument`, `tracing::instrument`): future sizes, poll cost, contention and
//! compile time, measured side by side in one run. See `overhead/README.md`.
//!
//! - [`shapes`]: the function shapes, written once and compiled once per system;
//! - [`drive`]: creating, sizing and driving them (by hand, on tokio);
//! - [`timing`] and [`measure`]: what one build measures, every variant side by side, in CPU
//!   time ([`cpu_clock`]);
//! - [`measuring_build`]: how the measuring binary is built; [`processes`]: each build run in
//!   several processes, each benchmark read from the one nearest the middle;
//! - [`sharing`]: the contention benchmark's control, what a cache line every poll shares costs;
//! - [`report`]: both builds merged, compared with plain, the goals checked;
//! - [`markdown`] and [`chart`]: its renderings; [`machine`]: where and when it was measured.

#[macro_use]
pub mod shapes;

pub mod chart;
pub mod cpu_clock;
pub mod drive;
pub mod instructions;
pub mod machine;
pub mod markdown;
pub mod measure;
pub mod measuring_build;
/// The one leaf future every shape awaits: the root package's test future, so the overhead and
/// the poll benchmarks wait on the same thing.
#[path = "../../tests/support/mod.rs"]
pub mod pending;
pub mod processes;
pub mod report;
pub mod sharing;
pub mod timing;
pub mod variant;
