//! What the contention benchmark shows when every poll writes a cache line both workers write
//! (`overhead/README.md`, on reading the contention table):
//!
//! ```sh
//! cargo run --release -p stackless-overhead --example shared_line
//! ```
//!
//! Tasks of the plain `one_await` shape run as the contention benchmark runs them: 64 tasks on
//! a two-worker tokio runtime, each polled 1001 times, timed in the process's CPU time. They
//! run three ways, in turn, each task boxed in the same counting wrapper: counting nothing;
//! adding 1 to a counter on a line of the polling thread's own at every poll, as stackless
//! counts on a shard each thread owns; and adding 1 to one counter both workers share. Both
//! counters take a relaxed load and a store, as stackless's do, so the two differ in the
//! sharing and in how the counter is found (a thread-local, a static).

use std::future::{Future, poll_fn};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use stackless_overhead::cpu_clock::CpuClock;
use stackless_overhead::drive::spawn_and_join;
use stackless_overhead::shapes::plain;
use stackless_overhead::timing::median;

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

/// One way to run the tasks: its name, and how to spawn one task of `pending + 1` polls. The
/// first counts nothing, so the wrapper's own cost is in "plain" too.
struct Way {
    name: &'static str,
    spawn: fn(u32) -> tokio::task::JoinHandle<u64>,
}

const WAYS: [Way; 3] = [
    Way {
        name: "plain",
        spawn: |pending| tokio::spawn(counted(plain::one_await(pending), || {})),
    },
    Way {
        name: "a line per thread",
        spawn: |pending| {
            tokio::spawn(counted(plain::one_await(pending), || {
                OWN.with(|line| add_one(&line.0))
            }))
        },
    },
    Way {
        name: "one line for both workers",
        spawn: |pending| tokio::spawn(counted(plain::one_await(pending), || add_one(&SHARED.0))),
    },
];

fn main() {
    const TASKS: u32 = 64;
    const PENDING: u32 = 1000;
    const RUNS_PER_SAMPLE: u32 = 4;
    const SAMPLES: usize = 51;
    let polls = f64::from(TASKS * (PENDING + 1) * RUNS_PER_SAMPLE);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a two-worker runtime");
    let run = |way: &Way| runtime.block_on(spawn_and_join(way.spawn, TASKS, PENDING));
    for way in &WAYS {
        run(way); // warm up: the workers, the allocator
    }
    // One sample per way per round, the order rotating, as the benchmark takes them.
    let mut samples = vec![Vec::with_capacity(SAMPLES); WAYS.len()];
    for round in 0..SAMPLES {
        for offset in 0..WAYS.len() {
            let index = (round + offset) % WAYS.len();
            let start = CpuClock::Process.now();
            for _ in 0..RUNS_PER_SAMPLE {
                run(&WAYS[index]);
            }
            samples[index].push((CpuClock::Process.now() - start).as_nanos() as f64 / polls);
        }
    }

    println!(
        "{TASKS} tasks of {} polls on two workers, median CPU ns per poll of {SAMPLES} samples:",
        PENDING + 1
    );
    let plain = median(&samples[0]);
    for (way, samples) in WAYS.iter().zip(&samples) {
        let ns = median(samples);
        println!(
            "  {:<26} {ns:6.2} ns  ({:+.2} ns, {:.1} % of plain's throughput)",
            way.name,
            ns - plain,
            plain / ns * 100.0
        );
    }
}
