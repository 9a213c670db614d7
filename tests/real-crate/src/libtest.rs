//! The outcome of every test in a `cargo test` run, read from what it printed, and the
//! comparison of two runs.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestOutcome {
    Passed,
    Failed,
    Ignored,
}

impl fmt::Display for TestOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TestOutcome::Passed => "passed",
            TestOutcome::Failed => "failed",
            TestOutcome::Ignored => "ignored",
        })
    }
}

/// A test: the binary it ran in (`tests/client.rs`, `unittests src/lib.rs`,
/// `Doc-tests mini_redis`) and its name.
pub type TestId = (String, String);

/// Every test a run reported, with its outcome.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TestRun {
    pub outcomes: BTreeMap<TestId, TestOutcome>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub ignored: usize,
}

impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} ignored",
            self.passed, self.failed, self.ignored
        )
    }
}

// Input:
//          Running tests/client.rs (target/debug/deps/client-20904b)
//      test key_value_get_set ... ok
//         Doc-tests mini_redis
//      test src/client.rs - client::connect (line 62) - compile ... FAILED
// Output:
//      {("tests/client.rs", "key_value_get_set"): Passed,
//       ("Doc-tests mini_redis", "src/client.rs - client::connect (line 62) - compile"): Failed}
pub fn parse(output: &str) -> TestRun {
    let mut binary = String::new();
    let mut outcomes = BTreeMap::new();
    for line in output.lines() {
        let trimmed = line.trim();
        if let Some(running) = trimmed.strip_prefix("Running ") {
            // The executable's path carries a hash that differs between the copies.
            binary = match running.rfind(" (") {
                Some(paren) => running[..paren].to_owned(),
                None => running.to_owned(),
            };
        } else if trimmed.starts_with("Doc-tests ") {
            binary = trimmed.to_owned();
        } else if let Some((name, outcome)) = test_line(line) {
            outcomes.insert((binary.clone(), name.to_owned()), outcome);
        }
    }
    TestRun { outcomes }
}

fn test_line(line: &str) -> Option<(&str, TestOutcome)> {
    let (name, result) = line.strip_prefix("test ")?.rsplit_once(" ... ")?;
    let outcome = if result == "ok" {
        TestOutcome::Passed
    } else if result == "FAILED" {
        TestOutcome::Failed
    } else if result.starts_with("ignored") {
        TestOutcome::Ignored
    } else {
        return None;
    };
    Some((name, outcome))
}

impl TestRun {
    /// The run without the tests of binaries for which `leave_out` is true.
    pub fn without(&self, leave_out: impl Fn(&str) -> bool) -> TestRun {
        TestRun {
            outcomes: self
                .outcomes
                .iter()
                .filter(|((binary, _), _)| !leave_out(binary))
                .map(|(id, outcome)| (id.clone(), *outcome))
                .collect(),
        }
    }

    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for outcome in self.outcomes.values() {
            match outcome {
                TestOutcome::Passed => totals.passed += 1,
                TestOutcome::Failed => totals.failed += 1,
                TestOutcome::Ignored => totals.ignored += 1,
            }
        }
        totals
    }

    /// Every test whose outcome differs from `plain`'s, or that only one of the runs has.
    pub fn differences_from(&self, plain: &TestRun) -> Vec<String> {
        let mut differences = Vec::new();
        for ((binary, name), outcome) in &plain.outcomes {
            match self.outcomes.get(&(binary.clone(), name.clone())) {
                Some(annotated) if annotated == outcome => {}
                Some(annotated) => differences.push(format!(
                    "{binary}: {name}: {outcome} plain, {annotated} annotated"
                )),
                None => differences.push(format!(
                    "{binary}: {name}: {outcome} plain, did not run annotated"
                )),
            }
        }
        for ((binary, name), outcome) in &self.outcomes {
            if !plain.outcomes.contains_key(&(binary.clone(), name.clone())) {
                differences.push(format!(
                    "{binary}: {name}: {outcome} annotated, did not run plain"
                ));
            }
        }
        differences
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = "\
   Compiling mini-redis v0.4.1 (/w/plain)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 0.03s
     Running unittests src/lib.rs (/w/target/debug/deps/mini_redis-69b0b8)

running 0 tests

test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

     Running tests/client.rs (/w/target/debug/deps/client-20904b)

running 3 tests
test key_value_get_set ... ok
test slow_one ... ignored, needs a network
test receive_message ... ok

test result: ok. 2 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.05s

     Running tests/server.rs (/w/target/debug/deps/server-eff2bf)

running 1 test
test key_value_get_set ... ok

   Doc-tests mini_redis

running 1 test
test src/client.rs - client::connect (line 62) - compile ... ok
";

    #[test]
    fn reads_every_test_with_its_binary() {
        let run = parse(PLAIN);
        let tests: Vec<(&str, &str, TestOutcome)> = run
            .outcomes
            .iter()
            .map(|((binary, name), outcome)| (binary.as_str(), name.as_str(), *outcome))
            .collect();
        assert_eq!(
            tests,
            [
                (
                    "Doc-tests mini_redis",
                    "src/client.rs - client::connect (line 62) - compile",
                    TestOutcome::Passed
                ),
                ("tests/client.rs", "key_value_get_set", TestOutcome::Passed),
                ("tests/client.rs", "receive_message", TestOutcome::Passed),
                ("tests/client.rs", "slow_one", TestOutcome::Ignored),
                ("tests/server.rs", "key_value_get_set", TestOutcome::Passed),
            ]
        );
        assert_eq!(
            run.totals(),
            Totals {
                passed: 4,
                failed: 0,
                ignored: 1
            }
        );
    }

    #[test]
    fn the_same_outcomes_from_other_executables_are_no_difference() {
        let annotated = PLAIN
            .replace("/w/plain", "/w/annotated")
            .replace("client-20904b", "client-77aa01");
        assert_eq!(parse(&annotated), parse(PLAIN));
        assert!(parse(&annotated).differences_from(&parse(PLAIN)).is_empty());
    }

    #[test]
    fn a_changed_missing_or_extra_test_is_a_difference() {
        let annotated = PLAIN
            .replace(
                "test receive_message ... ok",
                "test receive_message ... FAILED",
            )
            .replace(
                "test key_value_get_set ... ok\n\n   Doc-tests",
                "test extra ... ok\n\n   Doc-tests",
            );
        let differences = parse(&annotated).differences_from(&parse(PLAIN));
        assert_eq!(
            differences,
            [
                "tests/client.rs: receive_message: passed plain, failed annotated",
                "tests/server.rs: key_value_get_set: passed plain, did not run annotated",
                "tests/server.rs: extra: passed annotated, did not run plain",
            ]
        );
    }

    #[test]
    fn leaves_out_whole_binaries() {
        let run = parse(PLAIN).without(|binary| binary == "tests/client.rs");
        assert_eq!(run.totals().passed, 2);
        assert_eq!(run.totals().ignored, 0);
    }
}
