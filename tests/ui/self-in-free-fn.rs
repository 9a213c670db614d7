// Expects: rustc's "`self` parameter is only allowed in associated functions", on `&self`, and
// nothing else, as for a plain `async fn`: the expansion learns `Self` from the receiver without
// naming it, so there is no "cannot find type `Self`" (E0411) on the attribute.

#[stackless::inspect]
async fn fetch(&self) -> u32 {
    1
}

fn main() {}
