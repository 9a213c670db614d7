//! What the macro knows about an inspected function at compile time, plus the few facts only a
//! running program can fill in (future sizes of each instantiation, the `Self` type's name).
//!
//! One [`FnMeta`] lives in a `static` inside every annotated function, an element of the
//! registry's distributed slice.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};

use crate::counters::Counters;
use crate::stackful::StackUsage;

/// Static description of one `#[stackless::inspect]` function.
///
/// Every poll that moves a future reads it (`counters`), so it gets cache lines of its own: a
/// linker placing it next to another crate's busy atomic would otherwise make those reads miss.
#[doc(hidden)]
#[repr(align(128))]
pub struct FnMeta {
    pub(crate) name: &'static str,
    pub(crate) name_is_override: bool,
    pub(crate) module_path: &'static str,
    pub(crate) location: Location,
    pub(crate) awaits: &'static [AwaitMeta],
    pub(crate) budget: Option<usize>,
    /// Every poll that moves a future reads these.
    pub(crate) counters: Counters,
    pub(crate) self_type: OnceLock<&'static str>,
    pub(crate) layouts: [AtomicU64; MAX_LAYOUTS],
    pub(crate) more_layouts: AtomicBool,
    /// The stackful run of this function's future that needed the most stack, and how many
    /// runs were measured (see `stackful`). Written only by measurements, so a lock is fine.
    pub(crate) stack: Mutex<Option<MeasuredStack>>,
}

/// The largest stack measured for a function's futures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MeasuredStack {
    /// The run that touched the most stack.
    #[serde(flatten)]
    pub largest: StackUsage,
    /// How many runs were measured.
    pub runs: u64,
}

/// A generic function has one future type per instantiation; this many distinct layouts are kept.
pub(crate) const MAX_LAYOUTS: usize = 8;

/// A point in the source, as `file!()`, `line!()` and `column!()` report it (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    /// The source file, relative to the workspace root as cargo passes it to rustc.
    pub file: &'static str,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Static description of one `.await` in an inspected function. Immutable, so that the macro
/// can write a function's await points as one promoted array; what the program learns about
/// them lives with the function's [`Counters`].
#[doc(hidden)]
pub struct AwaitMeta {
    pub(crate) location: Location,
    pub(crate) expression: &'static str,
}

impl AwaitMeta {
    #[doc(hidden)]
    pub const fn new(file: &'static str, line: u32, column: u32, expression: &'static str) -> Self {
        AwaitMeta {
            location: Location { file, line, column },
            expression,
        }
    }
}

// What the program has not learned yet, as constants: rustc evaluates a constant once, but a
// `const fn` call (`Mutex::new`, `OnceLock::new` and what they call) in every static that makes
// it, once per inspected function: the compile-time benchmark's 500 statics took half the time
// to evaluate this way (rustc's self-profile). Copied into each static, never shared.
#[allow(clippy::declare_interior_mutable_const)]
impl FnMeta {
    const NO_SELF_TYPE: OnceLock<&'static str> = OnceLock::new();
    const NO_LAYOUTS: [AtomicU64; MAX_LAYOUTS] = [const { AtomicU64::new(0) }; MAX_LAYOUTS];
    const NO_MORE_LAYOUTS: AtomicBool = AtomicBool::new(false);
    const NO_STACK: Mutex<Option<MeasuredStack>> = Mutex::new(None);
}

