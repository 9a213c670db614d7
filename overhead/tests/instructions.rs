//! The instruction counts are what the report says they are: deterministic, and growing with
//! the work. Needs valgrind (`.ci/run` installs it); without it, the error must say so.

use std::path::Path;

use stackless_overhead::instructions::{total, valgrind_version};
use stackless_overhead::measure::Group;
use stackless_overhead::variant::{Shape, Variant};

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
