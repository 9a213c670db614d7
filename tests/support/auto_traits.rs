//! Whether a future is `Send`, `Sync` and `Unpin`, answered where its type is concrete. Shared by
//! the corpus (`tests/corpus/harness.rs`) and the generated pairs (`tests/generated/`), which
//! `#[path]`-include it.

use std::marker::PhantomData;

/// Answers `send`, `sync` and `unpin` for a future type through autoref specialisation: each
/// inherent method exists only when the future has that auto trait, and method lookup falls
/// back to [`Lacks`] otherwise. The answer is right only where the type is concrete, so the
/// methods are called in a macro's expansion (the corpus's `case!`, the generated pairs'
/// `generated!`), not in a generic function.
pub struct AutoTraitProbe<F>(PhantomData<F>);

/// The probe for the future type a maker returns, without calling it.
pub fn probe<F, M: FnOnce() -> F>(_: &M) -> AutoTraitProbe<F> {
    AutoTraitProbe(PhantomData)
}

impl<F: Send> AutoTraitProbe<F> {
    pub fn send(&self) -> bool {
        true
    }
}

impl<F: Sync> AutoTraitProbe<F> {
    pub fn sync(&self) -> bool {
        true
    }
}

impl<F: Unpin> AutoTraitProbe<F> {
    pub fn unpin(&self) -> bool {
        true
    }
}

/// The fallback of [`AutoTraitProbe`]: the future lacks the trait.
pub trait Lacks {
    fn send(&self) -> bool {
        false
    }
    fn sync(&self) -> bool {
        false
    }
    fn unpin(&self) -> bool {
        false
    }
}

impl<F> Lacks for AutoTraitProbe<F> {}

/// Which auto traits a future implements.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AutoTraits {
    pub send: bool,
    pub sync: bool,
    pub unpin: bool,
}
