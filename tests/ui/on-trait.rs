// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a trait; put it on the
// `async fn`s inside", on `trait`.
// The trait is still defined: `Echo` implements it and `main` calls it.

#[stackless::inspect]
trait Service {
    fn call(&self) -> u32;
}

struct Echo;

impl Service for Echo {
    fn call(&self) -> u32 {
        1
    }
}

fn main() {
    let _ = Echo.call();
}
