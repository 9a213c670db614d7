//! CPU time, the timing loop's clock: on a machine shared with other work, time a benchmark
//! spends descheduled would count in wall-clock time but not in its CPU time.

use std::time::Duration;

/// Whose CPU time to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuClock {
    /// The calling thread's: for benchmarks that run on it alone (by hand, a current-thread
    /// runtime driven by `block_on`).
    Thread,
    /// Every thread's of the process: for a multi-thread runtime, whose workers do the polls.
    Process,
}

impl CpuClock {
    /// CPU time consumed so far.
    pub fn now(self) -> Duration {
        let id = match self {
            CpuClock::Thread => libc::CLOCK_THREAD_CPUTIME_ID,
            CpuClock::Process => libc::CLOCK_PROCESS_CPUTIME_ID,
        };
        let mut time = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `time` is a valid, writable `timespec` for the duration of the call, and both
        // clock ids exist on every Linux since 2.6.12.
        let result = unsafe { libc::clock_gettime(id, &mut time) };
        assert_eq!(result, 0, "clock_gettime({id}) failed");
        Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_advances_both_clocks_and_sleep_does_not_advance_the_threads() {
        for clock in [CpuClock::Thread, CpuClock::Process] {
            let start = clock.now();
            let mut x = 0u64;
            while clock.now() - start < Duration::from_millis(5) {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            assert!(clock.now() - start >= Duration::from_millis(5));
        }
        // Only the thread's: other tests may be running on other threads of the process.
        let before_sleep = CpuClock::Thread.now();
        std::thread::sleep(Duration::from_millis(50));
        assert!(CpuClock::Thread.now() - before_sleep < Duration::from_millis(25));
    }
}
