//! Memory figures from `/proc`, in bytes: the process's own (`/proc/self/status`) and the
//! kernel's (`/proc/meminfo`).

use std::fs;

/// The value of a `Name:   N kB` line (`/proc/self/status`, `/proc/meminfo`), in bytes.
pub fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(':')?.trim();
        let kib: u64 = value.strip_suffix("kB")?.trim().parse().ok()?;
        kib.checked_mul(1024)
    })
}

/// `/proc/meminfo`, if readable.
pub fn meminfo() -> Option<String> {
    fs::read_to_string("/proc/meminfo").ok()
}

/// What the process and the kernel hold, read once before the tasks are spawned and once when
/// all of them are parked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Memory {
    /// `VmRSS`: the process's resident memory.
    pub rss: u64,
    /// `VmSize`: the address space the process has mapped.
    pub size: u64,
    /// Kernel memory of the whole system that grows with each thread: `KernelStack`,
    /// `PageTables` and `SUnreclaim` (where `task_struct` and the other per-task objects live)
    /// of `/proc/meminfo`. System-wide, so other processes add noise to its changes.
    pub kernel: u64,
}

impl Memory {
    /// Reads the figures now.
    pub fn read() -> Result<Self, String> {
        let status = fs::read_to_string("/proc/self/status")
            .map_err(|error| format!("cannot read /proc/self/status: {error}"))?;
        let meminfo = meminfo().ok_or("cannot read /proc/meminfo")?;
        let field = |text: &str, file: &str, name: &str| {
            kib_field(text, name).ok_or_else(|| format!("no `{name}` in {file}"))
        };
        let kernel = ["KernelStack", "PageTables", "SUnreclaim"]
            .into_iter()
            .map(|name| field(&meminfo, "/proc/meminfo", name))
            .sum::<Result<u64, String>>()?;
        Ok(Memory {
            rss: field(&status, "/proc/self/status", "VmRSS")?,
            size: field(&status, "/proc/self/status", "VmSize")?,
            kernel,
        })
    }

    /// How much each figure grew from `before` to `self` (0 where it shrank).
    pub fn growth_since(&self, before: &Memory) -> Memory {
        Memory {
            rss: self.rss.saturating_sub(before.rss),
            size: self.size.saturating_sub(before.size),
            kernel: self.kernel.saturating_sub(before.kernel),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kib_fields_are_read_in_bytes() {
        let status = "Name:\tmillion\nVmSize:\t  123456 kB\nVmRSS:\t    2048 kB\nThreads:\t3\n";
        assert_eq!(kib_field(status, "VmRSS"), Some(2048 * 1024));
        assert_eq!(kib_field(status, "VmSize"), Some(123_456 * 1024));
        // No unit, no such line, a prefix of another name, garbage: none.
        assert_eq!(kib_field(status, "Threads"), None);
        assert_eq!(kib_field(status, "VmHWM"), None);
        assert_eq!(kib_field(status, "Vm"), None);
        assert_eq!(kib_field("VmRSS: many kB", "VmRSS"), None);
        assert_eq!(kib_field("VmRSS: 99999999999999999999 kB", "VmRSS"), None);
    }

    #[test]
    fn growth_never_goes_below_zero() {
        let before = Memory {
            rss: 10,
            size: 100,
            kernel: 7,
        };
        let after = Memory {
            rss: 30,
            size: 90,
            kernel: 9,
        };
        assert_eq!(
            after.growth_since(&before),
            Memory {
                rss: 20,
                size: 0,
                kernel: 2
            }
        );
    }
}
