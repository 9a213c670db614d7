// Expects: "`#[stackless::inspect]` goes on a Rust `async fn`, not on an `extern` fn; put it on
// the `async fn` this function calls", on `extern "C"`. `main` still calls `callback`: the
// function is emitted as written.

#[stackless::inspect]
extern "C" fn callback(value: u32) -> u32 {
    value
}

fn main() {
    let _: u32 = callback(1);
}
