//! Chapter 8: `forward`'s layout, locked with one line of insta. The snapshot holds
//! sizes and await points only, so it reads the same on every run; sizes are rustc
//! 1.95's and differ between debug and release builds, so each profile has its own
//! snapshot file.

#![cfg(feature = "inspect")]

use stackless_book::toolkit::forward;
use tokio::sync::mpsc;

// ANCHOR: snapshot
#[test]
fn forward_layout() {
    let (_, inbox) = mpsc::channel(1);
    let (outbox, _) = mpsc::channel(1);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    insta::with_settings!({ snapshot_suffix => profile }, {
        insta::assert_snapshot!(stackless::layout(forward(inbox, outbox)));
    });
}
// ANCHOR_END: snapshot
