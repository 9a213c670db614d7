//! The wrapper around an inspected function's state machine.
//!
//! `#[stackless::inspect] async fn f(..) -> R { body }` returns
//! `instrument::<Site, R, _>(async move { body })`: the untouched state machine plus one small
//! field, the await point it is parked at. Each poll costs two thread-local accesses (to hear
//! from the probes) and one counter update on a shard this thread owns; see [`crate::counters`].

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};

use crate::budget;
use crate::counters::{Counter, Counters, Local};
use crate::meta::{FnMeta, FutureSize};
use crate::probe::{PARKED_AT, UNLABELLED};

/// Ties generated code to its function's metadata at zero size: each inspected function defines
/// a unit struct implementing this.
#[doc(hidden)]
pub trait Site: 'static {
    const FN: &'static FnMeta;
    /// The function's name as written, for the budget error (a `const` cannot read `FN`).
    const NAME: &'static str;
    /// `file:line:column` of the function's name, for the budget error.
    const LOCATION: &'static str = "";
    /// `budget = N` from the attribute.
    const BUDGET: Option<usize> = None;
}

/// Where the future is, in the same `u16` the probes report. Await points are `0..UNLABELLED`.
type State = u16;
const NOT_STARTED: State = UNLABELLED - 1;
const COMPLETED: State = UNLABELLED - 2;
const PANICKED: State = UNLABELLED - 3;
/// The macro refuses functions with more await points than this.
#[doc(hidden)]
pub const MAX_AWAIT_POINTS: usize = PANICKED as usize;

fn parked_at(state: State) -> Option<Option<u16>> {
    match state {
        UNLABELLED => Some(None),
        NOT_STARTED | COMPLETED | PANICKED => None,
        point => Some(Some(point)),
    }
}

/// An inspected function's future: its state machine and the await point it is parked at.
#[doc(hidden)]
pub struct Instrumented<S: Site, F> {
    future: F,
    state: State,
    site: PhantomData<fn() -> S>,
}

thread_local! {
    /// The layout of the future most recently created on this thread, for [`crate::layout`].
    pub(crate) static LAST_CREATED: Cell<Option<(&'static FnMeta, FutureSize)>> = const { Cell::new(None) };
}

/// The function whose future of type `F` this thread created last, if `F` is that future: the
/// way `layout` and `stackful` recognise an inspected future they are handed, without a trait
/// bound that would vanish with the `enabled` feature. Clears the record.
pub(crate) fn identify<F>() -> Option<(&'static FnMeta, FutureSize)> {
    let (meta, size) = LAST_CREATED.take()?;
    // The wrapper adds a `u16`, so its alignment is at least 2. A different type means the
    // caller passed something else (a boxed future, another function's future).
    let wrapper_align = size.align.max(align_of::<u16>());
    (size.total() == size_of::<F>() && wrapper_align == align_of::<F>()).then_some((meta, size))
}

/// Wraps the state machine of an inspected function; `R` is spelled out so that `?` and `return`
/// in the body infer the output type just as they do in an `async fn`.
#[doc(hidden)]
#[inline]
pub fn instrument<S: Site, R, F: Future<Output = R>>(future: F) -> Instrumented<S, F> {
    // Evaluated when the function is instantiated: `cargo build` fails on an over-budget
    // future, `cargo check` does not get this far.
    const {
        budget::check(
            S::NAME,
            S::LOCATION,
            Instrumented::<S, F>::SIZE.size,
            S::BUDGET,
        )
    };
    let layout = const { Instrumented::<S, F>::SIZE.pack() };
    // `record_layout`'s own first test, here so that it inlines: the common case, one
    // instantiation already recorded, is one load.
    if S::FN.layouts[0].load(Relaxed) != layout {
        S::FN.record_layout(layout);
    }
    counters::<S>().increment(Counter::Created);
    LAST_CREATED.set(Some((S::FN, Instrumented::<S, F>::SIZE)));
    Instrumented {
        future,
        state: NOT_STARTED,
        site: PhantomData,
    }
}

impl<S: Site, F> Instrumented<S, F> {
    const SIZE: FutureSize = FutureSize::of::<F, Self>();
}

/// Like [`instrument`], for methods: also learns the name of `Self` for reports.
#[doc(hidden)]
#[inline]
pub fn instrument_method<S: Site, SelfTy: ?Sized, R, F: Future<Output = R>>(
    future: F,
) -> Instrumented<S, F> {
    if S::FN.self_type.get().is_none() {
        let _ = S::FN.self_type.set(std::any::type_name::<SelfTy>());
    }
    instrument::<S, R, F>(future)
}

#[inline(always)]
fn counters<S: Site>() -> Counters {
    Counters::new(S::FN.counters, S::FN.awaits.len())
}

impl<S: Site, F: Future> Future for Instrumented<S, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of a pinned
        // `Instrumented`, `Drop` below touches only `state`, and `Instrumented` is `Unpin` only
        // when `F` is (auto trait; `site` is a function-pointer marker). `state` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let before = this.state;
        // Probes inside this poll report to us; whatever an enclosing inspected future's probes
        // said so far is restored afterwards.
        let outer = PARKED_AT.replace(UNLABELLED);
        let on_panic = PanicGuard::<S> {
            before,
            state: &mut this.state,
            outer,
            site: PhantomData,
        };
        // SAFETY: see above.
        let poll = unsafe { Pin::new_unchecked(&mut this.future) }.poll(cx);
        std::mem::forget(on_panic);
        let parked = PARKED_AT.replace(outer);
        if poll.is_pending() {
            if parked == before {
                // Parked where the last poll left it: one counter.
                counters::<S>().local().suspended_at(parked);
            } else {
                moved::<S>(before, parked);
                this.state = parked;
            }
        } else {
            completed::<S>(before);
            this.state = COMPLETED;
        }
        poll
    }
}

