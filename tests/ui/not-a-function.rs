// Expects: "`#[stackless::inspect]` goes on an `async fn`, not on a struct", on `struct`.
// The struct is still defined: `main` builds one.

#[stackless::inspect]
struct Connection {
    id: u32,
}

fn main() {
    let connection = Connection { id: 1 };
    let _ = connection.id;
}
