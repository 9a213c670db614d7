//! Which source files a build compiled, from the dep-info files rustc writes beside its
//! artifacts. That is exactly the modules of the crate's targets: modules behind a false
//! `#[cfg]`, test fixtures that are not targets, and build scripts (whose dep-info lives in
//! `build/`, not `deps/`) are left out.
//!
//! rustc names a workspace member's files as cargo passed them, relative to the workspace root
//! (the copy); dependencies' files are absolute. The uplifted `lib<name>.d` is rewritten by
//! cargo with absolute paths.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every `.rs` file of the copy at `root` named by a dep-info file in `deps_dir`, relative to
/// `root`. Files no longer in `root` (left by an earlier, different build) are dropped.
pub fn member_sources(deps_dir: &Path, root: &Path) -> Result<BTreeSet<PathBuf>, String> {
    let fail = |error: std::io::Error| format!("reading {}: {error}", deps_dir.display());
    let mut sources = BTreeSet::new();
    for entry in std::fs::read_dir(deps_dir).map_err(fail)? {
        let path = entry.map_err(fail)?.path();
        if path.extension().is_none_or(|extension| extension != "d") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(fail)?;
        sources.extend(
            rust_files(&text)
                .into_iter()
                .filter(|file| file.is_relative() && root.join(file).is_file()),
        );
    }
    Ok(sources)
}

/// The files of the library `lib_name` as last built from the copy at `root`, relative to it,
/// from `<target>/debug/lib<lib_name>.d`.
pub fn library_sources(
    target_dir: &Path,
    lib_name: &str,
    root: &Path,
) -> Result<BTreeSet<PathBuf>, String> {
    let path = target_dir.join("debug").join(format!("lib{lib_name}.d"));
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("reading {}: {error}", path.display()))?;
    Ok(rust_files(&text)
        .into_iter()
        .filter_map(|file| file.strip_prefix(root).ok().map(Path::to_path_buf))
        .collect())
}

// Input:   "out/client-1f: tests/client.rs tests/common/mod.rs\n\ntests/client.rs:\n"
// Output:  {"tests/client.rs", "tests/common/mod.rs"}
fn rust_files(depinfo: &str) -> BTreeSet<PathBuf> {
    depinfo
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(':').map(|(_, sources)| sources))
        .flat_map(escaped_paths)
        .filter(|path| path.ends_with(".rs"))
        .map(PathBuf::from)
        .collect()
}

/// Paths separated by spaces, with a space inside a path written `\ `.
fn escaped_paths(list: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut current = String::new();
    let mut chars = list.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(' ') => current.push(' '),
                Some(other) => {
                    current.push('\\');
                    current.push(other);
                }
                None => current.push('\\'),
            },
            ' ' => paths.extend((!current.is_empty()).then(|| std::mem::take(&mut current))),
            c => current.push(c),
        }
    }
    paths.extend((!current.is_empty()).then_some(current));
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sources_of_a_rustc_dep_info_file() {
        let depinfo = "/t/debug/deps/client-20904b.d: tests/client.rs tests/my\\ helpers.rs data.txt\n\n/t/debug/deps/client-20904b: tests/client.rs\n\ntests/client.rs:\n\n# env-dep:CARGO_PKG_NAME=mini-redis\n";
        let files: Vec<PathBuf> = rust_files(depinfo).into_iter().collect();
        assert_eq!(
            files,
            [
                PathBuf::from("tests/client.rs"),
                PathBuf::from("tests/my helpers.rs")
            ]
        );
    }

    #[test]
    fn keeps_the_copys_own_files_and_drops_dependencies_and_strays() {
        let scratch = std::env::temp_dir().join(format!(
            "stackless-real-crate-depinfo-test-{}",
            std::process::id()
        ));
        let root = scratch.join("copy");
        let deps = scratch.join("target/debug/deps");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(&deps).unwrap();
        std::fs::write(root.join("src/lib.rs"), "").unwrap();
        std::fs::write(root.join("src/db.rs"), "").unwrap();
        std::fs::write(
            deps.join("demo-1.d"),
            "x: src/lib.rs src/db.rs src/gone.rs /registry/tokio-1/src/lib.rs\n",
        )
        .unwrap();
        std::fs::write(deps.join("demo-1.rlib"), "src/other.rs: not dep-info").unwrap();
        let lib_d = format!(
            "x: {root}/src/lib.rs {root}/src/db.rs /registry/tokio-1/src/lib.rs\n",
            root = root.display()
        );
        std::fs::write(scratch.join("target/debug/libdemo.d"), lib_d).unwrap();

        let members: Vec<PathBuf> = member_sources(&deps, &root).unwrap().into_iter().collect();
        assert_eq!(
            members,
            [PathBuf::from("src/db.rs"), PathBuf::from("src/lib.rs")]
        );
        let library: Vec<PathBuf> = library_sources(&scratch.join("target"), "demo", &root)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(library, members);
        std::fs::remove_dir_all(&scratch).unwrap();
    }
}
