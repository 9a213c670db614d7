//! A million tasks: the stackless-versus-stackful memory benchmark, measured and predicted.
//!
//! Public runs of the "1 million concurrent tasks" benchmark (each task sleeps 10 s) report
//! what a runtime's tasks cost. This example runs the same benchmark with two task shapes, an
//! annotated `async fn` that only sleeps and one that holds a 1 KiB buffer across its sleep,
//! under tokio (stackless) and under stackful systems (corosensei coroutines, OS threads, Go),
//! at several task counts. Each run is a fresh child process that reads its own resident memory
//! before spawning and once every task is parked; each figure is set beside the one predicted
//! before spawning, from the future's layout (tokio) or the measured stack (stackful).
//!
//! ```text
//! cargo run --release --example million                      # quick: 1,000 and 10,000 tasks
//! cargo run --release --example million -- --tasks 1000000   # 1k, 10k, 100k and 1M tasks
//! ```
//!
//! It prints the prediction's breakdown and a table, and with `--json` and `--svg` writes the
//! results and a chart. Every run is bounded: tasks end by themselves after their sleep, each
//! child has a deadline, the whole run has a time limit (`--time-limit`), and a child that
//! overstays it is killed with everything it started.

mod chart;
mod report;
mod stackful_run;
mod tasks;
mod tokio_run;

use std::fmt;
use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use report::{Failure, Measurement, Results, Shape};
use tokio_run::Prediction;

const USAGE: &str = "\
usage: cargo run --release --example million -- [OPTIONS]

options:
  --tasks N[,N...]      task counts (repeatable); a single count runs the decades from 1,000
                        up to it (--tasks 1000000: 1k, 10k, 100k, 1M)   [default: 1000,10000]
  --shape SHAPE         sleep, buffer or all                            [default: all]
  --systems LIST        comma-separated: tokio, corosensei, corosensei-go, thread,
                        thread-2mib, go; or all                         [default: all]
  --sleep SECS          how long each task sleeps            [default: 10 s per million tasks,
                                                                        at least 1 s]
  --time-limit SECS     the whole run's limit; a run still going then is killed  [default: 900]
  --json PATH           write the results as JSON
  --svg PATH            write the chart (memory against tasks, log scales)
  --quiet               no progress lines on stderr
  --help                this text";

/// A system the benchmark can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum System {
    Tokio,
    Stackful(stackful_run::System),
}

impl System {
    fn all() -> Vec<System> {
        let stackful = stackful_run::System::ALL.map(System::Stackful);
        [System::Tokio].into_iter().chain(stackful).collect()
    }

    /// The name on the command line.
    fn key(self) -> &'static str {
        match self {
            System::Tokio => "tokio",
            System::Stackful(system) => system.key(),
        }
    }

    /// The name in tables, JSON and the chart.
    fn name(self) -> &'static str {
        match self {
            System::Tokio => tokio_run::SYSTEM,
            System::Stackful(system) => system.name(),
        }
    }

    fn parse(key: &str) -> Result<System, String> {
        if key == "tokio" {
            return Ok(System::Tokio);
        }
        key.parse().map(System::Stackful).map_err(|_| {
            let keys: Vec<&str> = System::all().into_iter().map(System::key).collect();
            format!(
                "unknown system `{key}`: expected `all` or some of `{}`",
                keys.join("`, `")
            )
        })
    }
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq)]
struct Options {
    tasks: Vec<u64>,
    shapes: Vec<Shape>,
    systems: Vec<System>,
    sleep: Option<Duration>,
    time_limit: Duration,
    json: Option<PathBuf>,
    svg: Option<PathBuf>,
    quiet: bool,
}

/// One measurement in this process, asked for by the parent (`--child`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Child {
    system: System,
    shape: Shape,
    tasks: u64,
    sleep: Duration,
    /// Time left for the run.
    within: Duration,
    quiet: bool,
}

#[derive(Debug, PartialEq)]
enum Mode {
    Run(Options),
    Child(Child),
    Help,
}

