// Expects: "a budget is a positive number of bytes, e.g. `budget = 4096`", on the whole `-1`.
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(budget = -1)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
