//! Chapter 8, "Using the toolkit": an annotated function with a size budget, and a
//! task that logs the live picture of a running program.

use std::time::Duration;

use tokio::sync::mpsc;

// ANCHOR: budget
/// Forwards messages from one channel to another. Its future must stay within 1
/// KiB: `cargo build` fails when a change makes it larger.
#[stackless::inspect(budget = 1024)]
pub async fn forward(
    mut inbox: mpsc::Receiver<Vec<u8>>,
    outbox: mpsc::Sender<Vec<u8>>,
) -> usize {
    let mut forwarded = 0;
    while let Some(message) = inbox.recv().await {
        outbox.send(message).await.expect("a listening receiver");
        forwarded += 1;
    }
    forwarded
}
// ANCHOR_END: budget

// ANCHOR: report_every_minute
/// Spawn this next to your server: once a minute it logs, for every inspected
/// function, how many futures are alive and which await each is parked at.
pub async fn report_every_minute() {
    let mut minutes = tokio::time::interval(Duration::from_secs(60));
    loop {
        minutes.tick().await;
        eprintln!("{}", stackless::report());
    }
}
// ANCHOR_END: report_every_minute
