//! Chapter 2, "Stackful coroutines": a handler whose future is small but whose code
//! needs a deep stack while it runs, measured on a real stackful coroutine.

use tokio::sync::oneshot;

// ANCHOR: handle_upload
/// Receives an upload and checksums it through a 4 KiB buffer on the stack. The
/// buffer is never alive at an await, so the future does not keep it; a stack must
/// still have room for it.
#[stackless::inspect]
pub async fn handle_upload(upload: oneshot::Receiver<Vec<u8>>) -> u32 {
    let bytes = upload.await.unwrap_or_default();
    checksum_blocks(&bytes)
}

/// Checksums `bytes` in 4 KiB blocks, each copied into a buffer on the stack first,
/// as code that reads a socket or a file into a fixed buffer does.
pub fn checksum_blocks(bytes: &[u8]) -> u32 {
    let mut block = [0u8; 4096];
    let mut sum = 0u32;
    for chunk in bytes.chunks(block.len()) {
        block[..chunk.len()].copy_from_slice(chunk);
        for &byte in &block[..chunk.len()] {
            sum = sum.rotate_left(5) ^ u32::from(byte);
        }
    }
    sum
}
// ANCHOR_END: handle_upload

// ANCHOR: measure
/// Runs one upload on a stackful coroutine (a corosensei stack, painted before and
/// scanned after), which records the stack it touched in `handle_upload`'s report.
/// The upload arrives from another task, so the handler waits for it once, as it
/// would for a real client.
pub async fn measure_one_upload() -> u32 {
    let (sender, upload) = oneshot::channel();
    tokio::spawn(async move { sender.send(b"hello, stack".to_vec()) });
    let (sum, _stack) = stackless::stackful(handle_upload(upload)).await;
    sum
}
// ANCHOR_END: measure
