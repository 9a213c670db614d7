//! Where and when a run was measured: the toolchain, the machine's cores, the date.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::measured_code::{attribute_digest, locked_dependencies_digest};

#[derive(Debug, Serialize)]
pub struct Environment {
    /// `rustc -V`.
    pub rustc: String,
    /// `cargo -V`.
    pub cargo: String,
    /// Cores available to the builds.
    pub cpus: usize,
    /// When the run ended, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date_utc: String,
    /// The stackless commit measured, `git rev-parse --short HEAD`, with a note when the
    /// crates the generated code builds (`src/`, `macros/`, `inspect/`) had uncommitted changes.
    pub stackless_revision: String,
    /// [`attribute_digest`] of the checkout: what a test compares with the code's.
    pub stackless_code_digest: String,
    /// [`locked_dependencies_digest`] of the checkout, likewise.
    pub locked_dependencies_digest: String,
}

impl Environment {
    /// The environment now, for the stackless checkout at `stackless_root`.
    pub fn current(stackless_root: &Path) -> Environment {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let locked_dependencies_digest = locked_dependencies_digest(&cargo, stackless_root)
            .unwrap_or_else(|error| format!("unknown ({error})"));
        Environment {
            rustc: version_of(rustc),
            cargo: version_of(cargo),
            cpus: std::thread::available_parallelism().map_or(1, |cpus| cpus.get()),
            date_utc: utc_date_time(seconds),
            stackless_revision: revision(stackless_root),
            stackless_code_digest: attribute_digest(stackless_root)
                .unwrap_or_else(|error| format!("unknown ({error})")),
            locked_dependencies_digest,
        }
    }
}

/// The short commit of the checkout, and whether the measured crates differ from it.
fn revision(root: &Path) -> String {
    let git = |arguments: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(root)
            .args(arguments)
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown (not a git checkout)".to_string();
    };
    match git(&[
        "status",
        "--porcelain",
        "--",
        "src",
        "macros",
        "inspect",
        "Cargo.toml",
    ]) {
        Some(changes) if changes.is_empty() => commit,
        Some(_) => format!("{commit} with uncommitted changes"),
        None => format!("{commit} (status unknown)"),
    }
}

/// `<program> -V`, or why it could not be had.
fn version_of(program: OsString) -> String {
    match Command::new(&program).arg("-V").output() {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        }
        Ok(output) => format!("unknown ({:?} -V: {})", program, output.status),
        Err(error) => format!("unknown ({program:?}: {error})"),
    }
}

/// Seconds since the Unix epoch as an ISO 8601 UTC date and time.
/// `civil_from_days` (the proleptic Gregorian calendar in 400-year eras).
fn utc_date_time(seconds: u64) -> String {
    let second_of_day = seconds % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        stackless_overhead::machine::civil_date(seconds / 86_400),
        second_of_day / 3_600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_known_instants() {
        assert_eq!(utc_date_time(0), "1970-01-01T00:00:00Z");
        // `date -u -d @951782400`: the leap day of a year divisible by 400.
        assert_eq!(utc_date_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_date_time(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(utc_date_time(4_102_444_800), "2100-01-01T00:00:00Z");
    }

    #[test]
    fn versions_and_revision_are_read_from_the_tools() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let environment = Environment::current(root);
        // The checkout is a git repository: a hex commit, maybe with a note after it.
        let commit = environment.stackless_revision.split(' ').next().unwrap();
        assert!(
            commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{}",
            environment.stackless_revision
        );
        assert!(
            environment.rustc.starts_with("rustc "),
            "{}",
            environment.rustc
        );
        assert!(
            environment.cargo.starts_with("cargo "),
            "{}",
            environment.cargo
        );
        assert!(environment.cpus >= 1);
    }
}
