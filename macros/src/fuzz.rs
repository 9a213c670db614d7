//! Property test: whatever tokens reach `#[stackless::inspect]`, it answers with code or with a
//! spanned error, never with a panic.
//!
//! Inputs: every `fn` of the project's own sources (`tests/corpus`, the book's listings, the
//! examples; methods and functions written inside `macro_rules!` bodies included), mutated at the
//! token level, and arbitrary token trees. Each goes through `expand::inspect`, the function the
//! proc macro calls, with the `enabled` feature on and off. The properties:
//! - it does not panic;
//! - an output that is not the input followed by errors is one `fn` of the input's name (with the
//!   feature on), or the input unchanged (with it off), and the input parses as a `fn` (with the
//!   feature off, as far as its body's braces: the body is rustc's to read);
//! - an error output is the original item, unchanged, followed by nothing but
//!   `compile_error!`s with lower-case messages (the house rule: emit the item with the error).
//!
//! A deterministic generator rather than a property-testing crate, as in
//! `inspect/tests/type_sizes.rs`: case `n` is built from `SEED`, `n` and the corpus as it stands,
//! so a failure names its case and comes back on every run until the corpus changes; it is shrunk
//! to a minimal input, printed as tokens, before it is reported. `STACKLESS_FUZZ_CASES=N` runs `N` cases instead of [`DEFAULT_CASES`] (sized for
//! about 20 s in a debug build); the test prints the count it ran.
//!
//! Why chunks on fresh threads: tokens parsed from text carry positions in proc-macro2's
//! thread-local source map, which only grows. A thread per chunk bounds it, and each thread
//! parses the corpus again, as a span is only valid on the thread that made it.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use proc_macro2::{Delimiter, Group, Literal, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};

use crate::await_points::Marks;
use crate::expand::inspect;

const SEED: u64 = 0x5eed_00f0_22ed;
const DEFAULT_CASES: usize = 16_000;
const CASES_VAR: &str = "STACKLESS_FUZZ_CASES";
const CHUNK: usize = 500;

#[test]
fn any_input_expands_to_code_or_to_the_item_with_an_error() {
    let cases = match std::env::var(CASES_VAR) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{CASES_VAR}={text:?} is not a number of cases")),
        Err(_) => DEFAULT_CASES,
    };
    let sources = corpus_sources();
    let corpus = Corpus::parse(&sources);
    let (functions, async_functions) = (corpus.functions.len(), corpus.async_functions.len());
    // The corpus has hundreds of functions, over a hundred of them `async`; far fewer means the
    // walk lost some.
    assert!(
        functions >= 200 && async_functions >= 100,
        "only {functions} functions, {async_functions} async, in the corpus"
    );
    drop(corpus);

    let next_chunk = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failures = Mutex::new(Vec::new());
    let tally = Mutex::new(Tally::default());
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let start = next_chunk.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= cases {
                        break;
                    }
                    let end = (start + CHUNK).min(cases);
                    let ran = std::thread::scope(|chunk| {
                        chunk
                            .spawn(|| run_chunk(&sources, start..end))
                            .join()
                            .expect("a case's panic is caught inside the chunk")
                    });
                    match ran {
                        Ok(counted) => tally.lock().unwrap().add(&counted),
                        Err(failure) => {
                            stop.store(true, Ordering::Relaxed);
                            failures.lock().unwrap().push(failure);
                        }
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|failure| failure.case);
    if let Some(failure) = failures.first() {
        panic!("{failure}");
    }
    let tally = tally.into_inner().unwrap();
    eprintln!(
        "expand::inspect: {cases} inputs from {functions} corpus functions ({async_functions} \
         async) and arbitrary tokens, each with the feature on and off, and no panic: \
         {} expanded, {} left as written with the feature off, {} rejected with the item and \
         an error ({CASES_VAR} to change the count)",
        tally.expanded, tally.unchanged, tally.rejected
    );
    // Inputs that only ever fail the first parse would test little: a fair share must reach the
    // rewrite, and a fair share the checks.
    assert!(
        tally.expanded * 10 >= cases,
        "too few inputs expanded: {tally:?}"
    );
    assert!(
        tally.rejected * 10 >= cases,
        "too few inputs rejected: {tally:?}"
    );
}

