//! Reading the workspace's sources to put names and lines on what rustc printed: the awaited
//! expression at an `.await`'s line and column, and the parameters and `let` bindings of the
//! function whose body starts at a given place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use proc_macro2::{LineColumn, Span};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use super::analysis::FunctionSource;

/// Parsed source files, read on first use; a file that cannot be read or parsed is remembered
/// as such and every question about it answers `None`.
pub(crate) struct SourceIndex {
    root: PathBuf,
    files: HashMap<PathBuf, Option<SourceFile>>,
}

struct SourceFile {
    text: String,
    syntax: syn::File,
}

impl SourceIndex {
    pub(crate) fn new(root: &Path) -> Self {
        SourceIndex {
            root: root.to_owned(),
            files: HashMap::new(),
        }
    }

    fn file(&mut self, path: &Path) -> Option<&SourceFile> {
        let full = if path.is_absolute() {
            path.to_owned()
        } else {
            self.root.join(path)
        };
        self.files
            .entry(full.clone())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(&full).ok()?;
                let syntax = syn::parse_file(&text).ok()?;
                Some(SourceFile { text, syntax })
            })
            .as_ref()
    }

    /// The expression awaited by the `.await` whose `await` keyword is at `line:column`
    /// (1-based, as `line!()` and `column!()` count), whitespace normalised.
    pub(crate) fn awaited_expression(
        &mut self,
        path: &Path,
        line: u32,
        column: u32,
    ) -> Option<String> {
        let file = self.file(path)?;
        let wanted = position(line, column)?;
        let mut finder = FindAwait {
            wanted,
            found: None,
        };
        finder.visit_file(&file.syntax);
        let base = finder.found?;
        let text = file.text.get(base.byte_range())?;
        Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// The function whose body's opening brace is at `line:column` (1-based).
    pub(crate) fn function_at(
        &mut self,
        path: &Path,
        line: u32,
        column: u32,
    ) -> Option<FunctionSource> {
        let file = self.file(path)?;
        let wanted = position(line, column)?;
        let mut finder = FindFunction {
            wanted,
            found: None,
        };
        finder.visit_file(&file.syntax);
        let (ident, inputs, block) = finder.found?;
        let at = |span: Span| format!("{}:{}", path.display(), span.start().line);
        let parameters = inputs
            .iter()
            .flat_map(|input| match input {
                syn::FnArg::Receiver(receiver) => {
                    vec![("self".to_owned(), receiver.self_token.span)]
                }
                syn::FnArg::Typed(typed) => bound_names(&typed.pat),
            })
            .map(|(name, span)| (name, at(span)))
            .collect();
        let mut bindings = Vec::new();
        BindingCollector {
            bindings: &mut bindings,
        }
        .visit_block(&block);
        Some(FunctionSource {
            parameters,
            bindings: bindings
                .into_iter()
                .map(|(name, span)| (name, at(span)))
                .collect(),
            location: at(ident.span()),
        })
    }
}

/// 1-based line and column to proc-macro2's (1-based line, 0-based column).
fn position(line: u32, column: u32) -> Option<LineColumn> {
    Some(LineColumn {
        line: line as usize,
        column: (column as usize).checked_sub(1)?,
    })
}

struct FindAwait {
    wanted: LineColumn,
    found: Option<Span>,
}

impl<'ast> Visit<'ast> for FindAwait {
    fn visit_expr_await(&mut self, node: &'ast syn::ExprAwait) {
        if node.await_token.span.start() == self.wanted {
            self.found = Some(node.base.span());
        }
        visit::visit_expr_await(self, node);
    }
}

type FoundFunction = (syn::Ident, Vec<syn::FnArg>, syn::Block);

struct FindFunction {
    wanted: LineColumn,
    found: Option<FoundFunction>,
}

impl FindFunction {
    fn check(&mut self, sig: &syn::Signature, block: &syn::Block) {
        if block.brace_token.span.open().start() == self.wanted {
            self.found = Some((
                sig.ident.clone(),
                sig.inputs.iter().cloned().collect(),
                block.clone(),
            ));
        }
    }
}

impl<'ast> Visit<'ast> for FindFunction {
    fn visit_item_fn(&mut self, node: &'ast syn::ItemFn) {
        self.check(&node.sig, &node.block);
        visit::visit_item_fn(self, node);
    }

    fn visit_impl_item_fn(&mut self, node: &'ast syn::ImplItemFn) {
        self.check(&node.sig, &node.block);
        visit::visit_impl_item_fn(self, node);
    }

    fn visit_trait_item_fn(&mut self, node: &'ast syn::TraitItemFn) {
        if let Some(block) = &node.default {
            self.check(&node.sig, block);
        }
        visit::visit_trait_item_fn(self, node);
    }
}

/// Every name a pattern binds, with where.
fn bound_names(pattern: &syn::Pat) -> Vec<(String, Span)> {
    let mut names = Vec::new();
    struct Names<'a>(&'a mut Vec<(String, Span)>);
    impl<'ast> Visit<'ast> for Names<'_> {
        fn visit_pat_ident(&mut self, node: &'ast syn::PatIdent) {
            self.0.push((node.ident.to_string(), node.ident.span()));
            visit::visit_pat_ident(self, node);
        }
    }
    Names(&mut names).visit_pat(pattern);
    names
}

/// `let` bindings of a body, not descending into nested items.
struct BindingCollector<'a> {
    bindings: &'a mut Vec<(String, Span)>,
}

impl<'ast> Visit<'ast> for BindingCollector<'_> {
    fn visit_local(&mut self, node: &'ast syn::Local) {
        for (name, span) in bound_names(&node.pat) {
            if !self.bindings.iter().any(|(known, _)| *known == name) {
                self.bindings.push((name, span));
            }
        }
        visit::visit_local(self, node);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
