//! The comparisons can fail: pairs whose inspected side really differs from the plain side,
//! one difference each, and what the harness reports for them.

use std::rc::Rc;

use stackless::FutureSize;

use super::harness::*;

mod plain {
    use super::*;

    pub async fn bigger() -> usize {
        let buffer = [1u8; 64];
        pend(1).await;
        buffer.len()
    }

    pub async fn aligned() -> u64 {
        let value = 1u64;
        pend(1).await;
        value
    }

    pub async fn output() -> u32 {
        pend(1).await;
        1
    }

    pub async fn drop_order(first: D, second: D) {
        pend(1).await;
        let _ = (&first, &second);
    }

    pub async fn panics() {
        pend(1).await;
        panic!("plain message");
    }

    pub async fn held_across() -> usize {
        let held = D("held");
        pend(1).await;
        drop(held);
        pend(1).await;
        1
    }

    pub async fn send() -> usize {
        let shared = Rc::new(1);
        pend(1).await;
        *shared
    }
}

mod inspected {
    use super::*;

    #[stackless::inspect]
    pub async fn bigger() -> usize {
        let buffer = [1u8; 128];
        pend(1).await;
        buffer.len() - 64
    }

    #[stackless::inspect]
    pub async fn aligned() -> u64 {
        let value = 1u128;
        pend(1).await;
        value as u64
    }

    #[stackless::inspect]
    pub async fn output() -> u32 {
        pend(1).await;
        2
    }

    #[stackless::inspect]
    pub async fn drop_order(first: D, second: D) {
        pend(1).await;
        drop(first);
        let _ = &second;
    }

    #[stackless::inspect]
    pub async fn panics() {
        pend(1).await;
        panic!("inspected message");
    }

    #[stackless::inspect]
    pub async fn held_across() -> usize {
        pend(1).await;
        drop(D("held"));
        pend(1).await;
        1
    }

    #[stackless::inspect]
    pub async fn send() -> usize {
        let copied = *Rc::new(1);
        pend(1).await;
        copied
    }
}

/// A test that the harness finds exactly `$what` different between the twins of `$call`.
macro_rules! detects {
    ($name:ident: $call:expr => $what:expr) => {
        #[test]
        fn $name() {
            let (plain, inspected, auto_traits) = makers!($call);
            assert_eq!(differences(plain, inspected, auto_traits).what(), $what);
        }
    };
}

detects!(harness_detects_size: bigger() => ["size"]);
detects!(harness_detects_alignment: aligned() => ["size", "alignment"]);
detects!(harness_detects_output: output() => ["run to the end"]);
detects!(harness_detects_drop_order: drop_order(D("first"), D("second")) => ["run to the end"]);
detects!(harness_detects_panic_message: panics() => ["run to the end"]);
detects!(harness_detects_early_drop: held_across() => ["size", "dropped after 1 polls"]);
detects!(harness_detects_auto_traits: send() => ["auto traits"]);

/// No function's wrapper is that large, so this one is made up.
#[test]
fn harness_detects_overhead() {
    let mut found = Differences::default();
    let wide = FutureSize {
        size: 16,
        align: 8,
        overhead: 16,
    };
    found.compare_layout(16, 8, wide);
    assert_eq!(found.what(), ["overhead over 8 bytes"]);
}

/// The probe behind the auto-trait comparison tells the traits apart.
#[test]
fn harness_probes_auto_traits() {
    let leaf = probe(&|| pend(1));
    let block = probe(&|| async {});
    let rc = probe(&|| std::future::ready(Rc::new(1)));
    let found = [
        [leaf.send(), leaf.sync(), leaf.unpin()],
        [block.send(), block.sync(), block.unpin()],
        [rc.send(), rc.sync(), rc.unpin()],
    ];
    let expected = [
        [true, true, true],
        [true, true, false],
        [false, false, true],
    ];
    assert_eq!(found, expected);
}
