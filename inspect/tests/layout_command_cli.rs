//! The driver of `cargo stackless layout`: arguments, the `-Zprint-type-sizes` build of a fixture
//! crate, and the errors a user can meet. Needs the `cli` feature:
//! `cargo test -p stackless-inspect --features cli --test layout_command_cli`.
//!
//! The fixtures under `tests/fixtures/` are workspaces of their own; they are built into
//! `target/tmp/` (`CARGO_TARGET_TMPDIR`), so only the first run compiles their dependencies.

#![cfg(feature = "cli")]

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime};

use stackless_inspect::layout_command::{
    Command, CommandError, Format, LAYOUT_TARGET_SUBDIR, Options, TargetKind, capture, parse_args,
    plan,
};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-stackless");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn target_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// Builds of `layout-crate` into its shared target directory take turns: one run's
/// `cargo clean -p` between another's clean and build would leave that build fresh and silent.
fn layout_crate_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `cargo-stackless layout ARGS...` parsed as the binary parses it.
fn options(args: &[&str]) -> Options {
    let argv = ["cargo-stackless", "layout"].iter().chain(args);
    let Command::Layout(options) = parse_args(argv).expect("valid arguments").command;
    options
}

/// Options for building the fixture `crate_name`, into `target/tmp/<target>` when given.
fn fixture_options(crate_name: &str, target: Option<&str>, extra: &[&str]) -> Options {
    let manifest = fixture(crate_name).join("Cargo.toml");
    let target = target.map(target_dir);
    let mut args = vec!["--manifest-path", manifest.to_str().unwrap()];
    if let Some(target) = &target {
        args.extend(["--target-dir", target.to_str().unwrap()]);
    }
    args.extend(extra);
    options(&args)
}

#[test]
fn arguments_are_read_with_and_without_the_cargo_subcommand_word() {
    for argv in [
        &["cargo-stackless", "stackless", "layout", "client::fetch"][..],
        &["cargo-stackless", "layout", "--filter", "client::fetch"],
    ] {
        let Command::Layout(options) = parse_args(argv).unwrap().command;
        assert_eq!(options.filter(), Some("client::fetch"), "{argv:?}");
        assert_eq!(options.format, Format::Text);
    }

    let options = options(&[
        "-p",
        "server",
        "--bin",
        "srv",
        "-F",
        "a,b",
        "--features",
        "c",
        "--all",
        "--release",
        "--format",
        "svg",
    ]);
    assert_eq!(options.package.as_deref(), Some("server"));
    assert_eq!(options.bin.as_deref(), Some("srv"));
    assert_eq!(options.features, ["a,b", "c"]);
    assert!(options.all && options.release);
    assert_eq!(options.format, Format::Svg);

    let conflicting = [
        &["cargo-stackless", "layout", "--lib", "--bin", "x"][..],
        &["cargo-stackless", "layout", "f", "--filter", "g"],
        &["cargo-stackless", "layout", "--format", "yaml"],
        &["cargo-stackless", "build"],
    ];
    for argv in conflicting {
        assert!(parse_args(argv).is_err(), "{argv:?} should be refused");
    }
}

