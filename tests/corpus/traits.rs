//! Native `async fn` in traits: implementations of a shared trait, default bodies of a twin
//! trait, a trait that declares `-> impl Future + Send`, generic methods, associated types and
//! functions without a receiver.

use std::future::Future;

use super::harness::*;

pub trait Shape {
    async fn area(&self, guard: D) -> u32;
    async fn scale(&mut self, by: u32) -> u32;
    async fn unit() -> Self;
}

/// Declared with `impl Future + Send`, implemented with `async fn`.
pub trait Measure {
    fn measure(&self, guard: D) -> impl Future<Output = u32> + Send;
}

pub trait Source {
    type Item;
    async fn next(&mut self) -> Option<Self::Item>;
}

pub trait Convert<T> {
    async fn convert(self, extra: T) -> Vec<T>;
}

macro_rules! source {
    ($($inspect:tt)*) => {
        #[derive(Debug)]
        pub struct Square(pub u32);

        impl Shape for Square {
            $($inspect)*
            async fn area(&self, guard: D) -> u32 {
                pend(1).await;
                let _ = &guard;
                self.0 * self.0
            }

            $($inspect)*
            async fn scale(&mut self, by: u32) -> u32 {
                pend(1).await;
                self.0 *= by;
                self.0
            }

            $($inspect)*
            async fn unit() -> Self {
                pend(1).await;
                Square(1)
            }
        }

        impl Measure for Square {
            $($inspect)*
            async fn measure(&self, guard: D) -> u32 {
                pend(1).await;
                let _ = &guard;
                self.0 * 4
            }
        }

        pub struct Countdown(pub Vec<D>);

        impl Source for Countdown {
            type Item = D;

            $($inspect)*
            async fn next(&mut self) -> Option<Self::Item> {
                pend(1).await;
                self.0.pop()
            }
        }

        pub struct Label(pub D);

        impl Convert<D> for Label {
            $($inspect)*
            async fn convert(self, extra: D) -> Vec<D> {
                let _local = D("local");
                pend(1).await;
                vec![extra, self.0]
            }
        }

        /// A trait of this module, whose default bodies are inspected.
        pub trait Greet {
            fn name(&self) -> &'static str;

            $($inspect)*
            async fn greet(&self, guard: D) -> String {
                pend(1).await;
                let _ = &guard;
                format!("hello {}", self.name())
            }

            $($inspect)*
            async fn apply<F: FnOnce(&'static str) -> usize>(&self, f: F) -> usize
            where
                Self: Sized,
            {
                pend(2).await;
                f(self.name())
            }
        }

        impl Greet for Square {
            fn name(&self) -> &'static str {
                "square"
            }
        }
    };
}

twin!(source);

case!(trait_impl_ref: leak(Square(3)).area(D("guard")));
case!(trait_impl_mut: leak(Square(3)).scale(4));
case!(trait_impl_no_receiver: <Square as Shape>::unit());
case!(trait_declared_with_impl_future_send: leak(Square(3)).measure(D("guard")));
case!(trait_associated_type: leak(Countdown(vec![D("one"), D("two")])).next());
case!(generic_trait_by_value: Label(D("self")).convert(D("extra")));
case!(trait_default_body: leak(Square(2)).greet(D("guard")));
case!(trait_default_generic: leak(Square(2)).apply(|name| name.len()));
