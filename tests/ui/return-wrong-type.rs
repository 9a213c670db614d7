// Expects: rustc's "mismatched types" (E0308) on the user's `"none"` in the early `return`,
// noting the declared `u32`, as for a plain `async fn`. Until the macro pins the body's type,
// rustc reports E0308 on the attribute and two E0271s instead. `main` still calls `fetch`.

#[stackless::inspect]
async fn fetch(found: bool) -> u32 {
    if !found {
        return "none";
    }
    1
}

fn main() {
    let _ = fetch(true);
}
