//! Chapter 5, "Where the bytes go": rustc's layout rules, one pair of functions per
//! rule, the first showing the cost and the second the fix.
//! `tokio::task::yield_now().await` stands in for any I/O: it suspends once.

use std::future::Future;
use std::pin::pin;

use tokio::sync::mpsc;
use tokio::task::yield_now;

// ANCHOR: scratch
/// A scratch buffer of `N` bytes, the kind a parser or an encoder keeps on the
/// stack. It wipes itself when dropped, as a buffer that held a secret should.
pub struct Scratch<const N: usize>([u8; N]);

impl<const N: usize> Drop for Scratch<N> {
    fn drop(&mut self) {
        self.0.fill(0);
        std::hint::black_box(&self.0);
    }
}

impl<const N: usize> Scratch<N> {
    pub fn zeroed() -> Self {
        Scratch([0; N])
    }

    pub fn fill(&mut self, byte: u8) {
        self.0.fill(byte);
    }

    pub fn checksum(&self) -> u64 {
        self.0.iter().map(|&byte| u64::from(byte)).sum()
    }
}
// ANCHOR_END: scratch

// ANCHOR: two_phases
/// Reads with a 1 KiB buffer, then writes with a 512-byte one: two awaits, never
/// both buffers.
#[stackless::inspect]
pub async fn two_phases() -> u64 {
    let read = {
        let mut request = Scratch::<1024>::zeroed();
        request.fill(1);
        yield_now().await; // keeps `request`
        request.checksum()
    };
    let written = {
        let mut response = Scratch::<512>::zeroed();
        response.fill(2);
        yield_now().await; // keeps `response` and `read`
        response.checksum()
    };
    read + written
}
// ANCHOR_END: two_phases

// ANCHOR: greet
/// Counts the bytes in `inbox` equal to the banner's first byte. The banner is not
/// needed after the first line, but as an argument it is kept in every state.
#[stackless::inspect]
pub async fn greet(banner: [u8; 512], mut inbox: mpsc::Receiver<u8>) -> usize {
    let first = banner[0];
    let mut count = 0;
    while let Some(byte) = inbox.recv().await {
        count += usize::from(byte == first);
    }
    count
}
// ANCHOR_END: greet

// ANCHOR: greet_by_reference
/// The same, borrowing the banner: the state machine keeps a pointer to it, not its
/// bytes.
#[stackless::inspect]
pub async fn greet_by_reference(
    banner: &[u8; 512],
    mut inbox: mpsc::Receiver<u8>,
) -> usize {
    let first = banner[0];
    let mut count = 0;
    while let Some(byte) = inbox.recv().await {
        count += usize::from(byte == first);
    }
    count
}
// ANCHOR_END: greet_by_reference

// ANCHOR: checksum_later
/// Uses its argument after an await: rustc keeps it twice.
#[stackless::inspect]
pub async fn checksum_later(data: Vec<u8>) -> u64 {
    yield_now().await;
    data.iter().map(|&byte| u64::from(byte)).sum()
}
// ANCHOR_END: checksum_later

// ANCHOR: checksum_later_once
/// The same as a plain `fn` returning an `async move` block: `data` is captured
/// once. (Clippy suggests turning it back into an `async fn`, copy and all.)
#[allow(clippy::manual_async_fn)]
pub fn checksum_later_once(data: Vec<u8>) -> impl Future<Output = u64> {
    async move {
        yield_now().await;
        data.iter().map(|&byte| u64::from(byte)).sum()
    }
}
// ANCHOR_END: checksum_later_once

// ANCHOR: download
/// A child future of about 1 KiB: it keeps a buffer across its await.
pub async fn download() -> u64 {
    let mut page = Scratch::<1024>::zeroed();
    page.fill(3);
    yield_now().await;
    page.checksum()
}

/// Anything that takes a reference to a future before it is awaited: a log line, a
/// metric, a `select!` arm.
pub fn note<T>(value: &T) {
    std::hint::black_box(value);
}
// ANCHOR_END: download

// ANCHOR: held_twice
/// Borrows the future, then awaits it: the future is kept twice.
#[stackless::inspect]
pub async fn held_twice() -> u64 {
    let page = download();
    note(&page);
    page.await
}
// ANCHOR_END: held_twice

// ANCHOR: held_once
/// Pins it where it is first, then borrows and awaits the pinned future: kept once.
#[stackless::inspect]
pub async fn held_once() -> u64 {
    let page = pin!(download());
    note(&page);
    page.await
}
// ANCHOR_END: held_once

// ANCHOR: buffer_held
/// Fills a 2 KiB buffer and checksums it before the await; the buffer lives on to
/// the end.
#[stackless::inspect]
pub async fn buffer_held() -> u64 {
    let mut scratch = Scratch::<2048>::zeroed();
    scratch.fill(4);
    let sum = scratch.checksum();
    yield_now().await;
    sum
}
// ANCHOR_END: buffer_held

// ANCHOR: buffer_dropped
/// The same, with `drop(scratch)` before the await.
#[stackless::inspect]
pub async fn buffer_dropped() -> u64 {
    let mut scratch = Scratch::<2048>::zeroed();
    scratch.fill(4);
    let sum = scratch.checksum();
    drop(scratch);
    yield_now().await;
    sum
}
// ANCHOR_END: buffer_dropped

// ANCHOR: buffer_scoped
/// The same, with the buffer in a block that ends before the await.
#[stackless::inspect]
pub async fn buffer_scoped() -> u64 {
    let sum = {
        let mut scratch = Scratch::<2048>::zeroed();
        scratch.fill(4);
        scratch.checksum()
    };
    yield_now().await;
    sum
}
// ANCHOR_END: buffer_scoped

// ANCHOR: buffer_never_borrowed
/// Made, never borrowed, then dropped before the await.
#[stackless::inspect]
pub async fn buffer_never_borrowed() -> u64 {
    let scratch = Scratch::<2048>::zeroed();
    drop(scratch);
    yield_now().await;
    0
}
// ANCHOR_END: buffer_never_borrowed

// ANCHOR: buffer_boxed
/// Needs the buffer after the await, so it must be kept: on the heap, the future
/// keeps a pointer.
#[stackless::inspect]
pub async fn buffer_boxed() -> u64 {
    let mut scratch = Box::new(Scratch::<2048>::zeroed());
    scratch.fill(4);
    yield_now().await;
    scratch.checksum()
}
// ANCHOR_END: buffer_boxed

// ANCHOR: parent_inline
/// Awaits a 2 KiB child: the child's future is part of this one.
#[stackless::inspect]
pub async fn parent_inline() -> u64 {
    buffer_held().await + 1
}
// ANCHOR_END: parent_inline

// ANCHOR: parent_boxed
/// Boxes the child first: one allocation per call, and 8 bytes here.
#[stackless::inspect]
pub async fn parent_boxed() -> u64 {
    Box::pin(buffer_held()).await + 1
}
// ANCHOR_END: parent_boxed
