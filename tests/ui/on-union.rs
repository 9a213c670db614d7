// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a union", on `union`.
// The union is still defined: `main` builds one.

#[stackless::inspect]
union Bits {
    word: u32,
}

fn main() {
    let _ = Bits { word: 1 };
}
