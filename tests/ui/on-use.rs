// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a `use` declaration", on `use`.
// The import still works: `main` uses it.

#[stackless::inspect]
use std::collections::HashMap;

fn main() {
    let _: HashMap<u32, u32> = HashMap::new();
}