/// How many runs (two per input) ended each way.
#[derive(Debug, Default)]
struct Tally {
    expanded: usize,
    unchanged: usize,
    rejected: usize,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.expanded += other.expanded;
        self.unchanged += other.unchanged;
        self.rejected += other.rejected;
    }

    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Expanded => self.expanded += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Rejected => self.rejected += 1,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The properties

/// What went wrong with one input.
struct Violation {
    /// Which property; shrinking keeps the failure of the same kind.
    kind: &'static str,
    detail: String,
}

/// A failing case, shrunk, rendered on the thread that found it.
struct Failure {
    case: usize,
    enabled: bool,
    kind: &'static str,
    detail: String,
    args: String,
    item: String,
    minimal_args: String,
    minimal_item: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "case {} (enabled = {}): {}: {}\n\
             minimal input:\n  args: {}\n  item: {}\n\
             original input:\n  args: {}\n  item: {}",
            self.case,
            self.enabled,
            self.kind,
            self.detail,
            self.minimal_args,
            self.minimal_item,
            self.args,
            self.item
        )
    }
}

/// What the macro did with an input that kept every property.
#[derive(Clone, Copy)]
enum Outcome {
    /// Rewrote the function (feature on).
    Expanded,
    /// Returned it as written (feature off).
    Unchanged,
    /// Returned it with `compile_error!`s.
    Rejected,
}

fn check(args: &TokenStream, item: &TokenStream, enabled: bool) -> Result<Outcome, Violation> {
    let violation = |kind, detail: String| Err(Violation { kind, detail });
    let expanded = panic::catch_unwind(AssertUnwindSafe(|| {
        inspect(args.clone(), item.clone(), enabled, Marks::Plain)
    }));
    let output = match expanded {
        Ok(output) => output,
        Err(payload) => return violation("panic", panic_message(&*payload)),
    };
    let output_trees: Vec<TokenTree> = output.clone().into_iter().collect();
    let item_trees: Vec<TokenTree> = item.clone().into_iter().collect();
    let keeps_item = output_trees.len() >= item_trees.len()
        && same_tokens(&output_trees[..item_trees.len()], &item_trees);

    if keeps_item && output_trees.len() > item_trees.len() {
        let errors: TokenStream = output_trees[item_trees.len()..].iter().cloned().collect();
        return match compile_errors(&errors) {
            Ok(()) => Ok(Outcome::Rejected),
            Err(detail) => violation("error output is not the item and compile_error!s", detail),
        };
    }
    let function = syn::parse2::<syn::ItemFn>(item.clone()).ok();
    let is_fn = match enabled {
        true => function.is_some(),
        false => is_fn_with_a_body(item),
    };
    if !is_fn {
        return violation(
            "an item that is not a fn was accepted without an error",
            output.to_string(),
        );
    }
    if !enabled {
        return match keeps_item {
            true => Ok(Outcome::Unchanged),
            false => violation("the feature off changed the item", output.to_string()),
        };
    }
    let function = function.expect("with the feature on, a fn: checked above");
    if keeps_item {
        return violation("the feature on left the item as it was", output.to_string());
    }
    let file = match syn::parse2::<syn::File>(output.clone()) {
        Ok(file) => file,
        Err(error) => {
            return violation(
                "the expansion does not parse",
                format!("{error}:\n{output}"),
            );
        }
    };
    match file.items.as_slice() {
        [syn::Item::Fn(expanded)] if expanded.sig.ident == function.sig.ident => {
            Ok(Outcome::Expanded)
        }
        _ => violation(
            "the expansion is not one fn of the same name",
            output.to_string(),
        ),
    }
}

/// Attributes, visibility and a signature, then a body in braces, whatever the body holds: all
/// the attribute reads with the feature off (the statements are rustc's to check).
fn is_fn_with_a_body(item: &TokenStream) -> bool {
    let shell = |input: syn::parse::ParseStream| {
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        input.parse::<syn::Signature>()?;
        input.step(|cursor| match cursor.group(Delimiter::Brace) {
            Some((_, _, rest)) => Ok(((), rest)),
            None => Err(cursor.error("no body")),
        })
    };
    syn::parse::Parser::parse2(shell, item.clone()).is_ok()
}

