//! Which items the attribute accepts: an `async fn` with a body, and nothing else.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Item, ItemFn, Safety, TraitItemFn};

/// Parses the annotated item, or explains (on its offending tokens) why it cannot be inspected.
pub(crate) fn parse(item: TokenStream) -> syn::Result<ItemFn> {
    if let Ok(function) = syn::parse2::<ItemFn>(item.clone()) {
        check_signature(&function)?;
        return Ok(function);
    }
    if let Ok(TraitItemFn {
        semi_token: Some(semicolon),
        ..
    }) = syn::parse2::<TraitItemFn>(item.clone())
    {
        return Err(syn::Error::new_spanned(
            semicolon,
            "`#[stackless::inspect]` needs the function's body; put it on the `async fn` in each `impl` (or on a default body in the trait)",
        ));
    }
    let what = match syn::parse2::<Item>(item.clone()) {
        Ok(item) => describe(&item),
        Err(_) => None,
    };
    let message = match what {
        Some((tokens, kind)) => {
            return Err(syn::Error::new_spanned(
                tokens,
                format!("`#[stackless::inspect]` goes on an `async fn`, not on {kind}"),
            ));
        }
        None => "`#[stackless::inspect]` goes on an `async fn` with a body",
    };
    Err(syn::Error::new_spanned(item, message))
}

fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    if let Some(constness) = &sig.constness {
        let message = match sig.asyncness {
            Some(_) => "an `async fn` cannot be `const`; remove `const`",
            None => "`#[stackless::inspect]` goes on an `async fn`, not on a `const fn`",
        };
        return Err(syn::Error::new_spanned(constness, message));
    }
    if let Some(abi) = &sig.abi {
        return Err(syn::Error::new_spanned(
            abi,
            "`#[stackless::inspect]` goes on a Rust `async fn`, not on an `extern` fn; put it on the `async fn` this function calls",
        ));
    }
    if sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            sig.fn_token,
            "the `async` keyword is missing from the function declaration: `#[stackless::inspect]` goes on an `async fn`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            variadic,
            "an `async fn` cannot be variadic",
        ));
    }
    if let Safety::Safe(safe) = &sig.safety {
        return Err(syn::Error::new_spanned(
            safe,
            "`safe` is only allowed on items in `unsafe extern` blocks",
        ));
    }
    Ok(())
}

/// The leading tokens of a non-function item and what to call it in the error.
fn describe(item: &Item) -> Option<(TokenStream, &'static str)> {
    let found = match item {
        Item::Struct(item) => (item.struct_token.to_token_stream(), "a struct"),
        Item::Enum(item) => (item.enum_token.to_token_stream(), "an enum"),
        Item::Union(item) => (item.union_token.to_token_stream(), "a union"),
        Item::Trait(item) => (
            item.trait_token.to_token_stream(),
            "a trait; put it on the `async fn`s inside",
        ),
        Item::Impl(item) => (
            item.impl_token.to_token_stream(),
            "an `impl` block; put it on the `async fn`s inside",
        ),
        Item::Mod(item) => (item.mod_token.to_token_stream(), "a module"),
        Item::Const(item) => (item.const_token.to_token_stream(), "a constant"),
        Item::Static(item) => (item.static_token.to_token_stream(), "a static"),
        Item::Type(item) => (item.type_token.to_token_stream(), "a type alias"),
        Item::Use(item) => (item.use_token.to_token_stream(), "a `use` declaration"),
        Item::ForeignMod(item) => (item.abi.to_token_stream(), "an `extern` block"),
        Item::Macro(item) => (item.mac.path.to_token_stream(), "a macro invocation"),
        Item::ExternCrate(item) => (item.extern_token.to_token_stream(), "an `extern crate`"),
        _ => return None,
    };
    Some(found)
}
