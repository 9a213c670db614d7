//! The stackful-comparison models (`stackless::models`): their arithmetic at the boundaries,
//! and the two that can be measured here, measured.
//!
//! - tokio: a counting global allocator records what `Runtime::spawn` allocates for futures of
//!   known sizes, and every allocation must equal what `tokio_task_layout` predicts.
//! - glibc malloc: `malloc_usable_size` on fresh allocations against `glibc_malloc_usable`.
//! - Linux: `ThreadLimits::read` against the same limits read independently, and the two
//!   mappings per thread counted in `/proc/self/maps`.
//!
//! Run with `--nocapture` to see the calibration table.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};

use stackless::models::{
    self, Alloc, Build, COROSENSEI_DEFAULT_STACK, GENERATOR_DEFAULT_STACK, GO_G_ALLOC,
    GO_MAX_STACK, LINUX_KERNEL_PER_THREAD, PAGE_SIZE, RUST_THREAD_STACK, SMALL_TASK_OUTPUT,
    ThreadLimit, ThreadLimits, TokioTask,
};
use tokio::task::JoinError;

// ---------------------------------------------------------------------------------------------
// A global allocator that records, on one thread and only while asked, what is allocated.
// ---------------------------------------------------------------------------------------------

struct Recording;

#[global_allocator]
static ALLOCATOR: Recording = Recording;

const LOG_CAPACITY: usize = 8;

struct Log {
    on: bool,
    len: usize,
    entries: [Alloc; LOG_CAPACITY],
}

thread_local! {
    // `const`-initialised and without a destructor, so touching it never allocates.
    static LOG: RefCell<Log> = const {
        RefCell::new(Log { on: false, len: 0, entries: [Alloc { size: 0, align: 0 }; LOG_CAPACITY] })
    };
}

// SAFETY: every method forwards to `System` unchanged; recording only writes a thread-local
// that was initialised without allocating, and never allocates itself.
unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `new_size` with `layout`'s alignment was valid for the caller's `realloc`.
        record(unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) });
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn record(layout: Layout) {
    let _ = LOG.try_with(|log| {
        if let Ok(mut log) = log.try_borrow_mut()
            && log.on
        {
            let len = log.len;
            if len < LOG_CAPACITY {
                log.entries[len] = Alloc {
                    size: layout.size(),
                    align: layout.align(),
                };
            }
            log.len += 1;
        }
    });
}

/// Everything this thread allocates while `f` runs.
fn allocations_during<R>(f: impl FnOnce() -> R) -> (R, Vec<Alloc>) {
    LOG.with(|log| {
        let mut log = log.borrow_mut();
        log.on = true;
        log.len = 0;
    });
    let result = f();
    let (len, entries) = LOG.with(|log| {
        let mut log = log.borrow_mut();
        log.on = false;
        (log.len, log.entries)
    });
    assert!(
        len <= LOG_CAPACITY,
        "{len} allocations: more than the log holds"
    );
    (result, entries[..len].to_vec())
}

// ---------------------------------------------------------------------------------------------
// tokio: the task-cell model against what `spawn` allocates.
// ---------------------------------------------------------------------------------------------

/// A future of exactly `N` bytes, alignment 1, ready at once.
struct Bytes<const N: usize>([u8; N]);

impl<const N: usize> Future for Bytes<N> {
    type Output = u8;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u8> {
        Poll::Ready(self.0.first().copied().unwrap_or(0))
    }
}

/// A 256-aligned future, above the task cell's own 128-byte alignment.
#[repr(align(256))]
struct Aligned256([u8; 300]);

impl Future for Aligned256 {
    type Output = u8;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u8> {
        Poll::Ready(self.0[0])
    }
}

/// A future whose output (and so the task's `Finished` stage) is larger than itself.
struct BigOutput;

impl Future for BigOutput {
    type Output = [u8; 200];

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<[u8; 200]> {
        Poll::Ready([7; 200])
    }
}

/// An `async` block holding `N` bytes across an await point, as real tasks do.
async fn holding<const N: usize>() -> usize {
    let buffer = [1u8; N];
    tokio::task::yield_now().await;
    std::hint::black_box(&buffer).len()
}

