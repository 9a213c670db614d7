// Expects: "unknown option `budgt`" listing the valid options, on `budgt`.
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(budgt = 4096)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
