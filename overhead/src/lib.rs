//! What `#[stackless::inspect]` costs next to its peers (`async_backtrace::framed`,
//! `await_tree::instrument`, `tracing::instrument`): future sizes, poll cost, contention and
//! compile time, measured side by side in one run.
