//! The stackful comparison: what this function would cost as a stackful coroutine.
//!
//! [`stackful`] runs any future on a real stackful coroutine (a corosensei stack) and measures
//! the stack it needed; [`models`] turn that measurement and the future's size into the memory
//! one instance costs as a Go goroutine, an OS thread, a fixed-stack coroutine or a tokio task;
//! [`Comparison`] puts them side by side.

mod comparison;
pub mod models;
mod stack;
mod svg;

pub use comparison::{Comparison, PROJECTED_INSTANCES, Projection};
pub use models::Footprint;
pub use stack::{
    DEFAULT_STACK_SIZE, StackUsage, Stackful, stackful, stackful_blocking, stackful_with_stack_size,
};
