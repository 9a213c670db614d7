//! Renaming `self` in the body, so the receiver can be rebound like any other parameter.
//!
//! Input:   self.buffer.len() + helper!(self)
//! Output:  __stackless_self.buffer.len() + helper!(__stackless_self)
//!
//! The same technique async-trait uses. The new name is hygienic, so a user's own
//! `__stackless_self` stays distinct. Nested items (a `fn` or `impl` inside the body) have a
//! `self` of their own and are left alone; closures, async blocks and `macro_rules!` defined in
//! the body see the outer one and are renamed. `self::path` is a path, not the receiver.

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
    /// The hidden binding, pointing at the `self` it replaces (for error messages).
    fn renamed_at(&self, original: &Ident) -> Ident {
        let mut renamed = self.renamed.clone();
        renamed.set_span(self.renamed.span().located_at(original.span()));
        renamed
    }

    fn rename_tokens(&self, tokens: TokenStream) -> TokenStream {
        let mut tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for i in 0..tokens.len() {
            let starts_path = matches!(
                (tokens.get(i + 1), tokens.get(i + 2)),
                (Some(TokenTree::Punct(first)), Some(TokenTree::Punct(second)))
                    if first.as_char() == ':' && second.as_char() == ':'
            );
            let renamed = match &tokens[i] {
                TokenTree::Ident(ident) if ident == "self" && !starts_path => {
                    TokenTree::Ident(self.renamed_at(ident))
                }
                TokenTree::Group(group) => {
                    let mut renamed =
                        Group::new(group.delimiter(), self.rename_tokens(group.stream()));
                    renamed.set_span(group.span());
                    TokenTree::Group(renamed)
                }
                _ => continue,
            };
            tokens[i] = renamed;
        }
        tokens.into_iter().collect()
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

    fn visit_item_mut(&mut self, item: &mut Item) {
        // A `macro_rules!` in the body expands where it is used, in reach of the receiver.
        if let Item::Macro(item) = item {
            self.visit_macro_mut(&mut item.mac);
        }
    }
}
