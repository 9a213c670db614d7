//! A copy of the real crate for each other variant, derived from the annotated copy: the same
//! sources with the variant's attribute where the annotation pass put `#[stackless::inspect]`,
//! and the manifest depending on that attribute's crate instead of on stackless.
//!
//! ```text
//! Input:  <dir>/annotated/, as `stackless-real-crate` leaves it
//!             src/client.rs   #[instrument(skip(self))]
//!                             #[stackless::inspect] pub async fn get(..) { .. }
//!                             #[stackless::inspect] async fn set_cmd(..) { .. }
//!             Cargo.toml      ..., [dependencies.stackless] path = "/work/main"
//! Output: <dir>/peers/<variant>/, made anew at each run; for tracing:
//!             src/client.rs   #[instrument(skip(self))]
//!                             pub async fn get(..) { .. }
//!                             #[tracing::instrument] async fn set_cmd(..) { .. }
//!             Cargo.toml      ..., the crate's own `[dependencies.tracing]`, stackless gone
//! ```
//!
//! What each function the pass annotated gets ([`Fate`]):
//! - the variant's attribute, in place of `#[stackless::inspect] ` on the same line, so line
//!   numbers stay the annotated copy's (and the plain copy's);
//! - in tracing's copy, nothing where the function carries tracing's `#[instrument]` as
//!   published: the plain copy has it too, and a second would instrument the function twice;
//! - nothing where the attribute does not compile: after a failed build, the functions that
//!   rustc's errors point into are left without it ([`DerivedCopy::leave_out`]), and the report
//!   counts them and gives rustc's messages. (`#[tracing::instrument]` records every argument
//!   with `Debug` unless told to skip it, and not every argument's type implements `Debug`.)
//!
//! Only `src/` is derived, what the timed builds compile; tests and examples are copied as
//! they are (the annotated copy's added test calls `stackless::report()`, so the derived
//! copies' tests are not meant to build).

use std::fs;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use proc_macro2::LineColumn;
use syn::visit::{self, Visit};
use syn::{Attribute, Block, UseTree};

use crate::cargo::Diagnostic;
use crate::failure::Failure;
use crate::real_crate::rust_files;
use crate::variant::{Variant, VariantBuild};

/// The attribute as `stackless-real-crate`'s annotation pass inserts it
/// (`tests/real-crate/src/annotate.rs`, `ATTRIBUTE`): on the function's line, before its
/// visibility or signature.
pub const INSERTED: &str = "#[stackless::inspect] ";

/// Where the derived copies go, under the directory of the plain and annotated copies.
pub const PEERS_DIR: &str = "peers";

/// What a derived copy does with a function the annotation pass annotated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// It carries the variant's attribute.
    Carries,
    /// Tracing's copy: it carries tracing's `#[instrument]` as published, in every copy.
    AsPublished,
    /// The variant's attribute does not compile on it, so it has none.
    DoesNotCompile,
}

/// One function the annotation pass annotated.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Site {
    /// Byte offset of the inserted attribute in the annotated file.
    offset: usize,
    /// From the attribute's line to the body's closing brace: where an error the attribute
    /// causes points.
    lines: RangeInclusive<usize>,
    /// It also carries tracing's `#[instrument]`.
    traced: bool,
}

/// One file of the annotated copy's `src/`, with the functions annotated in it.
struct SourceFile {
    /// Relative to the copy, as rustc names it: `src/client.rs`.
    relative: String,
    text: String,
    sites: Vec<(Site, Fate)>,
}

/// The functions the annotation pass annotated in the `src/` of the copy at `root`.
pub fn count_annotated(root: &Path) -> Result<usize, Failure> {
    Ok(read_sources(root)?
        .iter()
        .map(|file| file.sites.len())
        .sum())
}

/// A copy for one variant, written.
pub struct DerivedCopy {
    pub variant: Variant,
    pub dir: PathBuf,
    /// What replaces [`INSERTED`].
    attribute: String,
    files: Vec<SourceFile>,
    /// rustc's messages for the functions left without the attribute, each once.
    pub errors: Vec<String>,
}

