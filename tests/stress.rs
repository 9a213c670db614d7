//! Counters that do not lie, under load: a few hundred thousand inspected futures on a
//! multi-threaded tokio runtime, moved between worker threads, woken from other threads,
//! completing, aborted at random points, cancelled by `select!`, panicking, dropped unpolled,
//! and polled on one `std::thread` before being finished or dropped on another.
//!
//! The test keeps its own books (what it created, and how each future ended, from the task's
//! `JoinHandle` or its own polls) and compares them with `stackless::report()`:
//! - at a quiescent point in every wave (every live future parked where the test put it, or
//!   never polled): `created = completed + dropped_early + panicked + alive`, every count equal
//!   to the test's, each await point's `parked` equal to the futures the test knows are there,
//!   and their sum (with `unlabelled`) equal to `alive` minus the futures never polled;
//! - after every wave: nothing alive, nothing parked anywhere, every count equal to the test's.
//!
//! `STACKLESS_STRESS_FUTURES` sets how many futures to create (default 300,000),
//! `STACKLESS_STRESS_SEED` the seed of the random plan:
//!
//! ```sh
//! STACKLESS_STRESS_FUTURES=20000000 cargo test --release --test stress -- --nocapture
//! ```

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed};
use std::sync::{Arc, Once};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread, ThreadId};
use std::time::{Duration, Instant};

use stackless::FunctionReport;
use tokio::runtime::Runtime;
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinError, JoinHandle};

const DEFAULT_FUTURES: u64 = 300_000;
const DEFAULT_SEED: u64 = 0x5eed_cafe_f00d_d00d;
/// Jobs per wave: every wave ends with nothing alive, so memory stays bounded.
const WAVE_JOBS: usize = 20_000;
const WORKER_THREADS: usize = 4;

// ---------------------------------------------------------------------------------------------
// The inspected functions. Nothing else in this binary calls them, so their counters are ours.

/// Where the two inspected functions' await points are, by index.
const YIELD_BEFORE: usize = 0;
const GATE: usize = 1;
const INBOX: usize = 2;
const YIELD_AFTER: usize = 3;
const SELECT_YIELD: usize = 0;

