// Expects: "`#[stackless::inspect]` is applied twice; remove one", on the second attribute, and
// no other error: the first attribute emits the function as written, so the second one still
// expands it (once). `main` still calls `fetch`.

#[stackless::inspect]
#[stackless::inspect(budget = 4096)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