impl DerivedCopy {
    /// Replaces `dir` with a copy of `annotated` for `variant` (not plain): its sources with
    /// the variant's attribute, its manifest with the variant's dependency (`stackless_root`:
    /// the stackless package's directory, for stackless-off).
    pub fn make(
        annotated: &Path,
        dir: &Path,
        variant: Variant,
        stackless_root: &Path,
    ) -> Result<DerivedCopy, Failure> {
        let (Some(attribute), Some(dependency)) = (
            variant.attribute_line(),
            stackless_root
                .to_str()
                .and_then(|root| variant.dependency(root)),
        ) else {
            return Err(Failure::Measurement(format!(
                "no copy of the real crate for {}: it needs an attribute and a dependency \
                 (and a UTF-8 path to stackless)",
                variant.name()
            )));
        };
        remove_directory(dir)?;
        copy_tree(annotated, dir)?;

        let path = dir.join("Cargo.toml");
        let annotated_manifest = read(&path)?;
        let manifest = manifest(&annotated_manifest, &dependency)
            .map_err(|error| Failure::Measurement(format!("{}: {error}", path.display())))?;
        fs::write(&path, manifest).map_err(|error| Failure::io("write", &path, error))?;

        let mut files = read_sources(annotated)?;
        if variant == Variant::Tracing {
            for file in &mut files {
                for (site, fate) in &mut file.sites {
                    if site.traced {
                        *fate = Fate::AsPublished;
                    }
                }
            }
        }
        let copy = DerivedCopy {
            variant,
            dir: dir.to_path_buf(),
            attribute: format!("{attribute} "),
            files,
            errors: Vec::new(),
        };
        copy.write_sources()?;
        Ok(copy)
    }

    /// How many annotated functions of `src/` meet `fate` in this copy.
    pub fn count(&self, fate: Fate) -> usize {
        self.files
            .iter()
            .flat_map(|file| &file.sites)
            .filter(|(_, found)| *found == fate)
            .count()
    }

    /// After a failed build: leaves every function that one of rustc's `errors` points into
    /// (the innermost, for nested ones) without the attribute, rewrites the sources, and says
    /// how many it left. Errors that point nowhere (rustc's "aborting due to ..") do not
    /// count; zero when one points anywhere else than into a function carrying the attribute:
    /// that failure is not the attribute's doing, and the caller reports it.
    pub fn leave_out(&mut self, errors: &[Diagnostic]) -> Result<usize, Failure> {
        let (mut left, mut messages) = (Vec::new(), Vec::new());
        for error in errors {
            let Some(location) = &error.location else {
                continue;
            };
            let site = self
                .files
                .iter()
                .enumerate()
                .filter(|(_, file)| file.relative == location.file)
                .flat_map(|(f, file)| {
                    let sites = file.sites.iter().enumerate();
                    sites.map(move |(s, (site, fate))| ((f, s), site, *fate))
                })
                .filter(|(_, site, fate)| {
                    *fate == Fate::Carries && site.lines.contains(&location.line)
                })
                .max_by_key(|(_, site, _)| site.offset);
            let Some((at, _, _)) = site else {
                return Ok(0);
            };
            left.push(at);
            messages.push(&error.message);
        }
        left.sort_unstable();
        left.dedup();
        for &(file, site) in &left {
            self.files[file].sites[site].1 = Fate::DoesNotCompile;
        }
        for message in messages {
            if !self.errors.contains(message) {
                self.errors.push(message.clone());
            }
        }
        self.write_sources()?;
        Ok(left.len())
    }

    fn write_sources(&self) -> Result<(), Failure> {
        for file in &self.files {
            let path = self.dir.join(&file.relative);
            fs::write(&path, derived_text(file, &self.attribute))
                .map_err(|error| Failure::io("write", &path, error))?;
        }
        Ok(())
    }
}

/// The annotated file with each site's inserted attribute replaced by `attribute` where the
/// site carries it, and removed where not.
fn derived_text(file: &SourceFile, attribute: &str) -> String {
    let mut text = String::with_capacity(file.text.len());
    let mut copied = 0;
    for (site, fate) in &file.sites {
        text.push_str(&file.text[copied..site.offset]);
        if *fate == Fate::Carries {
            text.push_str(attribute);
        }
        copied = site.offset + INSERTED.len();
    }
    text.push_str(&file.text[copied..]);
    text
}

