//! Finding the function's await points and putting a probe around each awaited future.
//!
//! Input:   let n = conn.read(&mut buf).await?;
//! Output:  let n = ::stackless::__private::probe::<__StacklessSite, { at(1, line!(), column!()) }, _>(conn.read(&mut buf)).await?;
//!
//! Await points are numbered in source order (the order of their `.await` keywords: children
//! before parents, left to right). An `.await` inside a nested `async` block or closure belongs
//! to that coroutine, not to this function, and nested items are other functions. Inside
//! macros, only the arguments of macros known to take plain expressions (`println!`,
//! `assert_eq!`, `vec!`, ...) are searched; other macros (`select!`, `join!`) are opaque, and
//! their awaits show up at run time as unlabelled suspensions.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::token::Paren;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, ExprAwait, ExprCall, Item, Macro, Token};

use crate::snippet::source_text;

pub(crate) struct AwaitPoint {
    /// The `await` keyword: where the point is reported to be.
    pub(crate) span: Span,
    /// The awaited expression as written.
    pub(crate) expression: String,
}

/// Wraps every await of `body` in a probe naming `site`, and returns the points found.
pub(crate) fn instrument(body: &mut Block, site: &syn::Ident) -> Vec<AwaitPoint> {
    let mut finder = AwaitFinder {
        site,
        points: Vec::new(),
    };
    finder.visit_block_mut(body);
    finder.points
}

struct AwaitFinder<'a> {
    site: &'a syn::Ident,
    points: Vec<AwaitPoint>,
}

/// Macros whose arguments are ordinary expressions (a format string counts as one).
const EXPRESSION_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "dbg",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "eprint",
    "eprintln",
    "format",
    "format_args",
    "panic",
    "print",
    "println",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "write",
    "writeln",
];

impl AwaitFinder<'_> {
    fn probe(
        &mut self,
        base: Expr,
        dot: Token![.],
        await_token: Token![await],
        attrs: Vec<syn::Attribute>,
    ) -> Expr {
        let index = self.points.len() as u16;
        self.points.push(AwaitPoint {
            span: await_token.span,
            expression: source_text(base.to_token_stream()),
        });
        let site = self.site;
        // Spanned on the `.await`, so a type error ("`X` is not a future") lands on user code.
        let probe = quote_spanned! {await_token.span=>
            ::stackless::__private::probe::<
                #site,
                { ::stackless::__private::at(#index, ::core::line!(), ::core::column!()) },
                _
            >
        };
        // Built as syntax, not parsed back from tokens: reparsing every awaited expression
        // was a quarter of the macro's time.
        let call = Expr::Call(ExprCall {
            attrs: Vec::new(),
            func: Box::new(Expr::Verbatim(probe)),
            paren_token: Paren(await_token.span),
            args: Punctuated::from_iter([base]),
        });
        Expr::Await(ExprAwait {
            attrs,
            base: Box::new(call),
            dot_token: dot,
            await_token,
        })
    }

    /// Instruments the arguments of a known expression macro in place; other macros are left
    /// untouched.
    fn visit_expression_macro(&mut self, mac: &mut Macro) {
        let Some(name) = mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
        else {
            return;
        };
        if !EXPRESSION_MACROS.contains(&name.as_str()) {
            return;
        }
        let comma_separated = Punctuated::<Expr, Token![,]>::parse_terminated;
        if let Ok(mut args) = comma_separated.parse2(mac.tokens.clone()) {
            args.iter_mut().for_each(|arg| self.visit_expr_mut(arg));
            mac.tokens = args.into_token_stream();
            return;
        }
        // `vec![element; count]`
        let repeat = |input: syn::parse::ParseStream| {
            let element: Expr = input.parse()?;
            let semi: Token![;] = input.parse()?;
            let count: Expr = input.parse()?;
            Ok((element, semi, count))
        };
        if let Ok((mut element, semi, mut count)) = repeat.parse2(mac.tokens.clone()) {
            self.visit_expr_mut(&mut element);
            self.visit_expr_mut(&mut count);
            mac.tokens = quote!(#element #semi #count);
        }
    }
}

impl VisitMut for AwaitFinder<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Await(_) => {
                let Expr::Await(mut await_expr) =
                    std::mem::replace(expr, Expr::Verbatim(TokenStream::new()))
                else {
                    unreachable!()
                };
                self.visit_expr_mut(&mut await_expr.base);
                *expr = self.probe(
                    *await_expr.base,
                    await_expr.dot_token,
                    await_expr.await_token,
                    await_expr.attrs,
                );
            }
            // Their awaits suspend their own state machine, not this function's.
            Expr::Async(_) | Expr::Closure(_) => {}
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        self.visit_expression_macro(mac);
    }

    fn visit_item_mut(&mut self, _: &mut Item) {}
}
