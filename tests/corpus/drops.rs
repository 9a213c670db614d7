//! Drop order of arguments, locals and temporaries: tail expressions (rust-lang/rust#64512),
//! extended temporaries, scrutinees held across awaits, `let _` and explicit drops.

use std::cell::RefCell;

use super::harness::*;

impl D {
    /// A method to call on a temporary.
    pub fn size(&self) -> usize {
        self.0.len()
    }
}

macro_rules! source {
    ($($inspect:tt)*) => {
        $($inspect)*
        pub async fn tail_temporaries(guard: D) -> usize {
            let _local = D("local");
            pend(1).await;
            D("tail temporary").size() + guard.size()
        }

        $($inspect)*
        pub async fn tail_borrows_local(cell: RefCell<Vec<D>>) -> usize {
            let local = RefCell::new(vec![D("in local")]);
            pend(1).await;
            cell.borrow().len() + local.borrow().len()
        }

        $($inspect)*
        pub async fn tail_is_awaited(guard: D) -> usize {
            let _local = D("local");
            after(1, D("awaited temporary")).await.size() + guard.size()
        }

        #[allow(clippy::await_holding_refcell_ref, reason = "the borrow is the point")]
        $($inspect)*
        pub async fn awaited_expression_temporaries() -> usize {
            let first = after(1, D("temporary in awaited expression").size()).await;
            let cell = RefCell::new(2);
            let second = after(1, *cell.borrow()).await;
            first + second
        }

        $($inspect)*
        pub async fn extended_temporary() -> usize {
            let extended = &D("extended");
            let _statement = D("statement temporary").size();
            pend(1).await;
            extended.size()
        }

        $($inspect)*
        pub async fn scrutinee_across_await(n: usize) -> usize {
            match D("scrutinee").size() + n {
                0 => 0,
                total => {
                    let _arm = D("arm");
                    pend(1).await;
                    total
                }
            }
        }

        $($inspect)*
        pub async fn if_let_scrutinee(input: Option<usize>) -> usize {
            if let Some(value) = Some(D("if let scrutinee")).and(input) {
                pend(1).await;
                value
            } else {
                pend(2).await;
                0
            }
        }

        $($inspect)*
        pub async fn let_underscore(guard: D) -> u8 {
            let _ = D("dropped at once");
            let _kept = D("kept");
            let _ = guard;
            pend(1).await;
            drop(_kept);
            let replaced = std::mem::replace(&mut D("old"), D("new"));
            pend(1).await;
            let _ = replaced;
            1
        }
    };
}

twin!(source);

case!(tail_expression_temporaries: tail_temporaries(D("guard")));
case!(tail_expression_borrows_local: tail_borrows_local(RefCell::new(vec![D("in argument")])));
case!(awaited_tail_expression: tail_is_awaited(D("guard")));
case!(temporaries_in_awaited_expression: awaited_expression_temporaries());
case!(extended_temporaries: extended_temporary());
case!(match_scrutinee_temporary: scrutinee_across_await(1));
case!(if_let_scrutinee_some: if_let_scrutinee(Some(4)));
case!(if_let_scrutinee_none: if_let_scrutinee(None));
case!(let_underscore_and_explicit_drop: let_underscore(D("guard")));
