//! The book's sources hold together: every `{{#include}}` names a file that exists
//! and an anchor (or line range) in it, every relative link and image points at a
//! file (and heading) that exists, every chapter is in `SUMMARY.md`, and every
//! generated file is shown somewhere.
//!
//! mdBook 0.5.4 checks none of this for us: a missing include file is logged as an
//! error but the build still succeeds (with the `{{#include}}` left in the page), a
//! missing anchor includes nothing, and links are not checked at all.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../src")
}

/// Every Markdown file under `book/src`, as (path, text).
fn chapters() -> Vec<(PathBuf, String)> {
    fn walk(directory: &Path, found: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(directory)
            .expect("a readable directory")
            .map(|entry| entry.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|extension| extension == "md") {
                found.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&book_src(), &mut paths);
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("UTF-8 Markdown");
            (path, text)
        })
        .collect()
}

/// `path` relative to `book/src`, for messages.
fn shown(path: &Path) -> String {
    let path = normalize(path);
    let src = normalize(&book_src());
    path.strip_prefix(&src)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

/// `path` with `.` and `..` resolved, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The text outside fenced code blocks, with inline code spans blanked, line by
/// line (so line numbers stay right). Includes are found in the whole text; links
/// only in this.
fn prose(text: &str) -> Vec<String> {
    let mut fenced = false;
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return String::new();
            }
            if fenced {
                return String::new();
            }
            let mut out = String::new();
            let mut in_code = false;
            for character in line.chars() {
                if character == '`' {
                    in_code = !in_code;
                }
                out.push(if in_code { ' ' } else { character });
            }
            out
        })
        .collect()
}

/// One `{{#include PATH}}` or `{{#include PATH:SELECTOR}}`, on `line`.
struct Include {
    line: usize,
    path: String,
    selector: Option<String>,
}

fn includes(text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{#include ") {
            let escaped = rest[..start].ends_with('\\');
            let after = &rest[start + "{{#include ".len()..];
            let end = after
                .find("}}")
                .expect("every {{#include}} is closed on its line");
            if !escaped {
                let target = after[..end].trim();
                let (path, selector) = match target.split_once(':') {
                    Some((path, selector)) => (path, Some(selector.to_owned())),
                    None => (target, None),
                };
                found.push(Include {
                    line: index + 1,
                    path: path.to_owned(),
                    selector,
                });
            }
            rest = &after[end..];
        }
    }
    found
}

/// Whether `file` has a line with `KEYWORD: name` ending there or followed by a
/// non-word character, as mdBook's anchor matching requires.
fn has_marker(file: &str, keyword: &str, name: &str) -> bool {
    let marker = format!("{keyword}: {name}");
    file.lines().any(|line| {
        line.find(&marker).is_some_and(|at| {
            let next = line[at + marker.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
        })
    })
}

/// The problem with one include, if any.
fn check_include(chapter: &Path, include: &Include) -> Option<String> {
    let file = chapter.parent().expect("a directory").join(&include.path);
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Some(format!("the file `{}` does not exist", include.path));
    };
    let selector = include.selector.as_deref()?;
    let numbers: Vec<&str> = selector.split(':').collect();
    if numbers
        .iter()
        .all(|part| part.is_empty() || part.parse::<usize>().is_ok())
    {
        let lines = text.lines().count();
        let beyond = numbers
            .iter()
            .filter_map(|part| part.parse::<usize>().ok())
            .find(|&line| line == 0 || line > lines);
        return beyond
            .map(|line| format!("line {line} is not in `{}`", include.path));
    }
    let (start, end) = (
        has_marker(&text, "ANCHOR", selector),
        has_marker(&text, "ANCHOR_END", selector),
    );
    match (start, end) {
        (true, true) => None,
        _ => Some(format!(
            "`{}` has no `ANCHOR: {selector}` ... `ANCHOR_END: {selector}` region",
            include.path
        )),
    }
}

/// Every link and image target in the prose of `text`: `[..](target)`, `[ref]:
/// target`, and `src="target"` / `href="target"` in raw HTML, with their line
/// numbers.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in prose(text).iter().enumerate() {
        let mut rest = line.as_str();
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            found.push((index + 1, target.to_owned()));
            rest = &after[end..];
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('[')
            && let Some((_, target)) = trimmed.split_once("]: ")
        {
            found.push((index + 1, target.trim().to_owned()));
        }
        for attribute in ["src=\"", "href=\""] {
            let mut rest = line.as_str();
            while let Some(start) = rest.find(attribute) {
                let after = &rest[start + attribute.len()..];
                let end = after.find('"').unwrap_or(after.len());
                found.push((index + 1, after[..end].to_owned()));
                rest = &after[end..];
            }
        }
    }
    found
}

