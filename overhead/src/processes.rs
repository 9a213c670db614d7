//! Several processes of one build, and which of them each benchmark is read from.
//!
//! A process can be slow at one benchmark for its whole life, for reasons that are not the
//! code's: on an AMD EPYC, about one process in thirteen timed `alternating_awaits` by hand at
//! +5.5 ns over plain where the others measured +2.3, or timed plain on tokio up to 6.5 ns
//! slower than the variants beside it, and the next process of the same binary did not. The samples of one
//! process, however many, cannot show that. So the runner runs each build in a few processes,
//! and reads each benchmark from the process whose every variant is nearest the middle of what
//! the processes measured: a process that is off in one benchmark is passed over there, while
//! each row of a table still comes from one process, every variant next to the plain it ran
//! beside.

use crate::measure::{Benchmark, BuildResults};
use crate::sharing::{Counting, SharingControl};
use crate::timing::{Timing, median};
use crate::variant::Variant;

/// Processes per build in a full run: the median of three passes over one process that is off.
pub const FULL_RUN: usize = 3;

/// One build's results from `processes` (all of the same binary, in order), each benchmark (and
/// the sharing control) taken from the process nearest the middle (`nearest_the_middle`), every
/// timing holding what each process measured over plain ([`Timing::added_ns_per_process`]).
/// The sizes are the same in every process; the instruction counts, counted in one process,
/// are kept.
pub fn merge(processes: Vec<BuildResults>) -> Result<BuildResults, String> {
    let mut processes = processes.into_iter();
    let mut merged = processes.next().ok_or("no process to merge")?;
    let others: Vec<BuildResults> = processes.collect();
    if others.is_empty() {
        return Ok(merged);
    }
    for other in &others {
        if other.inspect_feature != merged.inspect_feature || other.sizes != merged.sizes {
            return Err("processes of one build measured different builds".to_owned());
        }
        merged
            .instructions
            .extend(other.instructions.iter().cloned());
    }
    for (index, benchmark) in merged.benchmarks.iter_mut().enumerate() {
        let theirs = others.iter().map(|other| {
            let same = other.benchmarks.get(index);
            same.filter(|b| same_benchmark(b, benchmark))
                .map(|b| &b.timings[..])
        });
        benchmark.timings =
            merge_timings(&benchmark.timings, theirs, Variant::Plain, "benchmarks")?;
    }
    if let Some(control) = &mut merged.sharing {
        let theirs = others.iter().map(|other| {
            let same = other.sharing.as_ref();
            same.filter(|c| same_control(c, control))
                .map(|c| &c.timings[..])
        });
        control.timings = merge_timings(
            &control.timings,
            theirs,
            Counting::Nothing,
            "sharing controls",
        )?;
    } else if others.iter().any(|other| other.sharing.is_some()) {
        return Err(ran_different("sharing controls"));
    }
    Ok(merged)
}

/// One measurement's timings, `ours`, merged with the same from every other process
/// (`nearest_the_middle`); an error naming `what` if one of them did not take it.
fn merge_timings<'a, K: Copy + PartialEq + 'a>(
    ours: &[Timing<K>],
    theirs: impl Iterator<Item = Option<&'a [Timing<K>]>>,
    baseline: K,
    what: &str,
) -> Result<Vec<Timing<K>>, String> {
    let mut runs = vec![ours.to_vec()];
    for timings in theirs {
        runs.push(timings.ok_or_else(|| ran_different(what))?.to_vec());
    }
    nearest_the_middle(&runs, baseline)
}

fn ran_different(what: &str) -> String {
    format!("processes of one build ran different {what}")
}

fn same_benchmark(a: &Benchmark, b: &Benchmark) -> bool {
    a.group == b.group && a.shape == b.shape && variants(&a.timings) == variants(&b.timings)
}

fn same_control(a: &SharingControl, b: &SharingControl) -> bool {
    a.polls_per_run == b.polls_per_run && variants(&a.timings) == variants(&b.timings)
}

