//! The merged report: both builds' measurements compared with plain, the goals checked, the
//! machine recorded. `overhead.json` is this struct; `overhead.md` and `overhead.svg` render it.

use serde::{Deserialize, Serialize};

use crate::instructions::{self, ComparedInstructions};
use crate::machine::MeasuredOn;
use crate::measure::{BuildResults, Group};
use crate::sharing::Counting;
use crate::timing::Timing;
use crate::variant::{Shape, Variant};

/// The bytes stackless may add to a future with the feature on.
pub const MAX_ADDED_BYTES: usize = 8;
/// The nanoseconds per poll stackless may add, with the feature on.
pub const MAX_ADDED_NS_PER_POLL: f64 = 2.0;
/// The share of plain's throughput stackless must keep on two workers.
pub const MIN_THROUGHPUT_RATIO: f64 = 0.95;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub measured_on: MeasuredOn,
    /// The command that regenerates the report.
    pub command: String,
    /// `release` (or `debug`): the builds the children measured.
    pub profile: String,
    /// Whether the numbers are a quick run's (a few short samples: noise).
    pub quick: bool,
    /// Per shape, the size of every variant's future.
    pub sizes: Vec<SizeRow>,
    /// Per group and shape, every variant's time per poll next to its plain.
    pub benchmarks: Vec<ComparedBenchmark>,
    pub goals: Vec<Goal>,
    /// Per group and shape, every variant's instructions per poll next to plain's, when the
    /// builds counted them (see [`crate::instructions`]).
    #[serde(default)]
    pub instructions: Vec<ComparedInstructions>,
    /// The compile-time benchmark's JSON, when it was given.
    pub compile_time: Option<serde_json::Value>,
    /// The contention benchmark's sharing control, from the build with the feature, each way of
    /// counting next to counting nothing (see [`crate::sharing`]).
    #[serde(default)]
    pub sharing: Option<Vec<Compared<Counting>>>,
}

