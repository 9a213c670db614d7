//! The stackful systems: the same tasks on corosensei coroutines (two stack-size policies), on
//! OS threads (two stack sizes) and as Go goroutines, each next to what the toolkit's models
//! predict for it.
//!
//! Every system starts from one number: the stack high-water mark of the task, measured by
//! running one task stackfully ([`stack_need`]). The coroutines' stacks are sized from it, and
//! the models ([`stackless::models`]) turn it into a prediction before any task is spawned.
//!
//! [`measure`] runs one system in the calling process, as `tokio_run::measure` does, so call it
//! in a fresh process per task count: memory a run frees is not all given back to the system.
//! Before spawning, it reads the machine's limits and stops short of them ([`limits`]), saying
//! which one stopped it; it never changes a system setting. Every task ends by itself after its
//! sleep, and every wait has a deadline.

mod coroutines;
pub mod go;
pub mod limits;
mod proc;
mod threads;

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::time::{Duration, Instant};

use stackless::models::{self, COROSENSEI_MIN_STACK, PAGE_SIZE};

use crate::report::{Measurement, Shape};
use crate::tasks::{buffered, sleeper};

/// A stackful way to run the benchmark's tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum System {
    /// corosensei coroutines, each on a stack of the measured need rounded up to whole pages.
    Coroutine,
    /// corosensei coroutines, each on the stack a Go goroutine would grow to for the same need.
    CoroutineGoLike,
    /// OS threads with the smallest stack the task fits in.
    Thread,
    /// OS threads with Rust's default stack (2 MiB).
    Thread2Mib,
    /// Go goroutines: `million.go`, built and run when `go` is on the `PATH`.
    Go,
}

impl System {
    /// Every system, in table order.
    pub const ALL: [System; 5] = [
        System::Coroutine,
        System::CoroutineGoLike,
        System::Thread,
        System::Thread2Mib,
        System::Go,
    ];

    /// The name used on the command line.
    pub const fn key(self) -> &'static str {
        match self {
            System::Coroutine => "corosensei",
            System::CoroutineGoLike => "corosensei-go",
            System::Thread => "thread",
            System::Thread2Mib => "thread-2mib",
            System::Go => "go",
        }
    }

    /// The name used in tables, JSON and the chart ([`Measurement::system`]).
    pub const fn name(self) -> &'static str {
        match self {
            System::Coroutine => "corosensei (measured stack)",
            System::CoroutineGoLike => "corosensei (Go-like stack)",
            System::Thread => "OS thread (minimum stack)",
            System::Thread2Mib => "OS thread (2 MiB stack)",
            System::Go => "Go goroutine",
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for System {
    type Err = String;

    fn from_str(key: &str) -> Result<Self, String> {
        System::ALL
            .into_iter()
            .find(|system| system.key() == key)
            .ok_or_else(|| {
                let keys: Vec<_> = System::ALL.iter().map(|system| system.key()).collect();
                format!(
                    "unknown stackful system `{key}`: expected one of `{}`",
                    keys.join("`, `")
                )
            })
    }
}

/// Calls a generic function with the annotated task of a shape (each is its own future type).
macro_rules! with_task {
    ($shape:expr, |$task:ident| $call:expr) => {
        match $shape {
            Shape::Sleep => {
                let $task = sleeper;
                $call
            }
            Shape::Buffer => {
                let $task = buffered;
                $call
            }
        }
    };
}

/// Runs `tasks` tasks of `shape` under `system`, each sleeping `sleep`, and measures the memory
/// they take once all are parked. Fewer than `tasks` run when a limit of the machine would stop
/// them (the measurement says how many did; what stopped them goes to stderr).
///
/// For Go this builds and runs `million.go` in a process of its own, so it can be called from
/// the parent as well.
pub fn measure(
    system: System,
    shape: Shape,
    tasks: u64,
    sleep: Duration,
    progress: bool,
) -> Result<Measurement, String> {
    let ask = Ask {
        system,
        shape,
        tasks,
        sleep,
        progress,
    };
    let need = stack_need(shape)?;
    match system {
        System::Coroutine | System::CoroutineGoLike => {
            with_task!(shape, |task| coroutines::measure(ask, task, need))
        }
        System::Thread | System::Thread2Mib => {
            with_task!(shape, |task| threads::measure(ask, task, need))
        }
        System::Go => go::Go::find()?.measure(ask, need),
    }
}

/// What one run is asked for: [`measure`]'s arguments.
#[derive(Clone, Copy, Debug)]
struct Ask {
    system: System,
    shape: Shape,
    /// Tasks asked for; a limit may allow fewer.
    tasks: u64,
    /// How long each task sleeps.
    sleep: Duration,
    /// Whether to print a line every tenth of the tasks spawned.
    progress: bool,
}

impl Ask {
    /// A progress line after `spawned` of `planned` tasks, every tenth of them.
    fn spawned(&self, spawned: u64, planned: u64) {
        if self.progress && spawned.is_multiple_of((planned / 10).max(1)) {
            eprintln!("  {self}: {spawned} of {planned} spawned");
        }
    }

    /// The measurement of `tasks` tasks that took `measured` bytes, where `per_task` was
    /// predicted for each.
    fn measurement(&self, tasks: u64, measured: u64, per_task: u64) -> Measurement {
        Measurement {
            system: self.system.name().to_owned(),
            shape: self.shape.name().to_owned(),
            tasks,
            measured_bytes: measured,
            predicted_bytes: Some(per_task.saturating_mul(tasks)),
        }
    }
}

/// `system shape`, to begin the lines a run prints.
impl fmt::Display for Ask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.system, self.shape)
    }
}

