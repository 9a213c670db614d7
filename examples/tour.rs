//! A tour of `stackless`: four `async fn`s of different shapes, the size of the state machine
//! rustc builds for each, and what their futures are doing while they run on tokio.
//!
//! Run it with `cargo run --example tour`. Its output is kept as a snapshot in `tests/tour.rs`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

/// Holds a 4 KiB buffer across an `.await`: the buffer lives in the future itself.
#[stackless::inspect]
async fn handle_request(id: u32, gate: Arc<Semaphore>) -> usize {
    let mut buffer = [0u8; 4096];
    let _permit = gate.acquire().await.expect("the gate stays open");
    buffer[id as usize % 4096] = 1;
    tokio::task::yield_now().await;
    buffer.iter().filter(|&&byte| byte == 1).count()
}

/// Uses its argument after an `.await`: rustc keeps the argument twice, once as the captured
/// parameter and once as a local (rust-lang/rust#62958).
#[stackless::inspect]
async fn checksum(data: Vec<u8>) -> u32 {
    tokio::task::yield_now().await;
    data.iter().map(|&byte| u32::from(byte)).sum()
}

/// One await point inside a loop: one state, entered many times.
#[stackless::inspect]
async fn drain(mut inbox: mpsc::Receiver<u64>) -> u64 {
    let mut total = 0;
    while let Some(value) = inbox.recv().await {
        total += value;
    }
    total
}

struct Session {
    sent: Vec<String>,
}

impl Session {
    /// A method: `&mut self` is an argument like any other.
    #[stackless::inspect]
    async fn send(&mut self, message: &str) -> usize {
        tokio::task::yield_now().await;
        self.sent.push(message.to_owned());
        self.sent.len()
    }
}

/// Runs the tour and returns what it has to say.
pub fn tour() -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    runtime.block_on(run())
}

