//! The wrapper around an inspected function's state machine.
//!
//! `#[stackless::inspect] async fn f(..) -> R { body }` returns
//! `instrument::<Site, R, _>(None, async move { body })`: the untouched state machine plus two
//! small fields, the place it is parked at and how many pending polls it has had there since
//! it arrived. A poll that leaves the future where it was costs two thread-local loads and two
//! stores (to learn where the poll left it, see [`crate::probe`]) and an increment of that
//! tally, in the future's own memory;
//! only a poll that moves the future counts on the function's shared counters, a call and three
//! additions on a shard this thread owns (see [`crate::counters`]).
//!
//! Why a move counts, instead of a report walking the live futures to read where each is
//! parked: how often each await point suspended is a history that no walk can recover, so a
//! move must add to it somewhere. What each design costs was measured in throwaway builds, on
//! `stackless-overhead`'s `alternating_awaits` (every poll moves), in ns over plain, by hand and
//! on tokio's current-thread runtime:
//! - these counters: +2.20 and +3.16;
//! - a slot per live future in a table, with its place and that history: +2.53 and +3.59;
//! - the same slot holding the place alone: +1.86 and +3.01 (it is a cache line the poll
//!   touches besides the future's own);
//! - the place written in the future itself, nothing counted: +1.36 and +1.14.
//!
//! Only [`instrument`] and the wrapper's `poll` and `Drop` are generic over the function; they
//! hand everything else to plain functions taking the function's [`FnMeta`]. A debug build
//! generates a function for every instantiation of a generic one, per inspected function, so
//! each generic helper here would cost every inspected function a function more to compile.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};

use crate::budget;
use crate::counters::{Counter, Ending, place};
use crate::meta::{FnMeta, FutureSize};
use crate::probe::{Report, awaitee_of, place_of, resumed};
use crate::this_thread;

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
    /// The body holds a macro the attribute does not search (`select!`, `join!`), whose awaits
    /// write no mark: a first poll parking there must not read back "not started".
    const UNSEEN_AWAITS: bool = false;
}

/// Where the future is: a [`Place`](crate::counters::Place) while it is alive (the same numbers
/// the marks write), or one of the two ends.
type State = u16;
const COMPLETED: State = u16::MAX;
const PANICKED: State = u16::MAX - 1;
/// The macro refuses functions with more await points than this: every await point's place
/// must stay below the ends.
#[doc(hidden)]
pub const MAX_AWAIT_POINTS: usize = PANICKED as usize - place::FIRST_AWAIT_POINT as usize;

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
#[derive(Clone, Copy)]
struct Progress {
    state: State,
    stays: u16,
}

/// The function whose future of type `F` this thread created last, if `F` is that future: the
/// way `layout` and `stackful` recognise an inspected future they are handed, without a trait
/// bound that would vanish with the `enabled` feature. Clears the record.
pub(crate) fn identify<F>() -> Option<(&'static FnMeta, FutureSize)> {
    let (meta, packed) = this_thread::take_last_created()?;
    let size = FutureSize::unpack(packed);
    // The wrapper adds a `u16`, so its alignment is at least 2. A different type means the
    // caller passed something else (a boxed future, another function's future).
    let wrapper_align = size.align.max(align_of::<u16>());
    (size.total() == size_of::<F>() && wrapper_align == align_of::<F>()).then_some((meta, size))
}

/// Wraps the state machine of an inspected function; `R` is spelled out so that `?` and `return`
/// in the body infer the output type just as they do in an `async fn`. `self_type` is the name
/// of `Self` for a method (see [`self_type`] and [`self_type_of`]), `None` otherwise.
#[doc(hidden)]
#[inline]
pub fn instrument<S: Site, R, F: Future<Output = R>>(
    self_type: Option<&'static str>,
    future: F,
) -> Instrumented<S, F> {
    // Evaluated when the function is instantiated: `cargo build` fails on an over-budget
    // future, `cargo check` does not get this far. Without a budget only `BUDGET` is
    // evaluated: the rest is work for rustc in every build, per inspected function.
    const {
        if let Some(budget) = S::BUDGET {
            budget::check(S::NAME, S::LOCATION, size_of::<F>(), budget)
        }
    };
    created(S::FN, Instrumented::<S, F>::LAYOUT, self_type);
    // Built last, as the return value: built before the call above, the wrapper was copied
    // once more on its way out, a `memcpy` of the whole state machine per future created.
    Instrumented {
        future,
        progress: Progress {
            state: place::NOT_STARTED,
            stays: 0,
        },
        site: PhantomData,
    }
}

impl<S: Site, F> Instrumented<S, F> {
    /// The layout, [packed](FutureSize::pack) so that [`created`] is handed one word.
    const LAYOUT: u64 = FutureSize::of::<F, Self>().pack();
}

