// Expects: syn's "expected `budget` or `name`", on `4096`, the value given without its option.
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(4096)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
