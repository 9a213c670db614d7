//! Control flow around awaits: early `return`, `?`, recursion, loops, branches, `let else`,
//! `if let` chains and labelled blocks.

use super::harness::*;

#[derive(Debug)]
#[allow(dead_code, reason = "read through `Debug`")]
pub struct Failed(pub String);

impl From<std::num::ParseIntError> for Failed {
    fn from(error: std::num::ParseIntError) -> Self {
        Failed(error.to_string())
    }
}

macro_rules! source {
    ($($inspect:tt)*) => {
        $($inspect)*
        pub async fn early_return(n: u32, guard: D) -> u32 {
            let _a = D("a");
            pend(1).await;
            if n > 2 {
                let _inner = D("inner");
                return n + after(1, guard.0.len() as u32).await;
            }
            let _b = D("b");
            pend(1).await;
            n + 1
        }

        $($inspect)*
        pub async fn unit_return(stop: bool) {
            let _local = D("local");
            if after(1, stop).await {
                return;
            }
            pend(1).await;
        }

        $($inspect)*
        pub async fn question_option(input: Option<&'static str>) -> Option<u32> {
            let _local = D("local");
            let text = after(1, input).await?;
            pend(1).await;
            text.parse().ok()
        }

        $($inspect)*
        pub async fn question_result(text: &'static str, guard: D) -> Result<u32, Failed> {
            let _ = &guard;
            let number: u32 = after(1, text).await.parse()?;
            let _checked = D("checked");
            pend(1).await;
            Ok(number * 2)
        }

        $($inspect)*
        pub async fn question_with_impl_output(
            text: &'static str,
        ) -> Result<impl std::fmt::Debug, Failed> {
            let number: u32 = after(1, text).await.parse()?;
            Ok((number, D("in output")))
        }

        $($inspect)*
        pub async fn fibonacci(n: u32) -> u64 {
            if n < 2 {
                pend(1).await;
                return n.into();
            }
            let _frame = D("frame");
            Box::pin(fibonacci(n - 1)).await + Box::pin(fibonacci(n - 2)).await
        }

        $($inspect)*
        pub async fn loops(items: Vec<D>) -> u32 {
            let mut total = 0;
            for times in 0..3 {
                guarded(times, "leaf in loop").await;
                total += times;
            }
            let mut items = items.into_iter();
            while let Some(item) = after(1, items.next()).await {
                log(format!("took {item:?}"));
            }
            let last = loop {
                total += after(1, 1).await;
                if total > 5 {
                    break total;
                }
            };
            last
        }

        $($inspect)*
        pub async fn branches(n: u32) -> &'static str {
            let chosen = if n % 2 == 0 {
                let _even = D("even");
                pend(1).await;
                "even"
            } else {
                pend(2).await;
                "odd"
            };
            match after(1, n).await {
                0 => chosen,
                small if small < after(1, 5).await => {
                    let _small = D("small");
                    pend(1).await;
                    "small"
                }
                _ => after(2, "large").await,
            }
        }

        $($inspect)*
        pub async fn let_else_and_chains(input: Option<u32>) -> u32 {
            let Some(value) = after(1, input).await else {
                let _missing = D("missing");
                pend(1).await;
                return 0;
            };
            if let Some(doubled) = value.checked_mul(2)
                && after(1, doubled).await > 4
                && let Ok(small) = u8::try_from(doubled)
            {
                return u32::from(small);
            }
            value
        }

        $($inspect)*
        pub async fn labelled_block(stop: bool) -> u32 {
            let _outer = D("outer");
            let found = 'search: {
                let _inner = D("inner");
                if after(1, stop).await {
                    break 'search 1;
                }
                pend(1).await;
                2
            };
            found + after(1, 10).await
        }
    };
}

twin!(source);

case!(early_return_taken: early_return(5, D("guard")));
case!(early_return_not_taken: early_return(1, D("guard")));
case!(unit_return_taken: unit_return(true));
case!(unit_return_not_taken: unit_return(false));
case!(question_mark_none: question_option(None));
case!(question_mark_some: question_option(Some("12")));
case!(question_mark_from_error: question_result("twelve", D("guard")));
case!(question_mark_ok: question_result("12", D("guard")));
case!(question_mark_impl_output_err: question_with_impl_output("x"));
case!(question_mark_impl_output_ok: question_with_impl_output("3"));
case!(recursion_through_box_pin: fibonacci(6));
case!(awaits_in_loops: loops(vec![D("x"), D("y")]));
case!(awaits_in_branches_even: branches(4));
case!(awaits_in_branches_odd: branches(3));
case!(awaits_in_match_large: branches(9));
case!(let_else_and_let_chains: let_else_and_chains(Some(3)));
case!(let_else_taken: let_else_and_chains(None));
case!(labelled_block_break: labelled_block(true));
case!(labelled_block_through: labelled_block(false));
