//! `#[stackless::inspect]` stacks with `#[tracing::instrument]` in either order: both see the
//! `async fn`, the span is entered on every poll, and suspensions are counted. tracing moves
//! the body into an `async move` block of its own, so the function's await points are then
//! tracing's (its `.instrument(span).await`), and the body's own awaits belong to that block.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Counts how often spans with each name are entered.
#[derive(Clone, Default)]
struct EnterCounter {
    names: Arc<Mutex<Vec<&'static str>>>,
    entered: Arc<Mutex<Vec<&'static str>>>,
}

impl Subscriber for EnterCounter {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut names = self.names.lock().unwrap();
        names.push(span.metadata().name());
        Id::from_u64(names.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, span: &Id) {
        let name = self.names.lock().unwrap()[span.into_u64() as usize - 1];
        self.entered.lock().unwrap().push(name);
    }
    fn exit(&self, _: &Id) {}
}

/// Pending once, then ready.
fn yield_once() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |_| {
        if std::mem::replace(&mut yielded, true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}

#[stackless::inspect]
#[tracing::instrument]
async fn ours_first(n: u32) -> u32 {
    yield_once().await;
    n + 1
}

#[tracing::instrument]
#[stackless::inspect]
async fn tracing_first(n: u32) -> u32 {
    yield_once().await;
    n + 2
}

fn run<F: Future>(future: F) -> (F::Output, usize) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 1;
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, polls);
        }
        polls += 1;
    }
}

#[test]
fn both_orders_enter_the_span_on_every_poll_and_report_the_await() {
    let subscriber = EnterCounter::default();
    let ((first, first_polls), (second, second_polls)) =
        tracing::subscriber::with_default(subscriber.clone(), || {
            (run(ours_first(1)), run(tracing_first(1)))
        });
    assert_eq!((first, second), (2, 3));
    let entered = subscriber.entered.lock().unwrap().clone();
    let count = |name| entered.iter().filter(|&&entered| entered == name).count();
    assert_eq!(first_polls, 2);
    assert_eq!(second_polls, 2);
    assert!(count("ours_first") >= first_polls, "{entered:?}");
    assert!(count("tracing_first") >= second_polls, "{entered:?}");

    let report = stackless::report();
    for name in ["ours_first", "tracing_first"] {
        let function = report.function(name).unwrap();
        assert_eq!(function.completed, 1, "{function}");
        let suspends: u64 = function
            .await_points
            .iter()
            .map(|point| point.suspensions.suspends)
            .sum();
        assert_eq!(suspends + function.unlabelled.suspends, 1, "{function}");
    }
}
