//! The listings of the stackless book (`book/src`), one module per chapter.
//!
//! Chapters include regions of these files, marked `// ANCHOR: NAME` and
//! `// ANCHOR_END: NAME`, so every listing the book shows is compiled, and most are
//! run by this crate's tests. The numbers the book shows come from
//! `src/bin/generate/`. Sizes depend on rustc's version and on the profile; the
//! book's are rustc 1.95's, debug build.

pub mod await_points;
pub mod price;
pub mod stackful;
pub mod state_machine;
pub mod tasks;
pub mod toolkit;
pub mod where_bytes_go;
