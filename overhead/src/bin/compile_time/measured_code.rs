//! What the compile times were measured on, as digests recorded beside them: the generated
//! crates ([`generated_crates_digest`]), the attribute's own code ([`attribute_digest`]) and
//! the versions of everything else they compile ([`locked_dependencies_digest`]). A test
//! compares the checked-in report's digests with the code's, so that the book's compile times
//! cannot silently outlive the code they timed.
//!
//! ```text
//! Input:  the stackless checkout: src/lib.rs, macros/src/lib.rs, inspect/src/lib.rs
//! Output: "3f0c…": a digest of every module those compile, as tokens, less comments,
//!         doc attributes and `#[cfg(test)]` items
//! ```
//!
//! Prose and tests are left out because they change nothing rustc does to the generated crate;
//! any other edit of the attribute's code may change its expansion, its runtime's generic code
//! or its macro crate's own build, which the report times.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

use crate::generate::crate_source;
use crate::variant::{PINNED_PEERS, Variant, VariantBuild};
use crate::workspace::{package_manifest, workspace_manifest};

/// FNV-1a, 64 bits: a digest whose value, unlike `DefaultHasher`'s, no Rust release changes.
pub struct Digest(u64);

impl Digest {
    pub fn new() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }

    pub fn add(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// A digest of the generated workspace for `functions` functions: its manifest, and every
/// variant's manifest (the attribute's crate, at the version pinned, with the features used)
/// and `lib.rs`. Stackless's path, which differs between checkouts, is left out.
pub fn generated_crates_digest(functions: usize) -> String {
    let mut digest = Digest::new();
    digest.add(workspace_manifest(&Variant::ALL).as_bytes());
    for variant in Variant::ALL {
        digest.add(package_manifest(variant, "STACKLESS").as_bytes());
        digest.add(crate_source(variant.attribute_line(), functions).as_bytes());
    }
    digest.hex()
}

/// A digest of the packages the generated crates compile besides their own code, at the
/// versions the stackless workspace locks (its lock seeds the generated workspace's): `cargo
/// tree` of `stackless` and of each peer's crate at its pinned version, normal and build
/// dependencies, as `name version` lines. A `cargo update` of syn, say, changes it.
pub fn locked_dependencies_digest(cargo: &OsStr, stackless_root: &Path) -> Result<String, String> {
    let roots = std::iter::once("stackless".to_owned()).chain(
        PINNED_PEERS
            .iter()
            .map(|(name, requirement)| format!("{name}@{}", requirement.trim_start_matches('='))),
    );
    let mut packages = BTreeSet::new();
    // One root per `cargo tree`: given a workspace member, it takes no other package's spec.
    for root in roots {
        let output = Command::new(cargo)
            .current_dir(stackless_root)
            .args(["tree", "--edges", "normal,build", "--prefix", "none"])
            .args(["--format", "{p}", "-p", &root])
            .output()
            .map_err(|error| format!("cargo tree: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "cargo tree -p {root}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        // `name vVERSION`, then a local package's path or a `(*)` for one listed before.
        packages.extend(
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(|line| {
                    let mut words = line.split_whitespace();
                    Some(format!("{} {}\n", words.next()?, words.next()?))
                }),
        );
    }
    let mut digest = Digest::new();
    for package in &packages {
        digest.add(package.as_bytes());
    }
    Ok(digest.hex())
}

/// The library roots of the crates a stackless build of the generated crate compiles:
/// `stackless`, `stackless-macros` and `stackless-inspect`.
const CRATE_ROOTS: [&str; 3] = ["src/lib.rs", "macros/src/lib.rs", "inspect/src/lib.rs"];

/// The digest of the attribute's code in the checkout at `stackless_root`: every module the
/// three crates' libraries compile (followed from their roots through `mod name;`), in order,
/// each as its path and its tokens without comments, doc attributes or `#[cfg(test)]` items.
pub fn attribute_digest(stackless_root: &Path) -> Result<String, String> {
    let mut digest = Digest::new();
    for root in CRATE_ROOTS {
        for (path, tokens) in library_modules(&stackless_root.join(root))? {
            let relative = path.strip_prefix(stackless_root).unwrap_or(&path);
            digest.add(relative.to_string_lossy().as_bytes());
            digest.add(tokens.as_bytes());
        }
    }
    Ok(digest.hex())
}

/// Each file of the module tree rooted at `root` that a non-test build compiles, with its
/// tokens as [`code_tokens`] prints them.
fn library_modules(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut modules = Vec::new();
    let mut pending = vec![(root.to_owned(), module_directory(root, true))];
    while let Some((file, directory)) = pending.pop() {
        let text = std::fs::read_to_string(&file)
            .map_err(|error| format!("{}: {error}", file.display()))?;
        let parsed =
            syn::parse_file(&text).map_err(|error| format!("{}: {error}", file.display()))?;
        let items = library_items(parsed.items);
        for child in child_modules(&items, &directory) {
            let child = child.map_err(|error| format!("{}: {error}", file.display()))?;
            let directory = module_directory(&child, false);
            pending.push((child, directory));
        }
        let mut tokens = TokenStream::new();
        for item in &items {
            item.to_tokens(&mut tokens);
        }
        modules.push((file, code_tokens(tokens)));
    }
    modules.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(modules)
}

/// Where the children of the module in `file` live: beside it for a crate root or `mod.rs`,
/// else in a directory named after it.
fn module_directory(file: &Path, crate_root: bool) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new("")).to_owned();
    let stem = file.file_stem().unwrap_or_default();
    if crate_root || stem == "mod" {
        parent
    } else {
        parent.join(stem)
    }
}

/// The items a non-test build compiles: those without `#[cfg(test)]`.
fn library_items(items: Vec<syn::Item>) -> Vec<syn::Item> {
    items
        .into_iter()
        .filter(|item| !attributes(item).iter().any(is_cfg_test))
        .collect()
}

fn attributes(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(item) => &item.attrs,
        syn::Item::Enum(item) => &item.attrs,
        syn::Item::ExternCrate(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::ForeignMod(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Macro(item) => &item.attrs,
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Static(item) => &item.attrs,
        syn::Item::Struct(item) => &item.attrs,
        syn::Item::Trait(item) => &item.attrs,
        syn::Item::TraitAlias(item) => &item.attrs,
        syn::Item::Type(item) => &item.attrs,
        syn::Item::Union(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

fn is_cfg_test(attribute: &syn::Attribute) -> bool {
    attribute.path().is_ident("cfg")
        && attribute
            .meta
            .require_list()
            .is_ok_and(|list| list.tokens.to_string() == "test")
}

/// The files of the `mod name;` declarations among `items`, children of `directory`; inline
/// modules are searched too. A `#[path]` attribute is not followed: none of the three crates'
/// library modules has one, and one added later fails here rather than being skipped.
fn child_modules(items: &[syn::Item], directory: &Path) -> Vec<Result<PathBuf, String>> {
    let mut children = Vec::new();
    for item in items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        let name = module.ident.to_string();
        if module
            .attrs
            .iter()
            .any(|attribute| attribute.path().is_ident("path"))
        {
            children.push(Err(format!(
                "`mod {name}` has a `#[path]`, which is not followed"
            )));
            continue;
        }
        match &module.content {
            Some((_, inline)) => children.extend(child_modules(inline, &directory.join(&name))),
            None => {
                let flat = directory.join(format!("{name}.rs"));
                let nested = directory.join(&name).join("mod.rs");
                children.push(if flat.is_file() {
                    Ok(flat)
                } else if nested.is_file() {
                    Ok(nested)
                } else {
                    Err(format!(
                        "no file for `mod {name}` in {}",
                        directory.display()
                    ))
                });
            }
        }
    }
    children
}

/// The tokens as text, one space apart, without doc attributes (`#[doc = ..]` and `#![doc =
/// ..]`, which is what `///` and `//!` comments are); comments are no tokens at all.
fn code_tokens(tokens: TokenStream) -> String {
    let mut text = String::new();
    print_without_docs(tokens, &mut text);
    text
}

fn print_without_docs(tokens: TokenStream, text: &mut String) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut index = 0;
    while index < tokens.len() {
        if let Some(length) = doc_attribute_length(&tokens[index..]) {
            index += length;
            continue;
        }
        match &tokens[index] {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                text.push_str(open);
                text.push(' ');
                print_without_docs(group.stream(), text);
                text.push_str(close);
            }
            other => text.push_str(&other.to_string()),
        }
        text.push(' ');
        index += 1;
    }
}

/// The number of tokens of the doc attribute `tokens` starts with: `#` `[doc ..]`, or `#` `!`
/// `[doc ..]`.
fn doc_attribute_length(tokens: &[TokenTree]) -> Option<usize> {
    let TokenTree::Punct(hash) = tokens.first()? else {
        return None;
    };
    if hash.as_char() != '#' {
        return None;
    }
    let inner = matches!(tokens.get(1), Some(TokenTree::Punct(bang)) if bang.as_char() == '!');
    let bracket = if inner { 2 } else { 1 };
    let TokenTree::Group(group) = tokens.get(bracket)? else {
        return None;
    };
    let is_doc = group.delimiter() == proc_macro2::Delimiter::Bracket
        && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(ident)) if ident == "doc");
    is_doc.then_some(bracket + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway crate: `lib.rs` with a module beside it, one in a directory of its own,
    /// and a test module that must not count.
    fn crate_in(directory: &Path, lib: &str, beside: &str, nested: &str, tests: &str) {
        std::fs::create_dir_all(directory.join("src/nested")).unwrap();
        std::fs::write(directory.join("src/lib.rs"), lib).unwrap();
        std::fs::write(directory.join("src/beside.rs"), beside).unwrap();
        std::fs::write(directory.join("src/nested/mod.rs"), nested).unwrap();
        std::fs::write(directory.join("src/tests.rs"), tests).unwrap();
    }

    const LIB: &str = "//! A crate.\nmod beside;\nmod nested;\n#[cfg(test)]\nmod tests;\npub fn f() -> u32 { beside::g() }\n";

    fn digest_of(directory: &Path) -> Vec<(PathBuf, String)> {
        library_modules(&directory.join("src/lib.rs")).unwrap()
    }

    #[test]
    fn prose_and_tests_do_not_change_the_digest_and_code_does() {
        let root = std::env::temp_dir().join(format!("measured-code-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        crate_in(
            &root,
            LIB,
            "pub fn g() -> u32 { 1 }",
            "pub struct S;",
            "fn t() {}",
        );
        let first = digest_of(&root);
        assert_eq!(
            first
                .iter()
                .map(|(path, _)| path.strip_prefix(&root).unwrap().to_owned())
                .collect::<Vec<_>>(),
            ["src/beside.rs", "src/lib.rs", "src/nested/mod.rs"].map(PathBuf::from),
            "the test module is not a library module"
        );

        // Comments, docs, a test module's contents and `#[cfg(test)]` items: the same.
        crate_in(
            &root,
            &LIB.replace("//! A crate.", "//! Another crate.\n// a comment"),
            "/// Returns one.\npub fn g() -> u32 {\n    1 // one\n}\n#[cfg(test)]\nmod t { fn u() {} }",
            "#[doc = \"a unit\"]\npub struct S;",
            "fn t() { panic!() }",
        );
        assert_eq!(digest_of(&root), first);

        // The code: different.
        crate_in(
            &root,
            LIB,
            "pub fn g() -> u32 { 2 }",
            "pub struct S;",
            "fn t() {}",
        );
        assert_ne!(digest_of(&root), first);
        crate_in(
            &root,
            LIB,
            "pub fn g() -> u32 { 1 }",
            "pub struct S(u8);",
            "fn t() {}",
        );
        assert_ne!(digest_of(&root), first);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn the_generated_crates_digest_follows_the_function_count() {
        assert_eq!(generated_crates_digest(30), generated_crates_digest(30));
        assert_ne!(generated_crates_digest(30), generated_crates_digest(31));
        assert_eq!(generated_crates_digest(30).len(), 16);
    }

    #[test]
    fn a_module_without_a_file_is_an_error() {
        let root =
            std::env::temp_dir().join(format!("measured-code-missing-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/lib.rs"), "mod gone;").unwrap();
        let error = library_modules(&root.join("src/lib.rs")).unwrap_err();
        assert!(error.contains("no file for `mod gone`"), "{error}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn the_checkouts_three_crates_are_read() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let digest = attribute_digest(root).unwrap();
        assert_eq!(digest.len(), 16);
        let macros = library_modules(&root.join("macros/src/lib.rs")).unwrap();
        let files: Vec<_> = macros
            .iter()
            .map(|(path, _)| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(files.contains(&"expand.rs".to_owned()), "{files:?}");
        assert!(!files.contains(&"tests.rs".to_owned()), "{files:?}");
        assert!(!files.contains(&"fuzz.rs".to_owned()), "{files:?}");
    }

    /// The compile-time table the book shows timed the crates this generator writes, with the
    /// attribute's code as it is, built by this rustc: a change to any of them fails here until
    /// the report is regenerated.
    #[test]
    fn the_checked_in_compile_times_are_of_this_code() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let text = std::fs::read_to_string(root.join("book/src/generated/overhead.json"))
            .expect("the checked-in report");
        let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let compile_time = &report["compile_time"];
        let regenerate = "regenerate with `cargo run -p stackless-real-crate` then `cargo run \
             --release -p stackless-overhead --bin overhead -- --out book/src/generated \
             --with-compile-time`";
        let functions = compile_time["crate_functions"]
            .as_u64()
            .unwrap_or_else(|| panic!("the report has no compile-time table; {regenerate}"));
        assert!(
            compile_time["crate_sources_digest"].as_str()
                == Some(generated_crates_digest(functions as usize).as_str()),
            "the checked-in compile times are of another generated crate; {regenerate}"
        );
        let environment = crate::environment::Environment::current(root);
        assert!(
            compile_time["environment"]["stackless_code_digest"].as_str()
                == Some(environment.stackless_code_digest.as_str()),
            "the checked-in compile times are of other code of the attribute (`src`, `macros`, \
             `inspect`); {regenerate}"
        );
        let locked = &environment.locked_dependencies_digest;
        assert!(!locked.starts_with("unknown"), "{locked}");
        assert!(
            compile_time["environment"]["locked_dependencies_digest"].as_str()
                == Some(locked.as_str()),
            "the checked-in compile times are of other versions of the crates the generated \
             crates depend on; {regenerate}"
        );
        assert!(
            compile_time["environment"]["rustc"].as_str() == Some(environment.rustc.as_str()),
            "the checked-in compile times are another compiler's; {regenerate}"
        );
    }
}