async fn run() -> String {
    let mut out = String::new();
    let say = &mut out;
    writeln!(
        say,
        "stackless tour: what an `async fn` keeps, and where it waits"
    )
    .unwrap();
    writeln!(
        say,
        "============================================================="
    )
    .unwrap();
    writeln!(say).unwrap();
    writeln!(
        say,
        "Every `async fn` compiles to a state machine: a struct holding whatever is alive across\n\
         each `.await`, plus the future it is awaiting. That struct is the whole coroutine: no\n\
         stack of its own. Its size is fixed at compile time, and `stackless` reads it off the\n\
         real future type:"
    )
    .unwrap();
    writeln!(say).unwrap();

    let gate = Arc::new(Semaphore::new(0));
    let layouts = [
        (
            stackless::layout(handle_request(0, gate.clone())),
            "the 4 KiB buffer is alive across both awaits, so it lives in the future",
        ),
        (
            stackless::layout(checksum(vec![1, 2, 3])),
            "`data` (a 24-byte Vec) is kept twice: as the captured argument and as a local",
        ),
        (
            stackless::layout(drain(mpsc::channel(1).1)),
            "a loop has one await point however often it goes round",
        ),
        (
            stackless::layout(Session { sent: Vec::new() }.send("hi")),
            "`&mut self` and `&str` are just two more captured arguments",
        ),
    ];
    for (layout, lesson) in &layouts {
        write!(say, "{layout}").unwrap();
        writeln!(say, "  -> {lesson}").unwrap();
        writeln!(say).unwrap();
    }
    writeln!(
        say,
        "The instrumentation is two `u16`s beside the state machine, padded to its alignment: the\n\
         await point it is parked at, and how many polls have left it there. (Reading a layout\n\
         creates a future and drops it unpolled; the reports below count those as `dropped\n\
         early`.)"
    )
    .unwrap();
    writeln!(say).unwrap();

    writeln!(
        say,
        "Now run them. 100 requests are spawned and wait at a closed gate; each is a parked\n\
         future of the size above, and the report shows where they are parked right now:"
    )
    .unwrap();
    writeln!(say).unwrap();
    let requests: Vec<_> = (0..100)
        .map(|id| tokio::spawn(handle_request(id, gate.clone())))
        .collect();
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    let parked = stackless::report();
    let handle = parked.function("handle_request").expect("registered");
    write!(say, "{handle}").unwrap();
    writeln!(say).unwrap();

    gate.add_permits(100);
    let mut ones = 0;
    for request in requests {
        ones += request.await.expect("request task");
    }
    let (sender, inbox) = mpsc::channel(4);
    let drained = tokio::spawn(drain(inbox));
    for value in 1..=10 {
        sender.send(value).await.expect("drain is listening");
    }
    drop(sender);
    let total = drained.await.expect("drain task");
    let sum = checksum(vec![1, 2, 3]).await;
    let mut session = Session { sent: Vec::new() };
    session.send("hello").await;
    session.send("world").await;
    writeln!(
        say,
        "Once the gate opens everything completes (results: {ones} requests, drain total {total}, \
         checksum {sum}, {} messages sent).",
        session.sent.len()
    )
    .unwrap();
    writeln!(say).unwrap();

    writeln!(
        say,
        "Stackless versus stackful. A goroutine or a thread running the same code keeps its\n\
         locals in stack frames instead, and needs a stack as deep as its deepest call chain.\n\
         `stackless::stackful` runs a future on a real stackful coroutine (a corosensei stack,\n\
         painted before the run and scanned after it) and records how much stack it touched.\n\
         From that and the future's size, each function's report below sets the state machine\n\
         beside a tokio task, a Go goroutine (2 KiB stack, doubled by copying), an OS thread\n\
         (pages touched plus the kernel's own per-thread memory) and a fixed-stack coroutine:"
    )
    .unwrap();
    writeln!(say).unwrap();
    let (one, request_stack) = stackless::stackful(handle_request(7, gate.clone())).await;
    let (sum_again, checksum_stack) = stackless::stackful(checksum(vec![4, 5, 6])).await;
    writeln!(
        say,
        "(handle_request returned {one} and touched {} B of stack; checksum returned {sum_again} \
         and touched {} B.)",
        request_stack.high_water, checksum_stack.high_water
    )
    .unwrap();
    writeln!(say).unwrap();
    writeln!(
        say,
        "The final report: every inspected function, how its futures ended, how often each\n\
         await point suspended, and for the two measured ones, the stackful comparison:"
    )
    .unwrap();
    writeln!(say).unwrap();
    let report = stackless::report();
    write!(say, "{report}").unwrap();
    writeln!(say).unwrap();

    let checksum = report
        .function("checksum")
        .and_then(|function| function.comparison())
        .expect("checksum was measured");
    let at_a_million = |system: &str| {
        checksum
            .projections
            .iter()
            .find(|projection| projection.system == system && projection.instances == 1_000_000)
            .map(|projection| projection.committed)
            .expect("projected")
    };
    let futures = at_a_million("the future itself");
    let goroutines = at_a_million("Go goroutine");
    let build = if cfg!(debug_assertions) {
        "(This is a debug\n\
         build: `cargo run --release --example tour` shows the optimised sizes.)"
    } else {
        "(This is a release\n\
         build: sizes and stacks are the optimised ones.)"
    };
    writeln!(
        say,
        "A million concurrent checksums: {} MiB of futures, {} MiB as goroutines ({}x). The\n\
         future holds only what is alive across its one await; a stack must hold the deepest\n\
         call chain the code ever makes, rounded up to the stack's growth step. {build}",
        futures >> 20,
        goroutines >> 20,
        goroutines / futures.max(1)
    )
    .unwrap();
    out
}

/// `--svg DIR` also writes each measured function's comparison as `DIR/<function>.svg`.
fn write_svgs(directory: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(directory)?;
    for function in stackless::report().functions {
        if let Some(comparison) = function.comparison() {
            let file = function.name.rsplit("::").next().unwrap_or(&function.name);
            std::fs::write(directory.join(format!("{file}.svg")), comparison.to_svg())?;
        }
    }
    Ok(())
}

fn main() {
    print!("{}", tour());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--svg", Some(directory)) => write_svgs(Path::new(&directory)).expect("SVGs written"),
            _ => {
                eprintln!("usage: cargo run --example tour [-- --svg DIRECTORY]");
                std::process::exit(2);
            }
        }
    }
}
