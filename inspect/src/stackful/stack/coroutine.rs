//! A future pinned on a coroutine's stack, polled one resume at a time.
//!
//! The coroutine's body owns the future: the first resume moves it into the body's frame, where
//! it is pinned; every later resume polls it once, and the body suspends with `Pending` or
//! returns the output. The future's state, every poll's frames and, in the end, its destructor
//! all live on the coroutine's stack, as the locals of a stackful coroutine do.
//!
//! The future cannot simply be captured by the body's closure: corosensei copies the closure to
//! the new stack when it builds the coroutine and refuses closures over 1 KiB.

use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};

/// What each resume asks the body to do. The pointers are valid for that one resume: each comes
/// from a `&mut` borrow held by the resuming call, which is blocked in `resume` until the body
/// suspends or returns, and the body is done with the pointer before it does either.
enum Resume<F> {
    /// The first resume: move the future out of this slot, which is not touched again.
    MoveIn(NonNull<ManuallyDrop<F>>),
    /// Poll the future once with the caller's context. The `'static` is a placeholder: the
    /// body hands the context to `F::poll`, which is generic over that lifetime and so cannot
    /// rely on it.
    Poll(NonNull<Context<'static>>),
    /// Drop the future, here on the coroutine's stack, and return.
    Drop,
}

/// Yield `()` means the future returned `Pending`; the return value is `None` once dropped.
type Body<F> = Coroutine<Resume<F>, (), Option<<F as Future>::Output>, DefaultStack>;

/// A future `F` that lives on, and is polled on, its own stack.
pub(super) struct OnStack<F: Future> {
    /// `None` once the future has completed and the stack has been handed back.
    coroutine: Option<Body<F>>,
    /// Keeps `OnStack` invariant in `F` whatever corosensei's variance: a coroutine is
    /// contravariant in its input, and lengthening a lifetime `F` borrows for would let the
    /// coroutine outlive what it borrows.
    invariant: PhantomData<fn(F) -> F>,
}

impl<F: Future> OnStack<F> {
    /// Builds the coroutine and moves `future` onto its stack (running none of its code).
    pub(super) fn new(stack: DefaultStack, future: F) -> Self {
        let body = |yielder: &Yielder<Resume<F>, ()>, first: Resume<F>| {
            let Resume::MoveIn(mut slot) = first else {
                unreachable!("the first resume moves the future in")
            };
            // From here on the future lives in this frame, on the coroutine's stack, until it
            // is dropped: when the body returns (ready or dropped) or unwinds (a panic). Read
            // straight into place: each intermediate move would leave another copy of the
            // future on the measured stack in a debug build.
            // SAFETY: see `Resume`: the slot is alive and exclusively ours during this resume.
            // It holds a future, which `new` gave up with `ManuallyDrop` and never reads again,
            // so this is the one and only move out of it.
            let mut future = pin!(unsafe { ManuallyDrop::take(slot.as_mut()) });
            loop {
                match yielder.suspend(()) {
                    // SAFETY: see `Resume`: the context is alive and exclusively ours during this
                    // resume, and the borrow ends with this poll, before the body suspends or
                    // returns.
                    Resume::Poll(mut cx) => match future.as_mut().poll(unsafe { cx.as_mut() }) {
                        Poll::Ready(output) => return Some(output),
                        Poll::Pending => {}
                    },
                    Resume::Drop => return None,
                    Resume::MoveIn(_) => unreachable!("the future was moved in already"),
                }
            }
        };
        // SAFETY: `with_stack_unchecked` drops `with_stack`'s `'static` bounds; the caller must
        // keep what the coroutine borrows (what `F` borrows) valid until it completes or is
        // dropped. `OnStack<F>` names `F`, so it cannot outlive those borrows, and its `Drop`
        // impl (no `#[may_dangle]`) keeps them alive until it has finished the coroutine. If an
        // `OnStack` is leaked instead, its stack is an owned `DefaultStack` that is then never
        // unmapped, reused or resumed: nothing runs that could reach a dangling borrow, and the
        // pinned future's memory stays valid forever, as `Pin` requires of a leak.
        let mut coroutine: Body<F> = unsafe { Coroutine::with_stack_unchecked(stack, body) };
        let mut slot = ManuallyDrop::new(future);
        let moved_in = coroutine.resume(Resume::MoveIn(NonNull::from(&mut slot)));
        debug_assert!(matches!(moved_in, CoroutineResult::Yield(())));
        OnStack {
            coroutine: Some(coroutine),
            invariant: PhantomData,
        }
    }

    /// Polls the future once, on its stack. When it is ready, hands the stack back with the
    /// output. A panic in the future's `poll` propagates out of this call (corosensei catches it
    /// at the coroutine's root and resumes unwinding here, payload intact).
    ///
    /// # Panics
    ///
    /// When called again after the future returned `Ready` or panicked.
    pub(super) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<(F::Output, DefaultStack)> {
        let coroutine = match &mut self.coroutine {
            Some(coroutine) if !coroutine.done() => coroutine,
            _ => panic!("`Stackful` polled after completion"),
        };
        let cx = NonNull::from(cx).cast::<Context<'static>>();
        match coroutine.resume(Resume::Poll(cx)) {
            CoroutineResult::Yield(()) => Poll::Pending,
            CoroutineResult::Return(output) => {
                let output = output.expect("only a dropped future returns `None`");
                let stack = self.coroutine.take().map(Coroutine::into_stack);
                Poll::Ready((output, stack.expect("the coroutine was there a moment ago")))
            }
        }
    }
}

impl<F: Future> Drop for OnStack<F> {
    /// Drops an unfinished future by asking the body to return, rather than leaving it to
    /// corosensei's drop, which would unwind the stack with a panic: destructors would then see
    /// `std::thread::panicking()` (poisoning any `std` mutex guard held across an `.await`)
    /// and a `panic = "abort"` build would abort. This way the future is dropped as any future
    /// is, on the stack it lives on.
    fn drop(&mut self) {
        if let Some(coroutine) = &mut self.coroutine
            && !coroutine.done()
        {
            // Returns `Return(None)`; a panic from the future's destructor propagates, as it
            // would from dropping the future directly.
            coroutine.resume(Resume::Drop);
        }
    }
}
