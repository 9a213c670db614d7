//! Whether a future is `Send`, `Sync` and `Unpin`: the corpus's autoref probe, shared.

#[path = "../../support/auto_traits.rs"]
mod shared;
pub use shared::{AutoTraitProbe, AutoTraits, Lacks, probe};
