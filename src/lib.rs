//! See the hidden shape of `async fn`.
//!
//! An `async fn` compiles to a *stackless coroutine*: a state machine whose size is the largest
//! set of values alive across any one `.await`, plus the future it is awaiting. That size is
//! invisible in the source. Put [`#[stackless::inspect]`](macro@inspect) on an `async fn` and the
//! program can tell you how big its future is, where each await point sits in the source, and
//! which await point every live future is parked at.
//!
//! ```
//! #[stackless::inspect]
//! async fn fetch(url: &str) -> usize {
//!     let mut buffer = [0u8; 4096];
//!     tokio::task::yield_now().await;            // await point #0
//!     buffer[0] = url.len() as u8;
//!     buffer.iter().map(|&b| b as usize).sum()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! assert_eq!(fetch("https://example.com").await, 19);
//!
//! // Every inspected function of the program, called or not, with its live picture:
//! let report = stackless::report();
//! let fetch_report = report.function("fetch").unwrap();
//! assert_eq!(fetch_report.completed, 1);
//! assert!(fetch_report.sizes[0].size > 4096); // the buffer lives in the future
//! println!("{report}");
//!
//! // The static shape of one future, as deterministic text for snapshot tests:
//! println!("{}", stackless::layout(fetch("x")));
//! # }
//! ```
//!
//! # Stackless versus stackful
//!
//! [`stackful`] runs any future on a real stackful coroutine and measures the stack its polls
//! touched; for an inspected function the measurement lands in its report, and
//! [`FunctionReport::comparison`] sets the state machine beside a tokio task, a Go goroutine, an
//! OS thread and a fixed-stack coroutine, per instance and for a million of them. Each of those
//! is a small, sourced function in [`models`].
//!
//! ```
//! #[stackless::inspect]
//! async fn sum_after_yield(data: Vec<u64>) -> u64 {
//!     tokio::task::yield_now().await;
//!     data.iter().sum()
//! }
//!
//! let (sum, stack) = stackless::stackful_blocking(sum_after_yield(vec![1, 2, 3]));
//! assert_eq!(sum, 6);
//! assert!(stack.high_water > 0);
//!
//! let report = stackless::report();
//! let comparison = report.function("sum_after_yield").unwrap().comparison().unwrap();
//! println!("{comparison}"); // text; also `comparison.to_json()` and `comparison.to_svg()`
//! ```
//!
//! # Locking a layout in a test
//!
//! [`layout`] takes the future an inspected function returns (without polling it: none of the
//! function's code runs) and gives its size and await points as stable text. With
//! [`insta`](https://docs.rs/insta), one line locks it down:
//!
//! ```no_run
//! # #[stackless::inspect]
//! # async fn download(url: &str) -> usize { url.len() }
//! #[test]
//! fn download_layout() {
//!     insta::assert_snapshot!(stackless::layout(download("https://example.com")));
//! }
//! ```
//!
//! `tests/layout_snapshot.rs` in this repository does exactly that.
//!
//! Sizes depend on the compiler version and on the profile (debug futures are larger); note the
//! toolchain next to such a test. For a hard limit rather than a snapshot, use
//! `#[stackless::inspect(budget = N)]`.
//!
//! # Turning it off
//!
//! The `enabled` feature (on by default) does the instrumenting. With it off, the attribute emits
//! every function exactly as written: no bytes, no time, no registry entries. It still checks that
//! it sits on an `async fn` with a body, but reads no further than the signature, so it adds little
//! to the build. Cargo features cannot depend on the profile, so to ship release builds without
//! it, forward a feature of your own:
//!
//! ```toml
//! [dependencies]
//! stackless = { version = "0.1", default-features = false }
//!
//! [features]
//! default = ["inspect"]
//! inspect = ["stackless/enabled"]
//! ```
//!
//! and build releases with `cargo build --release --no-default-features`.

// Lets the crate's own doc tests and examples name `::stackless` as users do.
extern crate self as stackless;

pub use stackless_inspect::{
    AwaitPointLayout, AwaitPointReport, AwaiteeSize, Comparison, DEFAULT_STACK_SIZE, Footprint,
    FunctionReport, FutureLayout, FutureSize, Location, MeasuredStack, PROJECTED_INSTANCES,
    Projection, Report, StackUsage, Stackful, Suspensions, layout, models, report, stackful,
    stackful_blocking, stackful_with_stack_size, try_layout,
};

