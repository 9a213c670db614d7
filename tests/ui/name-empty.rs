// Expects: "the name must not be empty", on `" "` (blank counts as empty).
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(name = " ")]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
