//! Running cargo in the generated workspace: wall and CPU time of each command, the artifacts
//! it reports, and a clear failure with the end of its stderr when it fails.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::cpu_time::{children_cpu_ticks, ticks_to_seconds};
use crate::failure::Failure;

/// How many of stderr's last lines a failure shows.
const STDERR_TAIL_LINES: usize = 40;

/// The cargo that runs this program (`$CARGO`, set by `cargo run` and `cargo test`), so the
/// generated crates are built by the same toolchain; `cargo` from the PATH otherwise.
pub struct Cargo {
    program: OsString,
    workspace: PathBuf,
}

/// What one cargo command took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    pub wall_seconds: f64,
    /// User plus system time of cargo and everything it ran, on all cores.
    pub cpu_seconds: f64,
}

/// One `compiler-artifact` message of `--message-format json`.
#[derive(Clone, Debug, PartialEq)]
pub struct Artifact {
    /// `name vVERSION`, as cargo's "Compiling" lines say it.
    pub package: String,
    /// The crate name of the target (underscores).
    pub target: String,
    pub features: Vec<String>,
    /// Whether cargo reused it instead of compiling it.
    pub fresh: bool,
}

/// One `compiler-message` of `--message-format json`: a warning or error from rustc.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The crate name of the target it is about.
    pub target: String,
    /// `error`, `warning`, ...
    pub level: String,
    /// Its first line, without the code: "`Client` doesn't implement `Debug`".
    pub message: String,
    /// Where it points in the package's own sources, if it does.
    pub location: Option<Location>,
    /// As rustc would have printed it.
    pub rendered: String,
}

/// A line of one of the package's source files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Relative to the package's directory, as rustc names it: `src/client.rs`.
    pub file: String,
    /// From 1.
    pub line: usize,
}

/// A successful command: its timing, and the artifacts and diagnostics it reported.
pub struct Run {
    pub timing: Timing,
    pub artifacts: Vec<Artifact>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Cargo {
    pub fn new(workspace: &Path) -> Cargo {
        let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Cargo {
            program,
            workspace: workspace.to_path_buf(),
        }
    }

    /// Runs `cargo <arguments>` in the workspace, timed. Artifacts and diagnostics are read
    /// from cargo's JSON messages on stdout, so the arguments must include
    /// `--message-format=json` to get any.
    pub fn run(&self, arguments: &[&str]) -> Result<Run, Failure> {
        let command_line = format!("cargo {}", arguments.join(" "));
        let mut command = Command::new(&self.program);
        command
            .args(arguments)
            .current_dir(&self.workspace)
            // The target directory is always given on the command line, and the generated
            // manifest sets `incremental`: neither may come from the caller's environment.
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("CARGO_INCREMENTAL")
            .env("CARGO_TERM_COLOR", "never");

        let ticks_before = children_cpu_ticks()?;
        let started = Instant::now();
        let output = command.output().map_err(|error| Failure::Cargo {
            command: command_line.clone(),
            outcome: format!("could not start ({error})"),
            stderr_tail: String::new(),
            errors: Vec::new(),
        })?;
        let wall_seconds = started.elapsed().as_secs_f64();
        let cpu_seconds = ticks_to_seconds(children_cpu_ticks()?.saturating_sub(ticks_before));

        let stdout = String::from_utf8_lossy(&output.stdout);
        let diagnostics = diagnostics(&stdout);
        if !output.status.success() {
            // With JSON messages rustc's errors are on stdout and cargo's summary on stderr.
            let errors: Vec<Diagnostic> = diagnostics
                .into_iter()
                .filter(|diagnostic| diagnostic.level == "error")
                .collect();
            let rendered: Vec<&str> = errors
                .iter()
                .map(|diagnostic| diagnostic.rendered.trim_end())
                .collect();
            let stderr = String::from_utf8_lossy(&output.stderr);
            let shown = format!("{}\n{}", rendered.join("\n"), stderr.trim_end());
            return Err(Failure::Cargo {
                command: command_line,
                outcome: format!("failed ({})", output.status),
                stderr_tail: tail(shown.trim(), STDERR_TAIL_LINES),
                errors,
            });
        }
        Ok(Run {
            timing: Timing {
                wall_seconds,
                cpu_seconds,
            },
            artifacts: artifacts(&stdout),
            diagnostics,
        })
    }
}

/// The last `lines` lines of `text`, with a note of how many came before.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let kept = &all[all.len().saturating_sub(lines)..];
    let skipped = all.len() - kept.len();
    let mut tail = String::new();
    if skipped > 0 {
        tail.push_str(&format!("[... {skipped} earlier lines]\n"));
    }
    tail.push_str(&kept.join("\n"));
    tail
}

