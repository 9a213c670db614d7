//! Catching a panic on purpose without the panic hook printing it, and the logged poll of a run
//! that needs it. Shared by the corpus (`tests/corpus/harness.rs`) and the generated pairs
//! (`tests/generated/src/run.rs`), which `#[path]`-include it; each includer has its own event
//! log, `super::log`.

use std::cell::Cell;
use std::fmt::Debug;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

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

/// What one logged poll of a run left.
pub enum Polled<F: ?Sized> {
    /// Still pending: the future, for the next poll.
    Pending(Pin<Box<F>>),
    /// Ended, with its output's `Debug` text or a panic's message. The future was polled once
    /// more and dropped.
    Ended(Result<String, String>),
}

/// Polls `future` as poll number `polls`, logged. Once it has ended, its output is dropped, and
/// the future polled again and dropped, all logged.
pub fn poll_logged<F: Future + ?Sized>(
    mut future: Pin<Box<F>>,
    cx: &mut Context<'_>,
    polls: usize,
) -> Polled<F>
where
    F::Output: Debug,
{
    log(format!("poll {polls}"));
    let end = match quietly(|| future.as_mut().poll(cx)) {
        Ok(Poll::Pending) => return Polled::Pending(future),
        Ok(Poll::Ready(output)) => {
            let text = format!("{output:?}");
            log("drop output");
            drop(output);
            Ok(text)
        }
        Err(message) => Err(message),
    };
    poll_again(future.as_mut(), cx);
    dispose(future);
    Polled::Ended(end)
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
