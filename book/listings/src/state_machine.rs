//! Chapter 3, "Stackless coroutines": one `async fn`, the same state machine
//! written by hand as an enum with a `poll`, and the `async move` rewrite that
//! captures its arguments once. `tests/state_machine.rs` runs all three side by
//! side and compares their sizes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

// ANCHOR: respond
/// Waits for a request body, then for a status code, and builds the response.
#[stackless::inspect]
pub async fn respond(
    body: oneshot::Receiver<Vec<u8>>,
    status: oneshot::Receiver<u16>,
) -> Vec<u8> {
    let bytes = body.await.unwrap_or_default();
    let code = status.await.unwrap_or(500);
    render(code, &bytes)
}
// ANCHOR_END: respond

// ANCHOR: render
/// The code that runs after the last `.await`: no waiting in it, so nothing to see
/// here.
pub fn render(code: u16, body: &[u8]) -> Vec<u8> {
    let mut response = format!("HTTP/1.1 {code}\r\n\r\n").into_bytes();
    response.extend_from_slice(body);
    response
}
// ANCHOR_END: render

// ANCHOR: states
/// `respond` written by hand: one variant per place the function can be.
pub enum Respond {
    /// Called but never polled: only the arguments.
    Start {
        body: oneshot::Receiver<Vec<u8>>,
        status: oneshot::Receiver<u16>,
    },
    /// Parked at `body.await`: the future it awaits, and what the rest of the code
    /// needs.
    WaitingForBody {
        body: oneshot::Receiver<Vec<u8>>,
        status: oneshot::Receiver<u16>,
    },
    /// Parked at `status.await`: the bytes received so far, and the future it
    /// awaits.
    WaitingForStatus {
        bytes: Vec<u8>,
        status: oneshot::Receiver<u16>,
    },
    /// Returned its response.
    Done,
}

/// What calling `respond` does: store the arguments, run nothing.
pub fn respond_by_hand(
    body: oneshot::Receiver<Vec<u8>>,
    status: oneshot::Receiver<u16>,
) -> Respond {
    Respond::Start { body, status }
}
// ANCHOR_END: states

// ANCHOR: poll
impl Future for Respond {
    type Output = Vec<u8>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<u8>> {
        // Every field is `Unpin`, so `Respond` is too: it may be moved out of the
        // `Pin`.
        let this = self.get_mut();
        loop {
            // Take the current state out, leaving `Done` behind while we work on
            // it.
            match std::mem::replace(this, Respond::Done) {
                Respond::Start { body, status } => {
                    *this = Respond::WaitingForBody { body, status };
                }
                Respond::WaitingForBody { mut body, status } => {
                    match Pin::new(&mut body).poll(cx) {
                        Poll::Pending => {
                            *this = Respond::WaitingForBody { body, status };
                            return Poll::Pending;
                        }
                        Poll::Ready(received) => {
                            let bytes = received.unwrap_or_default();
                            *this = Respond::WaitingForStatus { bytes, status };
                        }
                    }
                }
                Respond::WaitingForStatus { bytes, mut status } => {
                    match Pin::new(&mut status).poll(cx) {
                        Poll::Pending => {
                            *this = Respond::WaitingForStatus { bytes, status };
                            return Poll::Pending;
                        }
                        Poll::Ready(received) => {
                            let code = received.unwrap_or(500);
                            return Poll::Ready(render(code, &bytes));
                        }
                    }
                }
                Respond::Done => panic!("`Respond` polled after it returned"),
            }
        }
    }
}
// ANCHOR_END: poll

// ANCHOR: captured_once
/// `respond` as a plain `fn` returning an `async move` block: the block captures
/// the two receivers and uses them where they are, so neither is copied into a
/// local of its own.
#[allow(clippy::manual_async_fn, reason = "an `async fn` would copy `status`")]
pub fn respond_captured_once(
    body: oneshot::Receiver<Vec<u8>>,
    status: oneshot::Receiver<u16>,
) -> impl Future<Output = Vec<u8>> {
    async move {
        let bytes = body.await.unwrap_or_default();
        let code = status.await.unwrap_or(500);
        render(code, &bytes)
    }
}
// ANCHOR_END: captured_once
