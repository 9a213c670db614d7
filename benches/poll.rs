//! What `#[stackless::inspect]` costs at run time: the same `async fn` bodies, once plain and once
//! annotated, polled side by side in one run.
//!
//! Run with `cargo bench --bench poll` (a filter such as `cargo bench --bench poll -- by_hand`
//! runs one group). Every benchmark takes an argument, `plain` or `inspected`, so the two rows
//! of a pair sit next to each other in divan's table. Throughput rows count polls of the
//! benchmarked future (`item/s`); `ns/poll = 1e9 / throughput`. See `benches/README.md`.
//!
//! - `by_hand`: a hand-written executor with a no-op waker, one thread, every poll through an
//!   opaque pointer (`black_box`) so polls cannot be merged. One iteration runs one future to
//!   completion; it is created inside the timed region, which adds one creation per run.
//! - `create`: call the function and poll it to completion once, the awaited future ready at
//!   once; what a short-lived future pays for being inspected.
//! - `tokio_current_thread`: a current-thread tokio runtime spawning and joining many tasks.
//! - `tokio_two_workers`: a two-worker multi-thread runtime, many tasks of one function yielding
//!   many times; the instrumentation must not make the workers share a cache line.

use std::fmt;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    // `kib_across_await` measures nothing unless the buffer lives in the state machine.
    assert!(size_of_val(&plain::kib_across_await(0)) > 1024);
    on_measuring_thread(divan::main);
}

/// Runs `measure` on a thread of its own: its stack begins at the same place within a page in
/// every run, where the main thread's moves with address-space randomisation, and with it the
/// alignment of everything a benchmark copies (`stackless-overhead`'s runner measured 0.5 ns per
/// poll between runs of identical code on the main thread).
fn on_measuring_thread(measure: fn()) {
    std::thread::Builder::new()
        .name("measure".to_owned())
        .stack_size(8 << 20)
        .spawn(measure)
        .expect("a thread to measure on")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

/// Which copy of a function a benchmark runs.
#[derive(Clone, Copy, Debug)]
enum Variant {
    Plain,
    Inspected,
}

const VARIANTS: [Variant; 2] = [Variant::Plain, Variant::Inspected];

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Variant::Plain => "plain",
            Variant::Inspected => "inspected",
        })
    }
}

#[path = "../tests/support/mod.rs"]
mod support;
use support::PendingN;

/// Defines each function twice, in `plain` and in `inspected`, from one body.
macro_rules! plain_and_inspected {
    ($($(#[$attr:meta])* async fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty {
        $($body:tt)*
    })*) => {
        mod plain {
            use super::*;
            $($(#[$attr])* pub async fn $name($($arg: $ty),*) -> $ret { $($body)* })*
        }
        mod inspected {
            use super::*;
            $(
                $(#[$attr])*
                #[stackless::inspect]
                pub async fn $name($($arg: $ty),*) -> $ret { $($body)* }
            )*
        }
    };
}

plain_and_inspected! {
    /// One await, parked `pending` times.
    async fn one_await(pending: u32) -> u32 {
        PendingN::new(pending).await;
        pending
    }

    /// One await with 1 KiB live across it.
    async fn kib_across_await(pending: u32) -> u8 {
        let mut buf = [0u8; 1024];
        buf[pending as usize % 1024] = 1;
        black_box(&mut buf);
        PendingN::new(pending).await;
        black_box(&buf)[0]
    }

    /// One await point reached `awaits` times, each parking once.
    async fn loop_of_awaits(awaits: u32) -> u32 {
        for _ in 0..awaits {
            PendingN::new(1).await;
        }
        awaits
    }

    /// Two await points, each parking once per round: every poll moves to the other point.
    async fn alternating_awaits(rounds: u32) -> u32 {
        for _ in 0..rounds {
            PendingN::new(1).await;
            PendingN::new(1).await;
        }
        rounds
    }

    /// The task body for the tokio benchmarks.
    async fn yielder(yields: u32) -> u32 {
        for _ in 0..yields {
            tokio::task::yield_now().await;
        }
        yields
    }
}

/// Polls `future` to completion on this thread with a no-op waker. Each poll goes through
/// `black_box`, as through an executor's task pointer: state is reloaded, polls are not merged.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = black_box(future.as_mut()).poll(&mut cx) {
            return output;
        }
    }
}

/// Pending this many times per run in the single-await benchmarks.
const PENDING: u32 = 1000;
/// Awaits per run in `loop_of_awaits`.
const AWAITS: u32 = 100;
/// Rounds of two awaits per run in `alternating_awaits`.
const ROUNDS: u32 = 500;

/// Benchmarks of the hand-written executor: one iteration creates one future and polls it to
/// completion; the counter is the number of polls.
mod by_hand {
    use super::*;

    /// One await, pending 1000 times: 1001 polls.
    #[divan::bench(args = VARIANTS, sample_count = 1000)]
    fn one_await(bencher: Bencher, variant: Variant) {
        let bencher = bencher.counter(ItemsCount::new(PENDING + 1));
        match variant {
            Variant::Plain => {
                bencher.bench_local(|| block_on(plain::one_await(black_box(PENDING))))
            }
            Variant::Inspected => {
                bencher.bench_local(|| block_on(inspected::one_await(black_box(PENDING))))
            }
        }
    }

