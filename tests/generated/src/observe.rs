//! What generated code runs against, and what it leaves in the log: a value that logs its
//! drop, leaf futures pending a set number of times, and the log itself (one per thread).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Appends an event to this thread's log.
pub fn log(event: impl Into<String>) {
    LOG.with_borrow_mut(|log| log.push(event.into()));
}

/// This thread's log so far, emptied.
pub fn take_log() -> Vec<String> {
    LOG.take()
}

/// A value that logs `drop <label> (<value>)` when dropped.
#[derive(Debug)]
pub struct D {
    label: &'static str,
    value: u64,
}

impl D {
    pub fn new(label: &'static str, value: u64) -> D {
        D { label, value }
    }

    pub fn get(&self) -> u64 {
        self.value
    }
}

impl Drop for D {
    fn drop(&mut self) {
        log(format!("drop {} ({})", self.label, self.value));
    }
}

/// The error of [`fallible`]: where it failed and with what.
#[derive(Debug)]
pub struct Failure {
    pub site: &'static str,
    pub value: u64,
}

impl Failure {
    pub fn new(site: &'static str, value: u64) -> Failure {
        Failure { site, value }
    }
}

/// A `&'static mut` to a new value, for a method whose future borrows its receiver. The value
/// is never dropped, so it never appears in the log.
pub fn leak<T>(value: T) -> &'static mut T {
    Box::leak(Box::new(value))
}

/// A leaf future: `Pending` a set number of times (waking itself each time), then `Ready`, or
/// a panic when it has a fuse.
pub struct Leaf<T> {
    pending: u8,
    value: Option<T>,
    fuse: Option<&'static str>,
}

impl<T: Unpin> Future for Leaf<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        if this.pending > 0 {
            this.pending -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if let Some(fuse) = this.fuse {
            panic!("{fuse} fired");
        }
        Poll::Ready(
            this.value
                .take()
                .expect("a leaf is polled once after it is ready"),
        )
    }
}

/// Pending `times` times, then `value`.
pub fn after<T>(times: u8, value: T) -> Leaf<T> {
    Leaf {
        pending: times,
        value: Some(value),
        fuse: None,
    }
}

/// Pending `times` times, then `()`.
pub fn pend(times: u8) -> Leaf<()> {
    after(times, ())
}

/// Pending `times` times, then `Ok(value)`, or `Err` from `site` unless `ok`.
pub fn fallible(times: u8, site: &'static str, value: u64, ok: bool) -> Leaf<Result<u64, Failure>> {
    after(
        times,
        if ok {
            Ok(value)
        } else {
            Err(Failure::new(site, value))
        },
    )
}

/// Pending `times` times, then `Some(value)`, or `None` unless `present`.
pub fn maybe(times: u8, value: u64, present: bool) -> Leaf<Option<u64>> {
    after(times, present.then_some(value))
}

/// Pending `times` times, then `value`, or a panic (`<site> fired`) when `fire`.
pub fn faulty(times: u8, site: &'static str, value: u64, fire: bool) -> Leaf<u64> {
    Leaf {
        fuse: fire.then_some(site),
        ..after(times, value)
    }
}
