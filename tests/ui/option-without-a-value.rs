// Expects: "`budget` needs a value: `budget = 4096`", on `budget` (not syn's "expected `=`" on
// the whole attribute; `name` alone gets the same). `main` still calls `fetch`: the function is
// emitted as written.

#[stackless::inspect(budget)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
