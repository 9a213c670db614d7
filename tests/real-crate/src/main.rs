//! `cargo run -p stackless-real-crate -- [<crate>@<version>]`: fetch a published tokio
//! application, build and test it as published, put `#[stackless::inspect]` on every `async fn`
//! it compiles, build and test it again, and compare.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use stackless_real_crate::annotate::{Outcome, annotate};
use stackless_real_crate::cargo::{Cargo, Run, warnings_of};
use stackless_real_crate::census::{Census, FileFunctions};
use stackless_real_crate::copy::{
    add_test_target, depend_on_stackless, edit_file, fresh_copy, own_workspace,
};
use stackless_real_crate::depinfo;
use stackless_real_crate::fetch::{CrateSpec, Fetched, fetch};
use stackless_real_crate::libtest::{self, TestRun};
use stackless_real_crate::liveness::{self, Expected, Liveness};

/// mini-redis: tokio-rs's teaching Redis server and client, with 11 integration tests and 10
/// doc tests in its published package.
const DEFAULT_CRATE: &str = "mini-redis@0.4.1";

const USAGE: &str = "\
usage: cargo run -p stackless-real-crate -- [<crate>@<version> | <crate>]

Fetches the crate from crates.io (default: mini-redis@0.4.1), builds and tests a plain copy,
annotates every `async fn` its targets compile with #[stackless::inspect], builds and tests the
annotated copy, and compares the outcome of every test. Work happens in
target/real-crate/<crate>-<version>/. Exit status: 0 when the annotated tests match the plain
ones and the annotations are live, 1 when not, 2 when the plain crate cannot be built or does
not pass its own tests.";

/// Every test had the same outcome annotated as plain, and the annotations are live.
const PASSED: u8 = 0;
/// The annotated crate differs: a macro bug or limitation to report.
const FAILED: u8 = 1;
/// The tool could not get as far as a fair comparison.
const NO_BASELINE: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let spec = match args.as_slice() {
        [] => CrateSpec::parse(DEFAULT_CRATE),
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [spec] => CrateSpec::parse(spec),
        _ => Err("expected at most one crate".to_owned()),
    };
    let outcome = spec.and_then(|spec| run(&spec));
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            ExitCode::from(NO_BASELINE)
        }
    }
}

/// This repository: the `stackless` the annotated copy depends on.
fn repository() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize()
        .map_err(|error| format!("{}: {error}", root.display()))
}

