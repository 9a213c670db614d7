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
//! from the old place, arrived at the new one), and which place a future starts at or ends in
//! needs no branch: "not started" is a place too, whose arrivals are the futures created and
//! whose departures are the futures started. A poll that finds the future where it was touches
//! no counter: the wrapper tallies those polls in the future and hands them in (stayed) when it
//! leaves.
//!
//! A function's block is allocated on its first update (see [`Counters`]); until then a report
//! reads zeroes.

use std::alloc::{Layout, alloc_zeroed, dealloc, handle_alloc_error};
use std::cell::Cell;
use std::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU64, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};

use crate::this_thread;

/// Shards a thread can own outright.
pub(crate) const EXCLUSIVE_SHARDS: usize = 32;
/// The shared shard for everyone else.
const OVERFLOW_SHARD: u8 = EXCLUSIVE_SHARDS as u8;
const SHARDS: usize = EXCLUSIVE_SHARDS + 1;
/// Not yet claimed. Any value `>= EXCLUSIVE_SHARDS` sends an update down the slow path, which
/// claims a shard first.
pub(crate) const UNASSIGNED: u8 = u8::MAX;

/// Counters per 128-byte line (two 64-byte lines: adjacent-line prefetchers pull pairs).
pub(crate) const LANES: usize = 16;
/// Each shard starts on a line of its own.
const LINE: usize = LANES * size_of::<AtomicU64>();

/// Where a live future can be: not started yet, parked at an await point, or parked where no
/// probe reported (an await inside a macro the attribute cannot see into). The wrapper keeps its
/// future's place in a `u16`; probes report theirs through a thread-local.
pub(crate) type Place = u16;

pub(crate) mod place {
    use super::Place;
    use crate::instrumented::MAX_AWAIT_POINTS;

    pub(crate) const NOT_STARTED: Place = 0;
    pub(crate) const UNLABELLED: Place = 1;
    /// The place of the first await point; the others follow it.
    pub(crate) const FIRST_AWAIT_POINT: Place = 2;

    /// The place of await point `index` (the macro numbers them from 0). An index no function
    /// can have (`MAX_AWAIT_POINTS` or more) is `UNLABELLED`: only a hand-written call of the
    /// hidden `__private::enter` can pass one, and its place would be one of the wrapper's end
    /// states, or wrap round to "not started". Every mark passes a literal, so an optimised
    /// build tests nothing.
    #[inline]
    pub(crate) const fn await_point(index: u16) -> Place {
        if (index as usize) < MAX_AWAIT_POINTS {
            index + FIRST_AWAIT_POINT
        } else {
            UNLABELLED
        }
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
    /// Pending polls that left a future parked where the poll before had left it. The wrapper
    /// tallies these in the future itself and adds them here when the future leaves the place.
    Stayed(Place),
}

/// How a future's life ended: which of the three fixed counters its end adds to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ending {
    Completed,
    DroppedEarly,
    Panicked,
}

impl Ending {
    #[inline]
    pub(crate) const fn counter(self) -> Counter {
        match self {
            Ending::Completed => Counter::Completed,
            Ending::DroppedEarly => Counter::DroppedEarly,
            Ending::Panicked => Counter::Panicked,
        }
    }
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

/// Cells of one shard: the fixed counters and one triple per place (not started, unlabelled,
/// each await point), rounded up to whole lines.
const fn cells_per_shard(await_points: usize) -> usize {
    (PLACES + 3 * (await_points + 2)).div_ceil(LANES) * LANES
}

/// A function's counters: one block of cells, shard after shard, then one cell per place for
/// the largest future a future parked on there (see [`crate::probe`]).
///
/// The block is allocated on the heap by the first update, not reserved in a `static`: a
/// `static` sized by the function's await points would cost every annotated function an array
/// rustc must build and evaluate at compile time.
#[doc(hidden)]
pub struct Counters {
    /// Null until the first update; then the block, never freed (it belongs to a `static`).
    cells: AtomicPtr<AtomicU64>,
    /// 0 until the block is allocated, then `places`, stored after `cells`: a place below it
    /// has cells in a block that exists, so that a move's tests of its places also tell it
    /// that the block exists (see [`Local::owned_with`]).
    usable_places: AtomicUsize,
    /// Cells per shard, a whole number of lines.
    per_shard: usize,
    /// Where the awaitee cells start: after the last shard.
    awaitees: usize,
    /// Places the function has: not started, unlabelled, and its await points.
    places: usize,
    /// Cells in the block, the shards' and one awaitee cell per place: kept rather than added
    /// up on every update.
    len: usize,
}

impl Counters {
    // Constants, evaluated once for all functions (see the constants beside `FnMeta::new`).
    #[allow(clippy::declare_interior_mutable_const)]
    const UNALLOCATED: AtomicPtr<AtomicU64> = AtomicPtr::new(std::ptr::null_mut());
    #[allow(clippy::declare_interior_mutable_const)]
    const NO_PLACES: AtomicUsize = AtomicUsize::new(0);

