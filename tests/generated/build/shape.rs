//! The shape of a generated `async fn` before its names are resolved: what the strategies in
//! `strategy.rs` draw. References to variables are [`Pick`]s (an index into whatever is in scope
//! at that point, taken modulo its length), so every shape prints as code that compiles.

/// One generated function: `async fn fN(n: u64, flag: bool, <guard>) -> <output>`, or a
/// method `async fn fN(<receiver>, n: u64, ..)` of a struct `S` holding a `D`.
#[derive(Clone, Debug)]
pub struct Function {
    pub receiver: Option<Receiver>,
    /// `n: u64` or `mut n: u64`.
    pub mutable_n: bool,
    pub guard: GuardParam,
    pub output: Output,
    pub body: Vec<Stmt>,
    pub tail: Expr,
}

/// A method's receiver: the attribute renames `self` in the body.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Receiver {
    /// `&self`
    Ref,
    /// `&mut self`
    RefMut,
    /// `self`
    Value,
    /// `mut self`
    MutValue,
}

/// The third parameter: each pattern is moved into the future in its own way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GuardParam {
    /// `guard: D`
    Plain,
    /// `mut guard: D`
    Mutable,
    /// `(guard, spare): (D, D)`
    Tuple,
    /// `_: D`, kept until the body ends
    Wild,
    /// `ref guard: D`
    Ref,
}

/// The return type, which decides what `?` and `return` look like.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Output {
    /// `u64`
    Number,
    /// `Result<u64, Failure>`
    Result,
    /// `Option<u64>`
    Option,
    /// `impl Debug`
    Opaque,
    /// `Box<dyn Debug>`, coerced from `Box<u64>`
    Boxed,
}

/// An index into the candidates in scope (variables, or names to shadow).
#[derive(Clone, Copy, Debug)]
pub struct Pick(pub u8);

#[derive(Clone, Debug)]
pub enum Stmt {
    /// `let [mut] vN = value;` (or a visible name, shadowed).
    LetNumber {
        value: Expr,
        mutable: bool,
        shadow: Option<Pick>,
    },
    /// `let [mut] dN = D::new("dN", value);`, or `let _ = ..` (dropped at once) when `discard`.
    LetGuard {
        value: Expr,
        mutable: bool,
        shadow: Option<Pick>,
        discard: bool,
    },
    /// `let rcN = Rc::new(value);`: a value that is not `Send`.
    LetRc { value: Expr },
    /// `let rN = &dM;`: a borrow of a local, held as long as the scope.
    LetRef { target: Pick },
    /// `let Some(vN) = maybe(polls, value, present).await else { <exit> };`
    LetElse {
        polls: u8,
        value: Expr,
        present: Cond,
        otherwise: Exit,
    },
    /// `vN = (vN + value) % 1000;` on a mutable number.
    Assign { target: Pick, value: Expr },
    /// `dN = D::new(..);` on a mutable guard: the old value drops here.
    Replace { target: Pick, value: Expr },
    /// `drop(x);` of a guard or an `Rc`.
    Drop { target: Pick },
    /// `value;`
    Discard(Expr),
    /// `pend(polls).await;`
    Pend(u8),
    If {
        cond: Cond,
        then: Vec<Stmt>,
        otherwise: Option<Vec<Stmt>>,
    },
    /// `match value % arms { 0 => { .. } .. _ => { .. } }`
    Match { on: Expr, arms: Vec<Vec<Stmt>> },
    /// `for iN in 0..bound { body }`
    For { bound: Bound, body: Vec<Stmt> },
    /// `let mut cN = 0; while cN < bound { cN += 1; body }`
    While { bound: Bound, body: Vec<Stmt> },
    /// `{ body }`
    Block(Vec<Stmt>),
    /// `if when { <how> }`
    Exit { when: Cond, how: Exit },
    /// `assert!(cond, "aN {}", value);`
    Assert { cond: Cond, value: Expr },
}

