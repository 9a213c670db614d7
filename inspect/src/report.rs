//! Reports: plain values first ([`Report`], serde-serialisable), text second (`Display`).

use std::fmt;

use serde::Serialize;

use crate::counters::{Counter, place};
use crate::meta::{FnMeta, FutureSize, Location, MeasuredStack, unpack_layout};
use crate::registry;
use crate::stackful::Comparison;
use crate::stackful::models::Build;
use crate::table::Table;

/// Everything `stackless` knows about the inspected functions of this program, right now.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// #[stackless::inspect]
/// async fn greet(name: &str) -> String {
///     tokio::task::yield_now().await;
///     format!("hello, {name}")
/// }
///
/// greet("ferris").await;
/// let report = stackless::report();
/// let greet = report.function("greet").unwrap();
/// assert_eq!(greet.completed, 1);
/// assert_eq!(greet.await_points[0].expression, "tokio::task::yield_now()");
/// println!("{report}");
/// # }
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// One entry per `#[stackless::inspect]` function, called or not, in source order.
    pub functions: Vec<FunctionReport>,
}

/// One inspected function: where it is, how big its future is, what its futures are doing.
#[derive(Clone, Debug, Serialize)]
pub struct FunctionReport {
    /// `module::function`, `path::Type::method` once a method has been called, or the
    /// `name = "..."` given to the attribute.
    pub name: String,
    /// Where the function is defined.
    pub location: Location,
    /// The future's size, one entry per instantiation seen so far (a generic function has
    /// several). Empty until the function is first called: sizes are measured from the real
    /// future type, which exists only once the program creates one.
    pub sizes: Vec<FutureSize>,
    /// More instantiations were seen than are kept.
    pub more_sizes: bool,
    /// `budget = N` from the attribute.
    pub budget: Option<usize>,
    /// Futures created (the function was called).
    pub created: u64,
    /// Futures polled at least once.
    pub started: u64,
    /// Futures that returned `Ready`.
    pub completed: u64,
    /// Futures dropped before completing (cancelled), whether polled or not.
    pub dropped_early: u64,
    /// Futures whose poll panicked.
    pub panicked: u64,
    /// Futures created and not yet completed, dropped or panicked:
    /// `created = completed + dropped_early + panicked + alive`.
    pub alive: u64,
    /// The function's `.await`s, in source order.
    pub await_points: Vec<AwaitPointReport>,
    /// Suspensions at awaits the macro could not label (inside `select!`, `join!` and other
    /// macros whose arguments are not plain expressions).
    pub unlabelled: Suspensions,
    /// The stack its futures needed when run stackfully with [`stackful`](crate::stackful::stackful),
    /// if they were.
    pub stack: Option<MeasuredStack>,
}

/// One `.await` of an inspected function.
#[derive(Clone, Debug, Serialize)]
pub struct AwaitPointReport {
    /// Its number, counting from 0 in source order.
    pub index: usize,
    /// Where its `.await` keyword is.
    pub location: Location,
    /// The awaited expression as written (whitespace normalised).
    pub expression: String,
    /// Size and alignment of the awaited future (the largest seen), once a future has parked on
    /// it (an await that never returned `Pending` leaves this `None`).
    pub awaitee: Option<AwaiteeSize>,
    /// How often futures suspended here, and how many are parked here now.
    #[serde(flatten)]
    pub suspensions: Suspensions,
}

/// The awaited future's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AwaiteeSize {
    /// `size_of` the awaited future.
    pub size: usize,
    /// `align_of` the awaited future.
    pub align: usize,
}

/// Activity at one await point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Suspensions {
    /// Polls that returned `Pending` while the future was waiting here. A future still parked
    /// here has its first such poll counted; the ones after it are added when it moves on,
    /// finishes or is dropped (the future tallies them in its own memory until then, so that
    /// a repeat poll touches nothing shared).
    pub suspends: u64,
    /// Live futures parked here right now.
    pub parked: u64,
}

/// The report of every `#[stackless::inspect]` function in the program.
pub fn report() -> Report {
    Report {
        functions: registry::functions()
            .into_iter()
            .map(FunctionReport::of)
            .collect(),
    }
}

impl Report {
    /// The function named `name`: its full path, or the last segments of it (`"fetch"`,
    /// `"Client::fetch"`). With several matches, the first in source order.
    pub fn function(&self, name: &str) -> Option<&FunctionReport> {
        self.functions
            .iter()
            .find(|function| path_matches(&function.name, name))
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report is always serialisable")
    }
}

pub(crate) fn path_matches(path: &str, name: &str) -> bool {
    path == name
        || path
            .strip_suffix(name)
            .is_some_and(|prefix| prefix.ends_with("::"))
}