/// One unit of work: yield a few times, wait at the gate the test opens, receive a value from
/// another thread, yield again, maybe panic on the way.
struct Job {
    yields_before: u32,
    yields_after: u32,
    gate: watch::Receiver<bool>,
    inbox: oneshot::Receiver<u64>,
    panic: Panic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Panic {
    Never,
    BeforeGate,
    AfterInbox,
}

/// The payload of every planned panic, so that the panic hook can keep them quiet and the test
/// can tell them from real failures.
struct PlannedPanic;

thread_local! {
    /// Set by a job just before it awaits the gate, read by [`watched`] after the poll.
    static REACHED_GATE: Cell<bool> = const { Cell::new(false) };
}

#[stackless::inspect]
async fn stress_relay(job: Job) -> u64 {
    let Job {
        yields_before,
        yields_after,
        mut gate,
        inbox,
        panic,
    } = job;
    for _ in 0..yields_before {
        tokio::task::yield_now().await;
    }
    if panic == Panic::BeforeGate {
        std::panic::panic_any(PlannedPanic);
    }
    REACHED_GATE.set(true);
    gate.wait_for(|&open| open)
        .await
        .map(drop)
        .expect("the gate's sender outlives every job");
    let value = inbox.await.unwrap_or(0);
    for _ in 0..yields_after {
        tokio::task::yield_now().await;
    }
    if panic == Panic::AfterInbox {
        std::panic::panic_any(PlannedPanic);
    }
    value
}

/// Runs a relay unless cancelled first; parks unlabelled (inside `select!`) around the relay,
/// which is parked at an await point of its own.
#[stackless::inspect]
async fn stress_select<F: Future<Output = u64>>(
    relay: F,
    cancel: oneshot::Receiver<()>,
) -> Option<u64> {
    tokio::task::yield_now().await;
    tokio::select! {
        value = relay => Some(value),
        Ok(()) = cancel => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The plan.

/// xorshift64*: small, seeded, good enough to pick fates.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        XorShift(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// How a job is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A tokio task around one relay.
    Direct,
    /// A tokio task around `stress_select(relay, cancel)`: two inspected futures, nested.
    Nested,
    /// A boxed relay polled once on one `std::thread`, then finished or dropped on another.
    HandOff,
    /// A relay created and never polled until after the snapshot; then dropped, or moved to
    /// another thread and run to completion there.
    Unpolled,
}

/// What the test does to a job, and so how its futures must end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Complete,
    /// Panics before the gate (so before the snapshot), or after its inbox.
    Panic(Panic),
    /// `JoinHandle::abort` while the spawning loop runs: at a random point before the gate,
    /// sometimes before the task was ever polled.
    AbortEarly,
    /// `JoinHandle::abort` after the gate opened, racing the job to its end.
    AbortLate,
    /// The `select!` cancel branch fires before the gate opens.
    CancelEarly,
    /// The `select!` cancel branch fires after the gate opened, racing the relay.
    CancelLate,
    /// Polled a random number of times (maybe none), then dropped.
    Drop,
}

impl Fate {
    /// Settled before the snapshot.
    fn is_early(self) -> bool {
        matches!(
            self,
            Fate::Panic(Panic::BeforeGate) | Fate::AbortEarly | Fate::CancelEarly
        )
    }
}

fn plan(rng: &mut XorShift) -> (Kind, Fate) {
    let kind = match rng.below(100) {
        0..40 => Kind::Direct,
        40..75 => Kind::Nested,
        75..90 => Kind::HandOff,
        _ => Kind::Unpolled,
    };
    let roll = rng.below(100);
    let fate = match kind {
        Kind::Direct | Kind::Nested => match roll {
            0..8 => Fate::Panic(Panic::BeforeGate),
            8..16 => Fate::Panic(Panic::AfterInbox),
            16..28 => Fate::AbortEarly,
            28..40 => Fate::AbortLate,
            40..50 if kind == Kind::Nested => Fate::CancelEarly,
            50..60 if kind == Kind::Nested => Fate::CancelLate,
            _ => Fate::Complete,
        },
        Kind::HandOff => match roll {
            0..10 => Fate::Panic(Panic::BeforeGate),
            10..20 => Fate::Panic(Panic::AfterInbox),
            20..50 => Fate::Drop,
            _ => Fate::Complete,
        },
        Kind::Unpolled => match roll {
            0..50 => Fate::Drop,
            _ => Fate::Complete,
        },
    };
    (kind, fate)
}

// ---------------------------------------------------------------------------------------------
// The books.

/// What the test knows about one inspected function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    created: u64,
    completed: u64,
    dropped_early: u64,
    panicked: u64,
}

impl Tally {
    fn alive(&self) -> u64 {
        self.created - self.completed - self.dropped_early - self.panicked
    }

