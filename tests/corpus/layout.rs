//! What the state machine stores: large locals across awaits, arguments used after an await
//! (kept twice, rust-lang/rust#62958), shadowing, borrows of locals, over-aligned values and
//! large awaited futures.

use super::harness::*;

macro_rules! source {
    ($($inspect:tt)*) => {
        $($inspect)*
        pub async fn large_local(seed: u8) -> u32 {
            let mut buffer = [seed; 1024];
            pend(1).await;
            buffer[7] = 1;
            buffer.iter().map(|&byte| u32::from(byte)).sum()
        }

        $($inspect)*
        pub async fn large_local_scoped(seed: u8) -> u32 {
            let sum = {
                let buffer = [seed; 1024];
                buffer.iter().map(|&byte| u32::from(byte)).sum::<u32>()
            };
            pend(1).await;
            sum
        }

        $($inspect)*
        pub async fn argument_after_await(data: [u8; 512], guard: D) -> u32 {
            pend(1).await;
            let _ = &guard;
            data.iter().map(|&byte| u32::from(byte)).sum()
        }

        $($inspect)*
        pub async fn argument_before_await(data: [u8; 512]) -> u32 {
            let sum = data.iter().map(|&byte| u32::from(byte)).sum();
            pend(1).await;
            sum
        }

        $($inspect)*
        pub async fn shadowing(guard: D) -> usize {
            let value = D("first value");
            let value = (value, [3u8; 64]);
            pend(1).await;
            let value = value.1.len();
            let guard = (guard, D("shadowing guard"));
            pend(1).await;
            let _ = &guard;
            value
        }

        $($inspect)*
        pub async fn borrowed_local() -> usize {
            let data = [1u8; 96];
            let view = &data[10..];
            pend(1).await;
            view.len()
        }

        $($inspect)*
        pub async fn over_aligned(value: u128) -> u128 {
            let doubled = value * 2;
            pend(1).await;
            doubled + value
        }

        $($inspect)*
        pub async fn changing_live_sets(n: u64) -> u64 {
            let bytes = [1u8; 100];
            pend(1).await;
            let total = bytes.len() as u64;
            let words = [n; 50];
            pend(1).await;
            let boxed = Box::new(words);
            pend(1).await;
            total + boxed.iter().sum::<u64>()
        }

        $($inspect)*
        pub async fn large_awaitee() -> usize {
            let array = after(2, [5u8; 300]).await;
            array.len()
        }
    };
}

// Options change what reports say, not the future.
twin!(source, #[stackless::inspect(budget = 65536, name = "layout corpus")]);

case!(large_local_across_await: large_local(2));
case!(large_local_scoped_before_await: large_local_scoped(2));
case!(argument_used_after_await: argument_after_await([1; 512], D("guard")));
case!(argument_used_before_await: argument_before_await([1; 512]));
case!(shadowed_locals: shadowing(D("guard")));
case!(borrow_of_local_across_await: borrowed_local());
case!(over_aligned_value: over_aligned(1 << 100));
case!(changing_live_sets: changing_live_sets(3));
case!(large_awaited_future: large_awaitee());
