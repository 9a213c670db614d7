// Expects: rustc's "`await` is only allowed inside `async` functions and blocks" (E0728), on the
// `.await` inside the plain closure, as for a plain `async fn`.

#[stackless::inspect]
async fn fetch(ready: std::future::Ready<u32>) -> u32 {
    let wait = || ready.await;
    wait()
}

fn main() {
    let _ = fetch(std::future::ready(1));
}