/// What the two builds measured: the one with the `inspect` feature and the one without.
#[derive(Clone, Debug, PartialEq)]
pub struct Builds {
    pub inspect_on: BuildResults,
    pub inspect_off: BuildResults,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeRow {
    pub shape: Shape,
    pub plain: usize,
    pub variants: Vec<SizeCell>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeCell {
    pub variant: Variant,
    pub bytes: usize,
    /// `bytes` minus plain's, from the same build.
    pub added: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparedBenchmark {
    pub group: Group,
    pub shape: Shape,
    pub polls_per_run: u64,
    pub variants: Vec<Compared>,
}

/// One variant's time per poll next to plain's (for the sharing control: counting nothing),
/// measured in the same process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Compared<K = Variant> {
    pub variant: K,
    pub ns_per_poll: f64,
    pub ns_per_poll_lower_quartile: f64,
    pub ns_per_poll_upper_quartile: f64,
    /// Plain's median in the same process run.
    pub plain_ns_per_poll: f64,
    pub plain_lower_quartile: f64,
    pub plain_upper_quartile: f64,
    pub added_ns_per_poll: f64,
    /// `ns_per_poll / plain_ns_per_poll`; on two workers, its inverse is the share of plain's
    /// throughput the variant keeps.
    pub ratio_to_plain: f64,
    /// Samples of each of the two, and runs in each sample.
    pub samples: usize,
    pub runs_per_sample: u64,
    /// `added_ns_per_poll` in each process of the build, when it ran in several: the numbers
    /// above are from the one [nearest the middle](crate::processes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_ns_per_process: Vec<f64>,
}

impl<K> Compared<K> {
    /// Polls per second relative to plain's (1.0: as fast).
    pub fn throughput_ratio(&self) -> f64 {
        1.0 / self.ratio_to_plain
    }

    /// Whether the two medians are closer than the spread of the samples: each median lies
    /// within the other's quartiles.
    pub fn indistinguishable_from_plain(&self) -> bool {
        let within = |value: f64, low: f64, high: f64| low <= value && value <= high;
        within(
            self.ns_per_poll,
            self.plain_lower_quartile,
            self.plain_upper_quartile,
        ) || within(
            self.plain_ns_per_poll,
            self.ns_per_poll_lower_quartile,
            self.ns_per_poll_upper_quartile,
        )
    }
}

/// How far apart two copies of the same machine code can measure per poll in `group`, in the
/// measuring build (code aligned, on the measuring thread). Plain and "stackless (off)" are such
/// copies; below this, "off" costs nothing that a time can show, and callgrind's instruction
/// counts are the exact check.
///
/// Measured in the build without the feature, `measure_build --groups GROUP --variants
/// plain,stackless-off`, off minus plain per shape:
/// - by hand, up to 0.022 ns in 7 runs, sometimes outside each other's quartiles, which are
///   that tight;
/// - on tokio, up to 0.31 ns above plain in 16 runs (and 0.58 below). `one_await`'s copy came
///   out slower in 14 of them: each future type has its own copy of tokio's task code, placed
///   differently, and the samples of one run do not average that out.
pub fn identical_code_ns(group: Group) -> f64 {
    // Only the two groups of `POLL_GOAL_GROUPS` have an "off" goal; the others take the value
    // of their executor.
    match group {
        Group::ByHand | Group::OnePoll => 0.05,
        Group::CurrentThread | Group::TwoWorkers => 0.35,
    }
}

/// One goal of the issue, checked against the numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub goal: String,
    pub measured: String,
    pub met: bool,
}

impl Report {
    /// Compares both builds' measurements with their plain copies and checks the goals.
    pub fn new(
        measured_on: MeasuredOn,
        command: String,
        quick: bool,
        builds: Builds,
        compile_time: Option<serde_json::Value>,
    ) -> Result<Report, String> {
        let sizes = Shape::ALL
            .iter()
            .map(|&shape| size_row(shape, &builds))
            .collect::<Result<Vec<_>, _>>()?;
        let mut benchmarks = Vec::new();
        for on in &builds.inspect_on.benchmarks {
            let off = builds
                .inspect_off
                .benchmarks
                .iter()
                .find(|off| off.group == on.group && off.shape == on.shape);
            let mut variants = compare(&on.timings, Variant::Plain)?;
            if let Some(off) = off {
                variants.extend(
                    compare(&off.timings, Variant::Plain)?
                        .into_iter()
                        .filter(|c| c.variant == Variant::StacklessOff),
                );
            }
            variants.sort_by_key(|c| c.variant);
            benchmarks.push(ComparedBenchmark {
                group: on.group,
                shape: on.shape,
                polls_per_run: on.polls_per_run,
                variants,
            });
        }
        let sharing = match &builds.inspect_on.sharing {
            Some(control) => Some(compare(&control.timings, Counting::Nothing)?),
            None => None,
        };
        let mut report = Report {
            measured_on,
            command,
            profile: builds.inspect_on.profile.clone(),
            quick,
            sizes,
            benchmarks,
            goals: Vec::new(),
            instructions: instructions::compare(&builds.inspect_on, &builds.inspect_off),
            compile_time,
            sharing,
        };
        report.check_goals();
        Ok(report)
    }

    /// Checks the goals against the numbers; also after reading a report written before, when
    /// a goal's check has changed since.
    pub fn check_goals(&mut self) {
        self.goals = goals(self);
        self.goals.extend(instructions::goals(&self.instructions));
    }

