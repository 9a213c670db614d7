//! From [`Options`] to the cargo commands that build one crate with `-Zprint-type-sizes`: find
//! the project, ask `cargo metadata` for the workspace, pick the package and target, and choose a
//! target directory of our own.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::args::Options;
use super::capture::run_cargo;
use super::error::{CommandError, shorten_cargo_output};

/// The directory, inside the workspace's target directory, that layout builds use by default.
pub const LAYOUT_TARGET_SUBDIR: &str = "stackless-layout";

/// Everything needed to build the selected crate with `-Zprint-type-sizes`, worked out but not
/// run yet. [`Plan::capture`] runs it.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The cargo binary: `$CARGO` (set when cargo runs us as `cargo stackless`), else `cargo`.
    pub cargo: PathBuf,
    /// The workspace root from `cargo metadata`. Rustc names the source files of workspace members
    /// relative to it.
    pub workspace_root: PathBuf,
    /// Where the layout build goes: `--target-dir`, else `<workspace target dir>/stackless-layout`.
    pub target_dir: PathBuf,
    /// The package being built, when it is a member of the workspace.
    pub package: Option<Package>,
    /// The target being built, when the package and target are known.
    pub target: Option<Target>,
    /// What is being built, for messages: ``` `my-crate` (lib) ```.
    pub unit: String,
    /// Arguments of `cargo clean -p ...`, run first so the selected package is compiled again
    /// (see [`Plan::capture`]). `None` when no package is known; `cargo rustc` then fails anyway.
    pub clean_args: Option<Vec<OsString>>,
    /// Arguments of `cargo rustc ... -- -Zprint-type-sizes`.
    pub rustc_args: Vec<OsString>,
    /// Environment variables set on the two cargo child processes only.
    pub env: Vec<(&'static str, OsString)>,
}

/// A package of the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The package name, as in `Cargo.toml`.
    pub name: String,
    /// Its `Cargo.toml`.
    pub manifest_path: PathBuf,
}

/// One compilation target of a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Library, binary, example, test or bench.
    pub kind: TargetKind,
    /// The target name, as cargo spells it (`--bin NAME`).
    pub name: String,
}

impl Target {
    /// The crate name rustc is given (`--crate-name`): the target name with `-` as `_`.
    pub fn crate_name(&self) -> String {
        self.name.replace('-', "_")
    }
}

/// The kinds of target `cargo rustc` can select.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// `--lib`
    Lib,
    /// `--bin NAME`
    Bin,
    /// `--example NAME`
    Example,
    /// `--test NAME`
    Test,
    /// `--bench NAME`
    Bench,
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TargetKind::Lib => "lib",
            TargetKind::Bin => "bin",
            TargetKind::Example => "example",
            TargetKind::Test => "test",
            TargetKind::Bench => "bench",
        })
    }
}

/// Works out how to build what `options` select, running only `cargo metadata`.
pub fn plan(options: &Options) -> Result<Plan, CommandError> {
    let cargo = cargo_program();
    let cwd = std::env::current_dir().map_err(|source| CommandError::Io {
        context: "cannot read the current directory".to_owned(),
        source,
    })?;
    let manifest = match &options.manifest_path {
        Some(path) if path.exists() => cwd.join(path),
        Some(path) => return Err(CommandError::ManifestNotFound { path: path.clone() }),
        None => cwd
            .ancestors()
            .map(|dir| dir.join("Cargo.toml"))
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| CommandError::NotInProject { dir: cwd.clone() })?,
    };
    let metadata = metadata(&cargo, options.manifest_path.as_deref())?;

    let package = find_package(&metadata, options, &manifest);
    if package.is_none() && options.package.is_none() && is_virtual(&metadata, &manifest) {
        return Err(CommandError::NoPackage {
            manifest,
            members: metadata.packages.iter().map(|p| p.name.clone()).collect(),
        });
    }
    let selection = Selection::from_options(options);
    let (target, default_flags) = match (package, &selection) {
        (Some(package), Some(selection)) => (package.find_target(selection), Vec::new()),
        (Some(package), None) => match package.default_target() {
            Some(target) => {
                let flags = selection_flags(target.kind, &target.name);
                (Some(target), flags)
            }
            None => (None, Vec::new()),
        },
        (None, _) => (None, Vec::new()),
    };

    let target_dir = match &options.target_dir {
        Some(dir) => cwd.join(dir),
        None => metadata.target_directory.join(LAYOUT_TARGET_SUBDIR),
    };

    let unit = describe_unit(package, options, target.as_ref(), selection.as_ref());

    let mut common: Vec<OsString> = vec!["--color".into(), "never".into()];
    if let Some(path) = &options.manifest_path {
        common.extend(["--manifest-path".into(), path.into()]);
    }
    common.extend(["--target-dir".into(), target_dir.clone().into()]);

    let clean_spec = options
        .package
        .clone()
        .or_else(|| package.map(|p| p.name.clone()));
    let clean_args = clean_spec.map(|spec| clean_args(options, &common, spec));
    let rustc_args = rustc_args(options, common, default_flags);
    let env = child_env(&target_dir, target.as_ref());

    Ok(Plan {
        cargo,
        workspace_root: metadata.workspace_root.clone(),
        target_dir,
        package: package.map(|p| Package {
            name: p.name.clone(),
            manifest_path: p.manifest_path.clone(),
        }),
        target,
        unit,
        clean_args,
        rustc_args,
        env,
    })
}

