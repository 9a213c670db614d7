use super::{ATTRIBUTE, AsyncFn, Outcome, Place, SkipReason, annotate};

fn outcome_of<'a>(functions: &'a [AsyncFn], name: &str) -> &'a Outcome {
    &functions
        .iter()
        .find(|function| function.name == name)
        .unwrap_or_else(|| panic!("`{name}` was not found"))
        .outcome
}

#[test]
fn annotates_free_functions_methods_and_default_bodies_in_place() {
    let source = r#"
use std::future::Future;

/// Connects.
pub async fn connect(addr: &str) -> usize { addr.len() }

struct Client;

impl Client {
    #[instrument(skip(self))]
    pub(crate) async fn get(&mut self) {} // keeps this comment
    fn not_async(&self) {}
}

trait Store {
    async fn load(&self) -> u8 { 0 }
}

impl Store for Client {
    async fn load(&self) -> u8 {
        async fn nested() {}
        nested().await;
        1
    }
}

mod inner {
    pub async unsafe fn raw() {}
}
"#;
    let expected = r#"
use std::future::Future;

/// Connects.
#[stackless::inspect] pub async fn connect(addr: &str) -> usize { addr.len() }

struct Client;

impl Client {
    #[instrument(skip(self))]
    #[stackless::inspect] pub(crate) async fn get(&mut self) {} // keeps this comment
    fn not_async(&self) {}
}

trait Store {
    #[stackless::inspect] async fn load(&self) -> u8 { 0 }
}

impl Store for Client {
    #[stackless::inspect] async fn load(&self) -> u8 {
        #[stackless::inspect] async fn nested() {}
        nested().await;
        1
    }
}

mod inner {
    #[stackless::inspect] pub async unsafe fn raw() {}
}
"#;
    let annotated = annotate(source).unwrap();
    assert_eq!(annotated.text, expected);
    let found: Vec<(&str, usize, Place)> = annotated
        .functions
        .iter()
        .map(|function| (function.name.as_str(), function.line, function.place))
        .collect();
    assert_eq!(
        found,
        [
            ("connect", 5, Place::Free),
            ("get", 11, Place::InherentMethod),
            ("load", 16, Place::TraitMethod),
            ("load", 20, Place::TraitImplMethod),
            ("nested", 21, Place::Free),
            ("raw", 28, Place::Free),
        ]
    );
    assert!(
        annotated
            .functions
            .iter()
            .all(|function| function.outcome == Outcome::Annotated)
    );
}

#[test]
fn skips_what_the_attribute_cannot_take_and_says_why() {
    let source = r#"
trait Declared {
    async fn declared(&self);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_test() {}

    async fn helper() {}
}

#[async_trait::async_trait]
impl Declared for () {
    async fn declared(&self) {}
}

#[async_trait]
trait Boxed {
    async fn boxed(&self) {}
}

macro_rules! make {
    () => {
        pub async unsafe fn generated() {}
    };
}
"#;
    let annotated = annotate(source).unwrap();
    let functions = &annotated.functions;
    let skipped = |reason: SkipReason| Outcome::Skipped(reason);
    assert_eq!(
        functions
            .iter()
            .map(|function| (
                function.name.as_str(),
                function.line,
                function.outcome.clone()
            ))
            .collect::<Vec<_>>(),
        [
            ("declared", 3, skipped(SkipReason::NoBody)),
            (
                "main",
                7,
                skipped(SkipReason::EntryPoint {
                    attribute: "tokio::main".to_owned()
                })
            ),
            (
                "a_test",
                12,
                skipped(SkipReason::EntryPoint {
                    attribute: "tokio::test".to_owned()
                })
            ),
            ("helper", 14, Outcome::Annotated),
            ("declared", 19, skipped(SkipReason::AsyncTrait)),
            ("boxed", 24, skipped(SkipReason::AsyncTrait)),
            ("generated", 29, skipped(SkipReason::InsideMacro)),
        ]
    );
    // Only `helper` changed.
    assert_eq!(
        annotated.text,
        source.replace(
            "    async fn helper() {}",
            "    #[stackless::inspect] async fn helper() {}"
        )
    );
    let behind_cfg: Vec<&str> = functions
        .iter()
        .filter(|function| function.behind_cfg)
        .map(|function| function.name.as_str())
        .collect();
    assert_eq!(behind_cfg, ["a_test", "helper"]);
}

#[test]
fn a_second_pass_changes_nothing() {
    let source = r#"
pub async fn once() {}
#[stackless::inspect(budget = 64)]
async fn already() {}
impl S {
    #[::stackless::inspect]
    async fn method(&self) {}
}
"#;
    let first = annotate(source).unwrap();
    assert_eq!(outcome_of(&first.functions, "once"), &Outcome::Annotated);
    assert_eq!(
        outcome_of(&first.functions, "already"),
        &Outcome::AlreadyAnnotated
    );
    assert_eq!(
        outcome_of(&first.functions, "method"),
        &Outcome::AlreadyAnnotated
    );
    // One new attribute; the two already there, spelled differently, are kept as they are.
    assert_eq!(first.text.matches(ATTRIBUTE).count(), 1);
    assert!(
        first
            .text
            .contains("#[stackless::inspect(budget = 64)]\nasync fn already")
    );

    let second = annotate(&first.text).unwrap();
    assert_eq!(second.text, first.text);
    assert!(
        second
            .functions
            .iter()
            .all(|function| function.outcome == Outcome::AlreadyAnnotated)
    );
}

#[test]
fn async_blocks_closures_and_plain_fns_are_not_functions_to_annotate() {
    let source = r#"
fn spawn() -> impl std::future::Future<Output = ()> {
    let closure = async || {};
    async move { closure().await }
}
const fn constant() -> u8 { 0 }
"#;
    let annotated = annotate(source).unwrap();
    assert!(annotated.functions.is_empty());
    assert_eq!(annotated.text, source);
}

#[test]
fn inserts_at_the_right_byte_after_non_ascii_text_and_a_byte_order_mark() {
    let source = "\u{feff}/* clé */ async fn été() {}\n";
    let annotated = annotate(source).unwrap();
    assert_eq!(
        annotated.text,
        "\u{feff}/* clé */ #[stackless::inspect] async fn été() {}\n"
    );
    assert_eq!(annotated.functions[0].line, 1);
}

#[test]
fn every_annotated_function_carries_the_attribute_when_parsed_again() {
    let source = r#"
impl<T: Send> Wrapper<T> {
    pub async fn with_generics<'a, U>(&'a self, value: U) -> &'a T where U: Send { &self.0 }
}
pub(in crate::a) async fn restricted(shutdown: impl std::future::Future) { shutdown.await }
"#;
    let annotated = annotate(source).unwrap();
    let reparsed = annotate(&annotated.text).unwrap();
    assert_eq!(reparsed.functions.len(), 2);
    for function in &reparsed.functions {
        assert_eq!(function.outcome, Outcome::AlreadyAnnotated, "{function:?}");
    }
    // The annotated text is still valid Rust with the same items.
    syn::parse_file(&annotated.text).unwrap();
}

#[test]
fn a_file_that_is_not_rust_is_an_error() {
    assert!(annotate("async fn broken( {").is_err());
}

#[test]
fn skip_reasons_name_their_source() {
    let entry = SkipReason::EntryPoint {
        attribute: "tokio::test".to_owned(),
    };
    assert!(entry.to_string().starts_with("`#[tokio::test]` takes"));
    assert!(SkipReason::NoBody.to_string().contains("Limitations"));
    assert!(SkipReason::AsyncTrait.to_string().contains("async_trait"));
}
