// Expects: "the `async` keyword is missing from the function declaration", on `fn`.
// `main` still calls `fetch`: the attribute emits the function as written next to the error.

#[stackless::inspect]
fn fetch() -> u32 {
    1
}

fn main() {
    let _: u32 = fetch();
}
