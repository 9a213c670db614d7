//! The sharing control: what the contention benchmark shows when every poll writes a cache line
//! both workers write, measured in the same process as the benchmark, so that every report
//! gives, on its own machine, the scale against which to read what each variant adds.
//!
//! Plain's `one_await` tasks run as the contention benchmark runs them (the same runtime, 64
//! tasks, each polled 1001 times), three ways, each task boxed in the same counting wrapper:
//! counting nothing; adding 1 to a counter on a line of the polling thread's own at every poll,
//! as stackless counts on a shard each thread owns (`inspect/src/counters.rs`); and adding 1 to
//! one counter both workers write. Both counters take a relaxed load and a store, as
//! stackless's do, so the two differ only in the sharing and in how the counter is found (a
//! thread-local, a static).

use std::future::{Future, poll_fn};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

use crate::drive::spawn_and_join;
use crate::measure::{Group, on_measuring_thread, runtime_for};
use crate::shapes::plain;
use crate::timing::{self, Timing};

/// How each poll of the control's tasks counts: the control's variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Counting {
    /// Counting nothing: the baseline, the wrapper's own cost included.
    Nothing,
    /// 1 added to a counter on a line of the polling thread's own.
    OwnLine,
    /// 1 added to one counter, on a line both workers write.
    SharedLine,
}

impl Counting {
    pub const ALL: [Counting; 3] = [Counting::Nothing, Counting::OwnLine, Counting::SharedLine];

    /// What the tables call it.
    pub fn label(self) -> &'static str {
        match self {
            Counting::Nothing => "counting nothing",
            Counting::OwnLine => "a line per thread",
            Counting::SharedLine => "one line for both workers",
        }
    }

    /// Spawns one of the control's tasks, of `n + 1` polls, on the current tokio runtime.
    fn spawn(self) -> fn(u32) -> tokio::task::JoinHandle<u64> {
        match self {
            Counting::Nothing => |n| tokio::spawn(counted(plain::one_await(n), || {})),
            Counting::OwnLine => |n| {
                tokio::spawn(counted(plain::one_await(n), || {
                    OWN.with(|line| add_one(&line.0))
                }))
            },
            Counting::SharedLine => {
                |n| tokio::spawn(counted(plain::one_await(n), || add_one(&SHARED.0)))
            }
        }
    }
}

/// The control as one build measured it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharingControl {
    /// Polls of the control's tasks in one run: the contention benchmark's.
    pub polls_per_run: u64,
    /// Every way of counting, timed side by side as the benchmark's variants are.
    pub timings: Vec<Timing<Counting>>,
}

/// Measures the control on the contention benchmark's runtime, with its samples (`quick`: a few
/// short ones), on the [measuring thread](on_measuring_thread).
pub fn measure(quick: bool) -> SharingControl {
    let group = Group::TwoWorkers;
    on_measuring_thread(|| {
        let runtime = runtime_for(group).expect("the contention benchmark's runtime");
        let spawns = Counting::ALL.map(Counting::spawn);
        let timings = timing::interleaved(
            &Counting::ALL,
            group.polls_per_run(),
            group.plan(quick),
            |counting, runs| {
                // `ALL` lists the ways in declaration order, so a way's number is its index.
                let spawn = spawns[counting as usize];
                for _ in 0..runs {
                    std::hint::black_box(runtime.block_on(spawn_and_join(
                        spawn,
                        group.tasks(),
                        group.argument(),
                    )));
                }
            },
        );
        SharingControl {
            polls_per_run: group.polls_per_run(),
            timings,
        }
    })
}

/// A counter on a line of its own: two 64-byte lines, as adjacent-line prefetchers pull pairs
/// (stackless's shards are laid out the same way).
#[repr(align(128))]
struct Line(AtomicU64);

static SHARED: Line = Line(AtomicU64::new(0));

thread_local! {
    static OWN: Line = const { Line(AtomicU64::new(0)) };
}

fn add_one(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed).wrapping_add(1), Relaxed);
}

/// `future`, counting each of its polls with `count`.
fn counted<F: Future>(future: F, count: fn()) -> impl Future<Output = F::Output> {
    let mut future = Box::pin(future);
    poll_fn(move |cx| {
        count();
        future.as_mut().poll(cx)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The polls each way counted on this thread's line and on the shared one.
    fn counted_polls(counting: Counting, tasks: u32, n: u32) -> (u64, u64) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime");
        let read = || {
            (
                OWN.with(|line| line.0.load(Relaxed)),
                SHARED.0.load(Relaxed),
            )
        };
        let (own, shared) = read();
        let total = runtime.block_on(spawn_and_join(counting.spawn(), tasks, n));
        assert_eq!(
            total,
            u64::from(tasks * n),
            "{counting:?}: the tasks' own output"
        );
        let (own_after, shared_after) = read();
        (own_after - own, shared_after - shared)
    }

    // The only test that touches the counters: they are the process's.
    #[test]
    fn each_way_counts_every_poll_on_its_own_line_and_a_run_times_all_three() {
        // A one-thread runtime polls on this thread: 4 tasks of 3 + 1 polls.
        assert_eq!(counted_polls(Counting::Nothing, 4, 3), (0, 0));
        assert_eq!(counted_polls(Counting::OwnLine, 4, 3), (16, 0));
        assert_eq!(counted_polls(Counting::SharedLine, 4, 3), (0, 16));

        let control = measure(true);
        assert_eq!(control.polls_per_run, 64 * 1001);
        let timed: Vec<Counting> = control.timings.iter().map(|t| t.variant).collect();
        assert_eq!(timed, Counting::ALL);
        assert!(control.timings.iter().all(|t| t.ns_per_poll > 0.0));
    }
}
