//! The side-by-side comparison: one function's future next to what the same work costs as a
//! stackful coroutine, per instance and for many concurrent instances.
//!
//! A value first ([`Comparison`], serde-serialisable); text (`Display`), JSON
//! ([`Comparison::to_json`]) and SVG ([`Comparison::to_svg`]) are renderings of it.

use std::fmt;

use serde::Serialize;

use super::models::{self, Build, Footprint};
use super::stack::StackUsage;
use crate::meta::FutureSize;
use crate::table::Table;

/// How many concurrent instances the projections are made for.
pub const PROJECTED_INSTANCES: [u64; 3] = [1_000, 100_000, 1_000_000];

/// One function's future next to the stackful alternatives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The function's name.
    pub function: String,
    /// Its future's size (the state machine, and the instrumentation beside it).
    pub future: FutureSize,
    /// The stack it needed when run stackfully.
    pub stack: StackUsage,
    /// What one instance costs, per system; the stackless ones first.
    pub footprints: Vec<Footprint>,
    /// Memory for many concurrent instances, per system and count.
    pub projections: Vec<Projection>,
}

/// Memory for `instances` concurrent instances under one system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Projection {
    /// The system, as in [`Footprint::system`].
    pub system: String,
    /// How many instances.
    pub instances: u64,
    /// Bytes of memory they occupy.
    pub committed: u64,
}

impl Comparison {
    /// Compares a future of size `future` whose code needed `stack` when run stackfully, with
    /// the standard set of systems (see [`models`]); `build` picks tokio's boxing threshold.
    pub fn new(
        function: impl Into<String>,
        future: FutureSize,
        stack: StackUsage,
        build: Build,
    ) -> Self {
        let footprints = vec![
            Footprint {
                system: "the future itself".to_owned(),
                committed: future.total(),
                reserved: future.total(),
                detail: format!(
                    "{} B state machine + {} B instrumentation, wherever its owner keeps it",
                    future.size, future.overhead
                ),
            },
            models::tokio_task(future.total(), future.align, build),
            models::go_goroutine(stack.high_water),
            models::os_thread(stack.high_water, models::RUST_THREAD_STACK),
            models::fixed_stack(
                "corosensei coroutine",
                models::COROSENSEI_DEFAULT_STACK,
                stack.high_water,
            ),
        ];
        Comparison::from_footprints(function, future, stack, footprints)
    }

    /// A comparison over footprints of your choosing.
    pub fn from_footprints(
        function: impl Into<String>,
        future: FutureSize,
        stack: StackUsage,
        footprints: Vec<Footprint>,
    ) -> Self {
        let projections = footprints
            .iter()
            .flat_map(|footprint| {
                PROJECTED_INSTANCES
                    .iter()
                    .map(move |&instances| Projection {
                        system: footprint.system.clone(),
                        instances,
                        committed: (footprint.committed as u64).saturating_mul(instances),
                    })
            })
            .collect();
        Comparison {
            function: function.into(),
            future,
            stack,
            footprints,
            projections,
        }
    }

    /// The comparison as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a comparison is always serialisable")
    }

    /// The comparison as an SVG picture: one bar per system, to scale.
    pub fn to_svg(&self) -> String {
        super::svg::render(self)
    }

    fn projected(&self, system: &str, instances: u64) -> Option<u64> {
        self.projections
            .iter()
            .find(|projection| projection.system == system && projection.instances == instances)
            .map(|projection| projection.committed)
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: stackless versus stackful", self.function)?;
        writeln!(
            f,
            "  future          {} (state machine {} B, align {}, + {} B instrumentation)",
            bytes(self.future.total() as u64),
            self.future.size,
            self.future.align,
            self.future.overhead
        )?;
        writeln!(
            f,
            "  stack it needs  {} touched, run on a {} stackful coroutine over {} poll{}",
            bytes(self.stack.high_water as u64),
            bytes(self.stack.stack_size as u64),
            self.stack.polls,
            if self.stack.polls == 1 { "" } else { "s" }
        )?;
        let [a, b, c] = PROJECTED_INSTANCES.map(|n| format!("x {}", count(n)));
        let mut table = Table::new(["system", "per instance", "reserved", &a, &b, &c]);
        table.right_align([1, 2, 3, 4, 5]);
        for footprint in &self.footprints {
            let [a, b, c] = PROJECTED_INSTANCES.map(|n| {
                self.projected(&footprint.system, n)
                    .map_or("-".to_owned(), bytes)
            });
            table.row([
                footprint.system.clone(),
                bytes(footprint.committed as u64),
                bytes(footprint.reserved as u64),
                a,
                b,
                c,
            ]);
        }
        writeln!(f)?;
        table.write(f, "  ")?;
        writeln!(f)?;
        for footprint in &self.footprints {
            writeln!(f, "  {}: {}", footprint.system, footprint.detail)?;
        }
        Ok(())
    }
}

/// `4216 B`, `8.0 KiB`, `1.5 MiB`, `4.0 GiB`: binary units, one decimal above bytes.
pub(crate) fn bytes(value: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if value < 1024 {
        return format!("{value} B");
    }
    let mut scaled = value as f64 / 1024.0;
    let mut unit = 0;
    while scaled >= 1024.0 && unit < UNITS.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    format!("{scaled:.1} {}", UNITS[unit])
}

/// `1,000`, `100,000`, `1,000,000`.
pub(crate) fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_shown_in_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(4216), "4.1 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(bytes(u64::MAX), "16384.0 PiB");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(7), "7");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_000_000), "1,000,000");
    }

    #[test]
    fn projections_multiply_each_footprint_and_saturate() {
        let footprint = |system: &str, committed| Footprint {
            system: system.to_owned(),
            committed,
            reserved: committed,
            detail: String::new(),
        };
        let comparison = Comparison::from_footprints(
            "f",
            FutureSize {
                size: 64,
                align: 8,
                overhead: 8,
            },
            StackUsage {
                high_water: 1000,
                stack_size: 4096,
                polls: 2,
            },
            vec![footprint("small", 72), footprint("huge", usize::MAX)],
        );
        assert_eq!(comparison.projected("small", 1_000_000), Some(72_000_000));
        assert_eq!(comparison.projected("huge", 1_000), Some(u64::MAX));
        assert_eq!(comparison.projections.len(), 2 * PROJECTED_INSTANCES.len());
    }
}
