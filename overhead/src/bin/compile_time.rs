//! Compile time of `#[stackless::inspect]` next to its peers.
//!
//! ```text
//! cargo run --release -p stackless-overhead --bin compile_time -- --json compile-time.json
//! ```
//!
//! Generates a cargo workspace (by default in `<target>/overhead-compile/`) with one crate per
//! variant: the same 500 async fns of seven realistic shapes, plain, under
//! `#[stackless::inspect]` (with the facade's default features, and with them off, when the
//! attribute emits each function unchanged), `#[async_backtrace::framed]`,
//! `#[await_tree::instrument]` and `#[tracing::instrument]`. The crates depend on `stackless`
//! by path and on the peers at pinned versions, and start from this workspace's `Cargo.lock`.
//!
//! Each crate also has `poll_each_once`, which polls every function's future once, as the
//! program that uses them would. Without it the crates would not all compile the same code:
//! rustc generates a state machine's code where the future is polled, and every attribute's
//! wrapper (ours and the peers') is generic over the state machine, so a crate that only
//! defines the functions leaves most of their code to whichever crate polls them. A plain
//! `async fn` compiles its own, so without `poll_each_once` every attribute's ratio to plain
//! would look far lower than what a program using the functions pays.
//!
//! Every variant is first built once, untimed, with its dependencies. Then each variant's own
//! crate is built again `--runs` times after touching its `lib.rs`, round-robin across the
//! variants so that noise on the machine falls on all of them alike, and each time also
//! `cargo check`ed, which splits the time between the front end (expansion, type checking) and
//! code generation; each build is checked to have compiled that crate and nothing else.
//!
//! Each build's wall time and CPU time (user plus system, of cargo and every rustc it ran) are
//! kept; the report gives medians and their ratios to plain's median of the same run. Ratios
//! and the goal's verdict are on CPU time unless `--basis wall`: on a machine shared with other
//! work, wall time also counts the waits for a core, which fall unevenly on the builds. The
//! dev profile has incremental compilation off, so each build compiles the whole crate, as a
//! clean build or CI does.
//!
//! The generated crate is nearly all attribute, small functions of a few lines each. So the
//! same comparison is also made on real code when `cargo run -p stackless-real-crate` has
//! left its copies of a crates.io application (mini-redis by default): plain, with the
//! attribute on every `async fn` it compiles, and copies derived from that one with each
//! other variant's attribute on the same functions; see `compile_time/real_crate.rs`.
//!
//! A clean build of a project also compiles the attribute's proc-macro crate, and syn with
//! its `full` feature under it. So each macro crate (ours, `stackless-macros`, and the peers')
//! is also built `--macro-runs` times into an emptied target directory, with its dependencies,
//! and once more after `cargo clean -p` of the crate alone.

