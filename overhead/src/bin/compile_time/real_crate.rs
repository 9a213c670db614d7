//! The same comparison on real code: an application from crates.io, plain and with
//! `#[stackless::inspect]` on every `async fn` it compiles.
//!
//! The generated crate is nearly all attribute: 500 small functions of a few lines each, so
//! the wrapper and the probes the attribute adds to each are a large share of what rustc
//! compiles there. An application has more code per `async fn`, and much code that is no
//! `async fn` at all. `cargo run -p stackless-real-crate` leaves two copies of one (by default
//! mini-redis, in `<target>/real-crate/mini-redis-0.4.1/`): `plain/` as published, and
//! `annotated/` with the attribute on every `async fn` its build compiled. This times the two
//! as the generated crate's variants are timed: the copy's library and binaries compiled again
//! after its sources are touched (its dependencies built once, untimed, beforehand), in the
//! same profile, without incremental compilation, the two copies taking turns.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cargo::{Cargo, Run, Timing};
use crate::failure::Failure;
use crate::measure::Profile;

/// Where `stackless-real-crate` leaves its default crate, under the target directory.
pub const DEFAULT_DIR: &str = "real-crate/mini-redis-0.4.1";

/// The command that prepares the copies, for the message when they are missing.
pub const PREPARE: &str = "cargo run -p stackless-real-crate";

/// What a timed build compiles, as the report says it.
pub const TARGETS: &str = "library and binaries";

/// Every timing of the two copies, in the order they were taken.
pub struct RealCrateSamples {
    /// The work directory's name: `<crate>-<version>`.
    pub name: String,
    /// `#[stackless::inspect]` attributes in the annotated copy's `src/`.
    pub annotated_functions: usize,
    pub plain: Vec<Timing>,
    pub annotated: Vec<Timing>,
}

/// The two copies of one crate in `dir`, as `stackless-real-crate` leaves them.
struct Copies {
    plain: PathBuf,
    annotated: PathBuf,
    /// `name vVERSION`, as cargo's artifacts name the package.
    package: String,
}

impl Copies {
    fn find(dir: &Path) -> Result<Copies, Failure> {
        let plain = dir.join("plain");
        let annotated = dir.join("annotated");
        for copy in [&plain, &annotated] {
            if !copy.join("Cargo.toml").is_file() {
                return Err(Failure::Measurement(format!(
                    "no crate in {}: `{PREPARE}` prepares the plain and annotated copies",
                    copy.display()
                )));
            }
        }
        let manifest = plain.join("Cargo.toml");
        let text =
            fs::read_to_string(&manifest).map_err(|error| Failure::io("read", &manifest, error))?;
        let package = package_id(&text).ok_or_else(|| {
            Failure::Measurement(format!(
                "no package name and version in {}",
                manifest.display()
            ))
        })?;
        Ok(Copies {
            plain,
            annotated,
            package,
        })
    }
}

