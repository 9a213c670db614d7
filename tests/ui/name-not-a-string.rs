// Expects: "expected the name as a string, e.g. `name = \"fetch\"`", on `fetch_page`.
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(name = fetch_page)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