/// cargo's JSON messages of one `reason`; lines that are not JSON are skipped.
fn messages<'a>(stdout: &'a str, reason: &'a str) -> impl Iterator<Item = Value> + 'a {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(move |message| message["reason"] == reason)
}

/// The `compiler-message` messages: rustc's diagnostics.
fn diagnostics(stdout: &str) -> Vec<Diagnostic> {
    messages(stdout, "compiler-message")
        .filter_map(|message| {
            Some(Diagnostic {
                target: message["target"]["name"].as_str()?.to_string(),
                level: message["message"]["level"].as_str()?.to_string(),
                message: message["message"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                location: location(&message["message"]),
                rendered: message["message"]["rendered"].as_str()?.to_string(),
            })
        })
        .collect()
}

/// Where a rustc diagnostic points in the package's own sources: its primary span, or, when
/// that is in another crate's code (a macro's, such as tracing's `Debug` bound on a field),
/// the call site in the package's sources whose expansion led there. The package's files have
/// relative names; others' are absolute, or `<..>` for a macro's own text.
fn location(message: &Value) -> Option<Location> {
    let spans = message["spans"].as_array()?;
    let mut span = spans.iter().find(|span| span["is_primary"] == true)?;
    loop {
        let file = span["file_name"].as_str()?;
        if Path::new(file).is_relative() && !file.starts_with('<') {
            return Some(Location {
                file: file.to_owned(),
                line: usize::try_from(span["line_start"].as_u64()?).ok()?,
            });
        }
        span = &span["expansion"]["span"];
    }
}

/// The `compiler-artifact` messages: what cargo built or found fresh.
fn artifacts(stdout: &str) -> Vec<Artifact> {
    messages(stdout, "compiler-artifact")
        .filter_map(|message| {
            Some(Artifact {
                package: package_name_and_version(message["package_id"].as_str()?)?,
                target: message["target"]["name"].as_str()?.to_string(),
                features: message["features"]
                    .as_array()?
                    .iter()
                    .filter_map(|feature| Some(feature.as_str()?.to_string()))
                    .collect(),
                fresh: message["fresh"].as_bool()?,
            })
        })
        .collect()
}

/// `name vVERSION` from a package ID spec: `registry+https://..#syn@2.0.119`, or
/// `path+file:///work/main/macros#stackless-macros@0.1.0`, or `path+file:///x/foo#0.1.0`
/// when the name is the directory's.
fn package_name_and_version(package_id: &str) -> Option<String> {
    let (source, fragment) = package_id.rsplit_once('#')?;
    let (name, version) = match fragment.split_once('@') {
        Some((name, version)) => (name, version),
        None => (source.rsplit('/').next()?, fragment),
    };
    Some(format!("{name} v{version}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_ids_of_every_form_give_name_and_version() {
        let registry = "registry+https://github.com/rust-lang/crates.io-index#syn@2.0.119";
        assert_eq!(package_name_and_version(registry).unwrap(), "syn v2.0.119");
        let named = "path+file:///work/main/macros#stackless-macros@0.1.0";
        assert_eq!(
            package_name_and_version(named).unwrap(),
            "stackless-macros v0.1.0"
        );
        let by_directory = "path+file:///tmp/ws/foo#0.1.0";
        assert_eq!(
            package_name_and_version(by_directory).unwrap(),
            "foo v0.1.0"
        );
        assert_eq!(package_name_and_version("no fragment"), None);
    }

    #[test]
    fn reads_artifact_messages_and_skips_the_rest() {
        let stdout = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/macros#stackless-macros@0.1.0","target":{"name":"stackless_macros"},"features":["default","enabled"],"fresh":true}
not json at all
{"reason":"build-finished","success":true}
{"reason":"compiler-artifact","package_id":"path+file:///w/plain#ct-plain@0.1.0","target":{"name":"ct_plain"},"features":[],"fresh":false}"#;
        let found = artifacts(stdout);
        assert_eq!(
            found,
            vec![
                Artifact {
                    package: "stackless-macros v0.1.0".into(),
                    target: "stackless_macros".into(),
                    features: vec!["default".into(), "enabled".into()],
                    fresh: true,
                },
                Artifact {
                    package: "ct-plain v0.1.0".into(),
                    target: "ct_plain".into(),
                    features: vec![],
                    fresh: false,
                },
            ]
        );
    }

    #[test]
    fn reads_diagnostics_with_their_level_and_text() {
        let stdout = r#"{"reason":"compiler-message","package_id":"p#x@0.1.0","target":{"name":"ct_plain"},"message":{"level":"warning","message":"unused variable: `x`","spans":[{"file_name":"src/lib.rs","line_start":7,"is_primary":true,"expansion":null}],"rendered":"warning: unused variable: `x`\n"}}
{"reason":"compiler-artifact","package_id":"p#x@0.1.0","target":{"name":"ct_plain"},"features":[],"fresh":false}"#;
        assert_eq!(
            diagnostics(stdout),
            vec![Diagnostic {
                target: "ct_plain".into(),
                level: "warning".into(),
                message: "unused variable: `x`".into(),
                location: Some(Location {
                    file: "src/lib.rs".into(),
                    line: 7,
                }),
                rendered: "warning: unused variable: `x`\n".into(),
            }]
        );
        assert_eq!(artifacts(stdout).len(), 1);
    }

    /// tracing's error for an argument without `Debug` is primarily in tracing-core's source,
    /// expanded from the attribute on the function: the location is the attribute's line.
    #[test]
    fn a_diagnostic_in_a_macros_code_is_located_where_the_package_calls_it() {
        let message = serde_json::json!({
            "spans": [
                {"file_name": "src/lib.rs", "line_start": 3, "is_primary": false},
                {
                    "file_name": "/registry/tracing-core-0.1.18/src/field.rs",
                    "line_start": 266,
                    "is_primary": true,
                    "expansion": {"span": {
                        "file_name": "<::tracing::valueset macros>",
                        "line_start": 1,
                        "expansion": {"span": {"file_name": "src/client.rs", "line_start": 75}},
                    }},
                },
            ],
        });
        assert_eq!(
            location(&message),
            Some(Location {
                file: "src/client.rs".into(),
                line: 75,
            })
        );
        assert_eq!(location(&serde_json::json!({"spans": []})), None);
        let elsewhere = serde_json::json!({
            "spans": [{"file_name": "/registry/x/src/lib.rs", "line_start": 1, "is_primary": true}],
        });
        assert_eq!(location(&elsewhere), None);
    }

    #[test]
    fn the_tail_keeps_the_last_lines_and_counts_the_rest() {
        let text = (1..=50)
            .map(|n| format!("line {n}"))
            .collect::<Vec<_>>()
            .join("\n");
        let kept = tail(&text, 3);
        assert_eq!(kept, "[... 47 earlier lines]\nline 48\nline 49\nline 50");
        assert_eq!(tail("one\ntwo", 3), "one\ntwo");
    }

    #[test]
    fn a_failing_command_reports_its_stderr() {
        let cargo = Cargo::new(&std::env::temp_dir());
        let failure = match cargo.run(&["no-such-cargo-subcommand-xyz"]) {
            Err(failure) => failure,
            Ok(_) => panic!("an unknown subcommand succeeded"),
        };
        let message = failure.to_string();
        assert!(
            message.starts_with("`cargo no-such-cargo-subcommand-xyz` failed"),
            "{message}"
        );
        assert!(message.contains("no such command"), "{message}");
    }
}
