// Expects: "`#[stackless::inspect]` cannot inspect an `extern` fn", on `extern "C"`.
// `main` still calls `callback`: the function is emitted as written.

#[stackless::inspect]
extern "C" fn callback(value: u32) -> u32 {
    value
}

fn main() {
    let _: u32 = callback(1);
}
