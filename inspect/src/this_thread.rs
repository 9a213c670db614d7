//! What each thread keeps for the wrapper: the mark of the poll in progress (see
//! [`crate::probe`]) and the shard of counters the thread writes to (see [`crate::counters`]),
//! in one thread-local, and the future it created last (see [`crate::layout`]) in another.
//!
//! Every access to a thread-local compiles as a call: a library is built to be linked
//! anywhere, so its thread-locals use the general-dynamic model, whose `__tls_get_addr` call
//! the linker later turns into a `mov %fs:0`. The compiler still treats the access as a call,
//! and saves the registers a call clobbers around it. So the shard sits beside the mark: a poll
//! computes their address once, for the mark, and hands the shard to the out-of-line move path,
//! which then touches no thread-local and saves no register. Measured with callgrind on
//! `stackless-overhead`'s `alternating_awaits`, where every poll moves the future: 47
//! instructions per move with a thread-local of its own for the shard, 40 with this (and 33
//! with the counters' bounds checks folded into one test per place).
//!
//! The last created future is apart: beside the mark, it made the optimiser lose track of the
//! mark's stores, and the poll read its mark back from memory (`one_await` by hand: 0.3 ns a
//! poll more, in three interleaved runs of each build).
//!
//! Each is read and written through a plain function here, not `with` and a closure at the call
//! site: the marks are generic over the awaited future, and an unoptimised build generates a
//! closure per instantiation.

use std::cell::Cell;

use crate::counters::UNASSIGNED;
use crate::meta::FnMeta;
use crate::probe::{NOTHING, Report};

struct ThisThread {
    /// The last mark of the poll in progress: the wrapper sets it to where its future is before
    /// each poll, and the marks overwrite it.
    mark: Cell<Report>,
    /// The shard this thread writes to; `UNASSIGNED` until it claims one.
    shard: Cell<u8>,
}

thread_local! {
    // Const-initialised and without a destructor: no lazy-initialisation test on any access.
    static THIS_THREAD: ThisThread = const {
        ThisThread {
            mark: Cell::new(NOTHING),
            shard: Cell::new(UNASSIGNED),
        }
    };
    /// The function and packed layout of the future most recently created on this thread, for
    /// [`crate::layout`]: packed ([`FutureSize::pack`](crate::meta::FutureSize::pack)), so that
    /// creating a future stores two words here, not four.
    static LAST_CREATED: Cell<Option<(&'static FnMeta, u64)>> = const { Cell::new(None) };
}

/// Writes the mark, and returns the one it replaces.
#[inline]
pub(crate) fn replace_mark(mark: Report) -> Report {
    THIS_THREAD.with(|thread| thread.mark.replace(mark))
}

#[inline]
pub(crate) fn set_mark(mark: Report) {
    THIS_THREAD.with(|thread| thread.mark.set(mark));
}

#[inline]
pub(crate) fn shard() -> u8 {
    THIS_THREAD.with(|thread| thread.shard.get())
}

pub(crate) fn set_shard(shard: u8) {
    THIS_THREAD.with(|thread| thread.shard.set(shard));
}

#[inline]
pub(crate) fn set_last_created(meta: &'static FnMeta, layout: u64) {
    LAST_CREATED.set(Some((meta, layout)));
}

/// The future created last, forgotten as it is read.
pub(crate) fn take_last_created() -> Option<(&'static FnMeta, u64)> {
    LAST_CREATED.take()
}
