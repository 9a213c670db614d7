//! Every `#[stackless::inspect]` function of the program, listed at link time.
//!
//! Each annotated function's [`FnMeta`] `static` is itself an element of a `linkme` distributed
//! slice, so the list is complete before `main` runs and includes functions that were never
//! called.
//!
//! The macro places the element with the slice's own `macro_rules!` (what linkme's
//! `#[distributed_slice(FUNCTIONS)]` attribute expands to), not with the attribute: the
//! attribute is a second procedural macro per function and wraps the element in a type-checking
//! function, and the two were a quarter of what `#[stackless::inspect]` cost a build. The
//! element's type is the macro's own, so the check has nothing to catch. linkme is pinned to
//! the exact version whose macro this follows; `tests/runtime.rs` fails if a function is missing.

use crate::meta::FnMeta;

#[doc(hidden)]
#[linkme::distributed_slice]
pub static FUNCTIONS: [FnMeta];

/// All registered functions, in source order (file, then line).
pub(crate) fn functions() -> Vec<&'static FnMeta> {
    let mut all: Vec<&'static FnMeta> = FUNCTIONS.iter().collect();
    all.sort_by_key(|meta| (meta.location, meta.name));
    all
}
