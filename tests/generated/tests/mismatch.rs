//! The comparison can fail: twins that really differ, and what it reports for them. Generated
//! functions with a statement added to the inspected twin (`$OUT_DIR/mutants.rs`, see
//! `MUTATIONS` in `build/main.rs`), and a few written by hand for what a mutation cannot
//! guarantee (an output, a panic message, a difference seen only when dropped early).

use stackless::FutureSize;
use stackless_generated::{
    AutoTraits, Generated, INPUTS, Statics, differences, generated, report, static_differences,
};

include!(concat!(env!("OUT_DIR"), "/mutants.rs"));

fn mutant(name: &str) -> &'static Generated {
    MUTANTS
        .iter()
        .copied()
        .find(|mutant| mutant.name == name)
        .unwrap_or_else(|| panic!("no mutant `{name}`"))
}

/// `"<input>: run to the end"` for every input.
fn every_run_to_the_end() -> Vec<String> {
    INPUTS
        .iter()
        .map(|input| format!("{input}: run to the end"))
        .collect()
}

#[test]
fn harness_detects_an_extra_drop() {
    let found = differences(mutant("extra_drop"));
    for run in every_run_to_the_end() {
        assert!(found.what().contains(&run.as_str()), "{:?}", found.what());
    }
}

#[test]
fn harness_detects_an_extra_suspension() {
    let found = differences(mutant("extra_suspension"));
    for run in every_run_to_the_end() {
        assert!(found.what().contains(&run.as_str()), "{:?}", found.what());
    }
}

/// A 4 KiB local alive across an await that never suspends: nothing else changes.
#[test]
fn harness_detects_a_larger_state() {
    assert_eq!(differences(mutant("larger_state")).what(), ["size"]);
}

/// An `Rc` alive across an await: the mutant is neither `Send` nor `Sync`.
#[test]
fn harness_detects_lost_auto_traits() {
    let found = differences(mutant("not_send"));
    assert!(found.what().contains(&"auto traits"), "{:?}", found.what());
    assert!(
        found
            .what()
            .iter()
            .all(|what| ["size", "auto traits"].contains(what)),
        "{:?}",
        found.what()
    );
}

/// The report names the function, its index and seed, what differs, its source, and the
/// command that draws it alone.
#[test]
fn report_reproduces_the_function() {
    let extra_drop = mutant("extra_drop");
    let report = report(extra_drop, &differences(extra_drop), SEED);
    let expected = [
        format!("`extra_drop` (seed {SEED:#x}, index {})", extra_drop.index),
        every_run_to_the_end()[0].clone(),
        extra_drop.source.to_owned(),
        format!(
            "STACKLESS_GENERATED_SEED={SEED:#x} STACKLESS_GENERATED_START={} \
             STACKLESS_GENERATED_FUNCTIONS=1 cargo test -p stackless-generated --test pairs",
            extra_drop.index
        ),
    ];
    for part in expected {
        assert!(
            report.contains(&part),
            "`{part}` is missing from:\n{report}"
        );
    }
}

mod written {
    use stackless_generated::prelude::*;

    pub async fn output(n: u64, _flag: bool, guard: D) -> u64 {
        pend(1).await;
        n + guard.get()
    }

    pub async fn panic_message(n: u64, _flag: bool, _guard: D) -> u64 {
        pend(1).await;
        panic!("p1 {n}");
    }

    pub async fn held_across(n: u64, _flag: bool, _guard: D) -> u64 {
        let held = D::new("held", n);
        pend(1).await;
        drop(held);
        pend(1).await;
        n
    }

    pub async fn unfinished(_n: u64, _flag: bool, _guard: D) -> u64 {
        loop {
            pend(1).await;
        }
    }
}

mod written_twin {
    use stackless_generated::prelude::*;

    #[stackless::inspect]
    pub async fn output(n: u64, _flag: bool, guard: D) -> u64 {
        pend(1).await;
        n + guard.get() + 1
    }

    #[stackless::inspect]
    pub async fn panic_message(n: u64, _flag: bool, _guard: D) -> u64 {
        pend(1).await;
        panic!("p2 {n}");
    }

    #[stackless::inspect]
    pub async fn held_across(n: u64, _flag: bool, _guard: D) -> u64 {
        pend(1).await;
        drop(D::new("held", n));
        pend(1).await;
        n
    }

    #[stackless::inspect]
    pub async fn unfinished(_n: u64, _flag: bool, _guard: D) -> u64 {
        loop {
            pend(1).await;
        }
    }
}

generated!(0, written, written_twin, output, "(see tests/mismatch.rs)");
generated!(
    1,
    written,
    written_twin,
    panic_message,
    "(see tests/mismatch.rs)"
);
generated!(
    2,
    written,
    written_twin,
    held_across,
    "(see tests/mismatch.rs)"
);
generated!(
    3,
    written,
    written_twin,
    unfinished,
    "(see tests/mismatch.rs)"
);

static WRITTEN: [&Generated; 4] = [
    &output::ENTRY,
    &panic_message::ENTRY,
    &held_across::ENTRY,
    &unfinished::ENTRY,
];

#[test]
fn harness_detects_a_different_output() {
    assert_eq!(differences(WRITTEN[0]).what(), every_run_to_the_end());
}

#[test]
fn harness_detects_a_different_panic_message() {
    assert_eq!(differences(WRITTEN[1]).what(), every_run_to_the_end());
}

/// Both twins drop `held` during the second poll when run to the end; only a drop after the
/// first poll tells them apart.
#[test]
fn harness_detects_a_difference_seen_only_when_dropped_early() {
    let mut expected = vec!["size".to_owned()];
    expected.extend(
        INPUTS
            .iter()
            .map(|input| format!("{input}: dropped after 1 polls")),
    );
    assert_eq!(differences(WRITTEN[2]).what(), expected);
}

#[test]
fn harness_reports_a_function_that_never_finishes() {
    let expected: Vec<String> = INPUTS
        .iter()
        .map(|input| format!("{input}: unfinished after 10000 polls (a generator bug)"))
        .collect();
    assert_eq!(differences(WRITTEN[3]).what(), expected);
}

/// No function's wrapper differs in these ways, so the statics are made up.
#[test]
fn harness_detects_alignment_and_overhead() {
    let send = AutoTraits {
        send: true,
        sync: true,
        unpin: false,
    };
    let statics = Statics {
        plain: (16, 8),
        inspected: FutureSize {
            size: 16,
            align: 16,
            overhead: 16,
        },
        traits: [send; 2],
    };
    let what: Vec<String> = static_differences(&statics)
        .into_iter()
        .map(|difference| difference.what)
        .collect();
    assert_eq!(what, ["alignment"]);
    let statics = Statics {
        inspected: FutureSize {
            size: 16,
            align: 8,
            overhead: 16,
        },
        ..statics
    };
    let what: Vec<String> = static_differences(&statics)
        .into_iter()
        .map(|difference| difference.what)
        .collect();
    assert_eq!(what, ["overhead over 8 bytes"]);
}
