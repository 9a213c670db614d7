//! Instructions per poll, counted by valgrind's callgrind.
//!
//! The timings' medians move by tenths of a nanosecond between two builds of the same source:
//! where the linker places the code decides them (see `overhead/README.md`). An instruction
//! count does not move: the same binary gives the same count on every run (two builds can
//! still differ by a few per poll, where the compiler inlines differently). It is not a time
//! (a cache miss or a mispredicted branch costs more than an instruction), but where two
//! variants' times are within that noise, it says which one does more work, and anyone can
//! check it.
//!
//! The measuring binary runs itself under `valgrind --tool=callgrind` twice per benchmark, with
//! few and with many runs of it ([`runs`], [`crate::measure::run`]): the difference, divided
//! by the [`POLLS_BETWEEN`] polls between the two, leaves out what happens once (starting the
//! process, the first future's registration, the runtime's start).

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::measure::{BuildResults, Group};
use crate::report::{Goal, POLL_GOAL_GROUPS, below_every_peer};
use crate::variant::{Shape, Variant};

/// The groups counted: those polled on one thread, where a run always executes the same
/// instructions. (Two workers share tasks as the scheduler happens to.)
pub const GROUPS: [Group; 3] = [Group::ByHand, Group::OnePoll, Group::CurrentThread];

/// About how many polls the longer of the two counted processes makes more than the shorter.
pub const POLLS_BETWEEN: u64 = 100_000;

/// Runs of a benchmark of `group` in the shorter and the longer of the two counted processes:
/// at least [`POLLS_BETWEEN`] polls apart, the shorter a tenth of the difference.
pub fn runs(group: Group) -> (u64, u64) {
    let between = POLLS_BETWEEN.div_ceil(group.polls_per_run());
    let few = between.div_ceil(10);
    (few, few + between)
}

/// The argument the measuring binary takes to run one benchmark for callgrind:
/// `--run GROUP SHAPE VARIANT RUNS`.
pub const RUN_ARGUMENT: &str = "--run";

/// What "no instruction per poll" allows. Code a variant runs on every poll is at least one
/// instruction per poll; below half of one, a difference is another process's allocator and
/// runtime taking slightly different paths (on tokio, `stackless (off)`, which runs plain's
/// very code, differs from plain by up to 0.2).
pub const NOTHING_PER_POLL: f64 = 0.5;

/// One variant's instructions per poll in one benchmark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instructions {
    pub group: Group,
    pub shape: Shape,
    pub variant: Variant,
    /// Instructions per poll (per future for `one_poll`, whose futures are polled once).
    pub per_poll: f64,
}

/// `valgrind --version`, if valgrind can be run.
pub fn valgrind_version() -> Option<String> {
    let output = Command::new("valgrind").arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Counts every benchmark of `groups` that is in [`GROUPS`] for `variants`, running
/// `measuring_binary` (a binary that understands [`RUN_ARGUMENT`]) under callgrind, and tells
/// `progress` what it starts.
pub fn count(
    measuring_binary: &Path,
    groups: &[Group],
    variants: &[Variant],
    mut progress: impl FnMut(&str),
) -> Result<Vec<Instructions>, String> {
    let mut counts = Vec::new();
    for group in GROUPS.into_iter().filter(|group| groups.contains(group)) {
        for shape in Shape::ALL {
            progress(&format!("instructions: {} {}", group.key(), shape.key()));
            for &variant in variants {
                let count = |runs| total(measuring_binary, group, shape, variant, runs);
                let (few, many) = runs(group);
                let polls_between = (many - few) * group.polls_per_run();
                counts.push(Instructions {
                    group,
                    shape,
                    variant,
                    per_poll: per_poll(count(few)?, count(many)?, polls_between)?,
                });
            }
        }
    }
    Ok(counts)
}

/// Instructions per poll from the two processes' totals.
fn per_poll(few: u64, many: u64, polls_between: u64) -> Result<f64, String> {
    let added = many.checked_sub(few).ok_or(format!(
        "more runs counted fewer instructions ({many} < {few})"
    ))?;
    Ok(added as f64 / polls_between as f64)
}

/// The instructions callgrind counts in one process of `measuring_binary` running `runs` runs
/// of one benchmark.
pub fn total(
    measuring_binary: &Path,
    group: Group,
    shape: Shape,
    variant: Variant,
    runs: u64,
) -> Result<u64, String> {
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(format!("--toggle-collect={COUNTED_FUNCTION}"))
        .arg(measuring_binary)
        .args([RUN_ARGUMENT, group.key(), shape.key(), variant.key()])
        .arg(runs.to_string())
        .output()
        .map_err(|error| format!("cannot run valgrind: {error}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "callgrind failed on {} {} {}: {}\n{stderr}",
            group.key(),
            shape.key(),
            variant.key(),
            output.status
        ));
    }
    parse_collected(&stderr).ok_or(format!("no `Collected :` line from callgrind:\n{stderr}"))
}

