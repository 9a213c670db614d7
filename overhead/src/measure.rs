//! Everything one build measures: the sizes of its futures and every benchmark of its
//! variants. The runner builds the package twice (the `inspect` feature on and off) and runs
//! this in each build's own process; `bin/measure_build.rs` writes it as JSON.

use std::hint::black_box;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cpu_clock::CpuClock;
use crate::drive;
use crate::instructions::Instructions;
use crate::sharing::SharingControl;
use crate::timing::{self, Plan, Timing};
use crate::variant::{Shape, Variant};

/// What one build measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BuildResults {
    /// Whether this build had the `inspect` feature (so `stackless` or `stackless-off`).
    pub inspect_feature: bool,
    /// `release` or `debug`: sizes of futures can differ between the two.
    pub profile: String,
    pub sizes: Vec<Size>,
    pub benchmarks: Vec<Benchmark>,
    /// Instructions per poll, when counted (`--instructions`).
    #[serde(default)]
    pub instructions: Vec<Instructions>,
    /// What a cache line shared by every poll costs on two workers, when the contention
    /// benchmark ran (see [`crate::sharing`]).
    #[serde(default)]
    pub sharing: Option<SharingControl>,
}

/// The size of one shape's future in one variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Size {
    pub shape: Shape,
    pub variant: Variant,
    pub bytes: usize,
}

/// One benchmark: one shape in one group, every variant timed side by side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Benchmark {
    pub group: Group,
    pub shape: Shape,
    /// Polls of the shape's futures in one run.
    pub polls_per_run: u64,
    pub timings: Vec<Timing>,
}

/// How futures are driven.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The hand-written executor; one run creates one future and polls it to completion.
    ByHand,
    /// The hand-written executor; one run creates a future whose await is ready at once,
    /// polls it once and drops it: a short-lived future's whole life.
    OnePoll,
    /// A current-thread tokio runtime; one run spawns and joins many tasks.
    CurrentThread,
    /// A two-worker tokio runtime; one run spawns and joins many tasks of one function.
    TwoWorkers,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::ByHand,
        Group::OnePoll,
        Group::CurrentThread,
        Group::TwoWorkers,
    ];

    /// The shape's argument `n`: each future is polled `n + 1` times.
    pub fn argument(self) -> u32 {
        match self {
            Group::ByHand | Group::CurrentThread => 100,
            Group::OnePoll => 0,
            Group::TwoWorkers => 1000,
        }
    }

    /// Futures per run.
    pub fn tasks(self) -> u32 {
        match self {
            Group::ByHand | Group::OnePoll => 1,
            Group::CurrentThread => 100,
            Group::TwoWorkers => 64,
        }
    }

    pub fn polls_per_run(self) -> u64 {
        u64::from(self.tasks()) * u64::from(self.argument() + 1)
    }

    /// The key in JSON and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Group::ByHand => "by_hand",
            Group::OnePoll => "one_poll",
            Group::CurrentThread => "current_thread",
            Group::TwoWorkers => "two_workers",
        }
    }

    /// How long to measure, in a full run or a quick one, and on which clock.
    pub(crate) fn plan(self, quick: bool) -> Plan {
        let (samples, sample_time) = match self {
            Group::ByHand | Group::OnePoll => (101, Duration::from_millis(1)),
            Group::CurrentThread | Group::TwoWorkers => (51, Duration::from_millis(4)),
        };
        let clock = match self {
            Group::TwoWorkers => CpuClock::Process,
            _ => CpuClock::Thread,
        };
        if quick {
            Plan {
                samples: 5,
                sample_time: Duration::from_micros(100),
                clock,
            }
        } else {
            Plan {
                samples,
                sample_time,
                clock,
            }
        }
    }
}

/// The size of every shape's future in every variant of this build.
pub fn sizes(variants: &[Variant]) -> Vec<Size> {
    Shape::ALL
        .iter()
        .flat_map(|&shape| {
            variants.iter().map(move |&variant| Size {
                shape,
                variant,
                bytes: drive::future_size(shape, variant),
            })
        })
        .collect()
}

/// Runs every benchmark of `groups` for `variants` (`quick`: a few short samples, for a smoke
/// test), telling `progress` what it starts, on the [measuring thread](on_measuring_thread).
pub fn benchmarks(
    groups: &[Group],
    variants: &[Variant],
    quick: bool,
    progress: impl FnMut(&str) + Send,
) -> Vec<Benchmark> {
    on_measuring_thread(|| run_benchmarks(groups, variants, quick, progress))
}

