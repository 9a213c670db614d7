//! The same comparison on real code: an application from crates.io, plain, with
//! `#[stackless::inspect]` on every `async fn` it compiles, and with each peer's attribute on
//! the same functions.
//!
//! The generated crate is nearly all attribute: 500 small functions of a few lines each, so
//! the wrapper and the probes the attribute adds to each are a large share of what rustc
//! compiles there. An application has more code per `async fn`, and much code that is no
//! `async fn` at all. `cargo run -p stackless-real-crate` leaves two copies of one (by default
//! mini-redis, in `<target>/real-crate/mini-redis-0.4.1/`): `plain/` as published, and
//! `annotated/` with the attribute on every `async fn` its build compiled. From the annotated
//! copy this derives one copy per other variant, in `peers/<variant>/`, made anew at each run
//! (see `peer_copy.rs`): stackless with its default features off, and each peer's attribute
//! where the pass put ours. All are timed as the generated crate's variants are: the copy's
//! library and binaries compiled again after its sources are touched (its dependencies built
//! once, untimed, beforehand), in the same profile, without incremental compilation, the
//! copies taking turns in an order that rotates each round.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use crate::cargo::{Artifact, Cargo, Run, Timing};
use crate::failure::Failure;
use crate::lockfile;
use crate::measure::{Profile, check_stackless_features};
use crate::peer_copy::{self, DerivedCopy, Fate, PEERS_DIR};
use crate::variant::{Variant, VariantBuild};

/// Where `stackless-real-crate` leaves its default crate, under the target directory.
pub const DEFAULT_DIR: &str = "real-crate/mini-redis-0.4.1";

/// The command that prepares the copies, for the message when they are missing.
pub const PREPARE: &str = "cargo run -p stackless-real-crate";

/// What a timed build compiles, as the report says it.
pub const TARGETS: &str = "library and binaries";

/// The variants whose copies are derived from the annotated one (plain and stackless are the
/// two copies `stackless-real-crate` leaves).
pub const DERIVED: [Variant; 4] = [
    Variant::StacklessOff,
    Variant::AsyncBacktrace,
    Variant::AwaitTree,
    Variant::Tracing,
];

/// Every timing of every copy of one crate.
pub struct RealCrateSamples {
    /// The work directory's name: `<crate>-<version>`.
    pub name: String,
    /// Plain first, then stackless (the annotated copy), then the derived copies.
    pub copies: Vec<CopySamples>,
}

/// One copy: what it carries, and its timings in the order taken.
#[derive(Debug)]
pub struct CopySamples {
    pub variant: Variant,
    pub carried: Carried,
    pub timings: Vec<Timing>,
}

/// What a copy carries and was built with: the attribute's functions, macro crate and the
/// dependencies it moved.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Carried {
    /// Functions of `src/` given the attribute in this copy.
    pub added: usize,
    /// Tracing's copy: functions that carry tracing's `#[instrument]` as published (in the
    /// plain copy too), and were not given a second.
    pub as_published: usize,
    /// Functions annotated in the stackless copy that this copy leaves without the attribute,
    /// which does not compile on them.
    pub not_compiling: usize,
    /// rustc's messages for those, each once.
    pub not_compiling_errors: Vec<String>,
    /// The attribute's macro crate as the copy's build compiled it, `name vVERSION`.
    pub macro_crate: Option<String>,
    /// The crate's direct dependencies that the copy's lock has at other versions than the
    /// plain copy's: `tracing 0.1.26 → 0.1.35`.
    pub dependencies_unlike_plain: Vec<String>,
}

impl CopySamples {
    /// A copy of `variant` with `added` attributes and nothing else to say, before its
    /// timings; `artifacts`: its untimed build's, where the macro crate is found.
    pub fn new(variant: Variant, added: usize, artifacts: &[Artifact]) -> CopySamples {
        CopySamples {
            variant,
            carried: Carried {
                added,
                macro_crate: macro_crate(variant, artifacts),
                ..Carried::default()
            },
            timings: Vec::new(),
        }
    }
}

/// The plain and annotated copies of one crate in `dir`, as `stackless-real-crate` leaves
/// them.
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

