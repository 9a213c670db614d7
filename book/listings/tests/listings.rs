//! The book's other listings do what the chapters say they do. (Chapter 3's are in
//! `state_machine.rs`; the numbers the chapters show are checked by
//! `generated.rs`.)

use std::sync::Arc;
use std::time::Duration;

use stackless_book::await_points::handle_connection;
use stackless_book::price::{
    Tree, block_on, config_size, config_size_blocking, count_nodes, hash_password,
    side_by_side, slow_hash,
};
use stackless_book::tasks::{all_at_once, one_after_another, run_timed};
use stackless_book::toolkit::forward;
use stackless_book::where_bytes_go as bytes;
use stackless_book::{state_machine, where_bytes_go::Scratch};
use tokio::sync::{Semaphore, mpsc, oneshot};

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime")
}

#[test]
fn fetches_overlap_only_when_they_are_tasks() {
    assert_eq!(
        run_timed(one_after_another(3)),
        (6, Duration::from_millis(300))
    );
    assert_eq!(run_timed(all_at_once(3)), (6, Duration::from_millis(100)));
}

#[test]
fn a_connection_serves_every_request_until_its_client_hangs_up() {
    let served = current_thread().block_on(async {
        let (request_sender, requests) = mpsc::channel(4);
        let (replies, mut reply_receiver) = mpsc::channel(4);
        let handler = tokio::spawn(handle_connection(
            requests,
            Arc::new(Semaphore::new(1)),
            replies,
        ));
        for key in ["a", "bcd"] {
            request_sender.send(key.to_owned()).await.unwrap();
        }
        drop(request_sender);
        let served = handler.await.unwrap();
        assert_eq!(reply_receiver.recv().await.as_deref(), Some("a: 1 bytes"));
        assert_eq!(reply_receiver.recv().await.as_deref(), Some("bcd: 3 bytes"));
        served
    });
    assert_eq!(served, 2);
}

#[test]
fn each_fix_computes_what_the_original_computes() {
    current_thread().block_on(async {
        let expected = Scratch::<2048>::zeroed().checksum() + 4 * 2048;
        assert_eq!(bytes::buffer_held().await, expected);
        assert_eq!(bytes::buffer_dropped().await, expected);
        assert_eq!(bytes::buffer_scoped().await, expected);
        assert_eq!(bytes::buffer_boxed().await, expected);
        assert_eq!(bytes::buffer_never_borrowed().await, 0);
        assert_eq!(bytes::parent_inline().await, expected + 1);
        assert_eq!(bytes::parent_boxed().await, expected + 1);
        assert_eq!(bytes::held_twice().await, 3 * 1024);
        assert_eq!(bytes::held_once().await, 3 * 1024);
        assert_eq!(bytes::two_phases().await, 1024 + 2 * 512);
        assert_eq!(bytes::checksum_later(vec![1, 2, 3]).await, 6);
        assert_eq!(bytes::checksum_later_once(vec![1, 2, 3]).await, 6);

        let mut banner = [0u8; 512];
        banner[0] = b'!';
        for by_reference in [false, true] {
            let (sender, inbox) = mpsc::channel(8);
            for byte in *b"a!b!!" {
                sender.send(byte).await.unwrap();
            }
            drop(sender);
            let count = if by_reference {
                bytes::greet_by_reference(&banner, inbox).await
            } else {
                bytes::greet(banner, inbox).await
            };
            assert_eq!(count, 3);
        }
    });
}

#[test]
fn a_task_that_never_awaits_keeps_the_others_waiting() {
    let rude = side_by_side(false);
    let last_round = |log: &[String]| {
        log.iter()
            .position(|line| line == "crunch: round 2 done")
            .expect("the crunch finished")
    };
    let heartbeats = |log: &[String]| {
        log.iter()
            .enumerate()
            .filter(|(_, line)| line.starts_with("heartbeat"))
            .map(|(at, _)| at)
            .collect::<Vec<_>>()
    };
    // Only the first beat comes before the crunch is over...
    assert_eq!(rude.len(), 6, "{rude:?}");
    assert!(heartbeats(&rude)[1] > last_round(&rude), "{rude:?}");
    // ...unless the crunch hands the thread back between rounds.
    let polite = side_by_side(true);
    assert_eq!(polite.len(), 6, "{polite:?}");
    assert!(heartbeats(&polite)[2] < last_round(&polite), "{polite:?}");
}

#[test]
fn the_smallest_executor_runs_futures_that_need_no_runtime() {
    let (body_sender, body) = oneshot::channel();
    let (status_sender, status) = oneshot::channel();
    let sender = std::thread::spawn(move || {
        body_sender.send(b"from a thread".to_vec()).unwrap();
        status_sender.send(201).unwrap();
    });
    let response = block_on(state_machine::respond(body, status));
    sender.join().unwrap();
    assert_eq!(response, state_machine::render(201, b"from a thread"));
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn a_tokio_timer_needs_a_tokio_runtime() {
    block_on(tokio::time::sleep(Duration::from_millis(1)));
}

#[test]
fn blocking_and_async_code_cross_through_the_runtime() {
    let runtime = current_thread();
    assert_eq!(config_size_blocking(&runtime, "app.toml"), 8);
    assert_eq!(runtime.block_on(config_size("a")), 1);
    assert_eq!(
        runtime.block_on(hash_password("hunter2".to_owned())),
        slow_hash(b"hunter2")
    );
}

#[test]
fn recursion_through_a_box_counts_every_node() {
    let leaf = || Tree {
        children: Vec::new(),
    };
    let tree = Tree {
        children: vec![
            leaf(),
            Tree {
                children: vec![leaf(), leaf()],
            },
        ],
    };
    assert_eq!(current_thread().block_on(count_nodes(&tree)), 5);
}

#[test]
fn forward_passes_every_message_on() {
    current_thread().block_on(async {
        let (sender, inbox) = mpsc::channel(4);
        let (outbox, mut receiver) = mpsc::channel(4);
        sender.send(b"one".to_vec()).await.unwrap();
        sender.send(b"two".to_vec()).await.unwrap();
        drop(sender);
        assert_eq!(forward(inbox, outbox).await, 2);
        assert_eq!(receiver.recv().await, Some(b"one".to_vec()));
        assert_eq!(receiver.recv().await, Some(b"two".to_vec()));
    });
}

// ANCHOR: off_switch_test
/// With the `inspect` feature (on by default) the toolkit can read the layout; with
/// `--no-default-features` the attribute adds nothing, so there is nothing to read.
#[test]
fn the_off_switch_removes_the_instrumentation() {
    let (_, inbox) = mpsc::channel(1);
    let (outbox, _) = mpsc::channel(1);
    let layout = stackless::try_layout(forward(inbox, outbox));
    assert_eq!(layout.is_some(), cfg!(feature = "inspect"));
}
// ANCHOR_END: off_switch_test
