//! Counters that many threads bump without sharing a cache line.
//!
//! Every inspected function owns a block of counters per *shard*. A thread claims one of
//! [`EXCLUSIVE_SHARDS`] shards for its lifetime and is the only writer there, so an increment is a
//! plain load and store (no `lock`-prefixed instruction, no cache-line ping-pong). Threads beyond
//! that many, or threads already tearing down their thread-locals, share one overflow shard with
//! atomic read-modify-write. A report sums all shards; gauges (futures parked at an await) may be
//! incremented on one shard and decremented on another, so values are added with wrapping
//! arithmetic and read back as signed.

use std::cell::Cell;
use std::sync::atomic::{
    AtomicBool, AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};

/// Shards a thread can own outright.
pub(crate) const EXCLUSIVE_SHARDS: usize = 32;
/// The shared shard for everyone else.
const OVERFLOW_SHARD: u8 = EXCLUSIVE_SHARDS as u8;
const SHARDS: usize = EXCLUSIVE_SHARDS + 1;
const UNASSIGNED: u8 = u8::MAX;

/// Counters per 128-byte line (two 64-byte lines: adjacent-line prefetchers pull pairs).
pub(crate) const LANES: usize = 16;

/// One cache-line-aligned group of counters.
#[doc(hidden)]
#[repr(align(128))]
pub struct CounterLine([AtomicU64; LANES]);

impl CounterLine {
    #[doc(hidden)]
    #[allow(clippy::declare_interior_mutable_const)] // used only to initialise statics
    pub const ZERO: CounterLine = CounterLine([const { AtomicU64::new(0) }; LANES]);
}

/// Which counter of a function's block.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Counter {
    Created,
    Started,
    Completed,
    DroppedEarly,
    Panicked,
    /// Polls that returned `Pending` while parked at the given await point (`None`: unlabelled).
    Suspends(Option<u16>),
    /// Futures parked at the given await point right now (a gauge).
    Parked(Option<u16>),
}

/// Where the per-place counters start. A place is where a future can be parked: unlabelled
/// first, then await point 0, 1, ..; each has a pair, `Suspends` then `Parked`. Lane 5 is left
/// unused so that every pair starts on an even lane and never straddles two lines (this costs no
/// line: `7 + 2n` and `8 + 2n` counters always round up to the same number of lines).
const PLACES: usize = 6;

impl Counter {
    #[inline]
    const fn index(self) -> usize {
        match self {
            Counter::Created => 0,
            Counter::Started => 1,
            Counter::Completed => 2,
            Counter::DroppedEarly => 3,
            Counter::Panicked => 4,
            Counter::Suspends(None) => PLACES,
            Counter::Parked(None) => PLACES + 1,
            Counter::Suspends(Some(point)) => PLACES + 2 + 2 * point as usize,
            Counter::Parked(Some(point)) => PLACES + 2 + 2 * point as usize + 1,
        }
    }
}

/// The index of `Suspends` for a future parked at `place`, taken as the probes report it
/// (`u16::MAX` for unlabelled): `Counter::Suspends(..).index()` without the branch on `None`.
/// It is even; `Parked` is the next index.
#[inline]
const fn suspends_index(place: u16) -> usize {
    PLACES + 2 * place.wrapping_add(1) as usize
}

/// How many [`CounterLine`]s a function with `await_points` awaits needs, all shards included.
#[doc(hidden)]
pub const fn counter_lines(await_points: usize) -> usize {
    SHARDS * lines_per_shard(await_points)
}

const fn lines_per_shard(await_points: usize) -> usize {
    (PLACES + 2 * (await_points + 1)).div_ceil(LANES)
}

/// A function's counters: its `static` block of lines. Line `k * SHARDS + shard` holds lanes
/// `k * LANES..(k + 1) * LANES` of that shard's counters, so finding a cell takes the counter and
/// the shard only, not the function's number of await points.
#[derive(Clone, Copy)]
pub(crate) struct Counters {
    lines: &'static [CounterLine],
}

impl Counters {
    #[inline]
    pub(crate) fn new(lines: &'static [CounterLine], await_points: usize) -> Self {
        debug_assert_eq!(lines.len(), SHARDS * lines_per_shard(await_points));
        Counters { lines }
    }

    /// This thread's shard, looked up once for the updates that follow.
    #[inline]
    pub(crate) fn local(self) -> Local {
        let shard = CURRENT_SHARD.get();
        let shard = if shard == UNASSIGNED {
            claim_shard()
        } else {
            shard
        };
        Local {
            lines: self.lines,
            shard,
        }
    }