/// The `.rs` files of `root/src` that have annotated functions.
fn read_sources(root: &Path) -> Result<Vec<SourceFile>, Failure> {
    let mut files = Vec::new();
    for path in rust_files(&root.join("src"))? {
        let text = read(&path)?;
        let sites = sites(&text)
            .map_err(|error| Failure::Measurement(format!("{}: {error}", path.display())))?;
        if sites.is_empty() {
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        files.push(SourceFile {
            relative,
            text,
            sites: sites
                .into_iter()
                .map(|site| (site, Fate::Carries))
                .collect(),
        });
    }
    Ok(files)
}

// Input:   use tracing::{debug, instrument};
//          #[instrument(skip(self))]
//          #[stackless::inspect] pub async fn get(&mut self) { .. }
// Output:  [Site { offset of `#[stackless::inspect] `, lines: its line ..= the `}`'s,
//          traced: true }], in the order of the text
fn sites(text: &str) -> Result<Vec<Site>, String> {
    let file = syn::parse_file(text).map_err(|error| {
        let at = error.span().start();
        format!("does not parse at {}:{}: {error}", at.line, at.column + 1)
    })?;
    let mut finder = Finder::default();
    finder.visit_file(&file);
    let mut sites = Vec::with_capacity(finder.functions.len());
    for function in finder.functions {
        let offset = byte_offset(text, function.inserted_at);
        if !text[offset..].starts_with(INSERTED) {
            return Err(format!(
                "line {}: `#[stackless::inspect]` is not as the annotation pass writes it, \
                 `{}` before the function",
                function.inserted_at.line,
                INSERTED.trim_end()
            ));
        }
        let traced = function
            .attributes
            .iter()
            .any(|path| finder.tracing_instrument.names(path));
        sites.push(Site {
            offset,
            lines: function.inserted_at.line..=function.last_line,
            traced,
        });
    }
    sites.sort_by_key(|site| site.offset);
    Ok(sites)
}

/// A function carrying `#[stackless::inspect]`, as the parse found it.
struct AnnotatedFunction {
    inserted_at: LineColumn,
    last_line: usize,
    /// The paths of its other attributes, segment by segment: `["tracing", "instrument"]`.
    attributes: Vec<Vec<String>>,
}

/// The names under which tracing's `instrument` is in scope in a file, from its `use` items
/// (wherever they are: a file that imports it in one module and names another `instrument`
/// elsewhere is not handled).
#[derive(Default)]
struct TracingInstrument {
    /// `use tracing::instrument;` gives `instrument`; `use tracing::instrument as trace;`
    /// gives `trace`.
    imported_as: Vec<String>,
    /// `use tracing::*;`
    glob: bool,
}

impl TracingInstrument {
    /// Whether the attribute `path` is tracing's `instrument`: `tracing::instrument`, or a
    /// name the file imports it under.
    fn names(&self, path: &[String]) -> bool {
        match path {
            [krate, name] => krate == "tracing" && name == "instrument",
            [name] => self.imported_as.contains(name) || (self.glob && name == "instrument"),
            _ => false,
        }
    }

    fn collect(&mut self, prefix: &mut Vec<String>, tree: &UseTree) {
        let in_tracing = prefix.len() == 1 && prefix[0] == "tracing";
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.collect(prefix, &path.tree);
                prefix.pop();
            }
            UseTree::Name(name) if in_tracing && name.ident == "instrument" => {
                self.imported_as.push("instrument".to_owned());
            }
            UseTree::Rename(rename) if in_tracing && rename.ident == "instrument" => {
                self.imported_as.push(rename.rename.to_string());
            }
            UseTree::Glob(_) if in_tracing => self.glob = true,
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.collect(prefix, tree);
                }
            }
            UseTree::Name(_) | UseTree::Rename(_) | UseTree::Glob(_) => {}
        }
    }
}

#[derive(Default)]
struct Finder {
    functions: Vec<AnnotatedFunction>,
    tracing_instrument: TracingInstrument,
}