/// The function callgrind counts in, with everything it calls: the runs of one benchmark,
/// without the process around them (its start, the measuring thread's start and join).
pub const COUNTED_FUNCTION: &str = "stackless_overhead::measure::Runner::run";

/// The total from callgrind's summary line, `==PID== Collected : 12345`.
fn parse_collected(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|line| {
        let (_, total) = line.split_once("Collected :")?;
        total.trim().parse().ok()
    })
}

/// Reads `GROUP SHAPE VARIANT RUNS`, the arguments after [`RUN_ARGUMENT`].
pub fn parse_run(arguments: &[String]) -> Result<(Group, Shape, Variant, u64), String> {
    let [group, shape, variant, runs] = arguments else {
        return Err(format!(
            "`{RUN_ARGUMENT}` takes GROUP SHAPE VARIANT RUNS, got {arguments:?}"
        ));
    };
    let group = Group::ALL
        .into_iter()
        .find(|g| g.key() == group)
        .ok_or(format!("unknown group `{group}`"))?;
    let shape = Shape::ALL
        .into_iter()
        .find(|s| s.key() == shape)
        .ok_or(format!("unknown shape `{shape}`"))?;
    let variant = Variant::in_this_build()
        .iter()
        .copied()
        .find(|v| v.key() == variant)
        .ok_or(format!("no variant `{variant}` in this build"))?;
    let runs = runs
        .parse()
        .map_err(|_| format!("`{runs}` is not a number of runs"))?;
    Ok((group, shape, variant, runs))
}

/// Per group and shape, every variant's instructions per poll next to plain's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparedInstructions {
    pub group: Group,
    pub shape: Shape,
    pub plain: f64,
    pub variants: Vec<InstructionCell>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstructionCell {
    pub variant: Variant,
    pub per_poll: f64,
    /// `per_poll` minus plain's, from the same build (`stackless-off`: the build without the
    /// feature; the same binary code as plain, so any difference would be real).
    pub added: f64,
}

/// Both builds' counts, each variant next to the plain of its own build; empty if the builds
/// counted none.
pub fn compare(inspect_on: &BuildResults, inspect_off: &BuildResults) -> Vec<ComparedInstructions> {
    let find = |build: &BuildResults, group, shape, variant| {
        build
            .instructions
            .iter()
            .find(|i| i.group == group && i.shape == shape && i.variant == variant)
            .map(|i| i.per_poll)
    };
    let mut compared = Vec::new();
    for group in GROUPS {
        for shape in Shape::ALL {
            let Some(plain) = find(inspect_on, group, shape, Variant::Plain) else {
                continue;
            };
            let variants = Variant::ALL[1..]
                .iter()
                .filter_map(|&variant| {
                    let (per_poll, baseline) = match variant {
                        Variant::StacklessOff => (
                            find(inspect_off, group, shape, variant)?,
                            find(inspect_off, group, shape, Variant::Plain)?,
                        ),
                        _ => (find(inspect_on, group, shape, variant)?, plain),
                    };
                    Some(InstructionCell {
                        variant,
                        per_poll,
                        added: per_poll - baseline,
                    })
                })
                .collect();
            compared.push(ComparedInstructions {
                group,
                shape,
                plain,
                variants,
            });
        }
    }
    compared
}

