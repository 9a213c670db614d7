//! Generic functions: type, lifetime and const parameters, `where` clauses, `impl Trait`
//! arguments, and parameters only a turbofish can name.

use std::fmt::Debug;
use std::future::Future;

use super::harness::*;

macro_rules! source {
    ($($inspect:tt)*) => {
        $($inspect)*
        pub async fn describe<T, U>(value: T, label: U) -> String
        where
            T: Debug,
            U: Into<String>,
        {
            pend(1).await;
            let label = label.into();
            format!("{label}: {value:?}")
        }

        $($inspect)*
        pub async fn sum_array<const N: usize>(values: [u8; N], guard: D) -> usize {
            pend(1).await;
            let _ = &guard;
            values.iter().map(|&value| usize::from(value)).sum::<usize>() + N
        }

        $($inspect)*
        pub async fn pick<'a, 'b, T: ?Sized + Debug>(
            first: &'a T,
            second: &'b T,
            take_first: bool,
        ) -> &'a T
        where
            'b: 'a,
        {
            pend(1).await;
            if take_first { first } else { second }
        }

        $($inspect)*
        pub async fn drive(
            future: impl Future<Output = u32>,
            name: impl Into<String> + Debug,
        ) -> String {
            let _local = D("local");
            let value = future.await;
            pend(1).await;
            format!("{name:?} = {value}")
        }

        $($inspect)*
        pub async fn then<F>(callback: F, guard: D) -> D
        where
            F: FnOnce(u32) -> D,
        {
            let number = after(2, 7).await;
            let _ = &guard;
            callback(number)
        }

        $($inspect)*
        pub async fn apply_dyn(
            function: &dyn Fn(u32) -> u32,
            boxed: Box<dyn Fn(u32) -> u32 + Send>,
        ) -> u32 {
            let first = function(after(1, 1).await);
            pend(1).await;
            boxed(first)
        }

        $($inspect)*
        pub async fn make<T: Default + Debug>() -> T {
            pend(1).await;
            T::default()
        }

        $($inspect)*
        pub async fn hold<T: Debug>(value: T, times: u32) -> T {
            pend(times).await;
            value
        }
    };
}

twin!(source);

case!(type_parameters_where: describe(vec![D("element")], "list"));
case!(const_parameter: sum_array([3; 48], D("guard")));
case!(lifetime_parameters: pick("first", "second", false));
case!(unsized_parameter: pick::<[u8]>(b"ab", b"cd", true));
case!(impl_trait_arguments: drive(after(2, 5), String::from("five")));
case!(closure_argument: then(|number| D(if number == 7 { "seven" } else { "other" }), D("guard")));
case!(trait_object_arguments: apply_dyn(&|n| n + 1, Box::new(|n| n * 3)));
case!(turbofish: make::<Vec<u64>>());
case!(generic_value_held: hold(D("held"), 3));
