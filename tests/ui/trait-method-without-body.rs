// Expects: "`#[stackless::inspect]` needs the function's body", on the `;` ending the declaration.
// The trait keeps its method: `Service for Echo` implements it and `main` calls it.

trait Service {
    #[stackless::inspect]
    async fn call(&self, request: u32) -> u32;
}

struct Echo;

impl Service for Echo {
    async fn call(&self, request: u32) -> u32 {
        request
    }
}

fn main() {
    let _ = Echo.call(1);
}
