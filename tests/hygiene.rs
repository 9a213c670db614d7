//! Hygiene: the code `#[stackless::inspect]` generates names everything by absolute path
//! (`::core::..`, `::stackless::__private::..`) and hides its own locals, so nothing the user
//! defines around the function or inside it changes what the function does or reports.

/// Every name the expansion could reach for by a relative path is taken by something else.
mod shadowed {
    #![allow(dead_code, non_camel_case_types, unused_macros)]

    // Modules named like the crates the expansion uses.
    mod core {}
    mod std {}
    mod stackless {}
    mod linkme {}

    // Prelude, library and primitive names.
    struct Future;
    struct IntoFuture;
    struct Option;
    struct Some;
    struct None;
    struct Result;
    struct Site;
    struct FnMeta;
    struct AwaitMeta;
    struct Instrumented;
    struct str;
    struct usize;
    struct u16;
    fn probe() {}
    fn instrument() {}
    fn self_type() {}
    fn self_type_of() {}

    // Built-in macros the expansion might call unqualified.
    macro_rules! file {
        () => {
            compile_error!("the expansion called `file!` unqualified")
        };
    }
    macro_rules! line {
        () => {
            compile_error!("the expansion called `line!` unqualified")
        };
    }
    macro_rules! module_path {
        () => {
            compile_error!("the expansion called `module_path!` unqualified")
        };
    }

    /// Parameters and locals named like the expansion's hidden ones, and like library items.
    #[::stackless::inspect(budget = 4096)]
    pub async fn fetch(
        probe: u64,
        instrument: u64,
        (core, stackless): (u64, u64),
        __arg2: u64,
    ) -> u64 {
        let __stackless_ret = probe + instrument;
        ::tokio::task::yield_now().await;
        let product = core * stackless;
        __stackless_ret + product + __arg2
    }

    pub struct Client {
        pub base: u64,
    }

    impl Client {
        /// Through `self_type_of`, with a name override.
        #[::stackless::inspect(name = "client get")]
        pub async fn get(&self, offset: u64) -> u64 {
            ::tokio::task::yield_now().await;
            ::tokio::task::yield_now().await;
            self.base + offset
        }
    }
}

/// Without the prelude, even `Option`, `Some` and `str` must be spelled out.
#[no_implicit_prelude]
mod no_prelude {
    pub struct Wrapper<T> {
        pub value: T,
    }

    impl<T: ::std::clone::Clone> Wrapper<T> {
        #[::stackless::inspect(budget = 1024, name = "no_prelude get")]
        pub async fn get(&self) -> T {
            ::tokio::task::yield_now().await;
            self.value.clone()
        }
    }

    #[::stackless::inspect]
    pub async fn parse(text: &str) -> ::std::result::Result<u64, ::std::num::ParseIntError> {
        let number = text.parse::<u64>()?;
        ::tokio::task::yield_now().await;
        ::std::result::Result::Ok(number)
    }
}

#[tokio::test]
async fn shadowing_names_changes_nothing() {
    assert_eq!(shadowed::fetch(1, 2, (3, 4), 5).await, 1 + 2 + 3 * 4 + 5);
    let client = shadowed::Client { base: 10 };
    assert_eq!(client.get(5).await, 15);

    let report = stackless::report();
    let fetch = report
        .function("shadowed::fetch")
        .expect("`fetch` is registered");
    assert_eq!((fetch.created, fetch.completed), (1, 1));
    assert_eq!(fetch.budget, Some(4096));
    let awaited: Vec<&str> = fetch
        .await_points
        .iter()
        .map(|point| point.expression.as_str())
        .collect();
    assert_eq!(awaited, ["::tokio::task::yield_now()"]);
    let get = report
        .function("client get")
        .expect("the name override is used");
    assert_eq!((get.completed, get.await_points.len()), (1, 2));

    let layout = stackless::layout(shadowed::fetch(0, 0, (0, 0), 0));
    assert_eq!(layout.name, "hygiene::shadowed::fetch");
    assert_eq!(layout.await_points.len(), 1);
}

#[tokio::test]
async fn no_implicit_prelude_is_enough() {
    let wrapper = no_prelude::Wrapper {
        value: String::from("kept"),
    };
    assert_eq!(wrapper.get().await, "kept");
    assert_eq!(no_prelude::parse("42").await, Ok(42));
    assert!(no_prelude::parse("forty-two").await.is_err());

    let report = stackless::report();
    let get = report
        .function("no_prelude get")
        .expect("`get` is registered");
    assert_eq!((get.completed, get.budget), (1, Some(1024)));
    let parse = report
        .function("no_prelude::parse")
        .expect("`parse` is registered");
    assert_eq!((parse.created, parse.completed), (2, 2));
}