    pub(crate) const fn new(await_points: usize) -> Self {
        let per_shard = cells_per_shard(await_points);
        let awaitees = SHARDS * per_shard;
        Counters {
            cells: Self::UNALLOCATED,
            usable_places: Self::NO_PLACES,
            per_shard,
            awaitees,
            places: await_points + 2,
            len: awaitees + await_points + 2,
        }
    }

    /// Whether `place` is one of the function's: its counters are in every shard.
    #[inline]
    fn has(&self, place: Place) -> bool {
        (place as usize) < self.places
    }

    /// `counter`, or the same counter at `UNLABELLED` if its place is not one of the
    /// function's. The function's own marks only write its places; another place can come
    /// from a hand-written call of the hidden `__private::enter`, in code the attribute did not
    /// mark. Such a place has no cells: where they would be lie another shard's, or nothing.
    /// Counted as unlabelled, its arrivals and departures still balance.
    fn at_known_place(&self, counter: Counter) -> Counter {
        let known = |place| {
            if self.has(place) {
                place
            } else {
                place::UNLABELLED
            }
        };
        match counter {
            Counter::Arrived(place) => Counter::Arrived(known(place)),
            Counter::Departed(place) => Counter::Departed(known(place)),
            Counter::Stayed(place) => Counter::Stayed(known(place)),
            fixed => fixed,
        }
    }

    /// The block, if an update has allocated it.
    #[inline]
    fn block(&self) -> Option<&'static [AtomicU64]> {
        // Acquire: the allocation's zeroes happen before this thread's first atomic access.
        let cells = self.cells.load(Acquire);
        if cells.is_null() {
            return None;
        }
        // SAFETY: a non-null `cells` was published by `allocate` below: `len` zeroed
        // `AtomicU64`s, leaked, so valid for `'static` and only ever accessed atomically.
        Some(unsafe { std::slice::from_raw_parts(cells, self.len) })
    }

