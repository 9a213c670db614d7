//! `stackless::stackful`: a future run on its own stack, and the stack it needed.
//!
//! The futures here need stack that is known by construction (a helper with a 16 KiB frame, a
//! recursion with 1 KiB frames), so the assertions hold in debug and release builds alike:
//! `cargo test --test stackful` and `cargo test --release --test stackful`. Run with
//! `--nocapture` to see the measured figures.

use std::future::Future;
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use stackless::{
    DEFAULT_STACK_SIZE, StackUsage, stackful, stackful_blocking, stackful_with_stack_size,
};

mod support;
use support::PendingN;

/// Every test holds this: `dropping_mid_way_*` checks that a stack is unmapped after the drop,
/// which another test mapping memory at that moment could hide by reusing the addresses.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn pending(times: u32) -> PendingN {
    PendingN::new(times)
}

/// Polls once with a no-op waker.
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

fn run<F: Future>(label: &str, future: F) -> StackUsage {
    let (_, usage) = stackful_blocking(future);
    println!("{label}: {usage:?}");
    usage
}

/// A frame of at least `N` bytes, every one of them written, wherever it is called.
#[inline(never)]
fn touch<const N: usize>() {
    let mut buffer = [0u8; N];
    black_box(&mut buffer);
}

/// `depth` nested frames of at least `FRAME` bytes each, all live at the deepest point.
#[inline(never)]
fn recurse(depth: u32) -> u8 {
    let mut frame = [depth as u8; FRAME];
    black_box(&mut frame);
    if depth > 1 {
        // Used after the call, so the frame stays live and the call cannot become a jump.
        frame[0] ^= recurse(depth - 1);
    }
    black_box(&frame)[0]
}

const BUFFER: usize = 16 * 1024;
const FRAME: usize = 1024;

/// Calls a helper with an `N`-byte frame between two awaits: the buffer is not live across an
/// await, so it is not in the future, only on the stack while the helper runs.
async fn helper_between_awaits<const N: usize>() {
    pending(1).await;
    touch::<N>();
    pending(1).await;
}

async fn recursion_between_awaits(depth: u32) -> u8 {
    pending(1).await;
    let out = recurse(depth);
    pending(1).await;
    out
}

#[test]
fn empty_future_baseline() {
    let _serial = serial();
    // The trampoline, the coroutine body's frame with the (empty) future in it, one poll and the
    // scan's bookkeeping: about 1 KiB in debug, less in release (see `StackUsage`'s docs).
    let usage = run("empty future", async {});
    assert!(usage.high_water > 0, "{usage:?}");
    assert!(usage.high_water < 2048, "{usage:?}");
    assert_eq!(usage.stack_size, DEFAULT_STACK_SIZE);
    assert_eq!(usage.polls, 1);
}

#[test]
fn a_large_frame_between_awaits_raises_the_mark_by_its_size() {
    let _serial = serial();
    // The baseline calls the same helper with a 4 KiB buffer: already deeper than anything
    // else the run does (polls and wakes stay within about 1.5 KiB), so the 16 KiB more of the
    // second run show in full. A baseline without the call would hide the part of the frame
    // that only reaches as deep as those polls.
    let without = run("touch::<4 KiB>", helper_between_awaits::<{ 4 * 1024 }>());
    let with = run(
        "touch::<20 KiB>",
        helper_between_awaits::<{ 4 * 1024 + BUFFER }>(),
    );
    assert_eq!((without.polls, with.polls), (3, 3));
    let extra = with.high_water - without.high_water;
    println!("16 KiB more frame added {extra} bytes");
    assert!(extra >= BUFFER, "{extra} < {BUFFER}");
    assert!(
        extra < BUFFER + 2048,
        "{extra} bytes for {BUFFER} more bytes of frame"
    );
}

#[test]
fn deeper_recursion_measures_proportionally_more() {
    let _serial = serial();
    let [one, four, eight] = [1, 4, 8].map(|depth| {
        run(
            &format!("recursion depth {depth}"),
            recursion_between_awaits(depth),
        )
        .high_water
    });
    // Each level adds the same frame: the mark grows linearly with the depth.
    let (three_levels, four_levels) = (four - one, eight - four);
    println!("3 levels: {three_levels} bytes, 4 levels: {four_levels} bytes");
    assert_eq!(
        three_levels % 3,
        0,
        "{three_levels} bytes for 3 equal frames"
    );
    let frame = three_levels / 3;
    assert_eq!(
        four_levels,
        4 * frame,
        "frames of {frame} bytes, then {four_levels} for 4"
    );
    assert!(
        (FRAME..FRAME + 512).contains(&frame),
        "{frame}-byte frame for a {FRAME}-byte buffer"
    );
}