/// `cargo clean -p SPEC` in the layout target directory, for the profile the build uses.
fn clean_args(options: &Options, common: &[OsString], spec: String) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["clean".into()];
    args.extend(common.iter().cloned());
    args.extend(["-p".into(), spec.into()]);
    // `--bench` builds with the bench profile, which lives in `release/` as `--release` does.
    if options.release || options.bench.is_some() {
        args.push("--release".into());
    }
    args
}

/// `cargo rustc <selection> <features> -- -Zprint-type-sizes`.
fn rustc_args(
    options: &Options,
    common: Vec<OsString>,
    default_flags: Vec<OsString>,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["rustc".into()];
    args.extend(common);
    if let Some(spec) = &options.package {
        args.extend(["-p".into(), spec.into()]);
    }
    args.extend(user_selection_flags(options));
    args.extend(default_flags);
    for features in &options.features {
        args.extend(["--features".into(), features.into()]);
    }
    if options.all_features {
        args.push("--all-features".into());
    }
    if options.no_default_features {
        args.push("--no-default-features".into());
    }
    if options.release {
        args.push("--release".into());
    }
    // After `--`, flags for the selected crate's rustc only: its dependencies build as usual.
    args.extend(["--".into(), "-Zprint-type-sizes".into()]);
    args
}

/// Makes `#[stackless::inspect]` emit [`crate::probe::enter_tagged`] rather than `enter`.
/// The macro reads it as it expands, which cargo does not track: a crate built with it and
/// without it in one target directory would not be rebuilt, so it is set only here, for a
/// target directory of our own whose crate is compiled from scratch on every run.
pub(crate) const LAYOUT_TAGS: &str = "STACKLESS_LAYOUT_TAGS";

/// The environment of the two cargo children; our own environment is never changed.
fn child_env(target_dir: &Path, target: Option<&Target>) -> Vec<(&'static str, OsString)> {
    vec![
        // `-Z` flags need a nightly compiler, or `RUSTC_BOOTSTRAP`. Naming the crate, rather than
        // `1`, unlocks them for that crate only: dependencies and build-script probes (autocfg,
        // version_check and the like) still see a stable compiler and build exactly as usual.
        (
            "RUSTC_BOOTSTRAP",
            rustc_bootstrap(std::env::var_os("RUSTC_BOOTSTRAP"), target),
        ),
        // Every run compiles the crate from scratch (see `Plan::capture`), so an incremental
        // cache would only cost time and disk; without one, no layout goes unprinted because
        // rustc reused code generated by an earlier run.
        ("CARGO_INCREMENTAL", "0".into()),
        // `build.build-dir` (cargo 1.91+) would send intermediate artifacts, our differently
        // built ones included, into the user's build directory; keep everything in ours.
        ("CARGO_BUILD_BUILD_DIR", target_dir.into()),
        // `#[stackless::inspect]` tags each awaited future's type with its await point, which
        // is how a suspended state in rustc's layout text is tied to its `.await` (see
        // `crate::probe`). Only this build, in its own target directory, is tagged.
        (LAYOUT_TAGS, "1".into()),
    ]
}

