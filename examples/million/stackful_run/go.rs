//! Go goroutines: `million.go` (next to this example's `main.rs`), built with the `go` on the
//! `PATH` and run once per task count, in a process of its own that reads its own memory.
//!
//! Nothing is installed: without `go` on the `PATH`, [`Go::find`] says how to add it. The build
//! and every run have a time limit, and a run that overstays it is killed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use stackless::models;

use super::Ask;
use super::limits::{self, Machine};
use crate::report::Measurement;

/// The Go program.
pub const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/million/million.go");

/// What to do when there is no `go` on the `PATH`.
pub const HOW_TO_ADD: &str = "Go not found: `apt-get install golang-go` (Debian, Ubuntu), or \
     any Go 1.19 or later on the PATH, adds goroutines to the comparison";

/// How long `go version` and `go build` may take (a cold build compiles the runtime).
const BUILD_TIME_LIMIT: Duration = Duration::from_secs(300);

/// A built `million.go`, deleted when dropped.
#[derive(Debug)]
pub struct Go {
    binary: PathBuf,
    version: String,
}

impl Go {
    /// Finds `go` on the `PATH` and builds `million.go` next to this example's binary. `Err`
    /// says why not; without `go` it is [`HOW_TO_ADD`].
    pub fn find() -> Result<Go, String> {
        let version = match run(go().arg("version"), BUILD_TIME_LIMIT) {
            Err(Failure::Spawn(error)) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(HOW_TO_ADD.to_owned());
            }
            result => result.map_err(|failure| failure.explain("`go version`"))?,
        };
        let directory = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
            .unwrap_or_else(std::env::temp_dir);
        // One binary per process: runs of the example side by side do not overwrite each
        // other's while it runs.
        let binary = directory.join(format!("million-go-{}", std::process::id()));
        let mut build = go();
        build.arg("build").arg("-o").arg(&binary).arg(SOURCE);
        if go_cache_unset() {
            build.env("GOCACHE", directory.join("go-cache"));
        }
        run(&mut build, BUILD_TIME_LIMIT).map_err(|failure| failure.explain("`go build`"))?;
        Ok(Go {
            binary,
            version: version.trim().to_owned(),
        })
    }

    /// Runs the goroutines asked for, and measures the Go process's memory once all have
    /// started; `need` is the task's stack need measured in Rust, which
    /// [`models::go_goroutine`] turns into the prediction. Fewer run when memory would not hold
    /// them.
    pub(super) fn measure(&self, ask: Ask, need: usize) -> Result<Measurement, String> {
        let footprint = models::go_goroutine(need);
        eprintln!(
            "  {ask}: need {need} B; predicted per task: {}",
            footprint.detail
        );
        let committed = footprint.committed as u64;
        let rooms: Vec<_> = Machine::read().memory_room(committed).into_iter().collect();
        let cap = limits::cap(ask.tasks, &rooms);
        if let Some(stopped_by) = &cap.stopped_by {
            eprintln!("  {ask}: {stopped_by}");
        }
        let tasks = cap.tasks()?;
        let (shape, sleep) = (ask.shape, ask.sleep);
        let mut command = Command::new(&self.binary);
        command
            .arg("-tasks")
            .arg(tasks.to_string())
            .arg("-shape")
            .arg(shape.name())
            .arg("-sleep")
            .arg(format!("{}ms", sleep.as_millis()));
        let stdout = run(&mut command, time_limit(tasks, sleep))
            .map_err(|failure| failure.explain("the Go benchmark"))?;
        let report: Value = serde_json::from_str(stdout.trim())
            .map_err(|error| format!("the Go benchmark printed no JSON ({error}): {stdout}"))?;
        let field = |name: &str| {
            report
                .get(name)
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("no `{name}` in the Go benchmark's output: {stdout}"))
        };
        let running = field("running")?;
        if running < tasks {
            return Err(format!(
                "only {running} of {tasks} goroutines were still running when memory was read: \
                 the sleep is shorter than spawning them took; give a longer one"
            ));
        }
        let grown = |name: &str| -> Result<u64, String> {
            Ok(field(&format!("{name}_after"))?.saturating_sub(field(&format!("{name}_before"))?))
        };
        let rss = grown("rss")?;
        let per = |bytes: u64| bytes / tasks.max(1);
        eprintln!(
            "  {ask}: {tasks} spawned in {:.2}s by {}; per goroutine {} B resident, of which Go \
             counts {} B of stack and {} B of heap in use",
            report
                .get("spawn_seconds")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            self.version,
            per(rss),
            per(grown("stack_inuse")?),
            per(grown("heap_inuse")?)
        );
        Ok(ask.measurement(tasks, rss, committed))
    }
}