#[test]
fn the_future_itself_lives_on_the_stack() {
    let _serial = serial();
    const HELD: usize = 32 * 1024;
    let small = async {
        pending(1).await;
    };
    let large = async {
        let buffer = [1u8; HELD];
        pending(1).await;
        black_box(&buffer);
    };
    let extra_state = size_of_val(&large) - size_of_val(&small);
    assert!(extra_state >= HELD);
    let small = run("holding nothing", small);
    let large = run("holding 32 KiB across an await", large);
    // Once, not once per move on the way in (each would show in a debug build); give or take
    // a few bytes of how the compiler lays out the frames of the two instantiations (debug
    // builds have measured 16 bytes less).
    let extra = large.high_water - small.high_water;
    println!("{extra_state} more bytes of future added {extra} bytes of stack");
    assert!(extra + 64 >= extra_state, "{small:?} {large:?}");
    assert!(extra < extra_state + 2048, "{small:?} {large:?}");
}

#[test]
fn works_under_tokio_with_timers_and_wakers_from_other_tasks() {
    let _serial = serial();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    // `Stackful` is not `Send`: `spawn_local` on a `LocalSet` runs it on this thread.
    let local = tokio::task::LocalSet::new();
    let started = Instant::now();
    let (answer, usage) = local.block_on(&runtime, async {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        tokio::task::spawn_local(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            sender.send(42).unwrap();
        });
        let task = tokio::task::spawn_local(stackful(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            receiver.await.unwrap()
        }));
        // With a waker that did not reach tokio, nothing would wake the task: the timeout
        // would expire instead.
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap()
    });
    let elapsed = started.elapsed();
    println!("under tokio: {usage:?} in {elapsed:?}");
    assert_eq!(answer, 42);
    assert!(elapsed >= Duration::from_millis(30), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(2),
        "{elapsed:?}: the executor's waker was lost"
    );
    // Sleeping, waiting for the sender, ready.
    assert_eq!(usage.polls, 3);
    assert!(
        usage.high_water > 0 && usage.high_water < usage.stack_size,
        "{usage:?}"
    );
}

#[test]
fn the_stack_size_can_be_chosen() {
    let _serial = serial();
    let mut future = stackful_with_stack_size(64 * 1024, recursion_between_awaits(8));
    let (out, usage) = loop {
        if let Poll::Ready(done) = poll_once(&mut future) {
            break done;
        }
    };
    assert_eq!(out, 8 ^ 7 ^ 6 ^ 5 ^ 4 ^ 3 ^ 2 ^ 1);
    assert_eq!(usage.stack_size, 64 * 1024);
    assert!(usage.high_water > 8 * FRAME, "{usage:?}");
}

#[stackless::inspect]
async fn measured_by_stackful(depth: u32) -> u8 {
    recursion_between_awaits(depth).await
}

#[stackless::inspect]
async fn only_awaited_inside_stackful() {
    pending(1).await;
}

#[test]
fn an_inspected_function_records_its_stack_in_the_report() {
    let _serial = serial();
    let (_, shallow) = stackful_blocking(measured_by_stackful(1));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (_, deep) = runtime.block_on(stackful(measured_by_stackful(8)));
    assert!(deep.high_water > shallow.high_water, "{shallow:?} {deep:?}");

    let report = stackless::report();
    let measured = report.function("measured_by_stackful").unwrap().stack;
    let measured = measured.expect("the stackful runs were recorded");
    assert_eq!(measured.largest, deep);
    assert_eq!(measured.runs, 2);

    // A future that merely awaits an inspected function's future is not that future.
    stackful_blocking(async { only_awaited_inside_stackful().await });
    let report = stackless::report();
    assert_eq!(
        report
            .function("only_awaited_inside_stackful")
            .unwrap()
            .stack,
        None
    );
}

/// Logs its drop: whether a panic was unwinding, and an address on the stack the drop ran on.
struct Noisy {
    name: &'static str,
    log: Arc<Mutex<Vec<Dropped>>>,
}

#[derive(Debug)]
struct Dropped {
    name: &'static str,
    panicking: bool,
    stack_address: usize,
}

