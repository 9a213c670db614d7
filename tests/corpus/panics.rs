//! Panics while polling: their messages and the drops that unwinding runs, from the body, from
//! an awaited future, from a failed assertion, and from a `Drop` impl.

use super::harness::*;

/// Panics when dropped (never while unwinding, which would abort).
#[derive(Debug)]
pub struct Bomb(pub &'static str);

impl Drop for Bomb {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{} exploded", self.0);
        }
    }
}

/// Awaited by both twins, so both hold the same future; inspected, so the panic unwinds
/// through two inspected futures.
#[stackless::inspect]
pub async fn explode(guard: D, n: u32) -> u32 {
    let _in_callee = D("in callee");
    pend(1).await;
    let _ = &guard;
    panic!("callee boom {n}");
}

macro_rules! source {
    ($($inspect:tt)*) => {
        $($inspect)*
        pub async fn panics_in_body(guard: D, n: u32) -> u32 {
            let _local = D("local");
            pend(1).await;
            let _ = &guard;
            if n > 0 {
                let _in_branch = D("in branch");
                panic!("boom {n}");
            }
            n
        }

        $($inspect)*
        pub async fn panics_in_awaited(guard: D) -> u32 {
            let _local = D("local");
            let value = async {
                let _in_block = D("in block");
                pend(1).await;
                if true {
                    panic!("inner boom");
                }
                0
            }
            .await;
            let _ = &guard;
            value
        }

        $($inspect)*
        pub async fn panics_in_callee(guard: D) -> u32 {
            let _local = D("local");
            pend(1).await;
            explode(guard, 7).await
        }

        $($inspect)*
        pub async fn failed_assertion(expected: u32) -> u32 {
            let _local = D("local");
            assert_eq!(after(1, 2).await, expected, "{} went wrong", after(1, "this").await);
            expected
        }

        $($inspect)*
        pub async fn out_of_bounds(items: Vec<D>) -> usize {
            let index = after(1, 5).await;
            items[index].0.len()
        }

        $($inspect)*
        pub async fn expect_none() -> u8 {
            let _local = D("local");
            after(2, None::<u8>).await.expect("nothing there")
        }

        $($inspect)*
        pub async fn panics_in_drop(guard: D) -> u8 {
            let _bomb = Bomb("bomb");
            let _after = D("after bomb");
            pend(1).await;
            let _ = &guard;
            1
        }
    };
}

twin!(source);

case!(panic_in_body: panics_in_body(D("guard"), 3));
case!(panic_in_awaited_future: panics_in_awaited(D("guard")));
case!(panic_in_inspected_callee: panics_in_callee(D("guard")));
case!(panic_in_assertion: failed_assertion(3));
case!(panic_out_of_bounds: out_of_bounds(vec![D("only")]));
case!(panic_in_expect: expect_none());
case!(panic_in_drop: panics_in_drop(D("guard")));