    fn add(&mut self, other: Tally) {
        self.created += other.created;
        self.completed += other.completed;
        self.dropped_early += other.dropped_early;
        self.panicked += other.panicked;
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Tallies {
    relay: Tally,
    select: Tally,
}

impl Tallies {
    fn add(&mut self, other: Tallies) {
        self.relay.add(other.relay);
        self.select.add(other.select);
    }
}

/// What a report of one function must say at a quiescent point.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Expected {
    tally: Tally,
    /// Futures created and never polled.
    never_polled: u64,
    /// Futures parked at each await point.
    parked: Vec<u64>,
    unlabelled: u64,
}

impl Expected {
    /// Everything over: nothing alive, nothing parked.
    fn settled(tally: Tally, await_points: usize) -> Self {
        assert_eq!(tally.alive(), 0, "the test's own books: {tally:?}");
        Expected {
            tally,
            never_polled: 0,
            parked: vec![0; await_points],
            unlabelled: 0,
        }
    }
}

/// Compares a function's report with the test's books. Every check is one the runtime's
/// counters could fail: each side is counted independently.
fn check(report: &FunctionReport, expected: &Expected) -> Result<(), String> {
    let name = &report.name;
    let ended = report.completed + report.dropped_early + report.panicked;
    if report.created != ended + report.alive {
        return Err(format!(
            "{name}: created {} != completed {} + dropped early {} + panicked {} + alive {}",
            report.created, report.completed, report.dropped_early, report.panicked, report.alive
        ));
    }
    let counted = Tally {
        created: report.created,
        completed: report.completed,
        dropped_early: report.dropped_early,
        panicked: report.panicked,
    };
    if counted != expected.tally {
        return Err(format!(
            "{name}: the report counts {counted:?}, the test counted {:?}",
            expected.tally
        ));
    }
    let parked: Vec<u64> = report
        .await_points
        .iter()
        .map(|point| point.suspensions.parked)
        .collect();
    let parked_total = parked.iter().sum::<u64>() + report.unlabelled.parked;
    let polled_and_alive = report
        .alive
        .checked_sub(expected.never_polled)
        .ok_or(format!(
            "{name}: {} alive, but the test holds {} never polled",
            report.alive, expected.never_polled
        ))?;
    if parked_total != polled_and_alive {
        return Err(format!(
            "{name}: parked {parked:?} + unlabelled {} = {parked_total}, but alive {} - never polled {} = {polled_and_alive}",
            report.unlabelled.parked, report.alive, expected.never_polled
        ));
    }
    if parked != expected.parked || report.unlabelled.parked != expected.unlabelled {
        return Err(format!(
            "{name}: parked {parked:?} + unlabelled {}, the test put them at {:?} + unlabelled {}",
            report.unlabelled.parked, expected.parked, expected.unlabelled
        ));
    }
    // Not started: the futures held unpolled, plus some dropped before their first poll
    // (aborted tasks, the test cannot know how many).
    let not_started = report.created - report.started;
    if not_started < expected.never_polled
        || not_started > expected.never_polled + report.dropped_early
    {
        return Err(format!(
            "{name}: {not_started} never started, but {} held unpolled and {} dropped early",
            expected.never_polled, report.dropped_early
        ));
    }
    // Every future parked at an await point got there through a pending poll there.
    for point in &report.await_points {
        if point.suspensions.suspends < point.suspensions.parked {
            return Err(format!(
                "{name}: await #{} has {} parked after {} suspends",
                point.index, point.suspensions.parked, point.suspensions.suspends
            ));
        }
    }
    Ok(())
}

fn function(name: &str) -> FunctionReport {
    stackless::report()
        .function(name)
        .unwrap_or_else(|| panic!("`{name}` is not registered"))
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Running futures: tokio tasks, and by hand on plain threads.

/// Shared by every task of a wave.
#[derive(Default)]
struct TaskStats {
    /// Live tasks whose relay has parked at the gate (raised once per task, lowered when the
    /// task ends): the wave is quiescent when it equals the tasks still running.
    at_gate: AtomicUsize,
    /// Tasks that were polled on more than one worker thread.
    migrated: AtomicUsize,
}

/// Lowers `at_gate` when a task that raised it ends, however it ends.
struct GateMark<'a> {
    stats: &'a TaskStats,
    marked: bool,
}

impl Drop for GateMark<'_> {
    fn drop(&mut self) {
        if self.marked {
            self.stats.at_gate.fetch_sub(1, AcqRel);
        }
    }
}

/// Runs `future` as a task, telling `stats` when it first parks at the gate. The mark is made
/// after the poll returned, so after the inspected futures inside have updated their counters:
/// whoever sees the mark (acquire) sees those updates.
async fn watched<F: Future>(future: F, stats: Arc<TaskStats>) -> F::Output {
    let mut future = pin!(future);
    let mut mark = GateMark {
        stats: &stats,
        marked: false,
    };
    let mut first_thread: Option<ThreadId> = None;
    let mut migrated = false;
    poll_fn(|cx| {
        let here = thread::current().id();
        if *first_thread.get_or_insert(here) != here && !migrated {
            migrated = true;
            mark.stats.migrated.fetch_add(1, Relaxed);
        }
        REACHED_GATE.set(false);
        let poll = future.as_mut().poll(cx);
        if poll.is_pending() && REACHED_GATE.get() && !mark.marked {
            mark.marked = true;
            mark.stats.at_gate.fetch_add(1, AcqRel);
        }
        poll
    })
    .await
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls on this thread until done, parking between polls; a planned panic is returned.
fn block_on<F: Future>(mut future: Pin<&mut F>) -> Result<F::Output, ()> {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match poll_catching(future.as_mut(), &mut cx)? {
            Poll::Ready(output) => return Ok(output),
            Poll::Pending => thread::park(),
        }
    }
}

/// One poll; a planned panic comes back as `Err`, any other panic goes on.
fn poll_catching<F: Future>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Result<Poll<F::Output>, ()> {
    catch_unwind(AssertUnwindSafe(|| future.poll(cx))).map_err(|payload| {
        if !payload.is::<PlannedPanic>() {
            std::panic::resume_unwind(payload);
        }
    })
}

