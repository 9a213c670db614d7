//! Catching a panic on purpose without the panic hook printing it. Shared by the corpus
//! (`tests/corpus/harness.rs`) and the generated pairs (`tests/generated/`), which
//! `#[path]`-include it.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

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
