//! The six builds being compared: the same functions, differing only in the attribute above
//! each one and in the one dependency that attribute needs.

/// Version requirements of the peers, exact so that every run measures the same macro code
/// (the same versions `stackless-overhead`'s own benchmarks use).
const ASYNC_BACKTRACE: &str = "=0.2.7";
const AWAIT_TREE: &str = "=0.3.2-alpha.2";
const TRACING: &str = "=0.1.44";

/// Each peer's crate and the version it is pinned to.
pub const PINNED_PEERS: [(&str, &str); 3] = [
    ("async-backtrace", ASYNC_BACKTRACE),
    ("await-tree", AWAIT_TREE),
    ("tracing", TRACING),
];

/// One build of the generated crate: a column of the overhead tables
/// ([`stackless_overhead::variant::Variant`]), and what building it takes.
pub use stackless_overhead::variant::Variant;

/// What the compile-time benchmark needs to know about a variant, beyond its key.
pub trait VariantBuild {
    /// The name in the table and the JSON, and the generated crate's directory.
    fn name(self) -> &'static str;
    fn package(self) -> String;
    fn attribute_line(self) -> Option<&'static str>;
    fn dependency(self, stackless_root: &str) -> Option<String>;
    fn macro_crate(self) -> Option<&'static str>;
}

impl VariantBuild for Variant {
    fn name(self) -> &'static str {
        self.key()
    }

    /// The generated package's name: prefixed, so that no variant shares a name with the
    /// crate it depends on.
    fn package(self) -> String {
        format!("ct-{}", self.name())
    }

    /// The line above every generated function, `None` for the plain build. Each peer is used
    /// the way its documentation shows first: with no arguments.
    fn attribute_line(self) -> Option<&'static str> {
        match self {
            Variant::Plain => None,
            Variant::Stackless | Variant::StacklessOff => Some("#[stackless::inspect]"),
            Variant::AsyncBacktrace => Some("#[async_backtrace::framed]"),
            Variant::AwaitTree => Some("#[await_tree::instrument]"),
            Variant::Tracing => Some("#[tracing::instrument]"),
        }
    }

    /// The `[dependencies]` line of the generated package; `stackless_root` is the directory
    /// of the `stackless` package, depended on by path.
    fn dependency(self, stackless_root: &str) -> Option<String> {
        let path = toml_string(stackless_root);
        match self {
            Variant::Plain => None,
            Variant::Stackless => Some(format!("stackless = {{ path = {path} }}")),
            Variant::StacklessOff => Some(format!(
                "stackless = {{ path = {path}, default-features = false }}"
            )),
            Variant::AsyncBacktrace => Some(format!("async-backtrace = \"{ASYNC_BACKTRACE}\"")),
            Variant::AwaitTree => Some(format!(
                "await-tree = {{ version = \"{AWAIT_TREE}\", features = [\"attributes\"] }}"
            )),
            Variant::Tracing => Some(format!("tracing = \"{TRACING}\"")),
        }
    }

    /// The proc-macro crate behind the attribute, whose own clean build is measured too.
    fn macro_crate(self) -> Option<&'static str> {
        match self {
            Variant::Plain | Variant::StacklessOff => None,
            Variant::Stackless => Some("stackless-macros"),
            Variant::AsyncBacktrace => Some("async-backtrace-attributes"),
            Variant::AwaitTree => Some("await-tree-attributes"),
            Variant::Tracing => Some("tracing-attributes"),
        }
    }
}

/// A TOML basic string: quoted, with backslashes and quotes escaped.
fn toml_string(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_packages_are_distinct() {
        let mut names: Vec<&str> = Variant::ALL.iter().map(|variant| variant.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Variant::ALL.len());
        assert_eq!(Variant::StacklessOff.package(), "ct-stackless-off");
    }

    #[test]
    fn only_plain_has_no_attribute_and_no_dependency() {
        for variant in Variant::ALL {
            let is_plain = variant == Variant::Plain;
            assert_eq!(variant.attribute_line().is_none(), is_plain, "{variant:?}");
            assert_eq!(variant.dependency("/x").is_none(), is_plain, "{variant:?}");
        }
    }

    #[test]
    fn stackless_off_turns_the_default_features_off() {
        let on = Variant::Stackless.dependency("/work/a \"b\"").unwrap();
        let off = Variant::StacklessOff.dependency("/work/a \"b\"").unwrap();
        assert_eq!(on, r#"stackless = { path = "/work/a \"b\"" }"#);
        assert_eq!(
            off,
            r#"stackless = { path = "/work/a \"b\"", default-features = false }"#
        );
    }
}