/// Builds both copies in `dir` once, untimed, then times `runs` builds of each, in turns.
pub fn time(dir: &Path, profile: Profile, runs: usize) -> Result<RealCrateSamples, Failure> {
    let copies = Copies::find(dir)?;
    let name = dir.file_name().map_or_else(
        || dir.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let annotated_functions = count_annotations(&copies.annotated.join("src"))?;
    // Its own target directory: `stackless-real-crate`'s builds there use other flags, and
    // would otherwise be rebuilt by these and rebuild them in turn.
    let target = dir.join("target-compile-time");
    let build = |copy: &Path| build(copy, &target, profile);

    for copy in [&copies.plain, &copies.annotated] {
        eprintln!("building {} and its dependencies (untimed)", copy.display());
        build(copy)?;
    }
    let (mut plain, mut annotated) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for round in 0..runs {
        let mut turns = [
            ("plain", &copies.plain, &mut plain),
            ("annotated", &copies.annotated, &mut annotated),
        ];
        if round % 2 == 1 {
            turns.reverse();
        }
        for (which, copy, timings) in turns {
            touch_sources(&copy.join("src"))?;
            let run = build(copy)?;
            check_compiled_alone(&run, &copies.package)?;
            eprintln!(
                "[{}/{runs}] {name} {which:<9} build: {:.2} s wall, {:.2} s cpu",
                round + 1,
                run.timing.wall_seconds,
                run.timing.cpu_seconds
            );
            timings.push(run.timing);
        }
    }
    Ok(RealCrateSamples {
        name,
        annotated_functions,
        plain,
        annotated,
    })
}

/// `cargo build --lib --bins` of the copy, without incremental compilation (a published
/// manifest does not turn it off, as the generated workspace's does).
fn build(copy: &Path, target: &Path, profile: Profile) -> Result<Run, Failure> {
    let target = target.to_string_lossy();
    let incremental = format!("profile.{}.incremental=false", profile.name());
    let mut arguments = vec![
        "build",
        "--lib",
        "--bins",
        "--target-dir",
        &target,
        "--config",
        &incremental,
        "--message-format=json",
    ];
    arguments.extend_from_slice(profile.flags());
    Cargo::new(copy).run(&arguments)
}

/// A timed build must have compiled the crate and nothing else: otherwise the touch did not
/// register, or a dependency (`stackless`, built from the working tree) changed meanwhile.
fn check_compiled_alone(run: &Run, package: &str) -> Result<(), Failure> {
    let compiled: Vec<&str> = run
        .artifacts
        .iter()
        .filter(|artifact| !artifact.fresh)
        .map(|artifact| artifact.package.as_str())
        .collect();
    if !compiled.contains(&package) {
        return Err(Failure::Measurement(format!(
            "cargo did not recompile {package} after its sources were touched"
        )));
    }
    match compiled.iter().find(|compiled| **compiled != package) {
        Some(other) => Err(Failure::Measurement(format!(
            "the timed build of {package} also compiled {other}, which changed during the run: \
             stop editing it and run again"
        ))),
        None => Ok(()),
    }
}

/// `name vVERSION` from the `[package]` table of a manifest, as cargo writes a published one
/// (`name = "..."` and `version = "..."` on lines of their own).
fn package_id(manifest: &str) -> Option<String> {
    let package = manifest
        .split("\n[package]\n")
        .nth(1)
        .or_else(|| manifest.strip_prefix("[package]\n"))?;
    let table = package.split("\n[").next()?;
    let value = |key: &str| {
        table.lines().find_map(|line| {
            let (name, value) = line.split_once('=')?;
            (name.trim() == key).then(|| value.trim().trim_matches('"').to_owned())
        })
    };
    Some(format!("{} v{}", value("name")?, value("version")?))
}

/// The attributes `stackless-real-crate` put in the `.rs` files under `dir`.
fn count_annotations(dir: &Path) -> Result<usize, Failure> {
    Ok(rust_files(dir)?
        .iter()
        .map(|file| fs::read_to_string(file).map_err(|error| Failure::io("read", file, error)))
        .collect::<Result<Vec<_>, _>>()?
        .iter()
        .map(|text| text.matches("#[stackless::inspect]").count())
        .sum())
}

/// Sets every source file's modification time to now, so cargo compiles the crate's targets
/// again (and only them) on the next build.
fn touch_sources(dir: &Path) -> Result<(), Failure> {
    let now = SystemTime::now();
    for file in rust_files(dir)? {
        fs::File::options()
            .write(true)
            .open(&file)
            .and_then(|opened| opened.set_modified(now))
            .map_err(|error| Failure::io("touch", &file, error))?;
    }
    Ok(())
}

/// The `.rs` files under `dir`, at any depth, in a stable order.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|error| Failure::io("read", &dir, error))?;
        for entry in entries {
            let path = entry
                .map_err(|error| Failure::io("read", &dir, error))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cargo::Artifact;

    #[test]
    fn the_package_is_read_from_a_published_manifest() {
        let manifest = "# THIS FILE IS AUTOMATICALLY GENERATED BY CARGO\n\n[package]\n\
                        edition = \"2018\"\nname = \"mini-redis\"\nversion = \"0.4.1\"\n\
                        authors = [\"Carl Lerche <me@carllerche.com>\"]\n\n\
                        [dependencies.tokio]\nversion = \"1\"\n";
        assert_eq!(package_id(manifest).as_deref(), Some("mini-redis v0.4.1"));
        assert_eq!(
            package_id("[package]\nname = \"a\"\nversion = \"1.2.3\"\n").as_deref(),
            Some("a v1.2.3")
        );
        // A dependency's `version` is not the package's.
        assert_eq!(
            package_id("[package]\nname = \"a\"\n\n[dependencies.b]\nversion = \"1\"\n"),
            None
        );
        assert_eq!(package_id("[workspace]\nmembers = []\n"), None);
    }

    fn run_compiling(packages: &[(&str, bool)]) -> Run {
        Run {
            timing: Timing {
                wall_seconds: 1.0,
                cpu_seconds: 1.0,
            },
            artifacts: packages
                .iter()
                .map(|&(package, fresh)| Artifact {
                    package: package.to_owned(),
                    target: package.split(' ').next().unwrap().replace('-', "_"),
                    features: Vec::new(),
                    fresh,
                })
                .collect(),
            diagnostics: Vec::new(),
        }
    }

    #[test]
    fn a_timed_build_must_compile_the_crate_and_nothing_else() {
        let crate_only = run_compiling(&[("tokio v1.0.0", true), ("app v0.1.0", false)]);
        assert!(check_compiled_alone(&crate_only, "app v0.1.0").is_ok());
        let nothing = run_compiling(&[("tokio v1.0.0", true), ("app v0.1.0", true)]);
        let error = check_compiled_alone(&nothing, "app v0.1.0").unwrap_err();
        assert!(
            error.to_string().contains("did not recompile app v0.1.0"),
            "{error}"
        );
        let more = run_compiling(&[("stackless v0.1.0", false), ("app v0.1.0", false)]);
        let error = check_compiled_alone(&more, "app v0.1.0").unwrap_err();
        assert!(
            error.to_string().contains("also compiled stackless v0.1.0"),
            "{error}"
        );
    }

    #[test]
    fn missing_copies_say_how_to_make_them() {
        let dir = std::env::temp_dir().join("stackless-compile-time-no-copies");
        let error = Copies::find(&dir).err().expect("no copies there");
        assert!(error.to_string().contains(PREPARE), "{error}");
    }

    /// Two copies of a small crate without dependencies: both are built and timed, each timed
    /// build compiling its crate again, and the annotations are counted. (The annotated copy's
    /// attribute is in a comment: counted, not compiled, as this crate does not depend on
    /// stackless.)
    #[test]
    fn both_copies_are_built_and_timed() {
        let dir = std::env::temp_dir().join(format!(
            "stackless-compile-time-real-crate-{}",
            std::process::id()
        ));
        let source = "pub async fn greet() -> u8 { 1 }\n";
        for (copy, lib) in [
            ("plain", source.to_owned()),
            ("annotated", format!("// #[stackless::inspect]\n{source}")),
        ] {
            let root = dir.join(copy);
            fs::create_dir_all(root.join("src/bin")).unwrap();
            fs::write(
                root.join("Cargo.toml"),
                "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [workspace]\n",
            )
            .unwrap();
            fs::write(root.join("src/lib.rs"), lib).unwrap();
            fs::write(root.join("src/bin/tiny.rs"), "fn main() {}\n").unwrap();
        }
        let samples = time(&dir, Profile::Dev, 2).unwrap();
        assert_eq!(samples.annotated_functions, 1);
        assert_eq!(samples.plain.len(), 2);
        assert_eq!(samples.annotated.len(), 2);
        assert!(
            samples
                .plain
                .iter()
                .chain(&samples.annotated)
                .all(|timing| timing.wall_seconds > 0.0)
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
