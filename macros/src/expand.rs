//! `#[stackless::inspect]`: parse the options and the function, rewrite it, print it.
//!
//! Input:
//!     #[stackless::inspect(budget = 8192)]
//!     pub async fn fetch(url: &str) -> Page { let conn = connect(url).await; .. }
//! Output:
//!     pub fn fetch(url: &str) -> impl ::core::future::Future<Output = Page> {
//!         enum __StacklessSite {}               // names this function in types
//!         impl Site for __StacklessSite {
//!             const FN: &FnMeta = {             // name, location, await points; registered
//!                 FUNCTIONS! { static __STACKLESS_FN: FnMeta = FnMeta::new(..); }
//!                 &__STACKLESS_FN
//!             };
//!             const BUDGET: .. = Some(8192);    // (and its name and location, for the error)
//!         }
//!         ::stackless::__private::instrument::<__StacklessSite, Page, _>(None, async move {
//!             if false { let r: Page = loop {}; return r; }     // pins the output type
//!             let url = url;                                     // params.rs
//!             let __stackless_ret = {                            // the body, with marks
//!                 let conn = enter(0u16, connect(url)).await; ..
//!             };
//!             __stackless_ret
//!         })
//!     }
//!
//! The `impl Future` is spelled with this crate's spans, and this crate is edition 2024, so it
//! captures every lifetime in scope, exactly as an `async fn` does, whatever the caller's
//! edition. Binding the body's value before returning it drops the body's temporaries before
//! the parameters, as rustc's `drop-temps` does for an `async fn`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, ItemFn, ReturnType, Type};

use crate::args::Args;
use crate::await_points::{self, AwaitPoint, Found, Marks};
use crate::{item, params, receiver, self_type};

/// Most await points one function may have (the mark's index is a `u16` with a few values
/// reserved); mirrors `stackless_inspect::__private::MAX_AWAIT_POINTS`.
const MAX_AWAIT_POINTS: usize = u16::MAX as usize - 3;

/// Expands the attribute; with `enabled` false (the `enabled` feature off) a valid function is
/// returned exactly as written. `marks` says how its await points are marked.
pub(crate) fn inspect(
    args: TokenStream,
    item: TokenStream,
    enabled: bool,
    marks: Marks,
) -> TokenStream {
    let parsed_args = syn::parse2::<Args>(args.clone());
    // With the feature off, the body is not read: see `item`.
    let parsed_item = match enabled {
        true => item::parse(item.clone()).map(Some),
        false => item::check(item.clone()).map(|()| None),
    };
    let (args_parsed, function) = match (parsed_args, parsed_item) {
        (Ok(parsed_args), Ok(function)) => (parsed_args, function),
        (args_result, item_result) => {
            let errors = [args_result.err(), item_result.err()]
                .into_iter()
                .flatten()
                .reduce(|mut all, next| {
                    all.combine(next);
                    all
                })
                .expect("one of the two failed");
            return with_error(item, errors);
        }
    };
    // Read only with the feature on; off, the function goes back as written.
    let Some(function) = function else {
        return item;
    };
    if let Some(position) = first_instrumenting_attribute(&function.attrs) {
        return expand_after(function, position, args);
    }
    match expand(args_parsed, function, marks) {
        Ok(tokens) => tokens,
        Err(error) => with_error(item, error),
    }
}

/// The original item, so the rest of the crate (and rust-analyzer) keeps working, and the error.
fn with_error(item: TokenStream, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    quote!(#item #error)
}

/// Attributes such as `#[tracing::instrument]` understand `async fn` but not the function this
/// macro returns. When one comes below ours, let it expand first.
fn first_instrumenting_attribute(attrs: &[Attribute]) -> Option<usize> {
    attrs.iter().position(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "instrument")
    })
}