impl FnMeta {
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        name: &'static str,
        name_is_override: bool,
        module_path: &'static str,
        file: &'static str,
        line: u32,
        column: u32,
        awaits: &'static [AwaitMeta],
        budget: Option<usize>,
    ) -> Self {
        FnMeta {
            name,
            name_is_override,
            module_path,
            location: Location { file, line, column },
            awaits,
            budget,
            counters: Counters::new(awaits.len()),
            self_type: Self::NO_SELF_TYPE,
            layouts: Self::NO_LAYOUTS,
            more_layouts: Self::NO_MORE_LAYOUTS,
            stack: Self::NO_STACK,
        }
    }

    /// The name shown in reports: the override, or `path::to::Type::method`, or `module::function`.
    pub(crate) fn display_name(&self) -> String {
        if self.name_is_override {
            return self.name.to_owned();
        }
        match self.self_type.get() {
            Some(ty) => format!("{}::{}", strip_generic_args(ty), self.name),
            None => format!("{}::{}", self.module_path, self.name),
        }
    }

    /// Records one instantiation's layout. The caller tests whether the first slot already
    /// holds `packed`, so this runs once per instantiation, and rarely more.
    #[cold]
    pub(crate) fn record_layout(&self, packed: u64) {
        for slot in &self.layouts {
            let seen = slot.load(Relaxed);
            if seen == packed {
                return;
            }
            if seen == 0 {
                match slot.compare_exchange(0, packed, Relaxed, Relaxed) {
                    Ok(_) => return,
                    Err(now) if now == packed => return,
                    Err(_) => continue,
                }
            }
        }
        self.more_layouts.store(true, Relaxed);
    }

    /// Keeps the stackful run that needed the most stack.
    pub(crate) fn record_stack(&self, usage: StackUsage) {
        let mut stack = self
            .stack
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *stack = Some(match *stack {
            Some(known) => MeasuredStack {
                largest: if usage.high_water > known.largest.high_water {
                    usage
                } else {
                    known.largest
                },
                runs: known.runs + 1,
            },
            None => MeasuredStack {
                largest: usage,
                runs: 1,
            },
        });
    }

    pub(crate) fn recorded_stack(&self) -> Option<MeasuredStack> {
        *self
            .stack
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn recorded_layouts(&self) -> Vec<FutureSize> {
        let mut sizes: Vec<FutureSize> = self
            .layouts
            .iter()
            .map(|slot| slot.load(Relaxed))
            .filter(|&packed| packed != 0)
            .map(FutureSize::unpack)
            .collect();
        sizes.sort();
        sizes.dedup();
        sizes
    }
}

/// The size of one instantiation of an inspected function's future.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct FutureSize {
    /// `size_of` the state machine rustc built for the function body: what the plain,
    /// un-annotated `async fn` would occupy.
    pub size: usize,
    /// `align_of` that state machine.
    pub align: usize,
    /// Bytes the instrumentation wrapper adds around it (its state field, plus padding).
    pub overhead: usize,
}

impl FutureSize {
    pub(crate) const fn of<Inner, Outer>() -> Self {
        FutureSize {
            size: size_of::<Inner>(),
            align: align_of::<Inner>(),
            overhead: size_of::<Outer>() - size_of::<Inner>(),
        }
    }

    /// Packs into one non-zero word: size (40 bits), overhead (16 bits), log2 align (7 bits), 1.
    pub(crate) const fn pack(self) -> u64 {
        ((self.size as u64) << 24)
            | ((self.overhead as u64 & 0xffff) << 8)
            | ((self.align.trailing_zeros() as u64) << 1)
            | 1
    }

    pub(crate) const fn unpack(packed: u64) -> Self {
        FutureSize {
            size: (packed >> 24) as usize,
            overhead: ((packed >> 8) & 0xffff) as usize,
            align: 1 << ((packed >> 1) & 0x7f),
        }
    }

    /// Size of the future as the program holds it: the state machine plus the instrumentation.
    pub fn total(&self) -> usize {
        self.size + self.overhead
    }
}

/// `size_of` and `align_of` of an awaited future, packed so the larger size compares larger.
pub(crate) const fn pack_layout<T>() -> u64 {
    ((size_of::<T>() as u64) << 8) | ((align_of::<T>().trailing_zeros() as u64) << 1) | 1
}

pub(crate) const fn unpack_layout(packed: u64) -> Option<(usize, usize)> {
    if packed == 0 {
        return None;
    }
    Some(((packed >> 8) as usize, 1 << ((packed >> 1) & 0x7f)))
}

/// `my_crate::Wrapper<alloc::string::String>` becomes `my_crate::Wrapper`: one name for all
/// instantiations of a generic `Self`.
fn strip_generic_args(type_name: &str) -> &str {
    match type_name.find('<') {
        Some(at) => &type_name[..at],
        None => type_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn future_size_round_trips_through_packing() {
        let size = FutureSize {
            size: 4136,
            align: 8,
            overhead: 8,
        };
        assert_eq!(FutureSize::unpack(size.pack()), size);
        let big = FutureSize {
            size: 1 << 33,
            align: 128,
            overhead: 128,
        };
        assert_eq!(FutureSize::unpack(big.pack()), big);
    }

    #[test]
    fn awaitee_packing_orders_by_size() {
        assert!(pack_layout::<[u8; 100]>() > pack_layout::<u64>());
        assert_eq!(unpack_layout(pack_layout::<[u64; 3]>()), Some((24, 8)));
        assert_eq!(unpack_layout(0), None);
    }

    #[test]
    fn generic_arguments_are_stripped_from_self_type() {
        assert_eq!(strip_generic_args("a::B<c::D<u8>>"), "a::B");
        assert_eq!(strip_generic_args("a::B"), "a::B");
    }
}
