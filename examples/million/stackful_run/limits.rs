//! How many tasks a run can spawn before a limit of the machine stops it.
//!
//! The limits are read, never changed. A run stops a margin short of the tightest one
//! ([`keep_free`]): the PID space and the memory are shared with every other process, and the
//! runtime's own allocations add mappings while the tasks are spawned. Going over is not
//! clean: a coroutine stack that cannot be mapped panics, a thread that cannot be created fails
//! with `EAGAIN` (and other processes' `fork` with it).
//!
//! | system | limits |
//! | --- | --- |
//! | coroutine | `vm.max_map_count` (two mappings per stack: the stack and its guard page), memory |
//! | thread | `vm.max_map_count` (four mappings per Rust thread), the three other limits of [`ThreadLimits::headroom`], the cgroup's `pids.max`, memory, and under strict overcommit the commit limit (each stack is committed address space) |
//! | goroutine | memory |

use std::fs;

use stackless::models::{ThreadLimit, ThreadLimits};

use super::proc::{kib_field, meminfo};

/// How many tasks a run spawns, and what stopped it short of the number asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cap {
    /// Tasks to spawn.
    pub tasks: u64,
    /// The limit that stopped the run short of the tasks asked for, as a sentence.
    pub stopped_by: Option<String>,
}

impl Cap {
    /// The tasks to spawn; `Err`, saying why, when there is room for none.
    pub fn tasks(&self) -> Result<u64, String> {
        match (self.tasks, &self.stopped_by) {
            (0, Some(stopped_by)) => Err(format!("no room for a single task: {stopped_by}")),
            (tasks, _) => Ok(tasks),
        }
    }
}

/// One limit: what it is, and how many more tasks it has room for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    /// The limit and its value, e.g. `vm.max_map_count = 65530 (80 mappings in use)`.
    pub limit: String,
    /// Tasks it has room for.
    pub tasks: u64,
}

/// Mappings each thread Rust's `std::thread` starts adds to the process: its stack and guard
/// page (glibc's `allocate_stack` maps both, then `mprotect`s the guard), and the alternate
/// signal stack with its own guard page that `std` maps for every thread so that a stack
/// overflow can be reported (`stack_overflow::Handler::new` in `library/std/src/sys/pal/unix/
/// stack_overflow.rs`). glibc keeps the stacks of exited threads cached, so a new thread may
/// reuse one: four is the most a thread adds.
pub const MAPS_PER_RUST_THREAD: u64 = 4;

/// Of a limit's room for `tasks`, how many a run leaves unused: a twentieth, at least 100.
pub fn keep_free(tasks: u64) -> u64 {
    (tasks / 20).max(100)
}

/// `requested` tasks, capped at the tightest room less what [`keep_free`] keeps of it.
pub fn cap(requested: u64, rooms: &[Room]) -> Cap {
    let tightest = rooms
        .iter()
        .map(|room| (room, room.tasks.saturating_sub(keep_free(room.tasks))))
        .min_by_key(|&(_, usable)| usable);
    match tightest {
        Some((room, usable)) if usable < requested => Cap {
            tasks: usable,
            stopped_by: Some(format!(
                "stopped at {usable} of {requested}: {} leaves room for {} more, of which {} \
                 are kept free",
                room.limit,
                room.tasks,
                room.tasks - usable
            )),
        },
        _ => Cap {
            tasks: requested,
            stopped_by: None,
        },
    }
}

/// What the machine has now: its thread limits and memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Machine {
    /// `vm.max_map_count`, the PID and thread limits, `ulimit -u`.
    pub threads: ThreadLimits,
    /// `pids.max` and `pids.current` of this process's cgroup (v2), when it has a limit.
    pub cgroup_pids: Option<(u64, u64)>,
    /// `MemAvailable` of `/proc/meminfo`, bytes.
    pub available: Option<u64>,
    /// Under strict overcommit (`vm.overcommit_memory = 2`), `CommitLimit - Committed_AS`,
    /// bytes: the address space that can still be committed.
    pub commit_room: Option<u64>,
}

