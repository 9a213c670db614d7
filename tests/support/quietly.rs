//! Catching a panic on purpose without the panic hook printing it, and the two steps of a run
//! that need it after a future ends. Shared by the corpus (`tests/corpus/harness.rs`) and the
//! generated pairs (`tests/generated/src/run.rs`), which `#[path]`-include it; each includer
//! has its own event log, `super::log`.

use std::cell::Cell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Once;
use std::task::Context;

use super::log;

thread_local! {
    /// Set while a poll may panic on purpose, so the panic hook stays quiet.
    static EXPECTING_PANIC: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, catching a panic as its message, without printing it.
pub fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !EXPECTING_PANIC.get() {
                default(info);
            }
        }));
    });
    EXPECTING_PANIC.set(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    EXPECTING_PANIC.set(false);
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|message| message.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "<a panic payload that is not a string>".to_owned())
    })
}

/// Polls a future that has finished or panicked once more (an `async fn` panics then), and logs
/// what happens.
pub fn poll_again<F: Future + ?Sized>(future: Pin<&mut F>, cx: &mut Context<'_>) {
    let outcome = match quietly(|| future.poll(cx).is_ready()) {
        Ok(true) => "ready".to_owned(),
        Ok(false) => "pending".to_owned(),
        Err(message) => message,
    };
    log(format!("polled again: {outcome}"));
}

/// Drops `future`, logging the drop and any panic it raises.
pub fn dispose<F>(future: F) {
    log("drop future");
    if let Err(message) = quietly(|| drop(future)) {
        log(format!("panicked while dropped: {message}"));
    }
}