/// The stack high-water mark of one task of `shape`, run stackfully to completion (with a 1 ms
/// sleep) on a current-thread tokio runtime, as the coroutines run.
pub fn stack_need(shape: Shape) -> Result<usize, String> {
    with_task!(shape, |task| coroutines::stack_need(task))
}

/// Slack added to the measured need before a stack is sized from it: a task among many may take
/// a path the one measured task did not (the timer wheel cascading a level, say) and go a little
/// deeper. After a run, the deepest any task went is printed next to its stack.
pub const STACK_SLACK: usize = 512;

/// The usable stack each coroutine of `system` gets for a task whose stack need is `need`.
///
/// - [`System::Coroutine`]: `need` + [`STACK_SLACK`], rounded up to whole pages; corosensei's
///   smallest stack is one page ([`COROSENSEI_MIN_STACK`]).
/// - [`System::CoroutineGoLike`]: what a goroutine's stack would end at for the same need, the
///   power of two at or above it and at least 2 KiB ([`models::go_goroutine_stack`]), but at
///   least corosensei's 4 KiB. A corosensei stack cannot grow or move, so the Go-like policy maps
///   up front the size a Go stack would have doubled its way to, and cannot go below a page:
///   Go's 2 KiB stacks live in its own heap, not in `mmap`ed pages.
///
/// Other systems have no coroutine stack; they get the first policy's figure.
pub fn coroutine_stack(system: System, need: usize) -> usize {
    let need = need.saturating_add(STACK_SLACK);
    let stack = match system {
        System::CoroutineGoLike => models::go_goroutine_stack(need),
        _ => need.div_ceil(PAGE_SIZE).saturating_mul(PAGE_SIZE),
    };
    stack.max(COROSENSEI_MIN_STACK)
}

/// The stack each thread of `system` asks for: Rust's default ([`models::RUST_THREAD_STACK`])
/// for [`System::Thread2Mib`]; else the need, [`STACK_SLACK`] and glibc's thread descriptor,
/// which glibc keeps at the top of the stack, in whole pages. `std` raises a request below
/// glibc's `__pthread_get_minstack` (16 KiB `PTHREAD_STACK_MIN` + a page + static TLS) to that.
pub fn thread_stack(system: System, need: usize) -> usize {
    match system {
        System::Thread2Mib => models::RUST_THREAD_STACK,
        _ => need
            .saturating_add(STACK_SLACK)
            .saturating_add(models::GLIBC_THREAD_DESCRIPTOR)
            .div_ceil(PAGE_SIZE)
            .saturating_mul(PAGE_SIZE),
    }
}

/// Follows the tasks of one run through the toolkit's report of their inspected function: how
/// many are parked at an await, how many have completed.
struct Watch {
    name: String,
    completed_before: u64,
}

impl Watch {
    /// The name of `task`'s function in the toolkit's report.
    fn name_of<F: Future>(task: fn(Duration) -> F) -> Result<String, String> {
        stackless::try_layout(task(Duration::ZERO))
            .map(|layout| layout.name)
            .ok_or_else(|| {
                "the tasks are not inspected: build with `stackless`'s default feature `enabled`"
                    .to_owned()
            })
    }

    /// Starts watching the inspected function `name`, before its tasks are spawned.
    fn start(name: String) -> Self {
        let completed_before = Watch::counts(&name).1;
        Watch {
            name,
            completed_before,
        }
    }

    /// Parked and completed counts of the function (0 when it is not in the report).
    fn counts(name: &str) -> (u64, u64) {
        stackless::report()
            .function(name)
            .map_or((0, 0), |function| {
                let parked = function
                    .await_points
                    .iter()
                    .map(|point| point.suspensions.parked)
                    .sum();
                (parked, function.completed)
            })
    }

