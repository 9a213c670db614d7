//! Compile errors of `#[stackless::inspect]`: one file per symptom in `tests/ui/`, each saying
//! which error it expects. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test --test ui`, then read the diff.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
