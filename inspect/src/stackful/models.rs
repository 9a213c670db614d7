//! What one concurrent instance of a task costs under each concurrency model.
//!
//! Each model is a small function from what the toolkit measures (the stack high-water mark of
//! the code when run stackfully, or the size of its future) to a [`Footprint`]: the memory one
//! instance occupies (`committed`) and the address space it reserves (`reserved`). Every constant
//! names the source it comes from, with file, constant and version, so a reader can check it and
//! update it when the system changes:
//!
//! | model | what one instance costs |
//! | --- | --- |
//! | [`go_goroutine`] | its stack (2 KiB, doubled by copying as needed) plus its `g` |
//! | [`os_thread`] | the stack pages it touched plus glibc's thread descriptor, plus the kernel's stack, `task_struct` and a page-table page |
//! | [`fixed_stack`], [`sentinel_stack`] | the pages it touched of a fixed-size mmap'd stack (corosensei; generator and may) |
//! | [`tokio_task`] | tokio's task cell, plus the boxed future when the future is too big to move |
//!
//! The tokio model is calibrated: the root package's `tests/models.rs` spawns futures of known
//! sizes under a counting allocator and checks that [`tokio_task_layout`] predicts every
//! allocation tokio makes, exactly. The other models rest on their cited sources, and each
//! function says what it leaves out.
//!
//! All functions are deterministic, never panic, and saturate at `usize::MAX` on absurd inputs.
//! Figures are for Linux on x86_64 with 4 KiB pages.

use std::fmt;
use std::fs;

use serde::Serialize;

/// The memory one concurrent instance of a task costs under one system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Footprint {
    /// The system, e.g. `"Go goroutine"`.
    pub system: String,
    /// Bytes of memory one instance actually occupies (what RSS grows by per instance).
    pub committed: usize,
    /// Bytes of address space one instance reserves (at least `committed`).
    pub reserved: usize,
    /// How the figure is made up, in one line.
    pub detail: String,
}

/// The page size the models assume (x86_64 Linux).
pub const PAGE_SIZE: usize = 4096;

// ---------------------------------------------------------------------------------------------
// Go
// ---------------------------------------------------------------------------------------------

/// The stack a goroutine starts with: `stackMin = 2048` in Go's `runtime/stack.go`, which
/// `fixedStack` rounds up to a power of two after adding `stackSystem` (0 on Linux), so 2 KiB.
/// (Older releases spell it `_StackMin`.)
pub const GO_STACK_MIN: usize = 2048;

/// The largest stack a goroutine can grow to on 64-bit: `runtime.main` in `runtime/proc.go` sets
/// `maxstacksize = 1000000000` (1 GB, decimal), and `newstack` in `runtime/stack.go` throws
/// "stack overflow" when the doubled size would exceed it, so the last power of two is 512 MiB.
pub const GO_MAX_STACK: usize = 512 << 20;

/// Heap bytes of one goroutine descriptor (`g`): `runtime/sizeof_test.go` pins `g` at 440 bytes
/// on 64-bit plus `xRegPerG` (one pointer on amd64, `runtime/preempt_xreg.go`) in the Go 1.26
/// tree, 448 B, which is exactly Go's size class 23 (`runtime/sizeclasses.go`). Go 1.25 and
/// earlier have a 440-byte `g`, which rounds up to the same 448-byte class.
pub const GO_G_ALLOC: usize = 448;

/// The zone Go keeps free at the bottom of every goroutine stack: a function whose frame would
/// reach into it grows the stack first. `stackGuard` = `abi.StackNosplitBase` 800 +
/// `abi.StackSmall` 128 = 928 bytes on linux/amd64 (`internal/abi/stack.go`,
/// `runtime/stack.go`).
pub const GO_STACK_GUARD: usize = 928;

/// The stack a goroutine ends up with when its code needs `stack_high_water` bytes.
///
/// A goroutine starts on [`GO_STACK_MIN`] bytes; when a function's frame would reach into the
/// [`GO_STACK_GUARD`] zone, `newstack` (`runtime/stack.go`) allocates a stack twice as large and
/// copies the old one into it. So the stack is the smallest power-of-two multiple of 2 KiB that
/// holds the need plus the guard: 1120 -> 2 KiB, 1121 -> 4 KiB. Capped at [`GO_MAX_STACK`],
/// where Go would throw. `examples/million` checks this against Go 1.19: 552 B of need came to
/// 2 KiB stacks, 1592 B to 4 KiB (`runtime.MemStats.StackInuse` per goroutine).
///
/// Left out: since Go 1.19 (`debug.adaptivestackstart = 1` by default, `runtime/runtime1.go`)
/// new goroutines start at `startingStackSize`, the power of two at or above the average stack
/// in use at the last GC, which for a population of identical goroutines is this figure; and the
/// GC may halve a stack that uses under a quarter of itself while parked (`shrinkstack`).
pub fn go_goroutine_stack(stack_high_water: usize) -> usize {
    let need = stack_high_water
        .saturating_add(GO_STACK_GUARD)
        .max(GO_STACK_MIN);
    need.checked_next_power_of_two()
        .unwrap_or(usize::MAX)
        .min(GO_MAX_STACK)
}

