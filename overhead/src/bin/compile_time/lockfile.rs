//! What a copy's `Cargo.lock` resolved the crate's own dependencies to, so that the report can
//! say where a copy compiles against other versions than the plain copy: adding a peer's
//! crate can move a dependency the crate shares with it (async-backtrace's `cfg(loom)`
//! dependency needs a newer `tracing` than mini-redis's lock has), and then the crate's own
//! uses of that dependency (its `tracing` macros) are compiled from other code too.
//!
//! ```text
//! Input:  [[package]]
//!         name = "mini-redis"
//!         version = "0.4.1"
//!         dependencies = [
//!          "bytes",
//!          "syn 1.0.73",
//!         ]
//! Output: {"bytes": {"1.0.1"}, "syn": {"1.0.73"}}, each version from the dependency's own entry
//!         unless the line names it
//! ```

use std::collections::{BTreeMap, BTreeSet};

/// One `[[package]]` entry.
struct Package<'a> {
    name: &'a str,
    version: &'a str,
    /// As the entry lists them: `name`, `name version` or `name version (source)`.
    dependencies: Vec<&'a str>,
}

/// The versions of `package`'s direct dependencies (usually one each), by name; empty if the
/// lock has no entry for it.
pub fn direct_dependencies(lock: &str, package: &str) -> BTreeMap<String, BTreeSet<String>> {
    let packages = packages(lock);
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let Some(entry) = packages.iter().find(|entry| entry.name == package) else {
        return versions;
    };
    for dependency in &entry.dependencies {
        let mut words = dependency.split_whitespace();
        let Some(name) = words.next() else { continue };
        // The line names the version when the lock has more than one of the package.
        let locked: BTreeSet<String> = match words.next() {
            Some(version) => BTreeSet::from([version.to_owned()]),
            None => packages
                .iter()
                .filter(|candidate| candidate.name == name)
                .map(|candidate| candidate.version.to_owned())
                .collect(),
        };
        versions.entry(name.to_owned()).or_default().extend(locked);
    }
    versions
}

/// `name 0.1.26 → 0.1.35` for each direct dependency of `package` that `copy` locks at other
/// versions than `plain`; dependencies only one of them has are left out.
pub fn unlike(plain: &str, copy: &str, package: &str) -> Vec<String> {
    let before = direct_dependencies(plain, package);
    direct_dependencies(copy, package)
        .into_iter()
        .filter_map(|(name, after)| {
            let before = before.get(&name)?;
            let join = |versions: &BTreeSet<String>| {
                versions.iter().cloned().collect::<Vec<_>>().join(", ")
            };
            (*before != after).then(|| format!("{name} {} → {}", join(before), join(&after)))
        })
        .collect()
}

fn packages(lock: &str) -> Vec<Package<'_>> {
    lock.split("[[package]]")
        .skip(1)
        .filter_map(|entry| {
            let value = |key: &str| {
                entry.lines().find_map(|line| {
                    let (name, value) = line.split_once(" = ")?;
                    (name == key).then(|| value.trim_matches('"'))
                })
            };
            let dependencies = entry
                .split_once("dependencies = [")
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(list, _)| {
                    list.split(',')
                        .map(|item| item.trim().trim_matches('"'))
                        .filter(|item| !item.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            Some(Package {
                name: value("name")?,
                version: value("version")?,
                dependencies,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = r#"version = 3

[[package]]
name = "app"
version = "0.4.1"
dependencies = [
 "bytes",
 "syn 1.0.73",
 "tracing",
]

[[package]]
name = "bytes"
version = "1.0.1"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "syn"
version = "1.0.73"

[[package]]
name = "syn"
version = "2.0.119"

[[package]]
name = "tracing"
version = "0.1.26"
dependencies = [
 "tracing-core",
]
"#;

    #[test]
    fn direct_dependencies_have_the_versions_of_their_entries() {
        let found = direct_dependencies(PLAIN, "app");
        let versions = |name: &str| found[name].iter().cloned().collect::<Vec<_>>();
        assert_eq!(versions("bytes"), ["1.0.1"]);
        // Two versions in the lock, one named by the line.
        assert_eq!(versions("syn"), ["1.0.73"]);
        assert_eq!(versions("tracing"), ["0.1.26"]);
        assert_eq!(found.len(), 3);
        assert!(direct_dependencies(PLAIN, "nothing").is_empty());
    }

    #[test]
    fn only_dependencies_at_other_versions_are_unlike() {
        let copy = PLAIN
            .replace("0.1.26", "0.1.35")
            .replace(" \"tracing\",\n", " \"tracing\",\n \"async-backtrace\",\n")
            + "\n[[package]]\nname = \"async-backtrace\"\nversion = \"0.2.7\"\n";
        assert_eq!(unlike(PLAIN, &copy, "app"), ["tracing 0.1.26 → 0.1.35"]);
        assert!(unlike(PLAIN, PLAIN, "app").is_empty());
    }
}
