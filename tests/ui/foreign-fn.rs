// Expects: "`#[stackless::inspect]` goes on an `async fn` with a body; a declaration with neither
// (in an `extern` block or a trait) has nothing to inspect", on the whole declaration in the
// `extern` block. `main` still calls `abs`: the declaration is kept.

unsafe extern "C" {
    #[stackless::inspect]
    fn abs(value: i32) -> i32;
}

fn main() {
    // SAFETY: C's `abs` has no preconditions for this argument.
    let _ = unsafe { abs(-1) };
}