/// One goroutine running code whose stack high-water mark is `stack_high_water` bytes.
///
/// `committed` = [`go_goroutine_stack`] + [`GO_G_ALLOC`]. Goroutine stacks are heap memory
/// managed by the runtime (`StackInuse` in `runtime.MemStats`), so `reserved` = `committed`.
/// Not counted: a `sudog` (88 B on 64-bit, `runtime/sizeof_test.go`) while the goroutine is
/// blocked on a channel, and its slot in `allgs`.
pub fn go_goroutine(stack_high_water: usize) -> Footprint {
    let stack = go_goroutine_stack(stack_high_water);
    let committed = stack.saturating_add(GO_G_ALLOC);
    let overflow = if stack_high_water > GO_MAX_STACK {
        " (exceeds Go's limit: would throw)"
    } else {
        ""
    };
    Footprint {
        system: "Go goroutine".to_owned(),
        committed,
        reserved: committed,
        detail: format!(
            "{} stack for {} used{overflow}, + {} g",
            Bytes(stack),
            Bytes(stack_high_water),
            Bytes(GO_G_ALLOC)
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// OS threads
// ---------------------------------------------------------------------------------------------

/// The stack Rust's `std::thread` gives a thread unless told otherwise: "Currently, it is 2 MiB
/// on all Tier-1 platforms" (`std::thread` docs, "Stack size"; `DEFAULT_MIN_STACK_SIZE` in
/// `library/std/src/sys/thread/unix.rs`). `RUST_MIN_STACK` or `Builder::stack_size` change it.
pub const RUST_THREAD_STACK: usize = 2 << 20;

/// The stack glibc's `pthread_create` gives a thread with default attributes: the `RLIMIT_STACK`
/// soft limit (`ulimit -s`, 8 MiB on common distributions), or `ARCH_STACK_DEFAULT_SIZE` when
/// that is unlimited (`__pthread_early_init` in glibc's `sysdeps/nptl/pthread_early_init.h`).
pub const GLIBC_THREAD_STACK: usize = 8 << 20;

/// glibc's guard page: `__default_pthread_attr.internal.guardsize = GLRO (dl_pagesize)`
/// (`pthread_early_init.h`), mapped below the stack and *added* to the requested size
/// (`size += guardsize` in `allocate_stack`, `nptl/allocatestack.c`).
pub const GUARD_PAGE: usize = PAGE_SIZE;

/// `sizeof (struct pthread)`, the thread descriptor glibc places at the top of each thread's
/// stack mapping (`allocate_stack`, `nptl/allocatestack.c`): 2368 bytes in glibc 2.36 on
/// x86_64, read from its `_thread_db_sizeof_pthread` symbol. Static TLS sits there too; a Rust
/// program's is small and is not counted.
pub const GLIBC_THREAD_DESCRIPTOR: usize = 2368;

/// The kernel stack of every Linux task on x86_64: `THREAD_SIZE = PAGE_SIZE << THREAD_SIZE_ORDER`
/// with `THREAD_SIZE_ORDER = 2 + KASAN_STACK_ORDER` (`arch/x86/include/asm/page_64_types.h`),
/// 16 KiB without KASAN.
pub const LINUX_KERNEL_STACK: usize = 16 << 10;

/// The kernel's `task_struct`, which grows with the CPU's FPU/xsave state: 5888 bytes per
/// object in the `task_struct` slab on the Linux 6.18 x86_64 machine these models were written
/// on (`/proc/slabinfo`); distribution kernels on CPUs with AVX-512 report more.
pub const LINUX_TASK_STRUCT: usize = 5888;

/// One page-table page (a PTE page, mapping 2 MiB): thread stacks of 2 MiB or more are each in
/// their own 2 MiB region, so the pages a thread touches at its stack top need a PTE page of
/// their own.
pub const LINUX_PAGE_TABLE_PAGE: usize = PAGE_SIZE;

/// The kernel memory each thread costs: [`LINUX_KERNEL_STACK`] + [`LINUX_TASK_STRUCT`] +
/// [`LINUX_PAGE_TABLE_PAGE`]. Smaller objects (`struct pid`, two `vm_area_struct`s, 192 B each
/// on that machine) are left out.
pub const LINUX_KERNEL_PER_THREAD: usize =
    LINUX_KERNEL_STACK + LINUX_TASK_STRUCT + LINUX_PAGE_TABLE_PAGE;

/// One OS thread (glibc `pthread_create`, as Rust's `std::thread` uses on Linux) running code
/// whose stack high-water mark is `stack_high_water` bytes, on a stack of `reservation` bytes
/// (see [`RUST_THREAD_STACK`] and [`GLIBC_THREAD_STACK`]).
///
/// - `committed` = the stack pages touched, `round_up(stack_high_water +`
///   [`GLIBC_THREAD_DESCRIPTOR`]`, 4 KiB)` (at most the stack; Linux maps pages on first
///   touch), + [`LINUX_KERNEL_PER_THREAD`].
/// - `reserved` = `round_up(reservation, 4 KiB)` + [`GUARD_PAGE`] of address space, + the kernel
///   memory (reserved and committed at once).
///
/// Not counted: static TLS beyond glibc's descriptor, the heap objects `std::thread` allocates
/// per thread (its `Thread` handle, result packet and boxed closure), and pages the kernel's
/// transparent huge pages might add (recent kernels map glibc's `MAP_STACK` to
/// `VM_NOHUGEPAGE`, `calc_vm_flag_bits` in `include/linux/mman.h`).
pub fn os_thread(stack_high_water: usize, reservation: usize) -> Footprint {
    let stack = round_up(reservation, PAGE_SIZE).max(PAGE_SIZE);
    let touched = round_up(
        stack_high_water.saturating_add(GLIBC_THREAD_DESCRIPTOR),
        PAGE_SIZE,
    );
    let overflow = if touched > stack {
        " (exceeds the stack: would fault)"
    } else {
        ""
    };
    let touched = touched.min(stack);
    Footprint {
        system: format!("OS thread ({} stack)", Bytes(stack)),
        committed: touched.saturating_add(LINUX_KERNEL_PER_THREAD),
        reserved: stack
            .saturating_add(GUARD_PAGE)
            .saturating_add(LINUX_KERNEL_PER_THREAD),
        detail: format!(
            "{} of stack touched (incl. glibc's thread descriptor){overflow} + {} kernel stack, \
             task_struct and page table; {} + guard page reserved",
            Bytes(touched),
            Bytes(LINUX_KERNEL_PER_THREAD),
            Bytes(stack)
        ),
    }
}

/// Memory mappings one Rust `std::thread` adds: glibc's `allocate_stack` maps the stack and
/// `mprotect`s its guard page `PROT_NONE` (which splits the mapping in two), and std's stack
/// overflow handler gives every thread a `sigaltstack` with a guard page of its own (two more).
/// Measured with `/proc/self/maps` by `examples/million` (4.00 per thread). A bare pthread
/// without the signal stack takes two.
pub const MAPPINGS_PER_STD_THREAD: u64 = 4;

/// The Linux limits on how many threads can exist, read from `/proc`.
///
/// Every field is `None` when it could not be read; [`ThreadLimits::read`] never panics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ThreadLimits {
    /// `/proc/sys/vm/max_map_count`: memory mappings a process may have. A Rust `std::thread`
    /// takes [`MAPPINGS_PER_STD_THREAD`] of them.
    pub max_map_count: Option<u64>,
    /// Mappings this process has now (lines of `/proc/self/maps`).
    pub maps_in_use: Option<u64>,
    /// `/proc/sys/kernel/threads-max`: threads the whole system may have.
    pub threads_max: Option<u64>,
    /// `/proc/sys/kernel/pid_max`: every thread takes a thread ID from the PID space.
    pub pid_max: Option<u64>,
    /// Threads in the whole system now (the total in `/proc/loadavg`'s fourth field).
    pub threads_in_system: Option<u64>,
    /// Soft `RLIMIT_NPROC` (`ulimit -u`, "Max processes" in `/proc/self/limits`): threads the
    /// real user may have; `u64::MAX` when unlimited.
    pub nproc: Option<u64>,
    /// Real user ID (`/proc/self/status`). The kernel does not apply `RLIMIT_NPROC` to root
    /// (`copy_process` in `kernel/fork.c` exempts `INIT_USER` and `CAP_SYS_RESOURCE`).
    pub real_uid: Option<u32>,
}

/// Which limit stops thread creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ThreadLimit {
    /// `vm.max_map_count`: the stack's `mmap` or `mprotect` fails (`ENOMEM`), and
    /// `pthread_create` with it.
    MaxMapCount,
    /// `kernel.threads-max`: `clone` fails with `EAGAIN`.
    ThreadsMax,
    /// `kernel.pid_max`: no thread ID left, `clone` fails with `EAGAIN`.
    PidMax,
    /// `RLIMIT_NPROC`: `clone` fails with `EAGAIN`.
    Nproc,
}

impl fmt::Display for ThreadLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ThreadLimit::MaxMapCount => "vm.max_map_count",
            ThreadLimit::ThreadsMax => "kernel.threads-max",
            ThreadLimit::PidMax => "kernel.pid_max",
            ThreadLimit::Nproc => "RLIMIT_NPROC (ulimit -u)",
        })
    }
}