// Input:   #[stackless::inspect(..)] #[a] #[tracing::instrument] #[b] async fn f() {}
// Output:  #[a] #[tracing::instrument] #[::stackless::inspect(..)] #[b] async fn f() {}
fn expand_after(mut function: ItemFn, position: usize, args: TokenStream) -> TokenStream {
    let ours: Attribute = syn::parse_quote!(#[::stackless::inspect(#args)]);
    function.attrs.insert(position + 1, ours);
    function.into_token_stream()
}

fn expand(args: Args, mut function: ItemFn, marks: Marks) -> syn::Result<TokenStream> {
    let site = format_ident!("__StacklessSite");
    let params = params::move_into_future(&function.sig.inputs);
    // Awaits first, so reports show `self.flush()` as written, not `__stackless_self.flush()`.
    let found = await_points::instrument(&mut function.block, &site, marks);
    let points = &found.points;
    if let Some(renamed_self) = &params.renamed_self {
        receiver::rename_self(&mut function.block, renamed_self);
    }
    if points.len() > MAX_AWAIT_POINTS {
        return Err(syn::Error::new(
            points[MAX_AWAIT_POINTS].span,
            format!(
                "`#[stackless::inspect]` supports at most {MAX_AWAIT_POINTS} await points in one function"
            ),
        ));
    }

    let ItemFn {
        attrs,
        vis,
        mut sig,
        block,
        ..
    } = function;
    let output = match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    // `?` and `return` in the body need the output type up front, as an `async fn` has it.
    // `impl Trait` cannot be named there; `_` in its place lets inference fill in only that.
    let output_hint = match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => infer_impl_trait(ty).to_token_stream(),
    };
    let registration = registration(&args, &sig, &site, &found);

    let moves = params.moves;
    let value = syn::Ident::new("__stackless_ret", Span::mixed_site());
    let return_type_span = match &sig.output {
        ReturnType::Default => sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    // A return edge of the declared type, never taken: it fixes the block's output type before
    // the body is checked, so `return` and the tail coerce as in an `async fn` (`Box::new(x)`
    // into `Box<dyn Trait>`), and a mismatch is reported against the signature's type. A
    // diverging `loop {}`, not a call returning the type: such a call changed the state
    // machine's layout in some functions (`tests/generated` found them).
    let fake = syn::Ident::new(
        "__stackless_fake_return",
        Span::mixed_site().located_at(return_type_span),
    );
    let pin_return_type = quote_spanned! {return_type_span=>
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::needless_return
        )]
        if false {
            let #fake: #output_hint = loop {};
            return #fake;
        }
    };
    // Spanned on the body, so rustc names the state machine `{async block@<the body>}`.
    // (`block.span()` is the same span, but prints the whole body to find it.)
    let body = quote_spanned!(block.brace_token.span.join()=> async move {
        #pin_return_type
        #moves
        let #value: #output_hint = #block;
        #[allow(unreachable_code)]
        #value
    });
    let instrument = self_type::instrument_call(&sig, &site, &output_hint, &body);
    let inline = inline_hint(&args, &attrs, marks);
    sig.asyncness = None;
    sig.inputs = params.signature;
    // Keeps this crate's span on `impl`: edition 2024 capture rules, see the module docs. As
    // tokens (`Verbatim`), not parsed back into a type: parsing it was 6 % of the macro's time.
    sig.output = ReturnType::Type(
        Default::default(),
        Box::new(Type::Verbatim(
            quote!(impl ::core::future::Future<Output = #output>),
        )),
    );
    // Inner attributes (`#![allow(..)]` opening the body) apply to the whole function.
    let (inner_attrs, outer_attrs): (Vec<Attribute>, Vec<Attribute>) = attrs
        .into_iter()
        .partition(|attr| matches!(attr.style, syn::AttrStyle::Inner(_)));
    Ok(quote! {
        #(#outer_attrs)*
        #inline
        #vis #sig {
            #(#inner_attrs)*
            #registration
            #instrument
        }
    })
}

// Input:   #[stackless::inspect] pub async fn f() {}
// Output:  #[inline] pub fn f() -> impl Future<..> { .. }
//
/// `#[inline]`, so that other crates can build the future in place, as they build a plain
/// `async fn`'s. rustc lets other crates inline a function that calls nothing (an optimised,
/// non-incremental build infers it), and a plain `async fn` calls nothing: it only stores its
/// arguments into the state machine. This one calls the counting, so without the hint a caller
/// in another crate built the future apart and copied it in. `cargo bench -p
/// stackless-overhead --bench overhead -- one_poll_from_another_crate` creates a future inside a
/// task's async block in another crate, polls it once and drops it: over plain, `one_await`
/// took 11.6 ns more without the hint and 4.2 ns with it, `kib_argument` (whose 1 KiB was
/// copied more often than plain's) 37.6 ns and 4.6 ns.
///
/// None where the function says how to inline it, or exports a symbol, and none with a
/// `budget`: rustc generates an `#[inline]` function only in the crates that call it, and the
/// budget is checked when the function is generated, so the check would leave the defining
/// crate's build. Nor in the layout command's build, whose output lists only the futures of
/// functions generated in the crate it builds.
fn inline_hint(args: &Args, attrs: &[Attribute], marks: Marks) -> Option<TokenStream> {
    const SAYING_HOW: [&str; 4] = ["inline", "no_mangle", "export_name", "unsafe"];
    let says_how = attrs.iter().any(|attr| match &attr.meta {
        // `#[cfg_attr(.., inline(never))]` too: rustc warns of a second `inline`, to become an
        // error.
        syn::Meta::List(list) if list.path.is_ident("cfg_attr") => {
            names_any(list.tokens.clone(), &SAYING_HOW)
        }
        meta => SAYING_HOW.iter().any(|name| meta.path().is_ident(name)),
    });
    (args.budget.is_none() && marks == Marks::Plain && !says_how).then(|| quote!(#[inline]))
}

/// Whether `tokens` hold one of `names` as an identifier, at any depth.
fn names_any(tokens: TokenStream, names: &[&str]) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => names.iter().any(|name| ident == name),
        proc_macro2::TokenTree::Group(group) => names_any(group.stream(), names),
        _ => false,
    })
}