/// Runs `measure` on a thread of its own, whose stack begins at the same place within a page in
/// every run; a panic in it goes on in the caller.
///
/// The main thread's stack begins wherever address-space randomisation puts it, and with it
/// moves the alignment of every buffer a benchmark copies: `kib_argument` of one binary, the
/// same code in plain and in `stackless` with its features off, measured 0.5 ns per poll apart
/// in two runs of five, and never with randomisation off (`setarch -R`). The divan benchmarks
/// run on it too.
pub fn on_measuring_thread<T: Send>(measure: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("measure".to_owned())
            .stack_size(MEASURING_STACK)
            .spawn_scoped(scope, measure)
            .expect("a thread to measure on")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The measuring thread's stack: the main thread's usual 8 MiB.
const MEASURING_STACK: usize = 8 << 20;

fn run_benchmarks(
    groups: &[Group],
    variants: &[Variant],
    quick: bool,
    mut progress: impl FnMut(&str),
) -> Vec<Benchmark> {
    let mut benchmarks = Vec::new();
    for &group in groups {
        let runner = Runner::new(group);
        for shape in Shape::ALL {
            progress(&format!("{} {}", group.key(), shape.key()));
            let drivers: Vec<_> = variants.iter().map(|&v| Drivers::of(shape, v)).collect();
            let index = |variant| variants.iter().position(|&v| v == variant).unwrap_or(0);
            let timings = timing::interleaved(
                variants,
                group.polls_per_run(),
                group.plan(quick),
                |variant, runs| runner.run(drivers[index(variant)], runs),
            );
            benchmarks.push(Benchmark {
                group,
                shape,
                polls_per_run: group.polls_per_run(),
                timings,
            });
        }
    }
    benchmarks
}

/// Runs `runs` runs of one group's benchmark of `shape` in `variant`, on the measuring thread:
/// what [`crate::instructions`] counts. On the main thread, where the stack begins depends on
/// the size of the process's environment, and so does the alignment of the 1 KiB shapes'
/// copies, which `memcpy` takes paths of different lengths for: the same binary counted
/// `kib_argument` at 33.35 to 33.43 instructions per poll under four environments.
pub fn run(group: Group, shape: Shape, variant: Variant, runs: u64) {
    on_measuring_thread(|| Runner::new(group).run(Drivers::of(shape, variant), runs));
}

/// The two ways to drive one shape of one variant, fetched before any run.
#[derive(Clone, Copy)]
struct Drivers {
    by_hand: fn(u32) -> u64,
    spawn: fn(u32) -> tokio::task::JoinHandle<u64>,
}

impl Drivers {
    fn of(shape: Shape, variant: Variant) -> Self {
        Drivers {
            by_hand: drive::by_hand(shape, variant),
            spawn: drive::spawn(shape, variant),
        }
    }
}

/// What one run of a group is: by hand, or on the group's runtime.
struct Runner {
    group: Group,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Runner {
    fn new(group: Group) -> Self {
        Runner {
            group,
            runtime: runtime_for(group),
        }
    }

    /// Never inlined: callgrind counts only inside this function (see
    /// [`crate::instructions::COUNTED_FUNCTION`]), so that starting and joining the measuring
    /// thread, whose path through the C library depends on how the OS schedules the two
    /// threads, is left out of the count.
    #[inline(never)]
    fn run(&self, drivers: Drivers, runs: u64) {
        let n = self.group.argument();
        match &self.runtime {
            None => {
                for _ in 0..runs {
                    black_box((drivers.by_hand)(black_box(n)));
                }
            }
            Some(runtime) => {
                let tasks = self.group.tasks();
                for _ in 0..runs {
                    black_box(runtime.block_on(drive::spawn_and_join(drivers.spawn, tasks, n)));
                }
            }
        }
    }
}

/// The runtime a group's runs need, if any.
pub(crate) fn runtime_for(group: Group) -> Option<tokio::runtime::Runtime> {
    match group {
        Group::ByHand | Group::OnePoll => None,
        Group::CurrentThread => Some(
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a current-thread runtime"),
        ),
        Group::TwoWorkers => Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .expect("a two-worker runtime"),
        ),
    }
}

/// `release` or `debug`.
pub fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measuring_happens_on_its_own_thread_and_its_panics_reach_the_caller() {
        let name = on_measuring_thread(|| std::thread::current().name().map(str::to_owned));
        assert_eq!(name.as_deref(), Some("measure"));
        let panic = std::panic::catch_unwind(|| on_measuring_thread(|| panic!("lost sample")))
            .expect_err("the measuring thread panicked");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"lost sample"));
    }

    #[test]
    fn a_quick_run_times_every_variant_of_every_shape() {
        let variants = Variant::in_this_build();
        let benchmarks = benchmarks(
            &[Group::OnePoll, Group::CurrentThread],
            variants,
            true,
            |_| {},
        );
        assert_eq!(benchmarks.len(), 2 * Shape::ALL.len());
        for benchmark in &benchmarks {
            let timed: Vec<_> = benchmark.timings.iter().map(|t| t.variant).collect();
            assert_eq!(timed, variants);
            assert!(benchmark.timings.iter().all(|t| t.ns_per_poll > 0.0));
        }
    }
}