    #[inline]
    pub(crate) fn increment(self, counter: Counter) {
        self.local().increment(counter);
    }

    #[inline]
    pub(crate) fn decrement(self, counter: Counter) {
        self.local().decrement(counter);
    }

    /// The sum over all shards, as a signed value (gauges can be transiently negative per shard).
    pub(crate) fn read(self, counter: Counter) -> i64 {
        (0..SHARDS as u8)
            .map(|shard| {
                let local = Local {
                    lines: self.lines,
                    shard,
                };
                local.cell(counter.index()).load(Relaxed)
            })
            .fold(0u64, u64::wrapping_add) as i64
    }
}

/// One shard of a function's counters: the one this thread owns, or the shared overflow shard.
#[derive(Clone, Copy)]
pub(crate) struct Local {
    lines: &'static [CounterLine],
    shard: u8,
}

impl Local {
    #[inline]
    fn line(self, index: usize) -> &'static CounterLine {
        &self.lines[index / LANES * SHARDS + self.shard as usize]
    }

    #[inline]
    fn cell(self, index: usize) -> &'static AtomicU64 {
        &self.line(index).0[index % LANES]
    }

    /// Adds `delta` (wrapping: pass `u64::MAX` to subtract one) to a cell of this shard.
    #[inline]
    fn add_to(self, cell: &AtomicU64, delta: u64) {
        if (self.shard as usize) < EXCLUSIVE_SHARDS {
            // This thread is the shard's only writer: a plain load and store cannot lose updates.
            cell.store(cell.load(Relaxed).wrapping_add(delta), Relaxed);
        } else {
            cell.fetch_add(delta, Relaxed);
        }
    }

    #[inline]
    pub(crate) fn increment(self, counter: Counter) {
        self.add_to(self.cell(counter.index()), 1);
    }

    #[inline]
    pub(crate) fn decrement(self, counter: Counter) {
        self.add_to(self.cell(counter.index()), u64::MAX);
    }

    /// Counts a `Pending` poll that found the future parked at `place` again, `place` as the
    /// probes report it (`u16::MAX` for unlabelled): `increment(Counter::Suspends(..))`.
    #[inline]
    pub(crate) fn suspended_at(self, place: u16) {
        self.add_to(self.cell(suspends_index(place)), 1);
    }

    /// Counts a `Pending` poll that parked the future at `place`, new there: increments both
    /// `Suspends` and `Parked` of `place`, which share a line.
    #[inline]
    pub(crate) fn arrived_at(self, place: u16) {
        let index = suspends_index(place);
        let pair = &self.line(index).0[index % LANES..][..2];
        self.add_to(&pair[0], 1);
        self.add_to(&pair[1], 1);
    }

    /// Counts a future leaving `place`, as the probes report it: decrements its `Parked`.
    #[inline]
    pub(crate) fn left(self, place: u16) {
        self.add_to(self.cell(suspends_index(place) + 1), u64::MAX);
    }
}

static SHARD_TAKEN: [AtomicBool; EXCLUSIVE_SHARDS] =
    [const { AtomicBool::new(false) }; EXCLUSIVE_SHARDS];

thread_local! {
    /// The shard this thread writes to; read on every counter update, so const-initialised (no
    /// lazy-init check) and without a destructor.
    static CURRENT_SHARD: Cell<u8> = const { Cell::new(UNASSIGNED) };
    /// Gives the shard back when the thread exits.
    static SHARD_LEASE: ShardLease = const { ShardLease(Cell::new(UNASSIGNED)) };
}

struct ShardLease(Cell<u8>);

impl Drop for ShardLease {
    fn drop(&mut self) {
        let shard = self.0.get();
        if (shard as usize) < EXCLUSIVE_SHARDS {
            // Anything this thread still counts (futures dropped by later thread-local
            // destructors) goes to the shared shard from now on.
            CURRENT_SHARD.set(OVERFLOW_SHARD);
            // Release: the next owner must see every plain store this thread made.
            SHARD_TAKEN[shard as usize].store(false, Release);
        }
    }
}