fn quiet_planned_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<PlannedPanic>() {
                default(info);
            }
        }));
    });
}

// ---------------------------------------------------------------------------------------------
// One wave.

/// A job run as a tokio task.
struct Task {
    fate: Fate,
    nested: bool,
    value: u64,
    handle: Option<JoinHandle<Option<u64>>>,
    cancel: Option<oneshot::Sender<()>>,
}

/// A job run by hand.
struct Manual<F> {
    fate: Fate,
    value: u64,
    yields_before: u32,
    future: F,
}

/// What a wave saw, for the summary.
#[derive(Debug, Default)]
struct WaveStats {
    snapshot_parked_at_gate: u64,
    snapshot_parked_at_first_yield: u64,
    snapshot_never_polled: u64,
    snapshot_unlabelled: u64,
    migrated: usize,
}

/// How a task ended, from its `JoinHandle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Completed,
    /// `stress_select` returned `None`: its relay was dropped mid-flight.
    Cancelled,
    Aborted,
    Panicked,
}

fn outcome(result: Result<Option<u64>, JoinError>, expected_value: u64) -> Outcome {
    match result {
        Ok(Some(value)) => {
            assert_eq!(
                value, expected_value,
                "a relay returned another job's value"
            );
            Outcome::Completed
        }
        Ok(None) => Outcome::Cancelled,
        Err(error) if error.is_cancelled() => Outcome::Aborted,
        Err(error) => {
            let payload = error.into_panic();
            if !payload.is::<PlannedPanic>() {
                std::panic::resume_unwind(payload);
            }
            Outcome::Panicked
        }
    }
}

/// Awaits the tasks `which` selects and books how they ended. The awaiting runs as a task
/// itself: a worker takes each result as it comes, where this thread would be woken once per
/// task.
async fn join_tasks(mut tasks: Vec<Task>, which: fn(&Task) -> bool) -> (Vec<Task>, Tallies) {
    tokio::spawn(async move {
        let mut settled = Tallies::default();
        for task in tasks.iter_mut().filter(|task| which(task)) {
            if let Some(handle) = task.handle.take() {
                let result = handle.await;
                settle(task, outcome(result, task.value), &mut settled);
            }
        }
        (tasks, settled)
    })
    .await
    .expect("the joining task panicked")
}

/// Books a task's outcome, after checking it is one its fate allows.
fn settle(task: &Task, outcome: Outcome, tallies: &mut Tallies) {
    let allowed: &[Outcome] = match task.fate {
        Fate::Complete => &[Outcome::Completed],
        Fate::Panic(_) => &[Outcome::Panicked],
        Fate::AbortEarly => &[Outcome::Aborted],
        Fate::AbortLate => &[Outcome::Aborted, Outcome::Completed],
        Fate::CancelEarly => &[Outcome::Cancelled],
        Fate::CancelLate => &[Outcome::Cancelled, Outcome::Completed],
        Fate::Drop => unreachable!("tasks are not dropped by hand"),
    };
    assert!(
        allowed.contains(&outcome),
        "{:?} task ended {outcome:?}",
        task.fate
    );
    match outcome {
        Outcome::Completed => tallies.relay.completed += 1,
        Outcome::Cancelled | Outcome::Aborted => tallies.relay.dropped_early += 1,
        Outcome::Panicked => tallies.relay.panicked += 1,
    }
    if task.nested {
        match outcome {
            Outcome::Completed | Outcome::Cancelled => tallies.select.completed += 1,
            Outcome::Aborted => tallies.select.dropped_early += 1,
            Outcome::Panicked => tallies.select.panicked += 1,
        }
    }
}

/// Books a future run by hand: `Some(Ok)` completed, `Some(Err)` panicked, `None` dropped early.
fn settle_manual(fate: Fate, value: u64, result: Option<Result<u64, ()>>, tally: &mut Tally) {
    match result {
        Some(Ok(returned)) => {
            assert!(
                matches!(fate, Fate::Complete | Fate::Drop),
                "{fate:?} completed"
            );
            assert_eq!(returned, value);
            tally.completed += 1;
        }
        Some(Err(())) => {
            assert!(matches!(fate, Fate::Panic(_)), "{fate:?} panicked");
            tally.panicked += 1;
        }
        None => {
            assert_eq!(fate, Fate::Drop);
            tally.dropped_early += 1;
        }
    }
}

