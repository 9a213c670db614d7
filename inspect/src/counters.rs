//! Counters that many threads bump without sharing a cache line.
//!
//! Every inspected function owns a block of counters per *shard*. A thread claims one of
//! [`EXCLUSIVE_SHARDS`] shards for its lifetime and is the only writer there, so an increment is a
//! plain load and store (no `lock`-prefixed instruction, no cache-line ping-pong). Threads beyond
//! that many, or threads already tearing down their thread-locals, share one overflow shard with
//! atomic read-modify-write. A report sums all shards.
//!
//! Every counter only ever goes up. Where a future is parked is not a gauge raised and lowered,
//! but the difference of two counts: how often futures *arrived* at a [`Place`] and how often they
//! *departed* from it. A poll that parks a future somewhere new is then two increments (departed
//! from the old place, arrived at the new one), a poll that finds it where it was is one (stayed),
//! and which place a future starts at or ends in needs no branch: "not started" is a place too,
//! whose arrivals are the futures created and whose departures are the futures started.

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
/// Not yet claimed. Any value `>= EXCLUSIVE_SHARDS` sends an update down the slow path, which
/// claims a shard first.
const UNASSIGNED: u8 = u8::MAX;

/// Counters per 128-byte line (two 64-byte lines: adjacent-line prefetchers pull pairs).
pub(crate) const LANES: usize = 16;

/// One cache-line-aligned group of counters.
#[doc(hidden)]
#[repr(C, align(128))]
pub struct CounterLine([AtomicU64; LANES]);

const _: () = assert!(size_of::<CounterLine>() == LANES * size_of::<AtomicU64>());

impl CounterLine {
    #[doc(hidden)]
    #[allow(clippy::declare_interior_mutable_const)] // used only to initialise statics
    pub const ZERO: CounterLine = CounterLine([const { AtomicU64::new(0) }; LANES]);
}

/// Where a live future can be: not started yet, parked at an await point, or parked where no
/// probe reported (an await inside a macro the attribute cannot see into). The wrapper keeps its
/// future's place in a `u16`; probes report theirs through a thread-local.
pub(crate) type Place = u16;

pub(crate) mod place {
    use super::Place;

    pub(crate) const NOT_STARTED: Place = 0;
    pub(crate) const UNLABELLED: Place = 1;

    /// The place of await point `index` (the macro numbers them from 0).
    #[inline]
    pub(crate) const fn await_point(index: u16) -> Place {
        index + 2
    }
}

/// Which counter of a function's block.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Counter {
    Completed,
    DroppedEarly,
    Panicked,
    /// Futures that came to this place: created (not started), or parked by a pending poll.
    Arrived(Place),
    /// Futures that left this place: started (not started), polled on, finished or dropped.
    Departed(Place),
    /// Pending polls that left a future parked where the poll before had left it.
    Stayed(Place),
}

/// The lane of the first place's counters; each place has three, `Arrived, Departed, Stayed`.
const PLACES: usize = 3;

impl Counter {
    #[inline]
    const fn index(self) -> usize {
        match self {
            Counter::Completed => 0,
            Counter::DroppedEarly => 1,
            Counter::Panicked => 2,
            Counter::Arrived(place) => PLACES + 3 * place as usize,
            Counter::Departed(place) => PLACES + 3 * place as usize + 1,
            Counter::Stayed(place) => PLACES + 3 * place as usize + 2,
        }
    }

    /// Alias: a created future arrives at `NOT_STARTED`.
    pub(crate) const CREATED: Counter = Counter::Arrived(place::NOT_STARTED);
    /// Alias: a started future departs from `NOT_STARTED`.
    pub(crate) const STARTED: Counter = Counter::Departed(place::NOT_STARTED);
}

/// How many [`CounterLine`]s a function with `await_points` awaits needs, all shards included.
#[doc(hidden)]
pub const fn counter_lines(await_points: usize) -> usize {
    SHARDS * lines_per_shard(await_points)
}

/// Lines of one shard: the fixed counters and one triple per place (not started, unlabelled,
/// each await point). Each shard starts on a line of its own.
const fn lines_per_shard(await_points: usize) -> usize {
    (PLACES + 3 * (await_points + 2)).div_ceil(LANES)
}

/// A function's counters: its `static` block of lines, seen as one flat run of cells, shard
/// after shard.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Counters {
    cells: &'static [AtomicU64],
    /// Cells per shard, a whole number of lines.
    per_shard: usize,
}

