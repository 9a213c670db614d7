// Expects: "duplicate option `budget`", on the second `budget`.
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(budget = 4096, name = "fetch", budget = 8192)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