/// The default task counts: quick enough for a first look.
const QUICK: [u64; 2] = [1_000, 10_000];

fn parse_args(args: &[String]) -> Result<Mode, String> {
    let mut options = Options {
        tasks: Vec::new(),
        shapes: Shape::ALL.to_vec(),
        systems: System::all(),
        sleep: None,
        time_limit: Duration::from_secs(900),
        json: None,
        svg: None,
        quiet: false,
    };
    let mut child: Option<System> = None;
    let mut within = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("`{arg}` needs a value"))
                .cloned()
        };
        match arg.as_str() {
            "--help" | "-h" => return Ok(Mode::Help),
            "--tasks" => {
                for count in value()?.split(',') {
                    options.tasks.push(parse_count(count)?);
                }
            }
            "--shape" => {
                options.shapes = match value()?.as_str() {
                    "all" => Shape::ALL.to_vec(),
                    shape => vec![shape.parse()?],
                }
            }
            "--systems" => {
                let list = value()?;
                options.systems = if list == "all" {
                    System::all()
                } else {
                    list.split(',')
                        .map(System::parse)
                        .collect::<Result<_, _>>()?
                };
            }
            "--sleep" => options.sleep = Some(parse_seconds(arg, &value()?)?),
            "--time-limit" => options.time_limit = parse_seconds(arg, &value()?)?,
            "--json" => options.json = Some(PathBuf::from(value()?)),
            "--svg" => options.svg = Some(PathBuf::from(value()?)),
            "--quiet" => options.quiet = true,
            "--child" => child = Some(System::parse(&value()?)?),
            "--within" => within = Some(parse_seconds(arg, &value()?)?),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if let Some(system) = child {
        // The parent passes exactly one of each.
        let (&[shape], &[tasks]) = (&options.shapes[..], &options.tasks[..]) else {
            return Err("`--child` takes one `--shape` and one `--tasks`".to_owned());
        };
        return Ok(Mode::Child(Child {
            system,
            shape,
            tasks,
            sleep: options.sleep.unwrap_or_else(|| default_sleep(tasks)),
            within: within.unwrap_or(options.time_limit),
            quiet: options.quiet,
        }));
    }
    options.tasks = match options.tasks[..] {
        [] => QUICK.to_vec(),
        [most] => decades_up_to(most),
        _ => options.tasks,
    };
    options.tasks.sort_unstable();
    options.tasks.dedup();
    Ok(Mode::Run(options))
}

/// A task count: digits (`_` allowed), optionally with a `k` or `M` suffix (`100k`, `1M`).
fn parse_count(text: &str) -> Result<u64, String> {
    let text = text.trim().replace('_', "");
    let (digits, scale) = match text.strip_suffix(['k', 'K']) {
        Some(digits) => (digits, 1_000),
        None => match text.strip_suffix('M') {
            Some(digits) => (digits, 1_000_000),
            None => (text.as_str(), 1),
        },
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`--tasks` wants positive counts like 1000 or 100k, not `{text}`"))
}

fn parse_seconds(option: &str, text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| format!("`{option}` wants a positive number of seconds, not `{text}`"))
}

/// 1,000, 10,000, ... below `most`, then `most`.
fn decades_up_to(most: u64) -> Vec<u64> {
    let mut counts: Vec<u64> = std::iter::successors(Some(1_000u64), |n| n.checked_mul(10))
        .take_while(|&n| n < most)
        .collect();
    counts.push(most);
    counts
}

/// The sleep when none is given: the public benchmark's 10 s at a million tasks, in proportion
/// below that (spawning takes time in proportion too), and at least 1 s.
fn default_sleep(tasks: u64) -> Duration {
    Duration::from_micros(tasks.saturating_mul(10)).max(Duration::from_secs(1))
}

/// `duration` from now; an absurd one (`--time-limit 1e15`) is a century instead.
fn after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 60 * 60)))
        .unwrap_or(now)
}