/// Runs `jobs` jobs, checks the report at the quiescent point and after the end, and adds
/// what happened to `books`. Values sent to the jobs start at `first_value` (0 means "no value").
fn run_wave(
    runtime: &Runtime,
    rng: &mut XorShift,
    jobs: usize,
    first_value: u64,
    books: &mut Tallies,
) -> WaveStats {
    let (gate, gate_rx) = watch::channel(false);
    let stats = Arc::new(TaskStats::default());
    let mut tasks: Vec<Task> = Vec::new();
    let mut hand_offs = Vec::new();
    let mut unpolled = Vec::new();
    let mut inboxes: Vec<(oneshot::Sender<u64>, bool)> = Vec::new();
    let mut pending_aborts: Vec<usize> = Vec::new();
    let mut pending_cancels: Vec<usize> = Vec::new();
    let mut wave = Tallies::default();

    // Phase 1: create every future; spawn the tasks, aborting and cancelling some at random
    // moments while the others run.
    runtime.block_on(async {
        for offset in 0..jobs as u64 {
            let (kind, fate) = plan(rng);
            let (inbox_tx, inbox) = oneshot::channel();
            // Some inboxes are never sent to: the relay sees the sender dropped and returns 0.
            let sends = rng.percent(95);
            inboxes.push((inbox_tx, sends));
            let value = if sends { first_value + offset } else { 0 };
            let yields_before = rng.below(4) as u32;
            let job = Job {
                yields_before,
                yields_after: rng.below(3) as u32,
                gate: gate_rx.clone(),
                inbox,
                panic: match fate {
                    Fate::Panic(at) => at,
                    _ => Panic::Never,
                },
            };
            let relay = stress_relay(job);
            wave.relay.created += 1;
            match kind {
                Kind::Direct | Kind::Nested => {
                    let nested = kind == Kind::Nested;
                    let (cancel, cancelled) = oneshot::channel();
                    let handle = if nested {
                        let select = stress_select(relay, cancelled);
                        wave.select.created += 1;
                        tokio::spawn(watched(select, stats.clone()))
                    } else {
                        tokio::spawn(watched(async move { Some(relay.await) }, stats.clone()))
                    };
                    match fate {
                        Fate::AbortEarly => pending_aborts.push(tasks.len()),
                        Fate::CancelEarly => pending_cancels.push(tasks.len()),
                        _ => {}
                    }
                    tasks.push(Task {
                        fate,
                        nested,
                        value,
                        handle: Some(handle),
                        cancel: Some(cancel),
                    });
                }
                Kind::HandOff => hand_offs.push(Manual {
                    fate,
                    value,
                    yields_before,
                    future: Box::pin(relay),
                }),
                Kind::Unpolled => unpolled.push(Manual {
                    fate,
                    value,
                    yields_before,
                    future: relay,
                }),
            }
            // Now and then, abort or cancel one of the tasks waiting for it: some have run to
            // the gate, some are between yields, some were never polled.
            if rng.percent(20) && !pending_aborts.is_empty() {
                let at = rng.below(pending_aborts.len() as u64) as usize;
                let index = pending_aborts.swap_remove(at);
                tasks[index].handle.as_ref().unwrap().abort();
            }
            if rng.percent(10) && !pending_cancels.is_empty() {
                let at = rng.below(pending_cancels.len() as u64) as usize;
                let index = pending_cancels.swap_remove(at);
                let _ = tasks[index].cancel.take().unwrap().send(());
            }
            if rng.percent(1) {
                // Let the workers run ahead (this thread is not one of them).
                thread::sleep(Duration::from_micros(50));
            }
        }
        for index in pending_aborts.drain(..) {
            tasks[index].handle.as_ref().unwrap().abort();
        }
        for index in pending_cancels.drain(..) {
            let _ = tasks[index].cancel.take().unwrap().send(());
        }
        // The early fates end before the gate: collect them so the snapshot knows they are
        // over (a `JoinHandle` returns after the task's future has been polled or dropped for
        // the last time, so their counter updates are visible here).
        let (joined, settled) =
            join_tasks(std::mem::take(&mut tasks), |task| task.fate.is_early()).await;
        tasks = joined;
        wave.add(settled);
    });

    // Hand-offs, first half: polled once on a thread of their own. None can finish (the gate
    // is closed); each parks at its first yield, or at the gate if it has none, or panics.
    let (hand_offs, first_poll) = thread::spawn(move || {
        let mut panicked = Tally::default();
        let mut cx = Context::from_waker(Waker::noop());
        let survivors: Vec<_> = hand_offs
            .into_iter()
            .filter_map(
                |mut manual| match poll_catching(manual.future.as_mut(), &mut cx) {
                    Ok(Poll::Pending) => Some(manual),
                    Ok(Poll::Ready(_)) => panic!("a relay finished before its gate opened"),
                    Err(()) => {
                        settle_manual(manual.fate, manual.value, Some(Err(())), &mut panicked);
                        None
                    }
                },
            )
            .collect();
        (survivors, panicked)
    })
    .join()
    .expect("the first hand-off thread panicked");
    wave.relay.add(first_poll);
    let hand_offs_at_first_yield = hand_offs
        .iter()
        .filter(|manual| manual.yields_before > 0)
        .count() as u64;

    // Quiescence: every task still running has parked at the gate.
    let running = tasks.iter().filter(|task| task.handle.is_some()).count();
    let nested_running = tasks
        .iter()
        .filter(|task| task.handle.is_some() && task.nested)
        .count() as u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let at_gate = stats.at_gate.load(Acquire);
        assert!(at_gate <= running, "{at_gate} at the gate of {running}");
        if at_gate == running {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {at_gate} of {running} tasks reached the gate"
        );
        thread::sleep(Duration::from_millis(1));
    }

    // The snapshot.
    let mut so_far = *books;
    so_far.relay.add(wave.relay);
    so_far.select.add(wave.select);
    let hand_offs_at_gate = hand_offs.len() as u64 - hand_offs_at_first_yield;
    let mut relay_parked = vec![0; 4];
    relay_parked[YIELD_BEFORE] = hand_offs_at_first_yield;
    relay_parked[GATE] = running as u64 + hand_offs_at_gate;
    let relay_expected = Expected {
        tally: so_far.relay,
        never_polled: unpolled.len() as u64,
        parked: relay_parked,
        unlabelled: 0,
    };
    let select_expected = Expected {
        tally: so_far.select,
        never_polled: 0,
        parked: vec![0; 1],
        unlabelled: nested_running,
    };
    let (relay, select) = (function("stress_relay"), function("stress_select"));
    check(&relay, &relay_expected).unwrap_or_else(|error| panic!("mid-wave snapshot: {error}"));
    check(&select, &select_expected).unwrap_or_else(|error| panic!("mid-wave snapshot: {error}"));
    let wave_stats = WaveStats {
        snapshot_parked_at_gate: relay_expected.parked[GATE],
        snapshot_parked_at_first_yield: relay_expected.parked[YIELD_BEFORE],
        snapshot_never_polled: relay_expected.never_polled,
        snapshot_unlabelled: select_expected.unlabelled,
        migrated: 0,
    };

    // Phase 2: open the gate. Another thread fills the inboxes in random order; a third
    // finishes or drops the hand-offs and some never-polled relays; the tasks run; this thread
    // aborts and cancels some of them at random moments, racing them to their ends.
    let mut order: Vec<usize> = (0..inboxes.len()).collect();
    shuffle(&mut order, rng);
    let sender_seed = rng.next();
    let mut late: Vec<usize> = (0..tasks.len())
        .filter(|&index| matches!(tasks[index].fate, Fate::AbortLate | Fate::CancelLate))
        .collect();
    shuffle(&mut late, rng);
    let (to_finish, to_drop): (Vec<_>, Vec<_>) = unpolled
        .into_iter()
        .partition(|manual| manual.fate == Fate::Complete);
    let finisher_seed = rng.next();
    gate.send(true).expect("receivers are alive");
    let sender = thread::spawn(move || {
        let mut inboxes: Vec<Option<(oneshot::Sender<u64>, bool)>> =
            inboxes.into_iter().map(Some).collect();
        let mut rng = XorShift::new(sender_seed);
        for index in order {
            let (inbox, sends) = inboxes[index].take().unwrap();
            if sends {
                let _ = inbox.send(first_value + index as u64);
            }
            if rng.percent(1) {
                thread::yield_now();
            }
        }
    });
    let finisher = thread::spawn(move || {
        let mut rng = XorShift::new(finisher_seed);
        let mut tally = Tally::default();
        let mut cx = Context::from_waker(Waker::noop());
        for mut manual in hand_offs {
            let result = match manual.fate {
                // Dropped after 0 to 3 more polls: mid-flight, unless those polls finished it.
                Fate::Drop => {
                    let mut result = None;
                    for _ in 0..rng.below(4) {
                        match poll_catching(manual.future.as_mut(), &mut cx) {
                            Ok(Poll::Pending) => {}
                            Ok(Poll::Ready(value)) => {
                                result = Some(Ok(value));
                                break;
                            }
                            Err(()) => {
                                result = Some(Err(()));
                                break;
                            }
                        }
                    }
                    result
                }
                _ => Some(block_on(manual.future.as_mut())),
            };
            drop(manual.future);
            settle_manual(manual.fate, manual.value, result, &mut tally);
        }
        // Created on another thread, polled first here.
        for manual in to_finish {
            let future = pin!(manual.future);
            let result = block_on(future);
            settle_manual(manual.fate, manual.value, Some(result), &mut tally);
        }
        tally
    });
    // Never polled, dropped here.
    for manual in to_drop {
        drop(manual.future);
        settle_manual(manual.fate, manual.value, None, &mut wave.relay);
    }

    runtime.block_on(async {
        for index in late {
            let task = &mut tasks[index];
            match task.fate {
                Fate::AbortLate => task.handle.as_ref().unwrap().abort(),
                _ => {
                    let _ = task.cancel.take().unwrap().send(());
                }
            }
            if rng.percent(2) {
                tokio::task::yield_now().await;
                thread::yield_now();
            }
        }
        let (_, settled) = join_tasks(std::mem::take(&mut tasks), |_| true).await;
        wave.add(settled);
    });
    sender.join().expect("the sender thread panicked");
    wave.relay
        .add(finisher.join().expect("the finishing thread panicked"));

    books.relay.add(wave.relay);
    books.select.add(wave.select);
    // The wave is over: nothing of it is alive or parked, and every count is the test's own.
    check(
        &function("stress_relay"),
        &Expected::settled(books.relay, 4),
    )
    .unwrap_or_else(|error| panic!("after a wave: {error}"));
    check(
        &function("stress_select"),
        &Expected::settled(books.select, 1),
    )
    .unwrap_or_else(|error| panic!("after a wave: {error}"));
    WaveStats {
        migrated: stats.migrated.load(Relaxed),
        ..wave_stats
    }
}