/// The statics that describe the function, its registration, and the `Site` tying them to types.
fn registration(
    args: &Args,
    sig: &syn::Signature,
    site: &syn::Ident,
    found: &Found,
) -> TokenStream {
    let fn_name = sig.ident.to_string();
    let (name, name_is_override) = match &args.name {
        Some(name) => (name.value(), true),
        None => (fn_name.clone(), false),
    };
    let budget = match args.budget {
        Some((bytes, span)) => quote_spanned!(span=> ::core::option::Option::Some(#bytes)),
        None => quote!(::core::option::Option::None),
    };
    let fn_location = location(sig.ident.span());
    let awaits = found.points.iter().map(|point: &AwaitPoint| {
        let location = location(point.span);
        let expression = &point.expression;
        quote!(::stackless::__private::AwaitMeta::new(#location, #expression))
    });
    // The budget check runs in a `const`, which cannot read `FN`: it gets its facts as
    // constants of its own, and only functions with a budget pay for them.
    let budget_consts = args.budget.map(|(bytes, span)| {
        let fn_location_text = quote_spanned!(sig.ident.span()=>
            ::core::concat!(::core::file!(), ":", ::core::line!(), ":", ::core::column!())
        );
        quote_spanned! {span=>
            const BUDGET: ::core::option::Option<::core::primitive::usize> =
                ::core::option::Option::Some(#bytes);
            const NAME: &'static ::core::primitive::str = #fn_name;
            const LOCATION: &'static ::core::primitive::str = #fn_location_text;
        }
    });
    let unseen_awaits = found.unseen_awaits.then(|| {
        quote!(
            const UNSEEN_AWAITS: ::core::primitive::bool = true;
        )
    });
    // One `static` and one `const` per function: each item is a body rustc checks and
    // evaluates, the bulk of what the attribute costs a build. The await points are an
    // immutable array, promoted into the `static`; counters are allocated at run time. The
    // `static` is registered by the registry slice's own `macro_rules!` (see the runtime's
    // `registry.rs` for why not linkme's attribute).
    quote! {
        #[doc(hidden)]
        enum #site {}
        impl ::stackless::__private::Site for #site {
            const FN: &'static ::stackless::__private::FnMeta = {
                ::stackless::__private::FUNCTIONS! {
                #![linkme_macro = ::stackless::__private::FUNCTIONS]
                static __STACKLESS_FN: ::stackless::__private::FnMeta =
                    ::stackless::__private::FnMeta::new(
                        #name,
                        #name_is_override,
                        ::core::module_path!(),
                        #fn_location,
                        &[#(#awaits),*],
                        #budget,
                    );
                }
                &__STACKLESS_FN
            };
            #budget_consts
            #unseen_awaits
        }
    }
}

/// `file!(), line!(), column!()` of the token at `span`, evaluated where the user wrote it.
fn location(span: Span) -> TokenStream {
    quote_spanned!(span=> ::core::file!(), ::core::line!(), ::core::column!())
}

// Input:   Result<impl Iterator<Item = u8>, Error>
// Output:  Result<_, Error>
fn infer_impl_trait(ty: &Type) -> Type {
    struct InferImplTrait;
    impl VisitMut for InferImplTrait {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            match ty {
                Type::ImplTrait(impl_trait) => {
                    let span = impl_trait.impl_token.span;
                    *ty = syn::parse_quote_spanned!(span=> _);
                }
                _ => visit_mut::visit_type_mut(self, ty),
            }
        }
    }
    let mut ty = ty.clone();
    InferImplTrait.visit_type_mut(&mut ty);
    ty
}
