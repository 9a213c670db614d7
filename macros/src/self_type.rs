//! The call that wraps the state machine, and how it learns the name of `Self` for reports.
//!
//! Input:   async fn get(&self, key: u32) -> u32 { .. }
//! Output:  ::stackless::__private::instrument::<__StacklessSite, u32, _>(
//!              ::stackless::__private::self_type_of(&raw const *self),
//!              async move { .. },
//!          )
//!
//! A receiver written without a type (`self`, `&self`, `&mut self`) gives `Self` by inference
//! from a pointer to the receiver, so the expansion never spells `Self`: outside an `impl`
//! rustc's own "`self` parameter is only allowed in associated functions" is then the only
//! error, with no "cannot find type `Self`" on the attribute. The pointer is only a type
//! witness: it is never read, and a raw pointer holds no borrow, so `self` still moves into
//! the future. A signature that names `Self` itself lends that token instead
//! (`self_type::<Self>()`). Any other function passes `None`.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{ReceiverKind, Signature};

/// `instrument::<site, output, _>(self_type, body)`.
pub(crate) fn instrument_call(
    sig: &Signature,
    site: &Ident,
    output_hint: &TokenStream,
    body: &TokenStream,
) -> TokenStream {
    let receiver = sig.receiver().filter(|receiver| {
        // A typed receiver (`self: Box<Self>`) names `Self` itself: the next case.
        matches!(
            receiver.kind,
            ReceiverKind::Value | ReceiverKind::Reference(..)
        )
    });
    let self_type = if let Some(receiver) = receiver {
        let self_token = receiver.self_token;
        let pointer = match receiver.kind {
            ReceiverKind::Value => quote!(&raw const #self_token),
            _ => quote!(&raw const *#self_token),
        };
        quote!(::stackless::__private::self_type_of(#pointer))
    } else {
        match self_type_in(sig) {
            // The user's own token: outside an `impl`, rustc's error on it is the only one.
            Some(self_type) => quote!(::stackless::__private::self_type::<#self_type>()),
            None => quote!(::core::option::Option::None),
        }
    };
    quote!(::stackless::__private::instrument::<#site, #output_hint, _>(#self_type, #body))
}

/// The first `Self` in the parameters or the return type.
fn self_type_in(sig: &Signature) -> Option<Ident> {
    fn find(tokens: TokenStream) -> Option<Ident> {
        tokens.into_iter().find_map(|token| match token {
            TokenTree::Ident(ident) if ident == "Self" => Some(ident),
            TokenTree::Group(group) => find(group.stream()),
            _ => None,
        })
    }
    find(sig.inputs.to_token_stream()).or_else(|| find(sig.output.to_token_stream()))
}
