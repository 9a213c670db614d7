// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a constant", on `const`.
// The constant is still defined: `main` reads it.

#[stackless::inspect]
const LIMIT: u32 = 4096;

fn main() {
    let _ = LIMIT;
}
