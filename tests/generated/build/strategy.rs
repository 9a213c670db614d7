//! The proptest strategies that draw a [`Function`]: statements and expressions nest up to a
//! fixed depth, and leaves are likelier than nesting at every level, so functions stay a few
//! dozen lines long.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::shape::{Bound, Cond, Exit, Expr, Function, GuardParam, Output, Pick, Receiver, Stmt};

/// How deep blocks nest inside the function's body.
const DEPTH: u32 = 3;

/// A whole function: an output type, two to six statements, a tail expression.
pub fn function() -> impl Strategy<Value = Function> {
    let mut level = Level::leaves();
    for _ in 0..DEPTH {
        level = level.nest();
    }
    let output = prop_oneof![
        3 => Just(Output::Number),
        3 => Just(Output::Result),
        3 => Just(Output::Option),
        1 => Just(Output::Opaque),
        1 => Just(Output::Boxed),
    ];
    let guard = prop_oneof![
        4 => Just(GuardParam::Plain),
        1 => Just(GuardParam::Mutable),
        1 => Just(GuardParam::Tuple),
        1 => Just(GuardParam::Wild),
        1 => Just(GuardParam::Ref),
    ];
    let receiver = prop::option::weighted(
        0.25,
        prop_oneof![
            Just(Receiver::Ref),
            Just(Receiver::RefMut),
            Just(Receiver::Value),
            Just(Receiver::MutValue),
        ],
    );
    let signature = (receiver, prop::bool::weighted(0.2), guard, output);
    (signature, vec(level.stmt, 2..=6), level.expr).prop_map(
        |((receiver, mutable_n, guard, output), body, tail)| Function {
            receiver,
            mutable_n,
            guard,
            output,
            body,
            tail,
        },
    )
}

/// The strategies for one nesting depth.
struct Level {
    expr: BoxedStrategy<Expr>,
    stmt: BoxedStrategy<Stmt>,
}

fn pick() -> impl Strategy<Value = Pick> + Clone {
    any::<u8>().prop_map(Pick)
}

/// Pending 0, 1 or 2 times: 0 is an await point that never suspends.
fn polls() -> impl Strategy<Value = u8> + Clone {
    prop_oneof![1 => Just(0u8), 3 => Just(1u8), 1 => Just(2u8)]
}

fn bound() -> impl Strategy<Value = Bound> + Clone {
    prop_oneof![
        (0u8..=3).prop_map(Bound::Literal),
        (2u8..=4).prop_map(Bound::ArgModulo),
    ]
}

fn cond(expr: BoxedStrategy<Expr>) -> impl Strategy<Value = Cond> + Clone {
    let modulus_remainder = (2u8..=3).prop_flat_map(|modulus| (Just(modulus), 0..modulus));
    prop_oneof![
        2 => any::<bool>().prop_map(Cond::Flag),
        2 => modulus_remainder.clone().prop_map(|(modulus, remainder)| Cond::ArgModulo {
            modulus,
            remainder
        }),
        1 => (expr.clone(), modulus_remainder.clone()).prop_map(
            |(value, (modulus, remainder))| Cond::Compare {
                value: Box::new(value),
                modulus,
                remainder,
            }
        ),
        1 => (expr, modulus_remainder).prop_map(|(value, (modulus, remainder))| Cond::Matches {
            value: Box::new(value),
            modulus,
            remainder,
        }),
    ]
}

fn exit(expr: BoxedStrategy<Expr>) -> impl Strategy<Value = Exit> + Clone {
    prop_oneof![
        3 => expr.clone().prop_map(Exit::Return),
        2 => expr.clone().prop_map(Exit::Fail),
        2 => expr.clone().prop_map(Exit::Break),
        1 => Just(Exit::Continue),
        2 => expr.prop_map(Exit::Panic),
    ]
}

impl Level {
    /// Depth 0: literals, arguments, variables, and statements made of those.
    fn leaves() -> Level {
        let expr = prop_oneof![
            3 => (0u16..20).prop_map(Expr::Literal),
            2 => Just(Expr::Arg),
            4 => pick().prop_map(Expr::Use),
        ]
        .boxed();
        let stmt = Level::simple_stmts(expr.clone()).boxed();
        Level { expr, stmt }
    }

