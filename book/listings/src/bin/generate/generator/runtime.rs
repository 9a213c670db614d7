//! What the listings do when they run: elapsed times on tokio's paused clock, the
//! stack a handler touches, the live report of parked connections, who runs when on
//! one thread.
//!
//! Run once per process, before anything else touches these functions: the reports
//! count every future the program ever made of each function.

use std::fmt::Write as _;
use std::time::Duration;

use stackless::models::{self, Build};
use tokio::sync::{Semaphore, mpsc};

use super::{Numbers, Output};
use stackless_book::await_points::{handle_connection, ten_connections};
use stackless_book::price::{block_on, side_by_side};
use stackless_book::stackful::measure_one_upload;
use stackless_book::tasks::{all_at_once, one_after_another, run_timed};

/// Every output of a run, in a fixed order.
pub fn all(numbers: &mut Numbers) -> Vec<Output> {
    let mut outputs = vec![chapter_1()];
    outputs.extend(chapter_2(numbers));
    outputs.extend(chapter_4());
    outputs.extend(chapter_7());
    outputs
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
}

/// Chapter 1: a hundred 100 ms fetches, one after another and all at once.
fn chapter_1() -> Output {
    let mut table = String::from(
        "| fetches | one after another | all at once |\n| ---: | ---: | ---: |\n",
    );
    for count in [1, 10, 100, 1000] {
        let (sequential_total, sequential) = run_timed(one_after_another(count));
        let (concurrent_total, concurrent) = run_timed(all_at_once(count));
        assert_eq!(sequential_total, concurrent_total, "the same answers");
        let _ = writeln!(
            table,
            "| {count} | {} | {} |",
            seconds(sequential),
            seconds(concurrent)
        );
    }
    Output::new("tasks-elapsed.md", table)
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// Chapter 2: Go's stack growth, the models' constants, and one handler measured
/// stackfully.
fn chapter_2(numbers: &mut Numbers) -> Vec<Output> {
    let mut growth = String::from(
        "| the code needs | goroutine stack | doublings (each a copy) | OS thread commits |\n\
         | ---: | ---: | ---: | ---: |\n",
    );
    for need in [1 << 10, 2 << 10, 3 << 10, 5 << 10, 40 << 10, 1 << 20] {
        let stack = models::go_goroutine_stack(need);
        let doublings = (stack / models::GO_STACK_MIN).trailing_zeros();
        let thread = models::os_thread(need, models::RUST_THREAD_STACK);
        let _ = writeln!(
            growth,
            "| {} | {} | {doublings} | {} |",
            bytes(need),
            bytes(stack),
            bytes(thread.committed)
        );
    }

    let mut constants =
        String::from("| what | value | from |\n| --- | ---: | --- |\n");
    for (what, value, source) in [
        (
            "a goroutine's first stack",
            models::GO_STACK_MIN,
            "`stackMin`, Go's `runtime/stack.go`",
        ),
        (
            "the largest goroutine stack (64-bit)",
            models::GO_MAX_STACK,
            "`maxstacksize`, Go's `runtime/proc.go`",
        ),
        (
            "a goroutine's descriptor, `g`",
            models::GO_G_ALLOC,
            "Go's `runtime/sizeof_test.go`, size class",
        ),
        (
            "a Rust thread's stack (reserved)",
            models::RUST_THREAD_STACK,
            "`std::thread` docs",
        ),
        (
            "the kernel's memory per thread",
            models::LINUX_KERNEL_PER_THREAD,
            "kernel stack, `task_struct`, page table",
        ),
        (
            "tokio boxes spawned futures larger than (debug)",
            Build::Debug.box_future_threshold(),
            "`BOX_FUTURE_THRESHOLD`, tokio 1.54",
        ),
        (
            "... (release)",
            Build::Release.box_future_threshold(),
            "`BOX_FUTURE_THRESHOLD`, tokio 1.54",
        ),
    ] {
        let _ = writeln!(constants, "| {what} | {} | {source} |", bytes(value));
    }

    let sum = current_thread().block_on(measure_one_upload());
    assert_ne!(sum, 0);
    let report = stackless::report();
    let comparison = report
        .function("handle_upload")
        .and_then(|function| function.comparison())
        .expect("handle_upload was measured");
    let touched = comparison.stack.high_water;
    numbers.add("upload_future", comparison.future.total());
    numbers.add("upload_stack", bytes(touched));
    numbers.add(
        "upload_goroutine_stack",
        bytes(models::go_goroutine_stack(touched)),
    );
    vec![
        Output::new("go-stack-growth.md", growth),
        Output::new("model-constants.md", constants),
        Output::new("upload-comparison.txt", comparison.to_string()),
        Output::new("upload-comparison.svg", comparison.to_svg()),
    ]
}

/// Chapter 4: ten connections parked at their three awaits, and the static layout.
fn chapter_4() -> Vec<Output> {
    let runtime = current_thread();
    let clients = runtime.block_on(ten_connections());
    let live = stackless::report()
        .function("handle_connection")
        .expect("registered")
        .to_string();
    drop(clients);
    drop(runtime);
    let (_, requests) = mpsc::channel(1);
    let (replies, _) = mpsc::channel(1);
    let layout = stackless::layout(handle_connection(
        requests,
        std::sync::Arc::new(Semaphore::new(1)),
        replies,
    ));
    vec![
        Output::new("connection-report.txt", live),
        Output::new("connection-layout.txt", layout.to_string()),
    ]
}

/// Chapter 7: a task that never yields, and a tokio future on another executor.
fn chapter_7() -> Vec<Output> {
    let mut log = String::new();
    for (polite, title) in [(false, "crunch"), (true, "crunch_politely")] {
        let _ = writeln!(log, "with {title}:");
        for line in side_by_side(polite) {
            let _ = writeln!(log, "  {line}");
        }
    }
    vec![
        Output::new("blocking-log.txt", log),
        Output::new("wrong-runtime.txt", wrong_runtime_panic()),
    ]
}

/// The panic message of a tokio timer polled by [`block_on`], outside any tokio
/// runtime.
fn wrong_runtime_panic() -> String {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| {
        block_on(tokio::time::sleep(Duration::from_millis(1)));
    });
    std::panic::set_hook(quiet);
    let payload = outcome.expect_err("a tokio timer needs a tokio runtime");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
        })
        .expect("a text message");
    format!("panicked: {message}\n")
}

/// Bytes in binary units: exact (`2 KiB`) when they divide evenly, else to one
/// decimal.
fn bytes(value: usize) -> String {
    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;
    match value {
        v if v >= MIB && v % MIB == 0 => format!("{} MiB", v / MIB),
        v if v >= MIB => format!("{:.1} MiB", v as f64 / MIB as f64),
        v if v >= KIB && v % KIB == 0 => format!("{} KiB", v / KIB),
        v if v >= KIB => format!("{:.1} KiB", v as f64 / KIB as f64),
        v => format!("{v} B"),
    }
}