    /// The block, allocating it first if no update has yet.
    #[cold]
    fn allocate(&self) -> &'static [AtomicU64] {
        if let Some(block) = self.block() {
            return block;
        }
        let layout = Layout::from_size_align(self.len * size_of::<AtomicU64>(), LINE)
            .expect("a counter block of a function with at most u16::MAX await points");
        // SAFETY: `layout` has a non-zero size (every shard has at least one line).
        let fresh = unsafe { alloc_zeroed(layout) }.cast::<AtomicU64>();
        if fresh.is_null() {
            handle_alloc_error(layout);
        }
        // AcqRel: publish the zeroes (Release), or see the winner's (Acquire).
        if let Err(winner) =
            self.cells
                .compare_exchange(std::ptr::null_mut(), fresh, AcqRel, Acquire)
        {
            // SAFETY: `fresh` was allocated above with `layout` and never shared.
            unsafe { dealloc(fresh.cast(), layout) };
            debug_assert!(!winner.is_null());
        }
        // Release, once this thread has seen the block published: a thread that reads the
        // places with Acquire then finds `cells` set (`Local::owned_with`).
        self.usable_places.store(self.places, Release);
        self.block().expect("published above")
    }

    /// This thread's shard, looked up once for the updates that follow.
    #[inline]
    pub(crate) fn local(&'static self) -> Local {
        self.local_of(this_thread::shard())
    }

    /// [`Counters::local`], for a caller that has read this thread's shard already
    /// ([`this_thread::shard`]).
    #[inline]
    pub(crate) fn local_of(&'static self, shard: u8) -> Local {
        Local {
            counters: self,
            shard,
        }
    }

    /// The sum over all shards.
    pub(crate) fn read(&'static self, counter: Counter) -> u64 {
        let Some(cells) = self.block() else { return 0 };
        (0..SHARDS)
            .map(|shard| {
                Shard::new(cells, shard, self.per_shard)
                    .cell(counter)
                    .load(Relaxed)
            })
            .fold(0, u64::wrapping_add)
    }

    /// The largest awaited future (packed by `pack_layout`) a future parked on at `place`; 0
    /// when none has.
    pub(crate) fn awaitee(&'static self, place: Place) -> u64 {
        self.block()
            .and_then(|cells| cells.get(self.awaitees + place as usize))
            .map_or(0, |cell| cell.load(Relaxed))
    }

    /// Remembers `awaitee` for `place` if it is larger than what is known (generic code may
    /// await several types at one await point).
    #[inline]
    fn record_awaitee(&self, cells: &'static [AtomicU64], place: Place, awaitee: u64) {
        if let Some(cell) = cells.get(self.awaitees + place as usize) {
            keep_larger(cell, awaitee);
        }
    }
}

/// Raises an awaitee cell to `awaitee`: a load and a test, and the atomic maximum behind a cold
/// call only when the cell grows, which is once per await point and type awaited.
#[inline]
fn keep_larger(cell: &AtomicU64, awaitee: u64) {
    if cell.load(Relaxed) < awaitee {
        record_larger(cell, awaitee);
    }
}

#[cold]
#[inline(never)]
fn record_larger(cell: &AtomicU64, awaitee: u64) {
    cell.fetch_max(awaitee, Relaxed);
}

/// A function's counters as this thread writes them.
#[derive(Clone, Copy)]
pub(crate) struct Local {
    counters: &'static Counters,
    shard: u8,
}

impl Local {
    /// This thread's own cells, if it owns a shard and the block exists. Every update below
    /// makes these two tests and then plain stores, or (cold) takes the shared path: allocating
    /// the block, claiming a shard, or atomic adds on the overflow shard.
    #[inline]
    fn owned(self) -> Option<Shard> {
        let shard = self.shard as usize;
        if shard >= EXCLUSIVE_SHARDS {
            return None;
        }
        let cells = self.counters.block()?;
        Some(Shard::new(cells, shard, self.counters.per_shard))
    }

    /// This thread's own cells, if it owns a shard and `from` and `to` are places with cells
    /// in a block that exists: three tests, where [`Local::owned`] and a test per place make
    /// four. The block's pointer is not tested, as it is set before the places are: a move
    /// runs two instructions fewer (callgrind, `stackless-overhead`'s `alternating_awaits`).
    #[inline]
    fn owned_with(self, from: Place, to: Place) -> Option<Shard> {
        let counters = self.counters;
        let shard = self.shard as usize;
        // Acquire: the block was published before the places (`Counters::allocate`).
        let usable = counters.usable_places.load(Acquire);
        if shard >= EXCLUSIVE_SHARDS || from as usize >= usable || to as usize >= usable {
            return None;
        }
        let cells = counters.cells.load(Relaxed);
        // SAFETY: places are usable once the block is published (see above): `len` zeroed
        // `AtomicU64`s, leaked, so valid for `'static` and only ever accessed atomically.
        // Told so, the optimiser drops the null test `Option<Shard>`'s niche would make.
        unsafe {
            std::hint::assert_unchecked(!cells.is_null());
            let cells = std::slice::from_raw_parts(cells, counters.len);
            Some(Shard::new(cells, shard, counters.per_shard))
        }
    }

    /// [`Local::count`] if this thread owns its shard and the block exists, without a call:
    /// `false` if not, and nothing is counted.
    #[inline]
    pub(crate) fn count_owned(self, counter: Counter) -> bool {
        match self.owned() {
            Some(shard) => {
                bump(shard, counter, 1);
                true
            }
            None => false,
        }
    }

