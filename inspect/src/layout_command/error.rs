//! Why `cargo stackless layout` could not produce a layout.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why `cargo stackless layout` could not produce a layout. Every variant's message says what to
/// do next; the binary prints it after `error: ` and exits with status 1.
#[derive(Debug)]
#[non_exhaustive]
pub enum CommandError {
    /// The `cargo` program could not be started (`$CARGO`, else `cargo` on `PATH`).
    CargoNotFound {
        /// The program that was tried.
        program: PathBuf,
        /// Why starting it failed.
        source: io::Error,
    },
    /// `--manifest-path` names a file that does not exist.
    ManifestNotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// Neither the current directory nor any of its parents has a `Cargo.toml`.
    NotInProject {
        /// The directory the search started from.
        dir: PathBuf,
    },
    /// `cargo metadata` failed, for example on a malformed manifest.
    Metadata {
        /// Cargo's error output, shortened.
        message: String,
    },
    /// The manifest is a workspace's virtual manifest and no `-p` says which package to build.
    NoPackage {
        /// The virtual manifest.
        manifest: PathBuf,
        /// The workspace members, for the message.
        members: Vec<String>,
    },
    /// Cargo refused the command before compiling anything: an unknown package or target, a
    /// selection that names more than one target, an unknown feature, a failed download.
    Cargo {
        /// The cargo command, for the message (`cargo rustc`, `cargo clean`).
        command: &'static str,
        /// Cargo's error output, shortened.
        message: String,
    },
    /// The selected crate, or one of its dependencies, does not compile.
    Build {
        /// What was being built, e.g. ``` `my-crate` (lib) ```.
        unit: String,
        /// Cargo's error output, shortened.
        message: String,
    },
    /// The build succeeded but rustc printed no `print-type-size` lines for the selected crate.
    NoTypeSizes {
        /// What was built, e.g. ``` `my-crate` (lib) ```.
        unit: String,
    },
    /// rustc printed layouts, but none of them is a state machine the command was asked for.
    NothingSelected {
        /// What was built, e.g. ``` `my-crate` (lib) ```.
        unit: String,
        /// Why the selection is empty.
        why: EmptySelection,
    },
    /// Reading cargo's output or preparing the target directory failed.
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
}

/// Why `cargo stackless layout` found nothing to show in a crate that built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmptySelection {
    /// rustc's output had lines, but not one the parser understood (another rustc's format?).
    Unreadable {
        /// The lines skipped.
        skipped_lines: usize,
    },
    /// A function filter was given and matched no state machine.
    FilterMatchedNothing {
        /// The filter as given.
        filter: String,
    },
    /// No `#[stackless::inspect]` function, and `--all` was not given.
    NoInspectedFunctions,
    /// `--all`, and still no `async` state machine in the crate.
    NoStateMachines,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::CargoNotFound { program, source } => write!(
                f,
                "could not run `{}`: {source}; install Rust with rustup, or set `CARGO` to the \
                 cargo binary",
                program.display()
            ),
            CommandError::ManifestNotFound { path } => {
                write!(f, "manifest path `{}` does not exist", path.display())
            }
            CommandError::NotInProject { dir } => write!(
                f,
                "could not find `Cargo.toml` in `{}` or any parent directory; run this inside a \
                 cargo project or pass `--manifest-path`",
                dir.display()
            ),
            CommandError::Metadata { message } => {
                write!(f, "`cargo metadata` failed{}", after_colon(message))
            }
            CommandError::NoPackage { manifest, members } => write!(
                f,
                "`{}` is a virtual manifest; choose a package with `-p NAME`, one of: {}",
                manifest.display(),
                members.join(", ")
            ),
            CommandError::Cargo { command, message } => {
                write!(
                    f,
                    "cargo could not start the build (`{command}` in the layout's own target \
                     directory){}",
                    after_colon(message)
                )
            }
            CommandError::Build { unit, message } => {
                write!(
                    f,
                    "{unit} does not build, so there is no layout to show:\n{message}"
                )
            }
            CommandError::NoTypeSizes { unit } => write!(
                f,
                "{unit} built, but rustc printed no type layouts for it; a crate without any \
                 types has nothing to show"
            ),
            CommandError::NothingSelected { unit, why } => match why {
                EmptySelection::Unreadable { skipped_lines } => write!(
                    f,
                    "{unit} built, but the {skipped_lines} lines rustc printed about its type \
                     layouts were not understood; this command reads the `-Zprint-type-sizes` \
                     format of rustc 1.95, so check `rustc --version`"
                ),
                EmptySelection::FilterMatchedNothing { filter } => write!(
                    f,
                    "no async state machine in {unit} matches `{filter}`; give part of a \
                     function's path (`fetch`, `Client::fetch`), or leave the filter out to \
                     see them all"
                ),
                EmptySelection::NoInspectedFunctions => write!(
                    f,
                    "{unit} has no `#[stackless::inspect]` functions; put the attribute on an \
                     `async fn`, or pass `--all` to show every async state machine"
                ),
                EmptySelection::NoStateMachines => {
                    write!(f, "{unit} has no async state machines to show")
                }
            },
            CommandError::Io { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for CommandError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CommandError::CargoNotFound { source, .. } | CommandError::Io { source, .. } => {
                Some(source)
            }
            _ => None,
        }
    }
}

