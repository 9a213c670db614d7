//! The wrapper around an inspected function's state machine.
//!
//! `#[stackless::inspect] async fn f(..) -> R { body }` returns
//! `instrument::<Site, R, _>(async move { body })`: the untouched state machine plus two small
//! fields, the place it is parked at and how many pending polls it has had there since it
//! arrived. A poll that leaves the future where it was costs two thread-local stores and a load
//! (to hear from the probes) and an increment of that tally, in the future's own memory; only a
//! poll that moves the future counts on the function's shared counters, two or three
//! increments on a shard this thread owns (see [`crate::counters`]).

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};

use crate::budget;
use crate::counters::{Counter, Local, place};
use crate::meta::{FnMeta, FutureSize};
use crate::probe::{NOTHING, PARKED_AT, Report, awaitee_of, place_of};

/// Ties generated code to its function's metadata at zero size: each inspected function defines
/// an empty enum implementing this.
///
/// Every item the macro emits per function is a body rustc must type-check, borrow-check and
/// evaluate, so the impl holds one constant (two more, and the budget, only with `budget = N`).
#[doc(hidden)]
pub trait Site: 'static {
    const FN: &'static FnMeta;
    /// `budget = N` from the attribute.
    const BUDGET: Option<usize> = None;
    /// The function's name as written, for the budget error (a `const` cannot read `FN`).
    const NAME: &'static str = "";
    /// `file:line:column` of the function's name, for the budget error.
    const LOCATION: &'static str = "";
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
    progress: Progress,
    site: PhantomData<fn() -> S>,
}

/// Where the future is, and the pending polls it has had there since it arrived: those are
/// added to the function's counters when it leaves, so that a poll finding the future where it
/// was touches only the future's own memory.
struct Progress {
    state: State,
    stays: u16,
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
    // Nothing below unwinds, but rustc cannot know: without this, every inspected function
    // would make it generate and compile its state machine's drop glue, for a cleanup path
    // that never runs. (Were it to run, the state machine would leak, not drop.)
    let future = ManuallyDrop::new(future);
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
    // The common case, one instantiation already recorded, is one load.
    if S::FN.layouts[0].load(Relaxed) != layout {
        S::FN.record_layout(layout);
    }
    counters::<S>().count(Counter::CREATED);
    LAST_CREATED.set(Some((S::FN, Instrumented::<S, F>::SIZE)));
    Instrumented {
        future: ManuallyDrop::into_inner(future),
        progress: Progress {
            state: place::NOT_STARTED,
            stays: 0,
        },
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
    S::FN.counters.local()
}

impl<S: Site, F: Future> Future for Instrumented<S, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of a pinned
        // `Instrumented`, `Drop` below touches only `progress`, and `Instrumented` is `Unpin`
        // only when `F` is (auto trait; `site` is a function-pointer marker). `progress` is not
        // pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // Only this function's probes, or nothing, report during this poll: an inspected future
        // polled inside it takes its own report and leaves `UNLABELLED` behind, and a probe that
        // reports returns `Pending` straight up to us.
        PARKED_AT.set(NOTHING);
        let on_panic = PanicGuard::<S> {
            progress: &mut this.progress,
            site: PhantomData,
        };
        // SAFETY: see above.
        let poll = unsafe { Pin::new_unchecked(&mut this.future) }.poll(cx);
        std::mem::forget(on_panic);
        let report = PARKED_AT.replace(NOTHING);
        let parked = place_of(report);
        let progress = &mut this.progress;
        if poll.is_pending() {
            // `state` is a place: a state machine polled after its end panics instead.
            if parked == progress.state {
                let (stays, wrapped) = progress.stays.overflowing_add(1);
                progress.stays = stays;
                if wrapped {
                    overflowed::<S>(progress.state);
                }
            } else {
                moved::<S>(progress, report);
            }
        } else {
            ended::<S>(progress, Counter::Completed);
            progress.state = COMPLETED;
        }
        poll
    }
}

/// Counts a poll that parked the future somewhere new. Out of line, so that the poll itself
/// stays small enough for the optimiser to inline it into its caller (an executor's task
/// harness, or the enclosing state machine): every poll would otherwise pay for a call.
#[inline(never)]
fn moved<S: Site>(progress: &mut Progress, report: Report) {
    let parked = place_of(report);
    counters::<S>().moved(progress.state, progress.stays, parked, awaitee_of(report));
    progress.state = parked;
    progress.stays = 0;
}

/// Counts the end of a future's life at its place; out of line, as it happens once per future.
#[inline(never)]
fn ended<S: Site>(progress: &Progress, ending: Counter) {
    // A future polled after it finished panics ("resumed after completion"), and one dropped
    // after that: that future was already counted once.
    if is_place(progress.state) {
        counters::<S>().ended(progress.state, progress.stays, ending);
    }
}

/// The tally of pending polls at `place` went round: hand the counters the `u16::MAX + 1` it
/// counted.
#[cold]
#[inline(never)]
fn overflowed<S: Site>(place: State) {
    counters::<S>().stayed(place, 1 << u16::BITS);
}

/// Counts a panic out of the poll it interrupted, without catching it.
struct PanicGuard<'a, S: Site> {
    progress: &'a mut Progress,
    site: PhantomData<fn() -> S>,
}

impl<S: Site> Drop for PanicGuard<'_, S> {
    fn drop(&mut self) {
        PARKED_AT.set(NOTHING);
        ended::<S>(self.progress, Counter::Panicked);
        self.progress.state = PANICKED;
    }
}

impl<S: Site, F> Drop for Instrumented<S, F> {
    fn drop(&mut self) {
        match self.progress.state {
            // Departing from "not started" means being started: a future dropped unpolled
            // never was.
            place::NOT_STARTED => counters::<S>().count(Counter::DroppedEarly),
            // Tested here as well as in `ended`: most futures are dropped after they complete,
            // and then nothing is counted and nothing need be called.
            state if is_place(state) => ended::<S>(&self.progress, Counter::DroppedEarly),
            _ => {}
        }
    }
}