impl Machine {
    /// Reads the limits of this machine and process. Never fails: what cannot be read is
    /// `None` and limits nothing.
    pub fn read() -> Self {
        let meminfo = meminfo().unwrap_or_default();
        let strict = fs::read_to_string("/proc/sys/vm/overcommit_memory")
            .is_ok_and(|mode| mode.trim() == "2");
        Machine {
            threads: ThreadLimits::read(),
            cgroup_pids: cgroup_pids(),
            available: kib_field(&meminfo, "MemAvailable"),
            commit_room: strict
                .then(|| {
                    let limit = kib_field(&meminfo, "CommitLimit")?;
                    Some(limit.saturating_sub(kib_field(&meminfo, "Committed_AS")?))
                })
                .flatten(),
        }
    }

    /// The limits on coroutines whose stacks commit `committed` bytes each.
    pub fn coroutine_rooms(&self, committed: u64) -> Vec<Room> {
        let limits = &self.threads;
        let maps = limits.max_map_count.map(|max| {
            let in_use = limits.maps_in_use.unwrap_or(0);
            Room {
                limit: format!(
                    "vm.max_map_count = {max} ({in_use} mappings in use, 2 per stack: the \
                     stack and its guard page)"
                ),
                tasks: max.saturating_sub(in_use) / 2,
            }
        });
        maps.into_iter()
            .chain(self.memory_room(committed))
            .collect()
    }

    /// The limits on threads that commit `committed` bytes each (user and kernel memory) and
    /// reserve `reserved` bytes of address space.
    ///
    /// [`ThreadLimits::headroom`] counts two mappings per thread, glibc's; a Rust thread has
    /// [`MAPS_PER_RUST_THREAD`], so `vm.max_map_count` is weighed here and the other three limits
    /// by `headroom`.
    pub fn thread_rooms(&self, committed: u64, reserved: u64) -> Vec<Room> {
        let limits = &self.threads;
        let maps = limits.max_map_count.map(|max| {
            let in_use = limits.maps_in_use.unwrap_or(0);
            Room {
                limit: format!(
                    "vm.max_map_count = {max} ({in_use} mappings in use, {MAPS_PER_RUST_THREAD} \
                     per thread: its stack, its signal stack and their guard pages)"
                ),
                tasks: max.saturating_sub(in_use) / MAPS_PER_RUST_THREAD,
            }
        });
        let others = ThreadLimits {
            max_map_count: None,
            ..limits.clone()
        };
        let headroom = others.headroom().map(|headroom| {
            let (value, what) = match headroom.limit {
                ThreadLimit::ThreadsMax => (limits.threads_max, "threads in the system"),
                ThreadLimit::PidMax => (limits.pid_max, "threads in the system, each takes a PID"),
                // Only for other users than root, and `headroom` weighs no mappings.
                _ => (limits.nproc, "threads in the system, counted for this user"),
            };
            Room {
                limit: format!(
                    "{} = {} ({} {what})",
                    headroom.limit,
                    shown(value),
                    shown(limits.threads_in_system)
                ),
                tasks: headroom.threads,
            }
        });
        let cgroup = self.cgroup_pids.map(|(max, current)| Room {
            limit: format!("the cgroup's pids.max = {max} ({current} in use)"),
            tasks: max.saturating_sub(current),
        });
        let commit = self.commit_room.map(|room| Room {
            limit: format!(
                "vm.overcommit_memory = 2: {} MiB can still be committed, {} KiB per stack",
                room >> 20,
                reserved >> 10
            ),
            tasks: room / reserved.max(1),
        });
        maps.into_iter()
            .chain(headroom)
            .chain(cgroup)
            .chain(commit)
            .chain(self.memory_room(committed))
            .collect()
    }

    /// The limit on tasks that commit `committed` bytes each: half the memory available.
    pub fn memory_room(&self, committed: u64) -> Option<Room> {
        let available = self.available?;
        Some(Room {
            limit: format!(
                "memory: half of MemAvailable ({} MiB) at {committed} bytes per task",
                available >> 20
            ),
            tasks: available / 2 / committed.max(1),
        })
    }
}

fn shown(value: Option<u64>) -> String {
    value.map_or_else(|| "?".to_owned(), |value| value.to_string())
}