struct Sample {
    name: String,
    future: Alloc,
    predicted: TokioTask,
    allocated: Vec<Alloc>,
}

/// Spawns `future` on `runtime`, recording what the spawn allocates, and runs it to completion.
fn spawn_sample<F>(runtime: &tokio::runtime::Runtime, name: &str, future: F) -> Sample
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let layout = Alloc::of::<F>();
    let output = Alloc::of::<Result<F::Output, JoinError>>();
    let predicted = models::tokio_task_layout(layout, output, build());
    let (handle, allocated) = allocations_during(|| runtime.spawn(future));
    runtime.block_on(handle).expect("the sample task completes");
    Sample {
        name: name.to_owned(),
        future: layout,
        predicted,
        allocated,
    }
}

/// The profile this test (and so tokio) was compiled in.
fn build() -> Build {
    if cfg!(debug_assertions) {
        Build::Debug
    } else {
        Build::Release
    }
}

#[test]
fn tokio_spawn_allocates_exactly_the_modelled_task() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // Anything lazily set up on a first spawn happens here, outside the samples.
    runtime.block_on(runtime.spawn(async {})).unwrap();

    macro_rules! bytes {
        ($($n:literal)*) => { [$(spawn_sample(&runtime, concat!("Bytes<", $n, ">"), Bytes([0; $n]))),*] };
    }
    macro_rules! holding {
        ($($n:literal)*) => { [$(spawn_sample(&runtime, concat!("async [u8; ", $n, "]"), holding::<$n>())),*] };
    }
    let mut samples = Vec::new();
    // Every 8-byte step through one 128-byte rounding of the cell, so an error of 8 bytes in any
    // part of the model changes at least one predicted cell.
    samples.extend(bytes!(24 32 40 48 56 64 72 80 88 96 104 112 120 128 136 144 152));
    // Small, and on both sides of both thresholds.
    samples.extend(bytes!(0 1 100 1000 2047 2048 2049 4096 16383 16384 16385 20480));
    samples.extend(holding!(0 1000 2000 2040 16352 16376 20480));
    samples.push(spawn_sample(&runtime, "Aligned256", Aligned256([0; 300])));
    samples.push(spawn_sample(&runtime, "BigOutput", BigOutput));

    println!("tokio 1.54 task allocations, {:?} build:", build());
    println!(
        "{:<20} {:>12} {:>12} {:>16}",
        "future", "size/align", "task cell", "boxed future"
    );
    for sample in &samples {
        let boxed = sample.predicted.boxed_future.map_or("-".to_owned(), show);
        println!(
            "{:<20} {:>12} {:>12} {:>16}",
            sample.name,
            show(sample.future),
            show(sample.predicted.cell),
            boxed
        );
    }

    for sample in &samples {
        // `spawn` boxes the future first (when it does), then allocates the cell.
        let predicted: Vec<Alloc> = sample
            .predicted
            .boxed_future
            .into_iter()
            .chain([sample.predicted.cell])
            .collect();
        assert_eq!(
            sample.allocated, predicted,
            "{}: tokio allocated {:?}, the model predicts {:?}",
            sample.name, sample.allocated, predicted
        );
        let footprint_applies = Alloc::of::<Result<u8, JoinError>>() == SMALL_TASK_OUTPUT;
        if footprint_applies && sample.name.starts_with("Bytes") {
            let footprint = models::tokio_task(sample.future.size, sample.future.align, build());
            let total: usize = sample.allocated.iter().map(|alloc| alloc.size).sum();
            assert_eq!(footprint.committed, total, "{}", sample.name);
        }
    }

    // The threshold samples land on the right side of it in this build.
    let threshold = build().box_future_threshold();
    for sample in &samples {
        let boxed = sample.allocated.len() == 2;
        assert_eq!(boxed, sample.future.size > threshold, "{}", sample.name);
    }
    assert!(
        samples
            .iter()
            .any(|s| s.future.size == threshold && s.allocated.len() == 1)
    );
    assert!(
        samples
            .iter()
            .any(|s| s.future.size == threshold + 1 && s.allocated.len() == 2)
    );
}

