// Expects: "expected `,`", on `name`, which follows `budget = 4096` without a comma.
// `main` still calls `fetch`: the function is emitted as written.

#[stackless::inspect(budget = 4096 name = "fetch")]
async fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
