//! Running a future's polls on a dedicated stack and measuring how much of it they touched.
//!
//! [`stackful`] turns any future into a stackful coroutine: a [corosensei] coroutine with its own
//! stack, whose body holds the future pinned in its frame and polls it once per resume. The
//! stack is painted with a known byte before the coroutine exists; when the future completes,
//! the lowest byte that changed gives the most stack the run needed at any one time. That is
//! the number a stackful runtime must reserve per task for this code, set against the future's
//! own size, which is all a stackless task keeps.
//!
//! [corosensei]: https://docs.rs/corosensei

mod coroutine;
mod paint;
mod park;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::Serialize;

use self::coroutine::OnStack;
use self::paint::Painted;
use crate::instrumented::identify;
use crate::meta::FnMeta;

/// The stack [`stackful`] gives a coroutine unless told otherwise.
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;

/// How much stack a future needed when run as a stackful coroutine.
///
/// # What `high_water` includes
///
/// Everything the coroutine put on its stack, measured from the stack's base:
///
/// - the future itself, once: it is moved straight into the frame of the coroutine's body and
///   pinned there;
/// - corosensei's entry trampoline and the body's frame;
/// - the deepest chain of `poll` frames any one poll reached, with whatever those polls called:
///   wakers, the executor's timer or I/O registration, allocator, panic machinery, and the
///   frames of synchronous functions the future calls between its awaits;
/// - the future's destructor, which also runs on the coroutine's stack.
///
/// An empty future (`async {}`) measures 1,624 bytes in a debug build and 120 bytes in a release
/// build (rustc 1.95, x86_64 Linux; `cargo test --test stackful -- --nocapture` prints it, from
/// `empty_future_baseline`): subtract it to get what the future and its own code needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StackUsage {
    /// Bytes of the coroutine's stack that were touched (its high-water mark), measured by
    /// painting the stack before the run and scanning it afterwards.
    pub high_water: usize,
    /// Usable size of the stack it ran on.
    pub stack_size: usize,
    /// How many times the future was polled.
    pub polls: u64,
}

/// A future that runs `F` on its own stack; see [`stackful`].
///
/// Resolves to `F`'s output and the [`StackUsage`] of the run. Works under any executor: each
/// poll of a `Stackful` resumes the coroutine with the executor's [`Context`], the coroutine
/// polls `F` once and suspends, so `F` registers the executor's waker with timers, I/O and
/// channels as it would without the wrapper.
///
/// # Not `Send`
///
/// A `Stackful` cannot move to another thread between polls, even when `F` is `Send`. A
/// suspended coroutine keeps real machine frames on its stack, and compiled code may keep in
/// them what is only valid on the thread that made them: the compiler may compute the address
/// of a thread-local once and reuse it after a call that, for a coroutine, resumes on another
/// thread. corosensei leaves `Coroutine` `!Send` for that reason. Run it on one thread: a
/// current-thread runtime, a [`LocalSet`], or [`stackful_blocking`].
///
/// ```
/// use stackless::stackful;
///
/// # fn main() {
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let local = tokio::task::LocalSet::new();
/// let usage = local.block_on(&runtime, async {
///     let task = tokio::task::spawn_local(stackful(async {
///         tokio::task::yield_now().await;
///         42
///     }));
///     let (answer, usage) = task.await.unwrap();
///     assert_eq!(answer, 42);
///     usage
/// });
/// assert_eq!(usage.polls, 2);
/// assert!(usage.high_water > 0 && usage.high_water < usage.stack_size);
/// # }
/// ```
///
/// ```compile_fail,E0277
/// fn spawnable<T: Send>(_: T) {}
/// spawnable(stackless::stackful(async {}));
/// ```
///
/// # Creating, dropping, panics, overflow
///
/// Creating a `Stackful` maps and paints its stack, which makes all of it resident (this is a
/// measuring tool, not a runtime), and moves `F` onto it: a context switch that runs none of
/// `F`'s code. Dropped before completion, a `Stackful` resumes its coroutine once
/// more so that `F` is dropped normally, on its own stack (not by unwinding it), then frees the
/// stack; on completion the stack is freed at once. A panic in `F`'s
/// `poll` propagates to the caller of `Stackful::poll` with its payload; polling again after
/// that, or after completion, panics. Overflowing the stack hits its guard page and kills the
/// process with `SIGSEGV`: pick the size with [`stackful_with_stack_size`].
///
/// [`LocalSet`]: https://docs.rs/tokio/latest/tokio/task/struct.LocalSet.html
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Stackful<F: Future> {
    run: OnStack<F>,
    painted: Painted,
    polls: u64,
    /// The inspected function whose future this is, to record the measurement in its report.
    meta: Option<&'static FnMeta>,
}

/// Runs `future` on a stackful coroutine of [`DEFAULT_STACK_SIZE`] bytes.
///
/// If `future` was just returned by a `#[stackless::inspect]` function, the high-water mark is
/// also recorded in that function's report.
pub fn stackful<F: Future>(future: F) -> Stackful<F> {
    stackful_with_stack_size(DEFAULT_STACK_SIZE, future)
}

/// Runs `future` on a stackful coroutine with a stack of `stack_size` bytes (rounded up to
/// whole pages, and to corosensei's minimum of 4 KiB), recording like [`stackful`].
///
/// # Panics
///
/// If the stack cannot be mapped.
pub fn stackful_with_stack_size<F: Future>(stack_size: usize, future: F) -> Stackful<F> {
    // First, before anything else creates an inspected future.
    let meta = identify::<F>().map(|(meta, _)| meta);
    on_stack(stack_size, future, meta)
}

/// Runs `future` to completion on the current thread, on a stackful coroutine of
/// [`DEFAULT_STACK_SIZE`] bytes, parking the thread while it waits; records like [`stackful`].
///
/// ```
/// use stackless::stackful_blocking;
///
/// let (sum, usage) = stackful_blocking(async { (1..=10).sum::<u32>() });
/// assert_eq!(sum, 55);
/// assert_eq!(usage.polls, 1);
/// ```
pub fn stackful_blocking<F: Future>(future: F) -> (F::Output, StackUsage) {
    let meta = identify::<F>().map(|(meta, _)| meta);
    park::block_on(on_stack(DEFAULT_STACK_SIZE, future, meta))
}

fn on_stack<F: Future>(stack_size: usize, future: F, meta: Option<&'static FnMeta>) -> Stackful<F> {
    let (stack, painted) = paint::painted_stack(stack_size);
    Stackful {
        run: OnStack::new(stack, future),
        painted,
        polls: 0,
        meta,
    }
}

/// `F` lives on the coroutine's stack, never inside `Stackful`: moving a `Stackful` moves only
/// its handle on that stack.
impl<F: Future> Unpin for Stackful<F> {}

impl<F: Future> Future for Stackful<F> {
    type Output = (F::Output, StackUsage);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.polls += 1;
        let Poll::Ready((output, stack)) = this.run.poll(cx) else {
            return Poll::Pending;
        };
        let usage = StackUsage {
            high_water: this.painted.high_water(&stack),
            stack_size: this.painted.usable(),
            polls: this.polls,
        };
        // Unmap the stack now rather than when the `Stackful` is dropped.
        drop(stack);
        if let Some(meta) = this.meta {
            meta.record_stack(usage);
        }
        Poll::Ready((output, usage))
    }
}

impl<F: Future> fmt::Debug for Stackful<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stackful")
            .field("stack_size", &self.painted.usable())
            .field("polls", &self.polls)
            .finish_non_exhaustive()
    }
}