/// `$CARGO` is the cargo that started us (as `cargo stackless`, `cargo run` or `cargo test`), of
/// the right toolchain; started by hand, we use the `cargo` on `PATH`.
fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// The value of `RUSTC_BOOTSTRAP` for the cargo child: the selected crate's name, added to what
/// the user already set (`1` stays `1`). Unknown crate: `1`, as `cargo rustc` is about to refuse
/// the selection anyway or the package is not a workspace member.
fn rustc_bootstrap(inherited: Option<OsString>, target: Option<&Target>) -> OsString {
    let Some(target) = target else {
        return "1".into();
    };
    let crate_name = target.crate_name();
    match inherited.as_ref().and_then(|value| value.to_str()) {
        Some("1") => "1".into(),
        Some(list) if !list.is_empty() && list != "-1" => format!("{list},{crate_name}").into(),
        _ => crate_name.into(),
    }
}

/// The target the user named, before looking it up.
enum Selection {
    Lib,
    Named(TargetKind, String),
}

impl Selection {
    fn from_options(options: &Options) -> Option<Selection> {
        if options.lib {
            return Some(Selection::Lib);
        }
        [
            (TargetKind::Bin, &options.bin),
            (TargetKind::Example, &options.example),
            (TargetKind::Test, &options.test),
            (TargetKind::Bench, &options.bench),
        ]
        .into_iter()
        .find_map(|(kind, name)| Some(Selection::Named(kind, name.clone()?)))
    }
}

/// `--lib`, `--bin NAME`, ... as cargo takes them.
fn selection_flags(kind: TargetKind, name: &str) -> Vec<OsString> {
    match kind {
        TargetKind::Lib => vec!["--lib".into()],
        kind => vec![format!("--{kind}").into(), name.into()],
    }
}

/// The user's own target selection, passed on unchanged.
fn user_selection_flags(options: &Options) -> Vec<OsString> {
    match Selection::from_options(options) {
        Some(Selection::Lib) => selection_flags(TargetKind::Lib, ""),
        Some(Selection::Named(kind, name)) => selection_flags(kind, &name),
        None => Vec::new(),
    }
}

fn describe_unit(
    package: Option<&MetaPackage>,
    options: &Options,
    target: Option<&Target>,
    selection: Option<&Selection>,
) -> String {
    let package = match (package, &options.package) {
        (Some(package), _) => format!("`{}`", package.name),
        (None, Some(spec)) => format!("`{spec}`"),
        (None, None) => "the current package".to_owned(),
    };
    let target = match (target, selection) {
        (
            Some(Target {
                kind: TargetKind::Lib,
                ..
            }),
            _,
        )
        | (None, Some(Selection::Lib)) => " (lib)".to_owned(),
        (Some(Target { kind, name }), _) | (None, Some(Selection::Named(kind, name))) => {
            format!(" ({kind} `{name}`)")
        }
        (None, None) => String::new(),
    };
    format!("{package}{target}")
}

/// The parts of `cargo metadata --format-version 1 --no-deps` we read.
#[derive(Debug, Deserialize)]
struct Metadata {
    packages: Vec<MetaPackage>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
}

#[derive(Debug, Deserialize)]
struct MetaPackage {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<MetaTarget>,
}

#[derive(Debug, Deserialize)]
struct MetaTarget {
    name: String,
    kind: Vec<String>,
}

impl MetaTarget {
    fn kind(&self) -> Option<TargetKind> {
        self.kind.iter().find_map(|kind| match kind.as_str() {
            "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro" => {
                Some(TargetKind::Lib)
            }
            "bin" => Some(TargetKind::Bin),
            "example" => Some(TargetKind::Example),
            "test" => Some(TargetKind::Test),
            "bench" => Some(TargetKind::Bench),
            _ => None,
        })
    }

    fn to_target(&self) -> Option<Target> {
        Some(Target {
            kind: self.kind()?,
            name: self.name.clone(),
        })
    }
}

impl MetaPackage {
    fn find_target(&self, selection: &Selection) -> Option<Target> {
        self.targets
            .iter()
            .filter_map(MetaTarget::to_target)
            .find(|target| match selection {
                Selection::Lib => target.kind == TargetKind::Lib,
                Selection::Named(kind, name) => target.kind == *kind && target.name == *name,
            })
    }

    /// What to build when the user names no target: the library, else the only binary. `None`
    /// leaves the choice to cargo, which asks for one.
    fn default_target(&self) -> Option<Target> {
        let targets: Vec<Target> = self
            .targets
            .iter()
            .filter_map(MetaTarget::to_target)
            .collect();
        if let Some(lib) = targets.iter().find(|t| t.kind == TargetKind::Lib) {
            return Some(lib.clone());
        }
        match targets
            .iter()
            .filter(|t| t.kind == TargetKind::Bin)
            .collect::<Vec<_>>()[..]
        {
            [bin] => Some(bin.clone()),
            _ => None,
        }
    }
}

