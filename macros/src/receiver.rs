//! Renaming `self` in the body, so the receiver can be rebound like any other parameter.
//!
//! Input:   self.buffer.len() + helper!(self)
//! Output:  __stackless_self.buffer.len() + helper!(__stackless_self)
//!
//! The same technique async-trait uses. Nested items (a `fn` or `impl` inside the body) have a
//! `self` of their own and are left alone; closures and async blocks capture the outer one and
//! are renamed.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use syn::visit_mut::{self, VisitMut};
use syn::{Block, ExprPath, Item, Macro};

pub(crate) fn rename_self(body: &mut Block, renamed: &Ident) {
    RenameSelf { renamed }.visit_block_mut(body);
}

struct RenameSelf<'a> {
    renamed: &'a Ident,
}

impl RenameSelf<'_> {
    fn renamed_at(&self, original: &Ident) -> Ident {
        Ident::new(&self.renamed.to_string(), original.span())
    }

    fn rename_tokens(&self, tokens: TokenStream) -> TokenStream {
        tokens
            .into_iter()
            .map(|token| match token {
                TokenTree::Ident(ident) if ident == "self" => {
                    TokenTree::Ident(self.renamed_at(&ident))
                }
                TokenTree::Group(group) => {
                    let mut renamed =
                        Group::new(group.delimiter(), self.rename_tokens(group.stream()));
                    renamed.set_span(group.span());
                    TokenTree::Group(renamed)
                }
                other => other,
            })
            .collect()
    }
}

impl VisitMut for RenameSelf<'_> {
    fn visit_expr_path_mut(&mut self, path: &mut ExprPath) {
        if path.qself.is_none() && path.path.is_ident("self") {
            let original = &path.path.segments[0].ident;
            path.path.segments[0].ident = self.renamed_at(original);
        }
        visit_mut::visit_expr_path_mut(self, path);
    }

    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        mac.tokens = self.rename_tokens(std::mem::take(&mut mac.tokens));
    }

    fn visit_item_mut(&mut self, _: &mut Item) {}
}
