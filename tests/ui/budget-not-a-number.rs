// Expects: "expected the budget in bytes, e.g. `budget = 4096`", on `"4k"`.
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(budget = "4k")]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