/// `: message` for a one-line cargo message (its `error: ` dropped, as ours says it already),
/// `:\n` and the message for a longer one.
fn after_colon(message: &str) -> String {
    let one_line = message.strip_prefix("error: ").unwrap_or(message);
    if one_line.lines().count() == 1 {
        format!(": {one_line}")
    } else {
        format!(":\n{message}")
    }
}

/// At most this many lines of cargo's error output go into an error message.
const MAX_MESSAGE_LINES: usize = 40;

/// Cargo's stderr cut to what explains a failure: no progress lines (`Compiling ...`), no
/// warnings, at most [`MAX_MESSAGE_LINES`] lines with the last ones (`error: could not compile
/// ...`) kept.
pub(crate) fn shorten_cargo_output(stderr: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut warnings = 0;
    let mut in_warning = false;
    for line in stderr.lines() {
        if is_progress_line(line) {
            continue;
        }
        if line.starts_with("warning") {
            // A rustc warning, or a summary line of cargo's that only counts or announces.
            let summary = line.contains(" generated ") || line.starts_with("warning: build failed");
            warnings += usize::from(!summary);
            in_warning = true;
            continue;
        }
        if in_warning && starts_new_block(line) {
            in_warning = false;
        }
        if !in_warning {
            kept.push(line);
        }
    }
    while kept.last().is_some_and(|line| line.trim().is_empty()) {
        kept.pop();
    }
    while kept.first().is_some_and(|line| line.trim().is_empty()) {
        kept.remove(0);
    }

    let mut out = String::new();
    const TAIL: usize = 3;
    if kept.len() > MAX_MESSAGE_LINES {
        let head = MAX_MESSAGE_LINES - TAIL - 1;
        for line in &kept[..head] {
            out.push_str(line);
            out.push('\n');
        }
        let cut = kept.len() - head - TAIL;
        out.push_str(&format!(
            "... ({cut} more lines; run with `--verbose` to see all)\n"
        ));
        for line in &kept[kept.len() - TAIL..] {
            out.push_str(line);
            out.push('\n');
        }
    } else {
        for line in &kept {
            out.push_str(line);
            out.push('\n');
        }
    }
    if warnings > 0 {
        let s = if warnings == 1 { "" } else { "s" };
        out.push_str(&format!("({warnings} warning{s} not shown)\n"));
    }
    if out.trim().is_empty() {
        out = "(cargo printed no error message)\n".to_owned();
    }
    out.trim_end().to_owned()
}

/// Whether `line` starts a diagnostic of its own rather than continuing the one before: rustc
/// indents a diagnostic's body (` --> `, `  |`, `  = note:`) except for the source lines
/// (`12 | ...`) and `help:`/`note:` sub-diagnostics.
fn starts_new_block(line: &str) -> bool {
    line.starts_with(|c: char| c.is_alphabetic())
        && !line.starts_with("help")
        && !line.starts_with("note")
}

/// Cargo's status lines: a verb right-aligned in 12 columns, `   Compiling foo v0.1.0 (...)`.
fn is_progress_line(line: &str) -> bool {
    let Some((verb, rest)) = line.split_at_checked(12) else {
        return false;
    };
    let verb = verb.trim_start();
    rest.starts_with(' ')
        && verb.len() < 12
        && verb.starts_with(|c: char| c.is_ascii_uppercase())
        && verb.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_errors_and_drops_progress_and_warnings() {
        let stderr = "   Compiling broken-crate v0.1.0 (/x)
warning: unused variable: `x`
 --> src/lib.rs:1:5
  |
1 | let x = 1;
  |     ^

error[E0308]: mismatched types
 --> src/lib.rs:3:5
  |
3 |     \"no\"
  |     ^^^^ expected `u32`, found `&str`

warning: `broken-crate` (lib) generated 1 warning
For more information about this error, try `rustc --explain E0308`.

error: could not compile `broken-crate` (lib) due to 1 previous error
";
        let short = shorten_cargo_output(stderr);
        assert!(!short.contains("Compiling"), "{short}");
        assert!(!short.contains("unused variable"), "{short}");
        assert!(
            short.starts_with("error[E0308]: mismatched types"),
            "{short}"
        );
        assert!(
            short.contains("could not compile `broken-crate`"),
            "{short}"
        );
        assert!(short.contains("rustc --explain E0308"), "{short}");
        assert!(!short.contains("generated 1 warning"), "{short}");
        assert!(short.ends_with("(1 warning not shown)"), "{short}");
    }

    #[test]
    fn long_output_keeps_head_and_tail() {
        let mut stderr = String::new();
        for i in 0..100 {
            stderr.push_str(&format!("error: line {i}\n"));
        }
        let short = shorten_cargo_output(&stderr);
        assert_eq!(short.lines().count(), MAX_MESSAGE_LINES);
        assert!(short.starts_with("error: line 0\n"));
        assert!(short.contains("(61 more lines;"));
        assert!(short.ends_with("error: line 99"));
    }

    #[test]
    fn progress_lines_are_recognised() {
        assert!(is_progress_line("   Compiling foo v0.1.0"));
        assert!(is_progress_line("    Finished `dev` profile"));
        assert!(is_progress_line("  Downloaded syn v2.0.0"));
        assert!(!is_progress_line("error: could not compile `foo`"));
        assert!(!is_progress_line("  |     ^^^^ expected `u32`"));
        assert!(!is_progress_line(""));
    }
}
