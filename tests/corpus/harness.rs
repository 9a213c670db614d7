//! What the corpus observes and how it compares: a thread-local log that `Drop` impls and
//! bodies write to, leaf futures that are pending a set number of times, an executor that polls
//! by hand with a no-op waker, and the comparison of a plain future with its inspected twin.

use std::cell::RefCell;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use stackless::FutureSize;

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

#[path = "../support/quietly.rs"]
mod quietly;
use quietly::{Polled, dispose, poll_logged};

/// Appends an event to this thread's log.
pub fn log(event: impl Into<String>) {
    LOG.with_borrow_mut(|log| log.push(event.into()));
}

fn take_log() -> Vec<String> {
    LOG.take()
}

/// A value that logs `drop <label>` when dropped.
#[derive(Debug)]
pub struct D(pub &'static str);

impl Drop for D {
    fn drop(&mut self) {
        log(format!("drop {}", self.0));
    }
}

/// A leaf future: `Pending` a set number of times (waking itself each time), then `Ready`.
/// Its guard, if any, logs when the leaf is dropped.
pub struct Leaf<T> {
    pending: u32,
    value: Option<T>,
    _guard: Option<D>,
}

/// Pending `times` times, then `()`.
pub fn pend(times: u32) -> Leaf<()> {
    after(times, ())
}

/// Pending `times` times, then `value`.
pub fn after<T>(times: u32, value: T) -> Leaf<T> {
    Leaf {
        pending: times,
        value: Some(value),
        _guard: None,
    }
}

/// Pending `times` times, then `()`; logs `drop <label>` when dropped.
pub fn guarded(times: u32, label: &'static str) -> Leaf<()> {
    Leaf {
        _guard: Some(D(label)),
        ..pend(times)
    }
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
        Poll::Ready(
            this.value
                .take()
                .expect("a leaf is polled once after it is ready"),
        )
    }
}

/// A `&'static mut` to a new value, for calls whose future borrows its receiver or arguments.
pub fn leak<T>(value: T) -> &'static mut T {
    Box::leak(Box::new(value))
}

#[path = "../support/auto_traits.rs"]
mod auto_traits;
pub use auto_traits::{AutoTraits, Lacks, probe};

/// How a run ended.
#[derive(Debug, PartialEq)]
enum End {
    /// The output, as `Debug` text.
    Ready(String),
    /// The panic's message.
    Panicked(String),
    /// Dropped before it finished, after `Run::polls` polls.
    Dropped,
}

/// Everything observable about one run of a future.
#[derive(Debug, PartialEq)]
struct Run {
    polls: usize,
    end: End,
    log: Vec<String>,
}

/// More polls than any corpus function needs: a future still pending then is a bug.
const MAX_POLLS: usize = 1_000;

/// Polls `future` until it is ready or panics (and once more), or drops it after `stop_after`
/// polls.
fn run<F: Future>(future: F, stop_after: Option<usize>) -> Run
where
    F::Output: Debug,
{
    take_log();
    let mut future = Box::pin(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    let end = loop {
        if stop_after == Some(polls) {
            dispose(future);
            break End::Dropped;
        }
        assert!(polls < MAX_POLLS, "still pending after {MAX_POLLS} polls");
        polls += 1;
        future = match poll_logged(future, &mut cx, polls) {
            Polled::Pending(future) => future,
            Polled::Ended(Ok(text)) => break End::Ready(text),
            Polled::Ended(Err(message)) => break End::Panicked(message),
        };
    };
    Run {
        polls,
        end,
        log: take_log(),
    }
}

/// What differs between a plain future and its inspected twin: what, and both sides.
#[derive(Debug, Default)]
pub struct Differences(Vec<(String, String)>);

impl Differences {
    fn note(&mut self, what: impl Into<String>, plain: &dyn Debug, inspected: &dyn Debug) {
        let sides = format!("    plain:     {plain:?}\n    inspected: {inspected:?}");
        self.0.push((what.into(), sides));
    }

    /// What differs, in the order found.
    pub fn what(&self) -> Vec<&str> {
        self.0.iter().map(|(what, _)| what.as_str()).collect()
    }

    /// Compares the plain future's size and alignment with the layout of the inspected one.
    pub fn compare_layout(&mut self, size: usize, align: usize, inspected: FutureSize) {
        if inspected.size != size {
            self.note("size", &size, &inspected.size);
        }
        if inspected.align != align {
            self.note("alignment", &align, &inspected.align);
        }
        if inspected.align <= 8 && inspected.overhead > 8 {
            self.note("overhead over 8 bytes", &"none", &inspected.overhead);
        }
    }
}

/// Everything in which the inspected future differs from the plain one, given the auto traits
/// of each (see [`AutoTraitProbe`]).
pub fn differences<P, I, PF, IF>(plain: P, inspected: I, traits: [AutoTraits; 2]) -> Differences
where
    P: Fn() -> PF,
    I: Fn() -> IF,
    PF: Future<Output: Debug>,
    IF: Future<Output: Debug>,
{
    let mut found = Differences::default();
    let (size, align) = {
        let future = plain();
        (size_of_val(&future), align_of_val(&future))
    };
    found.compare_layout(size, align, stackless::layout(inspected()).size);
    take_log();
    if traits[0] != traits[1] {
        found.note("auto traits", &traits[0], &traits[1]);
    }

    let whole = [run(plain(), None), run(inspected(), None)];
    if whole[0] != whole[1] {
        found.note("run to the end", &whole[0], &whole[1]);
    }
    for polls in 0..whole[0].polls.max(whole[1].polls) {
        let dropped = [run(plain(), Some(polls)), run(inspected(), Some(polls))];
        if dropped[0] != dropped[1] {
            found.note(
                format!("dropped after {polls} polls"),
                &dropped[0],
                &dropped[1],
            );
        }
    }
    found
}

/// Asserts that the inspected future of case `name` behaves as the plain one.
pub fn check<P, I, PF, IF>(name: &str, plain: P, inspected: I, traits: [AutoTraits; 2])
where
    P: Fn() -> PF,
    I: Fn() -> IF,
    PF: Future<Output: Debug>,
    IF: Future<Output: Debug>,
{
    let found = differences(plain, inspected, traits);
    let report: Vec<String> = found
        .0
        .iter()
        .map(|(what, sides)| format!("{what}:\n{sides}"))
        .collect();
    assert!(
        report.is_empty(),
        "`{name}`: the inspected future differs from the plain one\n{}",
        report.join("\n")
    );
}
