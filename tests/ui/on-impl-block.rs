// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on an `impl` block; put it on the
// `async fn`s inside", on `impl`. The methods are still defined: `main` calls one.

struct Client;

#[stackless::inspect]
impl Client {
    async fn fetch(&self) -> u32 {
        1
    }
}

fn main() {
    let _ = Client.fetch();
}