// The modules live in `compile_time/`, beside this file, which a binary's root does not
// look in by itself.
#[path = "compile_time/cargo.rs"]
mod cargo;
#[path = "compile_time/cpu_time.rs"]
mod cpu_time;
#[path = "compile_time/environment.rs"]
mod environment;
#[path = "compile_time/failure.rs"]
mod failure;
#[path = "compile_time/generate.rs"]
mod generate;
#[path = "compile_time/lockfile.rs"]
mod lockfile;
#[path = "compile_time/measure.rs"]
mod measure;
#[path = "compile_time/measured_code.rs"]
mod measured_code;
#[path = "compile_time/options.rs"]
mod options;
#[path = "compile_time/peer_copy.rs"]
mod peer_copy;
#[path = "compile_time/real_crate.rs"]
mod real_crate;
#[path = "compile_time/report.rs"]
mod report;
#[path = "compile_time/variant.rs"]
mod variant;
#[path = "compile_time/workspace.rs"]
mod workspace;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cargo::Cargo;
use environment::Environment;
use failure::Failure;
use options::{Options, Parsed, RealCrateChoice, USAGE};
use report::{Measured, Report};
use variant::{Variant, VariantBuild};
use workspace::GeneratedWorkspace;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match options::parse(&arguments) {
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Parsed::Run(options)) => match run(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                eprintln!("error: {failure}");
                ExitCode::FAILURE
            }
        },
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(options: &Options) -> Result<(), Failure> {
    let root = stackless_root();
    let dir = options
        .dir
        .clone()
        .unwrap_or_else(|| target_root(&root).join("overhead-compile"));
    let workspace = GeneratedWorkspace::write(
        &dir,
        &root,
        &root.join("Cargo.lock"),
        &Variant::ALL,
        options.functions,
    )?;
    eprintln!(
        "generated {} crates of {} functions in {}",
        Variant::ALL.len(),
        options.functions,
        dir.display()
    );
    let cargo = Cargo::new(&workspace.root);

    measure::build_dependencies(&cargo, &workspace, options.profile)?;
    let variants = measure::time_variants(&cargo, &workspace, options.profile, options.runs)?;
    let rlib_bytes = Variant::ALL
        .iter()
        .filter_map(|&variant| {
            let rlib = workspace.rlib(variant, options.profile.directory());
            Some((variant.name(), std::fs::metadata(rlib).ok()?.len()))
        })
        .collect::<BTreeMap<_, _>>();
    let macro_crate_names: Vec<&str> = Variant::ALL
        .iter()
        .filter_map(|variant| variant.macro_crate())
        .collect();
    let macro_crates = measure::time_macro_crates(
        &cargo,
        &workspace,
        &macro_crate_names,
        options.profile,
        options.macro_runs,
    )?;

    let time_real_crate = |dir: &Path| {
        real_crate::time(
            dir,
            options.profile,
            options.runs,
            &root,
            &real_crate::DERIVED,
        )
    };
    let real_crate = match &options.real_crate {
        RealCrateChoice::Skip => Err("skipped with `--no-real-crate`".to_owned()),
        RealCrateChoice::At(dir) => Ok(time_real_crate(dir)?),
        RealCrateChoice::IfPrepared => {
            let dir = target_root(&root).join(real_crate::DEFAULT_DIR);
            if dir.join("annotated").is_dir() {
                Ok(time_real_crate(&dir)?)
            } else {
                // Relative: the reason ends up in the checked-in report.
                Err(format!(
                    "no copies in <target>/{}; `{}` prepares them",
                    real_crate::DEFAULT_DIR,
                    real_crate::PREPARE
                ))
            }
        }
    };

    let report = Report::new(Measured {
        functions: options.functions,
        profile: options.profile.name(),
        basis: options.basis,
        runs: options.runs,
        macro_crate_runs: options.macro_runs,
        variants,
        rlib_bytes,
        macro_crates,
        real_crate,
        environment: Environment::current(&root),
    })
    .ok_or_else(|| Failure::Measurement("plain or stackless-macros was not measured".into()))?;
    println!("{}", report.table());
    if let Some(path) = &options.json {
        std::fs::write(path, report.to_json() + "\n")
            .map_err(|error| Failure::io("write", path, error))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The `stackless` package's directory: the parent of this package's.
fn stackless_root() -> PathBuf {
    let overhead = Path::new(env!("CARGO_MANIFEST_DIR"));
    overhead.parent().unwrap_or(overhead).to_path_buf()
}

/// The stackless workspace's target directory: `$CARGO_TARGET_DIR` when set (relative to
/// the current directory, as cargo reads it), `<root>/target` otherwise.
fn target_root(stackless_root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => std::env::current_dir()
            .map(|current| current.join(&dir))
            .unwrap_or_else(|_| PathBuf::from(dir)),
        _ => stackless_root.join("target"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape in every variant type-checks without a warning, with each attribute's macro
    /// crate really in the build and `stackless-off` really without `enabled`. `cargo check`
    /// of seven functions (one of each shape) keeps this quick once the dependencies are
    /// checked; the first run also compiles the proc-macro crates and build scripts of every
    /// peer, which is most of its time.
    #[test]
    fn a_small_generated_crate_compiles_in_every_variant() {
        let root = stackless_root();
        let dir = target_root(&root).join("overhead-compile-test");
        let workspace =
            GeneratedWorkspace::write(&dir, &root, &root.join("Cargo.lock"), &Variant::ALL, 7)
                .unwrap();
        let cargo = Cargo::new(&workspace.root);
        for variant in Variant::ALL {
            let run = measure::run_on_variant(
                &cargo,
                &workspace,
                "check",
                variant,
                measure::Profile::Dev,
            )
            .unwrap_or_else(|failure| panic!("{}: {failure}", variant.name()));
            let crate_name = variant.package().replace('-', "_");
            assert!(
                run.artifacts
                    .iter()
                    .any(|artifact| artifact.target == crate_name),
                "{crate_name} was not checked"
            );
            measure::check_no_diagnostics(&run.diagnostics, &crate_name).unwrap();
            measure::check_stackless_features(variant, &run.artifacts).unwrap();
            if let Some(macro_crate) = variant.macro_crate() {
                let macro_target = macro_crate.replace('-', "_");
                assert!(
                    run.artifacts
                        .iter()
                        .any(|artifact| artifact.target == macro_target),
                    "{} was built without {macro_crate}",
                    variant.name()
                );
            }
        }
    }
}
