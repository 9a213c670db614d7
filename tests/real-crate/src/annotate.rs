//! The annotation pass: `#[stackless::inspect]` on every `async fn` of one source file.
//!
//! ```text
//! Input:
//!     #[instrument(skip(self))]
//!     pub async fn get(&mut self, key: &str) -> crate::Result<Option<Bytes>> { .. }
//! Output:
//!     #[instrument(skip(self))]
//!     #[stackless::inspect] pub async fn get(&mut self, key: &str) -> crate::Result<Option<Bytes>> { .. }
//! ```
//!
//! The attribute goes in as text, on the function's own line, right before its visibility or
//! signature. Every other byte of the file stays where it was (comments, formatting), so line
//! numbers in compiler errors, in reports and in doc-test names are the original's. Functions
//! the attribute cannot take are left alone and listed with the reason
//! ([`SkipReason`](crate::annotate::SkipReason)).

use std::fmt;

use proc_macro2::{LineColumn, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Signature, Visibility};

/// What goes in front of each annotated function. `stackless::` rather than `::stackless::`:
/// in edition 2015 code a leading `::` names the crate root, not an external crate.
pub const ATTRIBUTE: &str = "#[stackless::inspect] ";

/// One file after the pass: its new text and every `async fn` found in it, in source order.
#[derive(Debug)]
pub struct AnnotatedFile {
    pub text: String,
    pub functions: Vec<AsyncFn>,
}

/// One `async fn` and what the pass did with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsyncFn {
    pub name: String,
    /// Line of the function's name, from 1: where `stackless::report()` locates it.
    pub line: usize,
    pub place: Place,
    /// The function or an item around it carries `#[cfg(..)]`, so not every build compiles it.
    pub behind_cfg: bool,
    pub outcome: Outcome,
}

/// Where the function is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Free,
    InherentMethod,
    TraitImplMethod,
    /// Declared in a trait, with or without a default body.
    TraitMethod,
    /// In the tokens of a macro invocation or `macro_rules!`, which are not parsed as items.
    MacroTokens,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Annotated,
    /// It already carried `#[stackless::inspect]`; left untouched.
    AlreadyAnnotated,
    Skipped(SkipReason),
}

/// Why a function was left without the attribute.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// A trait method declared without a body. README, Limitations: "Only `async fn`s with a
    /// body"; the macro's error points at the `impl`s instead.
    NoBody,
    /// `#[tokio::main]`, `#[tokio::test]` and the like take the `async fn` itself and return a
    /// plain `fn`, as does `#[stackless::inspect]`: stacked in either order, the inner one sees
    /// a plain `fn` and rejects it.
    EntryPoint { attribute: String },
    /// A method of an `#[async_trait]` impl or trait. README, Limitations: "`#[async_trait]`
    /// methods are not `async fn`s by the time the attribute sees them".
    AsyncTrait,
    /// Inside a macro's tokens: the pass, like the compiler, only sees them once expanded.
    InsideMacro,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NoBody => {
                f.write_str("trait method without a body (README, Limitations: only `async fn`s with a body)")
            }
            SkipReason::EntryPoint { attribute } => write!(
                f,
                "`#[{attribute}]` takes the `async fn` itself and returns a plain `fn`; the two attributes cannot be stacked"
            ),
            SkipReason::AsyncTrait => f.write_str(
                "method of an `#[async_trait]` impl or trait (README, Limitations: not an `async fn` by the time the attribute sees it)",
            ),
            SkipReason::InsideMacro => {
                f.write_str("inside a macro's tokens, which are not items until the macro expands")
            }
        }
    }
}

/// Annotates every `async fn` of `text` that the attribute can take.
pub fn annotate(text: &str) -> syn::Result<AnnotatedFile> {
    let file = syn::parse_file(text)?;
    let mut finder = Finder::default();
    finder.visit_file(&file);
    let mut found = finder.found;
    found.sort_by_key(|found| found.function.line);

    let mut offsets: Vec<usize> = found
        .iter()
        .filter_map(|found| found.insert_at)
        .map(|at| byte_offset(text, at))
        .collect();
    offsets.sort_unstable();
    let mut annotated = String::with_capacity(text.len() + offsets.len() * ATTRIBUTE.len());
    let mut copied = 0;
    for offset in offsets {
        annotated.push_str(&text[copied..offset]);
        annotated.push_str(ATTRIBUTE);
        copied = offset;
    }
    annotated.push_str(&text[copied..]);

    Ok(AnnotatedFile {
        text: annotated,
        functions: found.into_iter().map(|found| found.function).collect(),
    })
}

struct Found {
    function: AsyncFn,
    /// Where the attribute goes, for a function that gets one.
    insert_at: Option<LineColumn>,
}

/// The impl or trait whose items are being visited.
#[derive(Clone, Copy)]
struct Container {
    place: Place,
    async_trait: bool,
}

#[derive(Default)]
struct Finder {
    found: Vec<Found>,
    /// How many items around the current one carry `#[cfg(..)]`.
    cfg_depth: usize,
    container: Option<Container>,
}