impl Counters {
    #[doc(hidden)]
    pub const fn new(lines: &'static [CounterLine], await_points: usize) -> Self {
        assert!(lines.len() == counter_lines(await_points));
        // SAFETY: `CounterLine` is `repr(C)` around one `[AtomicU64; LANES]` and exactly that
        // size (asserted above), so `lines` is `lines.len() * LANES` consecutive, initialised
        // `AtomicU64`s, borrowed for `'static` like `lines` itself.
        let cells = unsafe {
            std::slice::from_raw_parts(lines.as_ptr().cast::<AtomicU64>(), lines.len() * LANES)
        };
        Counters {
            cells,
            per_shard: lines_per_shard(await_points) * LANES,
        }
    }

    /// This thread's shard, looked up once for the updates that follow.
    #[inline]
    pub(crate) fn local(&'static self) -> Local {
        Local {
            counters: self,
            shard: CURRENT_SHARD.get(),
        }
    }

    /// The sum over all shards.
    pub(crate) fn read(&'static self, counter: Counter) -> u64 {
        (0..SHARDS)
            .map(|shard| self.shard(shard).cell(counter).load(Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

/// A function's counters as this thread writes them.
#[derive(Clone, Copy)]
pub(crate) struct Local {
    /// A reference, not a copy: the cold path then takes one pointer, not three words spilled
    /// to the stack on the hot path.
    counters: &'static Counters,
    shard: u8,
}

impl Local {
    /// This thread's own cells, if it owns a shard. Every update below makes this one test and
    /// then plain stores, or (cold) takes the shared path: claiming a shard, or atomic adds on
    /// the overflow shard.
    #[inline]
    fn owned(self) -> Option<Shard> {
        let shard = self.shard as usize;
        (shard < EXCLUSIVE_SHARDS).then(|| self.counters.shard(shard))
    }

    #[inline]
    pub(crate) fn count(self, counter: Counter) {
        match self.owned() {
            Some(shard) => bump(shard, counter),
            None => increment_shared(self.counters, [counter]),
        }
    }

    /// A pending poll left the future where the last one had.
    #[inline]
    pub(crate) fn stayed(self, at: Place) {
        self.count(Counter::Stayed(at));
    }

    /// A pending poll moved the future from one place to another.
    #[inline]
    pub(crate) fn moved(self, from: Place, to: Place) {
        self.both(Counter::Departed(from), Counter::Arrived(to));
    }

    /// The future left `from` for good: it completed, panicked or was dropped.
    #[inline]
    pub(crate) fn ended(self, from: Place, ending: Counter) {
        self.both(Counter::Departed(from), ending);
    }

    #[inline]
    fn both(self, first: Counter, second: Counter) {
        match self.owned() {
            Some(shard) => {
                bump(shard, first);
                bump(shard, second);
            }
            None => increment_shared(self.counters, [first, second]),
        }
    }
}

/// One shard's counters of a function.
#[derive(Clone, Copy)]
struct Shard {
    cells: &'static [AtomicU64],
    /// Where the shard starts in `cells`. Indexing from here, not slicing, checks bounds once per
    /// update, against the whole block (every counter index fits in a shard by construction).
    start: usize,
}

impl Shard {
    #[inline]
    fn cell(self, counter: Counter) -> &'static AtomicU64 {
        &self.cells[self.start + counter.index()]
    }
}

impl Counters {
    #[inline]
    fn shard(&'static self, shard: usize) -> Shard {
        Shard {
            cells: self.cells,
            start: shard * self.per_shard,
        }
    }
}

/// Adds one to a cell of a shard this thread owns: it is the only writer, so a plain load and
/// store cannot lose updates.
#[inline]
fn bump(shard: Shard, counter: Counter) {
    let cell = shard.cell(counter);
    cell.store(cell.load(Relaxed).wrapping_add(1), Relaxed);
}

/// The slow path of [`Local`]'s updates: the thread has no shard yet (claim one), or shares the
/// overflow shard (atomic adds).
#[cold]
#[inline(never)]
fn increment_shared<const N: usize>(counters: &'static Counters, which: [Counter; N]) {
    let shard = match CURRENT_SHARD.get() {
        UNASSIGNED => claim_shard(),
        shard => shard,
    };
    let cells = counters.shard(shard as usize);
    for counter in which {
        if (shard as usize) < EXCLUSIVE_SHARDS {
            bump(cells, counter);
        } else {
            cells.cell(counter).fetch_add(1, Relaxed);
        }
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

    fn fresh_counters(await_points: usize) -> &'static Counters {
        let lines: Vec<CounterLine> = (0..counter_lines(await_points))
            .map(|_| CounterLine::ZERO)
            .collect();
        Box::leak(Box::new(Counters::new(Vec::leak(lines), await_points)))
    }

    fn every_counter(await_points: u16) -> Vec<Counter> {
        let places = (0..await_points + 2).flat_map(|place| {
            [
                Counter::Arrived(place),
                Counter::Departed(place),
                Counter::Stayed(place),
            ]
        });
        [Counter::Completed, Counter::DroppedEarly, Counter::Panicked]
            .into_iter()
            .chain(places)
            .collect()
    }

    #[test]
    fn counter_indices_are_distinct_and_fit_in_a_shard() {
        for await_points in [0u16, 1, 5, 40] {
            let mut seen = std::collections::HashSet::new();
            for counter in every_counter(await_points) {
                assert!(seen.insert(counter.index()), "{counter:?} collides");
                assert!(counter.index() < lines_per_shard(await_points as usize) * LANES);
            }
        }
    }

    #[test]
    fn await_points_have_places_of_their_own() {
        let fixed = [place::NOT_STARTED, place::UNLABELLED];
        for index in [0, 1, 7, 1000] {
            assert!(!fixed.contains(&place::await_point(index)));
        }
        assert_eq!(place::await_point(1), place::await_point(0) + 1);
    }

    #[test]
    fn each_counter_reads_back_what_was_counted_and_nothing_else() {
        let _one_at_a_time = THREADED.lock().unwrap();
        let counters = fresh_counters(3);
        let all = every_counter(3);
        for (times, &counter) in all.iter().enumerate() {
            for _ in 0..times {
                counters.local().count(counter);
            }
        }
        for (times, &counter) in all.iter().enumerate() {
            assert_eq!(counters.read(counter), times as u64, "{counter:?}");
        }
    }

    #[test]
    fn updates_from_many_threads_sum_exactly() {
        let _one_at_a_time = THREADED.lock().unwrap();
        let counters = fresh_counters(1);
        let threads = EXCLUSIVE_SHARDS + 8; // some must share the overflow shard
        // Under Miri every step is interpreted: fewer rounds, the same interleavings.
        let rounds = if cfg!(miri) { 20 } else { 10_000 };
        let (first, second) = (place::await_point(0), place::UNLABELLED);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(move || {
                    for _ in 0..rounds {
                        counters.local().count(Counter::CREATED);
                        counters.local().moved(place::NOT_STARTED, first);
                        counters.local().stayed(first);
                        counters.local().moved(first, second);
                        counters.local().ended(second, Counter::Completed);
                    }
                });
            }
        });
        let total = threads as u64 * rounds;
        assert_eq!(counters.read(Counter::CREATED), total);
        assert_eq!(counters.read(Counter::STARTED), total);
        assert_eq!(counters.read(Counter::Completed), total);
        for place in [first, second] {
            assert_eq!(counters.read(Counter::Arrived(place)), total);
            assert_eq!(counters.read(Counter::Departed(place)), total);
        }
        assert_eq!(counters.read(Counter::Stayed(first)), total);
        assert_eq!(counters.read(Counter::Stayed(second)), 0);
    }