impl FunctionReport {
    fn of(meta: &'static FnMeta) -> Self {
        let counters = &meta.counters;
        let count = |counter| counters.read(counter);
        let suspensions = |place| {
            // The counts are read one by one, with no ordering between threads' shards: taken
            // while futures move, a departure can be seen before its arrival, so the
            // difference clamps at 0. Once the futures are quiet, it is exact.
            let departed = count(Counter::Departed(place));
            let arrived = count(Counter::Arrived(place));
            Suspensions {
                suspends: arrived + count(Counter::Stayed(place)),
                parked: arrived.saturating_sub(departed),
            }
        };
        let created = count(Counter::CREATED);
        let completed = count(Counter::Completed);
        let dropped_early = count(Counter::DroppedEarly);
        let panicked = count(Counter::Panicked);
        FunctionReport {
            name: meta.display_name(),
            location: meta.location,
            sizes: meta.recorded_layouts(),
            more_sizes: meta.more_layouts.load(std::sync::atomic::Ordering::Relaxed),
            budget: meta.budget,
            created,
            started: count(Counter::STARTED),
            completed,
            dropped_early,
            panicked,
            alive: created.saturating_sub(completed + dropped_early + panicked),
            await_points: meta
                .awaits
                .iter()
                .enumerate()
                .map(|(index, point)| AwaitPointReport {
                    index,
                    location: point.location,
                    expression: point.expression.to_owned(),
                    awaitee: unpack_layout(counters.awaitee(place::await_point(index as u16)))
                        .map(|(size, align)| AwaiteeSize { size, align }),
                    suspensions: suspensions(place::await_point(index as u16)),
                })
                .collect(),
            unlabelled: suspensions(place::UNLABELLED),
            stack: meta.recorded_stack(),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.functions.len() {
            0 => return writeln!(f, "no #[stackless::inspect] functions in this program"),
            1 => writeln!(f, "1 inspected function")?,
            n => writeln!(f, "{n} inspected functions")?,
        }
        for function in &self.functions {
            writeln!(f)?;
            write!(f, "{function}")?;
        }
        Ok(())
    }
}

impl fmt::Display for FunctionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}  ({})", self.name, self.location)?;
        writeln!(
            f,
            "  future   {}",
            describe_sizes(&self.sizes, self.more_sizes, self.budget)
        )?;
        writeln!(
            f,
            "  futures  {} created, {} completed, {} dropped early, {} panicked, {} alive",
            self.created, self.completed, self.dropped_early, self.panicked, self.alive
        )?;
        if self.await_points.is_empty() && self.unlabelled == Suspensions::default() {
            writeln!(f, "  no await points")?;
        } else {
            self.await_table().write(f, "  ")?;
        }
        if let Some(comparison) = self.comparison() {
            writeln!(f)?;
            for line in comparison.to_string().lines() {
                match line {
                    "" => writeln!(f)?,
                    line => writeln!(f, "  {line}")?,
                }
            }
        }
        Ok(())
    }
}

impl FunctionReport {
    fn await_table(&self) -> Table<6> {
        let mut table = Table::new([
            "await", "location", "awaiting", "awaitee", "suspends", "parked",
        ]);
        table.right_align([3, 4, 5]);
        for point in &self.await_points {
            table.row([
                format!("#{}", point.index),
                point.location.to_string(),
                shorten(&point.expression, 40),
                point
                    .awaitee
                    .map_or("-".to_owned(), |awaitee| format!("{} B", awaitee.size)),
                point.suspensions.suspends.to_string(),
                point.suspensions.parked.to_string(),
            ]);
        }
        if self.unlabelled != Suspensions::default() {
            table.row([
                "?".to_owned(),
                "(unlabelled await)".to_owned(),
                "inside a macro".to_owned(),
                "-".to_owned(),
                self.unlabelled.suspends.to_string(),
                self.unlabelled.parked.to_string(),
            ]);
        }
        table
    }

    /// This function's future next to the stackful alternatives, once a future of it has been
    /// run with [`stackful`](crate::stackful::stackful) (which measures the stack it needs).
    /// Uses the largest instantiation's size, and tokio's boxing threshold for this build.
    pub fn comparison(&self) -> Option<Comparison> {
        let future = *self.sizes.iter().max_by_key(|size| size.total())?;
        let stack = self.stack?.largest;
        Some(Comparison::new(
            self.name.clone(),
            future,
            stack,
            Build::current(),
        ))
    }
}

/// `"4136 B, align 8, +8 B instrumentation"`, or one size per instantiation.
pub(crate) fn describe_sizes(sizes: &[FutureSize], more: bool, budget: Option<usize>) -> String {
    let mut text = match sizes {
        [] => "size not known yet (no future created)".to_owned(),
        [one] => format!(
            "{} B, align {}, +{} B instrumentation",
            one.size, one.align, one.overhead
        ),
        many => {
            let each: Vec<String> = many.iter().map(|size| format!("{} B", size.size)).collect();
            let count = if more {
                format!("{}+", many.len())
            } else {
                many.len().to_string()
            };
            format!(
                "{} ({count} instantiations), align {}, +{} B instrumentation",
                each.join(" | "),
                many.iter().map(|size| size.align).max().unwrap_or(1),
                many.iter().map(|size| size.overhead).max().unwrap_or(0),
            )
        }
    };
    if let Some(budget) = budget {
        text.push_str(&format!(", budget {budget} B"));
    }
    text
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max_chars - 1).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_by_whole_trailing_segments() {
        assert!(path_matches("app::net::Client::fetch", "fetch"));
        assert!(path_matches("app::net::Client::fetch", "Client::fetch"));
        assert!(path_matches(
            "app::net::Client::fetch",
            "app::net::Client::fetch"
        ));
        assert!(!path_matches("app::net::Client::prefetch", "fetch"));
        assert!(!path_matches("app::fetch", "app::fetch::x"));
    }

    #[test]
    fn long_expressions_are_shortened_by_characters() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("äbcdef", 4), "äbc…");
    }

    #[test]
    fn sizes_of_several_instantiations_are_listed() {
        let size = |size| FutureSize {
            size,
            align: 8,
            overhead: 8,
        };
        assert_eq!(
            describe_sizes(&[size(16), size(24)], false, Some(64)),
            "16 B | 24 B (2 instantiations), align 8, +8 B instrumentation, budget 64 B"
        );
        assert_eq!(
            describe_sizes(&[], false, None),
            "size not known yet (no future created)"
        );
    }
}
