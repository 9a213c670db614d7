//! Finding the function's await points and marking each, so that the wrapper learns where its
//! future parked (see `stackless_inspect`'s `probe` module).
//!
//! Input:   let n = conn.read(&mut buf).await?;
//! Output:  let n = ::stackless::__private::enter(1u16, conn.read(&mut buf)).await?;
//!
//! Await points are numbered in source order (the order of their `.await` keywords: children
//! before parents, left to right). An `.await` inside a nested `async` block or closure belongs
//! to that coroutine, not to this function, and nested items are other functions. Inside
//! macros, only the arguments of macros known to take plain expressions (`println!`,
//! `assert_eq!`, `vec!`, ...) are searched. Other macros (`select!`, `join!`) are opaque: their
//! awaits are unseen, and show up at run time as unlabelled suspensions. For that, in a function
//! with an opaque macro every await also marks its end, so that parking inside the macro later
//! does not read as the last await point entered:
//!
//! Input:   let first = a.next().await;  tokio::select! { .. }
//! Output:  let first = enter_leaving(0u16, a.next()).await;  tokio::select! { .. }
//!
//! Nothing else is added to the body: every mark is a call on the awaited value, which the
//! `.await` takes as it is. A statement of its own, even a call to an empty function, would give
//! the state machine drop flags the plain function does not have.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::token::Paren;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, ExprAwait, ExprCall, ExprMacro, Item, Macro, Token};

use crate::snippet::source_text;

pub(crate) struct AwaitPoint {
    /// The `await` keyword: where the point is reported to be.
    pub(crate) span: Span,
    /// The awaited expression as written.
    pub(crate) expression: String,
}

/// How await points are marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marks {
    /// `enter(INDEX, expr)`.
    Plain,
    /// `enter_tagged::<Site, { at(INDEX, line!(), column!()) }, _>(expr)`: the awaited
    /// future's type names its await point, for `cargo stackless layout`, which reads it in
    /// rustc's layout output. Only in that command's build: a type per `.await` is dear to
    /// compile.
    Tagged,
}

/// The variable `cargo stackless layout` sets for its build; mirrors
/// `stackless_inspect::probe::LAYOUT_TAGS`.
const LAYOUT_TAGS: &str = "STACKLESS_LAYOUT_TAGS";

impl Marks {
    /// `Tagged` in the layout command's build, `Plain` everywhere else.
    pub(crate) fn for_this_build() -> Marks {
        if std::env::var_os(LAYOUT_TAGS).is_some() {
            Marks::Tagged
        } else {
            Marks::Plain
        }
    }
}

/// What the marking found.
pub(crate) struct Found {
    pub(crate) points: Vec<AwaitPoint>,
    /// The body holds an opaque macro, which may await where no mark sees.
    pub(crate) unseen_awaits: bool,
}

/// Marks every await of `body` (naming `site` in tagged marks), and returns the points found.
pub(crate) fn instrument(body: &mut Block, site: &syn::Ident, marks: Marks) -> Found {
    let unseen_awaits = holds_opaque_macro(body);
    let mut finder = AwaitFinder {
        site,
        marks,
        points: Vec::new(),
        leaving: unseen_awaits,
    };
    finder.visit_block_mut(body);
    Found {
        points: finder.points,
        unseen_awaits,
    }
}

