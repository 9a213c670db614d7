//! Free functions: visibility, attributes, `unsafe`, lifetimes, return types.

use super::harness::*;

// Not here because the attribute does not compile it, though plain `async fn` does (a documented
// limitation): `-> impl Fn(&str) -> &str { |s| s }`, where the closure's higher-ranked signature
// comes from the output type, which the generated code cannot name.

static FORTY_TWO: u32 = 42;

/// Outside the twins, so both return the same function pointer.
pub fn increment(n: u8) -> u8 {
    n + 1
}

macro_rules! source {
    ($($inspect:tt)*) => {
        $($inspect)*
        pub async fn inner_attributes(guard: D) -> u32 {
            #![allow(unused_variables)]
            let unused = D("unused");
            pend(1).await;
            drop(guard);
            7
        }

        $($inspect)*
        pub async fn no_await(guard: D) -> &'static str {
            let _local = D("local");
            let _ = &guard;
            "done"
        }

        $($inspect)*
        pub async fn one_await(a: u32, b: D) -> u32 {
            pend(1).await;
            log(format!("sum with {:?}", b));
            a + 1
        }

        $($inspect)*
        pub(crate) async fn crate_visible(a: D) -> u8 {
            pend(2).await;
            drop(a);
            pend(1).await;
            7
        }

        $($inspect)*
        pub(super) async fn super_visible(label: &'static str) -> String {
            pend(1).await;
            label.to_uppercase()
        }

        $($inspect)*
        async fn private(guard: D, n: u8) -> u8 {
            let _inner = D("inner");
            pend(1).await;
            let _ = guard;
            n * 2
        }

        /// Reaches `private` from the test; the future is the one `private` returns.
        pub fn call_private(n: u8) -> impl std::future::Future<Output = u8> {
            private(D("guard"), n)
        }

        /// Doubles a number, slowly.
        ///
        /// Doc comments, `#[inline]`, lint and `cfg_attr` attributes stay on the function.
        #[inline]
        #[allow(clippy::let_and_return)]
        #[cfg_attr(all(), doc = "Added by `cfg_attr`.")]
        $($inspect)*
        #[doc(alias = "twice")]
        pub async fn documented(n: u64) -> u64 {
            pend(1).await;
            let doubled = n * 2;
            doubled
        }

        $($inspect)*
        pub async fn parameter_attributes(
            #[allow(unused_variables)] unused: D,
            #[cfg(any())] removed: u8,
            #[allow(unused_mut)] mut kept: D,
            n: u8,
        ) -> u8 {
            pend(1).await;
            log(format!("{kept:?}"));
            kept = D("replaced kept");
            let _ = &kept;
            n
        }

        $($inspect)*
        pub async unsafe fn read_raw(pointer: *const u32, guard: D) -> u32 {
            pend(1).await;
            let _ = &guard;
            // SAFETY: the caller passes a pointer to a live `u32`.
            unsafe { *pointer }
        }

        $($inspect)*
        pub async fn longest<'a, 'b: 'a>(x: &'a str, y: &'b str) -> &'a str {
            pend(1).await;
            if x.len() >= y.len() { x } else { y }
        }

        $($inspect)*
        pub async fn first_word(text: &str) -> &str {
            pend(1).await;
            text.split(' ').next().unwrap_or("")
        }

        $($inspect)*
        pub async fn anonymous_lifetime(bytes: std::slice::Iter<'_, u8>, guard: D) -> usize {
            pend(1).await;
            let _ = &guard;
            bytes.len()
        }

        /// Parameters named like the attribute's own bindings.
        $($inspect)*
        pub async fn hygiene((a, b): (u8, u8), __arg0: u8, __self: u8, __stackless_ret: u8) -> u8 {
            pend(1).await;
            a + b + __arg0 + __self + __stackless_ret
        }

        /// An inspected function declared inside another function's body.
        pub fn call_nested(guard: D) -> impl std::future::Future<Output = usize> {
            $($inspect)*
            async fn nested(guard: D) -> usize {
                pend(1).await;
                guard.0.len()
            }
            nested(guard)
        }

        $($inspect)*
        pub async fn coerced_box(early: bool) -> Box<dyn std::fmt::Debug> {
            let _local = D("local");
            if after(1, early).await {
                return Box::new(D("returned early"));
            }
            Box::new((1, D("at the tail")))
        }

        $($inspect)*
        pub async fn coerced_slice(n: u8) -> &'static [u8] {
            pend(1).await;
            if n == 0 {
                return &[];
            }
            &[1, 2, 3]
        }

        $($inspect)*
        pub async fn coerced_fn_pointer() -> fn(u8) -> u8 {
            pend(1).await;
            increment
        }

        $($inspect)*
        pub async fn impl_output(n: u32) -> impl std::fmt::Debug {
            pend(1).await;
            (n, D("output"))
        }
    };
}

twin!(source);

case!(no_await: no_await(D("guard")));
case!(inner_attributes: inner_attributes(D("guard")));
case!(one_await: one_await(1, D("b")));
case!(crate_visible: crate_visible(D("a")));
case!(super_visible: super_visible("label"));
case!(private: call_private(21));
case!(documented: documented(21));
case!(parameter_attributes: parameter_attributes(D("unused"), D("kept"), 3));
// SAFETY: the pointer is to a `static`.
case!(unsafe_fn: unsafe { read_raw(&raw const FORTY_TWO, D("guard")) });
case!(explicit_lifetimes: longest("short", "longer"));
case!(elided_lifetime: first_word("hello world"));
case!(anonymous_lifetime: anonymous_lifetime(b"abc".iter(), D("guard")));
case!(hygiene: hygiene((1, 2), 3, 4, 5));
case!(nested_item: call_nested(D("guard")));
case!(coercion_at_return: coerced_box(true));
case!(coercion_at_tail: coerced_box(false));
case!(unsizing_coercion: coerced_slice(3));
case!(fn_item_to_pointer: coerced_fn_pointer());
case!(impl_output: impl_output(5));
