//! The runtime side of [`stackless`](https://docs.rs/stackless): the registry of
//! `#[stackless::inspect]` functions, their counters, and the reports built from them.
//!
//! Depend on the `stackless` crate rather than on this one; it re-exports everything here.

mod budget;
mod counters;
mod instrumented;
mod layout;
#[cfg(feature = "cli")]
pub mod layout_command;
mod meta;
#[cfg(test)]
mod miri_tests;
mod probe;
mod registry;
mod report;
mod stackful;
mod svg;
mod table;
mod this_thread;
pub mod type_sizes;

pub use layout::{AwaitPointLayout, FutureLayout, layout, try_layout};
pub use meta::{FutureSize, Location, MeasuredStack};
pub use report::{AwaitPointReport, AwaiteeSize, FunctionReport, Report, Suspensions, report};
pub use stackful::{
    Comparison, DEFAULT_STACK_SIZE, Footprint, PROJECTED_INSTANCES, Projection, StackUsage,
    Stackful, models, stackful, stackful_blocking, stackful_with_stack_size,
};

/// Used by the code `#[stackless::inspect]` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::instrumented::{
        Instrumented, MAX_AWAIT_POINTS, Site, instrument, self_type, self_type_of,
    };
    pub use crate::meta::{AwaitMeta, FnMeta};
    pub use crate::probe::{Leaving, Probe, at, enter, enter_leaving, enter_tagged};
    pub use crate::registry::FUNCTIONS;
}
