//! The results as a value (serialised to JSON for the overhead report) and as a table.
//!
//! Each build has two times: wall-clock time, what a developer waits, and CPU time (user plus
//! system of cargo and every rustc it ran, on all cores), which does not count the time spent
//! waiting for a core that other work on the machine holds, and so is the steadier of the two
//! on a shared machine. Both are reported (`wall_*`, `cpu_*`); `seconds_*`, `ratio_to_plain`
//! and the goal's verdict use the one named by `basis` (CPU time unless `--basis wall`). Every
//! ratio divides medians measured in the same run.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::cargo::Timing;
use crate::environment::Environment;
use crate::measure::{MacroCrateSamples, VariantSamples, median};
use crate::measured_code::generated_crates_digest;
use crate::real_crate::{Carried, RealCrateSamples, TARGETS};
use crate::variant::{Variant, VariantBuild};

/// The goal: ours at most this many times plain, and no slower than tracing.
pub const GOAL_RATIO_TO_PLAIN: f64 = 1.25;

/// The macro crate of ours, the one `macro_crate_clean_build_seconds` is about.
pub const OUR_MACRO_CRATE: &str = "stackless-macros";

/// Which time `seconds_*`, `ratio_to_plain` and the goal use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    Cpu,
    Wall,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Cpu => "cpu",
            Basis::Wall => "wall",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub crate_functions: usize,
    /// [`generated_crates_digest`] of the crates timed: what a test compares with the
    /// generator's.
    pub crate_sources_digest: String,
    pub builds: Vec<Build>,
    /// Median time, on the basis, of a clean build of stackless-macros with its dependencies.
    pub macro_crate_clean_build_seconds: f64,
    /// The same for each peer's macro crate.
    pub peer_macro_crates_clean_build_seconds: BTreeMap<String, f64>,
    pub profile: String,
    /// The time that `seconds_*` and `ratio_to_plain` are in.
    pub basis: Basis,
    /// Timed builds per variant.
    pub runs: usize,
    /// Clean builds per macro crate.
    pub macro_crate_runs: usize,
    pub goal: Goal,
    pub macro_crates: Vec<MacroCrate>,
    /// The same comparison on a real crate's copies, if they were timed.
    pub real_crate: Option<RealCrate>,
    /// Why they were not.
    pub real_crate_not_timed: Option<String>,
    pub environment: Environment,
}

/// A crate from crates.io, plain and with every `async fn` it compiles annotated, by ours and
/// by each peer (see `real_crate.rs`). The fields before `variants` are plain and stackless
/// alone, as the report had them before the peers were timed too.
#[derive(Debug, Serialize)]
pub struct RealCrate {
    /// `<crate>-<version>`.
    pub name: String,
    /// `async fn`s carrying the attribute in the annotated copy.
    pub annotated_functions: usize,
    /// What each timed build compiled.
    pub targets: &'static str,
    pub plain: Spread,
    pub annotated: Spread,
    /// The annotated copy's median over the plain copy's, on the basis.
    pub ratio_to_plain: f64,
    pub wall_ratio_to_plain: f64,
    pub cpu_ratio_to_plain: f64,
    /// Every copy, plain first: the generated crate's comparison, on this crate.
    pub variants: Vec<RealCrateVariant>,
    /// The goal checked on this crate too. Only for information: the goal is the
    /// generated crate's (`Report::goal`).
    pub goal: Goal,
}

/// One copy of the real crate.
#[derive(Debug, Serialize)]
pub struct RealCrateVariant {
    pub variant: String,
    /// The attribute on its functions; `None` for plain.
    pub attribute: Option<&'static str>,
    /// Functions of the crate's `src/` carrying the attribute: `added` plus `as_published`.
    pub functions: usize,
    #[serde(flatten)]
    pub carried: Carried,
    #[serde(flatten)]
    pub build: Times,
}