fn shuffle<T>(items: &mut [T], rng: &mut XorShift) {
    for last in (1..items.len()).rev() {
        items.swap(last, rng.below(last as u64 + 1) as usize);
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text} is not a number")),
        Err(_) => default,
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn counters_stay_exact_under_a_multi_threaded_storm() {
    quiet_planned_panics();
    let futures = env_number("STACKLESS_STRESS_FUTURES", DEFAULT_FUTURES);
    let seed = env_number("STACKLESS_STRESS_SEED", DEFAULT_SEED);
    let (relay, select) = (function("stress_relay"), function("stress_select"));
    let expressions = |report: &FunctionReport| -> Vec<String> {
        report
            .await_points
            .iter()
            .map(|point| point.expression.clone())
            .collect()
    };
    // The indices the test uses name the awaits it means.
    let relay_awaits = expressions(&relay);
    assert_eq!(relay_awaits.len(), 4);
    assert_eq!(relay_awaits[YIELD_BEFORE], "tokio::task::yield_now()");
    assert!(relay_awaits[GATE].starts_with("gate.wait_for"));
    assert_eq!(relay_awaits[INBOX], "inbox");
    assert_eq!(relay_awaits[YIELD_AFTER], "tokio::task::yield_now()");
    let select_awaits = expressions(&select);
    assert_eq!(select_awaits.len(), 1);
    assert_eq!(select_awaits[SELECT_YIELD], "tokio::task::yield_now()");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .enable_all()
        .build()
        .expect("a multi-threaded runtime");
    let mut rng = XorShift::new(seed);
    let mut books = Tallies::default();
    let started = Instant::now();
    let (mut waves, mut migrated) = (0u64, 0usize);
    while books.relay.created + books.select.created < futures {
        let remaining = futures - books.relay.created - books.select.created;
        // A job creates 1.35 futures on average.
        let jobs = (remaining as usize).div_ceil(2).clamp(1_000, WAVE_JOBS);
        let first_value = waves * WAVE_JOBS as u64 + 1;
        let wave = run_wave(&runtime, &mut rng, jobs, first_value, &mut books);
        // Each snapshot compared numbers that were far from zero.
        let floor = jobs as u64 / 50;
        assert!(
            wave.snapshot_parked_at_gate > floor * 10
                && wave.snapshot_parked_at_first_yield > floor
                && wave.snapshot_never_polled > floor
                && wave.snapshot_unlabelled > floor * 5,
            "a thin snapshot: {wave:?}"
        );
        if waves == 0 {
            eprintln!("first snapshot ({jobs} jobs): {wave:?}");
        }
        migrated += wave.migrated;
        waves += 1;
    }
    let elapsed = started.elapsed();

    // The final books are the report's, and none of their columns is trivially zero.
    let created = books.relay.created + books.select.created;
    for tally in [books.relay, books.select] {
        assert!(
            tally.completed > tally.created / 10
                && tally.dropped_early > tally.created / 10
                && tally.panicked > tally.created / 20,
            "{tally:?}"
        );
    }
    assert!(migrated > 0, "no task ever moved to another worker thread");
    eprintln!(
        "seed {seed:#x}: {created} futures in {waves} waves, {elapsed:.1?}; \
         relay {:?}, select {:?}; {migrated} tasks polled on more than one worker",
        books.relay, books.select
    );
}

/// Used only by the test of the checks below.
#[stackless::inspect]
async fn stress_check_target(value: oneshot::Receiver<u8>) -> u8 {
    tokio::task::yield_now().await;
    value.await.unwrap_or(0)
}

#[test]
fn the_checks_reject_books_that_disagree_with_the_report() {
    let mut cx = Context::from_waker(Waker::noop());
    let channels: Vec<_> = (0..5).map(|_| oneshot::channel::<u8>()).collect();
    let (senders, receivers): (Vec<_>, Vec<_>) = channels.into_iter().unzip();
    let mut futures: Vec<_> = receivers
        .into_iter()
        .map(|value| Box::pin(stress_check_target(value)))
        .collect();
    // 0: at the yield; 1: at the receive; 2: never polled; 3: completed; 4: dropped mid-flight.
    assert!(futures[0].as_mut().poll(&mut cx).is_pending());
    for index in [1, 3, 4] {
        assert!(futures[index].as_mut().poll(&mut cx).is_pending());
        assert!(futures[index].as_mut().poll(&mut cx).is_pending());
    }
    let mut senders = senders.into_iter().map(Some).collect::<Vec<_>>();
    senders[3].take().unwrap().send(7).unwrap();
    assert_eq!(futures[3].as_mut().poll(&mut cx), Poll::Ready(7));
    drop(futures.remove(4));

    let report = function("stress_check_target");
    let right = Expected {
        tally: Tally {
            created: 5,
            completed: 1,
            dropped_early: 1,
            panicked: 0,
        },
        never_polled: 1,
        parked: vec![1, 1],
        unlabelled: 0,
    };
    check(&report, &right).expect("the right books pass");

    let wrong_books = [
        Expected {
            tally: Tally {
                completed: 2,
                ..right.tally
            },
            ..right.clone()
        },
        Expected {
            never_polled: 0,
            ..right.clone()
        },
        Expected {
            parked: vec![2, 0],
            ..right.clone()
        },
        Expected {
            parked: vec![1, 0],
            unlabelled: 1,
            ..right.clone()
        },
    ];
    for wrong in &wrong_books {
        assert!(check(&report, wrong).is_err(), "{wrong:?} passed");
    }
    // A report that broke its own identity, or parked a future it does not count as alive.
    let mut miscounted = report.clone();
    miscounted.alive += 1;
    assert!(check(&miscounted, &right).is_err());
    let mut overparked = report.clone();
    overparked.await_points[1].suspensions.parked += 1;
    assert!(check(&overparked, &right).is_err());
    let mut unstarted = report.clone();
    unstarted.started += 1;
    assert!(check(&unstarted, &right).is_err());
}
