//! Expansion snapshots: what users get for a few representative inputs, pretty-printed.
//! Review a changed snapshot as carefully as a change to the code it describes.

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::await_points::Marks;
use crate::expand::inspect;

/// Expands source text: parsed from a string, tokens carry line and column as in the compiler.
fn expand(args: &str, item: &str) -> String {
    let parse = |text: &str| text.parse::<TokenStream>().expect("valid tokens");
    let output = inspect(parse(args), parse(item), true, Marks::Plain);
    match syn::parse2::<syn::File>(output.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => output.to_string(),
    }
}

#[test]
fn free_function_with_two_awaits() {
    insta::assert_snapshot!(expand(
        "",
        r#"
            /// Fetches a page.
            pub async fn fetch(url: &str, client: &Client) -> Result<Page, Error> {
                let conn = client.connect(url).await?;
                let mut buf = [0u8; 4096];
                let n = conn.read(&mut buf).await?;
                Ok(Page::parse(&buf[..n]))
            }
        "#
    ));
}

#[test]
fn method_using_self_after_an_await() {
    insta::assert_snapshot!(expand(
        "budget = 1024, name = \"session send\"",
        r#"
            async fn send(&mut self, message: String) -> usize {
                self.flush().await;
                println!("{}", self.name);
                self.queue.push(message);
                self.queue.len()
            }
        "#
    ));
}

#[test]
fn patterns_wildcards_and_nested_coroutines() {
    insta::assert_snapshot!(expand(
        "",
        r#"
            async fn shapes((a, b): (u8, u8), Point { x, .. }: Point, mut v: Vec<u8>, _: Guard) -> impl Display {
                v.push(a);
                let nested = async { tick().await };
                assert_eq!(nested.await, b, "{}", step(x).await);
                v.len()
            }
        "#
    ));
}

/// Awaits the macro cannot see, inside `select!` and `join!`: every other await of the
/// function marks its end as well, and the `Site` says the function has unseen awaits.
#[test]
fn awaits_beside_opaque_macros() {
    insta::assert_snapshot!(expand(
        "",
        r#"
            async fn relay(a: Source, b: Source) -> u8 {
                let first = a.next().await;
                tokio::select! {
                    x = a.next() => x,
                    y = b.next() => y,
                };
                let (one, (two, three)) = (a.next().await, tokio::join!(a.next(), b.next()));
                first + one + two + three
            }
        "#
    ));
}

#[test]
fn an_error_keeps_the_original_item() {
    insta::assert_snapshot!(expand("budgte = 1", "fn not_async() {}"));
}

/// `#[inline]` goes on every function except those that say how to inline it or export a
/// symbol, those with a budget (checked only where the function is generated), and every
/// function in the layout command's build.
#[test]
fn the_inline_hint_is_added_only_where_it_changes_nothing_else() {
    let attributes_of = |args: &str, item: &str, marks: Marks| {
        let parse = |text: &str| text.parse::<TokenStream>().expect("valid tokens");
        let function: syn::ItemFn =
            syn::parse2(inspect(parse(args), parse(item), true, marks)).expect("one function");
        function
            .attrs
            .iter()
            .map(|attr| attr.to_token_stream().to_string())
            .collect::<Vec<_>>()
    };
    let plain = "async fn f() {}";
    assert_eq!(attributes_of("", plain, Marks::Plain), ["# [inline]"]);
    assert_eq!(
        attributes_of("", "#[inline(never)] async fn f() {}", Marks::Plain),
        ["# [inline (never)]"]
    );
    assert_eq!(
        attributes_of("", "#[unsafe(no_mangle)] async fn f() {}", Marks::Plain),
        ["# [unsafe (no_mangle)]"]
    );
    assert_eq!(
        attributes_of("", "#[export_name = \"g\"] async fn f() {}", Marks::Plain),
        ["# [export_name = \"g\"]"]
    );
    assert_eq!(
        attributes_of(
            "",
            "#[cfg_attr(feature = \"x\", inline(always))] async fn f() {}",
            Marks::Plain
        ),
        ["# [cfg_attr (feature = \"x\" , inline (always))]"]
    );
    assert_eq!(
        attributes_of(
            "",
            "#[cfg_attr(test, allow(unused))] async fn f() {}",
            Marks::Plain
        ),
        ["# [cfg_attr (test , allow (unused))]", "# [inline]"]
    );
    assert!(attributes_of("budget = 64", plain, Marks::Plain).is_empty());
    assert!(attributes_of("", plain, Marks::Tagged).is_empty());
    // Other attributes keep their place, the hint comes last.
    assert_eq!(
        attributes_of("", "#[must_use] async fn f() {}", Marks::Plain),
        ["# [must_use]", "# [inline]"]
    );
}

