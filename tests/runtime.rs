//! The runtime picture: counters for created, completed, dropped, panicked and alive futures,
//! and per await point how often it suspended and how many futures are parked there now.
//!
//! Every test uses its own annotated functions: counters are per function and tests run in
//! parallel.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use stackless::FunctionReport;

mod support;
use support::PendingN;

fn pending(times: u32) -> PendingN {
    PendingN::new(times)
}

/// Polls once with a no-op waker.
fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = poll_once(future.as_mut()) {
            return output;
        }
    }
}

fn function(name: &str) -> FunctionReport {
    stackless::report()
        .function(name)
        .unwrap_or_else(|| panic!("`{name}` is not registered"))
        .clone()
}

/// (suspends, parked) where no await point was labelled.
fn unlabelled(report: &FunctionReport) -> (u64, u64) {
    (report.unlabelled.suspends, report.unlabelled.parked)
}

/// (suspends, parked) per await point.
fn suspensions(report: &FunctionReport) -> Vec<(u64, u64)> {
    report
        .await_points
        .iter()
        .map(|point| (point.suspensions.suspends, point.suspensions.parked))
        .collect()
}

#[stackless::inspect]
async fn two_waits(first: u32, second: u32) -> u32 {
    pending(first).await;
    pending(second).await;
    first + second
}

#[test]
fn each_pending_poll_is_counted_at_its_await_point() {
    let mut future = pin!(two_waits(2, 3));
    assert!(poll_once(future.as_mut()).is_pending());
    let report = function("two_waits");
    assert_eq!((report.created, report.started, report.alive), (1, 1, 1));
    assert_eq!(suspensions(&report), [(1, 1), (0, 0)]);

    assert!(poll_once(future.as_mut()).is_pending());
    assert!(poll_once(future.as_mut()).is_pending()); // moved on to the second await
    assert_eq!(suspensions(&function("two_waits")), [(2, 0), (1, 1)]);

    assert_eq!(block_on(future), 5);
    let report = function("two_waits");
    assert_eq!(suspensions(&report), [(2, 0), (3, 0)]);
    assert_eq!(
        (report.completed, report.alive, report.dropped_early),
        (1, 0, 0)
    );
}

#[stackless::inspect]
async fn long_wait(times: u32) {
    pending(times).await;
}

#[test]
fn repeat_polls_are_handed_in_when_the_future_leaves_and_none_is_lost() {
    // The wrapper tallies repeat pending polls at one await point in a `u16` in the future
    // itself; each time it goes round, the counters get the full round.
    const ROUND: u64 = 1 << 16;
    let times = 2 * ROUND as u32 + 5;
    let mut future = pin!(long_wait(times));
    for _ in 0..times {
        assert!(poll_once(future.as_mut()).is_pending());
    }
    // Parked: the first pending poll and the two full rounds of repeats are counted; the last
    // four repeats are still in the future's tally.
    assert_eq!(suspensions(&function("long_wait")), [(1 + 2 * ROUND, 1)]);
    assert_eq!(poll_once(future.as_mut()), Poll::Ready(()));
    assert_eq!(suspensions(&function("long_wait")), [(u64::from(times), 0)]);
}

#[stackless::inspect]
async fn dropped_while_waiting(times: u32) {
    pending(times).await;
}

#[test]
fn a_future_dropped_while_parked_hands_in_its_repeat_polls() {
    let mut future = Box::pin(dropped_while_waiting(10));
    for _ in 0..7 {
        assert!(poll_once(future.as_mut()).is_pending());
    }
    assert_eq!(suspensions(&function("dropped_while_waiting")), [(1, 1)]);
    drop(future);
    let report = function("dropped_while_waiting");
    assert_eq!(suspensions(&report), [(7, 0)]);
    assert_eq!((report.dropped_early, report.alive), (1, 0));
}

#[stackless::inspect]
async fn cancelled(times: u32) {
    pending(times).await;
    pending(times).await;
}

