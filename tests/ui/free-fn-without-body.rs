// Expects: "`#[stackless::inspect]` needs the function's body", on the `;` ending the
// declaration, without the advice about `impl`s and traits a method gets; rustc adds its own
// "free function without a body".

#[stackless::inspect]
async fn fetch() -> u32;

fn main() {}
