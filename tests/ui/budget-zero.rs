// Expects: "a budget of 0 bytes fits no future", on `0`.
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(budget = 0)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
