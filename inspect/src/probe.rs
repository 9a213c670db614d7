//! The await probe: what `#[stackless::inspect]` puts around each awaited future.
//!
//! `expr.await` becomes `probe::<Site, INDEX, LINE, COLUMN, _>(expr).await`. The probe is
//! `#[repr(transparent)]` over the awaited future, so the state machine keeps exactly the layout
//! rustc gives the plain function. It carries the await point in its *type*: the function
//! (`Site`), the await point's index, and the line and column of its `.await` (const
//! generics). rustc prints that type for every suspended state in its layout output, which is
//! how `cargo stackless layout` joins each state to its source line and awaited expression.
//!
//! At run time the probe does one thing: when the awaited future returns `Pending`, it writes
//! its place (see [`crate::counters`]) to a thread-local, and the enclosing
//! [`Instrumented`](crate::instrumented) wrapper reads it back after the poll to learn where its
//! future parked.

use std::cell::Cell;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};

use crate::counters::{Place, place};
use crate::instrumented::Site;
use crate::meta::pack_layout;

thread_local! {
    /// The [`Place`] a probe whose future returned `Pending` reports; the enclosing wrapper sets
    /// it to `UNLABELLED` before each poll, for when no probe does.
    pub(crate) static PARKED_AT: Cell<Place> = const { Cell::new(place::UNLABELLED) };
}

/// An awaited future, tagged with the function and await point it belongs to.
#[doc(hidden)]
#[repr(transparent)]
pub struct Probe<S, const INDEX: u16, const LINE: u32, const COLUMN: u32, F> {
    future: F,
    site: PhantomData<fn() -> S>,
}

/// Wraps the future of `.await` number `INDEX` of the function `S`, written at `LINE:COLUMN`.
#[doc(hidden)]
#[inline(always)]
pub fn probe<S: Site, const INDEX: u16, const LINE: u32, const COLUMN: u32, F: IntoFuture>(
    future: F,
) -> Probe<S, INDEX, LINE, COLUMN, F::IntoFuture> {
    if let Some(point) = S::AWAITS.get(INDEX as usize) {
        let packed = const { pack_layout::<F::IntoFuture>() };
        // `record_awaitee`'s own first test, here so that it inlines: once this size is
        // recorded, reaching the await costs one load.
        if point.awaitee.load(Relaxed) < packed {
            point.record_awaitee(packed);
        }
    }
    Probe {
        future: future.into_future(),
        site: PhantomData,
    }
}

impl<S, const INDEX: u16, const LINE: u32, const COLUMN: u32, F: Future> Future
    for Probe<S, INDEX, LINE, COLUMN, F>
{
    type Output = F::Output;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of a pinned `Probe`,
        // `Probe` has no `Drop` impl and is `Unpin` only when `F` is (auto trait; `site` is a
        // function-pointer marker and always `Unpin`).
        let future = unsafe { self.map_unchecked_mut(|probe| &mut probe.future) };
        let poll = future.poll(cx);
        if poll.is_pending() {
            PARKED_AT.set(const { place::await_point(INDEX) });
        }
        poll
    }
}