/// Builds the plain and annotated copies in `dir` and a copy derived from the annotated one
/// for each of `derived` (`stackless_root`: the stackless package, for stackless-off's
/// dependency) once, untimed, then times `runs` builds of each, in turns.
pub fn time(
    dir: &Path,
    profile: Profile,
    runs: usize,
    stackless_root: &Path,
    derived: &[Variant],
) -> Result<RealCrateSamples, Failure> {
    let copies = Copies::find(dir)?;
    let name = dir.file_name().map_or_else(
        || dir.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    // Its own target directory: `stackless-real-crate`'s builds there use other flags, and
    // would otherwise be rebuilt by these and rebuild them in turn.
    let target = dir.join("target-compile-time");
    let build = |copy: &Path| build(copy, &target, profile);

    let mut prepared: Vec<(PathBuf, CopySamples)> = Vec::new();
    for (variant, copy) in [
        (Variant::Plain, &copies.plain),
        (Variant::Stackless, &copies.annotated),
    ] {
        eprintln!("building {} and its dependencies (untimed)", copy.display());
        let run = build(copy)?;
        check_stackless_features(variant, &run.artifacts)?;
        let added = match variant {
            Variant::Plain => 0,
            _ => peer_copy::count_annotated(copy)?,
        };
        prepared.push((
            copy.clone(),
            CopySamples::new(variant, added, &run.artifacts),
        ));
    }
    for &variant in derived {
        let at = dir.join(PEERS_DIR).join(variant.name());
        eprintln!("deriving {} from the annotated copy", at.display());
        let mut copy = DerivedCopy::make(&copies.annotated, &at, variant, stackless_root)?;
        eprintln!("building {} and its dependencies (untimed)", at.display());
        let run = build_derived(&mut copy, build)?;
        check_stackless_features(variant, &run.artifacts)?;
        let mut samples = CopySamples::new(variant, copy.count(Fate::Carries), &run.artifacts);
        samples.carried.as_published = copy.count(Fate::AsPublished);
        samples.carried.not_compiling = copy.count(Fate::DoesNotCompile);
        samples.carried.not_compiling_errors = copy.errors;
        prepared.push((at, samples));
    }
    let crate_name = copies.package.split(' ').next().unwrap_or_default();
    let plain_lock = read_lock(&copies.plain)?;
    for (copy, samples) in &mut prepared {
        samples.carried.dependencies_unlike_plain =
            lockfile::unlike(&plain_lock, &read_lock(copy)?, crate_name);
    }

    let count = prepared.len();
    for round in 0..runs {
        for slot in 0..count {
            let (copy, samples) = &mut prepared[(round + slot) % count];
            touch_sources(&copy.join("src"))?;
            let run = build(copy)?;
            check_compiled_alone(&run, &copies.package)?;
            eprintln!(
                "[{}/{runs}] {name} {:<15} build: {:.2} s wall, {:.2} s cpu",
                round + 1,
                samples.variant.name(),
                run.timing.wall_seconds,
                run.timing.cpu_seconds
            );
            samples.timings.push(run.timing);
        }
    }
    Ok(RealCrateSamples {
        name,
        copies: prepared.into_iter().map(|(_, samples)| samples).collect(),
    })
}

/// Builds a derived copy; while the build fails on errors in functions given the attribute,
/// leaves those without it and builds again. Each round leaves at least one more function
/// without the attribute, so this ends.
fn build_derived(
    copy: &mut DerivedCopy,
    build: impl Fn(&Path) -> Result<Run, Failure>,
) -> Result<Run, Failure> {
    loop {
        let failure = match build(&copy.dir) {
            Ok(run) => return Ok(run),
            Err(failure) => failure,
        };
        let left = match &failure {
            Failure::Cargo { errors, .. } => copy.leave_out(errors)?,
            _ => 0,
        };
        if left == 0 {
            return Err(failure);
        }
        eprintln!(
            "{}: the attribute does not compile on {left} more function(s), which are left \
             without it",
            copy.variant.name()
        );
    }
}

/// The variant's macro crate among the build's artifacts, `name vVERSION`.
fn macro_crate(variant: Variant, artifacts: &[Artifact]) -> Option<String> {
    let name = variant.macro_crate()?;
    artifacts
        .iter()
        .find(|artifact| artifact.package.split(' ').next() == Some(name))
        .map(|artifact| artifact.package.clone())
}

/// The copy's `Cargo.lock`, which its build has written if it was not there.
fn read_lock(copy: &Path) -> Result<String, Failure> {
    let path = copy.join("Cargo.lock");
    fs::read_to_string(&path).map_err(|error| Failure::io("read", &path, error))
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
pub fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
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

    /// Writes a package: its manifest and its files.
    fn write_package(root: &Path, manifest: &str, files: &[(&str, &str)]) {
        for (path, text) in [("Cargo.toml", manifest)].iter().chain(files) {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
    }

    /// Crates for the tiny copies to depend on by path, in place of the registry's: `stackless`,
    /// a facade whose default feature `enabled` reaches its macro crate, as the real one's does;
    /// and `tracing`, whose `instrument` refuses a function named `refuses`, as
    /// `#[tracing::instrument]` refuses an argument without `Debug`. Both macros return the
    /// function as it is.
    fn write_stand_ins(dir: &Path) {
        let proc_macro = |name: &str, features: &str| {
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [lib]\nproc-macro = true\n\n[features]\n{features}"
            )
        };
        write_package(
            &dir.join("stackless-macros"),
            &proc_macro("stackless-macros", "enabled = []\n"),
            &[(
                "src/lib.rs",
                "#[proc_macro_attribute]\npub fn inspect(_: proc_macro::TokenStream, \
                 item: proc_macro::TokenStream) -> proc_macro::TokenStream { item }\n",
            )],
        );
        write_package(
            &dir.join("stackless"),
            "[package]\nname = \"stackless\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies.stackless-macros]\npath = \"../stackless-macros\"\n\n\
             [features]\ndefault = [\"enabled\"]\nenabled = [\"stackless-macros/enabled\"]\n",
            &[("src/lib.rs", "pub use stackless_macros::inspect;\n")],
        );
        write_package(
            &dir.join("tracing"),
            &proc_macro("tracing", ""),
            &[(
                "src/lib.rs",
                r#"use proc_macro::{TokenStream, TokenTree};

#[proc_macro_attribute]
pub fn instrument(_: TokenStream, item: TokenStream) -> TokenStream {
    let refuses = item.clone().into_iter().any(|token| {
        matches!(&token, TokenTree::Ident(ident) if ident.to_string() == "refuses")
    });
    if !refuses {
        return item;
    }
    let error: TokenStream = "compile_error!(\"`refuses` cannot be instrumented\");"
        .parse()
        .unwrap();
    error.into_iter().chain(item).collect()
}
"#,
            )],
        );
    }

    /// A tiny crate's copies, plain and annotated as `stackless-real-crate` leaves them,
    /// depending on the stand-ins, and the copies derived for stackless-off and tracing: all
    /// built and timed, each timed build compiling its crate again (and stackless-off's
    /// building the macro crate without `enabled`: `time` checks it), with tracing's rules
    /// applied: no second `#[instrument]` on `traced`, and none on `refuses`, which the
    /// attribute does not compile on.
    #[test]
    fn every_copy_is_built_and_timed() {
        let scratch = std::env::temp_dir().join(format!(
            "stackless-compile-time-real-crate-{}",
            std::process::id()
        ));
        let stand_ins = scratch.join("stand-ins");
        write_stand_ins(&stand_ins);
        let path_of = |name: &str| format!("{:?}", stand_ins.join(name).to_str().unwrap());
        let manifest = format!(
            "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies.tracing]\npath = {}\n\n[workspace]\n",
            path_of("tracing")
        );
        let source = "use tracing::instrument;\n\n#[instrument]\n\
                      pub async fn traced() -> u8 { 1 }\n\n\
                      pub async fn greet() -> u8 { 2 }\n\n\
                      pub async fn refuses() -> u8 { 3 }\n";
        let dir = scratch.join("tiny-0.1.0");
        let main = ("src/bin/tiny.rs", "fn main() {}\n");
        write_package(
            &dir.join("plain"),
            &manifest,
            &[("src/lib.rs", source), main],
        );
        write_package(
            &dir.join("annotated"),
            &format!(
                "{manifest}\n# Added by stackless-real-crate: the attribute under test.\n\
                 [dependencies.stackless]\npath = {}\n",
                path_of("stackless")
            ),
            &[
                (
                    "src/lib.rs",
                    &source.replace("pub async fn", "#[stackless::inspect] pub async fn"),
                ),
                main,
            ],
        );

        let derived = [Variant::StacklessOff, Variant::Tracing];
        let samples = time(
            &dir,
            Profile::Dev,
            2,
            &stand_ins.join("stackless"),
            &derived,
        )
        .unwrap_or_else(|failure| panic!("{failure}"));
        assert_eq!(samples.name, "tiny-0.1.0");
        let column = |of: fn(&Carried) -> usize| {
            samples
                .copies
                .iter()
                .map(|copy| of(&copy.carried))
                .collect::<Vec<_>>()
        };
        let variants: Vec<Variant> = samples.copies.iter().map(|copy| copy.variant).collect();
        assert_eq!(
            variants,
            [
                Variant::Plain,
                Variant::Stackless,
                Variant::StacklessOff,
                Variant::Tracing
            ]
        );
        assert_eq!(column(|copy| copy.added), [0, 3, 3, 1]);
        assert_eq!(column(|copy| copy.as_published), [0, 0, 0, 1]);
        assert_eq!(column(|copy| copy.not_compiling), [0, 0, 0, 1]);
        let runs: Vec<usize> = samples
            .copies
            .iter()
            .map(|copy| copy.timings.len())
            .collect();
        assert_eq!(runs, [2, 2, 2, 2]);
        let tracing = &samples.copies[3];
        assert_eq!(
            tracing.carried.not_compiling_errors,
            ["`refuses` cannot be instrumented"]
        );
        assert_eq!(
            samples.copies[1].carried.macro_crate.as_deref(),
            Some("stackless-macros v0.1.0")
        );
        assert!(samples.copies.iter().all(|copy| {
            copy.carried.dependencies_unlike_plain.is_empty()
                && copy.timings.iter().all(|timing| timing.wall_seconds > 0.0)
        }));
        let lib = fs::read_to_string(dir.join("peers/tracing/src/lib.rs")).unwrap();
        assert_eq!(
            lib,
            "use tracing::instrument;\n\n#[instrument]\npub async fn traced() -> u8 { 1 }\n\n\
             #[tracing::instrument] pub async fn greet() -> u8 { 2 }\n\n\
             pub async fn refuses() -> u8 { 3 }\n"
        );
        fs::remove_dir_all(&scratch).unwrap();
    }
}