#[test]
fn dropping_a_parked_future_counts_it_as_dropped_early() {
    let mut future = Box::pin(cancelled(5));
    assert!(poll_once(future.as_mut()).is_pending());
    assert_eq!(suspensions(&function("cancelled")), [(1, 1), (0, 0)]);
    drop(future);
    let report = function("cancelled");
    assert_eq!(suspensions(&report), [(1, 0), (0, 0)]);
    assert_eq!(
        (
            report.created,
            report.dropped_early,
            report.completed,
            report.alive
        ),
        (1, 1, 0, 0)
    );

    // Never polled at all: still created, still dropped early, never started.
    drop(cancelled(1));
    let report = function("cancelled");
    assert_eq!(
        (report.created, report.started, report.dropped_early),
        (2, 1, 2)
    );
}

#[stackless::inspect]
async fn panics_after(times: u32) -> u8 {
    pending(times).await;
    panic!("boom after {times}");
}

#[test]
fn a_panicking_poll_is_counted_and_the_panic_is_unchanged() {
    let mut future = Box::pin(panics_after(1));
    assert!(poll_once(future.as_mut()).is_pending());
    let payload =
        catch_unwind(AssertUnwindSafe(|| poll_once(future.as_mut()))).expect_err("must panic");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("boom after 1")
    );
    let report = function("panics_after");
    assert_eq!(
        (report.panicked, report.alive, report.dropped_early),
        (1, 0, 0)
    );
    assert_eq!(suspensions(&report), [(1, 0)]);
    // Dropping the panicked future does not count it a second time.
    drop(future);
    let report = function("panics_after");
    assert_eq!(
        (report.created, report.panicked, report.dropped_early),
        (1, 1, 0)
    );
}

#[stackless::inspect]
async fn finished_twice() -> u8 {
    7
}

#[test]
fn polling_after_completion_panics_as_before_and_is_not_counted_again() {
    let mut future = Box::pin(finished_twice());
    assert_eq!(poll_once(future.as_mut()), Poll::Ready(7));
    let payload = catch_unwind(AssertUnwindSafe(|| poll_once(future.as_mut())))
        .expect_err("resumed after completion");
    let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("after completion"), "{message}");
    let report = function("finished_twice");
    assert_eq!(
        (report.created, report.completed, report.panicked),
        (1, 1, 0)
    );
}

macro_rules! opaque_await {
    ($future:expr) => {
        $future.await
    };
}

#[stackless::inspect]
async fn behind_a_macro() {
    opaque_await!(pending(2));
}

#[test]
fn awaits_inside_unknown_macros_are_reported_as_unlabelled() {
    let mut future = pin!(behind_a_macro());
    assert!(poll_once(future.as_mut()).is_pending());
    let report = function("behind_a_macro");
    assert!(report.await_points.is_empty());
    assert_eq!(unlabelled(&report), (1, 1));
    block_on(future);
    let report = function("behind_a_macro");
    assert_eq!(unlabelled(&report), (2, 0));
}

#[stackless::inspect]
async fn opaque_after_marked() -> u32 {
    pending(1).await;
    opaque_await!(pending(1));
    // In one expression: an await point, then an await the attribute cannot see.
    let pair = (
        async { 7 }.await,
        pending(1).await,
        opaque_await!(pending(1)),
    );
    pair.0
}

#[test]
fn an_await_inside_an_unknown_macro_is_unlabelled_after_an_await_point_finishes() {
    let mut future = pin!(opaque_after_marked());
    let parked = || {
        let report = function("opaque_after_marked");
        let at_points: Vec<u64> = report
            .await_points
            .iter()
            .map(|point| point.suspensions.parked)
            .collect();
        (at_points, report.unlabelled.parked)
    };
    assert!(poll_once(future.as_mut()).is_pending());
    assert_eq!(parked(), (vec![1, 0, 0], 0));
    // `pending(1)` (#0) finished and the macro's await parked: unlabelled, not still at #0.
    assert!(poll_once(future.as_mut()).is_pending());
    assert_eq!(parked(), (vec![0, 0, 0], 1));
    assert!(poll_once(future.as_mut()).is_pending());
    assert_eq!(parked(), (vec![0, 0, 1], 0));
    // Likewise after `pending(1)` (#2), finished in the same expression as the macro.
    assert!(poll_once(future.as_mut()).is_pending());
    assert_eq!(parked(), (vec![0, 0, 0], 1));
    assert_eq!(poll_once(future.as_mut()), Poll::Ready(7));
    assert_eq!(parked(), (vec![0, 0, 0], 0));
}