    #[inline]
    pub(crate) fn count(self, counter: Counter) {
        if !self.count_owned(counter) {
            increment_shared(self.counters, [(counter, 1)], None);
        }
    }

    /// A pending poll moved the future from one place to another, after `stays` more pending
    /// polls at the first; the future it parked on there is `awaitee` (0 if unknown).
    ///
    /// Always inlined: its one caller is the wrapper's out-of-line move path, and left to
    /// itself the optimiser made it a second call.
    #[inline(always)]
    pub(crate) fn moved(self, from: Place, stays: u16, to: Place, awaitee: u64) {
        let counters = self.counters;
        match self.owned_with(from, to) {
            Some(shard) => {
                // SAFETY: both are the function's places, tested by `owned_with`.
                unsafe { leave(shard, from, stays, Counter::Arrived(to)) };
                // SAFETY: as above.
                keep_larger(
                    unsafe { shard.cells.get_unchecked(counters.awaitees + to as usize) },
                    awaitee,
                );
            }
            _ => leave_shared(counters, from, stays, Counter::Arrived(to), awaitee),
        }
    }

    /// The future left `from` for good, after `stays` more pending polls there: it completed,
    /// panicked or was dropped.
    ///
    /// `ending` is an [`Ending`], not any [`Counter`], so that its cell is an offset rather than
    /// a jump table's choice.
    #[inline]
    pub(crate) fn ended(self, from: Place, stays: u16, ending: Ending) {
        match self.owned_with(from, from) {
            // SAFETY: `from` is one of the function's places (`owned_with`), and an ending
            // has none.
            Some(shard) => unsafe { leave(shard, from, stays, ending.counter()) },
            _ => leave_shared(self.counters, from, stays, ending.counter(), 0),
        }
    }

    /// Pending polls the wrapper tallied while its future stayed at `at`. Rare (once per
    /// `u16::MAX + 1` polls at one place), so it takes the slow path.
    pub(crate) fn stayed(self, at: Place, stays: u64) {
        increment_shared(self.counters, [(Counter::Stayed(at), stays)], None);
    }
}

/// Departs from `from`, hands in its tally of stays, and counts where the future went.
///
/// Without bounds checks: the callers test each place once instead, and a move costs seven
/// instructions fewer than with a check per cell (callgrind, `stackless-overhead`'s
/// `alternating_awaits`).
///
/// # Safety
///
/// `from`, and `then`'s place if it has one, are places of the function
/// ([`Counters::has`]): the shard holds all their counters (`cells_per_shard`).
#[inline]
unsafe fn leave(shard: Shard, from: Place, stays: u16, then: Counter) {
    // SAFETY: the caller's.
    unsafe {
        shard.bump_unchecked(Counter::Departed(from), 1);
        shard.bump_unchecked(then, 1);
        // Added even when 0, which most futures leaving an await point after one pending poll
        // hand in: one instruction, where testing for it took two and a branch.
        shard.bump_unchecked(Counter::Stayed(from), stays.into());
    }
}

/// [`Local::moved`] and [`Local::ended`] on the slow path: out of line and handed scalars, so
/// that their fast paths neither build the updates in memory nor save registers for them.
/// `awaitee` is that of the place `then` arrives at, if it is an arrival.
#[cold]
#[inline(never)]
fn leave_shared(counters: &'static Counters, from: Place, stays: u16, then: Counter, awaitee: u64) {
    let arrival = match then {
        Counter::Arrived(to) => Some((to, awaitee)),
        _ => None,
    };
    increment_shared(
        counters,
        [
            (Counter::Departed(from), 1),
            (then, 1),
            (Counter::Stayed(from), stays.into()),
        ],
        arrival,
    );
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
    fn new(cells: &'static [AtomicU64], shard: usize, per_shard: usize) -> Self {
        Shard {
            cells,
            start: shard * per_shard,
        }
    }

    #[inline]
    fn cell(self, counter: Counter) -> &'static AtomicU64 {
        &self.cells[self.start + counter.index()]
    }

    /// [`bump`], without the bounds check.
    ///
    /// # Safety
    ///
    /// `counter`'s place, if it has one, is one of the function's: below `Counters::places`.
    #[inline]
    unsafe fn bump_unchecked(self, counter: Counter, amount: u64) {
        // SAFETY: the shard holds a triple of counters for each of the function's places
        // (`cells_per_shard`), and is within the block (`Counters::new`).
        let cell = unsafe { self.cells.get_unchecked(self.start + counter.index()) };
        cell.store(cell.load(Relaxed).wrapping_add(amount), Relaxed);
    }
}