/// Token for token, as text (spans aside, that is what rustc would see).
fn same_tokens(a: &[TokenTree], b: &[TokenTree]) -> bool {
    a.iter().zip(b).all(|(a, b)| a.to_string() == b.to_string())
}

/// `errors` is one or more `compile_error!("...")`, each message lower case (or opening with
/// code in backticks), as the house style wants.
fn compile_errors(errors: &TokenStream) -> Result<(), String> {
    let file =
        syn::parse2::<syn::File>(errors.clone()).map_err(|error| format!("{error}: {errors}"))?;
    for item in &file.items {
        let syn::Item::Macro(syn::ItemMacro { mac, .. }) = item else {
            return Err(format!("not a macro: {}", item.to_token_stream()));
        };
        if mac
            .path
            .segments
            .last()
            .is_none_or(|s| s.ident != "compile_error")
        {
            return Err(format!("not compile_error!: {}", mac.to_token_stream()));
        }
        let message: syn::LitStr = mac.parse_body().map_err(|error| error.to_string())?;
        let message = message.value();
        let first = message.chars().next();
        if !first.is_some_and(|c| c.is_lowercase() || c == '`') {
            return Err(format!("message not lower case: {message:?}"));
        }
    }
    match file.items.is_empty() {
        true => Err("no compile_error!".to_owned()),
        false => Ok(()),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    match (
        payload.downcast_ref::<&str>(),
        payload.downcast_ref::<String>(),
    ) {
        (Some(message), _) => (*message).to_owned(),
        (_, Some(message)) => message.clone(),
        _ => "(a panic without a message)".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Running cases

/// Runs cases `range` and counts their outcomes; or the first that fails, shrunk.
fn run_chunk(
    sources: &[(PathBuf, String)],
    range: std::ops::Range<usize>,
) -> Result<Tally, Box<Failure>> {
    let corpus = Corpus::parse(sources);
    let fragments = Fragments::new();
    let mut tally = Tally::default();
    for case in range {
        let mut random = Random::for_case(case);
        let (args, item) = generate(&mut random, &corpus, &fragments);
        for enabled in [true, false] {
            match check(&args, &item, enabled) {
                Ok(outcome) => tally.count(outcome),
                Err(violation) => {
                    return Err(Box::new(shrink_and_describe(
                        case, enabled, &args, &item, violation,
                    )));
                }
            }
        }
    }
    Ok(tally)
}

fn shrink_and_describe(
    case: usize,
    enabled: bool,
    args: &TokenStream,
    item: &TokenStream,
    violation: Violation,
) -> Failure {
    // Shrinking panics on purpose, many times; the test fails anyway, so quiet the hook.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let fails = |args: &TokenStream, item: &TokenStream| {
        check(args, item, enabled).is_err_and(|found| found.kind == violation.kind)
    };
    let minimal_item = shrink(item.clone(), |item| fails(args, item));
    let minimal_args = shrink(args.clone(), |args| fails(args, &minimal_item));
    panic::set_hook(hook);
    let detail = match check(&minimal_args, &minimal_item, enabled) {
        Err(minimal) => minimal.detail,
        Ok(_) => violation.detail,
    };
    Failure {
        case,
        enabled,
        kind: violation.kind,
        detail,
        args: args.to_string(),
        item: item.to_string(),
        minimal_args: minimal_args.to_string(),
        minimal_item: minimal_item.to_string(),
    }
}

/// Deletes runs of token trees and unwraps groups while the input still fails.
fn shrink(mut tokens: TokenStream, fails: impl Fn(&TokenStream) -> bool) -> TokenStream {
    let mut attempts = 0;
    let mut node = 0;
    'nodes: while node < count_nodes(&tokens) && attempts < 20_000 {
        // A run, not only one tree: `#` and `[doc = ".."]` go together or not at all.
        for run in [8, 4, 2, 1] {
            attempts += 1;
            let deleted = edit_at(&tokens, node, &mut |level, at| {
                level.drain(at..(at + run).min(level.len()));
            });
            if deleted.to_string() != tokens.to_string() && fails(&deleted) {
                tokens = deleted;
                continue 'nodes;
            }
        }
        let unwrapped = edit_at(&tokens, node, &mut |level, at| {
            if let TokenTree::Group(group) = &level[at] {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                level.splice(at..=at, inner);
            }
        });
        if unwrapped.to_string() != tokens.to_string() && fails(&unwrapped) {
            tokens = unwrapped;
            continue;
        }
        node += 1;
    }
    tokens
}

// ---------------------------------------------------------------------------------------------
// The corpus

/// Every `.rs` file under the project's corpus directories.
fn corpus_sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["tests/corpus", "book/listings/src", "examples"] {
        collect_rust_files(&root.join(dir), &mut files);
    }
    assert!(!files.is_empty(), "no corpus under {}", root.display());
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            (path, text)
        })
        .collect()
}

