// Expects: "an `async fn` cannot be variadic", on `...`; rustc adds its own error about
// C-variadic functions on the item emitted as written.

#[stackless::inspect]
async fn fetch(count: u32, ...) -> u32 {
    count
}

fn main() {}
