//! Chapter 7, "The price of stacklessness": crossing between blocking and async
//! code, a task that never yields, a future run on the wrong runtime, and
//! recursion.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

// ANCHOR: colours
/// Async code cannot be called from blocking code directly: something must poll it
/// to the end. Here a runtime blocks this thread until the future is done.
pub fn config_size_blocking(
    runtime: &tokio::runtime::Runtime,
    path: &str,
) -> usize {
    runtime.block_on(config_size(path))
}

/// Stands in for reading a file without blocking the thread.
pub async fn config_size(path: &str) -> usize {
    tokio::task::yield_now().await;
    path.len()
}

/// Blocking code must not run on the runtime's threads: hand it to a thread kept
/// for it.
pub async fn hash_password(password: String) -> u64 {
    tokio::task::spawn_blocking(move || slow_hash(password.as_bytes()))
        .await
        .expect("hashing does not panic")
}
// ANCHOR_END: colours

/// CPU work that takes a while and never waits: a deliberately slow hash.
pub fn slow_hash(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for _ in 0..10_000 {
        for &byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        hash = std::hint::black_box(hash);
    }
    hash
}

/// A log that tasks on the same runtime append to, in the order they run.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn note(&self, line: String) {
        self.0.lock().expect("not poisoned").push(line);
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.lock().expect("not poisoned").clone()
    }
}

// ANCHOR: starve
/// Wants to run three times, letting others run in between.
pub async fn heartbeat(log: Log) {
    for beat in 0..3 {
        log.note(format!("heartbeat {beat}"));
        tokio::task::yield_now().await;
    }
}

/// Three rounds of CPU work without an `.await`: nothing else runs on this thread
/// meanwhile.
pub async fn crunch(log: Log) {
    for round in 0..3 {
        slow_hash(b"round");
        log.note(format!("crunch: round {round} done"));
    }
}

/// The same work, handing the thread back to the scheduler after every round.
pub async fn crunch_politely(log: Log) {
    for round in 0..3 {
        slow_hash(b"round");
        log.note(format!("crunch: round {round} done"));
        tokio::task::yield_now().await;
    }
}
// ANCHOR_END: starve

// ANCHOR: side_by_side
/// Runs the heartbeat and a cruncher on one thread, and returns who ran when.
pub fn side_by_side(polite: bool) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let log = Log::default();
    runtime.block_on(async {
        let beats = tokio::spawn(heartbeat(log.clone()));
        let work = if polite {
            tokio::spawn(crunch_politely(log.clone()))
        } else {
            tokio::spawn(crunch(log.clone()))
        };
        beats.await.expect("heartbeat");
        work.await.expect("crunch");
    });
    log.lines()
}
// ANCHOR_END: side_by_side

// ANCHOR: block_on
/// The smallest executor there is: poll the future; when it is pending, park this
/// thread until its waker unparks it.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}
// ANCHOR_END: block_on

// ANCHOR: recursion
/// A tree, as a parser or a directory walk produces.
pub struct Tree {
    pub children: Vec<Tree>,
}

/// Counts the nodes, awaiting at each one. Without `Box::pin`, rustc refuses to
/// compile it (error E0733): the future would have to contain itself.
#[stackless::inspect]
pub async fn count_nodes(tree: &Tree) -> usize {
    tokio::task::yield_now().await;
    let mut count = 1;
    for child in &tree.children {
        count += Box::pin(count_nodes(child)).await;
    }
    count
}
// ANCHOR_END: recursion
