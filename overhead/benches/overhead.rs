//! Every shape of every variant of this build, side by side in one divan run:
//!
//! ```sh
//! cargo bench -p stackless-overhead                                  # stackless on, and the peers
//! cargo bench -p stackless-overhead --no-default-features            # stackless (off), and the peers
//! cargo bench -p stackless-overhead -- by_hand                       # one group
//! ```
//!
//! The groups are those of `measure_build` (see `overhead/README.md`): `by_hand` (one future
//! polled to completion on the hand-written executor), `one_poll` (a future's whole life with one
//! poll), `current_thread` (100 tasks on tokio's current-thread runtime) and `two_workers` (64
//! tasks on a two-worker runtime), and one of its own, `one_poll_from_another_crate` (`one_poll`
//! for two shapes, with each future created in this crate rather than in the library that
//! defines its function). Throughput rows count polls (`item/s`), so
//! `ns/poll = 1e9 / throughput`. The runner (`--bin overhead`) measures the same with its own
//! timing loop and writes the tables; this is for looking at one benchmark closely.
//!
//! The benchmarks run on the runner's measuring thread, so the stack's place in its page does
//! not move the times from run to run. The runner also builds with one codegen unit and with
//! code aligned to 64 bytes; for that here too (see `overhead/README.md`):
//!
//! ```sh
//! RUSTFLAGS="-Cllvm-args=-align-all-functions=6 -Cllvm-args=-align-all-nofallthru-blocks=6" \
//!     cargo bench -p stackless-overhead --bench overhead --profile measure
//! ```

use std::hint::black_box;

use divan::Bencher;
use divan::counter::ItemsCount;
use stackless_overhead::drive;
use stackless_overhead::measure::{self, Group};
use stackless_overhead::variant::{Shape, Variant};

fn main() {
    // The 1 KiB shapes measure nothing unless the buffer lives in the state machine.
    assert!(drive::future_size(Shape::KibLocal, Variant::Plain) > 1024);
    assert!(drive::future_size(Shape::KibArgument, Variant::Plain) > 1024);
    // Where the runner measures: a stack that randomisation does not move.
    measure::on_measuring_thread(divan::main);
}

/// One run of `group` on the hand-written executor: a future created and polled to completion.
fn on_the_hand_executor(bencher: Bencher, group: Group, shape: Shape, variant: Variant) {
    let run = drive::by_hand(shape, variant);
    let n = group.argument();
    warm_up(run, n);
    bencher
        .counter(ItemsCount::new(group.polls_per_run()))
        .bench_local(|| run(black_box(n)));
}

/// Runs `run` once before it is timed: a function's first future registers it and allocates its
/// counters, microseconds that divan would otherwise take for the cost of every run when it
/// sizes its samples (one run per sample, its timer's 17 ns precision then in every number).
fn warm_up(run: fn(u32) -> u64, n: u32) {
    black_box(run(black_box(n)));
}

/// One run of `group` on a tokio runtime: its tasks spawned and joined.
fn on_tokio(bencher: Bencher, group: Group, shape: Shape, variant: Variant) {
    let runtime = match group {
        Group::TwoWorkers => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build(),
        _ => tokio::runtime::Builder::new_current_thread().build(),
    }
    .expect("a tokio runtime");
    let spawn = drive::spawn(shape, variant);
    bencher
        .counter(ItemsCount::new(group.polls_per_run()))
        .bench_local(|| {
            runtime.block_on(drive::spawn_and_join(
                spawn,
                group.tasks(),
                black_box(group.argument()),
            ))
        });
}

/// A module of one benchmark per shape, each taking every variant of this build as argument.
macro_rules! per_shape {
    ($module:ident, $group:expr, $driver:ident, $samples:literal) => {
        mod $module {
            use super::*;

            #[divan::bench(args = Variant::in_this_build(), sample_count = $samples)]
            fn one_await(bencher: Bencher, variant: Variant) {
                $driver(bencher, $group, Shape::OneAwait, variant)
            }

            #[divan::bench(args = Variant::in_this_build(), sample_count = $samples)]
            fn kib_local(bencher: Bencher, variant: Variant) {
                $driver(bencher, $group, Shape::KibLocal, variant)
            }

            #[divan::bench(args = Variant::in_this_build(), sample_count = $samples)]
            fn kib_argument(bencher: Bencher, variant: Variant) {
                $driver(bencher, $group, Shape::KibArgument, variant)
            }

            #[divan::bench(args = Variant::in_this_build(), sample_count = $samples)]
            fn loop_of_awaits(bencher: Bencher, variant: Variant) {
                $driver(bencher, $group, Shape::LoopOfAwaits, variant)
            }

            #[divan::bench(args = Variant::in_this_build(), sample_count = $samples)]
            fn alternating_awaits(bencher: Bencher, variant: Variant) {
                $driver(bencher, $group, Shape::AlternatingAwaits, variant)
            }

            #[divan::bench(args = Variant::in_this_build(), sample_count = $samples)]
            fn method(bencher: Bencher, variant: Variant) {
                $driver(bencher, $group, Shape::Method, variant)
            }
        }
    };
}

/// `one_poll` again, but with each future created here, in the bench's crate, by a call to the
/// library's function: the way an application awaits a library's `async fn`, and the case the
/// `#[inline]` the attribute adds to each function is for (see `inline_hint` in the macro).
/// The runner's groups create every future in the crate that defines its function.
mod one_poll_from_another_crate {
    use super::*;

    /// A `fn` that creates `$function`'s future of `$variant` inside a task's async block,
    /// here, then polls the task to completion.
    macro_rules! created_here {
        ($variant:expr, $function:ident $(, $argument:expr)?) => {
            stackless_overhead::with_module!($variant, module => (|n: u32| {
                drive::block_on(module::task(async move {
                    module::$function($($argument,)? n).await
                }))
            }) as fn(u32) -> u64)
        };
    }

    fn once(bencher: Bencher, run: fn(u32) -> u64) {
        warm_up(run, Group::OnePoll.argument());
        bencher
            .counter(ItemsCount::new(Group::OnePoll.polls_per_run()))
            .bench_local(|| run(black_box(Group::OnePoll.argument())));
    }

    #[divan::bench(args = Variant::in_this_build(), sample_count = 500)]
    fn one_await(bencher: Bencher, variant: Variant) {
        once(bencher, created_here!(variant, one_await))
    }

    #[divan::bench(args = Variant::in_this_build(), sample_count = 500)]
    fn kib_argument(bencher: Bencher, variant: Variant) {
        once(
            bencher,
            created_here!(variant, kib_argument, black_box([0; 1024])),
        )
    }
}

per_shape!(by_hand, Group::ByHand, on_the_hand_executor, 500);
per_shape!(one_poll, Group::OnePoll, on_the_hand_executor, 500);
per_shape!(current_thread, Group::CurrentThread, on_tokio, 100);
per_shape!(two_workers, Group::TwoWorkers, on_tokio, 50);
