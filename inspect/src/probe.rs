//! The await marks: what `#[stackless::inspect]` puts at each await point, so that the wrapper
//! learns where its future parked.
//!
//! Input:   let n = conn.read(&mut buf).await?;
//! Output:  let n = enter(1, conn.read(&mut buf)).await?;
//!
//! [`enter`] writes the await point's place (see [`crate::counters`]) and the layout of the
//! awaited future to a thread-local, then hands the future back, to be awaited as written. The
//! enclosing [`Instrumented`](crate::instrumented) wrapper sets the thread-local to where its
//! future already is before each poll and reads it back after: when the poll returns `Pending`,
//! the last mark written during it says where the future is parked now. A poll that resumes at
//! an await point and parks there again writes no mark at all.
//!
//! The awaits the macro cannot see are those inside macros it does not search (`select!`,
//! `join!`). In a function that holds such a macro, every await marks its end as well
//! ([`enter_leaving`]), so that parking inside the macro reads as `UNLABELLED`, not as the last
//! await point entered. Marks are only ever calls on the awaited value: a statement of its own,
//! even a call to an empty function, gives the state machine drop flags the plain function
//! does not have.
//!
//! Why a mark before the await, and not a wrapper around the awaited future that reports its
//! `Pending`: such a wrapper is a type of its own for every `.await`, with a `poll` and drop
//! glue that rustc must check, instantiate and generate, per `.await` of every inspected
//! function. That was a fifth of what the attribute added to a build (the compile-time
//! benchmark's 500 functions built in ×2.04 plain's time with such wrappers, ×1.81 with marks).
//! `enter` is generic over the awaited type only, and one instance serves every await of that
//! type, in every function.
//!
//! The layout command still needs that type. `cargo stackless layout` ties each suspended state
//! in rustc's layout output to its `.await` by the type of the awaited future, so in its build,
//! and only there (it sets `STACKLESS_LAYOUT_TAGS`), the macro emits [`enter_tagged`], which
//! also wraps the future in a [`Probe`]: `#[repr(transparent)]`, so the layout is the same, and
//! carrying the function and the await point (index, line and column) in its type.
//!
//! Everything here is inlined always when optimising, and never forced in an unoptimised build
//! (`debug_assertions` is the nearest a library gets to knowing it is one): there
//! `inline(always)` is still obeyed, and every `.await` of every inspected function generated
//! its own copy of the mark: 0.2 s of the compile-time benchmark's debug build (4.0 s against
//! 3.8 s, plain 2.3 s).

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::counters::{Place, place};
use crate::instrumented::Site;
use crate::meta::pack_layout;
use crate::this_thread;

/// A mark: a [`Place`] in the low 16 bits, and above them the size and alignment of the future
/// awaited there, packed by [`pack_layout`] (0 when unknown).
pub(crate) type Report = u64;

/// At no await point the macro saw: `UNLABELLED`, awaiting a future of unknown size.
pub(crate) const NOTHING: Report = place::UNLABELLED as Report;

const fn report(place: Place, awaitee: u64) -> Report {
    place as Report | awaitee << 16
}

/// What the thread-local says before a poll of a future at `place`: that place, as if marked,
/// so that a poll resuming at an await point and parking there again need write nothing.
///
/// Before the first poll that is `NOT_STARTED`, which no mark writes, and every pending poll
/// writes a mark on its way to an await point. Not so in a function whose body holds a macro
/// the attribute does not search (`unseen_awaits`): a first poll parking inside it writes none,
/// and must read back `NOTHING`, not "not started". A constant per function, so the others do
/// not pay for the test.
#[inline]
pub(crate) const fn resumed(place: Place, unseen_awaits: bool) -> Report {
    if unseen_awaits && place < place::await_point(0) {
        NOTHING
    } else {
        place as Report
    }
}

/// Where the mark says the future is.
#[inline]
pub(crate) const fn place_of(report: Report) -> Place {
    report as Place
}

/// The packed layout of the future the mark says it awaits; 0 if unknown.
#[inline]
pub(crate) const fn awaitee_of(report: Report) -> u64 {
    report >> 16
}

