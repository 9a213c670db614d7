//! `#[stackless::inspect(budget = N)]` fails `cargo build` when the future is over `N` bytes.
//!
//! The check is a const evaluated after monomorphisation, so `cargo check` never sees it.
//! trybuild runs `cargo check` unless its `TestCases` has a `pass` case, and then `cargo build`:
//! that is why these cases have their own `TestCases` (with `within-budget.rs` as the pass case),
//! apart from `tests/ui.rs`, which stays on the faster `cargo check`. Should the pass case go,
//! `over-budget.rs` fails loudly ("expected an error, compiled successfully").
//!
//! Regenerate with `TRYBUILD=overwrite cargo test --test budget`; the sizes are rustc 1.95's.

#[test]
fn budget_fails_the_build_only_when_exceeded() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/budget/within-budget.rs");
    cases.compile_fail("tests/ui/budget/over-budget.rs");
}