fn variants<K: Copy>(timings: &[Timing<K>]) -> Vec<K> {
    timings.iter().map(|t| t.variant).collect()
}

/// Of one benchmark's timings from several processes (the same variants, in the same order),
/// the run whose variants' ratios to `baseline`'s are, together, nearest the medians of all
/// the runs' (the sum over variants of the distance of the ratio's logarithm from the
/// median's: a relative distance, so that a variant 40 ns over plain does not outweigh one
/// 1 ns over). The first of equals wins. Each timing of the run returned lists every run's ns
/// over the baseline.
fn nearest_the_middle<K: Copy + PartialEq>(
    runs: &[Vec<Timing<K>>],
    baseline: K,
) -> Result<Vec<Timing<K>>, String> {
    let baselines: Vec<f64> = runs
        .iter()
        .map(|timings| baseline_ns(timings, baseline))
        .collect::<Result<_, _>>()?;
    let log_ratios: Vec<Vec<f64>> = runs
        .iter()
        .zip(&baselines)
        .map(|(timings, base)| {
            timings
                .iter()
                .map(|t| (t.ns_per_poll / base).ln())
                .collect()
        })
        .collect();
    let variants = runs[0].len();
    let medians: Vec<f64> = (0..variants)
        .map(|v| median(&log_ratios.iter().map(|run| run[v]).collect::<Vec<_>>()))
        .collect();
    let distance = |run: &Vec<f64>| -> f64 {
        run.iter()
            .zip(&medians)
            .map(|(ratio, median)| (ratio - median).abs())
            .sum()
    };
    let chosen = (0..runs.len())
        .min_by(|&a, &b| distance(&log_ratios[a]).total_cmp(&distance(&log_ratios[b])))
        .expect("at least one run");
    let mut timings = runs[chosen].clone();
    for (v, timing) in timings.iter_mut().enumerate() {
        timing.added_ns_per_process = runs
            .iter()
            .zip(&baselines)
            .map(|(run, base)| run[v].ns_per_poll - base)
            .collect();
    }
    Ok(timings)
}