    #[test]
    fn arriving_on_one_thread_and_departing_on_another_balances() {
        let _one_at_a_time = THREADED.lock().unwrap();
        let counters = fresh_counters(2);
        let point = place::await_point(1);
        std::thread::spawn(move || counters.local().moved(place::NOT_STARTED, point))
            .join()
            .unwrap();
        assert_eq!(counters.read(Counter::Arrived(point)), 1);
        assert_eq!(counters.read(Counter::Departed(point)), 0);
        std::thread::spawn(move || counters.local().ended(point, Counter::DroppedEarly))
            .join()
            .unwrap();
        assert_eq!(counters.read(Counter::Departed(point)), 1);
        assert_eq!(counters.read(Counter::DroppedEarly), 1);
    }

    #[test]
    fn exiting_threads_return_their_shard() {
        let _one_at_a_time = THREADED.lock().unwrap();
        // More sequential threads than shards: each must find a free exclusive shard again.
        for _ in 0..EXCLUSIVE_SHARDS * 3 {
            let shard = std::thread::spawn(|| {
                fresh_counters(0).local().count(Counter::CREATED);
                CURRENT_SHARD.get()
            })
            .join()
            .unwrap();
            assert!((shard as usize) < EXCLUSIVE_SHARDS, "got shard {shard}");
        }
    }
}
