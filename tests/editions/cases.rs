//! The cases every `tests/editions/edition20xx` crate compiles, under its own edition (each
//! includes this file with `#[path]`). Before edition 2024 a plain `-> impl Trait` captures only
//! the lifetimes it names; an `async fn` captures every lifetime in scope in every edition, and
//! `#[stackless::inspect]` must too. `define!` writes each case twice: in `plain` as written, in
//! `inspected` under the attribute, so the tests can compare the two.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Names of dropped [`Noisy`] values, in drop order.
pub type Log = Rc<RefCell<Vec<&'static str>>>;

/// Writes its name to the log when dropped.
pub struct Noisy {
    pub name: &'static str,
    log: Log,
}

impl Noisy {
    pub fn new(name: &'static str, log: &Log) -> Self {
        Noisy {
            name,
            log: Rc::clone(log),
        }
    }
}

impl Drop for Noisy {
    fn drop(&mut self) {
        self.log.borrow_mut().push(self.name);
    }
}

/// `Pending` once (without waking: the tests' executor polls in a loop), then ready.
#[derive(Default)]
pub struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        Poll::Pending
    }
}

fn parse(text: &str) -> Result<usize, &'static str> {
    text.parse().map_err(|_| "not a number")
}

/// An `async fn` in a trait, implemented by `plain::Shelf` and `inspected::Shelf`.
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn get(&self, key: &str) -> Option<&str>;
}

/// A trait lifetime the output borrows from, not the receiver.
#[allow(async_fn_in_trait)]
pub trait Source<'a> {
    async fn next(&mut self) -> Option<&'a str>;
}

macro_rules! define {
    ($($inspect:meta)?) => {
        use super::{parse, Noisy, Source, Store, YieldOnce};

        /// An elided lifetime in an argument, not in the output.
        $(#[$inspect])?
        pub async fn count_words(text: &str) -> usize {
            YieldOnce::default().await;
            text.split_whitespace().count()
        }

        /// An elided lifetime in an argument and in the output.
        $(#[$inspect])?
        pub async fn first_word(text: &str) -> &str {
            YieldOnce::default().await;
            text.split_whitespace().next().unwrap_or("")
        }

        /// Two explicit lifetimes (spelled out on purpose); the output names only one.
        $(#[$inspect])?
        #[allow(clippy::needless_lifetimes)]
        pub async fn keep_first<'a, 'b>(first: &'a str, second: &'b str) -> &'a str {
            YieldOnce::default().await;
            &first[..first.len().min(second.len())]
        }

        /// `impl Trait` arguments, one of them a closure borrowing its environment.
        $(#[$inspect])?
        pub async fn total(
            numbers: impl IntoIterator<Item = u32>,
            scale: impl Fn(u32) -> u32,
        ) -> u32 {
            let numbers: Vec<u32> = numbers.into_iter().collect();
            YieldOnce::default().await;
            numbers.into_iter().map(scale).sum()
        }

        /// A generic type, borrowed, and a generic result.
        $(#[$inspect])?
        pub async fn repeat<T: Clone>(value: &T, times: usize) -> Vec<T> {
            YieldOnce::default().await;
            vec![value.clone(); times]
        }

        /// A generic type that may itself be a reference.
        $(#[$inspect])?
        pub async fn echo<T>(value: T) -> T {
            YieldOnce::default().await;
            value
        }

        /// Owned arguments: the future is `'static` and `Send`.
        $(#[$inspect])?
        pub async fn shout(text: String) -> String {
            YieldOnce::default().await;
            text.to_uppercase()
        }

        /// Drop order of parameters, locals and tail temporaries; `?` returning early.
        $(#[$inspect])?
        pub async fn drops(
            first: Noisy,
            second: Noisy,
            number: &str,
        ) -> Result<usize, &'static str> {
            let local = Noisy::new("local", &first.log);
            let parsed = parse(number)?;
            YieldOnce::default().await;
            Ok(parsed + Noisy::new("tail temporary", &second.log).name.len() - local.name.len())
        }

        pub struct Counter {
            pub count: u32,
        }

        impl Counter {
            $(#[$inspect])?
            pub async fn get(&self) -> u32 {
                YieldOnce::default().await;
                self.count
            }

            $(#[$inspect])?
            pub async fn bump(&mut self) -> u32 {
                YieldOnce::default().await;
                self.count += 1;
                self.count
            }
        }

        pub struct Conn<'a> {
            pub peer: &'a str,
        }

        impl<'a> Conn<'a> {
            /// The output borrows for the impl's `'a`, not for as long as `&self`.
            $(#[$inspect])?
            pub async fn peer(&self) -> &'a str {
                YieldOnce::default().await;
                self.peer
            }
        }

        impl Conn<'_> {
            $(#[$inspect])?
            pub async fn peer_len(&self) -> usize {
                YieldOnce::default().await;
                self.peer.len()
            }

            $(#[$inspect])?
            pub async fn forget_peer(&mut self) {
                YieldOnce::default().await;
                self.peer = "";
            }
        }

        pub struct Shelf {
            pub items: Vec<(String, String)>,
        }

        impl Store for Shelf {
            $(#[$inspect])?
            async fn get(&self, key: &str) -> Option<&str> {
                YieldOnce::default().await;
                let (_, value) = self.items.iter().find(|(name, _)| name == key)?;
                // `.as_str()`: the attribute does not yet coerce to the declared output type.
                Some(value.as_str())
            }
        }

        pub struct Words<'a> {
            pub rest: &'a str,
        }

        impl<'a> Source<'a> for Words<'a> {
            $(#[$inspect])?
            async fn next(&mut self) -> Option<&'a str> {
                YieldOnce::default().await;
                let rest = self.rest.trim_start();
                let end = rest.find(' ').unwrap_or(rest.len());
                let (word, rest) = rest.split_at(end);
                self.rest = rest;
                Some(word).filter(|word| !word.is_empty())
            }
        }

        /// A default body in a trait, where `Self` is not known.
        #[allow(async_fn_in_trait)]
        pub trait Greet {
            fn name(&self) -> &str;

            $(#[$inspect])?
            async fn greet(&self, greeting: &str) -> String {
                YieldOnce::default().await;
                format!("{}, {}", greeting, self.name())
            }
        }

        impl Greet for Conn<'_> {
            fn name(&self) -> &str {
                self.peer
            }
        }

    };
}

pub mod plain {
    define!();
}

pub mod inspected {
    define!(::stackless::inspect);
}
