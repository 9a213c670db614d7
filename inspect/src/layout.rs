//! `stackless::layout(future)`: the static shape of one inspected future, as deterministic
//! text for snapshot tests (sizes and await points; no counters, addresses or timings).

use std::fmt;
use std::future::Future;

use serde::Serialize;

use crate::instrumented::identify;
use crate::meta::{FutureSize, Location};

/// The layout of one inspected future: what a snapshot test locks down.
///
/// ```
/// #[stackless::inspect]
/// async fn tick(n: u64) -> u64 {
///     tokio::task::yield_now().await;
///     n + 1
/// }
///
/// // Creating the future runs none of its code; it is dropped unpolled.
/// let layout = stackless::layout(tick(1));
/// assert_eq!(layout.await_points.len(), 1);
/// assert!(layout.to_string().contains("tokio::task::yield_now()"));
/// ```
///
/// In a test, one line locks it down: `insta::assert_snapshot!(stackless::layout(tick(1)));`
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FutureLayout {
    /// The function's name as the report shows it.
    pub name: String,
    /// Size, alignment and instrumentation overhead of this future.
    #[serde(flatten)]
    pub size: FutureSize,
    /// `budget = N` from the attribute.
    pub budget: Option<usize>,
    /// The function's `.await`s in source order.
    pub await_points: Vec<AwaitPointLayout>,
}

/// One `.await` of a [`FutureLayout`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AwaitPointLayout {
    /// Where its `.await` keyword is.
    pub location: Location,
    /// The awaited expression as written (whitespace normalised).
    pub expression: String,
}

/// The layout of `future`, which must be the future an `#[stackless::inspect]` function just
/// returned (pass the call directly: `stackless::layout(fetch(url))`). The future is dropped
/// without being polled, so none of the function's code runs.
///
/// # Panics
///
/// When `future` does not come from an inspected function, or the `enabled` feature is off
/// (the attribute then adds nothing to read). [`try_layout`] returns `None` instead.
#[track_caller]
pub fn layout<F: Future>(future: F) -> FutureLayout {
    try_layout(future).unwrap_or_else(|| {
        panic!(
            "`stackless::layout` needs the future returned by a `#[stackless::inspect]` function \
             (pass the call itself, e.g. `stackless::layout(fetch(url))`), with the `stackless` \
             feature `enabled` on; got a `{}`",
            std::any::type_name::<F>()
        )
    })
}

/// Like [`layout`], but `None` when `future` does not come from an inspected function.
pub fn try_layout<F: Future>(future: F) -> Option<FutureLayout> {
    let (meta, size) = identify::<F>()?;
    drop(future);
    Some(FutureLayout {
        name: meta.display_name(),
        size,
        budget: meta.budget,
        await_points: meta
            .awaits
            .iter()
            .map(|point| AwaitPointLayout {
                location: point.location,
                expression: point.expression.to_owned(),
            })
            .collect(),
    })
}

impl fmt::Display for FutureLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.name)?;
        write!(
            f,
            "  future: {} bytes, align {}, +{} bytes instrumentation",
            self.size.size, self.size.align, self.size.overhead
        )?;
        match self.budget {
            Some(budget) => writeln!(f, ", budget {budget} bytes")?,
            None => writeln!(f)?,
        }
        if self.await_points.is_empty() {
            return writeln!(f, "  no await points");
        }
        for (index, point) in self.await_points.iter().enumerate() {
            writeln!(
                f,
                "  #{index} {}  {}.await",
                point.location, point.expression
            )?;
        }
        Ok(())
    }
}
