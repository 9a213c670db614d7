//! The wrapper around an inspected function's state machine.
//!
//! `#[stackless::inspect] async fn f(..) -> R { body }` returns
//! `instrument::<Site, R, _>(async move { body })`: the untouched state machine plus one small
//! field, the place it is parked at. Each poll costs two thread-local accesses (to hear from the
//! probes) and one or two counter increments on a shard this thread owns; see
//! [`crate::counters`].

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};

use crate::budget;
use crate::counters::{Counter, Counters, Local, place};
use crate::meta::{AwaitMeta, FnMeta, FutureSize};
use crate::probe::PARKED_AT;

/// Ties generated code to its function's metadata at zero size: each inspected function defines
/// a unit struct implementing this.
#[doc(hidden)]
pub trait Site: 'static {
    const FN: &'static FnMeta;
    /// `FN`'s counters and await points again, as constants: the poll path then has their
    /// addresses and lengths in its instructions instead of loading them from `FN` (a `const`
    /// may point at a static, but not read one).
    const COUNTERS: Counters;
    const AWAITS: &'static [AwaitMeta];
    /// The function's name as written, for the budget error (a `const` cannot read `FN`).
    const NAME: &'static str;
    /// `file:line:column` of the function's name, for the budget error.
    const LOCATION: &'static str = "";
    /// `budget = N` from the attribute.
    const BUDGET: Option<usize> = None;
}

/// Where the future is: a [`Place`](crate::counters::Place) while it is alive (the same numbers
/// the probes report), or one of the two ends.
type State = u16;
const COMPLETED: State = u16::MAX;
const PANICKED: State = u16::MAX - 1;
/// The macro refuses functions with more await points than this: every await point's place
/// must stay below the ends.
#[doc(hidden)]
pub const MAX_AWAIT_POINTS: usize = PANICKED as usize - place::await_point(0) as usize;

const fn is_place(state: State) -> bool {
    state < PANICKED
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
    counters::<S>().count(Counter::CREATED);
    LAST_CREATED.set(Some((S::FN, Instrumented::<S, F>::SIZE)));
    Instrumented {
        future,
        state: place::NOT_STARTED,
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

/// [`instrument_method`] for a receiver written without a type (`self`, `&self`, `&mut self`):
/// `Self` is inferred from a pointer to the receiver, so generated code never spells `Self` (and
/// a stray `self` outside an `impl` gets rustc's error alone). The pointer is only a type
/// witness: never read, and holding no borrow.
#[doc(hidden)]
#[inline]
pub fn instrument_receiver<S: Site, SelfTy: ?Sized, R, F: Future<Output = R>>(
    _receiver: *const SelfTy,
    future: F,
) -> Instrumented<S, F> {
    instrument_method::<S, SelfTy, R, F>(future)
}

#[inline(always)]
fn counters<S: Site>() -> Local {
    const { &S::COUNTERS }.local()
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
        let outer = PARKED_AT.replace(place::UNLABELLED);
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
            // `before` is a place: a state machine polled after its end panics instead.
            if parked == before {
                counters::<S>().stayed(parked);
            } else {
                counters::<S>().moved(before, parked);
                this.state = parked;
            }
        } else {
            completed::<S>(before);
            this.state = COMPLETED;
        }
        poll
    }
}

/// Counts a poll that returned `Ready`; out of line, as it happens once per future.
#[inline(never)]
fn completed<S: Site>(before: State) {
    if is_place(before) {
        counters::<S>().ended(before, Counter::Completed);
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
        if is_place(self.before) {
            counters::<S>().ended(self.before, Counter::Panicked);
        }
        *self.state = PANICKED;
    }
}

impl<S: Site, F> Drop for Instrumented<S, F> {
    fn drop(&mut self) {
        match self.state {
            // Departing from "not started" means being started: a future dropped unpolled
            // never was.
            place::NOT_STARTED => counters::<S>().count(Counter::DroppedEarly),
            place if is_place(place) => counters::<S>().ended(place, Counter::DroppedEarly),
            _ => {}
        }
    }
}
