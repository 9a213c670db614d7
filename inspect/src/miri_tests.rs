//! The runtime's `unsafe` driven through every path, small enough for Miri (`.ci/miri`).
//!
//! The wrapper ([`Instrumented`]) and the layout build's probe ([`Probe`](crate::probe::Probe)) project their
//! pins by hand, and the counters are written with plain loads and stores by the shard's owner
//! while other threads sum them. Under Miri these tests check the projections against a
//! self-referential state machine (a borrow of a local held across awaits), the panic path
//! (the guard that writes the state while the poll unwinds), drops in every state, futures moved
//! between threads, and counters bumped on many threads while another reads them.
//!
//! These tests build by hand what `#[stackless::inspect]` generates (a `Site` with its static
//! `FnMeta` and await points, as in `macros/src/expand.rs`) and read the counters the way a
//! report does. They run in the ordinary test suite too.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Barrier, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use crate::counters::{Counter, EXCLUSIVE_SHARDS, place};
use crate::instrumented::{Site, instrument};
use crate::probe::{at, enter, enter_leaving, enter_tagged};

/// Defines a site the way the macro does: `site!(Name: "first await", "second await")`.
/// `site!(unseen Name: ..)` for a function whose body holds a macro the attribute does not
/// search.
macro_rules! site {
    (unseen $site:ident: $($expression:literal),*) => {
        site!($site: $($expression),*; const UNSEEN_AWAITS: bool = true;);
    };
    ($site:ident: $($expression:literal),* $(; $($extra:tt)*)?) => {
        enum $site {}

        impl Site for $site {
            $($($extra)*)?
            const FN: &'static crate::meta::FnMeta = {
                static FN: crate::meta::FnMeta = crate::meta::FnMeta::new(
                    stringify!($site),
                    false,
                    module_path!(),
                    file!(),
                    line!(),
                    column!(),
                    &[$(crate::meta::AwaitMeta::new(file!(), line!(), column!(), $expression)),*],
                    None,
                );
                &FN
            };
        }
    };
}

/// A function's counters, read as a report reads them.
#[derive(Debug, Default, PartialEq, Eq)]
struct Seen {
    created: u64,
    started: u64,
    completed: u64,
    dropped_early: u64,
    panicked: u64,
    /// `(suspends, parked)` per await point.
    points: Vec<(u64, u64)>,
    unlabelled: (u64, u64),
}

fn seen<S: Site>() -> Seen {
    let counters = &S::FN.counters;
    let read = |counter| counters.read(counter);
    // Tests read when nothing moves: a future counted as departed but not arrived would
    // underflow here, and fail the test.
    let place = |place| {
        let arrived = read(Counter::Arrived(place));
        (
            arrived + read(Counter::Stayed(place)),
            arrived - read(Counter::Departed(place)),
        )
    };
    Seen {
        created: read(Counter::CREATED),
        started: read(Counter::STARTED),
        completed: read(Counter::Completed),
        dropped_early: read(Counter::DroppedEarly),
        panicked: read(Counter::Panicked),
        points: (0..S::FN.awaits.len() as u16)
            .map(|index| place(place::await_point(index)))
            .collect(),
        unlabelled: place(place::UNLABELLED),
    }
}

/// Pending `remaining` times, waking itself each time, then ready.
struct PendingN(u32);

