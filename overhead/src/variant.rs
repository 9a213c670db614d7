//! What is measured: which copy of the shapes (a variant) and which shape.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One column of the tables: a copy of the shapes compiled with one system's attribute.
///
/// The keys (`plain`, `stackless`, `stackless-off`, ...) are those of the compile-time
/// benchmark's JSON too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    Plain,
    /// `#[stackless::inspect]` with the `inspect` feature on.
    Stackless,
    /// `#[stackless::inspect]` with the feature off: only a build without it can measure this.
    StacklessOff,
    AsyncBacktrace,
    AwaitTree,
    Tracing,
}

impl Variant {
    /// Every column, in table order.
    pub const ALL: [Variant; 6] = [
        Variant::Plain,
        Variant::Stackless,
        Variant::StacklessOff,
        Variant::AsyncBacktrace,
        Variant::AwaitTree,
        Variant::Tracing,
    ];

    /// The variants this build can measure: `stackless` or `stackless-off` (one build cannot
    /// have both), with `plain` and the peers beside it.
    pub fn in_this_build() -> &'static [Variant] {
        if cfg!(feature = "inspect") {
            &[
                Variant::Plain,
                Variant::Stackless,
                Variant::AsyncBacktrace,
                Variant::AwaitTree,
                Variant::Tracing,
            ]
        } else {
            &[
                Variant::Plain,
                Variant::StacklessOff,
                Variant::AsyncBacktrace,
                Variant::AwaitTree,
                Variant::Tracing,
            ]
        }
    }

    /// The key in JSON and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Stackless => "stackless",
            Variant::StacklessOff => "stackless-off",
            Variant::AsyncBacktrace => "async-backtrace",
            Variant::AwaitTree => "await-tree",
            Variant::Tracing => "tracing",
        }
    }

    /// The heading in tables and the chart.
    pub fn label(self) -> &'static str {
        match self {
            Variant::StacklessOff => "stackless (off)",
            other => other.key(),
        }
    }

    /// The attribute on each function of this variant.
    pub fn attribute(self) -> &'static str {
        match self {
            Variant::Plain => "none",
            Variant::Stackless => "`#[stackless::inspect]`",
            Variant::StacklessOff => "`#[stackless::inspect]`, `enabled` feature off",
            Variant::AsyncBacktrace => "`#[async_backtrace::framed]`",
            Variant::AwaitTree => "`#[await_tree::instrument]` (in a registered tree root)",
            Variant::Tracing => "`#[tracing::instrument]` (no subscriber)",
        }
    }

    /// A peer, not plain and not ours.
    pub fn is_peer(self) -> bool {
        matches!(
            self,
            Variant::AsyncBacktrace | Variant::AwaitTree | Variant::Tracing
        )
    }
}

/// The label, for divan's argument column.
impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One function shape (see [`crate::shapes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    OneAwait,
    KibLocal,
    KibArgument,
    LoopOfAwaits,
    AlternatingAwaits,
    Method,
}

impl Shape {
    /// Every shape, in table order.
    pub const ALL: [Shape; 6] = [
        Shape::OneAwait,
        Shape::KibLocal,
        Shape::KibArgument,
        Shape::LoopOfAwaits,
        Shape::AlternatingAwaits,
        Shape::Method,
    ];

    /// The name of the function in `shapes`, the key in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Shape::OneAwait => "one_await",
            Shape::KibLocal => "kib_local",
            Shape::KibArgument => "kib_argument",
            Shape::LoopOfAwaits => "loop_of_awaits",
            Shape::AlternatingAwaits => "alternating_awaits",
            Shape::Method => "method",
        }
    }

    /// What the function is, for the tables.
    pub fn description(self) -> &'static str {
        match self {
            Shape::OneAwait => "empty body, one await",
            Shape::KibLocal => "1 KiB local held across an await",
            Shape::KibArgument => "1 KiB argument used after an await",
            Shape::LoopOfAwaits => "a loop of awaits",
            Shape::AlternatingAwaits => "two await points parked on in turn",
            Shape::Method => "a `&self` method, one await",
        }
    }
}
