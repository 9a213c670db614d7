//! Inherent methods, one per kind of receiver, and associated functions.

use super::harness::*;

macro_rules! source {
    ($($inspect:tt)*) => {
        pub const LIMIT: u32 = 64;

        #[derive(Debug)]
        pub struct Counter {
            pub count: u32,
            pub buffer: [u8; 32],
            pub guard: D,
            pub label: String,
        }

        impl Counter {
            pub fn new_now() -> Self {
                Counter {
                    count: 1,
                    buffer: [2; 32],
                    guard: D("receiver"),
                    label: String::from("counter"),
                }
            }

            $($inspect)*
            pub async fn new(label: &'static str) -> Self {
                pend(1).await;
                Counter { count: 0, buffer: [1; 32], guard: D(label), label: label.to_owned() }
            }

            $($inspect)*
            pub async fn by_ref(&self, extra: D) -> u32 {
                pend(1).await;
                let _ = &extra;
                self.count + u32::from(self.buffer[0])
            }

            $($inspect)*
            pub async fn by_mut(&mut self, step: u32) -> u32 {
                self.count += step;
                pend(2).await;
                self.count += step;
                self.count
            }

            $($inspect)*
            pub async fn by_value(self, extra: D) -> (u32, D) {
                let _local = D("local");
                pend(1).await;
                let _ = &extra;
                (self.count, self.guard)
            }

            $($inspect)*
            pub async fn by_mut_value(mut self) -> Self {
                pend(1).await;
                self.count += 10;
                self.guard = D("replaced guard");
                pend(1).await;
                self
            }

            $($inspect)*
            pub async fn boxed(self: Box<Self>, extra: D) -> u32 {
                pend(1).await;
                let _ = &extra;
                let count = self.count;
                drop(self);
                pend(1).await;
                count
            }

            $($inspect)*
            pub async fn pinned(mut self: std::pin::Pin<&mut Self>) -> u32 {
                pend(1).await;
                self.count += 1;
                self.as_mut().get_mut().count += 1;
                self.count
            }

            $($inspect)*
            pub async fn explicit_ref(self: &Self) -> String {
                pend(1).await;
                // `self` inside macros and closures is the receiver too.
                let show = || format!("{}", self.count);
                format!("{} {:?} {}", show(), self.guard, self.buffer.len())
            }

            $($inspect)*
            pub async fn uses_self_type(&self) -> u32 {
                // A nested item has a `self` of its own.
                struct Doubler(u32);
                impl Doubler {
                    fn apply(&self) -> u32 {
                        self.0 * 2
                    }
                }
                let fresh = Self::new_now();
                pend(1).await;
                Doubler(self.count).apply() + fresh.count + u32::from(matches!(self.buffer[0], 2))
            }

            $($inspect)*
            pub async fn receiver_in_local_macro(&self) -> u32 {
                macro_rules! count {
                    () => {
                        self.count
                    };
                }
                pend(1).await;
                count!()
            }

            $($inspect)*
            pub async fn receiver_in_local_macro_by_value(self) -> u32 {
                macro_rules! count {
                    () => {
                        self.count
                    };
                }
                pend(1).await;
                count!()
            }

            $($inspect)*
            pub async fn self_path_in_macro(&self) -> String {
                pend(1).await;
                format!("{} {}", self::LIMIT, self.count)
            }

            $($inspect)*
            #[allow(non_snake_case)]
            pub async fn parameter_named_like_the_hidden_receiver(&self, __stackless_self: u32) -> u32 {
                pend(1).await;
                self.count + __stackless_self * 100
            }

            $($inspect)*
            pub async fn receiver_attributes(
                #[allow(unused)] &self,
                #[allow(unused)] extra: D,
            ) -> u8 {
                pend(1).await;
                1
            }

            $($inspect)*
            pub async fn label(&self) -> &str {
                pend(1).await;
                // `&String` is coerced to `&str`.
                &self.label
            }

            /// Parameters named like the attribute's own bindings.
            $($inspect)*
            pub async fn hygiene(&self, __self: u32, __arg1: u32) -> u32 {
                pend(1).await;
                self.count + __self * 10 + __arg1 * 100
            }

            $($inspect)*
            pub async fn shared(self: std::rc::Rc<Self>) -> u32 {
                pend(1).await;
                self.count
            }
        }

        pub struct View<'a> {
            pub text: &'a str,
        }

        impl<'a> View<'a> {
            $($inspect)*
            pub async fn text(&self) -> &str {
                pend(1).await;
                self.text
            }

            $($inspect)*
            pub async fn word(&self, index: usize) -> &'a str {
                pend(1).await;
                self.text.split(' ').nth(index).unwrap_or("")
            }

            #[allow(clippy::needless_lifetimes, reason = "explicit lifetimes are the point")]
            $($inspect)*
            pub async fn advance<'b>(&'b mut self, skip: usize) -> &'b str {
                pend(1).await;
                self.text = &self.text[skip..];
                self.text
            }
        }

        pub struct Wrapper<T>(pub T);

        impl<T: std::fmt::Debug + Clone> Wrapper<T> {
            $($inspect)*
            pub async fn show(&self, prefix: &str) -> String {
                pend(1).await;
                format!("{prefix}{:?}", self.0.clone())
            }
        }
    };
}

twin!(source);

case!(associated_fn_returning_self: Counter::new("built"));
case!(receiver_ref: leak(Counter::new_now()).by_ref(D("extra")));
case!(receiver_mut: leak(Counter::new_now()).by_mut(3));
case!(receiver_value: Counter::new_now().by_value(D("extra")));
case!(receiver_mut_value: Counter::new_now().by_mut_value());
case!(receiver_box: Box::new(Counter::new_now()).boxed(D("extra")));
case!(receiver_pin: std::pin::Pin::static_mut(leak(Counter::new_now())).pinned());
case!(receiver_explicit_ref: leak(Counter::new_now()).explicit_ref());
case!(receiver_rc: std::rc::Rc::new(Counter::new_now()).shared());
case!(receiver_with_self_type_and_items: leak(Counter::new_now()).uses_self_type());
case!(receiver_in_local_macro: leak(Counter::new_now()).receiver_in_local_macro());
case!(receiver_in_local_macro_by_value: Counter::new_now().receiver_in_local_macro_by_value());
case!(self_path_in_macro: leak(Counter::new_now()).self_path_in_macro());
case!(parameter_named_like_the_hidden_receiver: leak(Counter::new_now()).parameter_named_like_the_hidden_receiver(3));
case!(deref_coercion_of_output: leak(Counter::new_now()).label());
case!(receiver_hygiene: leak(Counter::new_now()).hygiene(2, 3));
case!(attributes_on_receiver: leak(Counter::new_now()).receiver_attributes(D("extra")));
case!(elided_receiver_lifetime: leak(View { text: "whole" }).text());
case!(lifetime_of_impl: leak(View { text: "one two three" }).word(1));
case!(lifetime_of_method: leak(View { text: "one two three" }).advance(4));
case!(generic_impl: leak(Wrapper(vec![1, 2])).show("items: "));
