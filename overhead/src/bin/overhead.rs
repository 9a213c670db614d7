//! Runs every overhead measurement and writes the tables and the chart:
//!
//! ```sh
//! cargo run --release -p stackless-overhead --bin overhead -- --out book/src/generated
//! ```
//!
//! One build cannot have `#[stackless::inspect]` both on and off, so this builds and runs
//! `measure_build` twice as child `cargo` processes, with the package's `inspect` feature and
//! without it, then merges the two: plain is measured in each child beside the variants it is
//! compared with. Each build runs in a few processes, and each benchmark is read from the one
//! nearest the middle (see `stackless_overhead::processes`). It writes `overhead.json` (every
//! number, the machine, the date and rustc), `overhead.md` (the tables) and `overhead.svg` (the
//! chart) to `--out`, or prints the tables.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use stackless_overhead::machine::MeasuredOn;
use stackless_overhead::measure::BuildResults;
use stackless_overhead::report::{Builds, Report};
use stackless_overhead::{chart, markdown};
use stackless_overhead::{instructions, measuring_build, processes};

const USAGE: &str = "\
usage: cargo run --release -p stackless-overhead --bin overhead -- [OPTIONS]

options:
  --out DIR              write overhead.json, overhead.md and overhead.svg there
                         (without it: print the tables)
  --compile-time PATH    include the compile-time benchmark's JSON from PATH, if it exists
  --with-compile-time    run the compile-time benchmark first, writing PATH
                         (default PATH: overhead-compile-time.json in the temp directory)
  --groups LIST          passed on: by_hand, one_poll, current_thread, two_workers
  --no-instructions      do not count instructions per poll (counted by default when
                         valgrind is installed; a minute or two)
  --processes N          run each build in N processes, each benchmark read from the one
                         nearest the middle (default: 3; 1 with --quick)
  --quick                a few short samples, one process: checks the pipeline, the times
                         are noise
  --render JSON          measure nothing: check the goals and render the tables and the chart
                         of an overhead.json written before (after a change to them; with
                         --compile-time PATH, replacing its compile-time table)
  --help                 this text";

/// What a full run is regenerated with, as the tables print it.
const COMMAND: &str =
    "cargo run --release -p stackless-overhead --bin overhead -- --out book/src/generated";

struct Options {
    out: Option<PathBuf>,
    compile_time: Option<PathBuf>,
    with_compile_time: bool,
    groups: Option<String>,
    quick: bool,
    render: Option<PathBuf>,
    instructions: bool,
    processes: Option<usize>,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        out: None,
        compile_time: None,
        with_compile_time: false,
        groups: None,
        quick: false,
        render: None,
        instructions: true,
        processes: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--out" => options.out = Some(PathBuf::from(value()?)),
            "--compile-time" => options.compile_time = Some(PathBuf::from(value()?)),
            "--with-compile-time" => options.with_compile_time = true,
            "--groups" => options.groups = Some(value()?.clone()),
            "--quick" => options.quick = true,
            "--render" => options.render = Some(PathBuf::from(value()?)),
            "--no-instructions" => options.instructions = false,
            "--processes" => {
                let count = value()?;
                options.processes = match count.parse() {
                    Ok(count) if count > 0 => Some(count),
                    _ => {
                        return Err(format!(
                            "`--processes` needs a count above 0, not `{count}`"
                        ));
                    }
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

/// The workspace root, where the child `cargo` commands run.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the package sits in the workspace")
        .to_owned()
}

/// `cargo`, as the one that started this program if it was `cargo run`.
fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace());
    command
}

impl Options {
    fn processes(&self) -> usize {
        let default = if self.quick { 1 } else { processes::FULL_RUN };
        self.processes.unwrap_or(default)
    }
}

/// Builds and runs `measure_build` in the `measure` profile, with the `inspect` feature or
/// without it, in [`Options::processes`] processes, and merges what they measured; with
/// `instructions`, the first counts them too (a binary's counts are the same in every run).
fn measure(inspect: bool, instructions: bool, options: &Options) -> Result<BuildResults, String> {
    let count = options.processes();
    let runs = (0..count)
        .map(|process| {
            eprintln!(
                "measuring the build with `inspect` {} (process {} of {count})",
                if inspect { "on" } else { "off" },
                process + 1
            );
            measure_once(inspect, instructions && process == 0, options)
        })
        .collect::<Result<Vec<_>, _>>()?;
    processes::merge(runs)
}