impl Drop for Noisy {
    fn drop(&mut self) {
        let here = 0u8;
        self.log.lock().unwrap().push(Dropped {
            name: self.name,
            panicking: std::thread::panicking(),
            stack_address: black_box(&here) as *const u8 as usize,
        });
    }
}

fn noisy(name: &'static str, log: &Arc<Mutex<Vec<Dropped>>>) -> Noisy {
    Noisy {
        name,
        log: log.clone(),
    }
}

/// Holds `held` across an await.
async fn holding(held: Noisy) {
    let _held = held;
    pending(1).await;
}

/// The address range of the memory mapping that contains `address`, if any.
fn mapping_containing(address: usize) -> Option<(usize, usize)> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines().find_map(|line| {
        let range = line.split_whitespace().next()?;
        let (start, end) = range.split_once('-')?;
        let start = usize::from_str_radix(start, 16).ok()?;
        let end = usize::from_str_radix(end, 16).ok()?;
        (start..end).contains(&address).then_some((start, end))
    })
}

#[test]
fn dropping_mid_way_drops_the_future_once_on_its_stack_and_frees_the_stack() {
    let _serial = serial();
    let log = Arc::new(Mutex::new(Vec::new()));
    let parked_at = Arc::new(Mutex::new(0));
    let mut future = stackful({
        let (held, parked_at) = (noisy("held across the await", &log), parked_at.clone());
        async move {
            let local = noisy("local", &held.log);
            let here = 0u8;
            *parked_at.lock().unwrap() = black_box(&here) as *const u8 as usize;
            pending(2).await;
            drop((held, local));
            unreachable!("dropped before the second poll");
        }
    });
    assert!(poll_once(&mut future).is_pending());
    let on_stack = *parked_at.lock().unwrap();
    let stack = mapping_containing(on_stack).expect("the poll ran on a mapped stack");
    assert!(log.lock().unwrap().is_empty());

    drop(future);
    let log = log.lock().unwrap();
    let names: Vec<_> = log.iter().map(|dropped| dropped.name).collect();
    assert_eq!(names, ["local", "held across the await"]);
    for dropped in log.iter() {
        assert!(!dropped.panicking, "dropped by unwinding: {dropped:?}");
        let (start, end) = stack;
        assert!(
            (start..end).contains(&dropped.stack_address),
            "{dropped:?} off {stack:x?}"
        );
    }
    // The stack's own mapping is gone. (Another allocation in this process may map fresh
    // memory at the freed address in the meantime; it would not be this exact range.)
    assert_ne!(
        mapping_containing(on_stack),
        Some(stack),
        "the stack is still mapped"
    );
}

#[test]
fn dropping_before_the_first_poll_drops_the_future_once() {
    let _serial = serial();
    let log = Arc::new(Mutex::new(Vec::new()));
    drop(stackful(holding(noisy("captured", &log))));
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].name, "captured");
    assert!(!log[0].panicking);
}

#[test]
fn completion_drops_the_future_once_and_the_wrapper_drops_nothing_more() {
    let _serial = serial();
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut future = stackful(holding(noisy("captured", &log)));
    while poll_once(&mut future).is_pending() {}
    assert_eq!(log.lock().unwrap().len(), 1);
    drop(future);
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[derive(Debug, PartialEq)]
struct Payload(u32);

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

#[test]
fn a_panic_in_the_future_propagates_with_its_payload() {
    let _serial = serial();
    let log = Arc::new(Mutex::new(Vec::new()));
    let held = noisy("held while panicking", &log);
    let mut future = stackful(async move {
        let _held = held;
        pending(1).await;
        panic_any(Payload(7));
    });
    assert!(poll_once(&mut future).is_pending());
    let payload = catch_unwind(AssertUnwindSafe(|| poll_once(&mut future))).unwrap_err();
    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(7)));
    // The panic unwound the coroutine's stack, dropping the future on the way.
    assert_eq!(log.lock().unwrap().len(), 1);
    assert!(log.lock().unwrap()[0].panicking);

    let again = catch_unwind(AssertUnwindSafe(|| poll_once(&mut future))).unwrap_err();
    assert_eq!(panic_message(again), "`Stackful` polled after completion");
    drop(future);
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn polling_after_completion_panics() {
    let _serial = serial();
    let mut future = stackful(async { 1 });
    assert!(matches!(poll_once(&mut future), Poll::Ready((1, _))));
    let again = catch_unwind(AssertUnwindSafe(|| poll_once(&mut future))).unwrap_err();
    assert_eq!(panic_message(again), "`Stackful` polled after completion");
}
