// Expects: "an `async fn` cannot be `const`; remove `const`", on `const`; rustc adds its own
// "functions cannot be both `const` and `async`" on the item emitted as written.

#[stackless::inspect]
const async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
