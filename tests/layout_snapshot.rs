//! The pattern for users: lock a function's layout in a test with one line of insta.
//!
//!     insta::assert_snapshot!(stackless::layout(upload(&[], 3)));
//!
//! The text holds sizes and await points only (no addresses, counters or timings), so it is
//! the same on every run. Sizes come from rustc 1.95 and differ between debug and release
//! builds; this suite keeps one snapshot per profile.

use std::future::ready;

#[stackless::inspect(budget = 8192)]
async fn upload(chunks: &[Vec<u8>], retries: u32) -> usize {
    let mut staging = [0u8; 2048];
    let mut sent = 0;
    for chunk in chunks {
        for attempt in 0..retries {
            if ready(attempt).await == 0 {
                break;
            }
        }
        staging[..chunk.len()].copy_from_slice(chunk);
        sent += chunk.len();
    }
    sent + ready(staging[0] as usize).await
}

struct Cache {
    entries: Vec<(String, String)>,
}

impl Cache {
    #[stackless::inspect]
    async fn get(&self, key: &str) -> Option<&str> {
        ready(()).await;
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

macro_rules! assert_layout_snapshot {
    ($name:literal, $future:expr) => {
        let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
        insta::with_settings!({ snapshot_suffix => profile }, {
            insta::assert_snapshot!($name, stackless::layout($future));
        });
    };
}

#[test]
fn upload_layout() {
    assert_layout_snapshot!("upload", upload(&[], 3));
}

#[test]
fn cache_get_layout() {
    let cache = Cache {
        entries: Vec::new(),
    };
    assert_layout_snapshot!("cache_get", cache.get("key"));
}

#[test]
fn the_layout_is_the_same_text_every_time() {
    let first = stackless::layout(upload(&[], 1)).to_string();
    let again = stackless::layout(upload(&[vec![1]], 9)).to_string();
    assert_eq!(first, again);
}

#[test]
fn a_future_that_is_not_inspected_is_refused() {
    assert_eq!(stackless::try_layout(ready(1)), None);
    let message = std::panic::catch_unwind(|| stackless::layout(async { 1 }))
        .expect_err("not an inspected future")
        .downcast::<String>()
        .expect("a formatted message");
    assert!(
        message.contains("needs the future returned by a `#[stackless::inspect]` function"),
        "{message}"
    );
}
