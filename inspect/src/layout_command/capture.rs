//! Running the [`Plan`]: build the selected crate with `-Zprint-type-sizes` and keep what rustc
//! printed.
//!
//! Where the text comes from: rustc prints `-Zprint-type-sizes` on its stdout; cargo reads each
//! rustc's stdout line by line and copies the lines to its own stdout (diagnostics travel
//! separately, as JSON on rustc's stderr, and reach cargo's stderr). Build scripts' stdout is kept
//! by cargo and never copied. So cargo's stdout holds the selected crate's type sizes, whole lines
//! only, plus anything a proc macro `println!`s while it runs; we keep the `print-type-size` lines.
//! Only the selected crate gets the flag, so no other rustc can add layouts to the text.

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::args::Options;
use super::error::{CommandError, shorten_cargo_output};
use super::plan::{Package, Plan, Target, plan};

/// What rustc printed for the selected crate, and where it came from.
#[derive(Clone, Debug)]
pub struct Captured {
    /// Every `print-type-size ...` line rustc printed while compiling the selected crate, in
    /// order, each ending in `\n`. Never empty.
    pub type_sizes_text: String,
    /// The workspace root. Rustc names the source files of workspace members relative to it, as
    /// in `{async block@inspect/src/lib.rs:6:42: 11:2}`; files of other packages by absolute path.
    pub workspace_root: PathBuf,
    /// The package that was built, when it is a workspace member.
    pub package: Option<Package>,
    /// The target that was built, when known.
    pub target: Option<Target>,
    /// What was built, for messages: ``` `my-crate` (lib) ```.
    pub unit: String,
    /// The target directory of the layout build.
    pub target_dir: PathBuf,
    /// Cargo's stderr from the build: progress lines and any warnings.
    pub cargo_stderr: String,
}

impl Captured {
    /// How many types rustc described (`print-type-size type:` lines).
    pub fn type_count(&self) -> usize {
        self.type_sizes_text
            .lines()
            .filter(|line| line.starts_with("print-type-size type:"))
            .count()
    }
}

/// Builds what `options` select with `-Zprint-type-sizes` and returns rustc's layout text.
pub fn capture(options: &Options) -> Result<Captured, CommandError> {
    plan(options)?.capture(options.verbose)
}

impl Plan {
    /// Runs the plan: `cargo clean -p PACKAGE`, then `cargo rustc ... -- -Zprint-type-sizes`,
    /// both in the plan's own target directory. With `echo_cargo`, cargo's stderr is copied to
    /// ours as it arrives.
    ///
    /// Why `cargo clean -p` first: rustc prints type sizes only when it runs, and cargo skips it
    /// when the crate is fresh, so a second run would print nothing. Cleaning the one package in
    /// our own target directory is cargo's documented way to rebuild it; its dependencies stay
    /// built, and the user's target directory is never touched. Alternatives were rejected: a
    /// changing `--cfg stackless_layout_run_<nonce>` does force a rebuild, but cargo hashes the
    /// extra arguments into the artifact names, so every run would leave another copy of the
    /// crate's outputs (a whole binary for `--bin`) behind; touching a source file would make the
    /// user's own build stale; deleting files in cargo's fingerprint directory depends on its
    /// unstable layout. The cost: the package's other units (its build script, its library when a
    /// binary is selected) are compiled again too.
    pub fn capture(&self, echo_cargo: bool) -> Result<Captured, CommandError> {
        if let Some(clean_args) = &self.clean_args {
            let clean = run_cargo(&self.cargo, clean_args, &self.env, echo_cargo)?;
            if !clean.success {
                return Err(CommandError::Cargo {
                    command: "cargo clean",
                    message: shorten_cargo_output(&clean.stderr),
                });
            }
        }
        let build = run_cargo(&self.cargo, &self.rustc_args, &self.env, echo_cargo)?;
        if !build.success {
            let message = shorten_cargo_output(&build.stderr);
            let compiled = build.stderr.contains("could not compile `")
                || build.stderr.contains("failed to run custom build command");
            return Err(if compiled {
                CommandError::Build {
                    unit: self.unit.clone(),
                    message,
                }
            } else {
                CommandError::Cargo {
                    command: "cargo rustc",
                    message,
                }
            });
        }
        let mut type_sizes_text = String::new();
        for line in build.stdout.lines() {
            if line.starts_with("print-type-size ") {
                type_sizes_text.push_str(line);
                type_sizes_text.push('\n');
            }
        }
        if type_sizes_text.is_empty() {
            return Err(CommandError::NoTypeSizes {
                unit: self.unit.clone(),
            });
        }
        Ok(Captured {
            type_sizes_text,
            workspace_root: self.workspace_root.clone(),
            package: self.package.clone(),
            target: self.target.clone(),
            unit: self.unit.clone(),
            target_dir: self.target_dir.clone(),
            cargo_stderr: build.stderr,
        })
    }
}

/// One finished cargo process.
pub(crate) struct CargoRun {
    pub(crate) success: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `cargo ARGS` with `env` added, reading its stdout and stderr to the end at the same time
/// (reading one after the other can deadlock once the other pipe's buffer is full).
pub(crate) fn run_cargo(
    cargo: &Path,
    args: &[OsString],
    env: &[(&'static str, OsString)],
    echo_stderr: bool,
) -> Result<CargoRun, CommandError> {
    let io_error = |context: &str| {
        let context = format!("{context} `{}`", cargo.display());
        move |source| CommandError::Io { context, source }
    };
    let mut child = Command::new(cargo)
        .args(args)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| match source.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied => {
                CommandError::CargoNotFound {
                    program: cargo.to_path_buf(),
                    source,
                }
            }
            _ => io_error("could not start")(source),
        })?;
    let mut stdout_pipe = child.stdout.take().expect("stdout is piped");
    let stderr_pipe = child.stderr.take().expect("stderr is piped");

    let (stdout, stderr) = std::thread::scope(|scope| {
        let stdout = scope.spawn(move || {
            let mut bytes = Vec::new();
            stdout_pipe.read_to_end(&mut bytes).map(|_| bytes)
        });
        let stderr = read_lines(stderr_pipe, echo_stderr);
        let stdout = stdout.join().unwrap_or_else(|_| {
            Err(io::Error::other(
                "the thread reading cargo's stdout panicked",
            ))
        });
        (stdout, stderr)
    });
    let status = child.wait().map_err(io_error("could not wait for"))?;
    let stdout = stdout.map_err(io_error("could not read the output of"))?;
    let stderr = stderr.map_err(io_error("could not read the error output of"))?;
    Ok(CargoRun {
        success: status.success(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr,
    })
}

/// Reads `pipe` to the end as (lossy) UTF-8, copying each line to our stderr when `echo` is set.
fn read_lines(pipe: impl Read, echo: bool) -> io::Result<String> {
    let mut reader = BufReader::new(pipe);
    let mut text = String::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(text);
        }
        let line = String::from_utf8_lossy(&line);
        if echo {
            // Best effort: a closed stderr must not stop the build.
            let _ = io::stderr().write_all(line.as_bytes());
        }
        text.push_str(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_cargo_is_reported_as_such() {
        let missing = Path::new("/nonexistent/stackless-test/cargo");
        let Err(error) = run_cargo(missing, &[], &[], false) else {
            panic!("a missing program cannot run");
        };
        assert!(
            matches!(&error, CommandError::CargoNotFound { program, .. } if program == missing),
            "{error:?}"
        );
        assert!(error.to_string().contains("set `CARGO`"), "{error}");
    }
}