#[test]
fn with_the_feature_off_the_function_is_left_exactly_as_written() {
    let item: TokenStream = "pub async fn f(x: &u8) -> u8 { g().await; *x }"
        .parse()
        .unwrap();
    let args: TokenStream = "budget = 64".parse().unwrap();
    let output = inspect(args, item.clone(), false, Marks::Plain);
    assert_eq!(output.to_string(), item.to_string());
}

/// With the feature off the body is not read at all: a body syn cannot parse goes back as
/// written, for rustc to report. With it on, the error names the body, not the item.
#[test]
fn only_a_build_that_rewrites_the_body_reads_it() {
    let item: TokenStream = "async fn f(x: u8) -> u8 { let y = x +; y }"
        .parse()
        .unwrap();
    let off = inspect(TokenStream::new(), item.clone(), false, Marks::Plain);
    assert_eq!(off.to_string(), item.to_string());

    let on = inspect(TokenStream::new(), item.clone(), true, Marks::Plain).to_string();
    let (kept, error) = on.split_at(item.to_string().len());
    assert_eq!(kept, item.to_string());
    assert!(
        error.contains("cannot read this function's body: expected an expression"),
        "{error}"
    );
}

#[test]
fn with_the_feature_off_misuse_is_still_an_error() {
    let output = inspect(
        TokenStream::new(),
        "fn f() {}".parse().unwrap(),
        false,
        Marks::Plain,
    );
    assert!(output.to_string().contains("compile_error"), "{output}");
}

// The property test of `expand::inspect` over mutated and arbitrary inputs.
#[path = "fuzz.rs"]
mod fuzz;

/// The limit (`MAX_AWAIT_POINTS`, a `u16` less a few reserved values) is a compile error on the
/// first await over it, with the function still emitted. A UI test would need a source file of
/// some 65,000 awaits, so this one writes the function as text: one await a line.
#[test]
fn one_await_point_too_many_is_an_error_on_that_await() {
    let limit = usize::from(u16::MAX) - 3;
    let mut item = String::from("async fn many() {\n");
    for index in 0..=limit {
        item.push_str(&format!("    step({index}).await;\n"));
    }
    item.push('}');
    let item: TokenStream = item.parse().expect("valid tokens");
    let output = inspect(TokenStream::new(), item.clone(), true, Marks::Plain);

    let trees: Vec<proc_macro2::TokenTree> = output.into_iter().collect();
    let item_trees = item.clone().into_iter().count();
    let kept: TokenStream = trees[..item_trees].iter().cloned().collect();
    // Compared without printing: the function is a megabyte of text.
    assert!(
        kept.to_string() == item.to_string(),
        "the function is not emitted as written"
    );
    let error: TokenStream = trees[item_trees..].iter().cloned().collect();
    let message = format!("`#[stackless::inspect]` supports at most {limit} await points");
    assert!(error.to_string().contains(&message), "{error}");
    // The error sits on the `.await` of line `limit + 2`: the first one over the limit.
    let line = trees[item_trees].span().start().line;
    assert_eq!(line, limit + 2, "{error}");
}
