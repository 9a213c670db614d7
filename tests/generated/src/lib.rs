//! Generated async fns, compiled plain and annotated, and what compares them.
//!
//! The build script (`build/`) draws async fns from proptest strategies and writes each twice,
//! plain and under `#[stackless::inspect]`, with a [`generated!`] entry per function;
//! `tests/pairs.rs` runs every pair through [`differences`]. This library is what both sides
//! of a pair and the comparison share: the [`prelude`] the generated code is written against
//! (a logging `D`, leaf futures), the runner that polls by hand, and the comparison itself.

mod auto_traits;
mod compare;
mod observe;
mod run;

pub use auto_traits::{AutoTraitProbe, AutoTraits, Lacks, probe};
pub use compare::{
    Boxed, Difference, Differences, Generated, Guards, INPUTS, Input, Statics, differences, erase,
    report, static_differences,
};
pub use observe::{D, Failure};
pub use run::{End, Run};

/// The names generated code uses.
pub mod prelude {
    pub use crate::observe::{D, Failure, after, fallible, faulty, leak, maybe, pend};
    pub use std::rc::Rc;
}

/// `pub mod $name { pub static ENTRY: Generated }`: the entry of the function `$name` of the
/// modules `$plain` and `$inspected` (beside the invocation), with its index and source.
///
/// The entry's functions are items of their own, not closures in one table: type-checking a
/// single static that holds thousands of closures takes time that grows faster than their
/// number. `statics` is expanded where the twins' future types are concrete, so that their
/// auto traits can be probed (see [`AutoTraitProbe`]).
#[macro_export]
macro_rules! generated {
    ($index:literal, $plain:ident, $inspected:ident, $name:ident, $source:literal) => {
        pub mod $name {
            #[allow(unused_imports)]
            use $crate::Lacks as _;

            pub static ENTRY: $crate::Generated = $crate::Generated {
                index: $index,
                name: stringify!($name),
                source: $source,
                plain,
                inspected,
                statics,
            };

            fn plain(input: $crate::Input) -> $crate::Boxed {
                $crate::erase(super::$plain::$name(input.n, input.flag, input.guards()))
            }

            fn inspected(input: $crate::Input) -> $crate::Boxed {
                $crate::erase(super::$inspected::$name(
                    input.n,
                    input.flag,
                    input.guards(),
                ))
            }

            fn statics() -> $crate::Statics {
                let input = $crate::INPUTS[0];
                let plain = || super::$plain::$name(input.n, input.flag, input.guards());
                let inspected = || super::$inspected::$name(input.n, input.flag, input.guards());
                let plain_probe = $crate::probe(&plain);
                let inspected_probe = $crate::probe(&inspected);
                let traits = [
                    $crate::AutoTraits {
                        send: plain_probe.send(),
                        sync: plain_probe.sync(),
                        unpin: plain_probe.unpin(),
                    },
                    $crate::AutoTraits {
                        send: inspected_probe.send(),
                        sync: inspected_probe.sync(),
                        unpin: inspected_probe.unpin(),
                    },
                ];
                $crate::Statics::measure(plain(), inspected(), traits)
            }
        }
    };
}
