//! `#[stackless::inspect]` in edition 2021 code: the cases of `tests/editions/cases.rs`,
//! compiled under this crate's edition.

#[path = "../../cases.rs"]
mod cases;

pub use cases::*;

/// Whether this edition drops a block's tail-expression temporaries before the block's locals
/// (edition 2024) or after them (earlier editions); `drops` shows which.
pub const TAIL_TEMPORARY_DROPS_FIRST: bool = false;