impl Drop for Go {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.binary);
    }
}

/// `go`, kept from fetching a toolchain of its own (`GOTOOLCHAIN=local`, Go 1.21 and later).
fn go() -> Command {
    let mut command = Command::new("go");
    command.env("GOTOOLCHAIN", "local");
    command
}

/// Whether `go` would find no build cache: `GOCACHE`, `XDG_CACHE_HOME` and `HOME` all unset,
/// as in a bare CI environment.
fn go_cache_unset() -> bool {
    ["GOCACHE", "XDG_CACHE_HOME", "HOME"]
        .iter()
        .all(|name| std::env::var_os(name).is_none_or(|value| value.is_empty()))
}

/// How long a run of `tasks` goroutines that sleep `sleep` may take: the sleep twice, a
/// minute, and 50 µs per goroutine to spawn it (Go 1.19 spawned 100,000 in 1.6 s here).
fn time_limit(tasks: u64, sleep: Duration) -> Duration {
    sleep
        .saturating_mul(2)
        .saturating_add(Duration::from_secs(60))
        .saturating_add(
            Duration::from_micros(50).saturating_mul(u32::try_from(tasks).unwrap_or(u32::MAX)),
        )
}

/// Why a command did not give its output.
#[derive(Debug)]
enum Failure {
    Spawn(std::io::Error),
    TimedOut(Duration),
    Failed(ExitStatus, String),
}

impl Failure {
    fn explain(self, what: &str) -> String {
        match self {
            Failure::Spawn(error) => format!("cannot start {what}: {error}"),
            Failure::TimedOut(limit) => {
                format!("{what} ran past its {limit:?} limit and was killed")
            }
            Failure::Failed(status, stderr) => format!("{what} failed ({status}): {stderr}"),
        }
    }
}

/// Runs `command` for at most `limit`, killing it then, and returns its stdout.
fn run(command: &mut Command, limit: Duration) -> Result<String, Failure> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Failure::Spawn)?;
    // Drain both pipes as the child writes, so that a chatty child (Go prints every goroutine
    // when it crashes) never blocks on a full pipe.
    let stdout = drain(child.stdout.take(), usize::MAX);
    let stderr = drain(child.stderr.take(), 4096);
    let status = wait(&mut child, limit);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match status {
        Some(status) if status.success() => Ok(stdout),
        Some(status) => Err(Failure::Failed(status, stderr.trim().to_owned())),
        None => Err(Failure::TimedOut(limit)),
    }
}

/// Reads a pipe to its end on a thread of its own, keeping at most its last `keep` bytes.
fn drain(pipe: Option<impl Read + Send + 'static>, keep: usize) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0; 8192];
        let Some(mut pipe) = pipe else {
            return String::new();
        };
        while let Ok(read @ 1..) = pipe.read(&mut chunk) {
            kept.extend_from_slice(&chunk[..read]);
            let excess = kept.len().saturating_sub(keep);
            kept.drain(..excess);
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}

/// Waits for `child` to exit for at most `limit`; past it, kills it and returns `None`.
fn wait(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if started.elapsed() < limit => thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limits_grow_with_the_tasks_and_never_overflow() {
        assert_eq!(
            time_limit(0, Duration::from_secs(5)),
            Duration::from_secs(70)
        );
        assert_eq!(
            time_limit(1_000_000, Duration::from_secs(5)),
            Duration::from_secs(120)
        );
        assert!(time_limit(u64::MAX, Duration::MAX) >= Duration::from_secs(60));
    }

    #[test]
    fn a_command_past_its_limit_is_killed() {
        let started = Instant::now();
        let result = run(Command::new("sleep").arg("10"), Duration::from_millis(200));
        assert!(matches!(result, Err(Failure::TimedOut(_))), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_failing_command_reports_its_stderr() {
        let result = run(
            Command::new("sh").args(["-c", "echo out; echo oops >&2; exit 3"]),
            Duration::from_secs(10),
        );
        let message = result.unwrap_err().explain("the test");
        assert!(message.contains("oops"), "{message}");
        let output = run(Command::new("echo").arg("fine"), Duration::from_secs(10));
        assert_eq!(output.unwrap(), "fine\n");
    }
}
