//! The measurements: every variant's own build and check, timed after touching its source,
//! round-robin so that a burst of noise on the machine falls on all variants alike; and the
//! clean builds of the attributes' proc-macro crates, with and without their dependencies.

use std::fs;

use crate::cargo::{Artifact, Cargo, Diagnostic, Run, Timing};
use crate::failure::Failure;
use crate::variant::{Variant, VariantBuild};
use crate::workspace::GeneratedWorkspace;

/// The cargo profile the builds use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Release,
}

impl Profile {
    /// The name in the report, as cargo names the profile.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Release => "release",
        }
    }

    /// The target subdirectory its artifacts go to.
    pub fn directory(self) -> &'static str {
        match self {
            Profile::Dev => "debug",
            Profile::Release => "release",
        }
    }

    pub fn flags(self) -> &'static [&'static str] {
        match self {
            Profile::Dev => &[],
            Profile::Release => &["--release"],
        }
    }
}

/// Every timing of one variant's own crate, in the order they were taken.
pub struct VariantSamples {
    pub variant: Variant,
    /// `cargo build`.
    pub builds: Vec<Timing>,
    /// `cargo check`: the same crate without code generation.
    pub checks: Vec<Timing>,
}

/// Every timing of one proc-macro crate's clean build.
pub struct MacroCrateSamples {
    pub name: String,
    /// Emptied target directory: the crate and all its dependencies (proc-macro2, quote,
    /// syn, ...), what a clean build of a project spends on this attribute if nothing else
    /// in the project shares those dependencies.
    pub with_dependencies: Vec<Timing>,
    /// `cargo clean -p <crate>`, dependencies kept: the crate's own compilation.
    pub alone: Vec<Timing>,
    /// The crates the clean build compiled, `name vVERSION`, in cargo's order.
    pub compiled: Vec<String>,
    /// The features the macro crate was built with.
    pub features: Vec<String>,
}

/// Builds and checks every variant once, untimed, so that the timed builds and checks compile
/// nothing but the variant's own crate. Makes sure that `stackless-off` really built the macro
/// without its `enabled` feature (and `stackless` with it), since cargo resolves features per
/// command, and that the generated crate compiled without a warning, whose printing would be
/// timed.
pub fn build_dependencies(
    cargo: &Cargo,
    workspace: &GeneratedWorkspace,
    profile: Profile,
) -> Result<(), Failure> {
    for &variant in &workspace.variants {
        eprintln!(
            "building {} and its dependencies (untimed)",
            variant.package()
        );
        let run = run_on_variant(cargo, workspace, "build", variant, profile)?;
        check_stackless_features(variant, &run.artifacts)?;
        check_no_diagnostics(&run.diagnostics, &variant.package().replace('-', "_"))?;
        run_on_variant(cargo, workspace, "check", variant, profile)?;
    }
    Ok(())
}

/// Times `runs` builds and checks of each variant's own crate: in round `r` the variants go
/// in order, starting from the `r`-th, each built then checked, after touching its `lib.rs`.
pub fn time_variants(
    cargo: &Cargo,
    workspace: &GeneratedWorkspace,
    profile: Profile,
    runs: usize,
) -> Result<Vec<VariantSamples>, Failure> {
    let variants = &workspace.variants;
    let mut samples: Vec<VariantSamples> = variants
        .iter()
        .map(|&variant| VariantSamples {
            variant,
            builds: Vec::with_capacity(runs),
            checks: Vec::with_capacity(runs),
        })
        .collect();
    let total = runs * variants.len();
    for round in 0..runs {
        for slot in 0..variants.len() {
            let index = (round + slot) % variants.len();
            let variant = variants[index];
            let crate_name = variant.package().replace('-', "_");
            let timed = |subcommand| {
                let run = timed_alone(&crate_name, || {
                    workspace.touch(variant)?;
                    run_on_variant(cargo, workspace, subcommand, variant, profile)
                })?;
                Ok::<Timing, Failure>(run.timing)
            };
            let build = timed("build")?;
            let check = timed("check")?;
            let done = round * variants.len() + slot + 1;
            eprintln!(
                "[{done}/{total}] {:<16} build: {}; check: {}",
                variant.name(),
                describe(build),
                describe(check)
            );
            samples[index].builds.push(build);
            samples[index].checks.push(check);
        }
    }
    Ok(samples)
}