impl Finder {
    /// Records `sig` if it is an `async fn`, annotated or skipped. `container` is the impl or
    /// trait it sits directly in.
    fn consider(
        &mut self,
        attrs: &[Attribute],
        vis: &Visibility,
        sig: &Signature,
        body: bool,
        container: Option<Container>,
    ) {
        if sig.asyncness.is_none() {
            return;
        }
        let place = container.map_or(Place::Free, |container| container.place);
        let outcome = if attrs.iter().any(is_stackless_inspect) {
            Outcome::AlreadyAnnotated
        } else if !body {
            Outcome::Skipped(SkipReason::NoBody)
        } else if let Some(attribute) = attrs.iter().find_map(entry_point) {
            Outcome::Skipped(SkipReason::EntryPoint { attribute })
        } else if container.is_some_and(|container| container.async_trait) {
            Outcome::Skipped(SkipReason::AsyncTrait)
        } else {
            Outcome::Annotated
        };
        let insert_at = (outcome == Outcome::Annotated).then(|| match vis {
            Visibility::Inherited => sig.span().start(),
            visibility => visibility.span().start(),
        });
        self.found.push(Found {
            function: AsyncFn {
                name: sig.ident.to_string(),
                line: sig.ident.span().start().line,
                place,
                behind_cfg: self.cfg_depth > 0 || attrs.iter().any(is_cfg),
                outcome,
            },
            insert_at,
        });
    }

    /// Visits what an item contains, with its `#[cfg]` counted and, for an impl or a trait,
    /// `container` as the home of the functions directly inside.
    fn within(
        &mut self,
        attrs: &[Attribute],
        container: Option<Container>,
        visit: impl FnOnce(&mut Self),
    ) {
        let gated = attrs.iter().any(is_cfg);
        self.cfg_depth += usize::from(gated);
        let outer = std::mem::replace(&mut self.container, container);
        visit(self);
        self.container = outer;
        self.cfg_depth -= usize::from(gated);
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_file(&mut self, file: &'ast syn::File) {
        self.within(&file.attrs, None, |finder| visit::visit_file(finder, file));
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        // A free function, even when it is nested in a method's body.
        self.consider(&item.attrs, &item.vis, &item.sig, true, None);
        self.within(&item.attrs, None, |finder| {
            visit::visit_item_fn(finder, item)
        });
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.within(&item.attrs, None, |finder| {
            visit::visit_item_mod(finder, item)
        });
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let container = Container {
            place: match item.trait_ {
                Some(_) => Place::TraitImplMethod,
                None => Place::InherentMethod,
            },
            async_trait: item.attrs.iter().any(is_async_trait),
        };
        self.within(&item.attrs, Some(container), |finder| {
            visit::visit_item_impl(finder, item);
        });
    }

    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        let container = Container {
            place: Place::TraitMethod,
            async_trait: item.attrs.iter().any(is_async_trait),
        };
        self.within(&item.attrs, Some(container), |finder| {
            visit::visit_item_trait(finder, item);
        });
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.consider(&item.attrs, &item.vis, &item.sig, true, self.container);
        self.within(&item.attrs, None, |finder| {
            visit::visit_impl_item_fn(finder, item);
        });
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        let body = item.default.is_some();
        let container = self.container;
        self.consider(
            &item.attrs,
            &Visibility::Inherited,
            &item.sig,
            body,
            container,
        );
        self.within(&item.attrs, None, |finder| {
            visit::visit_trait_item_fn(finder, item);
        });
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        for (name, line) in async_fns_in_tokens(mac.tokens.clone()) {
            self.found.push(Found {
                function: AsyncFn {
                    name,
                    line,
                    place: Place::MacroTokens,
                    behind_cfg: self.cfg_depth > 0,
                    outcome: Outcome::Skipped(SkipReason::InsideMacro),
                },
                insert_at: None,
            });
        }
    }
}

// Input:   tokens of `macro_rules! m { () => { pub async unsafe fn f() {} } }`
// Output:  [("f", line of `f`)]
fn async_fns_in_tokens(tokens: TokenStream) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    let mut after_async = false;
    let mut after_fn = false;
    for token in tokens {
        match &token {
            TokenTree::Group(group) => found.extend(async_fns_in_tokens(group.stream())),
            TokenTree::Ident(ident) if after_fn => {
                found.push((ident.to_string(), ident.span().start().line));
            }
            TokenTree::Ident(ident) if after_async && ident == "fn" => {
                after_fn = true;
                after_async = false;
                continue;
            }
            // `async unsafe extern "C" fn`: qualifiers between `async` and `fn`.
            TokenTree::Ident(ident) if after_async && (ident == "unsafe" || ident == "extern") => {
                continue;
            }
            TokenTree::Literal(_) if after_async => continue,
            _ => {}
        }
        after_async = matches!(&token, TokenTree::Ident(ident) if ident == "async");
        after_fn = false;
    }
    found
}

fn is_cfg(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg")
}

fn is_stackless_inspect(attr: &Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    segments == ["stackless", "inspect"]
}

fn is_async_trait(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "async_trait")
}

/// `tokio::main`, `tokio::test`, `async_std::test`, `actix_web::main`, ...: an attribute that
/// turns an `async fn` into a plain entry point.
fn entry_point(attr: &Attribute) -> Option<String> {
    let path = attr.path();
    let last = path.segments.last()?;
    if last.ident != "main" && last.ident != "test" {
        return None;
    }
    let names: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    Some(names.join("::"))
}

/// The byte offset of a proc-macro2 position: line from 1, column in chars from 0, counted
/// after a leading byte-order mark (which `syn::parse_file` strips).
fn byte_offset(text: &str, at: LineColumn) -> usize {
    let body_start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut line_start = body_start;
    for _ in 1..at.line {
        let newline = text[line_start..]
            .find('\n')
            .expect("a token's line is in the file");
        line_start += newline + 1;
    }
    let line = &text[line_start..];
    let column = line
        .char_indices()
        .nth(at.column)
        .map_or(line.len(), |(offset, _)| offset);
    line_start + column
}

#[cfg(test)]
mod tests;
