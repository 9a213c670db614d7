//! The stackless system: many tasks of an annotated `async fn` on tokio, the memory they take by
//! the process's own accounting, and the figure the future's layout predicts for them.
//!
//! The prediction is made before anything is spawned, from three things: the future's size as
//! `stackless::layout` reports it, tokio's task cell around it (`models::tokio_task_layout`,
//! calibrated against tokio's real allocations), and what glibc's heap grows by for each cell
//! (`models::glibc_heap_per_allocation`). The cell is 128-byte aligned, and glibc serves aligned
//! requests by carving them out of a larger chunk: that, not the future, is most of the gap
//! between a future's size and a task's memory.
//!
//! Nothing else grows with the task count: the join handle (dropped at once) is a pointer to
//! the cell; `tokio::time::sleep`'s timer entry is inside the `Sleep`, which is inside the
//! future; tokio's injection queue, owned-task list and timer wheel are intrusive lists through
//! the cells, and each worker's run queue is a fixed ring of 256.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use stackless::models::{self, Alloc, Build};
use tokio::task::JoinError;

use crate::report::{Measurement, Shape};
use crate::tasks::{buffered, sleeper};

/// The system's name in tables, JSON and the chart.
pub const SYSTEM: &str = "tokio";

/// Where the predicted bytes of one task go, from the future out to the heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prediction {
    /// The state machine rustc built for the function, as `stackless::layout` reports it.
    pub state_machine: Alloc,
    /// The instrumentation `#[stackless::inspect]` keeps beside it (part of the spawned future).
    pub instrumentation: usize,
    /// What `tokio::spawn` allocates for that future: its task cell (and a boxed future when
    /// the future is over tokio's threshold; not for these shapes).
    pub task: models::TokioTask,
    /// glibc's chunk for the cell: the cell plus its size field, rounded up to 16 bytes.
    pub chunk: usize,
    /// What the heap grows by per task: the chunks, plus the fragments glibc's aligned
    /// allocation leaves between cells (and the boxed future's heap, if any).
    pub heap: usize,
}

impl Prediction {
    /// The prediction for the annotated task of `shape`, in this build.
    pub fn of(shape: Shape) -> Self {
        match shape {
            Shape::Sleep => Self::for_task(sleeper(Duration::ZERO)),
            Shape::Buffer => Self::for_task(buffered(Duration::ZERO)),
        }
    }

    /// The prediction for a task running `future`, which must come straight from an inspected
    /// function (it is dropped unpolled).
    fn for_task<F: Future>(future: F) -> Self {
        let layout = stackless::layout(future);
        let state_machine = Alloc {
            size: layout.size.size,
            align: layout.size.align,
        };
        let spawned = Alloc {
            size: layout.size.size + layout.size.overhead,
            align: layout.size.align,
        };
        let output = Alloc::of::<Result<F::Output, JoinError>>();
        let task = models::tokio_task_layout(spawned, output, Build::current());
        let boxed_heap = task.boxed_future.map_or(0, |boxed| {
            models::glibc_heap_per_allocation(boxed.size, boxed.align)
        });
        Prediction {
            state_machine,
            instrumentation: layout.size.overhead,
            task,
            chunk: models::glibc_malloc_usable(task.cell.size, task.cell.align) + 8,
            heap: models::glibc_heap_per_allocation(task.cell.size, task.cell.align) + boxed_heap,
        }
    }

    /// The spawned future: the state machine and the instrumentation.
    pub fn future(&self) -> usize {
        self.state_machine.size + self.instrumentation
    }

    /// Predicted bytes per task.
    pub fn per_task(&self) -> u64 {
        self.heap as u64
    }
}

impl fmt::Display for Prediction {
    /// The breakdown, one line per layer, each with its running total.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cell = self.task.cell;
        let boxed = self.task.boxed_future.map_or(0, |boxed| boxed.size);
        let inline = if boxed == 0 { self.future() } else { 8 };
        let rows = [
            (
                format!(
                    "future: state machine {} B + instrumentation {} B",
                    self.state_machine.size, self.instrumentation
                ),
                self.future(),
            ),
            (
                format!(
                    "tokio task cell (header, core, trailer; {}-aligned)",
                    cell.align
                ),
                cell.size + boxed,
            ),
            (
                "glibc chunk (8-byte size field, 16-byte rounding)".to_owned(),
                self.chunk + boxed,
            ),
            (
                "glibc aligned allocation: fragments between cells".to_owned(),
                self.heap,
            ),
        ];
        if boxed > 0 {
            writeln!(
                f,
                "  (the future is over tokio's {} B threshold: boxed, {} B in the cell)",
                Build::current().box_future_threshold(),
                inline
            )?;
        }
        let mut previous = 0;
        for (what, total) in rows {
            let added = total as i64 - previous as i64;
            writeln!(f, "  {what:<54} {added:>+6} B = {total:>6} B")?;
            previous = total;
        }
        writeln!(
            f,
            "  nothing else: the dropped JoinHandle pointed into the cell, Sleep's timer entry is \
             in the future,\n  and tokio's queues, task list and timer wheel link tasks through \
             their cells"
        )
    }
}

