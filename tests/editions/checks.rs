//! The checks every `tests/editions/edition20xx` crate runs against its own build of
//! `cases.rs` (each test file includes this one with `#[path]`, after `use edition20xx as cases`).
//! That these compile at all shows the inspected functions are usable wherever the plain
//! `async fn`s are; the tests show they also behave and measure the same.

use std::fmt::Debug;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::cases::{self, Log, Noisy, Source, Store, TAIL_TEMPORARY_DROPS_FIRST};
use cases::{inspected, plain};

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// Polls `future` once (every case parks at its first `.await`), then drops it.
fn poll_once_and_drop<F: Future>(future: F) {
    let future = pin!(future);
    let pending = future
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_pending();
    assert!(pending, "every case parks at its first `.await`");
}

fn static_send<F: Future + Send + 'static>(future: F) -> F {
    future
}

/// Uses the functions of module `$cases` the ways an `async fn` may be used, and returns what
/// they produced, for comparing `plain` with `inspected`.
macro_rules! use_borrowing_futures {
    ($cases:ident) => {{
        use $cases::Greet as _;
        let mut results = Vec::<String>::new();
        let mut record = |result: &dyn Debug| results.push(format!("{result:?}"));

        // Elided lifetimes: the borrow of `text` ends when the future completes.
        let mut text = String::from("hello async world");
        record(&block_on($cases::count_words(&text)));
        let first = block_on($cases::first_word(&text)).to_owned();
        text.push('!');
        record(&first);
        // Two futures share a borrow, and are awaited in turn.
        let (word, count) = ($cases::first_word(&text), $cases::count_words(&text));
        record(&(block_on(count), block_on(word)));

        // Of two lifetimes, the output keeps only the first's borrow.
        let kept = {
            let second = String::from("async");
            block_on($cases::keep_first(&text, &second))
        };
        record(&kept);

        // `impl Trait` arguments, one a closure borrowing a local.
        let factor = 3;
        record(&block_on($cases::total(vec![1, 2, 3], |n| n * factor)));
        // Generic types, borrowed and owned; `T` itself a reference.
        record(&block_on($cases::repeat(&7u64, 3)));
        record(&block_on($cases::echo(text.as_str())));

        // `&self`, `&mut self`: each borrow ends at its future's completion.
        let mut counter = $cases::Counter { count: 0 };
        block_on(counter.bump());
        block_on(counter.bump());
        record(&block_on(counter.get()));

        // The impl's `'a` outlives the `Conn` the future borrowed.
        let peer = String::from("db.internal");
        let borrowed = {
            let conn = $cases::Conn { peer: &peer };
            block_on(conn.peer())
        };
        record(&borrowed);
        let mut conn = $cases::Conn { peer: &peer };
        record(&block_on(conn.peer_len()));
        record(&block_on(conn.greet("hello")));
        block_on(conn.forget_peer());
        record(&conn.peer);

        // Trait impls: the output borrows from `&self`, or from the trait's `'a`.
        let shelf = $cases::Shelf {
            items: vec![("key".to_owned(), "value".to_owned())],
        };
        record(&(block_on(shelf.get("key")), block_on(shelf.get("other"))));
        let mut words = $cases::Words { rest: &text };
        let one = block_on(words.next());
        let two = block_on(words.next());
        record(&(one, two));

        // Owned arguments: `'static + Send`, as an executor's `spawn` needs.
        record(&block_on(static_send($cases::shout(String::from("owned")))));
        record(&block_on(static_send($cases::echo(5u8))));
        results
    }};
}

#[test]
fn inspected_futures_borrow_like_async_fn_futures() {
    let plain = use_borrowing_futures!(plain);
    let inspected = use_borrowing_futures!(inspected);
    assert_eq!(inspected, plain);
    assert_eq!(plain.len(), 16);
}

/// The state machine `stackless` measured for `inspected` is the size of `plain`'s future.
fn assert_same_size<P: Future, I: Future>(name: &str, plain: P, inspected: I) {
    let plain_size = std::mem::size_of_val(&plain);
    let layout = stackless::layout(inspected);
    assert_eq!(layout.size.size, plain_size, "{name}: {layout}");
}

