//! What can go wrong, said so that the person running the benchmark can act on it.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::cargo::Diagnostic;

#[derive(Debug)]
pub enum Failure {
    /// A file or directory operation failed.
    Io {
        doing: String,
        path: PathBuf,
        error: io::Error,
    },
    /// A cargo command could not start or exited unsuccessfully; `stderr_tail` is the end of
    /// what it printed, where cargo and rustc put the reason.
    Cargo {
        command: String,
        outcome: String,
        stderr_tail: String,
        /// rustc's errors, to act on (the tail shows them too).
        errors: Vec<Diagnostic>,
    },
    /// A cargo command succeeded but did not do what the measurement relies on.
    Measurement(String),
}

impl Failure {
    pub fn io(doing: &str, path: &Path, error: io::Error) -> Failure {
        Failure::Io {
            doing: doing.to_string(),
            path: path.to_path_buf(),
            error,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Io { doing, path, error } => {
                write!(formatter, "could not {doing} {}: {error}", path.display())
            }
            Failure::Cargo {
                command,
                outcome,
                stderr_tail,
                ..
            } => {
                write!(formatter, "`{command}` {outcome}")?;
                if !stderr_tail.is_empty() {
                    write!(formatter, "; the end of its stderr:\n{stderr_tail}")?;
                }
                Ok(())
            }
            Failure::Measurement(message) => formatter.write_str(message),
        }
    }
}
