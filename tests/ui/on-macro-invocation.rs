// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a macro invocation", on
// `std::thread_local`.
// The macro still expands: `main` uses what it defines.

#[stackless::inspect]
std::thread_local! {
    static DEPTH: u32 = 0;
}

fn main() {
    let _ = DEPTH.with(|depth| *depth);
}
