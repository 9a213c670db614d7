// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a static", on `static`.
// The static is still defined: `main` reads it.

#[stackless::inspect]
static LIMIT: u32 = 4096;

fn main() {
    let _ = LIMIT;
}
