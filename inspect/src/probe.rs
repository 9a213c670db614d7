//! The await probe: what `#[stackless::inspect]` puts around each awaited future.
//!
//! `expr.await` becomes `probe::<Site, { at(INDEX, line!(), column!()) }, _>(expr).await`. The
//! probe is `#[repr(transparent)]` over the awaited future, so the state machine keeps exactly
//! the layout rustc gives the plain function. It carries the await point in its *type*: the
//! function (`Site`), and one const generic packing the await point's index with the line and
//! column of its `.await`. rustc prints that type for every suspended state in its layout
//! output, which is how `cargo stackless layout` joins each state to its source line and
//! awaited expression. One number, not three: each const argument is a body rustc must
//! check and evaluate, for every `.await` of every inspected function.
//!
//! At run time the probe does one thing: when the awaited future returns `Pending`, it writes
//! its place (see [`crate::counters`]) and the size of the awaited future to a thread-local, and
//! the enclosing [`Instrumented`](crate::instrumented) wrapper reads them back after the poll to
//! learn where its future parked. Both are constants of the probe's type: reporting is one
//! store.

use std::cell::Cell;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::counters::{Place, place};
use crate::instrumented::Site;
use crate::meta::pack_layout;

thread_local! {
    /// The [`Report`] of a probe whose future returned `Pending`; the enclosing wrapper sets it
    /// to [`NOTHING`] before each poll, for when no probe reports.
    pub(crate) static PARKED_AT: Cell<Report> = const { Cell::new(NOTHING) };
}

/// What a probe reports: its [`Place`] in the low 16 bits, and above them the size and
/// alignment of the future parked on, packed by [`pack_layout`].
pub(crate) type Report = u64;

/// No probe reported: the future parked where no probe sees (`UNLABELLED`), on a future of
/// unknown size.
pub(crate) const NOTHING: Report = place::UNLABELLED as Report;

const fn report(place: Place, awaitee: u64) -> Report {
    place as Report | awaitee << 16
}

/// Where the report says the future parked.
#[inline]
pub(crate) const fn place_of(report: Report) -> Place {
    report as Place
}

/// The packed layout of the future the report says it parked on; 0 if unknown.
#[inline]
pub(crate) const fn awaitee_of(report: Report) -> u64 {
    report >> 16
}

/// An awaited future, tagged with the function and await point it belongs to (`AT`, see
/// [`at`]).
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

/// Wraps the future of the `.await` described by `AT` in the function `S`.
#[doc(hidden)]
#[inline(always)]
pub fn probe<S: Site, const AT: u64, F: IntoFuture>(future: F) -> Probe<S, AT, F::IntoFuture> {
    Probe {
        future: future.into_future(),
        site: PhantomData,
    }
}

impl<S, const AT: u64, F: Future> Future for Probe<S, AT, F> {
    type Output = F::Output;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `Probe` is `#[repr(transparent)]` over `future`, and `Pin` over its pointer.
        // `future` is structurally pinned: it is never moved out of a pinned `Probe`, `Probe`
        // has no `Drop` impl and is `Unpin` only when `F` is (auto trait; `site` is a
        // function-pointer marker and always `Unpin`). A `transmute`, not `map_unchecked_mut`:
        // that is two generic functions (it and its closure) to generate per `.await`.
        let future = unsafe { std::mem::transmute::<Pin<&mut Self>, Pin<&mut F>>(self) };
        let poll = future.poll(cx);
        // A pattern, not `is_pending()`: a generic method, one more function per output type
        // in a debug build.
        #[allow(clippy::redundant_pattern_matching)]
        if let Poll::Pending = poll {
            PARKED_AT
                .set(const { report(place::await_point(unpack_at(AT).0), pack_layout::<F>()) });
        }
        poll
    }
}
