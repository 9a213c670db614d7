//! Chapter 1, "Tasks and runtimes": a hundred fetches that mostly wait, one after
//! another and all at once, and the runtime that runs them.

use std::time::Duration;

use tokio::time::{Instant, sleep};

// ANCHOR: fetch
/// Stands in for a network call: 100 ms of waiting for an answer, no work.
pub async fn fetch(id: u32) -> u32 {
    sleep(Duration::from_millis(100)).await;
    id * 2
}
// ANCHOR_END: fetch

// ANCHOR: one_after_another
/// Each fetch starts when the previous one has finished.
pub async fn one_after_another(count: u32) -> u32 {
    let mut total = 0;
    for id in 0..count {
        total += fetch(id).await;
    }
    total
}
// ANCHOR_END: one_after_another

// ANCHOR: all_at_once
/// Every fetch is a task of its own; then we wait for each result.
pub async fn all_at_once(count: u32) -> u32 {
    let tasks: Vec<_> = (0..count).map(|id| tokio::spawn(fetch(id))).collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("fetch does not panic");
    }
    total
}
// ANCHOR_END: all_at_once

// ANCHOR: runtime
/// What `#[tokio::main]` writes for you: build a runtime, then block this thread on
/// one future. Here the runtime's clock is paused: when every task waits for a
/// timer, tokio moves the clock straight to the next timer instead of sleeping, so
/// the elapsed times are exact.
pub fn run_timed<F: Future<Output = u32>>(work: F) -> (u32, Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let start = Instant::now();
        let total = work.await;
        (total, start.elapsed())
    })
}
// ANCHOR_END: runtime