/// The sleep of a run of `tasks`, as `Options` asks.
fn sleep_of(options: &Options, tasks: u64) -> Duration {
    options.sleep.unwrap_or_else(|| default_sleep(tasks))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args) {
        Ok(Mode::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Mode::Child(child)) => {
            println!("{}", run_child(child));
            ExitCode::SUCCESS
        }
        Ok(Mode::Run(options)) => match run(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Runs every system, shape and count asked for, each in a child process, then prints and
/// writes the results.
fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let deadline = after(options.time_limit);
    let mut results = Results {
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_owned(),
        sleep: options.sleep.map_or_else(
            || "10 s per million tasks, at least 1 s".to_owned(),
            |sleep| format!("{} s", sleep.as_secs_f64()),
        ),
        ..Results::default()
    };

    // The stackless prediction, before anything is spawned.
    let mut predictions = serde_json::Map::new();
    if options.systems.contains(&System::Tokio) {
        for &shape in &options.shapes {
            let prediction = Prediction::of(shape);
            println!(
                "tokio, {shape}: {} B per task predicted, before spawning:\n{prediction}",
                prediction.per_task()
            );
            predictions.insert(shape.name().to_owned(), prediction_json(&prediction));
        }
    }
    results.details = json!({ "tokio_predictions": predictions, "measured_on": measured_on() });

    // The systems and shapes that go no further, and why.
    let mut stopped: Vec<(System, Shape, String)> = Vec::new();
    for &tasks in &options.tasks {
        for &shape in &options.shapes {
            for &system in &options.systems {
                let fail = |reason: String| Failure {
                    system: system.name().to_owned(),
                    shape: shape.name().to_owned(),
                    tasks,
                    reason,
                };
                let skip = match stopped.iter().find(|(s, h, _)| (*s, *h) == (system, shape)) {
                    Some((_, _, why)) => Some(why.clone()),
                    None if Instant::now() >= deadline => {
                        Some("not run: the time limit was reached".to_owned())
                    }
                    None => too_big(system, shape, tasks),
                };
                if let Some(reason) = skip {
                    results.failures.push(fail(reason));
                    continue;
                }
                match measure_in_child(system, shape, tasks, options, deadline) {
                    Ok(measurement) => {
                        if measurement.tasks < tasks {
                            let why = format!(
                                "not run: a limit of the machine stopped {} tasks at {}",
                                report::thousands(tasks),
                                report::thousands(measurement.tasks)
                            );
                            stopped.push((system, shape, why));
                        }
                        results.measurements.push(measurement);
                    }
                    Err(reason) => {
                        let why = "not run: a smaller count failed".to_owned();
                        stopped.push((system, shape, why));
                        results.failures.push(fail(reason));
                    }
                }
            }
        }
    }

    println!();
    print!("{results}");
    println!("(all runs: {:.1} s)", started.elapsed().as_secs_f64());
    if let Some(path) = &options.json {
        std::fs::write(path, results.to_json())
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    if let Some(path) = &options.svg {
        std::fs::write(path, chart::render(&results))
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    Ok(())
}

/// Measures `tasks` tasks of `shape` under `system` in a child process, saying so on stderr.
fn measure_in_child(
    system: System,
    shape: Shape,
    tasks: u64,
    options: &Options,
    deadline: Instant,
) -> Result<Measurement, String> {
    let started = Instant::now();
    let child = Child {
        system,
        shape,
        tasks,
        sleep: sleep_of(options, tasks),
        within: deadline.saturating_duration_since(started),
        quiet: options.quiet,
    };
    eprintln!(
        "{}, {shape}, {} tasks, each sleeping {:.1} s:",
        system.name(),
        report::thousands(tasks),
        child.sleep.as_secs_f64()
    );
    let result = spawn_child(&child);
    match &result {
        Ok((measurement, note)) => eprintln!(
            "  {}{note} [{:.1} s]",
            summary(measurement),
            started.elapsed().as_secs_f64()
        ),
        Err(reason) => eprintln!("  failed: {reason}"),
    }
    result.map(|(measurement, _)| measurement)
}

/// `Some(reason)` when a tokio run's predicted memory is over the room the machine has now
/// (the stackful runs check their own limits, and run fewer tasks).
fn too_big(system: System, shape: Shape, tasks: u64) -> Option<String> {
    if system != System::Tokio {
        return None;
    }
    let per_task = Prediction::of(shape).per_task();
    let room = stackful_run::limits::Machine::read().memory_room(per_task)?;
    (room.tasks < tasks).then(|| format!("not run: {} leaves room for {}", room.limit, room.tasks))
}

/// One line for a measurement: total, per task, and the prediction.
fn summary(measurement: &Measurement) -> impl fmt::Display + '_ {
    struct Summary<'a>(&'a Measurement);
    impl fmt::Display for Summary<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let m = self.0;
            write!(
                f,
                "{} for {} tasks, {} per task",
                report::megabytes(m.measured_bytes),
                report::thousands(m.tasks),
                report::per_task_bytes(m.per_task())
            )?;
            if let (Some(predicted), Some(error)) = (m.predicted_per_task(), m.error_percent()) {
                let predicted = report::per_task_bytes(predicted);
                write!(f, " (predicted {predicted}, {})", report::percent(error))?;
            }
            Ok(())
        }
    }
    Summary(measurement)
}