#[test]
fn help_shows_the_selection_flags_and_an_example() {
    let output = Process::new(BIN)
        .args(["stackless", "layout", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "Usage: cargo stackless layout [OPTIONS] [FILTER]",
        "--package <SPEC>",
        "--bin <NAME>",
        "--no-default-features",
        "--manifest-path <PATH>",
        "--format <FORMAT>",
        "Examples:\n  cargo stackless layout ",
    ] {
        assert!(help.contains(expected), "no {expected:?} in:\n{help}");
    }
}

#[test]
fn the_plan_builds_only_the_selected_crate_in_a_directory_of_its_own() {
    let plan = plan(&fixture_options("layout-crate", None, &[])).unwrap();

    // The default target directory sits inside the project's own, next to `debug/`.
    assert!(plan.target_dir.ends_with(LAYOUT_TARGET_SUBDIR), "{plan:?}");
    assert_eq!(plan.package.as_ref().unwrap().name, "layout-crate");
    let target = plan.target.as_ref().unwrap();
    assert_eq!(
        (target.kind, target.name.as_str()),
        (TargetKind::Lib, "layout_crate")
    );
    assert_eq!(plan.unit, "`layout-crate` (lib)");

    let args: Vec<&str> = plan
        .rustc_args
        .iter()
        .map(|a| a.to_str().unwrap())
        .collect();
    assert_eq!(args[0], "rustc");
    assert!(args.contains(&"--lib"), "{args:?}");
    assert_eq!(args[args.len() - 2..], ["--", "-Zprint-type-sizes"]);
    let target_dir = args.iter().position(|a| *a == "--target-dir").unwrap();
    assert_eq!(Path::new(args[target_dir + 1]), plan.target_dir);

    let env: BTreeMap<&str, &str> = plan
        .env
        .iter()
        .map(|(name, value)| (*name, value.to_str().unwrap()))
        .collect();
    if std::env::var_os("RUSTC_BOOTSTRAP").is_none() {
        assert_eq!(env["RUSTC_BOOTSTRAP"], "layout_crate");
    }
    assert_eq!(
        env["CARGO_BUILD_BUILD_DIR"],
        plan.target_dir.to_str().unwrap()
    );
}

#[test]
fn captures_the_annotated_function_and_captures_it_again_when_cached() {
    let _turn = layout_crate_lock();
    let options = fixture_options("layout-crate", Some("layout-crate"), &[]);
    let user_target_dir = plan(&fixture_options("layout-crate", None, &[]))
        .unwrap()
        .target_dir
        .parent()
        .unwrap()
        .to_owned();
    let user_files_before = files_outside_layout_dir(&user_target_dir);
    let bootstrap_before = std::env::var_os("RUSTC_BOOTSTRAP");

    let started = Instant::now();
    let first = capture(&options).unwrap_or_else(|error| panic!("{error}"));
    eprintln!("first capture: {:?}", started.elapsed());

    let instrumented = "print-type-size type: `stackless::__private::Instrumented<\
                        fetch::__StacklessSite, {async block@src/lib.rs:";
    assert!(
        first.type_sizes_text.contains(instrumented),
        "{}",
        first.type_sizes_text
    );
    assert!(
        first
            .type_sizes_text
            .contains("print-type-size type: `{async block@src/lib.rs:"),
        "{}",
        first.type_sizes_text
    );
    assert!(
        first
            .type_sizes_text
            .lines()
            .all(|line| line.starts_with("print-type-size "))
    );
    assert!(first.type_count() > 0);
    assert_eq!(first.unit, "`layout-crate` (lib)");
    assert_eq!(
        first.workspace_root,
        fixture("layout-crate").canonicalize().unwrap()
    );
    assert_eq!(first.target_dir, target_dir("layout-crate"));

    // Nothing changed since, so cargo would call the crate fresh and rustc would print nothing.
    let started = Instant::now();
    let second = capture(&options).unwrap_or_else(|error| panic!("{error}"));
    eprintln!("second capture: {:?}", started.elapsed());
    assert_eq!(first.type_sizes_text, second.type_sizes_text);

    assert_eq!(std::env::var_os("RUSTC_BOOTSTRAP"), bootstrap_before);
    if !target_dir("layout-crate").starts_with(&user_target_dir) {
        assert_eq!(
            files_outside_layout_dir(&user_target_dir),
            user_files_before,
            "the user's target directory {} changed",
            user_target_dir.display()
        );
    }
}

/// Every file under `dir` but in its `stackless-layout/`, with its modification time.
fn files_outside_layout_dir(dir: &Path) -> BTreeMap<PathBuf, SystemTime> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path
                .file_name()
                .is_some_and(|name| name == LAYOUT_TARGET_SUBDIR)
            {
                continue;
            }
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(path);
            } else {
                files.insert(path, metadata.modified().unwrap());
            }
        }
    }
    files
}

#[test]
fn the_binary_prints_the_layout() {
    let _turn = layout_crate_lock();
    let manifest = fixture("layout-crate/Cargo.toml");
    let target = target_dir("layout-crate");
    for subcommand in [&["stackless", "layout"][..], &["layout"]] {
        let output = Process::new(BIN)
            .args(subcommand)
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(
            stdout.contains("fetch  (src/lib.rs:8)  1064 bytes"),
            "{stdout}"
        );
        assert!(
            stdout.contains("Suspend0  await #0 at src/lib.rs:10:13: ready().await"),
            "{stdout}"
        );
        assert!(stderr.contains("Building `layout-crate` (lib)"), "{stderr}");
    }
}

#[test]
fn a_crate_that_does_not_compile_is_a_build_error_with_rustc_s_message() {
    let options = fixture_options("broken-crate", Some("broken-crate"), &[]);
    let error = capture(&options).unwrap_err();
    let CommandError::Build { unit, message } = &error else {
        panic!("expected a build error, got {error:?}");
    };
    assert_eq!(unit, "`broken-crate` (lib)");
    assert!(
        message.contains("error[E0308]: mismatched types"),
        "{message}"
    );
    assert!(
        message.contains("could not compile `broken-crate`"),
        "{message}"
    );
    assert!(!message.contains("Compiling"), "{message}");
    assert!(
        error
            .to_string()
            .starts_with("`broken-crate` (lib) does not build")
    );
}