impl Finder {
    fn consider(&mut self, attrs: &[Attribute], block: &Block) {
        let paths: Vec<Vec<String>> = attrs
            .iter()
            .map(|attribute| {
                attribute
                    .path()
                    .segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect()
            })
            .collect();
        let inserted = paths
            .iter()
            .position(|path| path == &["stackless", "inspect"]);
        if let Some(inserted) = inserted {
            self.functions.push(AnnotatedFunction {
                inserted_at: attrs[inserted].pound_token.spans[0].start(),
                last_line: block.brace_token.span.close().end().line,
                attributes: paths
                    .into_iter()
                    .enumerate()
                    .filter(|&(index, _)| index != inserted)
                    .map(|(_, path)| path)
                    .collect(),
            });
        }
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.consider(&item.attrs, &item.block);
        visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.consider(&item.attrs, &item.block);
        visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if let Some(block) = &item.default {
            self.consider(&item.attrs, block);
        }
        visit::visit_trait_item_fn(self, item);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.tracing_instrument.collect(&mut Vec::new(), &item.tree);
    }
}

/// The byte offset of a line and (character) column that the parse gave. syn parses a file
/// after its byte-order mark, if it has one.
fn byte_offset(text: &str, at: LineColumn) -> usize {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut line_start = text.len() - body.len();
    for line in body.split_inclusive('\n').take(at.line - 1) {
        line_start += line.len();
    }
    text[line_start..]
        .char_indices()
        .nth(at.column)
        .map_or(text.len(), |(offset, _)| line_start + offset)
}

// Input:   a manifest ending, as the annotated copy's does, in
//              # Added by stackless-real-crate: the attribute under test.
//              [dependencies.stackless]
//              path = "/work/main"
//          and a dependency line: `async-backtrace = "=0.2.7"`
// Output:  the same with that table (and the comment above it) replaced by
//              # Added by the compile-time benchmark: the attribute's crate.
//              [dependencies]
//              async-backtrace = "=0.2.7"
//          or, when the manifest has a `[dependencies]` table, the line added to it; or,
//          when the crate already depends on the dependency's package (mini-redis on
//          `tracing`), the table only removed: the attribute comes from the crate's own
//          version rather than a second requirement on the same package.
pub fn manifest(annotated: &str, dependency: &str) -> Result<String, String> {
    let lines: Vec<&str> = annotated.lines().collect();
    let header = lines
        .iter()
        .position(|line| line.trim() == "[dependencies.stackless]")
        .ok_or("no `[dependencies.stackless]` table: not an annotated copy")?;
    let start = if header > 0 && lines[header - 1].trim_start().starts_with('#') {
        header - 1
    } else {
        header
    };
    let end = (header + 1..lines.len())
        .find(|&index| {
            let line = lines[index].trim();
            line.is_empty() || line.starts_with('#') || line.starts_with('[')
        })
        .unwrap_or(lines.len());
    let mut edited: Vec<&str> = lines[..start]
        .iter()
        .chain(&lines[end..])
        .copied()
        .collect();

    let name = dependency
        .split_once('=')
        .map_or(dependency, |(name, _)| name)
        .trim();
    let manifest_so_far = edited.join("\n");
    if depends_on(&manifest_so_far, name) {
        return Ok(manifest_so_far + "\n");
    }
    match edited
        .iter()
        .position(|line| line.trim() == "[dependencies]")
    {
        Some(table) => edited.insert(table + 1, dependency),
        None => {
            let after = edited.split_off(start);
            edited.extend([
                "# Added by the compile-time benchmark: the attribute's crate.",
                "[dependencies]",
                dependency,
            ]);
            edited.extend(after);
        }
    }
    Ok(edited.join("\n") + "\n")
}

/// Whether the manifest's `[dependencies]` (not the dev- or target-specific ones) name `name`:
/// as a `[dependencies.name]` table, or a `name = ..` line of `[dependencies]`.
fn depends_on(manifest: &str, name: &str) -> bool {
    let mut table = String::new();
    manifest.lines().any(|line| {
        let line = line.trim();
        if line.starts_with('[') {
            table = line.trim_matches(['[', ']']).trim().to_owned();
            return table == format!("dependencies.{name}");
        }
        table == "dependencies"
            && line
                .split_once('=')
                .is_some_and(|(key, _)| key.trim() == name)
    })
}