fn prediction_json(prediction: &Prediction) -> Value {
    json!({
        "state_machine": prediction.state_machine.size,
        "instrumentation": prediction.instrumentation,
        "future": prediction.future(),
        "task_cell": prediction.task.cell.size,
        "task_cell_align": prediction.task.cell.align,
        "boxed_future": prediction.task.boxed_future.map(|boxed| boxed.size),
        "glibc_chunk": prediction.chunk,
        "heap_per_task": prediction.heap,
    })
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

/// Extra time the parent gives a child past its own deadline before killing it.
const GRACE: Duration = Duration::from_secs(10);

/// Runs `child` in a fresh process (this example again, with `--child`), killing it and all it
/// started when it overstays its time. Returns its measurement and a note on its timings.
fn spawn_child(child: &Child) -> Result<(Measurement, String), String> {
    let exe =
        std::env::current_exe().map_err(|error| format!("no path to this example: {error}"))?;
    let mut command = Command::new(exe);
    command
        .args(["--child", child.system.key(), "--shape", child.shape.name()])
        .args(["--tasks", &child.tasks.to_string()])
        .args(["--sleep", &child.sleep.as_secs_f64().to_string()])
        .args(["--within", &child.within.as_secs_f64().to_string()])
        .args(child.quiet.then_some("--quiet"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        // Its own process group, so a kill reaches what it starts too (the Go benchmark).
        .process_group(0);
    let mut process = command
        .spawn()
        .map_err(|error| format!("cannot start a child process: {error}"))?;
    let kill_at = after(child.within.saturating_add(GRACE));
    let status = loop {
        match process.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < kill_at => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                kill_group(process.id());
                let _ = process.wait();
                return Err("killed: the time limit passed".to_owned());
            }
            Err(error) => return Err(format!("lost the child process: {error}")),
        }
    };
    let mut stdout = String::new();
    if let Some(mut out) = process.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    let reply: Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .ok_or_else(|| format!("the child process ({status}) printed no result"))?;
    if let Some(error) = reply.get("error").and_then(Value::as_str) {
        return Err(error.to_owned());
    }
    let measurement = reply
        .get("measurement")
        .and_then(Measurement::from_json)
        .ok_or_else(|| format!("the child process printed no measurement: {reply}"))?;
    let seconds = |name: &str| reply.get(name).and_then(Value::as_f64);
    let note = match (
        seconds("spawning_s"),
        seconds("parked_s"),
        reply.get("peak_bytes"),
    ) {
        (Some(spawning), Some(parked), Some(peak)) => format!(
            "; spawned in {spawning:.2} s, all parked after {parked:.2} s, peak {}",
            report::megabytes(peak.as_u64().unwrap_or(0))
        ),
        _ => String::new(),
    };
    Ok((measurement, note))
}

/// Kills the process group led by `pid`: a child started with `process_group(0)` and whatever
/// it started.
fn kill_group(pid: u32) {
    unsafe extern "C" {
        fn kill(pid: i32, signal: i32) -> i32;
    }
    const SIGKILL: i32 = 9;
    let Ok(pid) = i32::try_from(pid) else {
        return;
    };
    // SAFETY: `kill` takes no pointers; a negative pid names the group our own child leads.
    unsafe {
        kill(-pid, SIGKILL);
    }
}

/// Asks Linux to kill this process when its parent dies (`PR_SET_PDEATHSIG`): a child runs in
/// a process group of its own, which a Ctrl-C at the terminal does not reach.
fn die_with_parent() {
    unsafe extern "C" {
        fn prctl(option: i32, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> i32;
    }
    const PR_SET_PDEATHSIG: i32 = 1;
    const SIGKILL: u64 = 9;
    // SAFETY: `PR_SET_PDEATHSIG` takes a signal number and no pointers.
    unsafe {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    }
}

/// The measurement `child` asks for, made in this process, as one line of JSON.
fn run_child(child: Child) -> Value {
    die_with_parent();
    let deadline = after(child.within);
    let progress = !child.quiet;
    let result = match child.system {
        System::Tokio => {
            tokio_run::measure(child.shape, child.tasks, child.sleep, deadline, progress).map(
                |(measurement, timings)| {
                    json!({
                        "measurement": measurement.to_json(),
                        "spawning_s": timings.spawning.as_secs_f64(),
                        "parked_s": timings.parked.as_secs_f64(),
                        "peak_bytes": timings.peak,
                    })
                },
            )
        }
        System::Stackful(system) => {
            stackful_run::measure(system, child.shape, child.tasks, child.sleep, progress)
                .map(|measurement| json!({ "measurement": measurement.to_json() }))
        }
    };
    result.unwrap_or_else(|error| json!({ "error": error }))
}

/// The machine and date a run was measured on: the book shows these figures with them, as
/// they are this machine's, not the toolkit's.
fn measured_on() -> Value {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")
                .and_then(|rest| rest.split_once(':'))
        })
        .map(|(_, model)| model.trim().to_owned());
    let meminfo = read("/proc/meminfo");
    let memory_kib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        });
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|version| version.trim().to_owned());
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / 86_400);
    json!({
        "date": civil_date(days),
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map_or(0, usize::from),
        "memory_gib": memory_kib.map(|kib| kib / (1024 * 1024)),
        "kernel": read("/proc/sys/kernel/osrelease").trim(),
        "rustc": rustc,
    })
}

