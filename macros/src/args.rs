//! The attribute's options: `#[stackless::inspect(budget = 4096, name = "fetch")]`.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitInt, LitStr, Token};

mod kw {
    syn::custom_keyword!(budget);
    syn::custom_keyword!(name);
}

const VALID_OPTIONS: &str = "valid options are `budget = <bytes>` and `name = \"...\"`";

#[derive(Default)]
pub(crate) struct Args {
    /// The largest future, in bytes, the function may build; with the span of its literal.
    pub(crate) budget: Option<(usize, Span)>,
    /// The name reports use instead of the function's path.
    pub(crate) name: Option<LitStr>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::budget) {
                let keyword: kw::budget = input.parse()?;
                input.parse::<Token![=]>()?;
                let bytes = parse_budget(input)?;
                if args.budget.replace(bytes).is_some() {
                    return Err(syn::Error::new_spanned(
                        keyword,
                        "duplicate option `budget`",
                    ));
                }
            } else if lookahead.peek(kw::name) {
                let keyword: kw::name = input.parse()?;
                input.parse::<Token![=]>()?;
                let name = parse_name(input)?;
                if args.name.replace(name).is_some() {
                    return Err(syn::Error::new_spanned(keyword, "duplicate option `name`"));
                }
            } else if input.peek(Ident::peek_any) {
                let unknown = input.call(Ident::parse_any)?;
                return Err(syn::Error::new_spanned(
                    &unknown,
                    format!("unknown option `{unknown}`; {VALID_OPTIONS}"),
                ));
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

fn parse_budget(input: ParseStream) -> syn::Result<(usize, Span)> {
    let literal: LitInt = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected the budget in bytes, e.g. `budget = 4096`",
        )
    })?;
    let bytes: usize = literal.base10_parse().map_err(|_| {
        syn::Error::new_spanned(
            &literal,
            "expected the budget as a whole number of bytes, e.g. `budget = 4096`",
        )
    })?;
    if bytes == 0 {
        return Err(syn::Error::new_spanned(
            &literal,
            "a budget of 0 bytes fits no future; give at least 1",
        ));
    }
    Ok((bytes, literal.span()))
}

fn parse_name(input: ParseStream) -> syn::Result<LitStr> {
    let name: LitStr = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected the name as a string, e.g. `name = \"fetch\"`",
        )
    })?;
    if name.value().trim().is_empty() {
        return Err(syn::Error::new_spanned(&name, "the name must not be empty"));
    }
    Ok(name)
}
