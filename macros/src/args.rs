//! The attribute's options: `#[stackless::inspect(budget = 4096, name = "fetch")]`.

use proc_macro2::Span;
use quote::quote;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, Lit, LitInt, LitStr, Token};

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
                expect_value(input, &keyword, "`budget` needs a value: `budget = 4096`")?;
                let bytes = parse_budget(input)?;
                if args.budget.replace(bytes).is_some() {
                    return Err(syn::Error::new_spanned(
                        keyword,
                        "duplicate option `budget`",
                    ));
                }
            } else if lookahead.peek(kw::name) {
                let keyword: kw::name = input.parse()?;
                expect_value(input, &keyword, "`name` needs a value: `name = \"fetch\"`")?;
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

/// Parses the `=` after an option's keyword. An option left without a value (`budget`,
/// `budget =`, then the end or a comma) is an error on what was written, not syn's "expected
/// `=`" on the whole attribute (the end of the arguments has no span of its own).
fn expect_value<K: quote::ToTokens>(
    input: ParseStream,
    keyword: &K,
    message: &str,
) -> syn::Result<()> {
    let ends_here = |input: ParseStream| input.is_empty() || input.peek(Token![,]);
    if ends_here(input) {
        return Err(syn::Error::new_spanned(keyword, message));
    }
    let equals: Token![=] = input.parse()?;
    if ends_here(input) {
        return Err(syn::Error::new_spanned(quote!(#keyword #equals), message));
    }
    Ok(())
}

fn parse_budget(input: ParseStream) -> syn::Result<(usize, Span)> {
    const NOT_POSITIVE: &str = "a budget is a positive number of bytes, e.g. `budget = 4096`";
    if input.peek(Token![-]) {
        let minus: Token![-] = input.parse()?;
        // `-1`, `-0.5`: the error covers the number too, when there is one.
        let number: Option<Lit> = input.parse().ok();
        return Err(syn::Error::new_spanned(
            quote!(#minus #number),
            NOT_POSITIVE,
        ));
    }
    let literal: LitInt = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected the budget in bytes, e.g. `budget = 4096`",
        )
    })?;
    // A macro can hand over `-1` as one literal token.
    if literal.base10_digits().starts_with('-') {
        return Err(syn::Error::new_spanned(&literal, NOT_POSITIVE));
    }
    // `4096u8` would be read as 4096 whatever the suffix says; only `usize` means bytes.
    if !matches!(literal.suffix(), "" | "usize") {
        return Err(syn::Error::new_spanned(
            &literal,
            "write the budget without a suffix, in bytes: `budget = 4096`",
        ));
    }
    // The digits of an integer literal always parse, so a failure is an overflow.
    let bytes: usize = literal.base10_parse().map_err(|_| {
        syn::Error::new_spanned(
            &literal,
            "the budget is too large for a `usize`: at most `usize::MAX` bytes",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The parsed options, or the error's message and the source text it points at.
    fn parse(args: &str) -> Result<Args, (String, String)> {
        syn::parse_str::<Args>(args).map_err(|error| {
            let span = error.span();
            let (start, end) = (span.start().column, span.end().column);
            (error.to_string(), args[start..end].to_owned())
        })
    }

    fn error(args: &str) -> (String, String) {
        match parse(args) {
            Ok(_) => panic!("`{args}` was accepted"),
            Err(error) => error,
        }
    }

    #[test]
    fn a_budget_is_bytes_in_any_base_without_a_suffix_or_with_usize() {
        for (args, bytes) in [
            ("budget = 4096", 4096),
            ("budget = 0x1000", 4096),
            ("budget = 4_096usize", 4096),
        ] {
            let parsed = parse(args).unwrap_or_else(|error| panic!("{args}: {error:?}"));
            assert_eq!(parsed.budget.map(|(bytes, _)| bytes), Some(bytes), "{args}");
        }
    }

    #[test]
    fn a_budget_with_another_suffix_is_an_error_on_the_literal() {
        for suffix in ["u8", "i64", "u64", "k"] {
            let args = format!("budget = 4096{suffix}");
            let (message, at) = error(&args);
            assert_eq!(
                message,
                "write the budget without a suffix, in bytes: `budget = 4096`"
            );
            assert_eq!(at, format!("4096{suffix}"));
        }
    }

    #[test]
    fn a_negative_budget_is_an_error_on_the_whole_number() {
        let (message, at) = error("budget = -1, name = \"f\"");
        assert_eq!(
            message,
            "a budget is a positive number of bytes, e.g. `budget = 4096`"
        );
        assert_eq!(at, "-1");
    }

    #[test]
    fn a_negative_literal_from_another_macro_is_negative_too() {
        // One literal token `-1`, as a `macro_rules!` passing an `$n:literal` may hand over.
        let minus_one = proc_macro2::Literal::i64_unsuffixed(-1);
        let error = syn::parse2::<Args>(quote!(budget = #minus_one))
            .err()
            .expect("`-1` was accepted");
        assert_eq!(
            error.to_string(),
            "a budget is a positive number of bytes, e.g. `budget = 4096`"
        );
    }

    #[test]
    fn an_overflowing_budget_is_too_large() {
        let (message, at) = error("budget = 18446744073709551616");
        assert!(message.starts_with("the budget is too large"), "{message}");
        assert_eq!(at, "18446744073709551616");
    }

    #[test]
    fn an_option_without_a_value_is_an_error_on_the_option() {
        for (args, at, message) in [
            (
                "budget",
                "budget",
                "`budget` needs a value: `budget = 4096`",
            ),
            (
                "budget =",
                "budget =",
                "`budget` needs a value: `budget = 4096`",
            ),
            (
                "name, budget = 1",
                "name",
                "`name` needs a value: `name = \"fetch\"`",
            ),
            (
                "budget = 1, name =",
                "name =",
                "`name` needs a value: `name = \"fetch\"`",
            ),
        ] {
            assert_eq!(error(args), (message.to_owned(), at.to_owned()), "{args}");
        }
    }
}
