//! Driving a future by hand: poll it with a no-op waker until it is ready or panics (and once
//! more, as an executor that misbehaves would), or drop it after a set number of polls, and
//! record everything observable on the way (the log interleaved with the polls).

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};

use crate::observe::{log, take_log};

#[path = "../../support/quietly.rs"]
mod quietly;
use quietly::{Polled, dispose, poll_logged};

/// How a run ended.
#[derive(Debug, PartialEq)]
pub enum End {
    /// The output, as `Debug` text.
    Ready(String),
    /// The panic's message.
    Panicked(String),
    /// Dropped before it finished, after `Run::polls` polls.
    Dropped,
    /// Dropped when still pending after `MAX_POLLS` polls: a generated function that does
    /// not end.
    Unfinished,
}

/// Everything observable about one run of a future.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub polls: usize,
    pub end: End,
    pub log: Vec<String>,
}

/// More polls than any generated function needs: a future still pending then is a bug.
pub const MAX_POLLS: usize = 10_000;

/// Polls `future` until it is ready or panics (and once more), or drops it after `stop_after`
/// polls.
pub fn run<F: Future + ?Sized>(mut future: Pin<Box<F>>, stop_after: Option<usize>) -> Run
where
    F::Output: Debug,
{
    take_log();
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    let end = loop {
        if stop_after == Some(polls) {
            dispose(future);
            break End::Dropped;
        }
        if polls == MAX_POLLS {
            dispose(future);
            break End::Unfinished;
        }
        polls += 1;
        future = match poll_logged(future, &mut cx, polls) {
            Polled::Pending(future) => future,
            Polled::Ended(Ok(text)) => break End::Ready(text),
            Polled::Ended(Err(message)) => break End::Panicked(message),
        };
    };
    Run {
        polls,
        end,
        log: take_log(),
    }
}