/// Times `runs` clean builds of each proc-macro crate, round-robin like the variants: first
/// into an emptied target directory, then again after `cargo clean -p` of the crate alone.
pub fn time_macro_crates(
    cargo: &Cargo,
    workspace: &GeneratedWorkspace,
    crates: &[&str],
    profile: Profile,
    runs: usize,
) -> Result<Vec<MacroCrateSamples>, Failure> {
    let clean_target = workspace.clean_target();
    let target_flag = clean_target.to_string_lossy().into_owned();
    let mut samples: Vec<MacroCrateSamples> = crates
        .iter()
        .map(|name| MacroCrateSamples {
            name: name.to_string(),
            with_dependencies: Vec::with_capacity(runs),
            alone: Vec::with_capacity(runs),
            compiled: Vec::new(),
            features: Vec::new(),
        })
        .collect();
    let total = runs * crates.len();
    for round in 0..runs {
        for slot in 0..crates.len() {
            let index = (round + slot) % crates.len();
            let name = crates[index];
            let target_name = name.replace('-', "_");

            remove_directory(&clean_target)?;
            let mut build_arguments = vec![
                "build",
                "-p",
                name,
                "--target-dir",
                &target_flag,
                "--message-format=json",
            ];
            build_arguments.extend_from_slice(profile.flags());
            let with_dependencies = cargo.run(&build_arguments)?;
            let built = built_artifact(&with_dependencies.artifacts, &target_name)?;
            // A package with a build script reports two artifacts: keep its first.
            let mut compiled: Vec<String> = Vec::new();
            for artifact in with_dependencies.artifacts.iter().filter(|a| !a.fresh) {
                if !compiled.contains(&artifact.package) {
                    compiled.push(artifact.package.clone());
                }
            }

            let mut clean_arguments = vec!["clean", "-p", name, "--target-dir", &target_flag];
            clean_arguments.extend_from_slice(profile.flags());
            let alone = timed_alone(&target_name, || {
                cargo.run(&clean_arguments)?;
                cargo.run(&build_arguments)
            })?;

            let done = round * crates.len() + slot + 1;
            eprintln!(
                "[{done}/{total}] {name:<27} clean, with dependencies: {}; alone: {}",
                describe(with_dependencies.timing),
                describe(alone.timing)
            );
            let entry = &mut samples[index];
            entry.features = built.features.clone();
            entry.compiled = compiled;
            entry.with_dependencies.push(with_dependencies.timing);
            entry.alone.push(alone.timing);
        }
    }
    remove_directory(&clean_target)?;
    Ok(samples)
}

pub use stackless_overhead::timing::median;

/// `cargo <subcommand> -p <variant's package>` into the workspace's shared target directory.
pub fn run_on_variant(
    cargo: &Cargo,
    workspace: &GeneratedWorkspace,
    subcommand: &str,
    variant: Variant,
    profile: Profile,
) -> Result<Run, Failure> {
    let package = variant.package();
    let target = workspace.target().to_string_lossy().into_owned();
    let mut arguments = vec![
        subcommand,
        "-p",
        &package,
        "--target-dir",
        &target,
        "--message-format=json",
    ];
    arguments.extend_from_slice(profile.flags());
    cargo.run(&arguments)
}

fn describe(timing: Timing) -> String {
    format!(
        "{:.2} s wall, {:.2} s cpu",
        timing.wall_seconds, timing.cpu_seconds
    )
}

/// The artifact of the crate named `target_name`.
fn built_artifact<'a>(
    artifacts: &'a [Artifact],
    target_name: &str,
) -> Result<&'a Artifact, Failure> {
    artifacts
        .iter()
        .find(|artifact| artifact.target == target_name)
        .ok_or_else(|| {
            Failure::Measurement(format!("cargo reported no artifact for `{target_name}`"))
        })
}

/// How many times a build is tried before giving up on timing it alone.
const ATTEMPTS: usize = 5;

/// Runs `attempt`, a build that must compile `target_name` and should compile nothing else,
/// until it compiles `target_name` alone, and returns that run. Another crate compiled with
/// it means that crate changed during the run (the stackless crates are built from the
/// working tree, which may be edited meanwhile); it is built now, so the next attempt times
/// `target_name` alone.
fn timed_alone(
    target_name: &str,
    mut attempt: impl FnMut() -> Result<Run, Failure>,
) -> Result<Run, Failure> {
    for _ in 0..ATTEMPTS {
        let run = attempt()?;
        let others = also_compiled(&run.artifacts, target_name)?;
        if others.is_empty() {
            return Ok(run);
        }
        eprintln!(
            "note: the build of `{target_name}` also compiled {}, which changed during the \
             run; timing it again",
            others.join(", ")
        );
    }
    Err(Failure::Measurement(format!(
        "{ATTEMPTS} builds of `{target_name}` in a row also compiled some of its \
         dependencies, which keep changing: stop editing them during the run"
    )))
}

/// The other crates a build of `target_name` compiled. It is a failure if it did not
/// compile `target_name`: the touch did not register, and the time would be cargo's no-op.
fn also_compiled<'a>(
    artifacts: &'a [Artifact],
    target_name: &str,
) -> Result<Vec<&'a str>, Failure> {
    let built = built_artifact(artifacts, target_name)?;
    if built.fresh {
        return Err(Failure::Measurement(format!(
            "cargo did not recompile `{target_name}` after its source was touched"
        )));
    }
    Ok(artifacts
        .iter()
        .filter(|artifact| !artifact.fresh && artifact.target != target_name)
        .map(|artifact| artifact.package.as_str())
        .collect())
}