fn run(spec: &CrateSpec) -> Result<u8, String> {
    let repository = repository()?;
    let work = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(target) => PathBuf::from(target).join("real-crate"),
        None => repository.join("target/real-crate"),
    };
    let started = Instant::now();

    step(&format!("fetching {spec} from crates.io"));
    let fetched = fetch(
        &Cargo::new(work.join("fetch/target")),
        spec,
        &work.join("fetch"),
    )?;
    let fetch_time = started.elapsed();
    step(&format!(
        "{} {} is in {}",
        fetched.name,
        fetched.version,
        fetched.dir.display()
    ));
    let dir = work.join(format!("{}-{}", fetched.name, fetched.version));
    let plain = dir.join("plain");
    let annotated = dir.join("annotated");
    let cargo = Cargo::new(dir.join("target"));

    // The plain copy: the baseline.
    fresh_copy(&fetched.dir, &plain)?;
    edit_file(&plain.join("Cargo.toml"), own_workspace)?;
    let plain_build = build(&cargo, &plain, &dir, "plain")?;
    if !plain_build.success {
        eprintln!("{}", first_errors(&plain_build.output));
        println!(
            "the published crate does not build here; nothing to compare (log: {})",
            plain_build.log.display()
        );
        return Ok(NO_BASELINE);
    }
    let plain_test = test(&cargo, &plain, &dir, "plain", &[])?;
    let plain_tests = libtest::parse(&plain_test.output);

    // The annotated copy.
    step("annotating every async fn the plain build compiled");
    let compiled = depinfo::member_sources(&cargo.target_dir().join("debug/deps"), &plain)?;
    let census = prepare_annotated_copy(&fetched, &annotated, &compiled, &repository)?;
    let annotated_build = build(&cargo, &annotated, &dir, "annotated")?;
    let report_dir = dir.join("report");
    let _ = std::fs::remove_dir_all(&report_dir);
    std::fs::create_dir_all(&report_dir).map_err(|error| error.to_string())?;
    let annotated_test = if annotated_build.success {
        Some(test(
            &cargo,
            &annotated,
            &dir,
            "annotated",
            &[(liveness::REPORT_DIR_VAR, &report_dir)],
        )?)
    } else {
        None
    };

    // The summary.
    println!();
    println!(
        "stackless-real-crate: {} {} from crates.io, {}",
        fetched.name,
        fetched.version,
        today()
    );
    println!("work directory: {}", dir.display());
    println!("fetch: {}", seconds(fetch_time));
    println!();
    print!("{census}");
    println!();
    println!(
        "plain:      build ok ({}), tests {} ({})",
        seconds(plain_build.elapsed),
        plain_tests.totals(),
        seconds(plain_test.elapsed)
    );
    let mut code = PASSED;
    if plain_tests.totals().failed > 0 || !plain_test.success {
        println!("            the published crate's own tests do not all pass here");
        code = NO_BASELINE;
    }
    if !census.unparsed.is_empty() {
        println!("some compiled files could not be parsed: their async fns are unaccounted for");
        code = code.max(FAILED);
    }
    let Some(annotated_test) = annotated_test else {
        println!(
            "annotated:  BUILD FAILED ({}), log: {}",
            seconds(annotated_build.elapsed),
            annotated_build.log.display()
        );
        println!("{}", first_errors(&annotated_build.output));
        println!("result: FAIL (the annotated crate does not build)");
        return Ok(FAILED);
    };
    let all_annotated_tests = libtest::parse(&annotated_test.output);
    let annotated_tests = all_annotated_tests.without(|binary| binary == liveness::TEST_FILE);
    println!(
        "annotated:  build ok ({}), tests {} ({})",
        seconds(annotated_build.elapsed),
        annotated_tests.totals(),
        seconds(annotated_test.elapsed)
    );
    println!(
        "compiler warnings in {}: {} plain, {} annotated",
        fetched.name,
        warnings_of(&plain_build.output, &fetched.name),
        warnings_of(&annotated_build.output, &fetched.name)
    );
    let differences = annotated_tests.differences_from(&plain_tests);
    if differences.is_empty() && !plain_tests.outcomes.is_empty() {
        println!(
            "every one of the {} tests has the same outcome plain and annotated",
            plain_tests.outcomes.len()
        );
    } else {
        println!("tests that differ ({}):", differences.len());
        for difference in &differences {
            println!("  {difference}");
        }
        if plain_tests.outcomes.is_empty() {
            println!("  (the crate ran no tests: nothing was compared)");
        }
        code = code.max(FAILED);
    }
    println!();

    let live = check_liveness(
        &cargo,
        &fetched,
        &annotated,
        &census,
        &report_dir,
        &all_annotated_tests,
    );
    match live {
        Ok(true) => {}
        Ok(false) => code = code.max(FAILED),
        Err(error) => {
            println!("liveness: could not check: {error}");
            code = code.max(FAILED);
        }
    }
    println!();
    println!(
        "result: {} in {} (logs in {})",
        match code {
            PASSED => "PASS",
            FAILED => "FAIL",
            _ => "NO BASELINE",
        },
        seconds(started.elapsed()),
        dir.display()
    );
    Ok(code)
}

/// A fresh copy that depends on `stackless`, with every file the plain build compiled
/// annotated and, for a library, the test that writes the report.
fn prepare_annotated_copy(
    fetched: &Fetched,
    annotated: &Path,
    compiled: &BTreeSet<PathBuf>,
    repository: &Path,
) -> Result<Census, String> {
    let manifest = annotated.join("Cargo.toml");
    fresh_copy(&fetched.dir, annotated)?;
    edit_file(&manifest, own_workspace)?;
    edit_file(&manifest, |text| depend_on_stackless(text, repository))?;
    let census = annotate_files(annotated, compiled)?;
    if let Some(lib_name) = &fetched.lib_name {
        let test_file = annotated.join(liveness::TEST_FILE);
        if test_file.exists() {
            return Err(format!("{} already exists", test_file.display()));
        }
        let exercise = liveness::exercise_for(&fetched.name);
        std::fs::write(&test_file, liveness::test_source(lib_name, exercise))
            .map_err(|error| format!("writing {}: {error}", test_file.display()))?;
        // Declared, not discovered: published manifests may set `autotests = false`.
        edit_file(&manifest, |text| {
            add_test_target(text, liveness::TEST_NAME, liveness::TEST_FILE)
        })?;
    }
    Ok(census)
}

/// Annotates the files the plain build compiled, in the annotated copy.
fn annotate_files(root: &Path, compiled: &BTreeSet<PathBuf>) -> Result<Census, String> {
    let mut census = Census::default();
    for file in compiled {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path)
            .map_err(|error| format!("reading {}: {error}", path.display()))?;
        match annotate(&text) {
            Ok(annotated) => {
                if annotated.text != text {
                    std::fs::write(&path, &annotated.text)
                        .map_err(|error| format!("writing {}: {error}", path.display()))?;
                }
                census.files.push(FileFunctions {
                    file: file.clone(),
                    functions: annotated.functions,
                });
            }
            Err(error) => census.unparsed.push((file.clone(), error.to_string())),
        }
    }
    Ok(census)
}

