//! Every `#[stackless::inspect]` function of the program, listed at link time.
//!
//! Each annotated function contributes one `&'static FnMeta` to a `linkme` distributed slice,
//! so the list is complete before `main` runs and includes functions that were never called.

use crate::meta::FnMeta;

#[doc(hidden)]
#[linkme::distributed_slice]
pub static FUNCTIONS: [&'static FnMeta];

/// All registered functions, in source order (file, then line).
pub(crate) fn functions() -> Vec<&'static FnMeta> {
    let mut all: Vec<&'static FnMeta> = FUNCTIONS.iter().copied().collect();
    all.sort_by_key(|meta| (meta.location, meta.name));
    all
}
