// Expects: rustc's "`u32` is not a future" (E0277), on the user's `count` and its `.await`,
// not on generated code. `main` still calls `fetch`: the function exists.

#[stackless::inspect]
async fn fetch(count: u32) -> u32 {
    count.await
}

fn main() {
    let _ = fetch(1);
}
