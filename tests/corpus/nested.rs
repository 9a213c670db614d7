//! Awaits that belong to other coroutines: nested `async` blocks, closures returning them,
//! async closures, futures created early and awaited later (one of them inspected), and
//! `IntoFuture`.

use std::future::{Future, IntoFuture};

use super::harness::*;

/// Awaitable through `IntoFuture` only.
pub struct Delayed(pub u32);

impl IntoFuture for Delayed {
    type Output = u32;
    type IntoFuture = Leaf<u32>;

    fn into_future(self) -> Leaf<u32> {
        log("into_future");
        after(self.0, self.0 * 10)
    }
}

/// Awaited by both twins, so both hold the same future; inspected, so an inspected future
/// polls another one.
#[stackless::inspect]
pub async fn step(guard: D) -> u32 {
    pend(1).await;
    guard.0.len() as u32
}

macro_rules! source {
    ($($inspect:tt)*) => {
        $($inspect)*
        pub async fn async_blocks(guard: D, fail: bool) -> Result<u32, &'static str> {
            let inner = async {
                let _in_block = D("in block");
                pend(1).await;
                D("from block")
            };
            let _before = D("before awaiting the block");
            let made = inner.await;
            let moved = async move {
                pend(1).await;
                if fail {
                    return Err("failed in block");
                }
                Ok(guard)
            };
            let guard = moved.await?;
            let _ = (&made, &guard);
            Ok(1)
        }

        $($inspect)*
        pub async fn closures(base: u32) -> u32 {
            let make = |n: u32| async move {
                let _made = D("made");
                pend(n).await;
                n + base
            };
            let first = make(1).await;
            let add = async |x: u32| {
                pend(1).await;
                x + base
            };
            let second = add(first).await;
            let plain = |x: u32| x * 2;
            plain(second) + make(0).await
        }

        $($inspect)*
        pub async fn created_early() -> u32 {
            let later = after(2, 5);
            let _between = D("between");
            let early = step(D("stepped"));
            pend(1).await;
            early.await + later.await
        }

        $($inspect)*
        pub async fn expression_positions(guard: D) -> (u32, [u32; 2], Vec<u32>, u32) {
            let tuple = (after(1, 1).await, D("in tuple"));
            let array = [after(1, 2).await, tuple.0 + after(2, 3).await];
            let mut list = Vec::with_capacity(after(1, 4).await);
            list.push(-(after(1, 5i64).await) as u32);
            list.extend(after(1, [6, 7]).await.iter().copied());
            let index = list[after(1, 0).await] as usize;
            let arithmetic =
                after(1, 8).await * after(1, 9).await + u32::from(!after(1, true).await);
            let _ = &guard;
            (arithmetic, array, list[index..].to_vec(), (after(1, 10).await..11).len() as u32)
        }

        $($inspect)*
        pub async fn pinned_by_reference() -> u32 {
            let mut pinned = std::pin::pin!(after(3, 5));
            let early = std::future::poll_fn(|cx| {
                let _ = pinned.as_mut().poll(cx);
                std::task::Poll::Ready(1)
            })
            .await;
            let _between = D("between");
            early + pinned.as_mut().await
        }

        $($inspect)*
        pub async fn into_future(delay: u32) -> u32 {
            let _local = D("local");
            Delayed(delay).await + Delayed(1).await
        }
    };
}

twin!(source);

case!(nested_async_blocks: async_blocks(D("guard"), false));
case!(nested_async_block_fails: async_blocks(D("guard"), true));
case!(closures_and_async_closures: closures(2));
case!(futures_created_before_awaiting: created_early());
case!(await_in_expression_positions: expression_positions(D("guard")));
case!(pinned_future_awaited_by_reference: pinned_by_reference());
case!(into_future: into_future(2));
