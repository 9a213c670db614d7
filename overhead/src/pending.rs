//! The one leaf future every shape awaits.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Returns `Pending` `remaining` times, waking itself each time, then `Ready`: a stand-in for
/// I/O that any executor (the hand-written one, tokio's) can drive without a reactor.
pub struct PendingN {
    remaining: u32,
}

impl PendingN {
    pub fn new(times: u32) -> Self {
        PendingN { remaining: times }
    }
}

impl Future for PendingN {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
