// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a `const fn`", on `const`.
// `main` still calls `answer`, in a const context too: the function is emitted as written.

#[stackless::inspect]
const fn answer() -> u32 {
    42
}

const ANSWER: u32 = answer();

fn main() {
    let _ = ANSWER;
}