/// `VmRSS` and `VmHWM` of `/proc/self/status`, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resident {
    /// Resident memory now.
    pub now: u64,
    /// The most it has been.
    pub peak: u64,
}

impl Resident {
    /// Reads this process's figures.
    pub fn read() -> Result<Self, String> {
        let status = std::fs::read_to_string("/proc/self/status")
            .map_err(|error| format!("cannot read /proc/self/status: {error}"))?;
        Self::parse(&status).ok_or_else(|| "no VmRSS or VmHWM in /proc/self/status".to_owned())
    }

    /// Reads the figures from the text of a `/proc/<pid>/status` file.
    pub fn parse(status: &str) -> Option<Self> {
        let bytes = |name: &str| -> Option<u64> {
            let line = status.lines().find_map(|line| line.strip_prefix(name))?;
            let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
            kib.checked_mul(1024)
        };
        Some(Resident {
            now: bytes("VmRSS:")?,
            peak: bytes("VmHWM:")?,
        })
    }
}

/// How one run went, beyond the measurement.
#[derive(Clone, Copy, Debug)]
pub struct Timings {
    /// From the first spawn to the last.
    pub spawning: Duration,
    /// From the first spawn until every task was parked at its sleep.
    pub parked: Duration,
    /// `VmHWM` growth over the baseline: the peak, which may exceed the memory held at the end.
    pub peak: u64,
}

/// Spawns `tasks` tasks of `shape` on a multi-threaded tokio runtime, each sleeping `sleep`,
/// and measures the resident memory they take once every one is parked at its await: `VmRSS`
/// then, minus `VmRSS` before the first spawn (after the runtime, its timer and the report have
/// been warmed up). Waits for every task to end by itself before returning; gives up when
/// `deadline` passes. With `progress`, a line on stderr every tenth of the tasks.
///
/// Run it in a fresh process: memory an earlier run freed stays in the heap and would be
/// reused. The join handles are dropped at once, as the tasks need no result.
pub fn measure(
    shape: Shape,
    tasks: u64,
    sleep: Duration,
    deadline: Instant,
    progress: bool,
) -> Result<(Measurement, Timings), String> {
    let prediction = Prediction::of(shape);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .map_err(|error| format!("cannot start tokio: {error}"))?;
    runtime.block_on(async move {
        match shape {
            Shape::Sleep => run(sleeper, "sleeper", tasks, sleep, deadline, progress).await,
            Shape::Buffer => run(buffered, "buffered", tasks, sleep, deadline, progress).await,
        }
        .map(|(measured, timings)| {
            let measurement = Measurement {
                system: SYSTEM.to_owned(),
                shape: shape.name().to_owned(),
                tasks,
                measured_bytes: measured,
                predicted_bytes: Some(prediction.per_task().saturating_mul(tasks)),
            };
            (measurement, timings)
        })
    })
}

/// [`measure`] for the inspected function `function`, named `name` in the report.
async fn run<F, T>(
    function: F,
    name: &str,
    tasks: u64,
    sleep: Duration,
    deadline: Instant,
    progress: bool,
) -> Result<(u64, Timings), String>
where
    F: Fn(Duration) -> T,
    T: Future + Send + 'static,
    T::Output: Send + 'static,
{
    let counts = || {
        stackless::report().function(name).map_or((0, 0), |report| {
            let parked = report.await_points.iter().map(|at| at.suspensions.parked);
            (parked.sum::<u64>(), report.completed)
        })
    };
    // Warm up what is set up once: the workers, the timer wheel, the report's registry.
    tokio::spawn(function(Duration::from_millis(1)))
        .await
        .map_err(|error| format!("the warm-up task failed: {error}"))?;
    let (_, completed_before) = counts();
    let before = Resident::read()?;

    let started = Instant::now();
    let step = (tasks / 10).max(1);
    for spawned in 1..=tasks {
        drop(tokio::spawn(function(sleep)));
        if progress && spawned % step == 0 {
            eprintln!(
                "  {SYSTEM}, {name}: {:>3}% ({spawned} of {tasks} tasks spawned, {:.1} s)",
                spawned * 100 / tasks,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let spawning = started.elapsed();
    let all_parked = || {
        let (parked, completed) = counts();
        if completed > completed_before {
            return Err(format!(
                "a task ended before all {tasks} were parked ({parked} were): spawning took \
                 longer than the {sleep:?} sleep; give a longer `--sleep`"
            ));
        }
        Ok(parked >= tasks)
    };
    wait_until(all_parked, deadline, "every task was parked").await?;
    let parked = started.elapsed();
    let after = Resident::read()?;

    let all_completed = || Ok(counts().1.saturating_sub(completed_before) >= tasks);
    wait_until(all_completed, deadline, "every task had ended").await?;
    let timings = Timings {
        spawning,
        parked,
        peak: after.peak.saturating_sub(before.peak),
    };
    Ok((after.now.saturating_sub(before.now), timings))
}

/// Looks every 5 ms until `done` says so (or fails), or `deadline` passes.
async fn wait_until(
    mut done: impl FnMut() -> Result<bool, String>,
    deadline: Instant,
    what: &str,
) -> Result<(), String> {
    while !done()? {
        if Instant::now() > deadline {
            return Err(format!("the time limit passed before {what}"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}