/// The ids mdBook gives the headings of a chapter (`id_from_content` and
/// `unique_id` in mdbook-html 0.5.4): lower case, whitespace as `-`, only letters,
/// digits, `-` and `_` kept, and `-1`, `-2`, ... appended to repeats.
fn heading_ids(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim().to_lowercase();
        let base: String = title
            .chars()
            .filter_map(|c| match c {
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                c if c.is_whitespace() => Some('-'),
                _ => None,
            })
            .collect();
        let mut id = base.clone();
        let mut repeat = 1;
        while ids.contains(&id) {
            id = format!("{base}-{repeat}");
            repeat += 1;
        }
        ids.insert(id);
    }
    ids
}

/// The problem with one link target, if any.
fn check_link(chapter: &Path, chapter_text: &str, target: &str) -> Option<String> {
    if target.is_empty() {
        return Some("an empty link".to_owned());
    }
    if target.contains("://") || target.starts_with("mailto:") {
        return None; // not checked: the book must build offline
    }
    let (path, fragment) = match target.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (target, None),
    };
    let file = if path.is_empty() {
        normalize(chapter)
    } else {
        normalize(&chapter.parent().expect("a directory").join(path))
    };
    if !file.starts_with(normalize(&book_src())) {
        return Some(format!(
            "`{target}` is outside book/src: mdBook does not copy it into the book"
        ));
    }
    if !file.is_file() {
        return Some(format!("`{target}` does not exist"));
    }
    let fragment = fragment?;
    let text = if path.is_empty() {
        chapter_text.to_owned()
    } else if file.extension().is_some_and(|extension| extension == "md") {
        std::fs::read_to_string(&file).expect("UTF-8 Markdown")
    } else {
        return None;
    };
    (!heading_ids(&text).contains(fragment))
        .then(|| format!("`{target}`: no heading with the id `{fragment}`"))
}