/// Counts a new future of the function `meta`, of packed layout `layout`.
///
/// Out of line, so that the inspected function stays about as small as the plain one, which
/// the optimiser inlines where its future is created, building the state machine where it will
/// live. Inlined here, this code made the function too large to inline into an enclosing state
/// machine, which then built the future aside and copied it in. Measured with
/// `stackless-overhead`'s `one_poll` group (create, poll once, drop), over plain: a `&self`
/// method awaited in a task went from 12.1 ns to 4.9 ns, a future holding a 1 KiB argument
/// (copied once more than plain's) from 17.3 ns to 4.7 ns, while a future its executor creates
/// directly pays the call, 4.3 ns to 4.6 ns.
///
/// `extern "C"`, like the poll's helpers (see [`before_poll`]): `instrument` then needs no
/// cleanup path to drop the future it was handed should this unwind.
#[inline(never)]
#[allow(improper_ctypes_definitions)]
extern "C" fn created(meta: &'static FnMeta, layout: u64, self_type: Option<&'static str>) {
    // The common case, one instantiation recorded and a shard owned, calls nothing: every slow
    // path is behind one cold call.
    let recorded = meta.layouts[0].load(Relaxed) == layout
        && (self_type.is_none() || meta.self_type.get().is_some());
    if !recorded {
        return created_first(meta, layout, self_type);
    }
    // `self_type` is recorded: not handing it on below keeps it out of the registers saved
    // around the thread-local access (see `crate::this_thread`).
    if meta.counters.local().count_owned(Counter::CREATED) {
        this_thread::set_last_created(meta, layout);
    } else {
        created_first(meta, layout, None);
    }
}

/// [`created`] for the first future of an instantiation or of a thread, or on a thread
/// without a shard of its own.
#[cold]
#[inline(never)]
#[allow(improper_ctypes_definitions)]
extern "C" fn created_first(meta: &'static FnMeta, layout: u64, self_type: Option<&'static str>) {
    if meta.layouts[0].load(Relaxed) != layout {
        meta.record_layout(layout);
    }
    if let Some(self_type) = self_type
        && meta.self_type.get().is_none()
    {
        let _ = meta.self_type.set(self_type);
    }
    meta.counters.local().count(Counter::CREATED);
    this_thread::set_last_created(meta, layout);
}

/// The name of `Self`, for a method whose signature spells `Self`.
#[doc(hidden)]
#[inline]
pub fn self_type<SelfTy: ?Sized>() -> Option<&'static str> {
    Some(std::any::type_name::<SelfTy>())
}

/// The name of `Self`, for a receiver written without a type (`self`, `&self`, `&mut self`):
/// inferred from a pointer to the receiver, so generated code never spells `Self` (and a stray
/// `self` outside an `impl` gets rustc's error alone). The pointer is only a type witness:
/// never read, and holding no borrow.
#[doc(hidden)]
#[inline]
pub fn self_type_of<SelfTy: ?Sized>(_receiver: *const SelfTy) -> Option<&'static str> {
    Some(std::any::type_name::<SelfTy>())
}

impl<S: Site, F: Future> Future for Instrumented<S, F> {
    type Output = F::Output;

    // Always, when optimising: left to itself the optimiser kept it out of line in tokio's task
    // harness, and the call, with its saved registers, cost about as much as all the counting
    // (callgrind). Not in an unoptimised build (`debug_assertions` is the nearest a library
    // gets to knowing it is one): there `inline(always)` is still obeyed, so every caller
    // generated a copy of the poll on top of its own.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `Pin` is `#[repr(transparent)]` over its pointer. `future` is structurally
        // pinned: it is never moved out of a pinned `Instrumented`, `Drop` below touches only
        // `progress`, and `Instrumented` is `Unpin` only when `F` is (auto trait; `site` is a
        // function-pointer marker). `progress` is not pinned. A `transmute`, not `Pin`'s
        // methods: those are generic, one more function per inspected function to generate.
        let this = unsafe { std::mem::transmute::<Pin<&mut Self>, &mut Self>(self) };
        let on_panic = before_poll(S::FN, &mut this.progress, S::UNSEEN_AWAITS);
        // SAFETY: as above.
        let future = unsafe { std::mem::transmute::<&mut F, Pin<&mut F>>(&mut this.future) };
        let poll = future.poll(cx);
        // A pattern, not `is_ready()`: a generic method, one more function per output type in
        // a debug build.
        let ready = matches!(poll, Poll::Ready(_));
        after_poll(on_panic, ready);
        poll
    }
}

/// Sets the thread-local to where the future is, for the marks its body passes during the poll
/// to overwrite (see `crate::probe`), and returns what it held (an enclosing inspected future's
/// mark) in the guard that puts it back.
///
/// `extern "C"`, as is [`after_poll`]: a call rustc knows cannot unwind needs no cleanup path,
/// and cleanup paths are most of what a generic `poll` costs a debug build, per inspected
/// function. Neither can panic: the counters write only the function's own places, and count
/// any other place a mark may carry as unlabelled (`Counters::at_known_place`). If one did
/// panic, the process would abort rather than unwind.
#[inline]
#[allow(improper_ctypes_definitions)]
extern "C" fn before_poll<'a>(
    meta: &'static FnMeta,
    progress: &'a mut Progress,
    unseen_awaits: bool,
) -> PanicGuard<'a> {
    let outer = this_thread::replace_mark(resumed(progress.state, unseen_awaits));
    PanicGuard {
        progress,
        meta,
        outer,
    }
}