/// Adds to a cell of a shard this thread owns: it is the only writer, so a plain load and
/// store cannot lose updates.
#[inline]
fn bump(shard: Shard, counter: Counter, amount: u64) {
    let cell = shard.cell(counter);
    cell.store(cell.load(Relaxed).wrapping_add(amount), Relaxed);
}

/// The slow path of [`Local`]'s updates: the thread has no shard yet (claim one), or shares the
/// overflow shard (atomic adds).
#[cold]
#[inline(never)]
fn increment_shared<const N: usize>(
    counters: &'static Counters,
    updates: [(Counter, u64); N],
    awaitee: Option<(Place, u64)>,
) {
    let shard = match this_thread::shard() {
        UNASSIGNED => claim_shard(),
        shard => shard,
    };
    let block = counters.allocate();
    if let Some((place, awaitee)) = awaitee {
        counters.record_awaitee(block, place, awaitee);
    }
    let cells = Shard::new(block, shard as usize, counters.per_shard);
    for (counter, amount) in updates {
        let counter = counters.at_known_place(counter);
        if (shard as usize) < EXCLUSIVE_SHARDS {
            bump(cells, counter, amount);
        } else {
            cells.cell(counter).fetch_add(amount, Relaxed);
        }
    }
}

static SHARD_TAKEN: [AtomicBool; EXCLUSIVE_SHARDS] =
    [const { AtomicBool::new(false) }; EXCLUSIVE_SHARDS];

