//! Parameter patterns: rustc moves each parameter into the future whole and then destructures
//! it, which decides what is stored and when each part drops.

use super::harness::*;

macro_rules! source {
    ($($inspect:tt)*) => {
        #[derive(Debug)]
        #[allow(dead_code, reason = "only dropped")]
        pub struct Point {
            pub x: D,
            pub y: D,
            pub z: D,
        }

        #[derive(Debug)]
        #[allow(dead_code, reason = "only dropped")]
        pub struct Pair(pub D, pub D);

        $($inspect)*
        pub async fn tuple((a, b): (D, D), after_tuple: D) -> &'static str {
            pend(1).await;
            let _ = (&b, &after_tuple);
            drop(a);
            pend(1).await;
            "tuple"
        }

        $($inspect)*
        pub async fn struct_rest(Point { x, .. }: Point, last: D) -> &'static str {
            pend(1).await;
            let _ = (&x, &last);
            "struct"
        }

        $($inspect)*
        pub async fn tuple_struct(Pair(first, _): Pair) -> D {
            pend(1).await;
            first
        }

        $($inspect)*
        pub async fn mutable(mut values: Vec<D>, extra: D) -> usize {
            pend(1).await;
            values.push(extra);
            values.remove(0);
            pend(1).await;
            values.len()
        }

        $($inspect)*
        pub async fn wildcard(_: D, kept: D, _: u64) -> &'static str {
            let _ = &kept;
            pend(2).await;
            "wildcard"
        }

        // Clippy sees the attribute's `let ref borrowed = ..`, not a parameter.
        #[allow(clippy::toplevel_ref_arg, reason = "`ref` parameters are the point")]
        $($inspect)*
        pub async fn by_reference(ref borrowed: D, ref mut counter: u32) -> u32 {
            pend(1).await;
            *counter += 1;
            log(format!("{borrowed:?}"));
            *counter
        }

        $($inspect)*
        pub async fn binding_at(whole @ (number, _): (u32, D)) -> u32 {
            pend(1).await;
            log(format!("{whole:?}"));
            number
        }

        $($inspect)*
        pub async fn nested([first, second]: [D; 2], (a, (b, c)): (D, (D, u8))) -> u8 {
            pend(1).await;
            drop(second);
            let _ = (&first, &a, &b);
            c
        }

        $($inspect)*
        pub async fn dereference(&number: &u32, &(left, right): &(u8, u8)) -> u32 {
            pend(1).await;
            number + u32::from(left) + u32::from(right)
        }
    };
}

twin!(source);

case!(tuple_pattern: tuple((D("a"), D("b")), D("after")));
case!(struct_pattern_with_rest: struct_rest(Point { x: D("x"), y: D("y"), z: D("z") }, D("last")));
case!(tuple_struct_pattern: tuple_struct(Pair(D("first"), D("second"))));
case!(mut_binding: mutable(vec![D("zero"), D("one")], D("extra")));
case!(wildcard_pattern: wildcard(D("ignored"), D("kept"), 9));
case!(ref_binding: by_reference(D("borrowed"), 1));
case!(binding_with_subpattern: binding_at((4, D("tuple"))));
case!(nested_patterns: nested([D("first"), D("second")], (D("a"), (D("b"), 3))));
case!(reference_patterns: dereference(&7, &(1, 2)));