/// Leaving early: `return`, a failure (`Err`/`None`), `break`, `continue`, or a panic.
#[derive(Clone, Debug)]
pub enum Exit {
    Return(Expr),
    Fail(Expr),
    Break(Expr),
    Continue,
    Panic(Expr),
}

/// How many times a loop runs: a literal, or `n % modulus`.
#[derive(Clone, Copy, Debug)]
pub enum Bound {
    Literal(u8),
    ArgModulo(u8),
}

#[derive(Clone, Debug)]
pub enum Cond {
    /// `flag` or `!flag`.
    Flag(bool),
    /// `n % modulus == remainder`.
    ArgModulo { modulus: u8, remainder: u8 },
    /// `value % modulus == remainder`.
    Compare {
        value: Box<Expr>,
        modulus: u8,
        remainder: u8,
    },
    /// `matches!(value % modulus, remainder)`: an await inside a macro the attribute cannot
    /// see into.
    Matches {
        value: Box<Expr>,
        modulus: u8,
        remainder: u8,
    },
}

/// An expression of type `u64`, always below 1000 (so no arithmetic overflows).
#[derive(Clone, Debug)]
pub enum Expr {
    Literal(u16),
    /// The argument `n`.
    Arg,
    /// A variable in scope (a number, `guard.get()`, `*rc`, `r.get()`).
    Use(Pick),
    /// `after(polls, value).await`
    After {
        polls: u8,
        value: Box<Expr>,
    },
    /// `after(polls, D::new("tN", value)).await.get()`: a guard inside the awaited future,
    /// then a temporary.
    AfterGuard {
        polls: u8,
        value: Box<Expr>,
    },
    /// `D::new("tN", value).get()`: a temporary, dropped at the end of the statement.
    Temporary(Box<Expr>),
    /// `fallible(polls, "qN", value, !ok).await?` (or `maybe(..)?`, by the output).
    Try {
        polls: u8,
        value: Box<Expr>,
        ok: Cond,
    },
    /// `faulty(polls, "bN", value, fire).await`: the awaited future panics when `fire`.
    Faulty {
        polls: u8,
        value: Box<Expr>,
        fire: Cond,
    },
    /// `(left + right) % 1000` or `(left * right) % 1000`.
    Binary {
        multiply: bool,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    If {
        cond: Cond,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `match on % arms { 0 => .., _ => .. }`
    Match {
        on: Box<Expr>,
        arms: Vec<Expr>,
    },
    /// `{ body tail }`
    Block {
        body: Vec<Stmt>,
        tail: Box<Expr>,
    },
    /// `async { body tail }.await`: a nested coroutine with its own `return`.
    Async {
        body: Vec<Stmt>,
        tail: Box<Expr>,
    },
    /// `loop` with a counter, leaving with `break tail` after `bound` rounds.
    Loop {
        bound: Bound,
        body: Vec<Stmt>,
        tail: Box<Expr>,
    },
    /// `'lN: { if when { break 'lN early; } body tail }`
    Labeled {
        when: Cond,
        early: Box<Expr>,
        body: Vec<Stmt>,
        tail: Box<Expr>,
    },
    /// `format!("{vM} {} ..", args..).len() as u64`, with a variable captured inline when
    /// `inline` finds one.
    Format {
        inline: Pick,
        args: Vec<Expr>,
    },
    /// `vec![items..].into_iter().sum::<u64>() % 1000`
    Vec(Vec<Expr>),
    /// `{ async fn hN(x: u64) -> u64 { .. pend(polls).await; x } hN(value).await }`: a nested
    /// item, whose awaits are its own.
    NestedFn {
        polls: u8,
        value: Box<Expr>,
    },
    /// `(async |x: u64| { .. pend(polls).await; x })(value).await`
    AsyncClosure {
        polls: u8,
        value: Box<Expr>,
    },
}