impl Future for PendingN {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Pending until another thread opens it.
#[derive(Clone, Default)]
struct Gate(Arc<Mutex<(bool, Option<Waker>)>>);

impl Gate {
    fn open(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Future for Gate {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn block_on<F: Future>(mut future: Pin<&mut F>) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

site!(Borrows: "PendingN(2)", "PendingN(1)");

/// A state machine that holds a borrow of its own local across both awaits: it is `!Unpin`,
/// and a projection that moved it or invalidated the borrow would show up under Miri.
fn borrows(seed: u8) -> impl Future<Output = u32> {
    instrument::<Borrows, u32, _>(None, async move {
        let buffer = [seed; 16];
        let view = &buffer[4..];
        // One await as the layout command's build marks it (the future in a `Probe`), one as
        // in a function holding an opaque macro (in a `Leaving`): both project the pin.
        enter_tagged::<Borrows, { at(0, 1, 1) }, _>(PendingN(2)).await;
        enter_leaving(1, PendingN(1)).await;
        view.iter().map(|&byte| u32::from(byte)).sum()
    })
}

#[test]
fn a_self_borrowing_future_is_counted_at_each_place_and_returns_its_value() {
    let mut future = Box::pin(borrows(3));
    assert!(poll_once(future.as_mut()).is_pending());
    assert!(poll_once(future.as_mut()).is_pending());
    let parked_first = seen::<Borrows>();
    assert_eq!((parked_first.created, parked_first.started), (1, 1));
    // The second pending poll at the first await is tallied in the future itself, and counted
    // when the future leaves.
    assert_eq!(parked_first.points, [(1, 1), (0, 0)]);
    assert!(poll_once(future.as_mut()).is_pending());
    assert_eq!(seen::<Borrows>().points, [(2, 0), (1, 1)]);
    assert_eq!(poll_once(future.as_mut()), Poll::Ready(3 * 12));
    drop(future);
    let done = seen::<Borrows>();
    assert_eq!((done.completed, done.dropped_early), (1, 0));
    assert_eq!(done.points, [(2, 0), (1, 0)]);
}

site!(Dropped: "Gate");

fn dropped(gate: Gate) -> impl Future<Output = ()> {
    instrument::<Dropped, (), _>(None, async move {
        let guard = String::from("dropped with the state machine");
        enter(0, gate).await;
        drop(guard);
    })
}

#[test]
fn futures_dropped_parked_or_unpolled_count_as_dropped_early() {
    let mut parked = Box::pin(dropped(Gate::default()));
    assert!(poll_once(parked.as_mut()).is_pending());
    let unpolled = dropped(Gate::default());
    assert_eq!(seen::<Dropped>().points, [(1, 1)]);
    drop(parked);
    drop(unpolled);
    let after = seen::<Dropped>();
    assert_eq!(
        (after.created, after.started, after.dropped_early),
        (2, 1, 2)
    );
    assert_eq!(after.points, [(1, 0)]);
}

site!(Panics: "PendingN(1)");

fn panics() -> impl Future<Output = u8> {
    instrument::<Panics, u8, _>(None, async move {
        // Freed while the panic unwinds through the state machine.
        let on_the_heap = String::from("planned");
        enter(0, PendingN(1)).await;
        if !on_the_heap.is_empty() {
            panic!("{on_the_heap}");
        }
        0
    })
}

#[test]
fn a_panicking_poll_unwinds_through_the_wrapper_and_is_counted_once() {
    let mut future = Box::pin(panics());
    assert!(poll_once(future.as_mut()).is_pending());
    let unwound = catch_unwind(AssertUnwindSafe(|| poll_once(future.as_mut())));
    assert!(unwound.is_err());
    let after = seen::<Panics>();
    assert_eq!((after.panicked, after.points.clone()), (1, vec![(1, 0)]));
    // Polled again, the state machine panics ("resumed after panicking"): not a second future.
    let again = catch_unwind(AssertUnwindSafe(|| poll_once(future.as_mut())));
    assert!(again.is_err());
    drop(future);
    assert_eq!(seen::<Panics>(), after);
}

site!(Inner: "PendingN(1)");
site!(unseen Outer: "inner()");

fn inner() -> impl Future<Output = u8> {
    instrument::<Inner, u8, _>(None, async move {
        enter(0, PendingN(1)).await;
        7
    })
}

fn outer() -> impl Future<Output = u8> {
    instrument::<Outer, u8, _>(None, async move {
        // As in a function holding `select!`: its awaits are unseen (counted as unlabelled),
        // and the others mark their end.
        let from_inner = enter_leaving(0, inner()).await;
        PendingN(1).await;
        from_inner + 1
    })
}

#[test]
fn nested_wrappers_each_see_their_own_await_point() {
    let mut future = pin!(outer());
    assert!(poll_once(future.as_mut()).is_pending());
    assert_eq!(seen::<Outer>().points, [(1, 1)]);
    assert_eq!(seen::<Inner>().points, [(1, 1)]);
    assert!(poll_once(future.as_mut()).is_pending());
    let outer_now = seen::<Outer>();
    assert_eq!(
        (outer_now.points.clone(), outer_now.unlabelled),
        (vec![(1, 0)], (1, 1))
    );
    assert_eq!(seen::<Inner>().completed, 1);
    assert_eq!(poll_once(future.as_mut()), Poll::Ready(8));
    assert_eq!(seen::<Outer>().unlabelled, (1, 0));
}

site!(Travels: "Gate", "PendingN(1)");

fn travels(gate: Gate) -> impl Future<Output = u64> + Send {
    instrument::<Travels, u64, _>(None, async move {
        let numbers: Vec<u64> = (1..=4).collect();
        let first = &numbers[0];
        enter(0, gate).await;
        enter(1, PendingN(1)).await;
        *first + numbers.iter().sum::<u64>()
    })
}

#[test]
fn a_future_parked_on_one_thread_is_woken_from_a_second_and_finished_on_a_third() {
    let (gate, dropped_gate) = (Gate::default(), Gate::default());
    let (mut finished, mut abandoned) = thread::spawn({
        let (gate, dropped_gate) = (gate.clone(), dropped_gate.clone());
        move || {
            let mut finished = Box::pin(travels(gate));
            let mut abandoned = Box::pin(travels(dropped_gate));
            assert!(poll_once(finished.as_mut()).is_pending());
            assert!(poll_once(abandoned.as_mut()).is_pending());
            (finished, abandoned)
        }
    })
    .join()
    .unwrap();
    assert_eq!(seen::<Travels>().points, [(2, 2), (0, 0)]);
    let finisher = thread::spawn(move || {
        let value = block_on(finished.as_mut());
        drop(finished);
        value
    });
    // Opened from this thread, while the finisher may be parked on it.
    gate.open();
    assert_eq!(finisher.join().unwrap(), 11);
    dropped_gate.open();
    thread::spawn(move || {
        // Woken, then moved on to the second await, then dropped there.
        assert!(poll_once(abandoned.as_mut()).is_pending());
        drop(abandoned);
    })
    .join()
    .unwrap();
    let after = seen::<Travels>();
    assert_eq!(
        (after.created, after.completed, after.dropped_early),
        (2, 1, 1)
    );
    // The finisher may poll once more before the gate opens: a third suspension at the gate.
    let (gate_suspends, gate_parked) = after.points[0];
    assert!((2..=3).contains(&gate_suspends), "{after:?}");
    assert_eq!((gate_parked, after.points[1]), (0, (2, 0)));
}

site!(Crowd: "Gate", "PendingN(1)");

fn crowd(gate: Gate) -> impl Future<Output = ()> + Send {
    instrument::<Crowd, (), _>(None, async move {
        enter(0, gate).await;
        enter(1, PendingN(1)).await;
    })
}

/// Under Miri, more threads than there are exclusive shards, all alive at once, so that some
/// update the shared one with atomic adds (`.ci/miri` runs tests one at a time). In the ordinary suite, fewer:
/// `counters::tests` checks that a fresh thread finds a shard free, which a crowd of this
/// test's threads running alongside would break.
const CROWD: usize = if cfg!(miri) { EXCLUSIVE_SHARDS + 4 } else { 6 };

#[test]
fn counts_from_a_crowd_of_threads_sum_exactly_while_another_thread_reads_them() {
    let gates: Vec<Gate> = (0..CROWD).map(|_| Gate::default()).collect();
    let done = AtomicBool::new(false);
    let all_counted = &Barrier::new(CROWD);
    thread::scope(|scope| {
        // Reads every shard, racing the writers. Counts only go up, and each shard's cell is
        // read in its modification order, so no sum may ever go down. (Nothing more holds for
        // a racing reader: it may see a future's end on one shard before its creation on
        // another, which is why a report clamps `alive` and `parked` at 0.)
        scope.spawn(|| {
            let counters = &Crowd::FN.counters;
            let totals = || {
                [Counter::CREATED, Counter::STARTED, Counter::Completed]
                    .map(|counter| counters.read(counter))
            };
            let mut last = totals();
            while !done.load(Relaxed) {
                let now = totals();
                assert!(now.iter().zip(&last).all(|(now, last)| now >= last));
                last = now;
                thread::yield_now();
            }
        });
        let workers: Vec<_> = gates
            .iter()
            .map(|gate| {
                scope.spawn(move || {
                    let mut finished = pin!(crowd(gate.clone()));
                    let dropped = crowd(Gate::default());
                    // Every worker has counted (and so holds a shard) before any goes on.
                    all_counted.wait();
                    block_on(finished.as_mut());
                    drop(dropped);
                })
            })
            .collect();
        for gate in &gates {
            gate.open();
        }
        for worker in workers {
            worker.join().unwrap();
        }
        done.store(true, Relaxed);
    });
    let after = seen::<Crowd>();
    let crowd = CROWD as u64;
    assert_eq!(
        (after.created, after.completed, after.dropped_early),
        (2 * crowd, crowd, crowd)
    );
    assert_eq!(after.started, crowd);
    assert_eq!(after.points[1], (crowd, 0));
    assert_eq!(after.points[0].1, 0);
}
