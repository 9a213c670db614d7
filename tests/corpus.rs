//! The semantics-preservation corpus: `#[stackless::inspect]` must not change what an `async fn`
//! does.
//!
//! Each corpus function (`tests/corpus/*.rs` but the harness and the mismatch self-test) is
//! compiled twice from one source, once plain (`mod plain`) and once annotated
//! (`mod inspected`), by [`twin!`]. Each [`case!`] calls the same expression on both and proves,
//! for that call:
//!
//! 1. the state machine is the one rustc builds for the plain `async fn`: `size_of_val` of the
//!    plain future equals `stackless::layout(..).size.size`, alignments are equal, and the
//!    wrapper adds at most 8 bytes when the alignment is at most 8;
//! 2. the outputs are equal (compared as `Debug` text, so twin types compare too);
//! 3. arguments, locals and temporaries drop in the same order, interleaved the same way with
//!    the polls (every `Drop` writes to a thread-local log);
//! 4. a panic while polling carries the same message and unwinds through the same drops, and
//!    polling once more after the end (or the panic) panics alike;
//! 5. dropping the future after each possible number of polls `k = 0..n` drops the same things
//!    in the same order;
//! 6. both futures are `Send`, or neither is; the same for `Sync` and `Unpin`.
//!
//! `harness_detects_*` in `tests/corpus/mismatch.rs` show that each of these comparisons fails
//! on a pair that really differs. Shapes that plain `async fn` accepts but the attribute does not
//! compile yet are listed in comments next to their kin (`free.rs`, `methods.rs`).
//!
//! Written against rustc 1.95.0 (stable). Sizes are compared between the twins, never against
//! fixed numbers, so the corpus holds on any toolchain that builds the workspace.

/// Emits the items of the local `macro_rules! $source` twice: in `mod plain` as written, and in
/// `mod inspected` with `#[stackless::inspect]` (or the attribute given) wherever the source
/// writes `$($inspect)*`.
///
/// ```ignore
/// macro_rules! source {
///     ($($inspect:tt)*) => {
///         $($inspect)*
///         pub async fn add(a: u32, b: u32) -> u32 { a + b }
///     };
/// }
/// twin!(source);
/// ```
macro_rules! twin {
    ($source:ident) => {
        twin!($source, #[stackless::inspect]);
    };
    ($source:ident, $($attribute:tt)+) => {
        mod plain {
            #[allow(unused_imports)]
            use super::*;
            $source!();
        }
        mod inspected {
            #[allow(unused_imports)]
            use super::*;
            $source!($($attribute)+);
        }
    };
}

/// `(plain, inspected, auto_traits)`: closures that evaluate `$call` with the names of
/// `mod plain` in scope and with those of `mod inspected`, and the auto traits of the two future
/// types (`Send`, `Sync`, `Unpin`).
macro_rules! makers {
    ($call:expr) => {{
        #[allow(unused_imports)]
        use $crate::corpus::harness::Lacks as _;
        let plain = || {
            #[allow(unused_imports)]
            use self::plain::*;
            $call
        };
        let inspected = || {
            #[allow(unused_imports)]
            use self::inspected::*;
            $call
        };
        // Each inherent method exists only for futures with that trait, the trait `Lacks`
        // answers for the rest; both resolve here, where the future types are concrete.
        let plain_probe = $crate::corpus::harness::probe(&plain);
        let inspected_probe = $crate::corpus::harness::probe(&inspected);
        let auto_traits = [
            $crate::corpus::harness::AutoTraits {
                send: plain_probe.send(),
                sync: plain_probe.sync(),
                unpin: plain_probe.unpin(),
            },
            $crate::corpus::harness::AutoTraits {
                send: inspected_probe.send(),
                sync: inspected_probe.sync(),
                unpin: inspected_probe.unpin(),
            },
        ];
        (plain, inspected, auto_traits)
    }};
}

/// A test that evaluates `$call` once with the names of `mod plain` in scope and once with those
/// of `mod inspected`, and compares the two futures (see the header of this file).
macro_rules! case {
    ($name:ident: $call:expr) => {
        #[test]
        fn $name() {
            let (plain, inspected, auto_traits) = makers!($call);
            $crate::corpus::harness::check(stringify!($name), plain, inspected, auto_traits);
        }
    };
}

mod corpus {
    pub mod harness;

    mod control_flow;
    mod drops;
    mod free;
    mod generics;
    mod in_macros;
    mod layout;
    mod methods;
    mod mismatch;
    mod nested;
    mod panics;
    mod patterns;
    mod send;
    mod traits;
}
