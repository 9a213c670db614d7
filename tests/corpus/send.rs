//! `Send`-ness: values that are not `Send` held across an await (or not), arguments that are
//! not `Send`, and a generic function whose `Send`-ness follows its type argument.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Mutex;

use super::harness::*;

static SHARED: Mutex<u32> = Mutex::new(0);

macro_rules! source {
    ($($inspect:tt)*) => {
        $($inspect)*
        pub async fn rc_across_await(n: u32) -> u32 {
            let shared = Rc::new(n);
            pend(1).await;
            *shared + 1
        }

        $($inspect)*
        pub async fn rc_in_scope_before_await(n: u32) -> u32 {
            let copied = {
                let shared = Rc::new(n);
                *shared
            };
            pend(1).await;
            copied
        }

        $($inspect)*
        pub async fn rc_dropped_before_await(n: u32) -> u32 {
            let shared = Rc::new(n);
            let copied = *shared;
            drop(shared);
            pend(1).await;
            copied
        }

        $($inspect)*
        pub async fn rc_argument(shared: Rc<D>) -> usize {
            let count = Rc::strong_count(&shared);
            drop(shared);
            pend(1).await;
            count
        }

        #[allow(clippy::await_holding_lock, reason = "holding it is the point")]
        $($inspect)*
        pub async fn guard_across_await(step: u32) -> u32 {
            let mut guard = SHARED.lock().expect("not poisoned");
            pend(1).await;
            *guard += step;
            step
        }

        $($inspect)*
        pub async fn guard_in_scope(step: u32) -> u32 {
            {
                let mut guard = SHARED.lock().expect("not poisoned");
                *guard += step;
            }
            pend(1).await;
            step
        }

        $($inspect)*
        pub async fn cell_reference(cell: &'static Cell<u32>) -> u32 {
            pend(1).await;
            cell.set(cell.get() + 1);
            cell.get()
        }

        $($inspect)*
        pub async fn rc_temporary_in_tail() -> u32 {
            pend(1).await;
            *Rc::new(after(1, 1).await) + after(1, 2).await
        }

        $($inspect)*
        pub async fn keep<T: std::fmt::Debug>(value: T) -> String {
            pend(1).await;
            format!("{value:?}")
        }
    };
}

twin!(source);

case!(not_send_rc_across_await: rc_across_await(1));
case!(send_rc_in_scope: rc_in_scope_before_await(1));
case!(send_rc_dropped: rc_dropped_before_await(1));
case!(not_send_rc_argument: rc_argument(Rc::new(D("shared"))));
case!(not_send_mutex_guard: guard_across_await(1));
case!(send_mutex_guard_in_scope: guard_in_scope(1));
case!(not_send_cell_reference: cell_reference(leak(Cell::new(1))));
case!(not_send_rc_temporary_in_tail: rc_temporary_in_tail());
case!(send_generic_argument: keep(vec![1, 2]));
case!(not_send_generic_argument: keep(Rc::new(3)));
