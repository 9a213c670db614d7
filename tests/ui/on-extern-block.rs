// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on an `extern` block", on
// `extern "C"`.
// The block's function is still declared: `main` calls it.

#[stackless::inspect]
unsafe extern "C" {
    safe fn abs(value: i32) -> i32;
}

fn main() {
    let _ = abs(-1);
}
