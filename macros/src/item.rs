//! Which items the attribute accepts: an `async fn` with a body, and nothing else.
//!
//! A build that rewrites the function reads all of it ([`parse`]). With the `enabled` feature
//! off the attribute reads only up to the body ([`check`]) and hands the function back as
//! written: reading the body was four fifths of the attribute's work in such a build (the
//! compile-time benchmark's crate under callgrind), and rustc reads it anyway.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::parse::{ParseStream, Parser};
use syn::{AttrStyle, Attribute, ForeignItemFn, Item, ItemFn, Signature, Visibility};

/// The annotated function, whole, or an error (on the offending tokens) saying why it cannot
/// be inspected.
pub(crate) fn parse(item: TokenStream) -> syn::Result<ItemFn> {
    match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => {
            accepts(&function.attrs, &function.sig)?;
            Ok(function)
        }
        Err(error) => {
            check(item)?;
            // A function the attribute accepts, up to its body: the body is what syn cannot
            // read, and the error says so where reading stopped. That the item is no `async fn`
            // with a body would be wrong.
            Err(syn::Error::new(
                error.span(),
                format!("`#[stackless::inspect]` cannot read this function's body: {error}"),
            ))
        }
    }
}

/// What the feature off checks: the item is an `async fn` the attribute accepts, as far as its
/// body, which is left unread.
pub(crate) fn check(item: TokenStream) -> syn::Result<()> {
    match up_to_the_body(&item) {
        Some((attrs, sig)) => accepts(&attrs, &sig),
        None => Err(not_a_function_with_a_body(item)),
    }
}

fn accepts(attrs: &[Attribute], sig: &Signature) -> syn::Result<()> {
    check_inspected_once(attrs)?;
    check_signature(sig)
}

/// The attributes and the signature of a function with a body in braces. The body is split
/// off unread: syn would copy every token of it into its buffer, each a call into the compiler.
fn up_to_the_body(item: &TokenStream) -> Option<(Vec<Attribute>, Signature)> {
    let mut trees: Vec<TokenTree> = item.clone().into_iter().collect();
    match trees.pop()? {
        TokenTree::Group(body) if body.delimiter() == Delimiter::Brace => {}
        _ => return None,
    }
    let signature = |input: ParseStream| {
        let attrs = input.call(Attribute::parse_outer)?;
        input.parse::<Visibility>()?;
        let sig = input.parse::<Signature>()?;
        Ok((attrs, sig))
    };
    signature.parse2(trees.into_iter().collect()).ok()
}

/// Why an item that is no function with a body cannot be inspected.
fn not_a_function_with_a_body(item: TokenStream) -> syn::Error {
    // A declaration ending in `;`: a trait method, a function in an `extern` block, or a free
    // function missing its body.
    if let Ok(declaration) = syn::parse2::<ForeignItemFn>(item.clone()) {
        return without_body(&declaration);
    }
    if let Some(error) = misplaced_safe(&item) {
        return error;
    }
    let what = match syn::parse2::<Item>(item.clone()) {
        Ok(item) => describe(&item),
        Err(_) => None,
    };
    match what {
        Some((tokens, kind)) => syn::Error::new_spanned(
            tokens,
            format!("`#[stackless::inspect]` goes on an `async fn`, not on {kind}"),
        ),
        None => syn::Error::new_spanned(
            item,
            "`#[stackless::inspect]` goes on an `async fn` with a body",
        ),
    }
}

/// A second `#[stackless::inspect]` would see the function this one returns, no longer `async`,
/// and report that instead. The error is this expansion's; the item goes back as written, so
/// the second attribute still expands it, once.
fn check_inspected_once(attrs: &[Attribute]) -> syn::Result<()> {
    match attrs.iter().find(|attr| is_stackless_inspect(attr)) {
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
    let (_, sig) = up_to_the_body(&trees.into_iter().collect())?;
    let mut error = syn::Error::new_spanned(
        safe,
        "`safe` is only allowed on items in `unsafe extern` blocks; remove it",
    );
    if let Err(more) = check_signature(&sig) {
        error.combine(more);
    }
    Some(error)
}

fn check_signature(sig: &Signature) -> syn::Result<()> {
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
