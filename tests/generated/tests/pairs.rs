//! Every generated function, plain and inspected, compared: `cargo test -p stackless-generated`
//! (see `tests/generated/README.md`). Its own `main`, so that the seed, the count and what the
//! batch covered are printed on every run. Arguments of the form `f<index>` name the functions
//! to compare (all of them when there are none); other arguments, such as the options and
//! filters `cargo test` hands every test binary, are ignored.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use stackless_generated::{Differences, End, Generated, INPUTS, differences, report};

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

/// A batch this large covers every way a function can end; a smaller one (a single function
/// drawn again, say) need not.
const COVERING_BATCH: usize = 100;

/// Reports printed in full when functions differ; the rest are counted.
const REPORTS_SHOWN: usize = 5;

fn main() {
    let names: Vec<String> = std::env::args()
        .skip(1)
        .filter(|argument| names_a_function(argument))
        .collect();
    for name in &names {
        assert!(
            FUNCTIONS.iter().any(|function| function.name == name),
            "no generated function `{name}` in this batch (indices {START}..{})",
            START + FUNCTIONS.len() as u64
        );
    }
    let selected: Vec<&Generated> = FUNCTIONS
        .iter()
        .copied()
        .filter(|function| names.is_empty() || names.iter().any(|name| name == function.name))
        .collect();
    println!(
        "generated async fns: {} of {} (seed {SEED:#x}, indices {START}..{}), {} inputs each",
        selected.len(),
        FUNCTIONS.len(),
        START + FUNCTIONS.len() as u64,
        INPUTS.len()
    );
    let started = Instant::now();
    let compared = compare_all(&selected);
    let summary = Summary::of(&compared);
    println!("{summary}");
    println!("compared in {:.1?}", started.elapsed());

    let differing: Vec<_> = compared
        .iter()
        .filter(|(_, differences)| !differences.found.is_empty())
        .collect();
    let reports: Vec<String> = differing
        .iter()
        .take(REPORTS_SHOWN)
        .map(|(function, differences)| report(function, differences, SEED))
        .collect();
    assert!(
        differing.is_empty(),
        "{} of {} generated functions differ from their inspected twins; the first {}:\n\n{}",
        differing.len(),
        compared.len(),
        reports.len(),
        reports.join("\n")
    );
    println!("  all {} pairs alike", compared.len());
    if selected.len() >= COVERING_BATCH {
        summary.assert_covers();
    }
}

/// `f<index>`, as generated functions are named.
fn names_a_function(argument: &str) -> bool {
    argument
        .strip_prefix('f')
        .is_some_and(|index| !index.is_empty() && index.bytes().all(|byte| byte.is_ascii_digit()))
}

/// Compares every function, on as many threads as there are cores (each has its own log).
fn compare_all<'a>(functions: &[&'a Generated]) -> Vec<(&'a Generated, Differences)> {
    let next = AtomicUsize::new(0);
    let compared = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(&function) = functions.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let found = differences(function);
                    compared
                        .lock()
                        .expect("no comparison panics")
                        .push((function, found));
                }
            });
        }
    });
    let mut compared = compared.into_inner().expect("no comparison panics");
    compared.sort_by_key(|(function, _)| function.index);
    compared
}

/// What the plain twins did, over the batch: evidence that the generator reaches every shape
/// of ending it is meant to.
#[derive(Default)]
struct Summary {
    functions: usize,
    runs: usize,
    cancellations: usize,
    values: usize,
    errors: usize,
    nones: usize,
    body_panics: usize,
    awaited_panics: usize,
    other_panics: usize,
    send: usize,
    largest: usize,
    most_polls: usize,
    longest_log: usize,
}

impl Summary {
    fn of(compared: &[(&Generated, Differences)]) -> Summary {
        let mut summary = Summary::default();
        for (_, differences) in compared {
            summary.functions += 1;
            summary.cancellations += differences.cancellations;
            summary.send += usize::from(differences.statics.traits[0].send);
            summary.largest = summary.largest.max(differences.statics.plain.0);
            for run in &differences.plain_runs {
                summary.runs += 1;
                summary.most_polls = summary.most_polls.max(run.polls);
                summary.longest_log = summary.longest_log.max(run.log.len());
                match &run.end {
                    End::Ready(output) if output.starts_with("Err(") => summary.errors += 1,
                    End::Ready(output) if output == "None" => summary.nones += 1,
                    End::Ready(_) => summary.values += 1,
                    End::Panicked(message) if message.ends_with(" fired") => {
                        summary.awaited_panics += 1
                    }
                    // `panic!("pN ..")` and `assert!(.., "aN ..")`.
                    End::Panicked(message) if message.starts_with(['p', 'a']) => {
                        summary.body_panics += 1
                    }
                    End::Panicked(_) => summary.other_panics += 1,
                    End::Dropped | End::Unfinished => {} // a difference, reported as such
                }
            }
        }
        summary
    }

    /// Every ending occurs, and futures that are `Send` and futures that are not.
    fn assert_covers(&self) {
        let covered = [
            ("ready with a value", self.values),
            ("ready with `Err` from `?` or `return`", self.errors),
            ("ready with `None`", self.nones),
            ("a panic in the body", self.body_panics),
            ("a panic in an awaited future", self.awaited_panics),
            ("`Send` futures", self.send),
            ("futures that are not `Send`", self.functions - self.send),
        ];
        for (what, count) in covered {
            assert!(
                count > 0,
                "the batch has no {what}: the generator lost a shape"
            );
        }
        assert_eq!(
            self.other_panics, 0,
            "a generated function panics other than on purpose"
        );
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "  compared: {} functions (layout and auto traits), {} runs to the end, {} drops \
             after k polls",
            self.functions, self.runs, self.cancellations
        )?;
        writeln!(
            f,
            "  plain runs ended: {} with a value, {} with Err, {} with None, {} panicked in the \
             body, {} in an awaited future, {} otherwise",
            self.values,
            self.errors,
            self.nones,
            self.body_panics,
            self.awaited_panics,
            self.other_panics
        )?;
        write!(
            f,
            "  {} of {} futures Send; largest {} B; at most {} polls and {} log entries in one run",
            self.send, self.functions, self.largest, self.most_polls, self.longest_log
        )
    }
}
