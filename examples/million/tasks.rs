//! The two task shapes every system runs: an annotated `async fn` that only sleeps, and one that
//! holds a buffer across its sleep.

use std::time::Duration;

// ANCHOR: tasks
/// Bytes [`buffered`] keeps alive across its await.
pub const BUFFER_BYTES: usize = 1024;

/// The benchmark's task: sleep, then end.
#[stackless::inspect]
pub async fn sleeper(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// The same sleep, holding a [`BUFFER_BYTES`] buffer across it: the buffer lives in the future.
#[stackless::inspect]
pub async fn buffered(duration: Duration) -> u8 {
    let mut buffer = [0u8; BUFFER_BYTES];
    // Written before the await and read after it, so it must be kept across the await.
    buffer[duration.subsec_nanos() as usize % BUFFER_BYTES] = 1;
    tokio::time::sleep(duration).await;
    std::hint::black_box(&buffer)
        .iter()
        .fold(0, |sum, &byte| sum ^ byte)
}
// ANCHOR_END: tasks