/// `pids.max` and `pids.current` of this process's cgroup, when it is a cgroup v2 with a limit.
fn cgroup_pids() -> Option<(u64, u64)> {
    let cgroup = fs::read_to_string("/proc/self/cgroup").ok()?;
    let directory = format!("/sys/fs/cgroup{}", cgroup_v2_path(&cgroup)?);
    let read = |file: &str| fs::read_to_string(format!("{directory}/{file}")).ok();
    let max = parse_pids_max(&read("pids.max")?)?;
    let current = read("pids.current")?.trim().parse().ok()?;
    Some((max, current))
}

/// The path of the `0::/path` line of `/proc/self/cgroup` (cgroup v2).
fn cgroup_v2_path(cgroup: &str) -> Option<&str> {
    cgroup
        .lines()
        .find_map(|line| line.strip_prefix("0::"))
        .map(str::trim)
}

/// `pids.max`: a number, or `max` for no limit (`None`).
fn parse_pids_max(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(limit: &str, tasks: u64) -> Room {
        Room {
            limit: limit.to_owned(),
            tasks,
        }
    }

    #[test]
    fn a_run_below_every_limit_is_not_capped() {
        let rooms = [room("a", 100_000), room("b", 50_000)];
        assert_eq!(
            cap(1000, &rooms),
            Cap {
                tasks: 1000,
                stopped_by: None
            }
        );
        assert_eq!(cap(7, &[]).tasks, 7);
    }

    #[test]
    fn the_tightest_limit_stops_a_run_with_a_margin() {
        let rooms = [room("memory", 1_000_000), room("vm.max_map_count", 32_000)];
        let capped = cap(1_000_000, &rooms);
        assert_eq!(capped.tasks, 32_000 - 1600);
        let reason = capped.stopped_by.unwrap();
        assert!(reason.contains("vm.max_map_count"), "{reason}");
        assert!(
            reason.contains("room for 32000 more, of which 1600 are kept free"),
            "{reason}"
        );
        // A limit with less room than its margin leaves none, without underflowing.
        let none = cap(10, &[room("pids", 50)]);
        assert_eq!(none.tasks, 0);
        let error = none.tasks().unwrap_err();
        assert!(
            error.starts_with("no room for a single task: stopped at 0 of 10: pids"),
            "{error}"
        );
        assert_eq!(keep_free(0), 100);
    }

    #[test]
    fn coroutines_take_two_mappings_each() {
        let machine = Machine {
            threads: ThreadLimits {
                max_map_count: Some(65530),
                maps_in_use: Some(130),
                ..ThreadLimits::default()
            },
            available: Some(1 << 30),
            ..Machine::default()
        };
        let rooms = machine.coroutine_rooms(4096);
        assert_eq!(rooms.len(), 2);
        assert_eq!(rooms[0].tasks, 32700);
        assert_eq!(rooms[1].tasks, (1 << 29) / 4096);
        // Nothing known, nothing limits.
        assert!(Machine::default().coroutine_rooms(4096).is_empty());
    }

    #[test]
    fn threads_meet_the_pid_space_the_cgroup_and_strict_overcommit() {
        let machine = Machine {
            threads: ThreadLimits {
                max_map_count: Some(65530),
                maps_in_use: Some(30),
                pid_max: Some(32768),
                threads_in_system: Some(768),
                real_uid: Some(0),
                ..ThreadLimits::default()
            },
            cgroup_pids: Some((10_000, 40)),
            available: None,
            commit_room: Some(1 << 30),
        };
        let rooms = machine.thread_rooms(40 << 10, 2 << 20);
        let tasks: Vec<u64> = rooms.iter().map(|room| room.tasks).collect();
        assert_eq!(tasks, [16375, 32000, 9960, 512]);
        assert!(
            rooms[1].limit.starts_with("kernel.pid_max = 32768"),
            "{rooms:?}"
        );
        assert_eq!(cap(100_000, &rooms).tasks, 412);
        // A zero-byte footprint does not divide by zero.
        assert_eq!(machine.thread_rooms(0, 0)[3].tasks, 1 << 30);
    }

    #[test]
    fn cgroup_files_are_parsed() {
        assert_eq!(
            cgroup_v2_path("0::/user.slice/session-1.scope\n"),
            Some("/user.slice/session-1.scope")
        );
        assert_eq!(cgroup_v2_path("12:pids:/docker/abc\n"), None);
        assert_eq!(parse_pids_max("4915\n"), Some(4915));
        assert_eq!(parse_pids_max("max\n"), None);
    }
}
