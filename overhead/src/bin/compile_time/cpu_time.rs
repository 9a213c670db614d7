//! CPU time spent by child processes, read from `/proc/self/stat`.
//!
//! The kernel adds a child's user and system time to its parent's `cutime` and `cstime` when
//! the parent waits for it, and a child's own waited-for children are already in the child's
//! totals. cargo waits for every rustc and build script it starts, so the difference across
//! one `cargo build` is all the CPU time that build used, on every core. On a shared, noisy
//! machine that is steadier than wall time: waiting for the CPU costs wall time, not CPU time.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use crate::failure::Failure;

/// User plus system CPU time, in clock ticks, of every child this process has waited for so
/// far. Differences are taken in ticks, so that they are whole ticks once in seconds.
pub fn children_cpu_ticks() -> Result<u64, Failure> {
    let path = Path::new("/proc/self/stat");
    let stat = std::fs::read_to_string(path).map_err(|error| Failure::io("read", path, error))?;
    children_ticks(&stat).ok_or_else(|| {
        Failure::Measurement(format!("could not find cutime and cstime in {stat:?}"))
    })
}

/// Clock ticks in seconds.
pub fn ticks_to_seconds(ticks: u64) -> f64 {
    ticks as f64 / ticks_per_second()
}

/// `cutime + cstime` (fields 16 and 17) of a `/proc/<pid>/stat` line. The command name, field
/// 2, is in parentheses and may itself contain spaces and parentheses, so fields are counted
/// from the last `)`.
fn children_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // The first field after the name is field 3 (the state).
    let mut fields = after_name.split_whitespace().skip(16 - 3);
    let cutime: u64 = fields.next()?.parse().ok()?;
    let cstime: u64 = fields.next()?.parse().ok()?;
    Some(cutime + cstime)
}

/// The unit of the times in `/proc` (`USER_HZ`), from `getconf CLK_TCK`; 100, its value on
/// every mainstream Linux architecture, if `getconf` cannot say.
fn ticks_per_second() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .filter(|output| output.status.success())
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|ticks| *ticks > 0.0)
            .unwrap_or(100.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_children_fields_even_after_a_name_with_spaces_and_parentheses() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime cutime cstime ...
        let stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 200 0 0 11 12 1300 37 \
                    20 0 1 0 5000 1000 100";
        assert_eq!(children_ticks(stat), Some(1337));
    }

    #[test]
    fn a_truncated_line_is_not_read_as_zero() {
        assert_eq!(children_ticks("1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 6"), None);
        assert_eq!(children_ticks("no name here"), None);
    }

    #[test]
    fn waiting_for_a_busy_child_adds_its_cpu_time() {
        let before = children_cpu_ticks().unwrap();
        // A fixed amount of work (about 0.15 s of one core for dash), however busy the
        // machine is; 0.05 s is five clock ticks.
        let status = Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        let spent = ticks_to_seconds(children_cpu_ticks().unwrap() - before);
        assert!(
            spent >= 0.05,
            "the child's CPU time was not counted: {spent} s"
        );
    }
}
