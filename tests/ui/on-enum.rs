// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on an enum", on `enum`.
// The enum is still defined: `main` uses it.

#[stackless::inspect]
enum State {
    Idle,
}

fn main() {
    let _ = State::Idle;
}
