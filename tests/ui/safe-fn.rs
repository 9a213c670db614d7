// Expects: "`safe` is only allowed on items in `unsafe extern` blocks; remove it", on `safe` (syn
// parses no `fn` with a body and `safe`, so the macro looks for the token); rustc adds its own
// error about `safe` on the item emitted as written.

#[stackless::inspect]
async safe fn fetch() -> u32 {
    1
}

fn main() {}
