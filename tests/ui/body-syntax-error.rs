// Expects: rustc's own "expected expression", and the attribute's "cannot read this function's
// body", both on the `;` where the expression is missing; not an error saying the item is not
// an `async fn` with a body, which it is.

#[stackless::inspect]
async fn total(x: u32) -> u32 {
    let y = x +;
    y
}

fn main() {}
