// Expects: rustc's "mismatched types" (E0308) on the user's `"one"`, noting the declared `u32`,
// as for a plain `async fn`. Until the macro pins the body's type to the declared output, rustc
// reports E0271 on the whole body and on the attribute instead. `main` still calls `fetch`.

#[stackless::inspect]
async fn fetch() -> u32 {
    "one"
}

fn main() {
    let _ = fetch();
}