#[stackless::inspect]
async fn inner_step(times: u32) -> u32 {
    pending(times).await;
    times
}

#[stackless::inspect]
async fn outer_step(times: u32) -> u32 {
    pending(1).await;
    inner_step(times).await + 1
}

#[test]
fn nested_inspected_futures_each_report_their_own_await_point() {
    let mut future = pin!(outer_step(2));
    assert!(poll_once(future.as_mut()).is_pending());
    assert!(poll_once(future.as_mut()).is_pending());
    // Outer is parked at `inner_step(..).await` (#1); inner at its own `pending(..)` (#0).
    assert_eq!(suspensions(&function("outer_step")), [(1, 0), (1, 1)]);
    assert_eq!(suspensions(&function("inner_step")), [(1, 1)]);
    assert_eq!(block_on(future), 3);
    assert_eq!(suspensions(&function("outer_step")), [(1, 0), (2, 0)]);
    assert_eq!(suspensions(&function("inner_step")), [(2, 0)]);
}

/// A mark the function's own code did not write: a hand-written call of the hidden `enter`,
/// in an async block the attribute does not mark, with a place the function does not have.
async fn marks_by_hand() {
    stackless::__private::enter(999, pending(1)).await;
}

#[stackless::inspect]
async fn awaits_a_foreign_mark() {
    marks_by_hand().await;
}

#[test]
fn a_mark_from_outside_the_function_is_counted_as_unlabelled() {
    let mut future = pin!(awaits_a_foreign_mark());
    assert!(poll_once(future.as_mut()).is_pending());
    let report = function("awaits_a_foreign_mark");
    assert_eq!(suspensions(&report), [(0, 0)]);
    assert_eq!(unlabelled(&report), (1, 1));
    block_on(future);
    let report = function("awaits_a_foreign_mark");
    assert_eq!(unlabelled(&report), (1, 0));
    assert_eq!((report.completed, report.alive), (1, 0));
}

/// A hand-written mark with an index past the last a function can have: its place would be
/// one of the wrapper's end states (65532 and 65533), or wrap round (65534 and 65535).
async fn marks_past_the_last_await_point(index: u16) {
    stackless::__private::enter(index, pending(1)).await;
}

#[stackless::inspect]
async fn awaits_a_mark_past_the_last_await_point(index: u16) {
    marks_past_the_last_await_point(index).await;
}

#[test]
fn a_mark_past_the_last_await_point_is_counted_as_unlabelled() {
    for (round, index) in (1..).zip([65532, 65533, 65534, u16::MAX]) {
        let mut future = pin!(awaits_a_mark_past_the_last_await_point(index));
        assert!(poll_once(future.as_mut()).is_pending());
        let report = function("awaits_a_mark_past_the_last_await_point");
        assert_eq!(unlabelled(&report), (round, 1), "index {index}");
        assert_eq!(report.alive, 1, "index {index}");
        block_on(future);
        let report = function("awaits_a_mark_past_the_last_await_point");
        assert_eq!(unlabelled(&report), (round, 0), "index {index}");
        assert_eq!(
            (report.completed, report.alive),
            (round, 0),
            "index {index}"
        );
    }
}

#[stackless::inspect]
async fn inside_select(times: u32) {
    // The awaits inside `select!` are the macro's own; `select!` itself is awaited opaquely.
    tokio::select! {
        _ = pending(times) => {}
    }
    println!("{:?}", pending(1).await);
}

#[test]
fn expression_macros_are_searched_and_other_macros_are_not() {
    let report = function("inside_select");
    assert_eq!(report.await_points.len(), 1);
    assert_eq!(report.await_points[0].expression, "pending(1)");
    let mut future = pin!(inside_select(1));
    assert!(poll_once(future.as_mut()).is_pending());
    assert_eq!(function("inside_select").unlabelled.parked, 1);
    assert!(poll_once(future.as_mut()).is_pending());
    let report = function("inside_select");
    assert_eq!(
        (
            report.unlabelled.parked,
            report.await_points[0].suspensions.parked
        ),
        (0, 1)
    );
    block_on(future);
}