fn show(alloc: Alloc) -> String {
    format!("{}/{}", alloc.size, alloc.align)
}

#[test]
fn tokio_model_boundaries() {
    assert_eq!(Build::current(), build());
    assert_eq!(Build::Debug.box_future_threshold(), 2048);
    assert_eq!(Build::Release.box_future_threshold(), 16384);
    assert_eq!(Alloc::of::<Result<(), JoinError>>(), SMALL_TASK_OUTPUT);
    assert_eq!(Alloc::of::<Result<u64, JoinError>>(), SMALL_TASK_OUTPUT);
    assert_eq!(
        Alloc::of::<Result<[u64; 2], JoinError>>(),
        SMALL_TASK_OUTPUT
    );

    let small = models::tokio_task_layout(Alloc { size: 1, align: 1 }, SMALL_TASK_OUTPUT, build());
    assert_eq!(
        small,
        TokioTask {
            cell: Alloc {
                size: 128,
                align: 128
            },
            boxed_future: None
        }
    );

    let at = |size| models::tokio_task(size, 1, Build::Debug);
    // Header 32 + scheduler and id 16 + stage (tag padded to 8, then 2048) + trailer 48 = 2152,
    // rounded up to the cell's 128-byte alignment.
    assert_eq!(at(2048).committed, 2176);
    assert!(at(2048).detail.contains("inline"));
    assert!(at(2049).detail.contains("boxed future 2049 B"));
    assert_eq!(at(2049).committed, 2049 + 128);
    assert!(
        models::tokio_task(2049, 1, Build::Release)
            .detail
            .contains("inline")
    );

    // Odd input: no panic, saturation, a power-of-two alignment.
    for (size, align) in [(0, 0), (usize::MAX, 1), (usize::MAX, usize::MAX), (5, 3)] {
        for build in [Build::Debug, Build::Release] {
            let task = models::tokio_task_layout(Alloc { size, align }, SMALL_TASK_OUTPUT, build);
            assert!(task.cell.align.is_power_of_two());
            assert!(task.cell.size >= 128);
            let _ = models::tokio_task(size, align, build);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// glibc malloc: the usable-size model against `malloc_usable_size`.
// ---------------------------------------------------------------------------------------------

unsafe extern "C" {
    fn malloc_usable_size(ptr: *mut u8) -> usize;
}

#[test]
fn glibc_usable_size_matches_malloc_usable_size() {
    // Below the mmap threshold, a fresh chunk is exactly `request2size`, or up to 16 bytes more
    // when glibc hands out a whole free chunk it found; aligned chunks may keep up to 32 more.
    let sizes = [
        1, 8, 24, 25, 40, 100, 128, 129, 1000, 2049, 4097, 16385, 20481, 65536,
    ];
    let mut exact = 0;
    for size in sizes {
        for align in [8, 16, 128] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: `layout` has a non-zero size; the block is freed with the same layout.
            let usable = unsafe {
                let ptr = System.alloc(layout);
                assert!(!ptr.is_null());
                let usable = malloc_usable_size(ptr);
                System.dealloc(ptr, layout);
                usable
            };
            let model = models::glibc_malloc_usable(size, align);
            let slack = if align > 16 { 32 } else { 16 };
            assert!(
                (model..=model + slack).contains(&usable) && (usable - model).is_multiple_of(16),
                "malloc_usable_size for {size} bytes aligned {align}: {usable}, model {model}"
            );
            exact += usize::from(usable == model);
        }
    }
    // Most fresh allocations are exact fits; a model off by one size class would match none.
    println!("{exact} of {} exact", sizes.len() * 3);
    assert!(exact * 2 > sizes.len() * 3, "only {exact} exact");

    assert_eq!(models::glibc_malloc_usable(0, 1), 24);
    assert_eq!(models::glibc_malloc_usable(24, 8), 24);
    assert_eq!(models::glibc_malloc_usable(25, 8), 40);
    assert_eq!(
        models::glibc_malloc_usable(256 << 10, 8),
        (256 << 10) + 4096 - 16
    );
    assert!(models::glibc_malloc_usable(usize::MAX, 8) > 0);
}

/// `glibc_heap_per_allocation` against long runs of real aligned allocations. A run's cost
/// depends on what the heap held before it, so the runs are made in a fresh process: this test
/// binary again, running only `glibc_heap_probe` with the cases in [`HEAP_PROBE`]. Run with
/// `--nocapture` to see the table.
#[test]
fn glibc_heap_per_allocation_matches_long_runs() {
    // Every block size from 100 bytes up at each alignment, except blocks under `align + 64`,
    // whose fragments a later block can reuse (the model's documented limit). Ascending
    // alignment, so no case can reuse an earlier case's (smaller) fragments.
    let sizes = [
        100, 128, 200, 256, 384, 500, 512, 640, 896, 1000, 1024, 1280, 1408, 1536, 2048, 2176,
        3000, 4096, 8192, 16384,
    ];
    let cases: Vec<(usize, usize)> = [32, 64, 128, 256, 4096]
        .into_iter()
        .flat_map(|align| sizes.map(|size| (size, align)))
        .filter(|&(size, align)| size >= align + 64)
        .collect();
    let list: Vec<String> = cases.iter().map(|(s, a)| format!("{s}/{a}")).collect();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "glibc_heap_probe",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HEAP_PROBE, list.join(","))
        // The model is for the main arena, which a test thread only gets when it is the only
        // one (glibc's `arena_max` tunable; `reused_arena` then hands out the main arena).
        .env("MALLOC_ARENA_MAX", "1")
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the probe failed:\n{stdout}");

    println!(
        "{:>6} {:>6} {:>10} {:>8}",
        "size", "align", "measured", "model"
    );
    let mut probed = 0;
    for line in stdout.lines() {
        // libtest may print its `test ... ` prefix on the same line.
        let Some((_, fields)) = line.split_once("heap per allocation: ") else {
            continue;
        };
        let fields: Vec<f64> = fields.split(' ').map(|f| f.parse().unwrap()).collect();
        let (size, align, measured) = (fields[0] as usize, fields[1] as usize, fields[2]);
        let model = models::glibc_heap_per_allocation(size, align);
        println!("{size:>6} {align:>6} {measured:>10.2} {model:>8}");
        assert!(
            (measured - model as f64).abs() <= 1.0,
            "{size} bytes aligned {align}: {measured:.2} bytes of heap each, model {model}"
        );
        probed += 1;
    }
    assert_eq!(probed, cases.len(), "every case was probed:\n{stdout}");
}

/// Turns [`glibc_heap_probe`] on: `size/align` cases, comma-separated.
const HEAP_PROBE: &str = "STACKLESS_GLIBC_HEAP_PROBE";

/// Run by [`glibc_heap_per_allocation_matches_long_runs`] in a fresh process (and a no-op
/// otherwise): for each case, allocates a long run of blocks, keeps them (freeing would hand
/// the next case a heap full of holes) and prints the heap each took, from their addresses.
#[test]
fn glibc_heap_probe() {
    let Ok(cases) = std::env::var(HEAP_PROBE) else {
        return;
    };
    for case in cases.split(',') {
        let (size, align) = case.split_once('/').unwrap();
        let layout =
            Layout::from_size_align(size.parse().unwrap(), align.parse().unwrap()).unwrap();
        let count = ((4 << 20) / layout.size()).clamp(256, 2048);
        // Allocated up front, so no other allocation falls inside the run.
        let mut blocks = Vec::with_capacity(count);
        for _ in 0..count {
            // SAFETY: `layout` has a non-zero size. The block is never freed.
            let block = unsafe { System.alloc(layout) };
            assert!(!block.is_null());
            blocks.push(block as usize);
        }
        // The middle half: past the first blocks, which may fill earlier holes, and the tcache.
        let middle = &mut blocks[count / 4..count * 3 / 4];
        middle.sort_unstable();
        // Steps between neighbours; one much larger than a block is a jump to a new heap.
        let steps: Vec<usize> = middle
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .filter(|&step| step < 4 * (layout.size() + layout.align() + 64))
            .collect();
        let average = steps.iter().sum::<usize>() as f64 / steps.len() as f64;
        println!(
            "heap per allocation: {} {} {average:.3}",
            layout.size(),
            layout.align()
        );
    }
}

#[test]
fn glibc_heap_per_allocation_boundaries() {
    let heap = models::glibc_heap_per_allocation;
    // tokio's 128-aligned task cells: a small future's 256-byte cell takes 448 bytes, not the
    // 272 of its chunk; a 1408-byte cell 1536, not 1424.
    assert_eq!(heap(256, 128), 448);
    assert_eq!(heap(1408, 128), 1536);
    // Up to 16-byte alignment, plain malloc: the chunk.
    assert_eq!(heap(256, 8), 272);
    assert_eq!(heap(0, 1), 32);
    assert_eq!(heap(24, 16), 32);
    // Mapped chunks take whole pages.
    assert_eq!(heap(256 << 10, 8), (256 << 10) + 4096);
    assert_eq!(heap(256 << 10, 128) % 4096, 0);
    // Never less than the chunk; odd input saturates without panicking.
    for size in [1, 100, 1000, 10_000] {
        for align in [32, 64, 128, 256, 4096] {
            assert!(heap(size, align) >= models::glibc_malloc_usable(size, align) + 8);
        }
    }
    for (size, align) in [(usize::MAX, 1), (usize::MAX, usize::MAX), (5, 3), (5, 0)] {
        assert!(heap(size, align) > 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Go
// ---------------------------------------------------------------------------------------------

#[test]
fn goroutine_stack_doubles_from_2_kib() {
    let stack = models::go_goroutine_stack;
    // The need plus Go's 928-byte guard zone, rounded up to a power of two from 2 KiB.
    assert_eq!(models::GO_STACK_GUARD, 928);
    assert_eq!(stack(0), 2048);
    assert_eq!(stack(1), 2048);
    assert_eq!(stack(2048 - 928), 2048);
    assert_eq!(stack(2048 - 928 + 1), 4096);
    assert_eq!(stack(4096 - 928), 4096);
    assert_eq!(stack(4096 - 928 + 1), 8192);
    assert_eq!(stack(100_000), 128 << 10);
    assert_eq!(stack(GO_MAX_STACK), GO_MAX_STACK);
    assert_eq!(stack(GO_MAX_STACK + 1), GO_MAX_STACK);
    assert_eq!(stack(usize::MAX), GO_MAX_STACK);

    let goroutine = models::go_goroutine(3000);
    assert_eq!(goroutine.committed, 4096 + GO_G_ALLOC);
    assert_eq!(goroutine.reserved, goroutine.committed);
    assert_eq!(GO_G_ALLOC, 448);
    assert!(
        models::go_goroutine(usize::MAX)
            .detail
            .contains("would throw")
    );
}

// ---------------------------------------------------------------------------------------------
// OS threads
// ---------------------------------------------------------------------------------------------

#[test]
fn os_thread_commits_touched_pages_and_kernel_memory() {
    let kernel = LINUX_KERNEL_PER_THREAD;
    assert_eq!(kernel, 16384 + 5888 + 4096);

    // The top page holds glibc's 2368-byte descriptor: 1728 bytes of stack still fit in it.
    let thread = models::os_thread(0, RUST_THREAD_STACK);
    assert_eq!(thread.committed, 4096 + kernel);
    assert_eq!(thread.reserved, (2 << 20) + 4096 + kernel);
    assert_eq!(
        models::os_thread(1728, RUST_THREAD_STACK).committed,
        4096 + kernel
    );
    assert_eq!(
        models::os_thread(1729, RUST_THREAD_STACK).committed,
        8192 + kernel
    );
    assert_eq!(thread.system, "OS thread (2 MiB stack)");

    let glibc = models::os_thread(10_000, models::GLIBC_THREAD_STACK);
    assert_eq!(glibc.committed, 16384 + kernel);
    assert_eq!(glibc.reserved, (8 << 20) + 4096 + kernel);

    // Past the stack: capped, and said.
    let overflow = models::os_thread(usize::MAX, 8192);
    assert_eq!(overflow.committed, 8192 + kernel);
    assert!(overflow.detail.contains("would fault"));
    let zero = models::os_thread(0, 0);
    assert!(zero.reserved >= zero.committed);
}

#[test]
fn thread_limits_read_this_machine() {
    let limits = ThreadLimits::read();
    println!("{limits:#?}");
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(
        limits.max_map_count,
        Some(read("/proc/sys/vm/max_map_count"))
    );
    assert_eq!(
        limits.threads_max,
        Some(read("/proc/sys/kernel/threads-max"))
    );
    assert_eq!(limits.pid_max, Some(read("/proc/sys/kernel/pid_max")));
    assert!(limits.maps_in_use.unwrap() > 10);
    assert!(limits.threads_in_system.unwrap() >= 1);
    assert!(limits.real_uid.is_some());

    // RLIMIT_NPROC through getrlimit, independently of `/proc/self/limits`.
    unsafe extern "C" {
        fn getrlimit(resource: i32, rlim: *mut [u64; 2]) -> i32;
    }
    const RLIMIT_NPROC: i32 = 6; // x86_64 Linux, <asm-generic/resource.h>
    let mut rlimit = [0u64; 2];
    // SAFETY: `rlimit` is a valid `struct rlimit` (two `rlim_t`) to write into.
    assert_eq!(unsafe { getrlimit(RLIMIT_NPROC, &mut rlimit) }, 0);
    assert_eq!(limits.nproc, Some(rlimit[0])); // RLIM_INFINITY is u64::MAX, as is "unlimited"

    let headroom = limits.headroom().expect("some limit is readable");
    println!(
        "this process can create {} more threads before {}",
        headroom.threads, headroom.limit
    );
    assert!(headroom.threads > 0);
    assert!(headroom.threads <= limits.max_map_count.unwrap() / models::MAPPINGS_PER_STD_THREAD);
}

#[test]
fn thread_headroom_takes_the_tightest_limit() {
    let limits = ThreadLimits {
        max_map_count: Some(65530),
        maps_in_use: Some(30),
        threads_max: Some(192_730),
        pid_max: Some(32_768),
        threads_in_system: Some(100),
        nproc: Some(1000),
        real_uid: Some(1000),
    };
    let headroom = |limits: &ThreadLimits| limits.headroom().map(|h| (h.threads, h.limit));
    assert_eq!(headroom(&limits), Some((900, ThreadLimit::Nproc)));
    let root = ThreadLimits {
        real_uid: Some(0),
        ..limits.clone()
    };
    // Four mappings per std thread: (65530 - 30) / 4 = 16375 threads, before pid_max's 32668.
    assert_eq!(headroom(&root), Some((16_375, ThreadLimit::MaxMapCount)));
    let pids = ThreadLimits {
        max_map_count: None,
        ..root.clone()
    };
    assert_eq!(headroom(&pids), Some((32_668, ThreadLimit::PidMax)));
    let maps = ThreadLimits {
        pid_max: None,
        ..root.clone()
    };
    assert_eq!(headroom(&maps), Some((16_375, ThreadLimit::MaxMapCount)));
    let saturated = ThreadLimits {
        maps_in_use: Some(u64::MAX),
        ..maps
    };
    assert_eq!(headroom(&saturated), Some((0, ThreadLimit::MaxMapCount)));
    assert_eq!(ThreadLimits::default().headroom(), None);
    assert_eq!(ThreadLimit::MaxMapCount.to_string(), "vm.max_map_count");
}

/// Each thread's stack is two mappings: the guard page (`---p`) and the stack above it
/// (`rw-p`), which is what `ThreadLimits::headroom` divides `max_map_count` by.
#[test]
fn each_thread_stack_takes_two_mappings() {
    const THREADS: usize = 4;
    // A size no other mapping in this process has: 2 MiB + 37 pages.
    const STACK: usize = (2 << 20) + 37 * PAGE_SIZE;
    let ready = Arc::new(Barrier::new(THREADS + 1));
    let done = Arc::new(Barrier::new(THREADS + 1));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (ready, done) = (ready.clone(), done.clone());
            std::thread::Builder::new()
                .stack_size(STACK)
                .spawn(move || {
                    ready.wait();
                    done.wait();
                })
                .unwrap()
        })
        .collect();
    ready.wait();
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    done.wait();
    threads
        .into_iter()
        .for_each(|thread| thread.join().unwrap());

    // (start, end, permissions) of every mapping, in address order.
    let regions: Vec<(usize, usize, &str)> = maps
        .lines()
        .map(|line| {
            let mut fields = line.split_whitespace();
            let (start, end) = fields.next().unwrap().split_once('-').unwrap();
            let parse = |hex| usize::from_str_radix(hex, 16).unwrap();
            (parse(start), parse(end), fields.next().unwrap())
        })
        .collect();
    let stacks = regions
        .windows(2)
        .filter(|pair| {
            let ((guard_start, guard_end, guard), (start, end, stack)) = (pair[0], pair[1]);
            guard == "---p"
                && guard_end - guard_start == models::GUARD_PAGE
                && guard_end == start
                && stack == "rw-p"
                && end - start == STACK
        })
        .count();
    assert_eq!(
        stacks, THREADS,
        "guard + stack pairs of {STACK} bytes in:\n{maps}"
    );
}

// ---------------------------------------------------------------------------------------------
// Fixed-size stacks
// ---------------------------------------------------------------------------------------------

#[test]
fn fixed_stacks_commit_touched_pages() {
    let coro = |high_water| models::fixed_stack("corosensei", COROSENSEI_DEFAULT_STACK, high_water);
    assert_eq!(coro(0).committed, 4096);
    assert_eq!(coro(4096).committed, 4096);
    assert_eq!(coro(4097).committed, 8192);
    assert_eq!(coro(0).reserved, (1 << 20) + 4096);
    assert_eq!(coro(0).system, "corosensei (1 MiB stack)");
    assert_eq!(coro(usize::MAX).committed, 1 << 20);
    assert!(coro(usize::MAX).detail.contains("would fault"));

    // corosensei raises tiny stacks to MIN_STACK_SIZE and rounds to pages.
    assert_eq!(models::fixed_stack("c", 0, 0).reserved, 4096 + 4096);
    assert_eq!(models::fixed_stack("c", 5000, 0).reserved, 8192 + 4096);
    assert_eq!(models::fixed_stack("c", usize::MAX, 0).reserved, usize::MAX);

    // generator and may also touch the bottom page (the usage sentinel).
    let generator =
        |high_water| models::sentinel_stack("generator", GENERATOR_DEFAULT_STACK, high_water);
    assert_eq!(generator(100).committed, 8192);
    assert_eq!(generator(28 << 10).committed, 32 << 10);
    assert_eq!(generator(32 << 10).committed, 32 << 10);
    assert_eq!(generator(100).reserved, (32 << 10) + 4096);
    assert_eq!(models::MAY_DEFAULT_STACK, 32 << 10);
}

#[test]
fn every_footprint_reserves_at_least_what_it_commits() {
    for high_water in [0, 1, 2048, 2049, 100_000, 3 << 20, usize::MAX] {
        let footprints = [
            models::go_goroutine(high_water),
            models::os_thread(high_water, RUST_THREAD_STACK),
            models::os_thread(high_water, 0),
            models::fixed_stack("corosensei", COROSENSEI_DEFAULT_STACK, high_water),
            models::sentinel_stack("may", models::MAY_DEFAULT_STACK, high_water),
            models::tokio_task(high_water, 8, Build::Release),
        ];
        for footprint in footprints {
            assert!(footprint.reserved >= footprint.committed, "{footprint:?}");
            assert!(footprint.committed > 0, "{footprint:?}");
        }
    }
}
