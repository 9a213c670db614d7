//! OS threads: each task's future runs on a thread of its own, blocked on it with
//! `Handle::block_on` (the future pinned on the thread's stack, the thread parked while it
//! sleeps); a one-worker tokio runtime drives the timer and wakes them.
//!
//! A thread costs kernel memory that no process's `VmRSS` shows: its kernel stack, its
//! `task_struct`, its page tables. The measurement adds the system-wide growth of those
//! (`KernelStack`, `SUnreclaim`, `PageTables` in `/proc/meminfo`) to the process's `VmRSS`
//! growth, as [`models::os_thread`] counts both.

use std::future::Future;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use stackless::models::{self, ThreadLimits};
use tokio::runtime::Handle;

use super::limits::{self, Machine};
use super::proc::Memory;
use super::{Ask, System, Watch, deadline};
use crate::report::Measurement;

/// Starts a thread of `stack` bytes that runs `task(sleep)` to completion on `runtime`'s timer.
fn spawn<F: Future + 'static>(
    runtime: &Handle,
    stack: usize,
    task: fn(Duration) -> F,
    sleep: Duration,
) -> std::io::Result<JoinHandle<()>> {
    let runtime = runtime.clone();
    thread::Builder::new()
        .stack_size(stack)
        .spawn(move || drop(runtime.block_on(task(sleep))))
}

/// Spawns up to the tasks asked for as threads, each with the system's stack for a task whose
/// need is `need` and running one task, and measures memory once all are parked.
pub(super) fn measure<F: Future + 'static>(
    ask: Ask,
    task: fn(Duration) -> F,
    need: usize,
) -> Result<Measurement, String> {
    let name = Watch::name_of(task)?;
    let stack = super::thread_stack(ask.system, need);
    let footprint = models::os_thread(need, stack);
    let raised = match ask.system {
        System::Thread => " (std raises a smaller one to glibc's minimum)",
        _ => "",
    };
    eprintln!(
        "  {ask}: need {need} B, {stack} B stack asked for{raised}; predicted per task: {}",
        footprint.detail
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .map_err(|error| format!("cannot start tokio: {error}"))?;
    let handle = runtime.handle();
    // Warm up: the timer wheel, the report, glibc's arenas and a stack cache entry.
    spawn(handle, stack, task, Duration::from_millis(1))
        .map_err(|error| format!("cannot start a thread: {error}"))?
        .join()
        .map_err(|_| "the warm-up thread panicked".to_owned())?;

    let committed = footprint.committed as u64;
    let rooms = Machine::read().thread_rooms(committed, footprint.reserved as u64);
    let cap = limits::cap(ask.tasks, &rooms);
    let planned = cap.tasks()?;
    let mut stopped_by = cap.stopped_by;
    // One slot per thread, written now so that growing the list does not count as thread memory.
    let mut threads: Vec<Option<JoinHandle<()>>> = (0..planned).map(|_| None).collect();
    let watch = Watch::start(name);
    let maps = || ThreadLimits::read().maps_in_use.unwrap_or(0);
    let maps_before = maps();
    let before = Memory::read()?;
    let started = Instant::now();
    let mut spawned = 0;
    for slot in &mut threads {
        match spawn(handle, stack, task, ask.sleep) {
            Ok(thread) => *slot = Some(thread),
            Err(error) => {
                // A limit the reading missed (or another process took the room first).
                stopped_by = Some(format!(
                    "stopped at {spawned}: creating a thread failed: {error}"
                ));
                break;
            }
        }
        spawned += 1;
        ask.spawned(spawned, planned);
    }
    if let Some(stopped_by) = &stopped_by {
        eprintln!("  {ask}: {stopped_by}");
    }
    if spawned == 0 {
        return Err("not a single thread could be started".to_owned());
    }
    let spawning = started.elapsed();
    let idle = || tokio::time::sleep(Duration::from_millis(5));
    let parked = runtime.block_on(watch.all_parked(spawned, deadline(started, ask.sleep), idle));
    let grown = Memory::read()?.growth_since(&before);
    let maps_grown = maps().saturating_sub(maps_before);
    let completed =
        runtime.block_on(watch.all_completed(spawned, deadline(Instant::now(), ask.sleep), idle));
    // Every thread ends by itself after its sleep; wait for each to exit, even after an error.
    for thread in threads.into_iter().flatten() {
        thread
            .join()
            .map_err(|_| "a task's thread panicked".to_owned())?;
    }
    parked?;
    completed?;

    let per = |bytes: u64| bytes / spawned;
    eprintln!(
        "  {ask}: {spawned} spawned in {spawning:.2?}; per task {} B resident + {} B kernel \
         (system-wide), {} B of address space, {:.2} mappings",
        per(grown.rss),
        per(grown.kernel),
        per(grown.size),
        maps_grown as f64 / spawned as f64
    );
    let measured = grown.rss.saturating_add(grown.kernel);
    Ok(ask.measurement(spawned, measured, committed))
}
