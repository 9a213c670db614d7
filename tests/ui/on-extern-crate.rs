// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on an `extern crate`", on `extern`.
// The crate is still imported: `main` uses it.

#[stackless::inspect]
extern crate core as core_library;

fn main() {
    let _ = core_library::mem::size_of::<u32>();
}