/// `YYYY-MM-DD` of the day `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod measured_on_tests {
    use super::civil_date;

    #[test]
    fn days_since_the_epoch_become_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_418), "2025-11-26");
        assert_eq!(civil_date(19_782), "2024-02-29");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn counts_default_to_the_quick_set_and_a_single_count_to_its_decades() {
        let Ok(Mode::Run(options)) = parse_args(&[]) else {
            panic!("no arguments run")
        };
        assert_eq!(options.tasks, QUICK);
        let Ok(Mode::Run(options)) = parse_args(&args("--tasks 1000000")) else {
            panic!()
        };
        assert_eq!(options.tasks, [1_000, 10_000, 100_000, 1_000_000]);
        let Ok(Mode::Run(options)) = parse_args(&args("--tasks 100k,1k --tasks 5000")) else {
            panic!()
        };
        assert_eq!(options.tasks, [1_000, 5_000, 100_000]);
        assert_eq!(decades_up_to(500), [500]);
    }

    #[test]
    fn bad_arguments_are_errors_not_panics() {
        for line in [
            "--tasks",
            "--tasks 0",
            "--tasks many",
            "--tasks 99999999999999999999",
            "--shape square",
            "--systems tokio,fibres",
            "--sleep -1",
            "--sleep nan",
            "--time-limit 0",
            "--frobnicate",
            "--child tokio --tasks 1,2",
        ] {
            assert!(parse_args(&args(line)).is_err(), "{line}");
        }
    }
}
