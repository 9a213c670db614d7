//! Running cargo in a crate's copy: one log file per run, its time, its outcome.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The cargo that runs this tool (`$CARGO` under `cargo run`), with the target directory every
/// copy builds into: the plain and annotated copies share their dependencies' builds.
pub struct Cargo {
    program: OsString,
    target_dir: PathBuf,
}

/// One finished cargo run.
pub struct Run {
    pub success: bool,
    /// stdout and stderr interleaved as they were written, as a terminal would show them.
    pub output: String,
    /// stdout alone, for commands whose stdout is data (`cargo metadata`).
    stdout: Option<String>,
    pub elapsed: Duration,
    /// Where `output` was saved.
    pub log: PathBuf,
}

impl Cargo {
    pub fn new(target_dir: PathBuf) -> Cargo {
        Cargo {
            program: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
            target_dir,
        }
    }

    pub fn target_dir(&self) -> &Path {
        &self.target_dir
    }

    /// Runs `cargo <args>` in `dir` and saves what it printed to `log`. `metadata` keeps
    /// stdout apart from stderr; every other command gets one interleaved stream.
    pub fn run(
        &self,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &Path)],
        log: &Path,
    ) -> Result<Run, String> {
        let mut command = Command::new(&self.program);
        command
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            // Colour codes would end up in the logs and in the lines parsed from them.
            .env("CARGO_TERM_COLOR", "never");
        for (key, value) in env {
            command.env(key, value);
        }
        let describe = || format!("cargo {} in {}", args.join(" "), dir.display());
        let started = Instant::now();
        let (success, output, stdout) = if args.first() == Some(&"metadata") {
            let finished = command
                .output()
                .map_err(|error| format!("{}: {error}", describe()))?;
            let stdout = String::from_utf8_lossy(&finished.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&finished.stderr).into_owned();
            (finished.status.success(), stderr, Some(stdout))
        } else {
            let (mut reader, writer) =
                std::io::pipe().map_err(|error| format!("{}: {error}", describe()))?;
            let writer_for_stderr = writer
                .try_clone()
                .map_err(|error| format!("{}: {error}", describe()))?;
            command.stdout(writer).stderr(writer_for_stderr);
            let mut child = command
                .spawn()
                .map_err(|error| format!("{}: {error}", describe()))?;
            // The command holds the pipe's write ends; drop them so the read ends at exit.
            drop(command);
            let mut bytes = Vec::new();
            reader
                .read_to_end(&mut bytes)
                .map_err(|error| format!("{}: {error}", describe()))?;
            let status = child
                .wait()
                .map_err(|error| format!("{}: {error}", describe()))?;
            (
                status.success(),
                String::from_utf8_lossy(&bytes).into_owned(),
                None,
            )
        };
        let elapsed = started.elapsed();
        std::fs::write(log, &output)
            .map_err(|error| format!("writing {}: {error}", log.display()))?;
        Ok(Run {
            success,
            output,
            stdout,
            elapsed,
            log: log.to_path_buf(),
        })
    }
}

impl Run {
    /// stdout parsed as JSON (`cargo metadata`).
    pub fn stdout_json(&self) -> Result<serde_json::Value, String> {
        let stdout = self
            .stdout
            .as_deref()
            .ok_or("this run's stdout was not kept apart")?;
        serde_json::from_str(stdout).map_err(|error| format!("cargo's JSON: {error}"))
    }
}

// Input:   warning: `mini-redis` (lib test) generated 2 warnings (1 duplicate)
//          warning: `mini-redis` (bin "mini-redis-cli") generated 1 warning
//          warning: `stackless-inspect` (lib) generated 1 warning
// Output:  3, for `mini-redis`
/// The warnings rustc reported for `package`'s own targets, from cargo's per-target summaries.
pub fn warnings_of(output: &str, package: &str) -> usize {
    let prefix = format!("warning: `{package}` (");
    output
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .filter_map(|rest| rest.split_once(") generated "))
        .filter_map(|(_, count)| count.split_whitespace().next()?.parse::<usize>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_warnings_of_one_package() {
        let output = "\
warning: unused variable: `x`
warning: `mini-redis` (lib test) generated 2 warnings (1 duplicate)
warning: `mini-redis` (bin \"mini-redis-cli\") generated 1 warning
warning: `stackless-inspect` (lib) generated 1 warning
warning: `mini-redis-extra` (lib) generated 5 warnings
";
        assert_eq!(warnings_of(output, "mini-redis"), 3);
        assert_eq!(warnings_of(output, "stackless-inspect"), 1);
        assert_eq!(warnings_of(output, "tokio"), 0);
    }
}
