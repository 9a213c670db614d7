//! stackless (docs to be written)
extern crate self as stackless;

pub use stackless_inspect::{
    AwaitPointLayout, AwaitPointReport, AwaiteeSize, FunctionReport, FutureLayout, FutureSize,
    Location, Report, Suspensions, layout, report, try_layout,
};
pub use stackless_macros::inspect;

#[doc(hidden)]
pub use stackless_inspect::__private;