#[test]
fn an_unknown_binary_is_cargo_s_error() {
    let options = fixture_options(
        "layout-crate",
        Some("layout-crate-errors"),
        &["--bin", "no-such-bin"],
    );
    let error = capture(&options).unwrap_err();
    let CommandError::Cargo { command, message } = &error else {
        panic!("expected cargo's refusal, got {error:?}");
    };
    assert_eq!(*command, "cargo rustc");
    assert!(
        message.contains("no bin target named `no-such-bin`"),
        "{message}"
    );
}

#[test]
fn a_missing_manifest_is_named() {
    let error = capture(&options(&["--manifest-path", "/no/such/dir/Cargo.toml"])).unwrap_err();
    let CommandError::ManifestNotFound { path } = &error else {
        panic!("expected a missing manifest, got {error:?}");
    };
    assert_eq!(path, Path::new("/no/such/dir/Cargo.toml"));
    assert_eq!(
        error.to_string(),
        "manifest path `/no/such/dir/Cargo.toml` does not exist"
    );
}

#[test]
fn outside_a_project_the_binary_says_so() {
    let dir = std::env::temp_dir().join(format!("stackless-no-project-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if dir.ancestors().any(|d| d.join("Cargo.toml").exists()) {
        eprintln!("skipped: {} is inside a cargo project", dir.display());
        return;
    }
    let output = Process::new(BIN)
        .args(["stackless", "layout"])
        .current_dir(&dir)
        .output()
        .unwrap();
    std::fs::remove_dir(&dir).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: could not find `Cargo.toml` in "),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input: every way the command can fail exits with status 1 and one `error: ` message on
// stderr, prints nothing on stdout (no empty table), and never panics.

/// What one run of the binary did.
struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `cargo-stackless layout ARGS...` with `env` added to its environment.
fn run_binary(args: &[&OsStr], env: &[(&str, &OsStr)]) -> Run {
    let output = Process::new(BIN)
        .arg("layout")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    Run {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `--manifest-path` of the fixture `crate_name` and `--target-dir target/tmp/<target>`, then
/// `extra`.
fn fixture_args(crate_name: &str, target: &str, extra: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "--manifest-path".into(),
        fixture(crate_name).join("Cargo.toml").into(),
        "--target-dir".into(),
        target_dir(target).into(),
    ];
    args.extend(extra.iter().map(OsString::from));
    args
}

fn as_os(args: &[OsString]) -> Vec<&OsStr> {
    args.iter().map(OsString::as_os_str).collect()
}

/// Status 1, nothing on stdout, an `error: ` line on stderr holding every one of `expected`, and
/// no panic.
#[track_caller]
fn assert_refused(run: &Run, expected: &[&str]) {
    let context = format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        run.status, run.stdout, run.stderr
    );
    assert_eq!(run.status, Some(1), "{context}");
    assert!(run.stdout.is_empty(), "{context}");
    assert!(!run.stderr.contains("panicked"), "{context}");
    let error = run
        .stderr
        .find("error: ")
        .map(|at| &run.stderr[at..])
        .unwrap_or_else(|| panic!("no `error: ` line\n{context}"));
    for expected in expected {
        assert!(
            error.contains(expected),
            "no {expected:?} in the error\n{context}"
        );
    }
}

#[test]
fn a_crate_that_does_not_build_exits_with_rustc_s_error() {
    let args = fixture_args("broken-crate", "broken-crate-binary", &[]);
    let run = run_binary(&as_os(&args), &[]);
    assert_refused(
        &run,
        &[
            "`broken-crate` (lib) does not build",
            "error[E0308]: mismatched types",
            "src/lib.rs:4:5",
        ],
    );
}

#[test]
fn unknown_package_target_and_feature_names_exit_with_cargo_s_error() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["-p", "no-such-package"],
            "`no-such-package` did not match any packages",
        ),
        (
            &["--bin", "no-such-bin"],
            "no bin target named `no-such-bin`",
        ),
        (
            &["--example", "no-such-example"],
            "no example target named `no-such-example`",
        ),
        (
            &["--test", "no-such-test"],
            "no test target named `no-such-test`",
        ),
        (
            &["--bench", "no-such-bench"],
            "no bench target named `no-such-bench`",
        ),
        (
            &["--features", "no-such-feature"],
            "does not contain this feature: no-such-feature",
        ),
    ];
    for (selection, expected) in cases {
        let args = fixture_args("layout-crate", "layout-crate-errors", selection);
        let run = run_binary(&as_os(&args), &[]);
        assert_refused(&run, &[expected]);
    }
}