    /// The benchmarks of one group, in shape order.
    pub fn group(&self, group: Group) -> impl Iterator<Item = &ComparedBenchmark> {
        self.benchmarks.iter().filter(move |b| b.group == group)
    }
}

/// Every variant's size of `shape` from the build that has it.
fn size_row(shape: Shape, builds: &Builds) -> Result<SizeRow, String> {
    let find = |build: &BuildResults, variant| {
        build
            .sizes
            .iter()
            .find(|s| s.shape == shape && s.variant == variant)
            .map(|s| s.bytes)
    };
    let plain = find(&builds.inspect_on, Variant::Plain)
        .ok_or_else(|| format!("no plain size for {}", shape.key()))?;
    let plain_off = find(&builds.inspect_off, Variant::Plain).unwrap_or(plain);
    let variants = Variant::ALL[1..]
        .iter()
        .filter_map(|&variant| {
            let (build, baseline) = match variant {
                Variant::StacklessOff => (&builds.inspect_off, plain_off),
                _ => (&builds.inspect_on, plain),
            };
            let bytes = find(build, variant)?;
            Some(SizeCell {
                variant,
                bytes,
                added: bytes as i64 - baseline as i64,
            })
        })
        .collect();
    Ok(SizeRow {
        shape,
        plain,
        variants,
    })
}

/// Each timing next to the `baseline` one (plain) of the same process.
fn compare<K: Copy + PartialEq>(
    timings: &[Timing<K>],
    baseline: K,
) -> Result<Vec<Compared<K>>, String> {
    let plain = timings
        .iter()
        .find(|t| t.variant == baseline)
        .ok_or("a benchmark without its baseline (plain) variant")?;
    Ok(timings
        .iter()
        .map(|t| Compared {
            variant: t.variant,
            ns_per_poll: t.ns_per_poll,
            ns_per_poll_lower_quartile: t.ns_per_poll_lower_quartile,
            ns_per_poll_upper_quartile: t.ns_per_poll_upper_quartile,
            plain_ns_per_poll: plain.ns_per_poll,
            plain_lower_quartile: plain.ns_per_poll_lower_quartile,
            plain_upper_quartile: plain.ns_per_poll_upper_quartile,
            added_ns_per_poll: t.ns_per_poll - plain.ns_per_poll,
            ratio_to_plain: t.ns_per_poll / plain.ns_per_poll,
            samples: t.samples,
            runs_per_sample: t.runs_per_sample,
            added_ns_per_process: t.added_ns_per_process.clone(),
        })
        .collect())
}

/// The goals, each with the numbers that decide it.
fn goals(report: &Report) -> Vec<Goal> {
    let mut goals = Vec::new();
    let cell = |row: &SizeRow, variant| row.variants.iter().find(|c| c.variant == variant).cloned();

    let added_on: Vec<(Shape, i64)> = report
        .sizes
        .iter()
        .filter_map(|row| Some((row.shape, cell(row, Variant::Stackless)?.added)))
        .collect();
    goals.push(Goal {
        goal: format!("stackless adds at most {MAX_ADDED_BYTES} B to a future"),
        measured: list(added_on.iter().map(|(s, a)| format!("{} +{a} B", s.key()))),
        met: !added_on.is_empty() && added_on.iter().all(|&(_, a)| a <= MAX_ADDED_BYTES as i64),
    });
    let added_off: Vec<(Shape, i64)> = report
        .sizes
        .iter()
        .filter_map(|row| Some((row.shape, cell(row, Variant::StacklessOff)?.added)))
        .collect();
    goals.push(Goal {
        goal: "stackless (off) adds 0 B".to_owned(),
        measured: list(added_off.iter().map(|(s, a)| format!("{} +{a} B", s.key()))),
        met: !added_off.is_empty() && added_off.iter().all(|&(_, a)| a == 0),
    });
    let (smallest, smallest_met) = below_every_peer(
        report
            .sizes
            .iter()
            .map(|row| (row.shape, &row.variants[..])),
        |c| (c.variant, c.added as f64),
        |bytes| format!("{bytes:+} B"),
    );
    goals.push(Goal {
        goal: "stackless adds fewer bytes than every peer".to_owned(),
        measured: smallest,
        met: smallest_met,
    });

    for (group, where_) in POLL_GOAL_GROUPS {
        let benchmarks: Vec<_> = report.group(group).collect();
        let find = |b: &ComparedBenchmark, v| b.variants.iter().find(|c| c.variant == v).cloned();
        let on: Vec<_> = benchmarks
            .iter()
            .filter_map(|b| Some((b.shape, find(b, Variant::Stackless)?)))
            .collect();
        goals.push(Goal {
            goal: format!("stackless adds at most {MAX_ADDED_NS_PER_POLL} ns per poll {where_}"),
            measured: list(
                on.iter()
                    .map(|(s, c)| format!("{} {:+.2} ns", s.key(), c.added_ns_per_poll)),
            ),
            met: !on.is_empty()
                && on
                    .iter()
                    .all(|(_, c)| c.added_ns_per_poll <= MAX_ADDED_NS_PER_POLL),
        });
        let off: Vec<_> = benchmarks
            .iter()
            .filter_map(|b| Some((b.shape, find(b, Variant::StacklessOff)?)))
            .collect();
        goals.push(Goal {
            goal: format!(
                "stackless (off) adds nothing per poll {where_} (a median below plain's, within the samples' quartiles, or less than {} ns above, as two copies of plain's code can measure)",
                identical_code_ns(group)
            ),
            measured: list(
                off.iter()
                    .map(|(s, c)| format!("{} {:+.2} ns", s.key(), c.added_ns_per_poll)),
            ),
            // The off build is plain's code; a faster median is where the code landed, not a
            // cost.
            met: !off.is_empty()
                && off.iter().all(|(_, c)| {
                    c.added_ns_per_poll <= 0.0
                        || c.indistinguishable_from_plain()
                        || c.added_ns_per_poll < identical_code_ns(group)
                }),
        });
        let (cheapest, cheapest_met) = below_every_peer(
            benchmarks.iter().map(|b| (b.shape, &b.variants[..])),
            |c| (c.variant, c.added_ns_per_poll),
            |ns| format!("{ns:+.2} ns"),
        );
        goals.push(Goal {
            goal: format!("stackless costs less per poll than every peer {where_}"),
            measured: cheapest,
            met: cheapest_met,
        });
    }

    let contention: Vec<_> = report
        .group(Group::TwoWorkers)
        .filter_map(|b| {
            let ours = b
                .variants
                .iter()
                .find(|c| c.variant == Variant::Stackless)?;
            Some((b.shape, ours.throughput_ratio()))
        })
        .collect();
    goals.push(Goal {
        goal: format!(
            "stackless keeps at least {:.0} % of plain's throughput on two workers",
            MIN_THROUGHPUT_RATIO * 100.0
        ),
        measured: list(
            contention
                .iter()
                .map(|(s, r)| format!("{} {:.1} %", s.key(), r * 100.0)),
        ),
        met: !contention.is_empty() && contention.iter().all(|&(_, r)| r >= MIN_THROUGHPUT_RATIO),
    });
    goals
}

/// The groups the per-poll goals are checked in, and how a goal names each.
pub(crate) const POLL_GOAL_GROUPS: [(Group, &str); 2] = [
    (Group::ByHand, "by hand"),
    (Group::CurrentThread, "on tokio's current-thread runtime"),
];

/// Stackless against the peer that adds least, row by row: met when stackless adds less in
/// every row (and there is one). `cell` gives a cell's variant and what it adds to plain;
/// `measured` reads `shape +ours vs peer +theirs`, each number by `show`.
pub(crate) fn below_every_peer<'a, C: 'a>(
    rows: impl IntoIterator<Item = (Shape, &'a [C])>,
    cell: impl Fn(&C) -> (Variant, f64),
    show: impl Fn(f64) -> String,
) -> (String, bool) {
    let mut measured = Vec::new();
    let mut met = true;
    let mut rows_seen = 0;
    for (shape, cells) in rows {
        rows_seen += 1;
        let cells: Vec<(Variant, f64)> = cells.iter().map(&cell).collect();
        let ours = cells
            .iter()
            .find(|(variant, _)| *variant == Variant::Stackless);
        let least_peer = cells
            .iter()
            .filter(|(variant, _)| variant.is_peer())
            .min_by(|x, y| x.1.total_cmp(&y.1));
        match (ours, least_peer) {
            (Some(&(_, ours)), Some(&(peer, theirs))) => {
                met &= ours < theirs;
                measured.push(format!(
                    "{} {} vs {} {}",
                    shape.key(),
                    show(ours),
                    peer.key(),
                    show(theirs)
                ));
            }
            _ => met = false,
        }
    }
    (list(measured.into_iter()), met && rows_seen > 0)
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::{Benchmark, Size};

    fn timing(variant: Variant, ns: f64) -> Timing {
        Timing::fixed(variant, ns, 0.1)
    }

    /// Two builds in which stackless adds `bytes` and `ns` per poll, tracing 96 B and 1 ns, and
    /// the off build adds `off_ns`.
    fn builds(bytes: usize, ns: f64, off_ns: f64) -> Builds {
        let mut on = BuildResults {
            inspect_feature: true,
            profile: "release".to_owned(),
            sizes: Vec::new(),
            benchmarks: Vec::new(),
            instructions: Vec::new(),
            sharing: None,
        };
        let mut off = BuildResults {
            inspect_feature: false,
            ..on.clone()
        };
        for shape in Shape::ALL {
            for (variant, size) in [
                (Variant::Plain, 16),
                (Variant::Stackless, 16 + bytes),
                (Variant::Tracing, 112),
            ] {
                on.sizes.push(Size {
                    shape,
                    variant,
                    bytes: size,
                });
            }
            off.sizes.push(Size {
                shape,
                variant: Variant::Plain,
                bytes: 16,
            });
            off.sizes.push(Size {
                shape,
                variant: Variant::StacklessOff,
                bytes: 16,
            });
            for group in Group::ALL {
                on.benchmarks.push(Benchmark {
                    group,
                    shape,
                    polls_per_run: group.polls_per_run(),
                    timings: vec![
                        timing(Variant::Plain, 10.0),
                        timing(Variant::Stackless, 10.0 + ns),
                        timing(Variant::Tracing, 11.0),
                    ],
                });
                off.benchmarks.push(Benchmark {
                    group,
                    shape,
                    polls_per_run: group.polls_per_run(),
                    timings: vec![
                        timing(Variant::Plain, 20.0),
                        timing(Variant::StacklessOff, 20.0 + off_ns),
                    ],
                });
            }
        }
        Builds {
            inspect_on: on,
            inspect_off: off,
        }
    }

    fn report(builds: Builds) -> Report {
        let on = MeasuredOn {
            date: "2026-01-01".to_owned(),
            cpu: None,
            cores: 2,
            kernel: None,
            rustc: None,
            load_average: None,
        };
        Report::new(on, "cmd".to_owned(), false, builds, None).unwrap()
    }

    fn unmet(report: &Report) -> Vec<&str> {
        report
            .goals
            .iter()
            .filter(|g| !g.met)
            .map(|g| g.goal.as_str())
            .collect()
    }

    #[test]
    fn the_sharing_control_is_compared_with_counting_nothing_from_the_build_with_the_feature() {
        let control = |ns: [f64; 3]| crate::sharing::SharingControl {
            polls_per_run: 64064,
            timings: Counting::ALL
                .iter()
                .zip(ns)
                .map(|(&counting, ns)| Timing::fixed(counting, ns, 0.1))
                .collect(),
        };
        let mut both = builds(8, 0.5, 0.05);
        assert_eq!(report(both.clone()).sharing, None);
        both.inspect_on.sharing = Some(control([30.0, 30.5, 45.0]));
        both.inspect_off.sharing = Some(control([20.0, 20.0, 20.0]));
        let sharing = report(both).sharing.expect("the control");
        let added: Vec<(Counting, String)> = sharing
            .iter()
            .map(|c| (c.variant, format!("{:.1}", c.added_ns_per_poll)))
            .collect();
        assert_eq!(
            added,
            [
                (Counting::Nothing, "0.0".to_owned()),
                (Counting::OwnLine, "0.5".to_owned()),
                (Counting::SharedLine, "15.0".to_owned()),
            ]
        );
    }

    #[test]
    fn a_build_run_in_several_processes_is_read_from_the_middle_one_and_says_so() {
        let runs = [0.5, 0.6, 3.0].map(|ns| builds(8, ns, 0.05));
        let merged = Builds {
            inspect_on: crate::processes::merge(
                runs.iter().map(|run| run.inspect_on.clone()).collect(),
            )
            .unwrap(),
            inspect_off: runs[0].inspect_off.clone(),
        };
        let several = report(merged);
        let ours = several
            .group(Group::ByHand)
            .next()
            .unwrap()
            .variants
            .iter()
            .find(|c| c.variant == Variant::Stackless)
            .unwrap();
        assert!((ours.added_ns_per_poll - 0.6).abs() < 1e-9);
        let each = crate::timing::one_decimal(&ours.added_ns_per_process);
        assert_eq!(each, ["0.5", "0.6", "3.0"]);
        let said = "Each build ran in 3 processes";
        assert!(crate::markdown::render(&several).contains(said));
        let one = report(builds(8, 0.5, 0.05));
        assert!(!crate::markdown::render(&one).contains("Each build ran in"));
    }

    #[test]
    fn off_rows_are_compared_with_the_plain_of_their_own_build() {
        let report = report(builds(8, 0.5, 0.05));
        let row = &report.sizes[0];
        let off = row
            .variants
            .iter()
            .find(|c| c.variant == Variant::StacklessOff)
            .unwrap();
        assert_eq!((row.plain, off.added), (16, 0));
        let benchmark = report.group(Group::ByHand).next().unwrap();
        let off = benchmark
            .variants
            .iter()
            .find(|c| c.variant == Variant::StacklessOff)
            .unwrap();
        assert_eq!(off.plain_ns_per_poll, 20.0);
        assert!((off.added_ns_per_poll - 0.05).abs() < 1e-9);
        assert!(off.indistinguishable_from_plain());
        let variants: Vec<_> = benchmark.variants.iter().map(|c| c.variant).collect();
        assert_eq!(
            variants,
            [
                Variant::Plain,
                Variant::Stackless,
                Variant::StacklessOff,
                Variant::Tracing
            ]
        );
    }

    #[test]
    fn within_every_limit_every_goal_is_met() {
        assert_eq!(unmet(&report(builds(8, 0.5, 0.05))), Vec::<&str>::new());
    }

    #[test]
    fn past_a_limit_its_goal_is_missed() {
        assert_eq!(
            unmet(&report(builds(9, 0.5, 0.05))),
            ["stackless adds at most 8 B to a future"]
        );
        // 1.5 ns more than plain is also more than tracing's 1 ns, and 13 % less throughput.
        assert_eq!(
            unmet(&report(builds(8, 1.5, 0.05))),
            [
                "stackless costs less per poll than every peer by hand",
                "stackless costs less per poll than every peer on tokio's current-thread runtime",
                "stackless keeps at least 95 % of plain's throughput on two workers",
            ]
        );
        assert_eq!(
            unmet(&report(builds(8, 0.5, 0.5))),
            [
                "stackless (off) adds nothing per poll by hand (a median below plain's, within the samples' quartiles, or less than 0.05 ns above, as two copies of plain's code can measure)",
                "stackless (off) adds nothing per poll on tokio's current-thread runtime (a median below plain's, within the samples' quartiles, or less than 0.35 ns above, as two copies of plain's code can measure)",
            ]
        );
    }

    #[test]
    fn off_within_the_spread_of_identical_code_adds_nothing() {
        // Quartiles as tight as those of the measuring build: 0.004 ns around each median.
        let tighten = |mut builds: Builds| {
            for benchmark in &mut builds.inspect_off.benchmarks {
                for timing in &mut benchmark.timings {
                    timing.ns_per_poll_lower_quartile = timing.ns_per_poll - 0.004;
                    timing.ns_per_poll_upper_quartile = timing.ns_per_poll + 0.004;
                }
            }
            builds
        };
        let off_goals = |report: &Report| {
            report
                .goals
                .iter()
                .filter(|goal| {
                    goal.goal
                        .starts_with("stackless (off) adds nothing per poll")
                })
                .map(|goal| goal.met)
                .collect::<Vec<_>>()
        };
        // Outside the quartiles, but closer than two copies of plain's code measure.
        assert_eq!(
            off_goals(&report(tighten(builds(8, 0.5, 0.013)))),
            [true, true]
        );
        // Further apart than two copies by hand, not on tokio, where copies spread wider.
        assert_eq!(
            off_goals(&report(tighten(builds(8, 0.5, 0.06)))),
            [false, true]
        );
        assert_eq!(
            off_goals(&report(tighten(builds(8, 0.5, 0.36)))),
            [false, false]
        );
    }

    /// `builds` with instruction counts: plain 20 per poll (21 in the off build), stackless
    /// `ours`, tracing 30, off `off`.
    fn with_instructions(mut builds: Builds, ours: f64, off: f64) -> Builds {
        for group in instructions::GROUPS {
            for shape in Shape::ALL {
                let count = |variant, per_poll| instructions::Instructions {
                    group,
                    shape,
                    variant,
                    per_poll,
                };
                builds.inspect_on.instructions.extend([
                    count(Variant::Plain, 20.0),
                    count(Variant::Stackless, ours),
                    count(Variant::Tracing, 30.0),
                ]);
                builds.inspect_off.instructions.extend([
                    count(Variant::Plain, 21.0),
                    count(Variant::StacklessOff, off),
                ]);
            }
        }
        builds
    }

    #[test]
    fn instructions_are_compared_with_the_plain_of_their_own_build() {
        let report = report(with_instructions(builds(8, 0.5, 0.05), 25.0, 21.0));
        assert_eq!(report.instructions.len(), 3 * Shape::ALL.len());
        let row = &report.instructions[0];
        let added: Vec<_> = row.variants.iter().map(|c| (c.variant, c.added)).collect();
        assert_eq!(row.plain, 20.0);
        assert_eq!(
            added,
            [
                (Variant::Stackless, 5.0),
                (Variant::StacklessOff, 0.0),
                (Variant::Tracing, 10.0)
            ]
        );
        assert_eq!(unmet(&report), Vec::<&str>::new());
        let counted = report.goals.iter().filter(|g| g.goal.contains("callgrind"));
        assert_eq!(counted.count(), 4, "fewest and off, by hand and on tokio");
    }

    #[test]
    fn instruction_goals_miss_on_more_work_than_a_peer_or_any_when_off() {
        assert_eq!(
            unmet(&report(with_instructions(builds(8, 0.5, 0.05), 31.0, 21.0))),
            [
                "stackless adds fewer instructions per poll than every peer by hand (callgrind)",
                "stackless adds fewer instructions per poll than every peer on tokio's current-thread runtime (callgrind)",
            ]
        );
        assert_eq!(
            unmet(&report(with_instructions(builds(8, 0.5, 0.05), 25.0, 21.5))),
            [
                "stackless (off) adds no instruction per poll by hand (callgrind: under 0.5 per poll)",
                "stackless (off) adds no instruction per poll on tokio's current-thread runtime (callgrind: under 0.5 per poll)",
            ]
        );
        // A fifth of an instruction per poll is another process's allocator, not code.
        assert_eq!(
            unmet(&report(with_instructions(builds(8, 0.5, 0.05), 25.0, 20.8))),
            Vec::<&str>::new()
        );
        // Without counts, no goal is checked on them.
        let report = report(builds(8, 0.5, 0.05));
        assert!(report.instructions.is_empty());
        assert!(report.goals.iter().all(|g| !g.goal.contains("callgrind")));
    }
}