fn baseline_ns<K: PartialEq>(timings: &[Timing<K>], baseline: K) -> Result<f64, String> {
    timings
        .iter()
        .find(|t| t.variant == baseline)
        .map(|t| t.ns_per_poll)
        .ok_or_else(|| "a benchmark without its baseline (plain) variant".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instructions::Instructions;
    use crate::measure::{Group, Size};
    use crate::timing::one_decimal;
    use crate::variant::Shape;

    /// A process that timed plain, stackless and tracing at these ns per poll, for `one_await`
    /// and `alternating_awaits` by hand.
    fn process(one_await: [f64; 3], alternating: [f64; 3]) -> BuildResults {
        let benchmark = |shape, [plain, ours, tracing]: [f64; 3]| Benchmark {
            group: Group::ByHand,
            shape,
            polls_per_run: 101,
            timings: vec![
                Timing::fixed(Variant::Plain, plain, 0.0),
                Timing::fixed(Variant::Stackless, ours, 0.0),
                Timing::fixed(Variant::Tracing, tracing, 0.0),
            ],
        };
        BuildResults {
            inspect_feature: true,
            profile: "release".to_owned(),
            sizes: vec![Size {
                shape: Shape::OneAwait,
                variant: Variant::Stackless,
                bytes: 20,
            }],
            benchmarks: vec![
                benchmark(Shape::OneAwait, one_await),
                benchmark(Shape::AlternatingAwaits, alternating),
            ],
            instructions: Vec::new(),
            sharing: None,
        }
    }

    #[test]
    fn each_benchmark_is_read_from_a_process_that_is_not_off() {
        let merged = merge(vec![
            // Ours off in `alternating_awaits`.
            process([1.0, 2.0, 4.0], [1.5, 7.0, 5.5]),
            // Plain off in `one_await`: every ratio low.
            process([1.5, 2.0, 4.0], [1.5, 3.8, 5.5]),
            process([1.0, 2.1, 4.0], [1.5, 3.9, 5.4]),
        ])
        .unwrap();
        let ns = |b: &Benchmark| b.timings.iter().map(|t| t.ns_per_poll).collect::<Vec<_>>();
        assert_eq!(ns(&merged.benchmarks[0]), [1.0, 2.0, 4.0]);
        assert_eq!(ns(&merged.benchmarks[1]), [1.5, 3.9, 5.4]);
        let ours = &merged.benchmarks[1].timings[1];
        let added = one_decimal(&ours.added_ns_per_process);
        assert_eq!(added, ["5.5", "2.3", "2.4"]);
        assert_eq!(
            merged.benchmarks[0].timings[0].added_ns_per_process,
            [0.0; 3]
        );
    }

    /// `process`, with a sharing control that timed counting nothing, on a line per thread and
    /// on a shared line at these ns per poll.
    fn with_control(mut process: BuildResults, ns: [f64; 3]) -> BuildResults {
        process.sharing = Some(SharingControl {
            polls_per_run: 64064,
            timings: Counting::ALL
                .iter()
                .zip(ns)
                .map(|(&counting, ns)| Timing::fixed(counting, ns, 0.0))
                .collect(),
        });
        process
    }

    #[test]
    fn the_sharing_control_is_read_from_the_process_nearest_the_middle_too() {
        let timed = process([1.0, 2.0, 4.0], [1.5, 3.8, 5.5]);
        let merged = merge(vec![
            with_control(timed.clone(), [30.0, 30.5, 80.0]),
            with_control(timed.clone(), [30.0, 30.6, 45.0]),
            // The shared line's cost varies most from process to process.
            with_control(timed.clone(), [31.0, 31.5, 47.0]),
        ])
        .unwrap();
        let control = merged.sharing.expect("the control is kept");
        let ns: Vec<f64> = control.timings.iter().map(|t| t.ns_per_poll).collect();
        assert_eq!(ns, [31.0, 31.5, 47.0]);
        let shared = one_decimal(&control.timings[2].added_ns_per_process);
        assert_eq!(shared, ["50.0", "15.0", "16.0"]);

        let without = merge(vec![
            with_control(timed.clone(), [30.0, 30.5, 80.0]),
            timed.clone(),
        ]);
        assert!(without.is_err());
        let first_without = merge(vec![timed.clone(), with_control(timed, [30.0, 30.5, 80.0])]);
        assert!(first_without.is_err());
    }

    #[test]
    fn one_process_is_left_as_it_measured() {
        let alone = process([1.0, 2.0, 4.0], [1.5, 7.0, 5.5]);
        assert_eq!(merge(vec![alone.clone()]).unwrap(), alone);
    }

    #[test]
    fn the_counts_are_kept_and_different_builds_are_refused() {
        let mut counted = process([1.0, 2.0, 4.0], [1.5, 3.8, 5.5]);
        counted.instructions.push(Instructions {
            group: Group::ByHand,
            shape: Shape::OneAwait,
            variant: Variant::Plain,
            per_poll: 16.2,
        });
        let timed = process([1.0, 2.0, 4.0], [1.5, 3.8, 5.5]);
        let merged = merge(vec![timed.clone(), counted.clone()]).unwrap();
        assert_eq!(merged.instructions, counted.instructions);

        let mut other_build = timed.clone();
        other_build.inspect_feature = false;
        assert!(merge(vec![timed.clone(), other_build]).is_err());
        let mut fewer = timed.clone();
        fewer.benchmarks.pop();
        assert!(merge(vec![timed.clone(), fewer]).is_err());
        let mut other_variants = timed.clone();
        other_variants.benchmarks[1].timings.pop();
        assert!(merge(vec![timed, other_variants]).is_err());
        assert!(merge(Vec::new()).is_err());
    }
}
