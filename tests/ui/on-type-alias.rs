// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a type alias", on `type`.
// The alias is still defined: `main` uses it.

#[stackless::inspect]
type Bytes = Vec<u8>;

fn main() {
    let _: Bytes = Vec::new();
}