fn collect_rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable directory entry").path();
        if path.is_dir() {
            collect_rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// The functions of the corpus, as the attribute would receive them.
struct Corpus {
    functions: Vec<TokenStream>,
    /// The `async fn`s with a body among them: what the attribute is written on.
    async_functions: Vec<TokenStream>,
}

impl Corpus {
    fn parse(sources: &[(PathBuf, String)]) -> Corpus {
        let mut finder = FunctionFinder {
            functions: Vec::new(),
        };
        for (path, text) in sources {
            let mut file =
                syn::parse_file(text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            finder.visit_file_mut(&mut file);
        }
        let async_functions = finder
            .functions
            .iter()
            .filter(|tokens| {
                syn::parse2::<syn::ItemFn>((*tokens).clone())
                    .is_ok_and(|function| function.sig.asyncness.is_some())
            })
            .cloned()
            .collect();
        Corpus {
            functions: finder.functions,
            async_functions,
        }
    }
}

/// Collects free functions, methods and trait methods (with or without a body), from
/// `macro_rules!` bodies too, without the `#[stackless::inspect]` the compiler would have taken
/// off.
struct FunctionFinder {
    functions: Vec<TokenStream>,
}

impl FunctionFinder {
    /// The brace groups of a macro's tokens that read as items once `$(...)*` repetitions and
    /// `$` are taken out: `macro_rules! source { ($($inspect:tt)*) => { items } }`.
    fn visit_macro_tokens(&mut self, tokens: TokenStream) {
        for token in tokens {
            let TokenTree::Group(group) = token else {
                continue;
            };
            let items = without_metavariables(group.stream());
            match syn::parse2::<syn::File>(items) {
                Ok(mut file) if group.delimiter() == Delimiter::Brace && !file.items.is_empty() => {
                    self.visit_file_mut(&mut file);
                }
                _ => self.visit_macro_tokens(group.stream()),
            }
        }
    }
}

impl VisitMut for FunctionFinder {
    fn visit_item_fn_mut(&mut self, function: &mut syn::ItemFn) {
        let mut copy = function.clone();
        copy.attrs.retain(|attr| !is_inspect(attr));
        self.functions.push(copy.into_token_stream());
        visit_mut::visit_item_fn_mut(self, function);
    }

    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        let mut copy = function.clone();
        copy.attrs.retain(|attr| !is_inspect(attr));
        self.functions.push(copy.into_token_stream());
        visit_mut::visit_impl_item_fn_mut(self, function);
    }

    fn visit_trait_item_fn_mut(&mut self, function: &mut syn::TraitItemFn) {
        let mut copy = function.clone();
        copy.attrs.retain(|attr| !is_inspect(attr));
        self.functions.push(copy.into_token_stream());
        visit_mut::visit_trait_item_fn_mut(self, function);
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        self.visit_macro_tokens(mac.tokens.clone());
    }
}

fn is_inspect(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "inspect")
}

