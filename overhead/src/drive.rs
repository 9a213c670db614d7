//! Creating and driving any shape of any variant: the hand-written executor, tokio tasks, and
//! the size of a future.
//!
//! Each driver is handed out as a plain `fn` pointer, so every variant pays the same indirect
//! call and the timing loop never matches on a variant while it runs.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::variant::{Shape, Variant};

/// Binds `$module` to the module of shapes compiled for `$variant`. Exported for the bench,
/// which creates futures in a crate of its own (`one_poll_from_another_crate`).
#[macro_export]
macro_rules! with_module {
    ($variant:expr, $module:ident => $body:expr) => {
        match $variant {
            $crate::variant::Variant::Plain => {
                use $crate::shapes::plain as $module;
                $body
            }
            $crate::variant::Variant::Stackless | $crate::variant::Variant::StacklessOff => {
                use $crate::shapes::inspected as $module;
                $body
            }
            $crate::variant::Variant::AsyncBacktrace => {
                use $crate::shapes::async_backtrace_framed as $module;
                $body
            }
            $crate::variant::Variant::AwaitTree => {
                use $crate::shapes::await_tree_instrumented as $module;
                $body
            }
            $crate::variant::Variant::Tracing => {
                use $crate::shapes::tracing_instrumented as $module;
                $body
            }
        }
    };
}

/// A `fn(u32) -> $output` per shape of `$variant`: it creates the shape's task future with
/// argument `n` (1 KiB of zeros for the argument shape), binds it to `$future` and evaluates
/// `$consume`. The method shape's receiver is created inside the task, as a `'static` task must.
macro_rules! fn_for {
    ($variant:expr, $shape:expr, $output:ty, |$future:ident| $consume:expr) => {
        with_module!($variant, module => match $shape {
            Shape::OneAwait => (|n: u32| {
                let $future = module::task(module::one_await(black_box(n)));
                $consume
            }) as fn(u32) -> $output,
            Shape::KibLocal => |n: u32| {
                let $future = module::task(module::kib_local(black_box(n)));
                $consume
            },
            Shape::KibArgument => |n: u32| {
                let $future = module::task(module::kib_argument(black_box([0; 1024]), black_box(n)));
                $consume
            },
            Shape::LoopOfAwaits => |n: u32| {
                let $future = module::task(module::loop_of_awaits(black_box(n)));
                $consume
            },
            Shape::AlternatingAwaits => |n: u32| {
                let $future = module::task(module::alternating_awaits(black_box(n)));
                $consume
            },
            Shape::Method => |n: u32| {
                let $future = module::task(async move {
                    module::Session::new(black_box(7)).handle(black_box(n)).await
                });
                $consume
            },
        })
    };
}

/// Polls `future` to completion on this thread with a no-op waker. Each poll goes through
/// `black_box`, as through an executor's task pointer: state is reloaded, polls are not merged.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = black_box(future.as_mut()).poll(&mut cx) {
            return output;
        }
    }
}

/// Creates the shape's future with argument `n` and runs it to completion with [`block_on`]:
/// `n + 1` polls.
pub fn by_hand(shape: Shape, variant: Variant) -> fn(u32) -> u64 {
    fn_for!(variant, shape, u64, |future| block_on(future))
}

/// Spawns the shape's future with argument `n` on the current tokio runtime.
pub fn spawn(shape: Shape, variant: Variant) -> fn(u32) -> tokio::task::JoinHandle<u64> {
    fn_for!(variant, shape, tokio::task::JoinHandle<u64>, |future| {
        tokio::spawn(future)
    })
}

/// Spawns `tasks` tasks of one shape with argument `n` and waits for all of them.
pub async fn spawn_and_join(
    spawn: fn(u32) -> tokio::task::JoinHandle<u64>,
    tasks: u32,
    n: u32,
) -> u64 {
    let handles: Vec<_> = (0..tasks).map(|_| spawn(n)).collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await.expect("a benchmark task panicked");
    }
    total
}

/// The size of the future the shape's function returns (without a task's setup), in bytes.
/// The future is created and dropped, never polled.
pub fn future_size(shape: Shape, variant: Variant) -> usize {
    with_module!(variant, module => match shape {
        Shape::OneAwait => size_of_val(&module::one_await(0)),
        Shape::KibLocal => size_of_val(&module::kib_local(0)),
        Shape::KibArgument => size_of_val(&module::kib_argument([0; 1024], 0)),
        Shape::LoopOfAwaits => size_of_val(&module::loop_of_awaits(0)),
        Shape::AlternatingAwaits => size_of_val(&module::alternating_awaits(0)),
        Shape::Method => size_of_val(&module::Session::new(0).handle(0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_of_every_variant_runs_to_its_output() {
        for &variant in Variant::in_this_build() {
            assert_eq!(by_hand(Shape::OneAwait, variant)(3), 3, "{variant:?}");
            assert_eq!(by_hand(Shape::KibLocal, variant)(3), 0, "{variant:?}");
            assert_eq!(by_hand(Shape::KibArgument, variant)(3), 0, "{variant:?}");
            assert_eq!(by_hand(Shape::LoopOfAwaits, variant)(3), 3, "{variant:?}");
            assert_eq!(
                by_hand(Shape::AlternatingAwaits, variant)(3),
                3,
                "{variant:?}"
            );
            assert_eq!(by_hand(Shape::Method, variant)(3), 10, "{variant:?}");
        }
    }

    #[test]
    fn tasks_of_every_shape_run_on_tokio() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("current-thread runtime");
        for &variant in Variant::in_this_build() {
            for shape in Shape::ALL {
                let total = runtime.block_on(spawn_and_join(spawn(shape, variant), 4, 2));
                let expected = match shape {
                    Shape::OneAwait | Shape::LoopOfAwaits | Shape::AlternatingAwaits => 2,
                    Shape::KibLocal | Shape::KibArgument => 0,
                    Shape::Method => 9,
                };
                assert_eq!(total, 4 * expected, "{shape:?} {variant:?}");
            }
        }
    }
}
