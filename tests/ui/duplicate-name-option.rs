// Expects: "duplicate option `name`", on the second `name`.
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(name = "fetch", name = "get")]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