/// Puts back the enclosing future's mark, and counts the poll: where the last mark written
/// during it says the future parked, or its completion.
#[inline]
#[allow(improper_ctypes_definitions)]
extern "C" fn after_poll(on_panic: PanicGuard<'_>, ready: bool) {
    let mut on_panic = std::mem::ManuallyDrop::new(on_panic);
    let report = this_thread::replace_mark(on_panic.outer);
    let meta = on_panic.meta;
    let progress = &mut *on_panic.progress;
    if ready {
        completed(meta, progress);
    } else {
        parked(meta, progress, report);
    }
}

/// Counts a poll of a future of the function `meta` that returned `Pending`, after which the
/// last mark (`report`) says where it parked. Not generic: in a debug build one copy serves
/// every inspected function; an optimised build inlines it into each poll.
#[inline]
fn parked(meta: &'static FnMeta, progress: &mut Progress, report: Report) {
    // `state` is a place: a state machine polled after its end panics instead.
    if place_of(report) == progress.state {
        let (stays, wrapped) = progress.stays.overflowing_add(1);
        progress.stays = stays;
        if wrapped {
            overflowed(meta, progress.state);
        }
    } else {
        moved(meta, progress, report, this_thread::shard());
    }
}

/// Counts a poll that returned `Ready`.
#[inline]
fn completed(meta: &'static FnMeta, progress: &mut Progress) {
    ended(meta, progress, Ending::Completed, this_thread::shard());
    progress.state = COMPLETED;
}

/// Counts a poll that parked the future somewhere new, on this thread's `shard`. Out of line,
/// so that the poll itself stays small enough for the optimiser to inline it into its caller
/// (an executor's task harness, or the enclosing state machine): every poll would otherwise pay
/// for a call.
///
/// Handed the shard by the poll, which reads it beside the mark (see [`crate::this_thread`]),
/// and writing the future's progress before it counts, so that every slow path is a tail call:
/// it then saves no register.
#[inline(never)]
fn moved(meta: &'static FnMeta, progress: &mut Progress, report: Report, shard: u8) {
    let Progress { state, stays } = *progress;
    let parked = place_of(report);
    progress.state = parked;
    progress.stays = 0;
    meta.counters
        .local_of(shard)
        .moved(state, stays, parked, awaitee_of(report));
}

/// Counts the end of a future's life at its place, on this thread's `shard`; out of line, as
/// it happens once per future.
#[inline(never)]
fn ended(meta: &'static FnMeta, progress: &Progress, ending: Ending, shard: u8) {
    // A future polled after it finished panics ("resumed after completion"), and one dropped
    // after that: that future was already counted once.
    if is_place(progress.state) {
        meta.counters
            .local_of(shard)
            .ended(progress.state, progress.stays, ending);
    }
}

/// The tally of pending polls at `place` went round: hand the counters the `u16::MAX + 1` it
/// counted.
#[cold]
#[inline(never)]
fn overflowed(meta: &'static FnMeta, place: State) {
    meta.counters.local().stayed(place, 1 << u16::BITS);
}

/// Counts a future dropped before it finished.
///
/// Handed the progress by value, not by reference: a reference to a field of the wrapper,
/// passed to a call the optimiser cannot see into, makes the wrapper's address escape on
/// every path that may drop it, and a future not yet pinned is then kept in memory and copied
/// whole at each move instead of being built where it ends up. `tokio::spawn` moves its
/// future four times on the way into the task: with a reference here, each move of a 1 KiB
/// future was a `memcpy` (callgrind, `stackless-overhead`'s `current_thread` `kib_local`: five
/// copies per task in the spawning closure, plain's one), 0.4 ns per poll of a task polled 101
/// times.
#[inline(never)]
fn dropped_early(meta: &'static FnMeta, progress: Progress) {
    match progress.state {
        // Departing from "not started" means being started: a future dropped unpolled never
        // was.
        place::NOT_STARTED => meta.counters.local().count(Counter::DroppedEarly),
        _ => ended(meta, &progress, Ending::DroppedEarly, this_thread::shard()),
    }
}

/// Counts a panic out of the poll it interrupted, without catching it, and puts back the mark
/// of an enclosing inspected future (`outer`), which may catch it.
struct PanicGuard<'a> {
    progress: &'a mut Progress,
    meta: &'static FnMeta,
    outer: Report,
}

impl Drop for PanicGuard<'_> {
    // Inlinable, so that an optimised poll keeps the guard in registers rather than building
    // it in memory for a call from its cleanup path.
    #[inline]
    fn drop(&mut self) {
        this_thread::set_mark(self.outer);
        ended(
            self.meta,
            self.progress,
            Ending::Panicked,
            this_thread::shard(),
        );
        self.progress.state = PANICKED;
    }
}

impl<S: Site, F> Drop for Instrumented<S, F> {
    fn drop(&mut self) {
        // Tested here as well as in `ended`: most futures are dropped after they complete, and
        // then nothing is counted and nothing need be called.
        if is_place(self.progress.state) {
            dropped_early(S::FN, self.progress);
        }
    }
}