    /// Statements that hold no block of their own.
    fn simple_stmts(expr: BoxedStrategy<Expr>) -> impl Strategy<Value = Stmt> {
        let shadow = prop::option::weighted(0.3, pick());
        prop_oneof![
            4 => (expr.clone(), any::<bool>(), shadow.clone()).prop_map(
                |(value, mutable, shadow)| Stmt::LetNumber { value, mutable, shadow }
            ),
            4 => (expr.clone(), any::<bool>(), shadow, prop::bool::weighted(0.15)).prop_map(
                |(value, mutable, shadow, discard)| Stmt::LetGuard {
                    value,
                    mutable,
                    shadow,
                    discard,
                }
            ),
            1 => expr.clone().prop_map(|value| Stmt::LetRc { value }),
            1 => pick().prop_map(|target| Stmt::LetRef { target }),
            1 => (polls(), expr.clone(), cond(expr.clone()), exit(expr.clone())).prop_map(
                |(polls, value, present, otherwise)| Stmt::LetElse {
                    polls,
                    value,
                    present,
                    otherwise,
                }
            ),
            2 => (pick(), expr.clone()).prop_map(|(target, value)| Stmt::Assign { target, value }),
            1 => (pick(), expr.clone()).prop_map(|(target, value)| Stmt::Replace { target, value }),
            2 => pick().prop_map(|target| Stmt::Drop { target }),
            1 => expr.clone().prop_map(Stmt::Discard),
            3 => polls().prop_map(Stmt::Pend),
            2 => (cond(expr.clone()), exit(expr.clone())).prop_map(|(when, how)| Stmt::Exit { when, how }),
            1 => (cond(expr.clone()), expr).prop_map(|(cond, value)| Stmt::Assert { cond, value }),
        ]
    }

    /// One level deeper: expressions and statements whose parts come from `self`.
    fn nest(self) -> Level {
        let Level { expr: inner, stmt } = self;
        let block = || vec(stmt.clone(), 1..=3);
        let boxed = || inner.clone().prop_map(Box::new);
        let expr = prop_oneof![
            8 => (0u16..20).prop_map(Expr::Literal),
            3 => Just(Expr::Arg),
            6 => pick().prop_map(Expr::Use),
            4 => (polls(), boxed()).prop_map(|(polls, value)| Expr::After { polls, value }),
            1 => (polls(), boxed()).prop_map(|(polls, value)| Expr::AfterGuard { polls, value }),
            1 => boxed().prop_map(Expr::Temporary),
            2 => (polls(), boxed(), cond(inner.clone())).prop_map(|(polls, value, ok)| Expr::Try {
                polls,
                value,
                ok
            }),
            1 => (polls(), boxed(), cond(inner.clone())).prop_map(|(polls, value, fire)| {
                Expr::Faulty { polls, value, fire }
            }),
            3 => (any::<bool>(), boxed(), boxed()).prop_map(|(multiply, left, right)| {
                Expr::Binary { multiply, left, right }
            }),
            1 => (cond(inner.clone()), boxed(), boxed()).prop_map(|(cond, then, otherwise)| {
                Expr::If { cond, then, otherwise }
            }),
            1 => (boxed(), vec(inner.clone(), 2..=3)).prop_map(|(on, arms)| Expr::Match { on, arms }),
            1 => (block(), boxed()).prop_map(|(body, tail)| Expr::Block { body, tail }),
            1 => (block(), boxed()).prop_map(|(body, tail)| Expr::Async { body, tail }),
            1 => (bound(), block(), boxed()).prop_map(|(bound, body, tail)| Expr::Loop {
                bound,
                body,
                tail
            }),
            1 => (cond(inner.clone()), boxed(), block(), boxed()).prop_map(
                |(when, early, body, tail)| Expr::Labeled { when, early, body, tail }
            ),
            1 => (pick(), vec(inner.clone(), 1..=2)).prop_map(|(inline, args)| Expr::Format {
                inline,
                args
            }),
            1 => vec(inner.clone(), 1..=3).prop_map(Expr::Vec),
            1 => (polls(), boxed()).prop_map(|(polls, value)| Expr::NestedFn { polls, value }),
            1 => (polls(), boxed()).prop_map(|(polls, value)| Expr::AsyncClosure { polls, value }),
        ]
        .boxed();
        let stmt = prop_oneof![
            12 => Level::simple_stmts(expr.clone()),
            2 => (cond(inner.clone()), block(), prop::option::weighted(0.5, block())).prop_map(
                |(cond, then, otherwise)| Stmt::If { cond, then, otherwise }
            ),
            1 => (inner.clone(), vec(block(), 2..=3)).prop_map(|(on, arms)| Stmt::Match { on, arms }),
            1 => (bound(), block()).prop_map(|(bound, body)| Stmt::For { bound, body }),
            1 => (bound(), block()).prop_map(|(bound, body)| Stmt::While { bound, body }),
            1 => block().prop_map(Stmt::Block),
        ]
        .boxed();
        Level { expr, stmt }
    }
}