macro_rules! assert_same_sizes {
    ($($name:ident($($arg:expr),*);)*) => {
        $(assert_same_size(
            stringify!($name),
            plain::$name($($arg),*),
            inspected::$name($($arg),*),
        );)*
    };
}

#[test]
fn inspected_futures_are_the_size_of_plain_ones() {
    let log = Log::default();
    let noisy = |name| Noisy::new(name, &log);
    assert_same_sizes! {
        count_words("a b");
        first_word("a b");
        keep_first("a", "b");
        total([1u32, 2], |n: u32| n);
        repeat(&[0u8; 100], 2);
        echo([0u64; 16]);
        shout(String::new());
        drops(noisy("first"), noisy("second"), "1");
    }
    use {inspected::Greet as _, plain::Greet as _};
    let peer = String::from("peer");
    let (plain_conn, inspected_conn) =
        (plain::Conn { peer: &peer }, inspected::Conn { peer: &peer });
    assert_same_size("Conn::peer", plain_conn.peer(), inspected_conn.peer());
    assert_same_size(
        "Conn::peer_len",
        plain_conn.peer_len(),
        inspected_conn.peer_len(),
    );
    assert_same_size(
        "Greet::greet",
        plain_conn.greet("hi"),
        inspected_conn.greet("hi"),
    );
    let (mut plain_words, mut inspected_words) = (
        plain::Words { rest: &peer },
        inspected::Words { rest: &peer },
    );
    assert_same_size("Words::next", plain_words.next(), inspected_words.next());
    let shelf = (
        plain::Shelf { items: Vec::new() },
        inspected::Shelf { items: Vec::new() },
    );
    assert_same_size("Shelf::get", shelf.0.get("key"), shelf.1.get("key"));
}

/// How a run of `drops` ends, and the order its `Noisy` values were dropped in.
fn drop_order<F>(drops: impl FnOnce(Noisy, Noisy) -> F, run: Run) -> (String, Vec<&'static str>)
where
    F: Future,
    F::Output: Debug,
{
    let log = Log::default();
    let future = drops(Noisy::new("first", &log), Noisy::new("second", &log));
    let ending = match run {
        Run::ToCompletion => format!("{:?}", block_on(future)),
        Run::DropUnpolled => {
            drop(future);
            "dropped".to_owned()
        }
        Run::DropWhileParked => {
            poll_once_and_drop(future);
            "cancelled".to_owned()
        }
    };
    let order = log.borrow().clone();
    (ending, order)
}

#[derive(Clone, Copy, Debug)]
enum Run {
    ToCompletion,
    DropUnpolled,
    DropWhileParked,
}

#[test]
fn drop_order_and_question_mark_match_async_fn() {
    let runs = [
        ("12", Run::ToCompletion),
        ("not a number", Run::ToCompletion),
        ("12", Run::DropUnpolled),
        ("12", Run::DropWhileParked),
    ];
    for (number, run) in runs {
        let plain = drop_order(|first, second| plain::drops(first, second, number), run);
        let inspected = drop_order(|first, second| inspected::drops(first, second, number), run);
        assert_eq!(inspected, plain, "{number:?}, {run:?}");
    }
    // The edition decides when the tail expression's temporary goes; both versions follow it.
    let (ending, order) = drop_order(
        |first, second| inspected::drops(first, second, "12"),
        Run::ToCompletion,
    );
    assert_eq!(ending, "Ok(21)");
    let expected = if TAIL_TEMPORARY_DROPS_FIRST {
        ["tail temporary", "local", "second", "first"]
    } else {
        ["local", "tail temporary", "second", "first"]
    };
    assert_eq!(order, expected);
    let (ending, order) = drop_order(
        |first, second| inspected::drops(first, second, "x"),
        Run::ToCompletion,
    );
    assert_eq!(ending, r#"Err("not a number")"#);
    assert_eq!(order, ["local", "second", "first"]);
}