/// Counts a pending poll that parked the future somewhere new. Inlined: in most futures, most
/// awaits are pending once and then ready, so most pending polls park somewhere new.
#[inline(always)]
fn moved<S: Site>(before: State, parked: u16) {
    let counters = counters::<S>().local();
    leave(counters, before);
    counters.arrived_at(parked);
}

/// Counts a poll that returned `Ready`; out of line, as it happens once per future.
#[inline(never)]
fn completed<S: Site>(before: State) {
    if before != COMPLETED && before != PANICKED {
        let counters = counters::<S>().local();
        leave(counters, before);
        counters.increment(Counter::Completed);
    }
}

/// Counts the future out of the state it was in before this poll.
#[inline(always)]
fn leave(counters: Local, before: State) {
    match before {
        NOT_STARTED => counters.increment(Counter::Started),
        COMPLETED | PANICKED => {}
        // An await point, or `UNLABELLED`.
        place => counters.left(place),
    }
}

/// Counts a panic out of the poll it interrupted, without catching it.
struct PanicGuard<'a, S: Site> {
    before: State,
    state: &'a mut State,
    outer: u16,
    site: PhantomData<fn() -> S>,
}

impl<S: Site> Drop for PanicGuard<'_, S> {
    fn drop(&mut self) {
        PARKED_AT.set(self.outer);
        // A future polled after it finished panics ("resumed after completion"): that future
        // was already counted once.
        if self.before != COMPLETED && self.before != PANICKED {
            let counters = counters::<S>().local();
            leave(counters, self.before);
            counters.increment(Counter::Panicked);
        }
        *self.state = PANICKED;
    }
}

impl<S: Site, F> Drop for Instrumented<S, F> {
    fn drop(&mut self) {
        let counters = counters::<S>();
        match parked_at(self.state) {
            Some(point) => {
                counters.decrement(Counter::Parked(point));
                counters.increment(Counter::DroppedEarly);
            }
            None if self.state == NOT_STARTED => counters.increment(Counter::DroppedEarly),
            None => {}
        }
    }
}
