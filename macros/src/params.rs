//! Moving the parameters into the state machine the way rustc does for an `async fn`.
//!
//! Input:
//!     async fn f(&self, mut a: A, (b, c): (B, C), _: D) { body }
//! Output (signature, and the statements opening the `async move` block):
//!     fn f(&self, a: A, __arg2: (B, C), __arg3: D) -> impl Future<..> {
//!         .. async move {
//!             let __stackless_self = self;
//!             let mut a = a;
//!             let mut __arg2 = __arg2;
//!             let (b, c) = __arg2;
//!             let mut __arg3 = __arg3;
//!             let _ = __arg3;
//!             ..
//!
//! This mirrors rustc's lowering of `async fn` (`lower_coroutine_body_with_moved_arguments`):
//! every parameter is captured whole and then moved into a local, in declaration order, so the
//! state machine stores what the real one stores (an argument used after an `.await` is kept
//! twice, rust-lang/rust#62958) and drops in the same order. `self` cannot be rebound by name,
//! so it becomes `__stackless_self` (see `receiver.rs`).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{FnArg, Ident, Pat, PatIdent, Token};

pub(crate) struct Params {
    /// The parameters of the generated (non-async) function.
    pub(crate) signature: Punctuated<FnArg, Token![,]>,
    /// `let` statements that move each parameter into the future.
    pub(crate) moves: TokenStream,
    /// `__stackless_self`, when the function has a receiver.
    pub(crate) renamed_self: Option<Ident>,
}

pub(crate) fn move_into_future(inputs: &Punctuated<FnArg, Token![,]>) -> Params {
    let mut signature = inputs.clone();
    let mut moves = TokenStream::new();
    let mut renamed_self = None;
    for (index, arg) in signature.iter_mut().enumerate() {
        match arg {
            FnArg::Receiver(receiver) => {
                // Hygienic (mixed-site), so a user's own `__stackless_self` stays distinct.
                let renamed = Ident::new(
                    "__stackless_self",
                    Span::mixed_site().located_at(receiver.self_token.span),
                );
                let self_token = receiver.self_token;
                let mutability = receiver.mutability.take();
                let attrs = &receiver.attrs;
                moves.extend(quote!(#(#attrs)* let #mutability #renamed = #self_token;));
                renamed_self = Some(renamed);
            }
            FnArg::Typed(typed) => {
                let attrs = &typed.attrs;
                let pattern = &*typed.pat;
                match simple_binding(pattern) {
                    Some(ident) => {
                        moves.extend(quote!(#(#attrs)* let #pattern = #ident;));
                        *typed.pat = Pat::Ident(PatIdent {
                            attrs: Vec::new(),
                            by_ref: None,
                            mutability: None,
                            ident,
                            subpat: None,
                        });
                    }
                    None => {
                        let placeholder =
                            format_ident!("__arg{}", index, span = Span::mixed_site());
                        // `ref x` is spelled `let ref x = ..` here, which clippy would flag in
                        // the user's code.
                        let by_ref = matches!(
                            pattern,
                            Pat::Ident(PatIdent {
                                by_ref: Some(_),
                                ..
                            })
                        )
                        .then(|| quote!(#[allow(clippy::toplevel_ref_arg)]));
                        moves.extend(quote! {
                            #(#attrs)* #[allow(unused_mut)] let mut #placeholder = #placeholder;
                            #(#attrs)* #by_ref let #pattern = #placeholder;
                        });
                        *typed.pat = Pat::Ident(PatIdent {
                            attrs: Vec::new(),
                            by_ref: None,
                            mutability: None,
                            ident: placeholder,
                            subpat: None,
                        });
                    }
                }
            }
        }
    }
    Params {
        signature,
        moves,
        renamed_self,
    }
}

/// rustc's "simple parameter": a by-value binding (`x`, `mut x`, `x @ ..`) keeps its name.
fn simple_binding(pattern: &Pat) -> Option<Ident> {
    match pattern {
        Pat::Ident(PatIdent {
            by_ref: None,
            ident,
            ..
        }) => Some(ident.clone()),
        _ => None,
    }
}