    /// Waits, calling `idle` between looks, until `tasks` tasks are parked. Fails when one has
    /// completed first (the sleep is shorter than spawning them took) or when `deadline` passes.
    async fn all_parked<I: Future>(
        &self,
        tasks: u64,
        deadline: Instant,
        idle: impl FnMut() -> I,
    ) -> Result<(), String> {
        self.wait_for(deadline, idle, |parked, completed| {
            if parked >= tasks {
                Some(Ok(()))
            } else if completed > 0 {
                Some(Err(format!(
                    "a task ended before all {tasks} were parked ({parked} were): the sleep is \
                     shorter than spawning them took; give a longer one"
                )))
            } else {
                None
            }
        })
        .await
    }

    /// Waits like [`all_parked`](Self::all_parked) until `tasks` tasks have completed.
    async fn all_completed<I: Future>(
        &self,
        tasks: u64,
        deadline: Instant,
        idle: impl FnMut() -> I,
    ) -> Result<(), String> {
        self.wait_for(deadline, idle, |_, completed| {
            (completed >= tasks).then_some(Ok(()))
        })
        .await
    }

    /// Looks at the counts (parked now, completed since the start) until `done` has an answer,
    /// calling `idle` in between; fails when `deadline` passes first.
    async fn wait_for<I: Future>(
        &self,
        deadline: Instant,
        mut idle: impl FnMut() -> I,
        mut done: impl FnMut(u64, u64) -> Option<Result<(), String>>,
    ) -> Result<(), String> {
        loop {
            let (parked, completed) = Watch::counts(&self.name);
            let completed = completed.saturating_sub(self.completed_before);
            if let Some(answer) = done(parked, completed) {
                return answer;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the deadline passed with {parked} tasks parked and {completed} completed"
                ));
            }
            idle().await;
        }
    }

    /// The deepest stack any stackful run of the function touched.
    fn deepest_stack(&self) -> Option<usize> {
        let report = stackless::report();
        Some(report.function(&self.name)?.stack?.largest.high_water)
    }
}

/// How long a run may wait for its tasks: to park, the time spawning took and then the sleep
/// again; to complete, twice the sleep; each plus half a minute.
fn deadline(from: Instant, sleep: Duration) -> Instant {
    let wait = sleep
        .saturating_mul(2)
        .saturating_add(Duration::from_secs(30));
    // An absurd sleep gets a day, which `Instant` can always add.
    from.checked_add(wait)
        .unwrap_or_else(|| from + Duration::from_secs(24 * 60 * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systems_round_trip_through_their_keys() {
        for system in System::ALL {
            assert_eq!(system.key().parse::<System>(), Ok(system));
        }
        let error = "fibre".parse::<System>().unwrap_err();
        assert!(error.contains("`corosensei`, `corosensei-go`"), "{error}");
    }

    #[test]
    fn coroutine_stacks_follow_their_policy() {
        // A page at least, whatever the need.
        assert_eq!(coroutine_stack(System::Coroutine, 0), 4096);
        assert_eq!(coroutine_stack(System::CoroutineGoLike, 0), 4096);
        // Whole pages versus powers of two, after the slack.
        assert_eq!(
            coroutine_stack(System::Coroutine, 9000 - STACK_SLACK),
            12 << 10
        );
        assert_eq!(
            coroutine_stack(System::CoroutineGoLike, 9000 - STACK_SLACK),
            16 << 10
        );
        assert_eq!(coroutine_stack(System::Coroutine, 4096 - STACK_SLACK), 4096);
        assert_eq!(coroutine_stack(System::Coroutine, 4097 - STACK_SLACK), 8192);
        // Absurd needs saturate instead of overflowing.
        assert!(coroutine_stack(System::Coroutine, usize::MAX) >= 4096);
        assert_eq!(
            coroutine_stack(System::CoroutineGoLike, usize::MAX),
            models::GO_MAX_STACK
        );
    }

    #[test]
    fn thread_stacks_hold_the_need_and_glibcs_descriptor() {
        assert_eq!(thread_stack(System::Thread2Mib, 100), 2 << 20);
        let small = thread_stack(System::Thread, 1000);
        assert_eq!(small % 4096, 0);
        assert!(small >= 1000 + STACK_SLACK + models::GLIBC_THREAD_DESCRIPTOR);
        assert!(thread_stack(System::Thread, usize::MAX) > 0);
    }

    #[test]
    fn deadlines_are_bounded_for_any_sleep() {
        let now = Instant::now();
        assert_eq!(
            deadline(now, Duration::from_secs(5)),
            now + Duration::from_secs(40)
        );
        assert!(deadline(now, Duration::MAX) > now);
    }
}
