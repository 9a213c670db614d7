// Expects: "the budget is too large for a `usize`: at most `usize::MAX` bytes", on
// `99999999999999999999999`. `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(budget = 99999999999999999999999)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