#[test]
fn every_include_names_a_file_and_an_anchor_that_exist() {
    let mut problems = Vec::new();
    let mut count = 0;
    for (path, text) in chapters() {
        for include in includes(&text) {
            count += 1;
            if let Some(problem) = check_include(&path, &include) {
                problems.push(format!(
                    "{}:{}: {problem}",
                    shown(&path),
                    include.line
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
    assert!(
        count > 20,
        "only {count} includes found: is the scanner broken?"
    );
}

#[test]
fn every_relative_link_and_image_points_at_something_that_exists() {
    let mut problems = Vec::new();
    let mut count = 0;
    for (path, text) in chapters() {
        for (line, target) in link_targets(&text) {
            count += 1;
            if let Some(problem) = check_link(&path, &text, &target) {
                problems.push(format!("{}:{line}: {problem}", shown(&path)));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
    assert!(
        count > 10,
        "only {count} links found: is the scanner broken?"
    );
}

#[test]
fn every_chapter_is_in_the_summary() {
    let src = book_src();
    let summary =
        std::fs::read_to_string(src.join("SUMMARY.md")).expect("SUMMARY.md");
    let listed: BTreeSet<PathBuf> = link_targets(&summary)
        .into_iter()
        .map(|(_, target)| normalize(&src.join(target)))
        .collect();
    // Markdown that a chapter includes (generated tables) is part of that chapter.
    let included: BTreeSet<PathBuf> = chapters()
        .iter()
        .flat_map(|(path, text)| {
            let directory = path.parent().expect("a directory").to_path_buf();
            includes(text)
                .into_iter()
                .map(move |include| normalize(&directory.join(include.path)))
        })
        .collect();
    let orphans: Vec<String> = chapters()
        .into_iter()
        .map(|(path, _)| normalize(&path))
        .filter(|path| !path.ends_with("SUMMARY.md"))
        .filter(|path| !listed.contains(path) && !included.contains(path))
        .map(|path| shown(&path))
        .collect();
    assert!(
        orphans.is_empty(),
        "chapters missing from SUMMARY.md: {orphans:?}"
    );
    assert!(listed.len() >= 9, "SUMMARY.md lists {listed:?}");
}

#[test]
fn every_generated_file_is_shown_in_some_chapter() {
    let generated = book_src().join("generated");
    let mut used = BTreeSet::new();
    for (path, text) in chapters() {
        let directory = path.parent().expect("a directory").to_path_buf();
        let targets = includes(&text)
            .into_iter()
            .map(|include| include.path)
            .chain(link_targets(&text).into_iter().map(|(_, target)| target));
        for target in targets {
            used.insert(normalize(&directory.join(target)));
        }
    }
    let mut unused: Vec<String> = std::fs::read_dir(&generated)
        .expect("book/src/generated")
        .map(|entry| normalize(&entry.expect("an entry").path()))
        .filter(|path| !used.contains(path))
        .map(|path| shown(&path))
        .collect();
    unused.sort();
    assert!(unused.is_empty(), "generated but never shown: {unused:?}");
}

/// The value of `key = "..."` on the first line of `toml` that sets it.
fn toml_string(toml: &str, key: &str) -> Option<String> {
    toml.lines().find_map(|line| {
        let value = line
            .trim()
            .strip_prefix(key)?
            .trim_start()
            .strip_prefix('=')?;
        Some(value.trim().trim_matches('"').to_owned())
    })
}

#[test]
fn links_into_the_repository_use_its_url() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo =
        std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let book =
        std::fs::read_to_string(root.join("book/book.toml")).expect("book.toml");
    let repository =
        toml_string(&cargo, "repository").expect("the workspace's repository");
    assert_eq!(
        toml_string(&book, "git-repository-url").as_deref(),
        Some(repository.as_str()),
        "book/book.toml's git-repository-url is the workspace's repository"
    );
    let host = |url: &str| url.split('/').take(3).collect::<Vec<_>>().join("/");
    let mut links = 0;
    for (path, text) in chapters() {
        for (line, target) in link_targets(&text) {
            if host(&target) == host(&repository) {
                links += 1;
                assert!(
                    target.starts_with(&repository),
                    "{}:{line}: `{target}` is not in {repository}",
                    shown(&path)
                );
            }
        }
    }
    assert!(links > 0, "chapter 6 links the README");
}

/// The checks themselves catch what they are for.
#[test]
fn the_checks_catch_broken_includes_and_links() {
    let chapter = book_src().join("introduction.md");
    // (file, selector, broken?). `respond` is a prefix of the anchor
    // `respond_by_hand`, but not an anchor of `stackful.rs`.
    let cases = [
        ("../listings/src/nothing.rs", None, true),
        ("../listings/src/state_machine.rs", Some("nothing"), true),
        ("../listings/src/stackful.rs", Some("respond"), true),
        ("../listings/src/state_machine.rs", Some("respond"), false),
        ("../listings/src/tasks.rs", Some("1:100000"), true),
        ("../listings/src/tasks.rs", Some("1:3"), false),
    ];
    for (path, selector, broken) in cases {
        let include = Include {
            line: 1,
            path: path.to_owned(),
            selector: selector.map(str::to_owned),
        };
        let problem = check_include(&chapter, &include);
        assert_eq!(
            problem.is_some(),
            broken,
            "{path}:{selector:?}: {problem:?}"
        );
    }
    assert!(check_link(&chapter, "", "nowhere.md").is_some());
    assert!(check_link(&chapter, "", "../../README.md").is_some());
    assert!(check_link(&chapter, "# Title", "#title").is_none());
    assert!(check_link(&chapter, "# Title", "#other").is_some());
    assert!(check_link(&chapter, "", "https://example.com/").is_none());

    let found =
        includes("a {{#include x.rs:one}} b \\{{#include y.rs}} {{#include z.rs}}");
    let found: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|include| (include.path.as_str(), include.selector.as_deref()))
        .collect();
    assert_eq!(found, [("x.rs", Some("one")), ("z.rs", None)]);
    assert_eq!(
        link_targets(
            "[a](b.md) `[c](d.md)` ![e](f.svg \"t\")\n```\n[g](h.md)\n```\n[i]: j.md"
        ),
        [
            (1, "b.md".to_owned()),
            (1, "f.svg".to_owned()),
            (5, "j.md".to_owned())
        ]
    );
    assert_eq!(
        heading_ids("# What's `poll`?\n## Again\n## Again"),
        BTreeSet::from([
            "whats-poll".to_owned(),
            "again".to_owned(),
            "again-1".to_owned()
        ])
    );
}