#[cold]
#[inline(never)]
fn claim_shard() -> u8 {
    let claimed = (0..EXCLUSIVE_SHARDS).find(|&shard| {
        SHARD_TAKEN[shard]
            .compare_exchange(false, true, Acquire, Relaxed)
            .is_ok()
    });
    let shard = match claimed {
        Some(shard) => {
            let shard = shard as u8;
            // If thread-locals are already being destroyed the lease cannot be registered, and
            // an unreleased shard would be lost: hand it straight back.
            if SHARD_LEASE.try_with(|lease| lease.0.set(shard)).is_ok() {
                shard
            } else {
                SHARD_TAKEN[shard as usize].store(false, Release);
                OVERFLOW_SHARD
            }
        }
        None => OVERFLOW_SHARD,
    };
    CURRENT_SHARD.set(shard);
    shard
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that spawn threads claim shards; running them one at a time keeps each one's view
    /// of free shards its own.
    static THREADED: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn fresh_counters(await_points: usize) -> Counters {
        let lines: Vec<CounterLine> = (0..counter_lines(await_points))
            .map(|_| CounterLine::ZERO)
            .collect();
        Counters::new(Vec::leak(lines), await_points)
    }

    #[test]
    fn counter_indices_are_distinct_and_fit() {
        let points = 5u16;
        let mut seen = std::collections::HashSet::new();
        let fixed = [
            Counter::Created,
            Counter::Started,
            Counter::Completed,
            Counter::DroppedEarly,
            Counter::Panicked,
            Counter::Suspends(None),
            Counter::Parked(None),
        ];
        let per_point =
            (0..points).flat_map(|p| [Counter::Suspends(Some(p)), Counter::Parked(Some(p))]);
        for counter in fixed.into_iter().chain(per_point) {
            assert!(seen.insert(counter.index()), "{counter:?} collides");
            assert!(counter.index() < lines_per_shard(points as usize) * LANES);
        }
    }

    #[test]
    fn raw_place_indices_match_the_counters() {
        let label = |place: u16| (place != u16::MAX).then_some(place);
        for place in [0, 1, 2, 7, 1000, u16::MAX - 3, u16::MAX] {
            let index = suspends_index(place);
            assert_eq!(index, Counter::Suspends(label(place)).index());
            assert_eq!(index + 1, Counter::Parked(label(place)).index());
            assert_eq!(index % 2, 0, "a place's pair must not straddle two lines");
        }
    }

    #[test]
    fn the_unused_lane_costs_no_line() {
        for await_points in 0..2000usize {
            let packed = (7 + 2 * await_points).div_ceil(LANES);
            assert_eq!(
                lines_per_shard(await_points),
                packed,
                "{await_points} await points"
            );
        }
    }

    #[test]
    fn updates_from_many_threads_sum_exactly() {
        let _one_at_a_time = THREADED.lock().unwrap();
        let counters = fresh_counters(1);
        let threads = EXCLUSIVE_SHARDS + 8; // some must share the overflow shard
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(move || {
                    for _ in 0..10_000 {
                        counters.increment(Counter::Created);
                        counters.increment(Counter::Parked(Some(0)));
                    }
                    for _ in 0..10_000 {
                        counters.decrement(Counter::Parked(Some(0)));
                    }
                });
            }
        });
        assert_eq!(counters.read(Counter::Created), threads as i64 * 10_000);
        assert_eq!(counters.read(Counter::Parked(Some(0))), 0);
    }

    #[test]
    fn a_gauge_raised_on_one_thread_and_lowered_on_another_reads_zero() {
        let _one_at_a_time = THREADED.lock().unwrap();
        let counters = fresh_counters(2);
        std::thread::spawn(move || counters.increment(Counter::Parked(Some(1))))
            .join()
            .unwrap();
        assert_eq!(counters.read(Counter::Parked(Some(1))), 1);
        std::thread::spawn(move || counters.decrement(Counter::Parked(Some(1))))
            .join()
            .unwrap();
        assert_eq!(counters.read(Counter::Parked(Some(1))), 0);
    }

    #[test]
    fn exiting_threads_return_their_shard() {
        let _one_at_a_time = THREADED.lock().unwrap();
        // More sequential threads than shards: each must find a free exclusive shard again.
        for _ in 0..EXCLUSIVE_SHARDS * 3 {
            let shard = std::thread::spawn(|| {
                fresh_counters(0).increment(Counter::Created);
                CURRENT_SHARD.get()
            })
            .join()
            .unwrap();
            assert!((shard as usize) < EXCLUSIVE_SHARDS, "got shard {shard}");
        }
    }
}
