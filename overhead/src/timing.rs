//! The timing loop: every variant of one benchmark measured in turn, sample by sample, in one
//! process, so that plain and the instrumented copies see the same machine.
//!
//! Samples are timed in CPU time ([`CpuClock`]): the machines this runs on are shared, and a
//! sample during which the benchmark was descheduled would otherwise count the other work too.
//! Wall-clock medians are recorded beside them.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::cpu_clock::CpuClock;
use crate::variant::Variant;

/// How long to measure.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Samples per variant; the median is reported.
    pub samples: usize,
    /// The shortest a sample may take; runs per sample are calibrated to reach it.
    pub sample_time: Duration,
    /// What a sample's time is.
    pub clock: CpuClock,
}

/// The time per poll of one variant, from the samples of one benchmark. A variant is a column
/// of the tables ([`Variant`]), or a way of the sharing control ([`crate::sharing::Counting`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing<K = Variant> {
    pub variant: K,
    /// Median over the samples of (sample CPU time / polls in the sample).
    pub ns_per_poll: f64,
    /// The samples' quartiles, to show the spread.
    pub ns_per_poll_lower_quartile: f64,
    pub ns_per_poll_upper_quartile: f64,
    /// The median in wall-clock time, for comparison.
    pub wall_ns_per_poll: f64,
    pub samples: usize,
    /// Runs per sample (one run: the benchmark's unit of work, `polls_per_run` polls).
    pub runs_per_sample: u64,
    /// When the build ran in several processes (see [`crate::processes`]): the ns per poll
    /// over plain that each measured, in order. These fields are from one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_ns_per_process: Vec<f64>,
}

/// Measures `run(variant, runs)` (which does `runs` runs of `polls_per_run` polls each) for every
/// variant. Samples are taken round by round, one per variant per round, the order rotating each
/// round, so drift in the machine's speed reaches every variant alike. Runs per sample are
/// calibrated once, on the first variant, and used for all.
pub fn interleaved<K: Copy>(
    variants: &[K],
    polls_per_run: u64,
    plan: Plan,
    mut run: impl FnMut(K, u64),
) -> Vec<Timing<K>> {
    assert!(!variants.is_empty() && plan.samples > 0 && polls_per_run > 0);
    for &variant in variants {
        run(variant, 1); // warm up: first-call registration, page faults, the runtime's threads
    }
    let runs = calibrate(plan.sample_time, plan.clock, |runs| run(variants[0], runs));

    let polls = (runs * polls_per_run) as f64;
    let mut cpu = vec![Vec::with_capacity(plan.samples); variants.len()];
    let mut wall = cpu.clone();
    for round in 0..plan.samples {
        for offset in 0..variants.len() {
            let index = (round + offset) % variants.len();
            let (cpu_start, wall_start) = (plan.clock.now(), Instant::now());
            run(variants[index], runs);
            let (wall_end, cpu_end) = (Instant::now(), plan.clock.now());
            cpu[index].push((cpu_end - cpu_start).as_nanos() as f64 / polls);
            wall[index].push((wall_end - wall_start).as_nanos() as f64 / polls);
        }
    }

    variants
        .iter()
        .zip(cpu.into_iter().zip(wall))
        .map(|(&variant, (mut cpu, mut wall))| {
            cpu.sort_by(f64::total_cmp);
            wall.sort_by(f64::total_cmp);
            Timing {
                variant,
                ns_per_poll: quantile(&cpu, 0.5),
                ns_per_poll_lower_quartile: quantile(&cpu, 0.25),
                ns_per_poll_upper_quartile: quantile(&cpu, 0.75),
                wall_ns_per_poll: quantile(&wall, 0.5),
                samples: cpu.len(),
                runs_per_sample: runs,
                added_ns_per_process: Vec::new(),
            }
        })
        .collect()
}

/// The smallest power of two of runs that takes at least `target` on `clock`.
fn calibrate(target: Duration, clock: CpuClock, mut run: impl FnMut(u64)) -> u64 {
    let mut runs = 1;
    loop {
        let start = clock.now();
        run(runs);
        if clock.now() - start >= target || runs >= 1 << 30 {
            return runs;
        }
        runs *= 2;
    }
}

/// The median of some numbers: the middle one, or the mean of the middle two.
pub fn median(values: &[f64]) -> f64 {
    assert!(!values.is_empty(), "the median of no values");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile(&sorted, 0.5)
}

/// The `q` quantile of sorted `values`, interpolating between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

/// Numbers to one decimal, for the tests' comparisons of computed differences.
#[cfg(test)]
pub(crate) fn one_decimal(values: &[f64]) -> Vec<String> {
    values.iter().map(|value| format!("{value:.1}")).collect()
}

#[cfg(test)]
impl<K> Timing<K> {
    /// A timing of `ns` per poll from 11 samples of one run, whose quartiles lie `spread`
    /// either side of it: for the tests of what is made of timings.
    pub(crate) fn fixed(variant: K, ns: f64, spread: f64) -> Timing<K> {
        Timing {
            variant,
            ns_per_poll: ns,
            ns_per_poll_lower_quartile: ns - spread,
            ns_per_poll_upper_quartile: ns + spread,
            wall_ns_per_poll: ns,
            samples: 11,
            runs_per_sample: 1,
            added_ns_per_process: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_samples() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.5]), 7.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0], 0.5), 2.0);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0);
        assert_eq!(quantile(&[7.0], 0.75), 7.0);
    }

    #[test]
    fn every_variant_gets_every_sample_with_the_same_runs() {
        let mut calls = Vec::new();
        let plan = Plan {
            samples: 3,
            sample_time: Duration::ZERO,
            clock: CpuClock::Thread,
        };
        let timings = interleaved(&[Variant::Plain, Variant::Tracing], 10, plan, |v, runs| {
            calls.push((v, runs))
        });
        assert_eq!(timings.len(), 2);
        assert!(
            timings
                .iter()
                .all(|t| t.samples == 3 && t.runs_per_sample == 1)
        );
        // Two warm-up calls, one calibration call, then rounds alternating which goes first.
        assert_eq!(calls[3..5], [(Variant::Plain, 1), (Variant::Tracing, 1)]);
        assert_eq!(calls[5..7], [(Variant::Tracing, 1), (Variant::Plain, 1)]);
        assert_eq!(calls.len(), 3 + 3 * 2);
    }
}