/// How many more threads this process can create, and the limit that then stops it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ThreadHeadroom {
    /// More threads this process can create.
    pub threads: u64,
    /// The limit the next one would hit.
    pub limit: ThreadLimit,
}

impl ThreadLimits {
    /// Reads the limits of this machine and process from `/proc`.
    pub fn read() -> Self {
        let text = |path: &str| fs::read_to_string(path).ok();
        let number = |path: &str| text(path).and_then(|s| s.trim().parse().ok());
        ThreadLimits {
            max_map_count: number("/proc/sys/vm/max_map_count"),
            maps_in_use: text("/proc/self/maps").map(|s| s.lines().count() as u64),
            threads_max: number("/proc/sys/kernel/threads-max"),
            pid_max: number("/proc/sys/kernel/pid_max"),
            threads_in_system: text("/proc/loadavg").and_then(|s| parse_loadavg_threads(&s)),
            nproc: text("/proc/self/limits").and_then(|s| parse_limits_nproc(&s)),
            real_uid: text("/proc/self/status").and_then(|s| parse_status_uid(&s)),
        }
    }

    /// How many more `std::thread`s this process can create before a limit stops it: the least
    /// of `(max_map_count - maps_in_use) / 4` ([`MAPPINGS_PER_STD_THREAD`]), `threads_max - threads`,
    /// `pid_max - threads` and, unless the user is root, `nproc - threads`, where `threads` is
    /// [`threads_in_system`](Self::threads_in_system) (0 when unknown). For `RLIMIT_NPROC` that
    /// counts other users' threads too, so its headroom is a lower bound. `None` when no limit
    /// could be read.
    ///
    /// Memory is not counted: each thread commits at least [`LINUX_KERNEL_PER_THREAD`] plus a
    /// page of stack, so a machine with little RAM may stop earlier. Neither is a cgroup's
    /// `pids.max`.
    pub fn headroom(&self) -> Option<ThreadHeadroom> {
        let threads = self.threads_in_system.unwrap_or(0);
        let maps = self.maps_in_use.unwrap_or(0);
        let nproc = if self.real_uid == Some(0) {
            None
        } else {
            self.nproc
        };
        [
            (
                ThreadLimit::MaxMapCount,
                self.max_map_count
                    .map(|max| max.saturating_sub(maps) / MAPPINGS_PER_STD_THREAD),
            ),
            (
                ThreadLimit::ThreadsMax,
                self.threads_max.map(|max| max.saturating_sub(threads)),
            ),
            (
                ThreadLimit::PidMax,
                self.pid_max.map(|max| max.saturating_sub(threads)),
            ),
            (
                ThreadLimit::Nproc,
                nproc.map(|max| max.saturating_sub(threads)),
            ),
        ]
        .into_iter()
        .filter_map(|(limit, threads)| {
            Some(ThreadHeadroom {
                threads: threads?,
                limit,
            })
        })
        .min_by_key(|headroom| headroom.threads)
    }
}

