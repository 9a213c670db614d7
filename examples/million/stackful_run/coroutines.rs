//! corosensei coroutines: each task's future runs on a stack of its own
//! ([`stackless::stackful_with_stack_size`]), and one current-thread tokio runtime polls them
//! all as local tasks (a `Stackful` is not `Send`).
//!
//! `Stackful` is the toolkit's measuring wrapper: it paints its whole stack when it creates it,
//! so every page of the stack is resident from the start, where a runtime that does not paint
//! commits only the pages the task touches. With the stack sized to the need in whole pages the
//! two agree; the run says so when they do not.

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use stackless::StackUsage;
use stackless::models::{self, Alloc, Build, PAGE_SIZE};
use tokio::task::{JoinError, LocalSet, spawn_local};

use super::limits::{self, Machine};
use super::proc::Memory;
use super::{Ask, Watch, deadline};
use crate::report::Measurement;

/// A current-thread runtime with a timer, which the tasks sleep on.
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|error| format!("cannot start tokio: {error}"))
}

/// Runs one task (a 1 ms sleep) on a coroutine of the toolkit's default stack, as the benchmark
/// runs its coroutines, and returns the stack it touched.
pub(super) fn stack_need<F: Future + 'static>(task: fn(Duration) -> F) -> Result<usize, String> {
    let local = LocalSet::new();
    local.block_on(&runtime()?, async {
        let sizing = spawn_local(stackless::stackful(task(Duration::from_millis(1))));
        let (_, usage) = sizing
            .await
            .map_err(|error| format!("the task that measures the stack failed: {error}"))?;
        Ok(usage.high_water)
    })
}

/// What one coroutine of a stack of `stack` bytes, running a task whose need is `need`, is
/// predicted to take: the pages its stack commits ([`models::fixed_stack`]), plus the tokio
/// task that holds its `Stackful` handle, as glibc's heap grows by it
/// ([`models::glibc_heap_per_allocation`]). Returns the bytes and how they are made up.
fn predict<F: Future>(stack: usize, need: usize) -> (u64, String) {
    let footprint = models::fixed_stack("corosensei", stack, need);
    let output = Alloc::of::<Result<(F::Output, StackUsage), JoinError>>();
    let task = models::tokio_task_layout(
        Alloc::of::<stackless::Stackful<F>>(),
        output,
        Build::current(),
    );
    let cell = models::glibc_heap_per_allocation(task.cell.size, task.cell.align);
    let mut detail = format!(
        "{}; + {cell} B tokio task cell for the `Stackful` handle",
        footprint.detail
    );
    // `Stackful` paints the whole stack to measure it, so commits every page of it, which the
    // model does not expect of a runtime: the prediction is the painted stack then.
    let painted = stack.div_ceil(PAGE_SIZE).saturating_mul(PAGE_SIZE);
    let committed = if painted > footprint.committed {
        detail.push_str(&format!(
            " (but `Stackful` paints, so commits, all {painted} B of the stack)"
        ));
        painted
    } else {
        footprint.committed
    };
    (committed.saturating_add(cell) as u64, detail)
}

/// Spawns up to the tasks asked for as coroutines, each on a stack sized by the system's policy
/// for a task whose need is `need`, and measures the process's memory once all are parked.
pub(super) fn measure<F: Future + 'static>(
    ask: Ask,
    task: fn(Duration) -> F,
    need: usize,
) -> Result<Measurement, String> {
    let name = Watch::name_of(task)?;
    let stack = super::coroutine_stack(ask.system, need);
    let (per_task, detail) = predict::<F>(stack, need);
    eprintln!("  {ask}: need {need} B; predicted per task: {detail}");

    let local = LocalSet::new();
    local.block_on(&runtime()?, async {
        // Warm up what is set up once: the timer wheel, the report, a stack of this size.
        spawn_local(stackless::stackful_with_stack_size(
            stack,
            task(Duration::from_millis(1)),
        ))
        .await
        .map_err(|error| format!("the warm-up task failed: {error}"))?;

        let cap = limits::cap(ask.tasks, &Machine::read().coroutine_rooms(per_task));
        if let Some(stopped_by) = &cap.stopped_by {
            eprintln!("  {ask}: {stopped_by}");
        }
        let planned = cap.tasks()?;
        let watch = Watch::start(name);
        let before = Memory::read()?;
        let started = Instant::now();
        let mut tasks = 0;
        while tasks < planned {
            // `Stackful` panics when its stack cannot be mapped: a limit the reading missed.
            let coroutine = panic::catch_unwind(AssertUnwindSafe(|| {
                stackless::stackful_with_stack_size(stack, task(ask.sleep))
            }));
            let Ok(coroutine) = coroutine else {
                eprintln!("  {ask}: stopped at {tasks}: a stack could not be mapped");
                break;
            };
            // Dropping the join handle detaches the task; it ends by itself after its sleep.
            drop(spawn_local(coroutine));
            tasks += 1;
            ask.spawned(tasks, planned);
        }
        if tasks == 0 {
            return Err("not a single coroutine stack could be mapped".to_owned());
        }
        let spawning = started.elapsed();
        let idle = || tokio::time::sleep(Duration::from_millis(5));
        watch
            .all_parked(tasks, deadline(started, ask.sleep), idle)
            .await?;
        let grown = Memory::read()?.growth_since(&before);
        eprintln!(
            "  {ask}: {tasks} spawned in {spawning:.2?}; per task {} B resident, {} B of address \
             space",
            grown.rss / tasks,
            grown.size / tasks
        );
        watch
            .all_completed(tasks, deadline(Instant::now(), ask.sleep), idle)
            .await?;
        if let Some(deepest) = watch.deepest_stack() {
            eprintln!("  {ask}: the deepest task touched {deepest} B of its {stack} B stack");
        }
        Ok(ask.measurement(tasks, grown.rss, per_task))
    })
}
