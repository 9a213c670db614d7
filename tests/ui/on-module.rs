// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a module", on `mod`.
// The module is still defined: `main` calls into it.

#[stackless::inspect]
mod client {
    pub async fn fetch() -> u32 {
        1
    }
}

fn main() {
    let _ = client::fetch();
}
