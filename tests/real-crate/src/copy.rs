//! The crate's working copies: a fresh copy of the registry source, a workspace of its own, and
//! for the annotated copy, `stackless` as a dependency.

use std::path::Path;

/// Replaces `to` with a copy of the tree at `from`. Files come out writable: cargo may unpack
/// registry sources read-only, and the copies are edited.
pub fn fresh_copy(from: &Path, to: &Path) -> Result<(), String> {
    if to.exists() {
        std::fs::remove_dir_all(to)
            .map_err(|error| format!("removing {}: {error}", to.display()))?;
    }
    copy_tree(from, to)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let fail = |error: std::io::Error| format!("copying {}: {error}", from.display());
    std::fs::create_dir_all(to).map_err(fail)?;
    for entry in std::fs::read_dir(from).map_err(fail)? {
        let entry = entry.map_err(fail)?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(fail)?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(fail)?;
            make_writable_by_owner(&target).map_err(fail)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn make_writable_by_owner(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)?.permissions();
    permissions.set_mode(permissions.mode() | 0o200);
    std::fs::set_permissions(path, permissions)
}

#[cfg(not(unix))]
fn make_writable_by_owner(_: &Path) -> std::io::Result<()> {
    Ok(())
}

// Input:   a published (normalised) Cargo.toml
// Output:  the same, then
//              [workspace]
//          so cargo does not take the copy for a member of the repository it sits in.
pub fn own_workspace(manifest: &str) -> Result<String, String> {
    if has_table(manifest, "workspace") {
        return Err("the manifest already declares a `[workspace]`".to_owned());
    }
    Ok(format!(
        "{manifest}\n# Added by stackless-real-crate: a workspace of its own.\n[workspace]\n"
    ))
}

// Input:   a published (normalised) Cargo.toml
// Output:  the same, then
//              [dependencies.stackless]
//              path = "<this repository>"
pub fn depend_on_stackless(manifest: &str, stackless: &Path) -> Result<String, String> {
    if has_table(manifest, "dependencies.stackless")
        || manifest
            .lines()
            .any(|line| line.trim_start().starts_with("stackless ="))
    {
        return Err("the crate already depends on something called `stackless`".to_owned());
    }
    let path = stackless
        .to_str()
        .ok_or("the repository's path is not UTF-8")?;
    Ok(format!(
        "{manifest}\n# Added by stackless-real-crate: the attribute under test.\n[dependencies.stackless]\npath = {path:?}\n"
    ))
}

// Input:   a published (normalised) Cargo.toml, which since cargo 1.84 lists every target and
//          sets `autotests = false`
// Output:  the same, then
//              [[test]]
//              name = "<name>"
//              path = "<path>"
pub fn add_test_target(manifest: &str, name: &str, path: &str) -> Result<String, String> {
    if manifest
        .lines()
        .any(|line| line.trim() == format!("name = {name:?}"))
    {
        return Err(format!("the manifest already has a target named `{name}`"));
    }
    Ok(format!(
        "{manifest}\n# Added by stackless-real-crate: the test that writes `stackless::report()`.\n[[test]]\nname = {name:?}\npath = {path:?}\n"
    ))
}

fn has_table(manifest: &str, name: &str) -> bool {
    manifest
        .lines()
        .any(|line| line.trim() == format!("[{name}]"))
}

/// Rewrites the file at `path` with `edit`.
pub fn edit_file(
    path: &Path,
    edit: impl FnOnce(&str) -> Result<String, String>,
) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("reading {}: {error}", path.display()))?;
    let edited = edit(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    std::fs::write(path, edited).map_err(|error| format!("writing {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "[package]\nname = \"demo\"\n\n[dependencies.tokio]\nversion = \"1\"\n";

    #[test]
    fn the_copy_becomes_its_own_workspace_once() {
        let edited = own_workspace(MANIFEST).unwrap();
        assert!(edited.starts_with(MANIFEST));
        assert!(edited.ends_with("\n[workspace]\n"));
        assert!(own_workspace(&edited).is_err());
    }

    #[test]
    fn stackless_is_added_by_path_and_never_twice() {
        let edited = depend_on_stackless(MANIFEST, Path::new("/work/main")).unwrap();
        assert!(edited.ends_with("[dependencies.stackless]\npath = \"/work/main\"\n"));
        assert!(depend_on_stackless(&edited, Path::new("/work/main")).is_err());
        let inline = "[dependencies]\nstackless = \"0.1\"\n";
        assert!(depend_on_stackless(inline, Path::new("/work/main")).is_err());
    }

    #[test]
    fn the_added_test_is_declared_once() {
        let edited = add_test_target(MANIFEST, "report", "tests/report.rs").unwrap();
        assert!(edited.ends_with("[[test]]\nname = \"report\"\npath = \"tests/report.rs\"\n"));
        assert!(add_test_target(&edited, "report", "tests/other.rs").is_err());
    }

    #[test]
    fn copies_a_tree_and_replaces_an_old_copy() {
        let scratch = std::env::temp_dir().join(format!(
            "stackless-real-crate-copy-test-{}",
            std::process::id()
        ));
        let from = scratch.join("from");
        let to = scratch.join("to");
        std::fs::create_dir_all(from.join("src/bin")).unwrap();
        std::fs::write(from.join("src/bin/main.rs"), "fn main() {}").unwrap();
        std::fs::create_dir_all(&to).unwrap();
        std::fs::write(to.join("stale.rs"), "").unwrap();

        fresh_copy(&from, &to).unwrap();
        assert_eq!(
            std::fs::read_to_string(to.join("src/bin/main.rs")).unwrap(),
            "fn main() {}"
        );
        assert!(!to.join("stale.rs").exists());
        std::fs::remove_dir_all(&scratch).unwrap();
    }
}