/// Marks await point `index` (numbered by the macro from 0) as the one the function is about to
/// await `future` at, and hands the future back.
///
/// No `IntoFuture` bound: a value that cannot be awaited then gets rustc's own error, once, at
/// its `.await`, as in the plain function. The layout recorded is that of the value awaited,
/// which is the future's unless the value is an `IntoFuture` that is no future itself.
#[doc(hidden)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn enter<F>(index: u16, future: F) -> F {
    mark::<F>(index);
    future
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn mark<F>(index: u16) {
    this_thread::set_mark(report(
        place::await_point(index),
        const { pack_layout::<F>() },
    ));
}

/// [`enter`], in a function whose body holds a macro the attribute does not search (`select!`,
/// `join!`): the future comes back in a [`Leaving`], which marks the end of the await too, so
/// that parking inside the macro later does not read as this await point.
#[doc(hidden)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn enter_leaving<F: IntoFuture>(index: u16, future: F) -> Leaving<F::IntoFuture> {
    let future = future.into_future();
    mark::<F::IntoFuture>(index);
    Leaving { future }
}

/// An awaited future that marks "no await point" when it completes: see [`enter_leaving`].
/// `#[repr(transparent)]`, so the state machine keeps the plain function's layout.
#[doc(hidden)]
#[repr(transparent)]
pub struct Leaving<F> {
    future: F,
}

impl<F: Future> Future for Leaving<F> {
    type Output = F::Output;

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `Leaving` is `#[repr(transparent)]` over `future`, and `Pin` over its
        // pointer. `future` is structurally pinned: it is never moved out of a pinned
        // `Leaving`, which has no `Drop` impl and is `Unpin` only when `F` is.
        let future = unsafe { std::mem::transmute::<Pin<&mut Self>, Pin<&mut F>>(self) };
        left(future.poll(cx))
    }
}

/// Marks the end of an await if `poll` is `Ready`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn left<T>(poll: Poll<T>) -> Poll<T> {
    // A pattern, not `is_ready()`: a generic method, one more function per output type in a
    // debug build.
    #[allow(clippy::redundant_pattern_matching)]
    if let Poll::Ready(_) = poll {
        this_thread::set_mark(NOTHING);
    }
    poll
}

/// An awaited future, tagged with the function and await point it belongs to (`AT`, see
/// [`at`]): what [`enter_tagged`] returns in the layout command's build.
#[doc(hidden)]
#[repr(transparent)]
pub struct Probe<S, const AT: u64, F> {
    future: F,
    site: PhantomData<fn() -> S>,
}

/// Packs an await point's index, line and column into a `Probe`'s `AT`: the index in bits 0 to
/// 15, the line in bits 16 to 39 and the column in bits 40 to 63, each saturating (a line past
/// 16 million reads as the last one).
#[doc(hidden)]
pub const fn at(index: u16, line: u32, column: u32) -> u64 {
    const MAX: u32 = (1 << 24) - 1;
    let line = if line > MAX { MAX } else { line };
    let column = if column > MAX { MAX } else { column };
    index as u64 | (line as u64) << 16 | (column as u64) << 40
}

/// The index, line and column packed by [`at`].
pub(crate) const fn unpack_at(at: u64) -> (u16, u32, u32) {
    (at as u16, (at >> 16) as u32 & 0xff_ffff, (at >> 40) as u32)
}

/// [`enter`], for the layout command's build: the same mark, and the future wrapped in a
/// [`Probe`] naming the function `S` and the await point `AT`, which marks the await's end as
/// [`Leaving`] does.
#[doc(hidden)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn enter_tagged<S: Site, const AT: u64, F: IntoFuture>(
    future: F,
) -> Probe<S, AT, F::IntoFuture> {
    let future = future.into_future();
    mark::<F::IntoFuture>(unpack_at(AT).0);
    Probe {
        future,
        site: PhantomData,
    }
}

impl<S, const AT: u64, F: Future> Future for Probe<S, AT, F> {
    type Output = F::Output;

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `Probe` is `#[repr(transparent)]` over `future`, and `Pin` over its pointer.
        // `future` is structurally pinned: it is never moved out of a pinned `Probe`, `Probe`
        // has no `Drop` impl and is `Unpin` only when `F` is (auto trait; `site` is a
        // function-pointer marker and always `Unpin`).
        let future = unsafe { std::mem::transmute::<Pin<&mut Self>, Pin<&mut F>>(self) };
        // Every await marks its end here, not only those `enter_leaving` would: the layout
        // build need not be lean.
        left(future.poll(cx))
    }
}
