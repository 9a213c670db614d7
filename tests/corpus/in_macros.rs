//! Awaits inside macro arguments: the expression macros the attribute looks into (`format!`,
//! `println!`, `assert_eq!`, `vec!`, `write!`, `dbg!`, nested in one another) and others it
//! leaves opaque (`matches!`, a local `macro_rules!`).

use std::fmt::Write as _;

use super::harness::*;

macro_rules! add_awaited {
    ($left:expr, $right:expr) => {
        $left.await + $right.await
    };
}

macro_rules! source {
    ($($inspect:tt)*) => {
        $($inspect)*
        pub async fn in_format(name: &'static str) -> String {
            let _local = D("local");
            format!(
                "{} has {count} items, {name}",
                after(1, name).await,
                count = after(2, D("count")).await.0.len(),
            )
        }

        $($inspect)*
        pub async fn in_print(guard: D) -> u32 {
            println!("printed: {}", after(1, 1).await);
            print!("{:?} ", after(1, D("printed")).await);
            let _ = &guard;
            eprint!("");
            2
        }

        $($inspect)*
        pub async fn in_assertions(n: u32) -> u32 {
            assert_eq!(after(1, n).await, n, "{}", after(1, "never formatted").await);
            assert_ne!(after(1, n + 1).await, n);
            assert!(after(1, true).await, "{}", after(1, 0).await);
            debug_assert!(n < after(1, 100).await);
            n
        }

        $($inspect)*
        pub async fn in_vec(n: usize) -> (Vec<D>, Vec<u8>) {
            let listed = vec![after(1, D("first")).await, D("second"), after(2, D("third")).await];
            let repeated = vec![after(1, 7u8).await; after(1, n).await];
            (listed, repeated)
        }

        $($inspect)*
        pub async fn in_write(guard: D) -> String {
            let mut text = String::new();
            write!(text, "{} ", after(1, 1).await).expect("writing to a String");
            writeln!(text, "{:?}", after(1, &guard).await).expect("writing to a String");
            text
        }

        $($inspect)*
        pub async fn in_nested_macros(n: usize) -> String {
            let text = format!(
                "{} {:?}",
                vec![after(1, n).await; after(1, 2).await].len(),
                dbg!(after(1, D("debugged")).await),
            );
            if n > 100 {
                unreachable!("{}", after(1, "never").await);
            }
            text
        }

        $($inspect)*
        pub async fn in_opaque_macros(n: u32) -> (bool, u32) {
            let matched = matches!(after(1, n).await, 1..=5);
            let sum = add_awaited!(after(1, n), after(2, 10));
            (matched, sum)
        }
    };
}

twin!(source);

case!(await_in_format: in_format("box"));
case!(await_in_print: in_print(D("guard")));
case!(await_in_assertions: in_assertions(3));
case!(await_in_vec: in_vec(3));
case!(await_in_write: in_write(D("guard")));
case!(await_in_nested_macros: in_nested_macros(3));
case!(await_in_opaque_macros: in_opaque_macros(3));