struct AwaitFinder<'a> {
    site: &'a syn::Ident,
    marks: Marks,
    points: Vec<AwaitPoint>,
    /// The function holds an opaque macro: awaits mark their end too.
    leaving: bool,
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
    fn mark(
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
        // The call is spanned on the awaited expression, and the `.await` keeps its own: a
        // value that is no future gets rustc's error at the `.await`, as in the plain function,
        // and its "remove the `.await`" suggestion removes just that.
        let span = base.span();
        let (enter, index_argument) = match (self.marks, self.leaving) {
            (Marks::Plain, false) => (
                quote_spanned! {span=> ::stackless::__private::enter },
                Some(Expr::Verbatim(quote_spanned! {span=> #index })),
            ),
            (Marks::Plain, true) => (
                quote_spanned! {span=> ::stackless::__private::enter_leaving },
                Some(Expr::Verbatim(quote_spanned! {span=> #index })),
            ),
            // The probe marks the end of every await: the layout build need not be lean.
            (Marks::Tagged, _) => {
                // `line!()` and `column!()` on the `.await`: where the layout command says the
                // await point is, and looks for its expression.
                let at = quote_spanned! {await_token.span=>
                    ::stackless::__private::at(#index, ::core::line!(), ::core::column!())
                };
                let enter = quote_spanned! {span=>
                    ::stackless::__private::enter_tagged::<#site, { #at }, _>
                };
                (enter, None)
            }
        };
        // Built as syntax, not parsed back from tokens: reparsing every awaited expression
        // was a quarter of the macro's time.
        let entered = Expr::Call(ExprCall {
            attrs: Vec::new(),
            func: Box::new(Expr::Verbatim(enter)),
            paren_token: Paren(span),
            args: index_argument.into_iter().chain([base]).collect(),
        });
        Expr::Await(ExprAwait {
            attrs,
            base: Box::new(entered),
            dot_token: dot,
            await_token,
        })
    }

    /// Instruments the arguments of a known expression macro in place, if they parse; leaves
    /// an opaque macro untouched.
    fn visit_expression_macro(&mut self, mac: &mut Macro) {
        if let Some(mut args) = expression_macro_arguments(mac) {
            args.visit(|arg| self.visit_expr_mut(arg));
            mac.tokens = args.into_token_stream();
        }
    }
}

/// The arguments of a macro known to take expressions, parsed; `None` for an opaque macro.
fn expression_macro_arguments(mac: &Macro) -> Option<MacroArguments> {
    let name = mac.path.segments.last()?.ident.to_string();
    if !EXPRESSION_MACROS.contains(&name.as_str()) {
        return None;
    }
    let comma_separated = Punctuated::<Expr, Token![,]>::parse_terminated;
    if let Ok(args) = comma_separated.parse2(mac.tokens.clone()) {
        return Some(MacroArguments::List(args));
    }
    // `vec![element; count]`
    let repeat = |input: syn::parse::ParseStream| {
        let element: Expr = input.parse()?;
        let semi: Token![;] = input.parse()?;
        let count: Expr = input.parse()?;
        Ok((element, semi, count))
    };
    repeat
        .parse2(mac.tokens.clone())
        .ok()
        .map(|(element, semi, count)| {
            MacroArguments::Repeat(Box::new(element), semi, Box::new(count))
        })
}

enum MacroArguments {
    List(Punctuated<Expr, Token![,]>),
    Repeat(Box<Expr>, Token![;], Box<Expr>),
}

impl MacroArguments {
    fn visit(&mut self, mut visit: impl FnMut(&mut Expr)) {
        match self {
            MacroArguments::List(args) => args.iter_mut().for_each(visit),
            MacroArguments::Repeat(element, _, count) => {
                visit(element);
                visit(count);
            }
        }
    }

    fn into_token_stream(self) -> TokenStream {
        match self {
            MacroArguments::List(args) => args.into_token_stream(),
            MacroArguments::Repeat(element, semi, count) => quote!(#element #semi #count),
        }
    }
}

/// Whether the body holds an opaque macro outside nested coroutines and items (whose awaits
/// are not this function's). (A `VisitMut` that changes nothing: syn's read-only `visit`
/// feature would cost every build of this crate more than it saves.)
fn holds_opaque_macro(body: &mut Block) -> bool {
    struct Finder(bool);
    impl VisitMut for Finder {
        // Once one is found, the rest of the body need not be read (or its macros parsed).
        fn visit_stmt_mut(&mut self, statement: &mut syn::Stmt) {
            if !self.0 {
                visit_mut::visit_stmt_mut(self, statement);
            }
        }
        fn visit_macro_mut(&mut self, mac: &mut Macro) {
            match expression_macro_arguments(mac) {
                Some(mut args) => args.visit(|arg| self.visit_expr_mut(arg)),
                None => self.0 = true,
            }
        }
        fn visit_expr_async_mut(&mut self, _: &mut syn::ExprAsync) {}
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut Item) {}
        // Macros in patterns and types cannot await.
        fn visit_pat_mut(&mut self, _: &mut syn::Pat) {}
        fn visit_type_mut(&mut self, _: &mut syn::Type) {}
    }
    let mut finder = Finder(false);
    finder.visit_block_mut(body);
    finder.0
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
                *expr = self.mark(
                    *await_expr.base,
                    await_expr.dot_token,
                    await_expr.await_token,
                    await_expr.attrs,
                );
            }
            Expr::Macro(ExprMacro { mac, .. }) => self.visit_expression_macro(mac),
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