impl RealCrate {
    /// `None` without the plain or the stackless copy's timings.
    fn new(samples: &RealCrateSamples, basis: Basis) -> Option<RealCrate> {
        let timings = |variant: Variant| {
            samples
                .copies
                .iter()
                .find(|copy| copy.variant == variant)
                .map(|copy| &copy.timings)
        };
        let plain = Spread::of(timings(Variant::Plain)?);
        let annotated = Spread::of(timings(Variant::Stackless)?);
        let variants: Vec<RealCrateVariant> = samples
            .copies
            .iter()
            .map(|copy| RealCrateVariant {
                variant: copy.variant.name().to_owned(),
                attribute: copy.variant.attribute_line(),
                functions: copy.carried.added + copy.carried.as_published,
                carried: copy.carried.clone(),
                build: Times::new(&copy.timings, &plain, basis),
            })
            .collect();
        let timed: Vec<(&str, &Spread)> = variants
            .iter()
            .map(|copy| (copy.variant.as_str(), &copy.build.spread))
            .collect();
        let goal = Goal::of(basis, &timed);
        Some(RealCrate {
            name: samples.name.clone(),
            annotated_functions: variants
                .iter()
                .find(|copy| copy.variant == Variant::Stackless.name())
                .map_or(0, |copy| copy.carried.added),
            targets: TARGETS,
            ratio_to_plain: annotated.median_on(basis) / plain.median_on(basis),
            wall_ratio_to_plain: annotated.wall_seconds_median / plain.wall_seconds_median,
            cpu_ratio_to_plain: annotated.cpu_seconds_median / plain.cpu_seconds_median,
            plain,
            annotated,
            variants,
            goal,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct Build {
    pub variant: String,
    /// `cargo build` of the variant's crate.
    #[serde(flatten)]
    pub build: Times,
    /// `cargo check` of the same crate: macro expansion, type and borrow checking, metadata,
    /// without code generation. `build` minus `check` is roughly the time in codegen.
    pub check: Times,
    /// Size of the built library: a proxy for how much code the attribute adds.
    pub rlib_bytes: Option<u64>,
}

/// Medians, every sample and ratios to plain of one kind of build.
#[derive(Debug, Serialize)]
pub struct Times {
    /// On the basis: a copy of either the `wall_*` or the `cpu_*` fields.
    pub seconds_median: f64,
    pub seconds_all: Vec<f64>,
    pub ratio_to_plain: f64,
    #[serde(flatten)]
    pub spread: Spread,
    pub wall_ratio_to_plain: f64,
    pub cpu_ratio_to_plain: f64,
}

/// Wall and CPU time of some builds of one kind.
#[derive(Debug, Serialize)]
pub struct Spread {
    pub wall_seconds_median: f64,
    pub wall_seconds_all: Vec<f64>,
    pub cpu_seconds_median: f64,
    pub cpu_seconds_all: Vec<f64>,
}

impl Spread {
    fn of(timings: &[Timing]) -> Spread {
        let wall_seconds_all: Vec<f64> = timings.iter().map(|timing| timing.wall_seconds).collect();
        let cpu_seconds_all: Vec<f64> = timings.iter().map(|timing| timing.cpu_seconds).collect();
        Spread {
            wall_seconds_median: median(&wall_seconds_all),
            wall_seconds_all,
            cpu_seconds_median: median(&cpu_seconds_all),
            cpu_seconds_all,
        }
    }

    fn median_on(&self, basis: Basis) -> f64 {
        match basis {
            Basis::Cpu => self.cpu_seconds_median,
            Basis::Wall => self.wall_seconds_median,
        }
    }
}

impl Times {
    /// The table's columns: wall median and ratio to plain, CPU median and ratio.
    fn wall_and_cpu(&self) -> String {
        format!(
            "{:>8.2} s {:>6.2}x {:>8.2} s {:>6.2}x",
            self.spread.wall_seconds_median,
            self.wall_ratio_to_plain,
            self.spread.cpu_seconds_median,
            self.cpu_ratio_to_plain
        )
    }

    fn new(timings: &[Timing], plain: &Spread, basis: Basis) -> Times {
        let spread = Spread::of(timings);
        let wall_ratio_to_plain = spread.wall_seconds_median / plain.wall_seconds_median;
        let cpu_ratio_to_plain = spread.cpu_seconds_median / plain.cpu_seconds_median;
        let (seconds_all, ratio_to_plain) = match basis {
            Basis::Cpu => (spread.cpu_seconds_all.clone(), cpu_ratio_to_plain),
            Basis::Wall => (spread.wall_seconds_all.clone(), wall_ratio_to_plain),
        };
        Times {
            seconds_median: spread.median_on(basis),
            seconds_all,
            ratio_to_plain,
            spread,
            wall_ratio_to_plain,
            cpu_ratio_to_plain,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Goal {
    pub max_ratio_to_plain: f64,
    /// Ours within the ratio and no slower than tracing, on the basis.
    pub met: bool,
    /// The same on wall-clock medians.
    pub met_wall: bool,
    /// The same on CPU-time medians.
    pub met_cpu: bool,
}

impl Goal {
    /// Ours within the ratio of plain and no slower than tracing, by the medians of `timed`
    /// (each variant's name and times); missed where one of the three was not timed.
    fn of(basis: Basis, timed: &[(&str, &Spread)]) -> Goal {
        let median = |variant: Variant, basis| {
            let (_, spread) = timed.iter().find(|(name, _)| *name == variant.name())?;
            Some(spread.median_on(basis))
        };
        let met_on = |basis| match (
            median(Variant::Plain, basis),
            median(Variant::Stackless, basis),
            median(Variant::Tracing, basis),
        ) {
            (Some(plain), Some(ours), Some(tracing)) => {
                ours / plain <= GOAL_RATIO_TO_PLAIN && ours <= tracing
            }
            _ => false,
        };
        Goal {
            max_ratio_to_plain: GOAL_RATIO_TO_PLAIN,
            met: met_on(basis),
            met_wall: met_on(Basis::Wall),
            met_cpu: met_on(Basis::Cpu),
        }
    }

    /// `met on cpu time (met on wall time, missed on cpu time)`.
    fn verdict(&self, basis: Basis) -> String {
        let verdict = |met: bool| if met { "met" } else { "missed" };
        format!(
            "{} on {} time ({} on wall time, {} on cpu time)",
            verdict(self.met),
            basis.name(),
            verdict(self.met_wall),
            verdict(self.met_cpu)
        )
    }
}

#[derive(Debug, Serialize)]
pub struct MacroCrate {
    pub name: String,
    pub features: Vec<String>,
    /// What its clean build with dependencies compiled, `name vVERSION`.
    pub compiled: Vec<String>,
    /// Into an emptied target directory.
    pub with_dependencies: Spread,
    /// After `cargo clean -p` of the crate alone.
    pub alone: Spread,
}

/// What the report is made from.
pub struct Measured {
    pub functions: usize,
    pub profile: &'static str,
    pub basis: Basis,
    pub runs: usize,
    pub macro_crate_runs: usize,
    pub variants: Vec<VariantSamples>,
    pub rlib_bytes: BTreeMap<&'static str, u64>,
    pub macro_crates: Vec<MacroCrateSamples>,
    /// The real crate's timings, or why there are none.
    pub real_crate: Result<RealCrateSamples, String>,
    pub environment: Environment,
}

impl Report {
    /// Medians and ratios; `None` if the plain variant or our macro crate was not measured.
    pub fn new(measured: Measured) -> Option<Report> {
        let basis = measured.basis;
        let plain = measured
            .variants
            .iter()
            .find(|samples| samples.variant == Variant::Plain)?;
        let plain_build = Spread::of(&plain.builds);
        let plain_check = Spread::of(&plain.checks);
        let builds: Vec<Build> = measured
            .variants
            .iter()
            .map(|samples| Build {
                variant: samples.variant.name().to_string(),
                build: Times::new(&samples.builds, &plain_build, basis),
                check: Times::new(&samples.checks, &plain_check, basis),
                rlib_bytes: measured.rlib_bytes.get(samples.variant.name()).copied(),
            })
            .collect();

        let macro_crates: Vec<MacroCrate> = measured
            .macro_crates
            .iter()
            .map(|samples| MacroCrate {
                name: samples.name.clone(),
                features: samples.features.clone(),
                compiled: samples.compiled.clone(),
                with_dependencies: Spread::of(&samples.with_dependencies),
                alone: Spread::of(&samples.alone),
            })
            .collect();
        let ours = macro_crates
            .iter()
            .find(|entry| entry.name == OUR_MACRO_CRATE)?;
        let peer_macro_crates_clean_build_seconds = macro_crates
            .iter()
            .filter(|entry| entry.name != OUR_MACRO_CRATE)
            .map(|entry| (entry.name.clone(), entry.with_dependencies.median_on(basis)))
            .collect();

        let timed: Vec<(&str, &Spread)> = builds
            .iter()
            .map(|build| (build.variant.as_str(), &build.build.spread))
            .collect();
        let goal = Goal::of(basis, &timed);
        Some(Report {
            crate_functions: measured.functions,
            crate_sources_digest: generated_crates_digest(measured.functions),
            builds,
            macro_crate_clean_build_seconds: ours.with_dependencies.median_on(basis),
            peer_macro_crates_clean_build_seconds,
            profile: measured.profile.to_string(),
            basis,
            runs: measured.runs,
            macro_crate_runs: measured.macro_crate_runs,
            goal,
            macro_crates,
            real_crate: measured
                .real_crate
                .as_ref()
                .ok()
                .and_then(|samples| RealCrate::new(samples, basis)),
            real_crate_not_timed: measured.real_crate.err(),
            environment: measured.environment,
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the report serialises")
    }

    /// The table printed at the end of a run.
    pub fn table(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "compile time of a crate of {} annotated async fns, {} profile, median of {} \
             interleaved runs; ratios on {} time\n({}; {}; {} cpus; {}; stackless {})\n",
            self.crate_functions,
            self.profile,
            self.runs,
            self.basis.name(),
            self.environment.rustc,
            self.environment.cargo,
            self.environment.cpus,
            self.environment.date_utc,
            self.environment.stackless_revision
        );
        let _ = writeln!(
            text,
            "{:<16} {:>10} {:>7} {:>10} {:>7} {:>10} {:>7} {:>11}",
            "variant",
            "build wall",
            "x plain",
            "build cpu",
            "x plain",
            "check cpu",
            "x plain",
            "rlib"
        );
        for build in &self.builds {
            let rlib = build.rlib_bytes.map_or_else(
                || "-".to_string(),
                |bytes| format!("{:.1} KiB", bytes as f64 / 1024.0),
            );
            let _ = writeln!(
                text,
                "{:<16} {} {:>8.2} s {:>6.2}x {:>11}",
                build.variant,
                build.build.wall_and_cpu(),
                build.check.spread.cpu_seconds_median,
                build.check.cpu_ratio_to_plain,
                rlib
            );
        }
        let _ = writeln!(
            text,
            "\ngoal (stackless at most {:.2}x plain and no slower than tracing): {}",
            self.goal.max_ratio_to_plain,
            self.goal.verdict(self.basis)
        );

        let _ = writeln!(
            text,
            "\nclean builds of the proc-macro crates, median of {}:",
            self.macro_crate_runs
        );
        let _ = writeln!(
            text,
            "{:<27} {:>20} {:>20}  compiled with its dependencies",
            "crate", "with dependencies", "alone"
        );
        let cell = |spread: &Spread| {
            format!(
                "{:.2} s ({:.2} cpu)",
                spread.wall_seconds_median, spread.cpu_seconds_median
            )
        };
        for entry in &self.macro_crates {
            let _ = writeln!(
                text,
                "{:<27} {:>20} {:>20}  {}",
                entry.name,
                cell(&entry.with_dependencies),
                cell(&entry.alone),
                entry.compiled.join(", ")
            );
        }
        match (&self.real_crate, &self.real_crate_not_timed) {
            (Some(real), _) => self.real_crate_table(&mut text, real),
            (None, Some(reason)) => {
                let _ = writeln!(text, "\nno real crate timed: {reason}");
            }
            (None, None) => {}
        }
        text
    }

    fn real_crate_table(&self, text: &mut String, real: &RealCrate) {
        let _ = writeln!(
            text,
            "\na real crate, {} ({} async fns annotated), its {}, median of {} \
             runs:\nplain {:.2} s ({:.2} cpu), stackless {:.2} s ({:.2} cpu): \
             {:.2}x plain on {} time\n",
            real.name,
            real.annotated_functions,
            real.targets,
            self.runs,
            real.plain.wall_seconds_median,
            real.plain.cpu_seconds_median,
            real.annotated.wall_seconds_median,
            real.annotated.cpu_seconds_median,
            real.ratio_to_plain,
            self.basis.name()
        );
        let _ = writeln!(
            text,
            "{:<16} {:>24} {:>10} {:>7} {:>10} {:>7}  attribute from",
            "variant", "functions", "build wall", "x plain", "build cpu", "x plain"
        );
        for copy in &real.variants {
            let carried = &copy.carried;
            let functions = match (copy.attribute, carried.as_published) {
                (None, _) => "-".to_owned(),
                (Some(_), 0) => copy.functions.to_string(),
                (Some(_), published) => {
                    format!("{} ({published} as published)", copy.functions)
                }
            };
            let _ = writeln!(
                text,
                "{:<16} {functions:>24} {}  {}",
                copy.variant,
                copy.build.wall_and_cpu(),
                carried.macro_crate.as_deref().unwrap_or("-")
            );
        }
        for copy in &real.variants {
            let carried = &copy.carried;
            if carried.not_compiling > 0 {
                let _ = writeln!(
                    text,
                    "{}: left off {} functions it does not compile on: {}",
                    copy.variant,
                    carried.not_compiling,
                    carried.not_compiling_errors.join("; ")
                );
            }
            if !carried.dependencies_unlike_plain.is_empty() {
                let _ = writeln!(
                    text,
                    "{}: the crate's dependencies unlike plain's: {}",
                    copy.variant,
                    carried.dependencies_unlike_plain.join(", ")
                );
            }
        }
        let _ = writeln!(
            text,
            "goal on this crate (for information; the goal is the generated crate's): {}",
            real.goal.verdict(self.basis)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::real_crate::CopySamples;

    fn timings(pairs: &[(f64, f64)]) -> Vec<Timing> {
        pairs
            .iter()
            .map(|&(wall_seconds, cpu_seconds)| Timing {
                wall_seconds,
                cpu_seconds,
            })
            .collect()
    }

    fn measured(stackless_wall: f64) -> Measured {
        measured_on(Basis::Wall, stackless_wall)
    }

    fn copy(variant: Variant, added: usize, pairs: &[(f64, f64)]) -> CopySamples {
        CopySamples {
            timings: timings(pairs),
            ..CopySamples::new(variant, added, &[])
        }
    }

    fn measured_on(basis: Basis, stackless_wall: f64) -> Measured {
        // Checks take half of the build's wall time and a quarter of its CPU time.
        let variant = |variant, pairs: &[(f64, f64)]| VariantSamples {
            variant,
            builds: timings(pairs),
            checks: timings(
                &pairs
                    .iter()
                    .map(|&(wall, cpu)| (wall / 2.0, cpu / 4.0))
                    .collect::<Vec<_>>(),
            ),
        };
        let macro_crate = |name: &str, with: f64, alone: f64| MacroCrateSamples {
            name: name.to_string(),
            with_dependencies: timings(&[(with, with * 1.5)]),
            alone: timings(&[(alone, alone)]),
            compiled: vec!["syn v2.0.119".into(), format!("{name} v0.1.0")],
            features: vec![],
        };
        Measured {
            functions: 500,
            profile: "dev",
            basis,
            runs: 3,
            macro_crate_runs: 1,
            variants: vec![
                variant(Variant::Plain, &[(2.0, 3.0), (2.2, 3.1), (1.9, 2.9)]),
                variant(
                    Variant::Stackless,
                    &[
                        (stackless_wall, 3.3),
                        (stackless_wall, 3.5),
                        (stackless_wall, 3.4),
                    ],
                ),
                variant(Variant::Tracing, &[(3.0, 5.0), (3.2, 5.5), (2.8, 4.5)]),
            ],
            rlib_bytes: BTreeMap::from([("plain", 2048)]),
            macro_crates: vec![
                macro_crate("stackless-macros", 12.0, 2.0),
                macro_crate("tracing-attributes", 10.0, 3.0),
            ],
            real_crate: Ok(RealCrateSamples {
                name: "app-0.1.0".into(),
                copies: vec![
                    copy(Variant::Plain, 0, &[(1.0, 2.0), (1.2, 2.2), (1.1, 2.1)]),
                    copy(
                        Variant::Stackless,
                        33,
                        &[(1.3, 2.5), (1.2, 2.4), (1.4, 2.6)],
                    ),
                    // Slower than stackless on wall time, faster on CPU time.
                    CopySamples {
                        carried: Carried {
                            added: 7,
                            as_published: 11,
                            not_compiling: 15,
                            not_compiling_errors: vec!["`Client` doesn't implement `Debug`".into()],
                            macro_crate: Some("tracing-attributes v0.1.15".into()),
                            dependencies_unlike_plain: vec!["bytes 1.0.1 → 1.5.0".into()],
                        },
                        ..copy(Variant::Tracing, 7, &[(1.5, 2.3), (1.4, 2.3), (1.6, 2.3)])
                    },
                ],
            }),
            environment: Environment {
                rustc: "rustc 1.95.0".into(),
                cargo: "cargo 1.95.0".into(),
                cpus: 2,
                date_utc: "2026-01-01T00:00:00Z".into(),
                stackless_revision: "0123abc".into(),
                stackless_code_digest: "0123456789abcdef".into(),
                locked_dependencies_digest: "fedcba9876543210".into(),
            },
        }
    }

    #[test]
    fn ratios_divide_medians_by_plains_median() {
        let report = Report::new(measured(2.4)).unwrap();
        let stackless = &report.builds[1];
        assert_eq!(stackless.variant, "stackless");
        assert!((stackless.build.ratio_to_plain - 1.2).abs() < 1e-12);
        assert!((stackless.build.cpu_ratio_to_plain - 3.4 / 3.0).abs() < 1e-12);
        assert!((stackless.check.ratio_to_plain - 1.2).abs() < 1e-12);
        assert_eq!(stackless.check.spread.cpu_seconds_median, 3.4 / 4.0);
        assert_eq!(report.builds[0].build.ratio_to_plain, 1.0);
        assert_eq!(report.builds[0].rlib_bytes, Some(2048));
        assert!(report.goal.met_wall && report.goal.met_cpu);
    }

    #[test]
    fn the_goal_is_missed_past_the_ratio_or_past_tracing() {
        // 2.6 / 2.0 = 1.3x plain, but still faster than tracing's 3.0.
        assert!(!Report::new(measured(2.6)).unwrap().goal.met_wall);
        assert!(Report::new(measured(2.5)).unwrap().goal.met_wall);
    }

    #[test]
    fn json_has_the_shape_the_overhead_report_reads() {
        let report = Report::new(measured(2.4)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["crate_functions"], 500);
        assert_eq!(json["profile"], "dev");
        assert_eq!(json["builds"][0]["variant"], "plain");
        assert_eq!(json["builds"][0]["seconds_median"], 2.0);
        assert_eq!(
            json["builds"][0]["seconds_all"],
            serde_json::json!([2.0, 2.2, 1.9])
        );
        assert_eq!(
            json["builds"][0]["cpu_seconds_all"],
            serde_json::json!([3.0, 3.1, 2.9])
        );
        assert_eq!(json["builds"][2]["ratio_to_plain"], 1.5);
        assert_eq!(json["builds"][2]["check"]["seconds_median"], 1.5);
        assert_eq!(json["macro_crate_clean_build_seconds"], 12.0);
        assert_eq!(
            json["peer_macro_crates_clean_build_seconds"],
            serde_json::json!({"tracing-attributes": 10.0})
        );
    }

    #[test]
    fn the_table_shows_every_variant_and_macro_crate() {
        let table = Report::new(measured(2.4)).unwrap().table();
        assert!(
            table.contains(
                "stackless            2.40 s   1.20x     3.40 s   1.13x     0.85 s   1.13x"
            ),
            "{table}"
        );
        assert!(
            table.contains("met on wall time (met on wall time, met on cpu time)"),
            "{table}"
        );
        assert!(table.contains("tracing-attributes"), "{table}");
        assert!(
            table.contains("syn v2.0.119, stackless-macros v0.1.0"),
            "{table}"
        );
    }

    #[test]
    fn the_basis_picks_the_time_behind_seconds_ratio_and_goal() {
        let report = Report::new(measured_on(Basis::Cpu, 2.6)).unwrap();
        let stackless = &report.builds[1].build;
        assert_eq!(stackless.seconds_median, 3.4);
        assert_eq!(stackless.seconds_all, vec![3.3, 3.5, 3.4]);
        assert!((stackless.ratio_to_plain - 3.4 / 3.0).abs() < 1e-12);
        assert!((stackless.wall_ratio_to_plain - 1.3).abs() < 1e-12);
        assert!(report.goal.met && report.goal.met_cpu && !report.goal.met_wall);
        assert_eq!(report.macro_crate_clean_build_seconds, 18.0);
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["basis"], "cpu");
    }

    #[test]
    fn the_real_crate_is_reported_or_why_not() {
        let report = Report::new(measured_on(Basis::Cpu, 2.4)).unwrap();
        let real = report.real_crate.as_ref().unwrap();
        assert!((real.ratio_to_plain - 2.5 / 2.1).abs() < 1e-12);
        assert!((real.wall_ratio_to_plain - 1.3 / 1.1).abs() < 1e-12);
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["real_crate"]["name"], "app-0.1.0");
        assert_eq!(json["real_crate"]["annotated_functions"], 33);
        assert_eq!(json["real_crate"]["annotated"]["cpu_seconds_median"], 2.5);
        assert!(json["real_crate_not_timed"].is_null());
        let table = report.table();
        assert!(
            table.contains("plain 1.10 s (2.10 cpu), stackless 1.30 s (2.50 cpu): 1.19x plain"),
            "{table}"
        );
        let mut untimed = measured(2.4);
        untimed.real_crate = Err("no crate in r/plain".into());
        let report = Report::new(untimed).unwrap();
        assert!(report.real_crate.is_none());
        assert!(
            report
                .table()
                .contains("no real crate timed: no crate in r/plain")
        );
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["real_crate_not_timed"], "no crate in r/plain");
    }

    #[test]
    fn every_copy_of_the_real_crate_is_compared_with_plain() {
        let report = Report::new(measured_on(Basis::Cpu, 2.4)).unwrap();
        let real = report.real_crate.as_ref().unwrap();
        let names: Vec<&str> = real.variants.iter().map(|v| v.variant.as_str()).collect();
        assert_eq!(names, ["plain", "stackless", "tracing"]);
        let tracing = &real.variants[2];
        assert_eq!((tracing.functions, tracing.carried.added), (18, 7));
        assert!((tracing.build.ratio_to_plain - 2.3 / 2.1).abs() < 1e-12);
        assert!((tracing.build.wall_ratio_to_plain - 1.5 / 1.1).abs() < 1e-12);

        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        let tracing = &json["real_crate"]["variants"][2];
        assert_eq!(tracing["variant"], "tracing");
        assert_eq!(tracing["attribute"], "#[tracing::instrument]");
        assert_eq!(tracing["functions"], 18);
        assert_eq!(tracing["as_published"], 11);
        assert_eq!(tracing["not_compiling"], 15);
        assert_eq!(
            tracing["not_compiling_errors"],
            serde_json::json!(["`Client` doesn't implement `Debug`"])
        );
        assert_eq!(tracing["macro_crate"], "tracing-attributes v0.1.15");
        assert_eq!(tracing["seconds_median"], 2.3);
        assert_eq!(
            tracing["wall_seconds_all"],
            serde_json::json!([1.5, 1.4, 1.6])
        );
        assert_eq!(
            json["real_crate"]["variants"][0]["attribute"],
            serde_json::Value::Null
        );
        assert_eq!(json["real_crate"]["variants"][0]["ratio_to_plain"], 1.0);

        // Stackless is 1.19x plain and faster than tracing on wall time, slower on CPU time;
        // the generated crate's goal is its own.
        assert!(!real.goal.met && real.goal.met_wall && !real.goal.met_cpu);
        assert!(report.goal.met_cpu);
        let table = report.table();
        for line in [
            "tracing              18 (11 as published)     1.50 s   1.36x     2.30 s   1.10x  \
             tracing-attributes v0.1.15",
            "tracing: left off 15 functions it does not compile on: `Client` doesn't implement \
             `Debug`",
            "tracing: the crate's dependencies unlike plain's: bytes 1.0.1 → 1.5.0",
            "goal on this crate (for information; the goal is the generated crate's): missed on \
             cpu time (met on wall time, missed on cpu time)",
        ] {
            assert!(table.contains(line), "{line}\n{table}");
        }
        assert!(table.contains("\nplain                                   -     1.10 s"));
    }

    #[test]
    fn without_plain_there_is_no_report() {
        let mut without_plain = measured(2.4);
        without_plain.variants.remove(0);
        assert!(Report::new(without_plain).is_none());
    }
}