// Input:   $($inspect)* pub async fn new($label: &str) {}
// Output:  pub async fn new(label: &str) {}
fn without_metavariables(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut at = 0;
    while at < trees.len() {
        match (&trees[at], trees.get(at + 1)) {
            (TokenTree::Punct(dollar), Some(TokenTree::Group(_))) if dollar.as_char() == '$' => {
                // `$( .. ) sep? *`: skip to the repetition operator.
                at += 2;
                while at < trees.len()
                    && !matches!(&trees[at], TokenTree::Punct(p) if "*+?".contains(p.as_char()))
                {
                    at += 1;
                }
                at += 1;
            }
            (TokenTree::Punct(dollar), _) if dollar.as_char() == '$' => at += 1,
            (TokenTree::Group(group), _) => {
                let mut inner =
                    Group::new(group.delimiter(), without_metavariables(group.stream()));
                inner.set_span(group.span());
                out.push(TokenTree::Group(inner));
                at += 1;
            }
            (other, _) => {
                out.push(other.clone());
                at += 1;
            }
        }
    }
    out.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// Generating inputs

/// SplitMix64, as in `inspect/tests/type_sizes.rs`.
struct Random(u64);

impl Random {
    fn for_case(case: usize) -> Random {
        let mut random = Random(SEED ^ (case as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
        random.next();
        random
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Token fragments that mean something to the macro or to Rust's grammar around a `fn`, one a
/// line.
const FRAGMENTS: &str = r##"
async
.await
self
self.x
&self
&mut self
mut self
self: Box<Self>
Self
Self::new()
self::f()
super::f
crate::f
'a
'static
&'a self
fn
fn f() {}
-> u8
-> impl Future<Output = u8>
-> Self
-> !
-> _
-> impl Iterator<Item = impl Display>
-> Box<dyn Fn() -> u8 + Send>
-> &'a str
where T: Send
<T>
<'a, T: 'a>
<const N: usize>
...
a: u8
(a, b): (u8, u8)
mut x: u8
ref x: u8
ref mut x: u8
_: u8
x @ _: u8
Point { x, .. }: Point
async move {}
async {}
|| {}
async || x.await
move || self
#[inline]
#[tracing::instrument]
#[instrument(skip(self))]
#![allow(unused)]
#[stackless::inspect]
#[stackless::inspect(budget = 1)]
#[cfg(any())]
#[doc = "x"]
println!("{}", x.await)
vec![x.await; 2]
assert!(self.f().await)
format!("{self}")
select! { a = b.await => {} }
macro_rules! m { () => { self } }
fn inner(&self) {}
impl X { fn f(self) {} }
return
return x.await
?
x.await?
loop {}
break
let
match
if
else
move
mut
ref
r#await
r#async
const
unsafe
extern "C"
extern
safe
pub
pub(crate)
default
dyn Trait
impl Trait
!
T
u8
0
4096
4096usize
99999999999999999999999
1.5
1e3
"x"
""
b"x"
'c'
b'c'
r#"raw"#
c"c"
gen
yield
static
union
trait
struct
enum
mod
use
type
impl
.
,
;
:
::
->
=>
=
<
>
&
*
#
@
|
+
-
..
..=
()
{}
[]
(self)
{ self }
[self]
{ x.await }
(x.await)
{ .await }
become f()
builtin # offset_of(T, f)
&raw const x
&raw mut self
async gen {}
gen {}
try {}
const { 1 }
yield x
do yeet x
impl use<'a> Trait
-> impl use<'a> Future<Output = u8>
&pin mut self
unsafe<'a> &'a u8
'label: loop { break 'label x.await; }
x.await.await
(x).await
x.r#await
x.await()
.await.await
"##;

/// Statements to put in a body: mostly valid, so the function still parses and the rewrite runs
/// on awaits, `self` and nested coroutines in new places.
const STATEMENTS: &str = r##"
x.await;
let value = fetch(&self.key).await?;
self.flush().await;
let _ = async { inner.await }.await;
println!("{} {}", a.await, self.name);
assert_eq!(left.await, right(self).await, "{}", step().await);
vec![make().await; count.await];
if ready.await { return later.await; }
match poll.await { Some(v) => v.await, None => return Default::default() }
loop { tick().await; break; }
let closure = || self.value;
let future = async move { self.value.await };
fn nested(&self) -> u8 { self.0 }
impl Nested { async fn inner(self) { self.go().await } }
macro_rules! with_self { () => { self.x.await } }
#[allow(unused)] let a = b.await;
#[cfg(any())] c.await;
let ((x, y), z) = (pair.await, other.await);
while let Some(item) = stream.next().await { sink.send(item).await?; }
for part in parts { part.await; }
let r#await = 1;
let __stackless_self = self;
let __stackless_ret = 0;
let __arg0 = 0;
return;
return self;
{ (fut).await }
(*self).method().await;
Self::assoc().await;
<Self as Trait>::call(self).await;
unsafe { ptr.read() }.await;
select! { value = a.await => value, _ = b => 0 };
let a = #[allow(unused_parens)] (b).await;
#[cfg(all())] x.await;
let v = x.await.await;
let raw = &raw const self.field;
become self.next();
let v = try { f()?.await };
let g = async gen { yield x.await; };
let b = builtin # offset_of(Self, field);
const { assert!(true) };
let f = async |x| x.await;
let v = f(self).await + g(&self).await * h(&mut self).await;
'outer: loop { break 'outer; }
"##;

/// Attribute arguments the macro accepts.
const VALID_ARGS: &str = r##"

budget = 4096
name = "fetch"
budget = 1, name = "a b"
name = "x", budget = 8,
budget = 0x10
budget = 1_000
name = r"raw"
"##;

/// Attribute arguments it must refuse.
const INVALID_ARGS: &str = r##"
budget = 0
budget = -1
budget = 99999999999999999999999
budget = 1e3
budget = 1.5
budget = 'c'
budget = "4k"
budget
budget =
= 4096
,
,,
budget = 1 name = "x"
budget = 1, budget = 2
name = "a", name = "b"
name = ""
name = "  "
name = b"x"
name = c"x"
name = 1
name = x
r#budget = 1
Budget = 1
budgt = 1
self
async
4096
"x"
budget = (1)
budget = {1}
name = ("x")
budget: 1
budget == 1
::budget = 1
"##;

/// The fragments, parsed once per thread, plus tokens text cannot spell.
struct Fragments {
    tokens: Vec<TokenStream>,
    statements: Vec<TokenStream>,
    valid_args: Vec<TokenStream>,
    invalid_args: Vec<TokenStream>,
}

impl Fragments {
    fn new() -> Fragments {
        let parse = |lines: &str| -> Vec<TokenStream> {
            lines
                .strip_prefix('\n')
                .expect("a fragment list opens with a line break")
                .lines()
                .map(|text| {
                    text.parse()
                        .unwrap_or_else(|error| panic!("fragment {text:?}: {error}"))
                })
                .collect()
        };
        let mut tokens = parse(FRAGMENTS);
        // What another macro may hand over: negative literals, a `$x:expr` in an invisible
        // group, an identifier with a span of its own.
        tokens.extend([
            TokenTree::Literal(Literal::i32_suffixed(-1)).into(),
            TokenTree::Literal(Literal::f64_unsuffixed(-0.5)).into(),
            TokenTree::Literal(Literal::string("\"quoted\" \\ \u{7f}")).into(),
            TokenTree::Group(Group::new(Delimiter::None, "x.await".parse().unwrap())).into(),
            TokenTree::Group(Group::new(Delimiter::None, "self".parse().unwrap())).into(),
            TokenTree::Group(Group::new(Delimiter::None, "a + b".parse().unwrap())).into(),
            TokenTree::Ident(proc_macro2::Ident::new("async", Span::mixed_site())).into(),
        ]);
        Fragments {
            tokens,
            statements: parse(STATEMENTS),
            valid_args: parse(VALID_ARGS),
            invalid_args: parse(INVALID_ARGS),
        }
    }

    fn any(&self, random: &mut Random) -> Vec<TokenTree> {
        random.pick(&self.tokens).clone().into_iter().collect()
    }
}

/// One input: attribute arguments and the item. About half the inputs are meant to be accepted,
/// so the rewrite sees as many inputs as the checks do.
fn generate(
    random: &mut Random,
    corpus: &Corpus,
    fragments: &Fragments,
) -> (TokenStream, TokenStream) {
    let mut args = match random.chance(4) {
        true => random.pick(&fragments.invalid_args).clone(),
        false => random.pick(&fragments.valid_args).clone(),
    };
    if random.chance(10) {
        args = mutate(args, random, corpus, fragments);
    }
    if random.chance(40) {
        args = arbitrary(random, fragments, 0);
    }
    let mut item = match random.chance(4) {
        true => random.pick(&corpus.functions).clone(),
        false => random.pick(&corpus.async_functions).clone(),
    };
    match random.below(20) {
        0..=1 => {}
        2..=9 => {
            for _ in 0..1 + random.below(3) {
                item = insert_statement(item, random, fragments);
            }
        }
        10..=16 => {
            for _ in 0..1 + random.below(4) {
                item = mutate(item, random, corpus, fragments);
            }
        }
        17..=18 => item = skeleton(random, fragments),
        _ => item = arbitrary(random, fragments, 0),
    }
    (args, item)
}

/// A statement put at the start of a `{ .. }` group or after one of its `;`s.
fn insert_statement(item: TokenStream, random: &mut Random, fragments: &Fragments) -> TokenStream {
    let blocks = brace_groups(&item);
    if blocks.is_empty() {
        return item;
    }
    let block = *random.pick(&blocks);
    let statement = random.pick(&fragments.statements).clone();
    edit_at(&item, block, &mut |level, at| {
        let TokenTree::Group(group) = &level[at] else {
            return;
        };
        let mut inner: Vec<TokenTree> = group.stream().into_iter().collect();
        let boundaries: Vec<usize> = std::iter::once(0)
            .chain(
                inner
                    .iter()
                    .enumerate()
                    .filter(|(_, tree)| matches!(tree, TokenTree::Punct(p) if p.as_char() == ';'))
                    .map(|(index, _)| index + 1),
            )
            .collect();
        let position = *random.pick(&boundaries);
        inner.splice(position..position, statement.clone());
        let mut edited = Group::new(group.delimiter(), inner.into_iter().collect());
        edited.set_span(group.span());
        level[at] = edited.into();
    })
}

/// `async fn name(<arbitrary>) <arbitrary> { <arbitrary> }`, so arbitrary tokens reach the
/// signature checks and the body walks, not only the first parse.
fn skeleton(random: &mut Random, fragments: &Fragments) -> TokenStream {
    let mut trees: Vec<TokenTree> = Vec::new();
    if random.chance(3) {
        trees.extend(fragments.any(random));
    }
    trees.extend("async fn f".parse::<TokenStream>().unwrap());
    let params = arbitrary(random, fragments, 1);
    trees.push(Group::new(Delimiter::Parenthesis, params).into());
    if random.chance(2) {
        trees.extend(fragments.any(random));
    }
    let body = arbitrary(random, fragments, 1);
    trees.push(Group::new(Delimiter::Brace, body).into());
    trees.into_iter().collect()
}

fn arbitrary(random: &mut Random, fragments: &Fragments, depth: usize) -> TokenStream {
    let mut trees: Vec<TokenTree> = Vec::new();
    for _ in 0..random.below(10) {
        if depth < 4 && random.chance(4) {
            let delimiter = *random.pick(&DELIMITERS);
            let inner = arbitrary(random, fragments, depth + 1);
            trees.push(Group::new(delimiter, inner).into());
        } else {
            trees.extend(fragments.any(random));
        }
    }
    trees.into_iter().collect()
}

const DELIMITERS: [Delimiter; 4] = [
    Delimiter::Parenthesis,
    Delimiter::Brace,
    Delimiter::Bracket,
    Delimiter::None,
];

/// One random edit somewhere in `tokens`.
fn mutate(
    tokens: TokenStream,
    random: &mut Random,
    corpus: &Corpus,
    fragments: &Fragments,
) -> TokenStream {
    let nodes = count_nodes(&tokens);
    if nodes == 0 {
        return fragments.any(random).into_iter().collect();
    }
    let node = random.below(nodes);
    match random.below(14) {
        // Drop `async` (or another keyword the checks look at) wherever it is.
        0 => {
            let word = *random.pick(&["async", "fn", "self", "await", "const", "unsafe"]);
            remove_ident(tokens, word)
        }
        // Put an attribute, or a fragment, in front of the item.
        1 => {
            let mut trees = fragments.any(random);
            trees.extend(tokens);
            trees.into_iter().collect()
        }
        op => edit_at(&tokens, node, &mut |level, at| match op {
            2 => {
                let end = (at + 1 + random.below(3)).min(level.len());
                level.drain(at..end);
            }
            3 => {
                let copy = level[at].clone();
                level.insert(at, copy);
            }
            4 => {
                let other = random.below(level.len());
                level.swap(at, other);
            }
            5 => {
                level.splice(at..=at, fragments.any(random));
            }
            6 => {
                let inserted = fragments.any(random);
                level.splice(at..at, inserted);
            }
            7 => {
                let delimiter = *random.pick(&DELIMITERS);
                let (stream, span) = match &level[at] {
                    TokenTree::Group(group) => (group.stream(), group.span()),
                    other => (other.clone().into(), other.span()),
                };
                let mut group = Group::new(delimiter, stream);
                group.set_span(span);
                level[at] = group.into();
            }
            8 => {
                if let TokenTree::Group(group) = &level[at] {
                    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                    level.splice(at..=at, inner);
                }
            }
            9 => {
                let await_tokens: TokenStream = ".await".parse().unwrap();
                level.splice(at + 1..at + 1, await_tokens);
            }
            10 => {
                let receiver = *random.pick(&["self", "self.", "&self,", "Self"]);
                level.splice(at..at, receiver.parse::<TokenStream>().unwrap());
            }
            11 => {
                // Graft a piece of another corpus function.
                let donor = random.pick(&corpus.functions);
                let donor_nodes = count_nodes(donor);
                if donor_nodes > 0 {
                    let graft = node_at(donor, random.below(donor_nodes));
                    level[at] = graft;
                }
            }
            12 => {
                if let TokenTree::Group(group) = &level[at] {
                    let mut inner: Vec<TokenTree> = group.stream().into_iter().collect();
                    let position = random.below(inner.len() + 1);
                    inner.splice(position..position, fragments.any(random));
                    let mut edited = Group::new(group.delimiter(), inner.into_iter().collect());
                    edited.set_span(group.span());
                    level[at] = edited.into();
                }
            }
            _ => level.truncate(at),
        }),
    }
}

/// How many token trees `tokens` holds, at every depth.
fn count_nodes(tokens: &TokenStream) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|tree| match &tree {
            TokenTree::Group(group) => 1 + count_nodes(&group.stream()),
            _ => 1,
        })
        .sum()
}

/// The pre-order numbers of the `{ .. }` groups in `tokens`.
fn brace_groups(tokens: &TokenStream) -> Vec<usize> {
    fn walk(tokens: TokenStream, next: &mut usize, found: &mut Vec<usize>) {
        for tree in tokens {
            let node = *next;
            *next += 1;
            if let TokenTree::Group(group) = tree {
                if group.delimiter() == Delimiter::Brace {
                    found.push(node);
                }
                walk(group.stream(), next, found);
            }
        }
    }
    let mut found = Vec::new();
    walk(tokens.clone(), &mut 0, &mut found);
    found
}

/// The `node`th token tree in pre-order.
fn node_at(tokens: &TokenStream, node: usize) -> TokenTree {
    let mut found = None;
    edit_at(tokens, node, &mut |level, at| {
        found = Some(level[at].clone())
    });
    found.expect("node < count_nodes")
}

/// Calls `edit` with the level (the token trees of one group, or the top) holding the `node`th
/// token tree in pre-order, and its index there; returns the tokens with the level edited.
fn edit_at(
    tokens: &TokenStream,
    node: usize,
    edit: &mut dyn FnMut(&mut Vec<TokenTree>, usize),
) -> TokenStream {
    fn walk(
        tokens: TokenStream,
        remaining: &mut usize,
        edit: &mut dyn FnMut(&mut Vec<TokenTree>, usize),
    ) -> (TokenStream, bool) {
        let mut level: Vec<TokenTree> = tokens.into_iter().collect();
        for at in 0..level.len() {
            if *remaining == 0 {
                edit(&mut level, at);
                return (level.into_iter().collect(), true);
            }
            *remaining -= 1;
            if let TokenTree::Group(group) = &level[at] {
                let (inner, done) = walk(group.stream(), remaining, edit);
                if done {
                    let mut edited = Group::new(group.delimiter(), inner);
                    edited.set_span(group.span());
                    level[at] = edited.into();
                    return (level.into_iter().collect(), true);
                }
            }
        }
        (level.into_iter().collect(), false)
    }
    let mut remaining = node;
    walk(tokens.clone(), &mut remaining, edit).0
}

fn remove_ident(tokens: TokenStream, word: &str) -> TokenStream {
    tokens
        .into_iter()
        .filter(|tree| !matches!(tree, TokenTree::Ident(ident) if ident == word))
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let mut edited = Group::new(group.delimiter(), remove_ident(group.stream(), word));
                edited.set_span(group.span());
                edited.into()
            }
            other => other,
        })
        .collect()
}
