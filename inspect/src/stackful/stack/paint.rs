//! Stack painting: fill a fresh stack with a known byte, let the coroutine run, then find the
//! lowest byte that changed. Everything below it was never touched, so `base - that address` is
//! the most stack the run needed at any one time (its high-water mark).
//!
//! The figure is exact to the byte, with one blind spot: a write that happens to store the
//! pattern byte itself at the very bottom goes unseen, so the mark can read a few bytes low.

use corosensei::stack::{DefaultStack, MIN_STACK_SIZE, Stack};

/// What an untouched byte holds: not 0 (zeroed buffers, null pointers) nor 0xff.
const PATTERN: u8 = 0xa5;
const PATTERN_WORD: u64 = u64::from_ne_bytes([PATTERN; 8]);

/// The writable part of a stack, painted: from just above the guard page up to the base.
#[derive(Clone, Copy, Debug)]
pub(super) struct Painted {
    low: usize,
    base: usize,
}

/// Maps a stack of at least `size` usable bytes and paints all of it.
///
/// Must happen before the coroutine is created: corosensei stores the coroutine's closure (and
/// with it the future) at the top of the stack as it builds the coroutine.
pub(super) fn painted_stack(size: usize) -> (DefaultStack, Painted) {
    let stack = DefaultStack::new(size)
        .unwrap_or_else(|error| panic!("failed to map a coroutine stack of {size} bytes: {error}"));
    let (base, limit) = (stack.base().get(), stack.limit().get());
    let painted = Painted {
        low: limit + guard_size(base - limit, size),
        base,
    };
    let start = std::ptr::with_exposed_provenance_mut::<u8>(painted.low);
    // SAFETY: `DefaultStack::new` mapped `limit..base` and made all of it but the guard page
    // (`limit..low`) readable and writable; `stack` owns that mapping and nothing else refers to
    // it yet (no coroutine exists). corosensei exposed the mapping's provenance when it turned
    // the `mmap` pointer into an address, which `with_exposed_provenance_mut` picks up.
    unsafe { start.write_bytes(PATTERN, painted.usable()) };
    (stack, painted)
}

impl Painted {
    /// Bytes the coroutine can use.
    pub(super) fn usable(&self) -> usize {
        self.base - self.low
    }

    /// The high-water mark: bytes from the base down to the lowest one that no longer holds the
    /// pattern. Takes the stack to show that the mapping is still alive and that no coroutine
    /// is running on it.
    pub(super) fn high_water(&self, stack: &DefaultStack) -> usize {
        assert_eq!(
            stack.base().get(),
            self.base,
            "not the stack that was painted"
        );
        // `low` and `base` are page-aligned, so this is a whole number of aligned words.
        let words = std::ptr::with_exposed_provenance::<u64>(self.low);
        let lowest_touched = (0..self.usable() / 8).find_map(|i| {
            // SAFETY: in bounds (`i * 8 < usable`) and aligned, in memory `stack` keeps mapped
            // readable; the borrow of `stack` means no coroutine is running on it. The coroutine
            // wrote these bytes as a machine stack through code the compiler only sees behind
            // corosensei's context switch; a volatile read takes them as they are in memory.
            let word = unsafe { words.add(i).read_volatile() };
            (word != PATTERN_WORD).then(|| {
                let first = word.to_ne_bytes().iter().position(|&b| b != PATTERN);
                self.low + i * 8 + first.unwrap_or(0)
            })
        });
        lowest_touched.map_or(0, |address| self.base - address)
    }
}

/// The guard page's size, read off the mapping `DefaultStack::new(requested)` made: corosensei
/// raises `requested` to [`MIN_STACK_SIZE`], rounds it up to a whole page and adds one guard page
/// below. The page size is the one power of two that reproduces `mapped` (a larger page gives a
/// strictly larger mapping), which spares a `sysconf` call and the `unsafe` around it.
fn guard_size(mapped: usize, requested: usize) -> usize {
    let requested = requested.max(MIN_STACK_SIZE);
    let mut page: usize = 1;
    while page <= mapped {
        if requested.next_multiple_of(page) + page == mapped {
            return page;
        }
        page *= 2;
    }
    panic!("corosensei mapped {mapped} bytes for a {requested}-byte stack: not one guard page")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_size_is_the_page_that_explains_the_mapping() {
        assert_eq!(guard_size(260 * 1024, 256 * 1024), 4096);
        // Rounded up to whole pages, and at least `MIN_STACK_SIZE`.
        assert_eq!(guard_size(12 * 1024, 5000), 4096);
        assert_eq!(guard_size(8 * 1024, 100), 4096);
        assert_eq!(guard_size(128 * 1024, 64 * 1024), 64 * 1024);
    }

    #[test]
    fn a_fresh_stack_is_painted_and_untouched() {
        let (stack, painted) = painted_stack(20 * 1024);
        assert_eq!(painted.usable(), 20 * 1024);
        assert_eq!(painted.high_water(&stack), 0);
    }
}