thread_local! {
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
            this_thread::set_shard(OVERFLOW_SHARD);
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
    this_thread::set_shard(shard);
    shard
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that spawn threads claim shards; running them one at a time keeps each one's view
    /// of free shards its own.
    static THREADED: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn fresh_counters(await_points: usize) -> &'static Counters {
        Box::leak(Box::new(Counters::new(await_points)))
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
                assert!(counter.index() < cells_per_shard(await_points as usize));
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
    fn an_await_point_no_function_can_have_is_unlabelled() {
        let last = crate::instrumented::MAX_AWAIT_POINTS as u16 - 1;
        // The last await point's place is the last below the wrapper's two end states.
        assert_eq!(place::await_point(last), u16::MAX - 2);
        for index in [last + 1, last + 2, u16::MAX - 1, u16::MAX] {
            assert_eq!(place::await_point(index), place::UNLABELLED, "{index}");
        }
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
                        counters.local().moved(place::NOT_STARTED, 0, first, 0x105);
                        counters.local().moved(first, 2, second, 0);
                        counters.local().ended(second, 1, Ending::Completed);
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
        assert_eq!(counters.read(Counter::Stayed(first)), 2 * total);
        assert_eq!(counters.read(Counter::Stayed(second)), total);
        assert_eq!(counters.read(Counter::Stayed(place::NOT_STARTED)), 0);
        assert_eq!(counters.awaitee(first), 0x105);
        assert_eq!(counters.awaitee(second), 0);
    }

    /// The owned path writes without bounds checks once each place is tested: a place the
    /// function does not have takes the slow path, which counts it as unlabelled, and writes
    /// nothing where that place's cells would be.
    #[test]
    fn a_place_the_function_does_not_have_is_counted_as_unlabelled() {
        let _one_at_a_time = THREADED.lock().unwrap();
        let counters = fresh_counters(1);
        counters.local().count(Counter::CREATED);
        assert!(
            (this_thread::shard() as usize) < EXCLUSIVE_SHARDS,
            "the test needs a shard of its own"
        );
        let point = place::await_point(0);
        // With one await point a shard is one line of 16 cells and the places are 0 to 2. Place
        // 4's cells would straddle this shard's spare lane and the next shard, place 6's lie in
        // the next shard, and place 1000's past the block.
        for foreign in [4, 6, 1000] {
            counters.local().moved(point, 1, foreign, 0x105);
            counters.local().moved(foreign, 2, point, 0);
            counters.local().ended(foreign, 3, Ending::Completed);
            counters.local().stayed(foreign, 4);
        }
        let unlabelled = place::UNLABELLED;
        let expected = [
            (Counter::CREATED, 1),
            (Counter::Arrived(point), 3),
            (Counter::Departed(point), 3),
            (Counter::Stayed(point), 3),
            (Counter::Arrived(unlabelled), 3),
            (Counter::Departed(unlabelled), 6),
            (Counter::Stayed(unlabelled), 3 * (2 + 3 + 4)),
            (Counter::Completed, 3),
        ];
        for (counter, count) in expected {
            assert_eq!(counters.read(counter), count, "{counter:?}");
        }
        // Nothing anywhere else in the block: not in another shard, nor an awaitee cell.
        let everything: u64 = counters
            .block()
            .unwrap()
            .iter()
            .map(|cell| cell.load(Relaxed))
            .sum();
        assert_eq!(
            everything,
            expected.iter().map(|(_, count)| count).sum::<u64>()
        );
    }

    #[test]
    fn a_place_keeps_the_largest_awaitee_and_nothing_before_the_first_update() {
        let _one_at_a_time = THREADED.lock().unwrap();
        let counters = fresh_counters(2);
        let point = place::await_point(1);
        assert_eq!(counters.awaitee(point), 0);
        assert_eq!(counters.read(Counter::CREATED), 0);
        for awaitee in [0x201, 0x901, 0x401] {
            counters
                .local()
                .moved(place::NOT_STARTED, 0, point, awaitee);
        }
        assert_eq!(counters.awaitee(point), 0x901);
        // Its own cell: no counter moved, and the other await point knows nothing.
        assert_eq!(counters.awaitee(place::await_point(0)), 0);
        assert_eq!(counters.read(Counter::Arrived(point)), 3);
        assert_eq!(counters.read(Counter::Stayed(point)), 0);
    }

    /// The owned path tests no pointer: it must find no usable place before the block exists,
    /// so that the first update takes the shared path, which allocates it, and every place of
    /// the function after that.
    #[test]
    fn places_are_usable_once_the_block_exists_and_only_the_functions() {
        let _one_at_a_time = THREADED.lock().unwrap();
        // Another function's update claims this thread a shard, if it has none yet.
        fresh_counters(0).local().count(Counter::CREATED);
        assert!(
            (this_thread::shard() as usize) < EXCLUSIVE_SHARDS,
            "the test needs a shard of its own"
        );
        let counters = fresh_counters(1);
        let (start, point) = (place::NOT_STARTED, place::await_point(0));
        assert!(counters.local().owned_with(start, start).is_none());
        counters.local().moved(start, 0, point, 0);
        assert!(counters.local().owned_with(start, point).is_some());
        assert!(
            counters
                .local()
                .owned_with(point, place::UNLABELLED)
                .is_some()
        );
        for foreign in [point + 1, u16::MAX] {
            assert!(counters.local().owned_with(start, foreign).is_none());
            assert!(counters.local().owned_with(foreign, point).is_none());
        }
        assert_eq!(counters.read(Counter::Arrived(point)), 1);
    }

    #[test]
    fn arriving_on_one_thread_and_departing_on_another_balances() {
        let _one_at_a_time = THREADED.lock().unwrap();
        let counters = fresh_counters(2);
        let point = place::await_point(1);
        std::thread::spawn(move || counters.local().moved(place::NOT_STARTED, 0, point, 0))
            .join()
            .unwrap();
        assert_eq!(counters.read(Counter::Arrived(point)), 1);
        assert_eq!(counters.read(Counter::Departed(point)), 0);
        std::thread::spawn(move || counters.local().ended(point, 0, Ending::DroppedEarly))
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
                this_thread::shard()
            })
            .join()
            .unwrap();
            assert!((shard as usize) < EXCLUSIVE_SHARDS, "got shard {shard}");
        }
    }
}