/// `"0.12 0.08 0.01 2/345 6789"` -> 345.
fn parse_loadavg_threads(loadavg: &str) -> Option<u64> {
    let entities = loadavg.split_whitespace().nth(3)?;
    entities.split_once('/')?.1.parse().ok()
}

/// The soft limit of the `Max processes` line of `/proc/self/limits`; `unlimited` -> `u64::MAX`.
fn parse_limits_nproc(limits: &str) -> Option<u64> {
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max processes"))?;
    match line.split_whitespace().nth(2)? {
        "unlimited" => Some(u64::MAX),
        soft => soft.parse().ok(),
    }
}

/// The real user ID from `/proc/self/status`'s `Uid:` line.
fn parse_status_uid(status: &str) -> Option<u32> {
    let line = status.lines().find_map(|line| line.strip_prefix("Uid:"))?;
    line.split_whitespace().next()?.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Fixed-size stacks
// ---------------------------------------------------------------------------------------------

/// corosensei 0.3.4's default stack: `DefaultStack::default()` is `Self::new(1024 * 1024)`
/// (`src/stack/unix.rs`).
pub const COROSENSEI_DEFAULT_STACK: usize = 1 << 20;

/// corosensei 0.3.4's smallest stack: `MIN_STACK_SIZE = 4096`, "excluding guard pages"
/// (`src/stack/mod.rs`); `DefaultStack::new` raises smaller requests to it.
pub const COROSENSEI_MIN_STACK: usize = 4096;

/// generator 0.8.12's default stack: `DEFAULT_STACK_SIZE = 0x8000 / size_of::<usize>()` words,
/// 32 KiB (`src/gen_impl.rs`).
pub const GENERATOR_DEFAULT_STACK: usize = 32 << 10;

/// may 0.3.51's default coroutine stack: `DEFAULT_STACK_SIZE: usize = 0x1000` words, 32 KiB on
/// 64-bit (`src/config.rs`), allocated by generator 0.8 (`Gn::new_opt`,
/// `src/coroutine_impl.rs`), so modelled by [`sentinel_stack`]. Coroutines of the default size
/// come from a pool (`DEFAULT_POOL_CAPACITY = 1000`): a reused stack keeps the pages earlier
/// coroutines touched.
pub const MAY_DEFAULT_STACK: usize = 32 << 10;

/// One coroutine on a fixed-size `mmap`ed stack of `stack_size` bytes with a guard page below
/// it, running code whose stack high-water mark is `stack_high_water` bytes: `name` is the
/// library, e.g. corosensei with [`COROSENSEI_DEFAULT_STACK`].
///
/// - The usable stack is `round_up(max(stack_size, 4 KiB), 4 KiB)`: corosensei's
///   `DefaultStack::new` maps `round_up(max(size, MIN_STACK_SIZE) + page, page)` bytes and makes
///   all but the lowest page writable (`src/stack/unix.rs`); generator's `SysStack::allocate`
///   maps the size rounded up to pages plus a guard page, at least one page
///   (`src/stack/mod.rs`, `min_stack_size()` in `src/stack/unix.rs`).
/// - `committed` = the pages touched, `round_up(stack_high_water, 4 KiB)`, at least one page
///   (each library writes the coroutine's start-up frame at the top) and at most the stack.
/// - `reserved` = the usable stack + one guard page.
///
/// Not counted: the library's small heap objects per coroutine (handles, join state).
pub fn fixed_stack(name: &str, stack_size: usize, stack_high_water: usize) -> Footprint {
    stack_footprint(name, stack_size, stack_high_water, false)
}

/// [`fixed_stack`] for generator 0.8 and may 0.3 ([`GENERATOR_DEFAULT_STACK`],
/// [`MAY_DEFAULT_STACK`]), whose `Stack::new` (generator's `src/stack/mod.rs`) writes a
/// sentinel into the bottom 8 words of every stack (all of it for odd sizes) to measure usage
/// later: that bottom page is committed too, whatever the code uses.
pub fn sentinel_stack(name: &str, stack_size: usize, stack_high_water: usize) -> Footprint {
    stack_footprint(name, stack_size, stack_high_water, true)
}

fn stack_footprint(
    name: &str,
    stack_size: usize,
    stack_high_water: usize,
    bottom_page: bool,
) -> Footprint {
    let stack = round_up(stack_size.max(COROSENSEI_MIN_STACK), PAGE_SIZE);
    let mut touched = round_up(stack_high_water, PAGE_SIZE).max(PAGE_SIZE);
    let overflow = if touched > stack {
        " (exceeds the stack: would fault)"
    } else {
        ""
    };
    if bottom_page && touched < stack {
        touched += PAGE_SIZE;
    }
    let touched = touched.min(stack);
    let sentinel = if bottom_page {
        " (incl. the sentinel-marked bottom page)"
    } else {
        ""
    };
    Footprint {
        system: format!("{name} ({} stack)", Bytes(stack)),
        committed: touched,
        reserved: stack.saturating_add(GUARD_PAGE),
        detail: format!(
            "{} of {} stack touched{overflow}{sentinel}; + guard page reserved",
            Bytes(touched),
            Bytes(stack)
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// tokio
// ---------------------------------------------------------------------------------------------

/// Which profile tokio was compiled in: it boxes large futures at a lower size in debug builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Build {
    /// `debug_assertions` on (`cargo build`, `cargo test`).
    Debug,
    /// `debug_assertions` off (`--release`).
    Release,
}

impl Build {
    /// The profile this crate was compiled in, which is tokio's too unless a profile override
    /// sets `debug-assertions` for one of them only.
    pub const fn current() -> Self {
        if cfg!(debug_assertions) {
            Build::Debug
        } else {
            Build::Release
        }
    }

    /// tokio's `BOX_FUTURE_THRESHOLD` (`src/runtime/mod.rs`, tokio 1.54.1): 2048 bytes in debug
    /// builds, 16384 in release ones (release since tokio 1.41, #6826). Futures *larger* than
    /// this (`size_of::<F>() > BOX_FUTURE_THRESHOLD`, `AutoBox::SHOULD_BOX`) are `Box::pin`ned
    /// before they become a task.
    pub const fn box_future_threshold(self) -> usize {
        match self {
            Build::Debug => 2048,
            Build::Release => 16384,
        }
    }
}

/// The size and alignment of a type, or of one heap allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Alloc {
    /// Bytes.
    pub size: usize,
    /// Alignment in bytes (a power of two).
    pub align: usize,
}

impl Alloc {
    /// The size and alignment of `T`.
    pub const fn of<T>() -> Self {
        Alloc {
            size: size_of::<T>(),
            align: align_of::<T>(),
        }
    }
}

/// What tokio allocates for one spawned task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TokioTask {
    /// The task cell (`Box<Cell<T, S>>`).
    pub cell: Alloc,
    /// The future's own allocation, when it was too large and tokio boxed it first.
    pub boxed_future: Option<Alloc>,
}

/// The layout of `Result<T, tokio::task::JoinError>` for an output `T` of at most 16 bytes
/// (`()`, integers, pointers, two-word values): 24 bytes, 8-aligned. `JoinError` is a
/// `Box<dyn Any + Send>` (16 bytes, its null pointer niche meaning "cancelled") and a task
/// `Id` (8); rustc fits small `Ok` values around a niche.
pub const SMALL_TASK_OUTPUT: Alloc = Alloc { size: 24, align: 8 };

/// The allocations tokio 1.54's `spawn` makes for a future with layout `future`, whose output
/// wrapped as `Result<F::Output, JoinError>` has layout `output` (see [`SMALL_TASK_OUTPUT`]).
///
/// From `src/runtime/task/core.rs`: the task is one `Box<Cell<T, S>>`, with
///
/// ```text
/// #[repr(C)] #[repr(align(128))]  // x86_64, aarch64, powerpc64; since tokio 1.29 (#5809)
/// struct Cell   { header: Header, core: Core<T, S>, trailer: Trailer }
/// struct Header { state, queue_next, vtable, owner_id }            // 4 words = 32 bytes
/// #[repr(C)]
/// struct Core   { scheduler: S /* an Arc: 8 */, task_id: Id /* 8 */, stage: Stage<T> }
/// #[repr(C)]
/// enum Stage<T> { Running(T), Finished(Result<T::Output, JoinError>), Consumed }
/// struct Trailer { owned: Pointers /* 16 */, waker: Option<Waker> /* 16 */, hooks /* 16 */ }
/// ```
///
/// A `repr(C)` enum is a C `int` tag (4 bytes) followed by a union of its variants, so `Stage`
/// is `round_up(4, a) + round_up(max(future, output), a)` with `a` the larger alignment. When the
/// future is larger than [`Build::box_future_threshold`], `spawn` moves it into a `Box::pin`
/// first (a separate allocation of exactly its layout) and the cell holds the 8-byte box.
///
/// Valid for tokio built without `--cfg tokio_unstable` (which adds a spawn location to `Core`
/// and, with its `tracing` feature, a tracing ID to `Header`). The sizes are what tokio asks the
/// allocator for; see [`glibc_malloc_usable`] for what glibc then hands out, and
/// [`glibc_heap_per_allocation`] for what the heap grows by.
pub fn tokio_task_layout(future: Alloc, output: Alloc, build: Build) -> TokioTask {
    const HEADER: usize = 32;
    const SCHEDULER_AND_ID: usize = 16;
    const TRAILER: usize = 48;
    const STAGE_TAG: usize = 4;
    const CELL_ALIGN: usize = 128;

    let future = normalized(future);
    let output = normalized(output);
    let (held, boxed_future) = if future.size > build.box_future_threshold() {
        (Alloc::of::<Box<u8>>(), Some(future))
    } else {
        (future, None)
    };
    let union_align = held.align.max(output.align);
    let stage_align = union_align.max(STAGE_TAG);
    let union_size = round_up(held.size.max(output.size), union_align);
    let stage_size = round_up(
        round_up(STAGE_TAG, union_align).saturating_add(union_size),
        stage_align,
    );
    let core_align = stage_align.max(8);
    let core_size = round_up(
        round_up(SCHEDULER_AND_ID, stage_align).saturating_add(stage_size),
        core_align,
    );
    let trailer_offset = round_up(HEADER, core_align).saturating_add(core_size);
    let cell_align = core_align.max(CELL_ALIGN);
    let cell = Alloc {
        size: round_up(trailer_offset.saturating_add(TRAILER), cell_align),
        align: cell_align,
    };
    TokioTask { cell, boxed_future }
}

/// One tokio task for a future of `future_size` bytes aligned to `future_align`, whose output
/// fits [`SMALL_TASK_OUTPUT`]: `committed` = `reserved` = the bytes of [`tokio_task_layout`]'s
/// allocations (cell + boxed future), without the allocator's rounding.
pub fn tokio_task(future_size: usize, future_align: usize, build: Build) -> Footprint {
    let future = Alloc {
        size: future_size,
        align: future_align,
    };
    let task = tokio_task_layout(future, SMALL_TASK_OUTPUT, build);
    let boxed = task.boxed_future.map_or(0, |boxed| boxed.size);
    let committed = task.cell.size.saturating_add(boxed);
    let detail = match task.boxed_future {
        None => format!(
            "task cell {} (future inline, align {})",
            Bytes(task.cell.size),
            task.cell.align
        ),
        Some(boxed) => format!(
            "task cell {} + boxed future {} (over tokio's {} {:?} threshold)",
            Bytes(task.cell.size),
            Bytes(boxed.size),
            Bytes(build.box_future_threshold()),
            build
        ),
    };
    Footprint {
        system: "tokio task".to_owned(),
        committed,
        reserved: committed,
        detail,
    }
}

// ---------------------------------------------------------------------------------------------
// glibc malloc
// ---------------------------------------------------------------------------------------------

/// glibc's default `M_MMAP_THRESHOLD` (`DEFAULT_MMAP_THRESHOLD_MIN`, 128 KiB, `malloc/malloc.c`):
/// larger requests get their own mapping (unless the heap's top chunk can serve them, or the
/// threshold has adapted upwards after such a mapping was freed).
pub const GLIBC_MMAP_THRESHOLD: usize = 128 << 10;

/// What `malloc_usable_size` reports for a fresh allocation of `size` bytes aligned to `align`
/// made through Rust's `System` allocator on glibc (2.36, x86_64); the chunk occupies 8 bytes
/// more on the heap, 16 more when mapped.
///
/// From `malloc/malloc.c`: a heap chunk is `request2size(size)` =
/// `max(MINSIZE, round_up(size + SIZE_SZ, MALLOC_ALIGNMENT))` = `max(32, round_up(size + 8, 16))`
/// bytes, of which all but the 8-byte size field are usable (`musable`). A chunk of at least
/// [`GLIBC_MMAP_THRESHOLD`] is mapped: `ALIGN_UP(chunk + SIZE_SZ, pagesize)`, less a 16-byte
/// header. Alignments above 16 go through `posix_memalign` (`_int_memalign`), which carves the
/// aligned chunk out of a larger one.
///
/// The figure is the least glibc hands out: reusing a free chunk up to 16 bytes larger (or, for
/// alignments above 16, keeping up to `MINSIZE` = 32 bytes of tail) gives a little more.
pub fn glibc_malloc_usable(size: usize, align: usize) -> usize {
    const SIZE_SZ: usize = 8;
    const MALLOC_ALIGNMENT: usize = 16;
    const MINSIZE: usize = 32;
    let _ = align; // every alignment gets the same chunk rounding; it only changes the slack
    let chunk = round_up(size.saturating_add(SIZE_SZ), MALLOC_ALIGNMENT).max(MINSIZE);
    if chunk >= GLIBC_MMAP_THRESHOLD {
        round_up(chunk.saturating_add(SIZE_SZ), PAGE_SIZE).saturating_sub(2 * SIZE_SZ)
    } else {
        chunk - SIZE_SZ
    }
}

/// The heap each allocation of `size` bytes aligned to `align` takes, on average, in a long run
/// of identical allocations through Rust's `System` allocator on glibc (2.36, x86_64), each
/// kept: what the heap, and so RSS, grows by per allocation. Rounded to the nearest byte.
///
/// For `align` up to 16 that is the chunk, `request2size(size)` (see [`glibc_malloc_usable`]).
/// Larger alignments go through `posix_memalign` to `_int_memalign` (`malloc/malloc.c`), which
/// cannot ask for an aligned chunk. It takes a chunk of `request2size(nb + align + MINSIZE)`
/// bytes from the top of the heap (`nb = request2size(size)`), places the block at the first
/// `align`-aligned spot that leaves a leader of at least `MINSIZE` = 32 bytes (or none), and
/// frees the leader and, when over `MINSIZE`, the tail behind the block. Where those go decides
/// the cost:
///
/// - the leader lies between two live blocks, and is too small for any later request of the run:
///   lost;
/// - a tail over `global_max_fast` (128 bytes, `DEFAULT_MXFAST`) goes through `_int_free`'s
///   unsorted path, which merges it into the top chunk at once: given back;
/// - a tail of at most 128 bytes goes to a fastbin, which never merges on its own. The next
///   request's `_int_malloc` consolidates fastbins first only when that request is a large one
///   (at least `MIN_LARGE_SIZE` = 1024 bytes), and then the tail, next to the top, is given back;
///   after a smaller request it is lost.
///
/// So the cost depends on where the top chunk sits modulo `align`, which each allocation moves;
/// the run settles into a cycle, and this is the average over it. For the 256-byte, 128-aligned
/// cell of a small tokio task: 448 bytes, 176 more than the 272-byte chunk; for a 1408-byte cell,
/// 1536 (112 more). A run started with the top at an unlucky offset can settle into a second
/// cycle up to `align` bytes dearer (seen with 64-byte alignment); this is the least one.
///
/// This is glibc's main arena, the main thread's (tokio's `spawn` from `block_on` allocates
/// there). Other threads' arenas grow a page at a time, and consolidate fastbins whenever the
/// top runs short, so they give back some small tails and take a little less.
///
/// Calibrated in the root package's `tests/models.rs` against real runs of `posix_memalign` in a
/// fresh process, for alignments 32 to 4096. Not modelled: the first 7 fragments of each size,
/// which go to the thread's tcache; blocks so small (`size` below about `align + 64`) that two
/// adjacent fragments can serve a later request, which then take less; chunks of at least
/// [`GLIBC_MMAP_THRESHOLD`], each mapped on its own: the whole mapping,
/// `round_up(chunk + 8, 4 KiB)`, is counted.
pub fn glibc_heap_per_allocation(size: usize, align: usize) -> usize {
    const SIZE_SZ: usize = 8;
    const MALLOC_ALIGNMENT: usize = 16;
    const MINSIZE: usize = 32;
    const MAX_FAST: usize = 128;
    const MIN_LARGE_SIZE: usize = 1024;
    let request2size =
        |bytes: usize| round_up(bytes.saturating_add(SIZE_SZ), MALLOC_ALIGNMENT).max(MINSIZE);
    let mapped = |chunk: usize| round_up(chunk.saturating_add(SIZE_SZ), PAGE_SIZE);

    let nb = request2size(size);
    let align = normalized(Alloc { size, align }).align;
    if align <= MALLOC_ALIGNMENT {
        return if nb >= GLIBC_MMAP_THRESHOLD {
            mapped(nb)
        } else {
            nb
        };
    }
    let padded = request2size(nb.saturating_add(align).saturating_add(MINSIZE));
    if padded >= GLIBC_MMAP_THRESHOLD {
        // So from here on `align` is under 128 KiB: at most 8192 top offsets to visit.
        return mapped(padded);
    }

    // One allocation with the top chunk at offset `top` (modulo `align`): the heap it takes.
    let take = |top: usize| {
        let block = top + 2 * SIZE_SZ; // chunk2mem of the chunk carved from the top
        let mut lead = (align - block % align) % align;
        if lead != 0 && lead < MINSIZE {
            lead += align;
        }
        let rest = padded - lead;
        let tail = if rest > nb + MINSIZE { rest - nb } else { 0 };
        let given_back = tail > MAX_FAST || (tail > 0 && padded >= MIN_LARGE_SIZE);
        if given_back { padded - tail } else { padded }
    };

    // The top offset is a multiple of 16, so there are `align / 16` states, each with one
    // successor. Walk from every state not walked yet; a walk that meets itself has found a
    // cycle. Keep the cheapest cycle's average.
    let states = align / MALLOC_ALIGNMENT;
    let mut walk_of = vec![usize::MAX; states]; // which walk reached a state first
    let mut best: Option<(usize, usize)> = None; // (heap over the cycle, allocations in it)
    for start in 0..states {
        let mut state = start;
        while walk_of[state] == usize::MAX {
            walk_of[state] = start;
            state = (state + take(state * MALLOC_ALIGNMENT) / MALLOC_ALIGNMENT) % states;
        }
        if walk_of[state] != start {
            continue; // ran into an earlier walk, whose cycle is counted
        }
        let (mut heap, mut count, first) = (0, 0, state);
        loop {
            let taken = take(state * MALLOC_ALIGNMENT);
            heap += taken;
            count += 1;
            state = (state + taken / MALLOC_ALIGNMENT) % states;
            if state == first {
                break;
            }
        }
        if best.is_none_or(|(best_heap, best_count)| heap * best_count < best_heap * count) {
            best = Some((heap, count));
        }
    }
    best.map_or(padded, |(heap, count)| (heap + count / 2) / count)
}

// ---------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------

/// `value` rounded up to a multiple of `align` (a power of two), saturating at the largest one.
fn round_up(value: usize, align: usize) -> usize {
    let mask = align - 1;
    value
        .checked_add(mask)
        .map_or(usize::MAX & !mask, |v| v & !mask)
}

/// `alloc` with its alignment made a power of two (at least 1), as a real type's would be.
fn normalized(alloc: Alloc) -> Alloc {
    let align = alloc
        .align
        .max(1)
        .checked_next_power_of_two()
        .unwrap_or(1 << (usize::BITS - 1));
    Alloc {
        size: alloc.size,
        align,
    }
}

/// Bytes in binary units when exact (`2 MiB`, `16 KiB`), else in bytes.
struct Bytes(usize);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            n if n >= 1 << 20 && n.is_multiple_of(1 << 20) => write!(f, "{} MiB", n >> 20),
            n if n >= 1 << 10 && n.is_multiple_of(1 << 10) => write!(f, "{} KiB", n >> 10),
            n => write!(f, "{n} B"),
        }
    }
}