    /// As `one_await`, with 1 KiB held across the await: 1001 polls.
    #[divan::bench(args = VARIANTS, sample_count = 1000)]
    fn kib_across_await(bencher: Bencher, variant: Variant) {
        let bencher = bencher.counter(ItemsCount::new(PENDING + 1));
        match variant {
            Variant::Plain => {
                bencher.bench_local(|| block_on(plain::kib_across_await(black_box(PENDING))))
            }
            Variant::Inspected => {
                bencher.bench_local(|| block_on(inspected::kib_across_await(black_box(PENDING))))
            }
        }
    }

    /// 100 awaits in a loop, each pending once: 101 polls, each finishing one awaited future
    /// and parking on a new one at the same await point (one await entered per poll).
    #[divan::bench(args = VARIANTS, sample_count = 1000)]
    fn loop_of_awaits(bencher: Bencher, variant: Variant) {
        let bencher = bencher.counter(ItemsCount::new(AWAITS + 1));
        match variant {
            Variant::Plain => {
                bencher.bench_local(|| block_on(plain::loop_of_awaits(black_box(AWAITS))))
            }
            Variant::Inspected => {
                bencher.bench_local(|| block_on(inspected::loop_of_awaits(black_box(AWAITS))))
            }
        }
    }

    /// Two await points taking turns, each pending once: 1001 polls, every one of which parks
    /// somewhere other than the last (the inspected future's most expensive pending poll).
    #[divan::bench(args = VARIANTS, sample_count = 1000)]
    fn alternating_awaits(bencher: Bencher, variant: Variant) {
        let bencher = bencher.counter(ItemsCount::new(2 * ROUNDS + 1));
        match variant {
            Variant::Plain => {
                bencher.bench_local(|| block_on(plain::alternating_awaits(black_box(ROUNDS))))
            }
            Variant::Inspected => {
                bencher.bench_local(|| block_on(inspected::alternating_awaits(black_box(ROUNDS))))
            }
        }
    }
}

/// Call, poll once to completion (the awaited future is ready at once), drop.
mod create {
    use super::*;

    #[divan::bench(args = VARIANTS, sample_count = 1000)]
    fn one_await(bencher: Bencher, variant: Variant) {
        match variant {
            Variant::Plain => bencher.bench_local(|| block_on(plain::one_await(black_box(0)))),
            Variant::Inspected => {
                bencher.bench_local(|| block_on(inspected::one_await(black_box(0))))
            }
        }
    }

    /// The 1 KiB future: would show a copy the wrapper adds on creation.
    #[divan::bench(args = VARIANTS, sample_count = 1000)]
    fn kib_across_await(bencher: Bencher, variant: Variant) {
        match variant {
            Variant::Plain => {
                bencher.bench_local(|| block_on(plain::kib_across_await(black_box(0))))
            }
            Variant::Inspected => {
                bencher.bench_local(|| block_on(inspected::kib_across_await(black_box(0))))
            }
        }
    }
}

/// Tasks per iteration on the current-thread runtime.
const CT_TASKS: u32 = 1000;
/// Yields per task on the current-thread runtime.
const CT_YIELDS: u32 = 10;

/// Tasks per iteration on the two-worker runtime.
const MT_TASKS: u32 = 64;
/// Yields per task on the two-worker runtime.
const MT_YIELDS: u32 = 1000;

/// Spawns `tasks` tasks from `spawn` and waits for all of them.
async fn spawn_and_join<F>(tasks: u32, spawn: impl Fn() -> F) -> u32
where
    F: Future<Output = u32> + Send + 'static,
{
    let handles: Vec<_> = (0..tasks).map(|_| tokio::spawn(spawn())).collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await.expect("task panicked");
    }
    total
}

/// `CT_TASKS` tasks yielding `CT_YIELDS` times each on a current-thread runtime; the counter is
/// polls of the task futures.
#[divan::bench(args = VARIANTS, sample_count = 1000)]
fn tokio_current_thread(bencher: Bencher, variant: Variant) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("current-thread runtime");
    let bencher = bencher.counter(ItemsCount::new(CT_TASKS * (CT_YIELDS + 1)));
    match variant {
        Variant::Plain => bencher.bench_local(|| {
            runtime.block_on(spawn_and_join(CT_TASKS, || {
                plain::yielder(black_box(CT_YIELDS))
            }))
        }),
        Variant::Inspected => bencher.bench_local(|| {
            runtime.block_on(spawn_and_join(CT_TASKS, || {
                inspected::yielder(black_box(CT_YIELDS))
            }))
        }),
    }
}

/// `MT_TASKS` tasks yielding `MT_YIELDS` times each on two workers; the counter is polls of the
/// task futures.
#[divan::bench(args = VARIANTS, sample_count = 100)]
fn tokio_two_workers(bencher: Bencher, variant: Variant) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("multi-thread runtime");
    let bencher = bencher.counter(ItemsCount::new(MT_TASKS * (MT_YIELDS + 1)));
    match variant {
        Variant::Plain => bencher.bench_local(|| {
            runtime.block_on(spawn_and_join(MT_TASKS, || {
                plain::yielder(black_box(MT_YIELDS))
            }))
        }),
        Variant::Inspected => bencher.bench_local(|| {
            runtime.block_on(spawn_and_join(MT_TASKS, || {
                inspected::yielder(black_box(MT_YIELDS))
            }))
        }),
    }
}
