// Expects: "write the budget without a suffix, in bytes: `budget = 4096`", on `4096u8`, which
// would otherwise be read as 4096 bytes whatever the suffix says (only `usize` is accepted).
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(budget = 4096u8)]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
