//! The machine, toolchain and date a run was measured on: the figures are this machine's, not
//! the toolkit's, so every table carries them.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredOn {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    /// The CPU's model name from `/proc/cpuinfo`.
    pub cpu: Option<String>,
    /// Cores this process may use.
    pub cores: usize,
    pub kernel: Option<String>,
    /// `rustc --version`.
    pub rustc: Option<String>,
    /// The one-minute load average when the run started: above the core count, other work
    /// was competing with the benchmark (ratios measured side by side suffer less than times).
    pub load_average: Option<f64>,
}

impl MeasuredOn {
    /// This machine, now.
    pub fn now() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).ok();
        let cpu = read("/proc/cpuinfo").and_then(|cpuinfo| {
            cpuinfo.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_owned())
            })
        });
        let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned()))
            .arg("--version")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .map(|version| version.trim().to_owned())
            .filter(|version| !version.is_empty());
        let days = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs() / 86_400);
        MeasuredOn {
            date: civil_date(days),
            cpu,
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            kernel: read("/proc/sys/kernel/osrelease").map(|release| release.trim().to_owned()),
            rustc,
            load_average: read("/proc/loadavg")
                .and_then(|loadavg| loadavg.split_whitespace().next()?.parse().ok()),
        }
    }

    /// One line for a caption: "2026-11-26, Intel Xeon (2 cores, load 0.4), rustc 1.95.0 (...)".
    pub fn summary(&self) -> String {
        format!(
            "{}, {} ({} cores{}), {}",
            self.date,
            self.cpu.as_deref().unwrap_or("unknown CPU"),
            self.cores,
            self.load_average
                .map_or(String::new(), |load| format!(", load {load:.1}")),
            self.rustc.as_deref().unwrap_or("unknown rustc"),
        )
    }
}

/// `YYYY-MM-DD` of the day `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub fn civil_date(days: u64) -> String {
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
mod tests {
    use super::*;

    #[test]
    fn days_since_the_epoch_become_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_418), "2025-11-26");
        assert_eq!(civil_date(19_782), "2024-02-29");
    }
}
