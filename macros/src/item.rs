//! Which items the attribute accepts: an `async fn` with a body, and nothing else.

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{AttrStyle, Attribute, ForeignItemFn, Item, ItemFn};

/// Parses the annotated item, or explains (on its offending tokens) why it cannot be inspected.
pub(crate) fn parse(item: TokenStream) -> syn::Result<ItemFn> {
    if let Ok(function) = syn::parse2::<ItemFn>(item.clone()) {
        check_inspected_once(&function)?;
        check_signature(&function)?;
        return Ok(function);
    }
    // A declaration ending in `;`: a trait method, a function in an `extern` block, or a free
    // function missing its body.
    if let Ok(declaration) = syn::parse2::<ForeignItemFn>(item.clone()) {
        return Err(without_body(&declaration));
    }
    if let Some(error) = misplaced_safe(&item) {
        return Err(error);
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

/// A second `#[stackless::inspect]` would see the function this one returns, no longer `async`,
/// and report that instead. The error is this expansion's; the item goes back as written, so
/// the second attribute still expands it, once.
fn check_inspected_once(function: &ItemFn) -> syn::Result<()> {
    match function
        .attrs
        .iter()
        .find(|attr| is_stackless_inspect(attr))
    {
        Some(second) => Err(syn::Error::new_spanned(
            second,
            "`#[stackless::inspect]` is applied twice; remove one",
        )),
        None => Ok(()),
    }
}

/// `#[stackless::inspect]` or `#[::stackless::inspect]`; a bare `#[inspect]` may be another
/// crate's attribute.
fn is_stackless_inspect(attr: &Attribute) -> bool {
    let segments = &attr.path().segments;
    matches!(attr.style, AttrStyle::Outer)
        && segments.len() == 2
        && segments[0].ident == "stackless"
        && segments[1].ident == "inspect"
        && segments.iter().all(|segment| segment.arguments.is_none())
}

/// The error for a function declared without a body. Without `async` either it may be an
/// imported (`extern` block) function; with a receiver it is most likely a trait method.
fn without_body(declaration: &ForeignItemFn) -> syn::Error {
    let ForeignItemFn {
        vis,
        sig,
        semi_token,
        ..
    } = declaration;
    if sig.asyncness.is_none() {
        return syn::Error::new_spanned(
            quote!(#vis #sig #semi_token),
            "`#[stackless::inspect]` goes on an `async fn` with a body; a declaration with neither (in an `extern` block or a trait) has nothing to inspect",
        );
    }
    let message = match sig.receiver() {
        Some(_) => {
            "`#[stackless::inspect]` needs the function's body; put it on the `async fn` in each `impl` (or on a default body in the trait)"
        }
        None => "`#[stackless::inspect]` needs the function's body",
    };
    syn::Error::new_spanned(semi_token, message)
}

// Input:   async safe fn fetch() -> u32 { 1 }
// Output:  an error on `safe` (and on anything else wrong with the function without it)
//
// syn reads `safe` only in an `extern` block, so a function with a body and `safe` does not
// parse as one; rustc reports the same item as "cannot be declared with `safe`".
fn misplaced_safe(item: &TokenStream) -> Option<syn::Error> {
    let mut trees: Vec<TokenTree> = item.clone().into_iter().collect();
    let is_word =
        |tree: &TokenTree, word: &str| matches!(tree, TokenTree::Ident(ident) if ident == word);
    let fn_at = trees.iter().position(|tree| is_word(tree, "fn"))?;
    let safe_at = trees[..fn_at]
        .iter()
        .position(|tree| is_word(tree, "safe"))?;
    let safe = trees.remove(safe_at);
    let function = syn::parse2::<ItemFn>(trees.into_iter().collect()).ok()?;
    let mut error = syn::Error::new_spanned(
        safe,
        "`safe` is only allowed on items in `unsafe extern` blocks; remove it",
    );
    if let Err(more) = check_signature(&function) {
        error.combine(more);
    }
    Some(error)
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
