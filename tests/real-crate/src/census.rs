//! Every `async fn` the pass found in a crate, counted and listed by outcome.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::PathBuf;

use crate::annotate::{AsyncFn, Outcome, SkipReason};

/// The functions of one file, relative to the crate's root.
#[derive(Debug)]
pub struct FileFunctions {
    pub file: PathBuf,
    pub functions: Vec<AsyncFn>,
}

/// The pass over a whole crate.
#[derive(Debug, Default)]
pub struct Census {
    /// Files compiled by the crate's targets, in path order.
    pub files: Vec<FileFunctions>,
    /// Compiled files `syn` could not parse, with its error: their functions are unaccounted for.
    pub unparsed: Vec<(PathBuf, String)>,
}

impl Census {
    pub fn functions(&self) -> impl Iterator<Item = (&PathBuf, &AsyncFn)> {
        self.files.iter().flat_map(|file| {
            file.functions
                .iter()
                .map(move |function| (&file.file, function))
        })
    }

    pub fn count(&self, wanted: impl Fn(&Outcome) -> bool) -> usize {
        self.functions()
            .filter(|(_, function)| wanted(&function.outcome))
            .count()
    }

    pub fn annotated(&self) -> usize {
        self.count(|outcome| *outcome == Outcome::Annotated)
    }

    pub fn skipped(&self) -> BTreeMap<&SkipReason, Vec<(&PathBuf, &AsyncFn)>> {
        let mut by_reason: BTreeMap<&SkipReason, Vec<_>> = BTreeMap::new();
        for (file, function) in self.functions() {
            if let Outcome::Skipped(reason) = &function.outcome {
                by_reason.entry(reason).or_default().push((file, function));
            }
        }
        by_reason
    }
}

// Output:
//   41 async fns in 17 of 23 compiled files
//     annotated           27  (src 26, tests 1)
//     already annotated    0
//     skipped             14
//       12  `#[tokio::test]` takes the `async fn` itself ...
//             tests/client.rs:10 key_value_get_set
impl fmt::Display for Census {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.functions().count();
        let with_async = self
            .files
            .iter()
            .filter(|file| !file.functions.is_empty())
            .count();
        writeln!(
            f,
            "{total} async fns in {with_async} of {} compiled files",
            self.files.len() + self.unparsed.len()
        )?;
        let mut by_directory: BTreeMap<String, usize> = BTreeMap::new();
        for (file, function) in self.functions() {
            if function.outcome == Outcome::Annotated {
                *by_directory.entry(top_directory(file)).or_default() += 1;
            }
        }
        let mut directories = String::new();
        for (directory, count) in &by_directory {
            let separator = if directories.is_empty() { "" } else { ", " };
            write!(directories, "{separator}{directory} {count}")?;
        }
        writeln!(
            f,
            "  annotated          {:>4}  ({directories})",
            self.annotated()
        )?;
        writeln!(
            f,
            "  already annotated  {:>4}",
            self.count(|outcome| *outcome == Outcome::AlreadyAnnotated)
        )?;
        let skipped = self.skipped();
        let skipped_count: usize = skipped.values().map(Vec::len).sum();
        writeln!(f, "  skipped            {skipped_count:>4}")?;
        for (reason, functions) in &skipped {
            writeln!(f, "    {:>3}  {reason}", functions.len())?;
            for (file, function) in functions {
                writeln!(
                    f,
                    "           {}:{} {}",
                    file.display(),
                    function.line,
                    function.name
                )?;
            }
        }
        for (file, error) in &self.unparsed {
            writeln!(f, "  NOT PARSED: {}: {error}", file.display())?;
        }
        Ok(())
    }
}

fn top_directory(file: &std::path::Path) -> String {
    match file.components().next() {
        Some(first) if file.components().count() > 1 => {
            first.as_os_str().to_string_lossy().into_owned()
        }
        _ => ".".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotate::annotate;

    #[test]
    fn counts_and_lists_every_function_by_outcome() {
        let lib = annotate(
            "pub async fn a() {}\n#[stackless::inspect] async fn b() {}\ntrait T { async fn c(&self); }\n",
        )
        .unwrap();
        let test = annotate(
            "#[tokio::test]\nasync fn d() {}\n#[tokio::test]\nasync fn e() {}\nasync fn helper() {}\n",
        )
        .unwrap();
        let census = Census {
            files: vec![
                FileFunctions {
                    file: PathBuf::from("src/lib.rs"),
                    functions: lib.functions,
                },
                FileFunctions {
                    file: PathBuf::from("src/plain.rs"),
                    functions: Vec::new(),
                },
                FileFunctions {
                    file: PathBuf::from("tests/t.rs"),
                    functions: test.functions,
                },
            ],
            unparsed: vec![(PathBuf::from("src/new.rs"), "expected `;`".to_owned())],
        };
        assert_eq!(census.annotated(), 2);
        let expected = "\
6 async fns in 2 of 4 compiled files
  annotated             2  (src 1, tests 1)
  already annotated     1
  skipped               3
      1  trait method without a body (README, Limitations: only `async fn`s with a body)
           src/lib.rs:3 c
      2  `#[tokio::test]` takes the `async fn` itself and returns a plain `fn`; the two attributes cannot be stacked
           tests/t.rs:2 d
           tests/t.rs:4 e
  NOT PARSED: src/new.rs: expected `;`
";
        assert_eq!(census.to_string(), expected);
    }
}