/// Prints what the report written by the added test shows; true when the annotations are live.
fn check_liveness(
    cargo: &Cargo,
    fetched: &Fetched,
    annotated: &Path,
    census: &Census,
    report_dir: &Path,
    tests: &TestRun,
) -> Result<bool, String> {
    let Some(lib_name) = &fetched.lib_name else {
        println!("liveness: the crate has no library; registration not checked");
        return Ok(true);
    };
    let report_test = tests
        .outcomes
        .iter()
        .find(|((binary, _), _)| binary == liveness::TEST_FILE)
        .map(|(_, outcome)| *outcome);
    println!(
        "liveness: {} (the added test) {}",
        liveness::TEST_FILE,
        report_test.map_or("did not run".to_owned(), |outcome| outcome.to_string())
    );
    let library = depinfo::library_sources(cargo.target_dir(), lib_name, annotated)?;
    let expected: Vec<Expected> = census
        .functions()
        .filter(|(file, function)| {
            library.contains(*file) && function.outcome == Outcome::Annotated
        })
        .map(|(file, function)| Expected {
            file: file.to_string_lossy().replace('\\', "/"),
            line: function.line,
            name: function.name.clone(),
            behind_cfg: function.behind_cfg,
        })
        .collect();
    let (report, report_text) = liveness::read_report(report_dir)?;
    let exercise = liveness::exercise_for(&fetched.name);
    let result = liveness::check(&report, &expected, exercise);
    print_liveness(&result, &expected, exercise, &report_text, report_dir);
    Ok(result.passed() && report_test == Some(libtest::TestOutcome::Passed))
}

fn print_liveness(
    result: &Liveness,
    expected: &[Expected],
    exercise: Option<&liveness::Exercise>,
    report_text: &str,
    report_dir: &Path,
) {
    let unconditional = expected.iter().filter(|want| !want.behind_cfg).count();
    let gated = expected.len() - unconditional;
    println!(
        "  stackless::report() lists {} of the {unconditional} annotated library functions at their file and line{}",
        result.registered,
        if gated > 0 {
            format!(
                " ({} of {gated} more behind #[cfg] were compiled)",
                result.registered_behind_cfg
            )
        } else {
            String::new()
        }
    );
    for missing in &result.missing {
        println!("  MISSING from the report: {missing}");
    }
    for unexpected in &result.unexpected {
        println!("  NOT ANNOTATED by this tool, yet in the report: {unexpected}");
    }
    let Some(exercise) = exercise else {
        println!("  no exercise for this crate: counters not checked");
        return;
    };
    let completed = result
        .ran
        .iter()
        .filter(|(_, _, completed)| *completed > 0)
        .count();
    println!(
        "  the exercise created futures of {} library functions; {completed} ran to completion",
        result.ran.len()
    );
    for wanted in &result.not_completed {
        println!("  DID NOT COMPLETE: {wanted}");
    }
    println!(
        "  from the report ({}):",
        report_dir.join("report.txt").display()
    );
    for name in exercise.completes {
        if let Some(paragraph) = liveness::paragraph(report_text, name) {
            for line in paragraph.lines() {
                println!("    {line}");
            }
        }
    }
}

fn build(cargo: &Cargo, copy: &Path, dir: &Path, which: &str) -> Result<Run, String> {
    step(&format!("cargo build --all-targets ({which})"));
    let run = cargo.run(
        copy,
        &["build", "--all-targets"],
        &[],
        &dir.join(format!("{which}-build.log")),
    )?;
    step(&format!(
        "{} in {}",
        if run.success { "built" } else { "build FAILED" },
        seconds(run.elapsed)
    ));
    Ok(run)
}

fn test(
    cargo: &Cargo,
    copy: &Path,
    dir: &Path,
    which: &str,
    env: &[(&str, &Path)],
) -> Result<Run, String> {
    step(&format!("cargo test --no-fail-fast ({which})"));
    let run = cargo.run(
        copy,
        &["test", "--no-fail-fast"],
        env,
        &dir.join(format!("{which}-test.log")),
    )?;
    step(&format!(
        "tests: {} in {}",
        libtest::parse(&run.output).totals(),
        seconds(run.elapsed)
    ));
    Ok(run)
}

/// The compiler's first errors, with their locations, for the summary.
fn first_errors(output: &str) -> String {
    let mut shown = Vec::new();
    let mut in_error = false;
    for line in output.lines() {
        if line.starts_with("error") {
            in_error = true;
        } else if line.is_empty() {
            in_error = false;
        }
        if in_error {
            shown.push(line);
        }
        if shown.len() >= 60 {
            shown.push("...");
            break;
        }
    }
    shown.join("\n")
}

fn step(message: &str) {
    eprintln!("==> {message}");
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// Today's date (UTC), for the summary that the README quotes.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a proleptic Gregorian date.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_days_since_the_epoch() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }

    #[test]
    fn keeps_the_compilers_errors_and_their_locations() {
        let output = "   Compiling demo\nwarning: unused\n\nerror: the `async` keyword is missing\n --> src/main.rs:3:7\n\nerror: could not compile `demo`\n";
        assert_eq!(
            first_errors(output),
            "error: the `async` keyword is missing\n --> src/main.rs:3:7\nerror: could not compile `demo`"
        );
    }
}
