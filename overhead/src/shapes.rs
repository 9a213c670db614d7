//! The six function shapes, each written once and compiled once per instrumentation system.
//!
//! `shapes!(#[attribute])` emits the six shapes with `attribute` on each; every module below
//! holds one system's copy, beside `task`, the setup a task of that system needs in
//! production (only await-tree needs any). Every shape returns `u64` and, given `n`, is polled
//! `n + 1` times to completion.

/// The shapes, with the given attribute (or none) on each function.
macro_rules! shapes {
    ($(#[$instrument:meta])?) => {
        use ::std::hint::black_box;

        use $crate::pending::PendingN;

        /// An empty body with one await, parked `pending` times.
        $(#[$instrument])?
        pub async fn one_await(pending: u32) -> u64 {
            PendingN::new(pending).await;
            u64::from(pending)
        }

        /// One await with a 1 KiB local alive across it.
        $(#[$instrument])?
        pub async fn kib_local(pending: u32) -> u64 {
            let mut buffer = [0u8; 1024];
            buffer[pending as usize % 1024] = 1;
            black_box(&mut buffer);
            PendingN::new(pending).await;
            u64::from(black_box(&buffer)[0])
        }

        /// One await, then a 1 KiB argument is read.
        $(#[$instrument])?
        pub async fn kib_argument(buffer: [u8; 1024], pending: u32) -> u64 {
            PendingN::new(pending).await;
            u64::from(black_box(&buffer)[pending as usize % 1024])
        }

        /// One await point reached `awaits` times, each parking once: every poll parks on a
        /// new awaited future.
        $(#[$instrument])?
        pub async fn loop_of_awaits(awaits: u32) -> u64 {
            for _ in 0..awaits {
                PendingN::new(1).await;
            }
            u64::from(awaits)
        }

        /// Two await points, parked on in turn, `awaits` times in all, each once: every poll
        /// parks the future somewhere else than the poll before (the other shapes stay where
        /// they parked, poll after poll).
        $(#[$instrument])?
        pub async fn alternating_awaits(awaits: u32) -> u64 {
            for step in 0..awaits {
                if step % 2 == 0 {
                    PendingN::new(1).await;
                } else {
                    PendingN::new(1).await;
                }
            }
            u64::from(awaits)
        }

        /// The receiver of the method shape.
        #[derive(Debug)]
        pub struct Session {
            id: u64,
        }

        impl Session {
            pub fn new(id: u64) -> Self {
                Session { id }
            }

            /// A method with one await that reads `self` after it.
            $(#[$instrument])?
            pub async fn handle(&self, pending: u32) -> u64 {
                PendingN::new(pending).await;
                self.id + u64::from(pending)
            }
        }
    };
}

/// No instrumentation: the baseline every other column is compared with.
pub mod plain {
    shapes!();

    /// A plain task needs no setup.
    pub fn task<F: Future>(future: F) -> F {
        future
    }
}

/// `#[stackless::inspect]`; with the package's `inspect` feature off, the attribute emits each
/// function unchanged, and this is the "stackless (off)" column.
pub mod inspected {
    shapes!(#[::stackless::inspect]);

    /// Inspected futures need no setup: each registers itself when created.
    pub fn task<F: Future>(future: F) -> F {
        future
    }
}

/// `#[async_backtrace::framed]`.
pub mod async_backtrace_framed {
    shapes!(#[::async_backtrace::framed]);

    /// No setup: the outermost framed future of a task registers itself as the task's root on
    /// its first poll.
    pub fn task<F: Future>(future: F) -> F {
        future
    }
}

/// `#[await_tree::instrument]`.
pub mod await_tree_instrumented {
    shapes!(#[::await_tree::instrument]);

    /// Registers a tree root for the task, as `await_tree::spawn` does: outside a root the
    /// attribute records nothing, so a root is part of using await-tree at all.
    pub fn task<F: Future>(future: F) -> impl Future<Output = F::Output> {
        registry().register_anonymous("task").instrument(future)
    }

    /// The registry every task's root is registered in, as a program would keep one.
    fn registry() -> &'static ::await_tree::Registry {
        static REGISTRY: ::std::sync::LazyLock<::await_tree::Registry> =
            ::std::sync::LazyLock::new(|| ::await_tree::Registry::new(Default::default()));
        &REGISTRY
    }
}

/// `#[tracing::instrument]` with its defaults (every argument recorded), no subscriber
/// installed.
pub mod tracing_instrumented {
    shapes!(#[::tracing::instrument]);

    /// No setup: with no subscriber every span is disabled.
    pub fn task<F: Future>(future: F) -> F {
        future
    }
}
