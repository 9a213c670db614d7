//! Chapter 3: the hand-written `Respond` does what the `async fn` does, poll for
//! poll, and its size next to the real future's, read through the toolkit.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use stackless_book::state_machine::{
    Respond, render, respond, respond_by_hand, respond_captured_once,
};
use tokio::sync::oneshot;

/// Polls once with a waker that does nothing: the test itself decides when to poll
/// again.
fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Drives a future made by `make` through both awaits by hand: it must be pending
/// until the body arrives, pending again until the status arrives, then ready with
/// the response.
fn drive<F: Future<Output = Vec<u8>>>(
    make: impl FnOnce(oneshot::Receiver<Vec<u8>>, oneshot::Receiver<u16>) -> F,
) {
    let (body_sender, body) = oneshot::channel();
    let (status_sender, status) = oneshot::channel();
    let mut future = pin!(make(body, status));
    assert!(
        poll_once(future.as_mut()).is_pending(),
        "waits for the body"
    );
    body_sender.send(b"hello".to_vec()).unwrap();
    assert!(
        poll_once(future.as_mut()).is_pending(),
        "waits for the status"
    );
    assert!(poll_once(future.as_mut()).is_pending(), "still waits");
    status_sender.send(200).unwrap();
    assert_eq!(
        poll_once(future.as_mut()),
        Poll::Ready(b"HTTP/1.1 200\r\n\r\nhello".to_vec())
    );
}

#[test]
fn all_three_wait_at_the_same_points_and_return_the_same_response() {
    drive(respond);
    drive(respond_by_hand);
    drive(respond_captured_once);
}

#[test]
fn a_closed_status_channel_means_a_server_error() {
    let (body_sender, body) = oneshot::channel();
    let (status_sender, status) = oneshot::channel::<u16>();
    body_sender.send(b"partial".to_vec()).unwrap();
    drop(status_sender);
    let mut by_hand = pin!(Respond::Start { body, status });
    assert_eq!(
        poll_once(by_hand.as_mut()),
        Poll::Ready(render(500, b"partial"))
    );
}

#[test]
#[should_panic(expected = "`Respond` polled after it returned")]
fn polling_the_enum_after_it_returned_is_a_bug() {
    let (body_sender, body) = oneshot::channel();
    let (status_sender, status) = oneshot::channel();
    body_sender.send(Vec::new()).unwrap();
    status_sender.send(204).unwrap();
    let mut by_hand = pin!(respond_by_hand(body, status));
    assert!(poll_once(by_hand.as_mut()).is_ready());
    let _ = poll_once(by_hand.as_mut());
}

#[cfg(feature = "inspect")] // `stackless::layout` needs the instrumentation
// ANCHOR: size_test
#[test]
fn rustc_keeps_more_than_the_hand_written_enum() {
    let real =
        stackless::layout(respond(oneshot::channel().1, oneshot::channel().1))
            .size
            .size;
    let by_hand = size_of::<Respond>();
    let once = size_of_val(&respond_captured_once(
        oneshot::channel().1,
        oneshot::channel().1,
    ));
    let receiver = size_of::<oneshot::Receiver<u16>>();

    // The enum is as large as its largest variant, `WaitingForStatus`; the
    // variant's tag fits in a value the `Vec` can never hold, so it costs nothing.
    assert_eq!(by_hand, size_of::<Vec<u8>>() + receiver);
    // The `async move` block keeps both arguments' slots in every state, even after
    // they were moved into the futures being awaited, and a one-byte drop flag,
    // padded to 8.
    assert_eq!(once, by_hand + 2 * receiver + 8);
    // The `async fn` also copies `status` into a local; as both copies and `bytes`
    // are alive between the two awaits, the copy cannot share bytes with `bytes`.
    assert_eq!(real, once + receiver);
}
// ANCHOR_END: size_test
