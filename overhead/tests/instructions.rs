//! The instruction counts are what the report says they are: deterministic, growing with the
//! work, and those checked in are this code's. Needs valgrind (`.ci/run` installs it); without
//! it, the error must say so.

use std::path::Path;

use stackless_overhead::instructions::{total, valgrind_version};
use stackless_overhead::measure::Group;
use stackless_overhead::variant::{Shape, Variant};

// Only the check of the checked-in counts reads the report, and it needs the `inspect` build.
#[cfg(feature = "inspect")]
mod support;
#[cfg(feature = "inspect")]
use support::{REGENERATE, checked_in_report};

#[test]
fn counts_repeat_exactly_and_grow_with_the_runs() {
    let binary = Path::new(env!("CARGO_BIN_EXE_measure_build"));
    let count = |runs| {
        total(
            binary,
            Group::OnePoll,
            Shape::OneAwait,
            Variant::Plain,
            runs,
        )
    };
    match valgrind_version() {
        Some(_) => {
            let (first, again, more) = (count(5).unwrap(), count(5).unwrap(), count(50).unwrap());
            assert_eq!(first, again);
            assert!(more > first, "{more} <= {first}");
        }
        None => assert!(count(5).unwrap_err().contains("valgrind")),
    }
}

/// The instruction counts the book shows are this code's: `measure_build`, built as the runner
/// builds it, is counted again, every variant of its build by hand (per poll), and plain and
/// stackless for a short-lived future (`one_poll`, per future). The times cannot be checked in
/// a test, the counts can: a change to the poll path, to creating or dropping a future, to a
/// peer's version (`cargo update`), to rustc or to the shapes that leaves the checked-in report
/// behind fails here.
///
/// One binary counts the same every time, whatever its environment (the runs are on the
/// measuring thread, see `measure::run`). The check allows half an instruction, as "adds no
/// instruction" does: the table shows tenths, and a smaller change is not one in the work a
/// poll does. Another CPU model takes other paths through the C library's `memcpy` (chosen by
/// CPU features), which copies the 1 KiB shapes' futures: there only the counts by hand are
/// compared, where a copy is spread over 101 polls, allowing one per poll.
#[cfg(feature = "inspect")]
#[test]
fn the_checked_in_counts_are_this_codes() {
    use stackless_overhead::instructions::{NOTHING_PER_POLL, count};
    use stackless_overhead::machine::MeasuredOn;

    if !valgrind_installed("check the book's instruction counts") {
        return;
    }
    let report = checked_in_report();
    let same_cpu = report.measured_on.cpu == MeasuredOn::now().cpu;
    let allowed = if same_cpu { NOTHING_PER_POLL } else { 1.0 };
    let binary = measuring_binary();
    let count_of = |group, variants: &[Variant]| {
        count(&binary, &[group], variants, |_| {}).expect("callgrind counts the measuring binary")
    };
    // Every variant of this build (stackless (off) is the other build's) by hand; `one_poll`
    // only for the code this repository writes, as await-tree's futures take seconds to count.
    let mut counted = count_of(Group::ByHand, Variant::in_this_build());
    if same_cpu {
        counted.extend(count_of(
            Group::OnePoll,
            &[Variant::Plain, Variant::Stackless],
        ));
    }
    let now = |group, shape, variant| {
        counted
            .iter()
            .find(|c| c.group == group && c.shape == shape && c.variant == variant)
            .map(|c| c.per_poll)
    };
    let mut checked = 0;
    for row in &report.instructions {
        let cells = row
            .variants
            .iter()
            .map(|cell| (cell.variant, cell.per_poll));
        for (variant, recorded) in std::iter::once((Variant::Plain, row.plain)).chain(cells) {
            let Some(now) = now(row.group, row.shape, variant) else {
                continue;
            };
            assert!(
                (now - recorded).abs() <= allowed,
                "{} {:?} {variant:?}: the report says {recorded:.2} instructions per poll (per \
                 future in one_poll), this code counts {now:.2}; regenerate with `{REGENERATE}`",
                row.group.key(),
                row.shape
            );
            checked += 1;
        }
    }
    let expected =
        Shape::ALL.len() * (Variant::in_this_build().len() + if same_cpu { 2 } else { 0 });
    assert_eq!(
        checked, expected,
        "the report counts every shape of every variant counted"
    );
}

/// How many more instructions per task the attribute may add to the 2 KiB future than to the
/// 16-byte one. Copying the 2 KiB future once costs about 175 (`memcpy`, on the machine this
/// was written on); with no copy more than plain's, the difference was -96 (the two shapes'
/// polls differ by about one instruction), and with four more copies (the test below), 696.
/// One copy more makes it about 80.
#[cfg(feature = "inspect")]
const ADDED_FOR_SIZE: f64 = 50.0;

/// Spawning an inspected future moves it into its task as often as spawning the plain one:
/// what the attribute adds on tokio does not grow with the size of the future. Until a future
/// is pinned it is a value, and `tokio::spawn` moves it four times on the way into its task's
/// cell; the optimiser builds it in place only if its address never escapes before that. A
/// wrapper whose drop hands a reference to one of its fields to a call the optimiser cannot see
/// into makes it escape, and every move became a copy: four more copies of the 2 KiB
/// `kib_argument` future per task, 0.4 ns per poll of a task polled 101 times (the wrapper's
/// drop now hands over a copy of the field).
#[cfg(feature = "inspect")]
#[test]
fn spawning_copies_an_inspected_future_no_more_than_a_plain_one() {
    use stackless_overhead::instructions::runs;

    if !valgrind_installed("count the copies") {
        return;
    }
    let binary = measuring_binary();
    let group = Group::CurrentThread;
    let per_task = |shape, variant| {
        let (few, many) = runs(group);
        let count = |runs| total(&binary, group, shape, variant, runs).expect("callgrind counts");
        let tasks = (many - few) * u64::from(group.tasks());
        (count(many) as f64 - count(few) as f64) / tasks as f64
    };
    let added = |shape| per_task(shape, Variant::Stackless) - per_task(shape, Variant::Plain);
    let (small, large) = (added(Shape::OneAwait), added(Shape::KibArgument));
    eprintln!(
        "stackless adds {small:.0} instructions per task to one_await, {large:.0} to kib_argument"
    );
    assert!(
        large - small < ADDED_FOR_SIZE,
        "the attribute adds {large:.0} instructions per task to the 2 KiB future and {small:.0} to \
         the 16-byte one: the larger is copied more often than the plain future"
    );
}

/// Whether valgrind can be run, for a test that needs it `to` do something. `.ci/run` installs
/// it, so under `CI` its absence fails the test; elsewhere the test says what it skipped.
#[cfg(feature = "inspect")]
fn valgrind_installed(to: &str) -> bool {
    if valgrind_version().is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI needs valgrind to {to}"
    );
    eprintln!("valgrind is not installed: cannot {to}");
    false
}

/// `measure_build` built as the runner builds it (`measuring_build::cargo`), in the workspace's
/// target directory: cargo says where the binary is.
#[cfg(feature = "inspect")]
fn measuring_binary() -> std::path::PathBuf {
    use std::process::Command;

    let mut cargo = Command::new(env!("CARGO"));
    cargo.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let output = stackless_overhead::measuring_build::cargo(cargo, "build", true)
        .arg("--message-format=json-render-diagnostics")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "building measure_build failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|message| message["target"]["name"] == "measure_build")
        .and_then(|artifact| artifact["executable"].as_str().map(Into::into))
        .expect("cargo names the measure_build executable")
}
