// Expects, from `cargo build` (not `cargo check`): "the future of `fill` is 258 bytes, over its
// budget of 257 bytes", a post-monomorphisation const error. 258 = the 256-byte buffer held
// across the `.await` + 1 byte of `Ready<()>` + 1 byte of state tag (rustc 1.95); the budget is
// one byte short, so the check is exact. `within-budget.rs` is the same function at 258.

#[stackless::inspect(budget = 257)]
async fn fill() -> u8 {
    let buffer = [7u8; 256];
    std::future::ready(()).await;
    buffer[255]
}

fn main() {
    let _ = fill();
}