/// The poll-cost goals, checked on instructions: fewer added than every peer, and nothing
/// added when off. None without counts.
pub fn goals(compared: &[ComparedInstructions]) -> Vec<Goal> {
    let mut goals = Vec::new();
    for (group, where_) in POLL_GOAL_GROUPS {
        let rows: Vec<_> = compared.iter().filter(|c| c.group == group).collect();
        if rows.is_empty() {
            continue;
        }
        let cell = |row: &ComparedInstructions, variant| {
            row.variants.iter().find(|c| c.variant == variant).cloned()
        };
        let (fewest, fewest_met) = below_every_peer(
            rows.iter().map(|row| (row.shape, &row.variants[..])),
            |c| (c.variant, c.added),
            |added| format!("{added:+.1}"),
        );
        goals.push(Goal {
            goal: format!(
                "stackless adds fewer instructions per poll than every peer {where_} (callgrind)"
            ),
            measured: fewest,
            met: fewest_met,
        });
        let off: Vec<_> = rows
            .iter()
            .filter_map(|row| Some((row.shape, cell(row, Variant::StacklessOff)?.added)))
            .collect();
        if !off.is_empty() {
            goals.push(Goal {
                goal: format!(
                    "stackless (off) adds no instruction per poll {where_} (callgrind: under \
                     {NOTHING_PER_POLL} per poll)"
                ),
                measured: off
                    .iter()
                    .map(|(shape, added)| format!("{} {added:+.1}", shape.key()))
                    .collect::<Vec<_>>()
                    .join("; "),
                met: off.iter().all(|&(_, added)| added.abs() < NOTHING_PER_POLL),
            });
        }
    }
    goals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_read_from_callgrinds_summary() {
        let stderr = "==7== Callgrind, a call-graph generating cache profiler\n\
                      ==7== Events    : Ir\n\
                      ==7== Collected : 3018919\n\
                      ==7==\n\
                      ==7== I   refs:      3,018,919\n";
        assert_eq!(parse_collected(stderr), Some(3_018_919));
        assert_eq!(parse_collected("==7== I   refs: 12\n"), None);
    }

    #[test]
    fn per_poll_is_the_difference_over_the_polls_between() {
        assert_eq!(per_poll(1_000, 1_000 + 30 * 5_000, 5_000), Ok(30.0));
        assert!(per_poll(2_000, 1_000, 5_000).is_err());
    }

    #[test]
    fn every_group_counts_about_the_same_polls() {
        for group in GROUPS {
            let (few, many) = runs(group);
            let between = (many - few) * group.polls_per_run();
            assert!(few >= 1 && few < many, "{group:?}");
            assert!(
                (POLLS_BETWEEN..POLLS_BETWEEN + group.polls_per_run()).contains(&between),
                "{group:?}: {between}"
            );
        }
    }

    #[test]
    fn run_arguments_name_a_benchmark_of_this_build() {
        let arguments = |line: &str| line.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            parse_run(&arguments("by_hand one_await plain 10")),
            Ok((Group::ByHand, Shape::OneAwait, Variant::Plain, 10))
        );
        assert!(parse_run(&arguments("by_hand one_await plain")).is_err());
        assert!(parse_run(&arguments("sideways one_await plain 10")).is_err());
        assert!(parse_run(&arguments("by_hand one_await plain ten")).is_err());
        let other_build = if cfg!(feature = "inspect") {
            "stackless-off"
        } else {
            "stackless"
        };
        assert!(parse_run(&arguments(&format!("by_hand one_await {other_build} 10"))).is_err());
    }
}