#[stackless::inspect]
async fn holds(buffer: [u8; 512]) -> u8 {
    pending(1).await;
    buffer[0]
}

#[test]
fn awaitee_sizes_are_learnt_when_the_await_is_reached() {
    assert_eq!(function("holds").await_points[0].awaitee, None);
    block_on(holds([3; 512]));
    let awaitee = function("holds").await_points[0].awaitee.expect("reached");
    assert_eq!(
        (awaitee.size, awaitee.align),
        (size_of::<PendingN>(), align_of::<PendingN>())
    );
}

#[stackless::inspect]
async fn generic_hold<T: Clone>(value: T) -> T {
    pending(1).await;
    value.clone()
}

#[test]
fn each_instantiation_of_a_generic_function_has_its_own_size() {
    block_on(generic_hold(1u8));
    block_on(generic_hold([0u64; 16]));
    let sizes: Vec<usize> = function("generic_hold")
        .sizes
        .iter()
        .map(|size| size.size)
        .collect();
    let small = stackless::layout(generic_hold(1u8)).size.size;
    let large = stackless::layout(generic_hold([0u64; 16])).size.size;
    assert!(small < large);
    assert_eq!(sizes, [small, large]);
}

#[stackless::inspect(name = "custom::label", budget = 4096)]
async fn renamed() {}

#[test]
fn name_and_budget_options_show_in_the_report() {
    let report = stackless::report();
    let renamed = report
        .function("custom::label")
        .expect("found by its override");
    assert_eq!(renamed.budget, Some(4096));
    assert!(report.function("renamed").is_none());
    assert!(renamed.to_string().contains("budget 4096 B"));
}

struct Account {
    balance: u64,
}

impl Account {
    #[stackless::inspect]
    async fn deposit(&mut self, amount: u64) -> u64 {
        pending(1).await;
        self.balance += amount;
        self.balance
    }
}

#[test]
fn methods_are_named_after_their_type_once_called() {
    let mut account = Account { balance: 1 };
    assert_eq!(block_on(account.deposit(2)), 3);
    let report = stackless::report();
    let deposit = report
        .function("Account::deposit")
        .expect("named after Self");
    assert_eq!(deposit.name, "runtime::Account::deposit");
}

#[stackless::inspect]
async fn never_called(_value: u32) {}

#[test]
fn functions_never_called_are_listed_without_a_size() {
    let report = function("never_called");
    assert!(report.sizes.is_empty());
    assert_eq!(report.created, 0);
    assert!(report.to_string().contains("size not known yet"));
}

#[stackless::inspect]
async fn json_shape(times: u32) {
    pending(times).await;
}

#[test]
fn the_report_serialises_to_json() {
    block_on(json_shape(2));
    let json: serde_json::Value =
        serde_json::from_str(&stackless::report().to_json()).expect("valid JSON");
    let function = json["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|function| function["name"] == "runtime::json_shape")
        .expect("json_shape listed");
    assert_eq!(function["completed"], 1);
    assert_eq!(function["await_points"][0]["suspends"], 2);
    assert_eq!(function["await_points"][0]["expression"], "pending(times)");
}

#[stackless::inspect]
async fn wait_for(gate: std::sync::Arc<tokio::sync::Barrier>) {
    gate.wait().await;
    tokio::task::yield_now().await;
}

#[test]
fn counters_stay_exact_across_worker_threads() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    const TASKS: usize = 2_000;
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(TASKS + 1));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| runtime.spawn(wait_for(gate.clone())))
        .collect();
    runtime.block_on(async {
        // Wait until every task is parked at the barrier.
        while function("wait_for").await_points[0].suspensions.parked < TASKS as u64 {
            tokio::task::yield_now().await;
        }
        let report = function("wait_for");
        assert_eq!(report.alive, TASKS as u64);
        assert_eq!(report.await_points[0].suspensions.parked, TASKS as u64);
        gate.wait().await;
        for task in tasks {
            task.await.expect("task");
        }
    });
    let report = function("wait_for");
    assert_eq!(
        (report.created, report.completed, report.alive),
        (TASKS as u64, TASKS as u64, 0)
    );
    assert_eq!(
        suspensions(&report)
            .iter()
            .map(|&(_, parked)| parked)
            .sum::<u64>(),
        0
    );
}