/// One process of [`measure`].
fn measure_once(
    inspect: bool,
    instructions: bool,
    options: &Options,
) -> Result<BuildResults, String> {
    let json = std::env::temp_dir().join(format!(
        "overhead-{}-{}.json",
        if inspect { "on" } else { "off" },
        std::process::id()
    ));
    let mut command = measuring_build::cargo(cargo(), "run", inspect);
    command.args(["--quiet", "--", "--json"]);
    command.arg(&json);
    if !inspect {
        // The peers are the same in both builds: measure them once, in the other.
        command.args(["--variants", "plain,stackless-off"]);
    }
    if let Some(groups) = &options.groups {
        command.args(["--groups", groups]);
    }
    if options.quick {
        command.arg("--quick");
    }
    if instructions {
        command.arg("--instructions");
    }
    let status = command
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !status.success() {
        return Err(format!("the measuring child failed: {status}"));
    }
    let text = std::fs::read_to_string(&json)
        .map_err(|error| format!("cannot read {}: {error}", json.display()))?;
    let _ = std::fs::remove_file(&json);
    let mut results: BuildResults =
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", json.display()))?;
    // The child knows it is optimised, not how it was built beyond that.
    results.profile = format!(
        "{} (one codegen unit, code aligned to 64 bytes)",
        results.profile
    );
    if results.inspect_feature != inspect {
        return Err(format!(
            "asked for a build with `inspect` {inspect}, measured one with {}",
            results.inspect_feature
        ));
    }
    Ok(results)
}

/// Runs the compile-time benchmark, which writes its JSON to `path`.
fn run_compile_time(path: &Path) -> Result<(), String> {
    eprintln!("running the compile-time benchmark");
    let status = cargo()
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "stackless-overhead",
            "--bin",
            "compile_time",
            "--",
            "--json",
        ])
        .arg(path)
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the compile-time benchmark failed: {status}"))
    }
}

fn run(options: &Options) -> Result<(), String> {
    let report = match &options.render {
        Some(json) => {
            let mut report: Report = read_json(json)?;
            if let Some(path) = &options.compile_time {
                report.compile_time = Some(read_json(path)?);
            }
            report.check_goals();
            report
        }
        None => measure_everything(options)?,
    };
    write(&report, options.out.as_deref())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
}

/// The compile-time benchmark if asked for, then both builds' measurements, merged.
fn measure_everything(options: &Options) -> Result<Report, String> {
    let compile_time_path = match (&options.compile_time, options.with_compile_time) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => Some(std::env::temp_dir().join("overhead-compile-time.json")),
        (None, false) => None,
    };
    if options.with_compile_time {
        run_compile_time(compile_time_path.as_deref().expect("set just above"))?;
    }
    let compile_time = match &compile_time_path {
        Some(path) if path.exists() => Some(read_json(path)?),
        _ => None,
    };

    let instructions = options.instructions
        && match instructions::valgrind_version() {
            Some(version) => {
                eprintln!("counting instructions with {version}");
                true
            }
            None => {
                eprintln!(
                    "valgrind is not installed: no instruction counts (install it, e.g. \
                     `apt-get install valgrind`, for the table that does not depend on timing)"
                );
                false
            }
        };
    let measured_on = MeasuredOn::now();
    let builds = Builds {
        inspect_on: measure(true, instructions, options)?,
        inspect_off: measure(false, instructions, options)?,
    };
    Report::new(
        measured_on,
        COMMAND.to_owned(),
        options.quick,
        builds,
        compile_time,
    )
}

/// Writes the three files to `out`, or prints the tables.
fn write(report: &Report, out: Option<&Path>) -> Result<(), String> {
    let markdown = markdown::render(report);
    match out {
        None => print!("{markdown}"),
        Some(out) => {
            std::fs::create_dir_all(out)
                .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
            let json = serde_json::to_string_pretty(report).expect("the report serialises");
            for (file, contents) in [
                ("overhead.json", json + "\n"),
                ("overhead.md", markdown.clone()),
                ("overhead.svg", chart::render(report)),
            ] {
                let path = out.join(file);
                std::fs::write(&path, contents)
                    .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            print!("{markdown}");
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = parse_args(&args).and_then(|options| run(&options));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_are_read_and_strangers_rejected() {
        let options = parse_args(&args("--out dir --compile-time ct.json --quick")).unwrap();
        assert_eq!(options.out, Some(PathBuf::from("dir")));
        assert_eq!(options.compile_time, Some(PathBuf::from("ct.json")));
        assert!(options.quick && !options.with_compile_time && options.render.is_none());
        assert!(options.instructions);
        assert!(!parse_args(&args("--no-instructions")).unwrap().instructions);
        assert_eq!(options.processes(), 1, "a quick run is one process");
        let options = parse_args(&args("--out dir")).unwrap();
        assert_eq!(options.processes(), processes::FULL_RUN);
        let options = parse_args(&args("--quick --processes 2")).unwrap();
        assert_eq!(options.processes(), 2);
        assert!(parse_args(&args("--processes 0")).is_err());
        assert!(parse_args(&args("--processes three")).is_err());
        let options = parse_args(&args("--render old.json --groups by_hand")).unwrap();
        assert_eq!(options.render, Some(PathBuf::from("old.json")));
        assert_eq!(options.groups.as_deref(), Some("by_hand"));
        assert!(parse_args(&args("--out")).is_err());
        assert!(parse_args(&args("--fast")).is_err());
    }
}