#[test]
fn a_manifest_path_that_is_not_a_manifest_exits_with_cargo_s_error() {
    let readme = fixture("print-type-sizes/README.md");
    let directory = fixture("print-type-sizes");
    let cases = [
        (&readme, "must be a path to a Cargo.toml file"),
        (&directory, "is a directory but expected a file"),
    ];
    for (path, expected) in cases {
        let run = run_binary(&["--manifest-path".as_ref(), path.as_os_str()], &[]);
        assert_refused(&run, &["`cargo metadata` failed", expected]);
    }
}

#[test]
fn a_malformed_manifest_exits_with_cargo_s_error() {
    let dir = target_dir("malformed-manifest");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("Cargo.toml");
    std::fs::write(&manifest, "[package\nname = \"half-written\"\n").unwrap();
    let run = run_binary(&["--manifest-path".as_ref(), manifest.as_os_str()], &[]);
    assert_refused(&run, &["`cargo metadata` failed", "Cargo.toml:1"]);
}

/// Not an empty table with status 0: a crate whose `async fn`s carry no
/// `#[stackless::inspect]` is told so, and pointed at the attribute and at `--all`; `--all`
/// then shows its state machines, so the fixture does have some.
#[test]
fn a_crate_without_inspected_functions_is_an_error_that_points_at_all() {
    let args = fixture_args("plain-crate", "plain-crate", &["--quiet"]);
    let run = run_binary(&as_os(&args), &[]);
    assert_refused(&run, &["#[stackless::inspect]", "--all"]);

    let args = fixture_args("plain-crate", "plain-crate", &["--quiet", "--all"]);
    let run = run_binary(&as_os(&args), &[]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("{async fn body of fetch()}"),
        "{}",
        run.stdout
    );
}

/// A filter that matches no function is an error naming it, not an empty table with status 0.
#[test]
fn a_filter_that_matches_nothing_is_an_error_that_names_it() {
    // A target directory of its own: two runs cleaning and building one crate in the same one
    // at the same time would leave one of them fresh and silent.
    let args = fixture_args(
        "plain-crate",
        "plain-crate-filter",
        &["--quiet", "--all", "no_such_fn"],
    );
    let run = run_binary(&as_os(&args), &[]);
    assert_refused(&run, &["no_such_fn"]);
}

// A stand-in for cargo: `metadata` goes to the real cargo, `clean` does nothing, and `rustc`
// prints the file `$FAKE_RUSTC_OUTPUT` as if the selected crate's rustc had printed it. The
// command runs `$CARGO`, so this is how it can be fed any rustc output.
#[cfg(unix)]
const FAKE_CARGO: &str = r#"#!/bin/sh
case "$1" in
  metadata) exec "$REAL_CARGO" "$@" ;;
  clean) exit 0 ;;
  rustc) cat "$FAKE_RUSTC_OUTPUT"; exit 0 ;;
esac
echo "fake cargo: unexpected command $1" >&2
exit 2
"#;

/// Runs the binary on `layout-crate` with the fake cargo printing `output` (a file under
/// `tests/fixtures/unreadable-rustc-output/`) for rustc.
#[cfg(unix)]
fn run_with_rustc_output(output: &str, extra: &[&str]) -> Run {
    use std::os::unix::fs::PermissionsExt;

    let dir = target_dir("fake-cargo");
    std::fs::create_dir_all(&dir).unwrap();
    // Written aside and renamed into place, so a test running the script never sees it half
    // written, whichever test writes it.
    let fake = dir.join("cargo");
    let written = dir.join(format!("cargo-{}.tmp", std::process::id()));
    std::fs::write(&written, FAKE_CARGO).unwrap();
    std::fs::set_permissions(&written, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(&written, &fake).unwrap();
    let real = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let rustc_output = fixture("unreadable-rustc-output").join(output);
    assert!(rustc_output.is_file(), "{}", rustc_output.display());
    let args = fixture_args("layout-crate", "layout-crate-fake", extra);
    run_binary(
        &as_os(&args),
        &[
            ("CARGO", fake.as_os_str()),
            ("REAL_CARGO", &real),
            ("FAKE_RUSTC_OUTPUT", rustc_output.as_os_str()),
        ],
    )
}

/// Rustc output in a format the parser does not know (a future rustc's, say) is an error saying
/// so, not "no async state machines matched" with status 0.
#[cfg(unix)]
#[test]
fn rustc_output_the_parser_does_not_understand_is_an_error() {
    for extra in [&["--quiet"][..], &["--quiet", "--all"]] {
        let run = run_with_rustc_output("unknown-format.txt", extra);
        assert_refused(&run, &["3 lines", "not understood"]);
    }
}

#[cfg(unix)]
#[test]
fn rustc_printing_no_layouts_is_an_error() {
    let run = run_with_rustc_output("no-layouts.txt", &["--quiet"]);
    assert_refused(
        &run,
        &["`layout-crate` (lib) built, but rustc printed no type layouts"],
    );
}