/// Makes an `async fn`'s future visible: its size, its await points, and where every live
/// future is parked.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use tokio::sync::Notify;
///
/// #[stackless::inspect]
/// async fn wait_twice(signal: Arc<Notify>) -> &'static str {
///     signal.notified().await;   // await point #0
///     signal.notified().await;   // await point #1
///     "done"
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let signal = Arc::new(Notify::new());
/// let task = tokio::spawn(wait_twice(signal.clone()));
/// tokio::task::yield_now().await;
///
/// let report = stackless::report();
/// let wait = report.function("wait_twice").unwrap();
/// assert_eq!(wait.alive, 1);
/// assert_eq!(wait.await_points[0].suspensions.parked, 1); // parked at #0 right now
/// assert_eq!(wait.await_points[0].expression, "signal.notified()");
///
/// signal.notify_one();
/// tokio::task::yield_now().await;
/// signal.notify_one();
/// assert_eq!(task.await.unwrap(), "done");
/// # }
/// ```
///
/// # Explanation
///
/// The attribute turns the `async fn` into a plain `fn` returning `impl Future`, whose body is
/// the original body in an `async move` block, wrapped in a small future that keeps two small
/// fields: the await point its state machine is parked at, and its pending polls there. Each `expr.await` becomes
/// `enter(INDEX, expr).await`: `enter` notes in a thread-local the await point the function is
/// about to wait at and hands the value back, to be awaited as written; after a poll that
/// returned `Pending`, the wrapper reads the last note. In a function that also holds a macro
/// the attribute does not search (`select!`, `join!`), each awaited future also notes the end
/// of its await, so that parking inside the macro reads as an await point it does not know. (In the build of `cargo stackless layout` only, `enter` also
/// wraps the future in a `#[repr(transparent)]` probe whose type names the await point, for
/// rustc's layout output.)
///
/// The state machine inside is the one rustc builds for the un-annotated function, byte for
/// byte: parameters are moved into it the way rustc lowers an `async fn` (so an argument used
/// after an `.await` is stored twice, as in rust-lang/rust#62958), `self` is rebound under
/// another name for the same reason, and the returned `impl Future` captures every lifetime in
/// scope, as an `async fn` does in every edition. Output, drop order, panics, behaviour when
/// dropped early and `Send`-ness are unchanged. What the instrumentation adds is reported
/// separately as `overhead`: two `u16`s beside the state machine (the await point it is parked
/// at, and its pending polls there), which padding makes 8 bytes for the usual 8-byte-aligned
/// future (4 for a smaller alignment, more only for futures aligned to more than 8).
///
/// A poll that leaves the future where it was costs two thread-local loads and two stores, and
/// one increment in the future's own memory. A poll that moves it to another await point (or
/// finishes it) adds a call and three additions on a counter block owned by the current thread:
/// no atomic read-modify-write and no cache line shared between threads.
///
/// Creating a future counts it, with a call. A plain `async fn` calls nothing, so an optimised
/// build lets other crates inline it and build its future in place; the function the attribute
/// writes is therefore marked `#[inline]`, unless it has an `inline` attribute of its own,
/// exports a symbol (`no_mangle`, `export_name`), or has a `budget` (an `#[inline]` function is
/// generated only in the crates that call it, and the budget must be checked in the crate that
/// defines it).
///
/// # Equivalent code without the attribute
///
/// ```
/// # use std::future::Future;
/// # struct Client;
/// # impl Client { async fn connect(&self, _: &str) -> Result<(), ()> { Ok(()) } }
/// // #[stackless::inspect]
/// // async fn fetch(url: &str, client: &Client) -> Result<(), ()> {
/// //     client.connect(url).await
/// // }
/// // is, without the bookkeeping, this:
/// fn fetch<'a, 'b>(url: &'a str, client: &'b Client) -> impl Future<Output = Result<(), ()>> + use<'a, 'b> {
///     async move {
///         let url = url;
///         let client = client;
///         let ret = { client.connect(url).await };
///         ret
///     }
/// }
/// ```
///
/// # Options
///
/// ## `budget = <bytes>`
///
/// `#[stackless::inspect(budget = 4096)]` makes the build fail when the function's future
/// (the state machine, without the instrumentation) is larger than the budget, with an error
/// naming the function, its size and the budget. The size is known only after
/// monomorphisation, so the check runs in `cargo build` and `cargo test`, not in `cargo check`;
/// a generic function is checked for each instantiation the program uses.
///
/// ## `name = "..."`
///
/// Reports show the function as `module::function`, or `path::Type::method` once a method has
/// been called. `#[stackless::inspect(name = "fetch page")]` shows it under the given name.
///
/// # Limitations
///
/// - Only `async fn`s with a body. A trait's method declaration without a body cannot be
///   inspected; put the attribute on each `impl`'s method instead. `#[async_trait]` methods are
///   not `async fn`s by the time this attribute sees them.
/// - Await points are found in the function's own body and in the arguments of macros that take
///   plain expressions (`println!`, `format!`, `write!`, `assert_eq!`, `vec!` and the other
///   standard ones). Awaits inside other macros (`tokio::select!`, `join!`, your own
///   `macro_rules!`) cannot be seen: the report counts the suspensions there as *unlabelled*.
///   An `.await` inside a nested `async` block or closure belongs to that block, not to the
///   function.
/// - The size of a future is learnt when the program first creates one (each instantiation of
///   a generic function separately); the size of an awaited future when that await is first
///   reached. Until then the report says so. [`layout`] creates a future without running it.
/// - A function with more than 65,532 await points is refused.
/// - Attributes named `instrument` (such as `#[tracing::instrument]`) written below this one are
///   expanded first, so they see the `async fn` they expect.
#[doc(inline)]
pub use stackless_macros::inspect;

#[doc(hidden)]
pub use stackless_inspect::__private;