fn metadata(cargo: &Path, manifest_path: Option<&Path>) -> Result<Metadata, CommandError> {
    let mut args: Vec<OsString> = ["metadata", "--format-version", "1", "--no-deps", "--color"]
        .into_iter()
        .map(OsString::from)
        .collect();
    args.push("never".into());
    if let Some(path) = manifest_path {
        args.extend(["--manifest-path".into(), path.into()]);
    }
    let run = run_cargo(cargo, &args, &[], false)?;
    if !run.success {
        return Err(CommandError::Metadata {
            message: shorten_cargo_output(&run.stderr),
        });
    }
    serde_json::from_str(&run.stdout).map_err(|error| CommandError::Metadata {
        message: format!("could not read its output: {error}"),
    })
}

/// The workspace member `options` select: `-p SPEC` by name, else the package whose manifest is
/// `manifest` (the nearest `Cargo.toml`, as cargo picks it). `None` for a virtual manifest or a
/// package outside the workspace; cargo then has the last word.
fn find_package<'m>(
    metadata: &'m Metadata,
    options: &Options,
    manifest: &Path,
) -> Option<&'m MetaPackage> {
    match &options.package {
        Some(spec) => {
            let name = spec_name(spec)?;
            metadata
                .packages
                .iter()
                .find(|package| package.name == name)
        }
        None => {
            let manifest = manifest.canonicalize().ok()?;
            metadata
                .packages
                .iter()
                .find(|package| package.manifest_path.canonicalize().ok() == Some(manifest.clone()))
        }
    }
}

/// Whether `manifest` is the workspace root's manifest without a package of its own.
fn is_virtual(metadata: &Metadata, manifest: &Path) -> bool {
    let root_manifest = metadata
        .workspace_root
        .join("Cargo.toml")
        .canonicalize()
        .ok();
    root_manifest.is_some() && manifest.canonicalize().ok() == root_manifest
}

/// The package name in a package ID spec: `name`, `name@1.0.0`, `name:1.0.0`,
/// `https://host/path#name@1.0.0`. `None` for a spec without a name part.
fn spec_name(spec: &str) -> Option<&str> {
    let spec = match spec.rsplit_once('#') {
        Some((_, fragment)) => fragment,
        None if spec.contains("://") => return None,
        None => spec,
    };
    let name = spec.split(['@', ':']).next()?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_names() {
        assert_eq!(spec_name("foo"), Some("foo"));
        assert_eq!(spec_name("foo@1.2.3"), Some("foo"));
        assert_eq!(spec_name("foo:1.2.3"), Some("foo"));
        assert_eq!(spec_name("https://example.com/x#foo@1.0.0"), Some("foo"));
        assert_eq!(spec_name("https://example.com/foo"), None);
    }

    #[test]
    fn rustc_bootstrap_names_the_crate() {
        let target = Target {
            kind: TargetKind::Bin,
            name: "my-tool".to_owned(),
        };
        assert_eq!(rustc_bootstrap(None, Some(&target)), "my_tool");
        assert_eq!(rustc_bootstrap(Some("1".into()), Some(&target)), "1");
        assert_eq!(rustc_bootstrap(Some("-1".into()), Some(&target)), "my_tool");
        assert_eq!(
            rustc_bootstrap(Some("other".into()), Some(&target)),
            "other,my_tool"
        );
        assert_eq!(rustc_bootstrap(None, None), "1");
    }

    #[test]
    fn default_target_prefers_the_library_then_a_lone_binary() {
        let target = |name: &str, kind: &str| MetaTarget {
            name: name.to_owned(),
            kind: vec![kind.to_owned()],
        };
        let package = |targets| MetaPackage {
            name: "p".to_owned(),
            manifest_path: PathBuf::from("Cargo.toml"),
            targets,
        };
        let lib_and_bin = package(vec![target("p", "bin"), target("p", "lib")]);
        assert_eq!(lib_and_bin.default_target().unwrap().kind, TargetKind::Lib);
        let one_bin = package(vec![target("tool", "bin"), target("it", "test")]);
        assert_eq!(one_bin.default_target().unwrap().name, "tool");
        let two_bins = package(vec![target("a", "bin"), target("b", "bin")]);
        assert_eq!(two_bins.default_target(), None);
        let build_script = package(vec![target("build-script-build", "custom-build")]);
        assert_eq!(build_script.default_target(), None);
    }
}