fn read(path: &Path) -> Result<String, Failure> {
    fs::read_to_string(path).map_err(|error| Failure::io("read", path, error))
}

fn remove_directory(path: &Path) -> Result<(), Failure> {
    match fs::remove_dir_all(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(Failure::io("remove", path, error))
        }
        _ => Ok(()),
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), Failure> {
    fs::create_dir_all(to).map_err(|error| Failure::io("create", to, error))?;
    let entries = fs::read_dir(from).map_err(|error| Failure::io("read", from, error))?;
    for entry in entries {
        let entry = entry.map_err(|error| Failure::io("read", from, error))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            fs::copy(&source, &target).map_err(|error| Failure::io("copy", &source, error))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cargo::Location;

    /// An annotated file as the pass leaves one: tracing's `#[instrument]` above two of the
    /// functions (one of them over several lines, under a doc comment), on the same line as
    /// the inserted attribute on a third, and an attribute of another crate's named
    /// `instrument` on a fourth.
    const ANNOTATED: &str = r#"use tracing::{debug, instrument};

/// Connects.
#[instrument(
    name = "connect",
    skip(addr),
)]
#[stackless::inspect] pub async fn connect(addr: u32) -> u32 {
    addr
}

#[stackless::inspect] async fn bare() {}

impl Client {
    #[instrument] #[stackless::inspect] pub async fn get(&self) -> u8 {
        #[stackless::inspect] async fn nested() {}
        nested().await;
        1
    }

    #[await_tree::instrument]
    #[stackless::inspect] pub(crate) async fn other(&self) {}
}
"#;

    fn site_lines(text: &str) -> Vec<(usize, usize, bool)> {
        sites(text)
            .unwrap()
            .iter()
            .map(|site| {
                assert!(text[site.offset..].starts_with(INSERTED));
                (*site.lines.start(), *site.lines.end(), site.traced)
            })
            .collect()
    }

    #[test]
    fn each_inserted_attribute_is_found_with_its_function_and_tracings_attribute() {
        assert_eq!(
            site_lines(ANNOTATED),
            [
                (8, 10, true),
                (12, 12, false),
                (15, 19, true),
                (16, 16, false),
                (22, 22, false),
            ]
        );
    }

    #[test]
    fn tracings_instrument_is_known_by_its_path_or_by_how_the_file_imports_it() {
        let traced = |text: &str| {
            site_lines(text)
                .iter()
                .map(|site| site.2)
                .collect::<Vec<_>>()
        };
        let functions = "#[instrument]\n#[stackless::inspect] async fn a() {}\n\
                         #[tracing::instrument(skip_all)]\n#[stackless::inspect] async fn b() {}\n\
                         #[trace]\n#[stackless::inspect] async fn c() {}\n";
        // Without an import, a bare `instrument` is someone else's.
        assert_eq!(traced(functions), [false, true, false]);
        let renamed = format!("use tracing::instrument as trace;\n{functions}");
        assert_eq!(traced(&renamed), [false, true, true]);
        let glob = format!("use ::tracing::*;\n{functions}");
        assert_eq!(traced(&glob), [true, true, false]);
        let nested = format!("use tracing::{{self, debug, instrument}};\n{functions}");
        assert_eq!(traced(&nested), [true, true, false]);
    }

    #[test]
    fn an_attribute_written_otherwise_than_the_pass_writes_it_is_an_error() {
        let error = sites("#[stackless::inspect]\nasync fn a() {}\n").unwrap_err();
        assert!(error.contains("line 1"), "{error}");
        assert!(
            sites("fn (")
                .unwrap_err()
                .starts_with("does not parse at 1:")
        );
    }

    #[test]
    fn offsets_count_characters_after_a_byte_order_mark() {
        let text = "\u{feff}// é\nlet ü = 1;";
        let at = |line, column| byte_offset(text, LineColumn { line, column });
        assert_eq!(&text[at(1, 3)..], "é\nlet ü = 1;");
        assert_eq!(&text[at(2, 6)..], "= 1;");
    }

    fn file(text: &str, fates: &[Fate]) -> SourceFile {
        let sites = sites(text).unwrap();
        assert_eq!(sites.len(), fates.len());
        SourceFile {
            relative: "src/lib.rs".to_owned(),
            text: text.to_owned(),
            sites: sites.into_iter().zip(fates.iter().copied()).collect(),
        }
    }

    #[test]
    fn the_attribute_replaces_ours_on_the_same_line_or_goes() {
        use Fate::*;
        let fates = [AsPublished, Carries, AsPublished, DoesNotCompile, Carries];
        let derived = derived_text(&file(ANNOTATED, &fates), "#[tracing::instrument] ");
        assert!(!derived.contains("stackless"), "{derived}");
        assert_eq!(derived.lines().count(), ANNOTATED.lines().count());
        let lines: Vec<&str> = derived.lines().collect();
        assert_eq!(lines[7], "pub async fn connect(addr: u32) -> u32 {");
        assert_eq!(lines[11], "#[tracing::instrument] async fn bare() {}");
        assert_eq!(
            lines[14],
            "    #[instrument] pub async fn get(&self) -> u8 {"
        );
        assert_eq!(lines[15], "        async fn nested() {}");
        assert_eq!(
            lines[21],
            "    #[tracing::instrument] pub(crate) async fn other(&self) {}"
        );
        // Stackless with its features off: the annotated text itself.
        let same = derived_text(&file(ANNOTATED, &[Carries; 5]), INSERTED);
        assert_eq!(same, ANNOTATED);
    }

    /// The end of mini-redis's annotated manifest.
    const MANIFEST: &str = "[package]\nname = \"mini-redis\"\nversion = \"0.4.1\"\n\n\
                            [dependencies.tracing]\nversion = \"0.1.13\"\n\n\
                            [dev-dependencies.tokio]\nversion = \"1\"\n\n\
                            # Added by stackless-real-crate: the attribute under test.\n\
                            [dependencies.stackless]\npath = \"/work/main\"\n\n\
                            # Added by stackless-real-crate: the test.\n[[test]]\nname = \"r\"\n";

    #[test]
    fn the_manifest_depends_on_the_attributes_crate_instead_of_stackless() {
        let edited = manifest(MANIFEST, "async-backtrace = \"=0.2.7\"").unwrap();
        assert_eq!(
            edited,
            MANIFEST.replace(
                "# Added by stackless-real-crate: the attribute under test.\n\
                 [dependencies.stackless]\npath = \"/work/main\"\n",
                "# Added by the compile-time benchmark: the attribute's crate.\n\
                 [dependencies]\nasync-backtrace = \"=0.2.7\"\n"
            )
        );
        let off = Variant::StacklessOff.dependency("/work/main").unwrap();
        let edited = manifest(MANIFEST, &off).unwrap();
        assert!(
            edited.contains(
                "[dependencies]\nstackless = { path = \"/work/main\", default-features = false }\n\n\
                 # Added by stackless-real-crate: the test.\n[[test]]"
            ),
            "{edited}"
        );
        assert_eq!(edited.matches("stackless =").count(), 1, "{edited}");
    }

    #[test]
    fn a_crate_that_has_the_dependency_keeps_its_own_and_gets_no_second() {
        let tracing = Variant::Tracing.dependency("/work/main").unwrap();
        let edited = manifest(MANIFEST, &tracing).unwrap();
        assert!(!edited.contains("[dependencies.stackless]"), "{edited}");
        assert!(!edited.contains("/work/main") && !edited.contains("=0.1.44"));
        assert_eq!(edited.matches("tracing").count(), 1, "{edited}");

        // A `[dependencies]` table of its own: the line goes there; as a line there, tracing is
        // a dependency too; as a dev-dependency it is not one the library can use.
        let inline = "[package]\nname = \"a\"\n\n[dependencies]\nbytes = \"1\"\n\n\
                      [dependencies.stackless]\npath = \"/s\"\n";
        let edited = manifest(inline, "async-backtrace = \"=0.2.7\"").unwrap();
        assert_eq!(
            edited,
            "[package]\nname = \"a\"\n\n[dependencies]\nasync-backtrace = \"=0.2.7\"\n\
             bytes = \"1\"\n\n"
        );
        assert!(depends_on(inline, "bytes"));
        assert!(depends_on(
            "[dependencies]\ntracing = { version = \"0.1\" }\n",
            "tracing"
        ));
        assert!(!depends_on(
            "[dev-dependencies]\ntracing = \"0.1\"\n",
            "tracing"
        ));
        assert!(!depends_on(
            "[dependencies.tracing-futures]\nversion = \"0.2\"\n",
            "tracing"
        ));

        let error = manifest("[package]\nname = \"a\"\n", &tracing).unwrap_err();
        assert!(error.contains("not an annotated copy"), "{error}");
    }

    fn error_at(file: &str, line: usize, message: &str) -> Diagnostic {
        Diagnostic {
            target: "app".into(),
            level: "error".into(),
            message: message.into(),
            location: Some(Location {
                file: file.into(),
                line,
            }),
            rendered: format!("error: {message}\n"),
        }
    }

    #[test]
    fn functions_the_errors_point_into_are_left_without_the_attribute() {
        let scratch = std::env::temp_dir().join(format!(
            "stackless-compile-time-derive-{}",
            std::process::id()
        ));
        let annotated = scratch.join("annotated");
        fs::create_dir_all(annotated.join("src")).unwrap();
        fs::write(annotated.join("Cargo.toml"), MANIFEST).unwrap();
        fs::write(annotated.join("src/lib.rs"), ANNOTATED).unwrap();
        fs::write(annotated.join("src/empty.rs"), "").unwrap();
        let dir = scratch.join("peers/tracing");
        fs::create_dir_all(dir.join("stale")).unwrap();

        let mut copy =
            DerivedCopy::make(&annotated, &dir, Variant::Tracing, Path::new("/s")).unwrap();
        assert!(!dir.join("stale").exists());
        assert_eq!(fs::read_to_string(dir.join("src/empty.rs")).unwrap(), "");
        assert_eq!(
            (copy.count(Fate::Carries), copy.count(Fate::AsPublished)),
            (3, 2)
        );
        assert_eq!(count_annotated(&annotated).unwrap(), 5);

        // Line 22 is `other`'s, 16 `nested`'s (inside `get`, which carries tracing's own);
        // line 11 is no function's, and `connect` (8) has no attribute of ours to take away.
        let summary = Diagnostic {
            location: None,
            ..error_at("", 0, "aborting due to 2 previous errors")
        };
        let errors = [
            error_at("src/lib.rs", 22, "`Client` doesn't implement `Debug`"),
            error_at("src/lib.rs", 16, "`Client` doesn't implement `Debug`"),
            summary,
        ];
        assert_eq!(copy.leave_out(&errors).unwrap(), 2);
        assert_eq!(copy.count(Fate::DoesNotCompile), 2);
        assert_eq!(copy.errors, ["`Client` doesn't implement `Debug`"]);
        let lib = fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert_eq!(lib.matches("#[tracing::instrument]").count(), 1, "{lib}");
        assert!(
            lib.contains("#[tracing::instrument] async fn bare"),
            "{lib}"
        );

        for elsewhere in [
            error_at("src/lib.rs", 11, "mismatched types"),
            error_at("src/lib.rs", 8, "mismatched types"),
            error_at("src/other.rs", 12, "mismatched types"),
        ] {
            assert_eq!(copy.leave_out(&[elsewhere]).unwrap(), 0);
        }
        assert_eq!(copy.count(Fate::Carries), 1);

        // Where both carry the attribute, an error in the nested function is its own.
        let dir = scratch.join("peers/async-backtrace");
        let mut copy =
            DerivedCopy::make(&annotated, &dir, Variant::AsyncBacktrace, Path::new("/s")).unwrap();
        assert_eq!(copy.count(Fate::Carries), 5);
        assert_eq!(
            copy.leave_out(&[error_at("src/lib.rs", 16, "e")]).unwrap(),
            1
        );
        let lib = fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert!(lib.contains("#[instrument] #[async_backtrace::framed] pub async fn get"));
        assert!(lib.contains("\n        async fn nested() {}\n"), "{lib}");
        fs::remove_dir_all(&scratch).unwrap();
    }
}
