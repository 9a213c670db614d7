// Builds and runs: the future of `fill` is 258 bytes (rustc 1.95; see `over-budget.rs`), exactly
// its budget, and the layout reports both numbers.

#[stackless::inspect(budget = 258)]
async fn fill() -> u8 {
    let buffer = [7u8; 256];
    std::future::ready(()).await;
    buffer[255]
}

fn main() {
    let layout = stackless::layout(fill());
    assert_eq!(layout.size.size, 258, "{layout}");
    assert_eq!(layout.budget, Some(258));
}