/// The generated crate `target_name` must compile without warnings.
pub fn check_no_diagnostics(diagnostics: &[Diagnostic], target_name: &str) -> Result<(), Failure> {
    let own: Vec<&str> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.target == target_name)
        .map(|diagnostic| diagnostic.rendered.as_str())
        .collect();
    if own.is_empty() {
        Ok(())
    } else {
        Err(Failure::Measurement(format!(
            "the generated crate `{target_name}` compiled with diagnostics:\n{}",
            own.join("")
        )))
    }
}

/// `stackless` must build the macro with `enabled`, `stackless-off` without it.
pub fn check_stackless_features(variant: Variant, artifacts: &[Artifact]) -> Result<(), Failure> {
    let wants_enabled = match variant {
        Variant::Stackless => true,
        Variant::StacklessOff => false,
        _ => return Ok(()),
    };
    let macros = built_artifact(artifacts, "stackless_macros")?;
    let has_enabled = macros.features.iter().any(|feature| feature == "enabled");
    if has_enabled == wants_enabled {
        Ok(())
    } else {
        Err(Failure::Measurement(format!(
            "`{}` built stackless-macros with features {:?}",
            variant.package(),
            macros.features
        )))
    }
}

fn remove_directory(path: &std::path::Path) -> Result<(), Failure> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(Failure::io("remove", path, error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(target: &str, fresh: bool, features: &[&str]) -> Artifact {
        Artifact {
            package: format!("{} v0.1.0", target.replace('_', "-")),
            target: target.to_string(),
            features: features.iter().map(|feature| feature.to_string()).collect(),
            fresh,
        }
    }

    fn run_of(artifacts: Vec<Artifact>) -> Run {
        Run {
            timing: Timing {
                wall_seconds: 1.0,
                cpu_seconds: 1.0,
            },
            artifacts,
            diagnostics: Vec::new(),
        }
    }

    #[test]
    fn a_timed_build_must_compile_its_crate() {
        let good = [artifact("syn", true, &[]), artifact("ct_plain", false, &[])];
        assert!(also_compiled(&good, "ct_plain").unwrap().is_empty());

        let not_rebuilt = [artifact("ct_plain", true, &[])];
        let message = also_compiled(&not_rebuilt, "ct_plain")
            .unwrap_err()
            .to_string();
        assert!(message.contains("did not recompile"), "{message}");

        let missing = [artifact("syn", false, &[])];
        assert!(also_compiled(&missing, "ct_plain").is_err());
    }

    #[test]
    fn a_build_that_also_compiled_a_dependency_is_timed_again() {
        let mut attempts = 0;
        let run = timed_alone("ct_plain", || {
            attempts += 1;
            let dependency_fresh = attempts > 1;
            Ok(run_of(vec![
                artifact("stackless_inspect", dependency_fresh, &[]),
                artifact("ct_plain", false, &[]),
            ]))
        })
        .unwrap();
        assert_eq!(attempts, 2);
        assert!(run.artifacts[0].fresh);
    }

    #[test]
    fn a_dependency_that_keeps_changing_fails_the_run() {
        let mut attempts = 0;
        let failure = timed_alone("ct_plain", || {
            attempts += 1;
            Ok(run_of(vec![
                artifact("stackless_inspect", false, &[]),
                artifact("ct_plain", false, &[]),
            ]))
        })
        .err()
        .expect("a build that always compiles a dependency is never timed alone");
        assert_eq!(attempts, ATTEMPTS);
        assert!(failure.to_string().contains("keep changing"), "{failure}");
    }

    #[test]
    fn diagnostics_of_the_generated_crate_fail_the_run_and_others_do_not() {
        let warning = |target: &str| Diagnostic {
            target: target.to_string(),
            level: "warning".into(),
            message: "unused import".into(),
            location: None,
            rendered: "warning: unused import\n".into(),
        };
        assert!(check_no_diagnostics(&[warning("dashmap")], "ct_plain").is_ok());
        let message = check_no_diagnostics(&[warning("ct_plain")], "ct_plain")
            .unwrap_err()
            .to_string();
        assert!(
            message.ends_with("diagnostics:\nwarning: unused import\n"),
            "{message}"
        );
    }

    #[test]
    fn stackless_off_must_build_the_macro_without_enabled() {
        let on = [artifact("stackless_macros", false, &["default", "enabled"])];
        let off = [artifact("stackless_macros", false, &[])];
        assert!(check_stackless_features(Variant::Stackless, &on).is_ok());
        assert!(check_stackless_features(Variant::StacklessOff, &off).is_ok());
        assert!(check_stackless_features(Variant::Stackless, &off).is_err());
        assert!(check_stackless_features(Variant::StacklessOff, &on).is_err());
        assert!(check_stackless_features(Variant::Tracing, &[]).is_ok());
    }
}
