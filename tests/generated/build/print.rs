//! Printing a [`Function`] as Rust source, resolving every [`Pick`] against what is in scope
//! where it is printed, so that the source compiles: a dropped value is not used again, a value
//! is moved only at the loop depth it was declared at, a borrowed guard is neither dropped nor
//! replaced, `break` and `continue` appear only inside loops, and `?` and `return` match the
//! function (or the `async` block) they leave.
//!
//! Input:   Stmt::LetGuard { value: Expr::After { polls: 1, value: Arg }, .. }, Stmt::Drop { target: Pick(7) }
//! Output:  let d1 = D::new("d1", after(1, n).await);
//!          drop(d1);

use std::collections::HashSet;

use crate::shape::{Bound, Cond, Exit, Expr, Function, GuardParam, Output, Pick, Receiver, Stmt};

/// A printed function and what the emitter needs to know about it.
pub struct Printed {
    /// `pub async fn <name>(n: u64, flag: bool, guard: D) -> .. { .. }`, without attributes;
    /// for a method, `impl S { pub async fn <name>(<receiver>, ..) .. }` and a function
    /// `<name>(n, flag, guard)` that calls it on a new `S`.
    pub source: String,
    /// Whether it creates an `Rc` (its future may then not be `Send`).
    pub uses_rc: bool,
}

pub fn print(name: &str, function: &Function) -> Printed {
    let mut printer = Printer {
        output: function.output,
        bindings: Vec::new(),
        frames: Vec::new(),
        next_site: 0,
        indent: if function.receiver.is_some() { 2 } else { 1 },
        uses_rc: false,
    };
    let parameters = printer.parameters(function);
    let output = output_type(function.output);
    let outer = "    ".repeat(printer.indent - 1);
    let mut source = format!("{outer}pub async fn {name}({parameters}) -> {output} {{\n");
    for stmt in &function.body {
        source += &printer.stmt(stmt);
    }
    let tail = printer.expr(&function.tail);
    source += &printer.line(&printer.wrap(tail));
    source += &format!("{outer}}}\n");
    if let Some(receiver) = function.receiver {
        source = method(name, function, receiver, &source);
    }
    Printed {
        source,
        uses_rc: printer.uses_rc,
    }
}

fn output_type(output: Output) -> &'static str {
    match output {
        Output::Number => "u64",
        Output::Result => "Result<u64, Failure>",
        Output::Option => "Option<u64>",
        Output::Opaque => "impl ::std::fmt::Debug",
        Output::Boxed => "Box<dyn ::std::fmt::Debug>",
    }
}

// Input:   pub async fn f7(&self, n: u64, flag: bool, guard: D) -> u64 { .. }
// Output:  impl S { pub async fn f7(&self, n: u64, flag: bool, guard: D) -> u64 { .. } }
//          pub fn f7(n: u64, flag: bool, third: D) -> impl Future<Output = u64> {
//              leak(S(D::new("self", n))).f7(n, flag, third)
//          }
// The free function returns the method's future itself, so the harness calls every function
// alike and measures the method's future.
fn method(name: &str, function: &Function, receiver: Receiver, method: &str) -> String {
    let third = match function.guard {
        GuardParam::Tuple => "(D, D)",
        GuardParam::Plain | GuardParam::Mutable | GuardParam::Wild | GuardParam::Ref => "D",
    };
    // A borrowed receiver must outlive the future, which the harness keeps as `'static`.
    let receiver = match receiver {
        Receiver::Ref | Receiver::RefMut => "leak(S(D::new(\"self\", n)))",
        Receiver::Value | Receiver::MutValue => "S(D::new(\"self\", n))",
    };
    let output = output_type(function.output);
    format!(
        "impl S {{\n{method}}}\n\n\
         pub fn {name}(n: u64, flag: bool, third: {third}) \
         -> impl ::std::future::Future<Output = {output}> {{\n    \
         {receiver}.{name}(n, flag, third)\n}}\n"
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A `u64` (or an integer whose type inference settles).
    Number,
    /// A `D`: logs its drop.
    Guard,
    /// An `Rc<u64>`.
    Rc,
    /// A `&D`.
    Ref,
    /// `self`, an `S` (or a reference to one), which has `get()` too.
    Receiver { by_value: bool },
}

struct Binding {
    name: String,
    kind: Kind,
    mutable: bool,
    moved: bool,
    borrowed: bool,
    /// How many loops and `async` blocks enclose the declaration: moving the value from a
    /// deeper one would move it twice (or out of a borrow).
    move_depth: usize,
}

/// What encloses the code being printed, innermost last.
#[derive(Clone, PartialEq)]
enum Frame {
    /// A `for` or `while` loop (`break;`), or a `loop` that yields a value (`break value;`).
    Loop { yields: bool },
    /// An `async` block: `return` leaves it with a `u64`, `?` does not apply.
    Async,
    /// A labelled block: `break 'label value;` leaves it, and a `break` without a label may
    /// not appear in it (E0695).
    Labeled(String),
    /// The value a `loop` breaks with: a `continue` there would skip the test that leaves the
    /// loop, again and again.
    Leaving,
}

struct Printer {
    output: Output,
    bindings: Vec<Binding>,
    frames: Vec<Frame>,
    next_site: u32,
    indent: usize,
    uses_rc: bool,
}

impl Printer {
    /// The parameter list, with a binding declared for each name it introduces.
    fn parameters(&mut self, function: &Function) -> String {
        let receiver = match function.receiver {
            None => "",
            Some(receiver) => {
                let (by_value, mutable, text) = match receiver {
                    Receiver::Ref => (false, false, "&self, "),
                    Receiver::RefMut => (false, false, "&mut self, "),
                    Receiver::Value => (true, false, "self, "),
                    Receiver::MutValue => (true, true, "mut self, "),
                };
                self.declare_argument("self", Kind::Receiver { by_value }, mutable);
                text
            }
        };
        self.declare_argument("n", Kind::Number, function.mutable_n);
        let n = if function.mutable_n { "mut n" } else { "n" };
        let guard = match function.guard {
            GuardParam::Plain => {
                self.declare_argument("guard", Kind::Guard, false);
                "guard: D"
            }
            GuardParam::Mutable => {
                self.declare_argument("guard", Kind::Guard, true);
                "mut guard: D"
            }
            GuardParam::Tuple => {
                self.declare_argument("guard", Kind::Guard, false);
                self.declare_argument("spare", Kind::Guard, false);
                "(guard, spare): (D, D)"
            }
            GuardParam::Wild => "_: D",
            GuardParam::Ref => {
                self.declare_argument("guard", Kind::Ref, false);
                "ref guard: D"
            }
        };
        format!("{receiver}{n}: u64, flag: bool, {guard}")
    }

    fn declare_argument(&mut self, name: &str, kind: Kind, mutable: bool) {
        self.bindings.push(Binding {
            name: name.to_owned(),
            kind,
            mutable,
            moved: false,
            borrowed: false,
            move_depth: 0,
        });
    }

    /// A fresh site number: names and drop labels are `<letter><site>`.
    fn site(&mut self) -> u32 {
        self.next_site += 1;
        self.next_site
    }

    fn line(&self, text: &str) -> String {
        format!("{}{text}\n", "    ".repeat(self.indent))
    }

    /// The indices of the bindings a name reaches (the latest of each name), newest first.
    fn visible(&self) -> Vec<usize> {
        let mut seen = HashSet::new();
        (0..self.bindings.len())
            .rev()
            .filter(|&index| seen.insert(self.bindings[index].name.as_str()))
            .collect()
    }

    /// The binding `pick` chooses among the visible ones that `fits`.
    fn choose(&self, pick: Pick, fits: impl Fn(&Binding) -> bool) -> Option<usize> {
        let candidates: Vec<usize> = self
            .visible()
            .into_iter()
            .filter(|&index| fits(&self.bindings[index]))
            .collect();
        (!candidates.is_empty()).then(|| candidates[usize::from(pick.0) % candidates.len()])
    }

    /// Declares a binding for `kind`, named afresh or (with `shadow`) after a visible binding.
    /// `n` is only ever rebound to a number, since conditions and bounds name it.
    fn declare(&mut self, letter: &str, kind: Kind, mutable: bool, shadow: Option<Pick>) -> String {
        let site = self.site();
        let name = shadow
            .and_then(|pick| {
                self.choose(pick, |binding| {
                    binding.name != "self" && (binding.name != "n" || kind == Kind::Number)
                })
            })
            .map(|index| self.bindings[index].name.clone())
            .unwrap_or_else(|| format!("{letter}{site}"));
        self.bindings.push(Binding {
            name: name.clone(),
            kind,
            mutable,
            moved: false,
            borrowed: false,
            move_depth: self.move_depth(),
        });
        name
    }

    fn move_depth(&self) -> usize {
        self.frames.len()
    }

    fn in_async(&self) -> bool {
        self.frames.contains(&Frame::Async)
    }

    /// What `return` and `?` leave: the function, with its output, or an `async` block, with a
    /// `u64` (as do the outputs without a failure).
    fn leaving(&self) -> Output {
        if self.in_async() {
            Output::Number
        } else {
            self.output
        }
    }

    /// The function's output around `value` (or the `async` block's, which is the value).
    fn wrap(&self, value: String) -> String {
        match self.leaving() {
            Output::Number | Output::Opaque => value,
            Output::Result => format!("Ok({value})"),
            Output::Option => format!("Some({value})"),
            Output::Boxed => format!("Box::new({value})"),
        }
    }

    /// `{`, the lines `inner` prints one level deeper, and `}` at this level.
    fn braces(&mut self, inner: impl FnOnce(&mut Self) -> String) -> String {
        self.indent += 1;
        let lines = inner(self);
        self.indent -= 1;
        format!("{{\n{lines}{}}}", "    ".repeat(self.indent))
    }

    /// The statements of `body` and its `tail`, at this level, in a scope of their own.
    fn scoped(&mut self, body: &[Stmt], tail: Option<&Expr>) -> String {
        let scope = self.bindings.len();
        let mut lines = String::new();
        for stmt in body {
            lines += &self.stmt(stmt);
        }
        if let Some(tail) = tail {
            let tail = self.expr(tail);
            lines += &self.line(&tail);
        }
        self.bindings.truncate(scope);
        lines
    }

    /// `{ body tail }`, one level deeper.
    fn block(&mut self, body: &[Stmt], tail: Option<&Expr>) -> String {
        self.braces(|printer| printer.scoped(body, tail))
    }

    /// `block`, inside `frame`.
    fn framed(&mut self, frame: Frame, body: &[Stmt], tail: Option<&Expr>) -> String {
        self.frames.push(frame);
        let text = self.block(body, tail);
        self.frames.pop();
        text
    }

    /// A counted loop's body: the counter's increment, then (for a `loop` that yields) the test
    /// that leaves it, then `body`. The test comes first so that `continue` cannot skip it.
    fn counted(
        &mut self,
        counter: &str,
        yields: bool,
        body: &[Stmt],
        leave: Option<(&str, &Expr)>,
    ) -> String {
        self.frames.push(Frame::Loop { yields });
        let text = self.braces(|printer| {
            let mut lines = printer.line(&format!("{counter} += 1;"));
            if let Some((bound, tail)) = leave {
                printer.frames.push(Frame::Leaving);
                let tail = printer.expr(tail);
                printer.frames.pop();
                lines += &printer.line(&format!("if {counter} > {bound} {{ break {tail}; }}"));
            }
            lines + &printer.scoped(body, None)
        });
        self.frames.pop();
        text
    }

    fn stmt(&mut self, stmt: &Stmt) -> String {
        match stmt {
            Stmt::LetNumber {
                value,
                mutable,
                shadow,
            } => {
                let value = self.expr(value);
                let name = self.declare("v", Kind::Number, *mutable, *shadow);
                let mutability = if *mutable { "mut " } else { "" };
                self.line(&format!("let {mutability}{name} = {value};"))
            }
            Stmt::LetGuard {
                value,
                mutable,
                shadow,
                discard,
            } => {
                let value = self.expr(value);
                if *discard {
                    let site = self.site();
                    return self.line(&format!("let _ = D::new(\"d{site}\", {value});"));
                }
                let name = self.declare("d", Kind::Guard, *mutable, *shadow);
                let label = format!("d{}", self.next_site);
                let mutability = if *mutable { "mut " } else { "" };
                self.line(&format!(
                    "let {mutability}{name} = D::new(\"{label}\", {value});"
                ))
            }
            Stmt::LetRc { value } => {
                let value = self.expr(value);
                let name = self.declare("rc", Kind::Rc, false, None);
                self.uses_rc = true;
                self.line(&format!("let {name} = Rc::new({value});"))
            }
            Stmt::LetRef { target } => {
                let Some(target) = self.choose(*target, |binding| {
                    matches!(binding.kind, Kind::Guard | Kind::Receiver { .. }) && !binding.moved
                }) else {
                    return String::new();
                };
                self.bindings[target].borrowed = true;
                let target = self.bindings[target].name.clone();
                let name = self.declare("r", Kind::Ref, false, None);
                self.line(&format!("let {name} = &{target};"))
            }
            Stmt::LetElse {
                polls,
                value,
                present,
                otherwise,
            } => {
                let value = self.expr(value);
                let present = self.cond(present);
                let otherwise = self.exit(otherwise);
                let name = self.declare("v", Kind::Number, false, None);
                self.line(&format!(
                    "let Some({name}) = maybe({polls}, {value}, {present}).await else {{ {otherwise} }};"
                ))
            }
            Stmt::Assign { target, value } => {
                let Some(target) = self.choose(*target, |binding| {
                    binding.kind == Kind::Number && binding.mutable
                }) else {
                    return String::new();
                };
                let value = self.operand(value);
                let target = &self.bindings[target].name;
                self.line(&format!("{target} = ({target} + {value}) % 1000;"))
            }
            Stmt::Replace { target, value } => {
                let Some(target) = self.choose(*target, |binding| {
                    matches!(
                        binding.kind,
                        Kind::Guard | Kind::Receiver { by_value: true }
                    ) && binding.mutable
                        && !binding.moved
                        && !binding.borrowed
                }) else {
                    return String::new();
                };
                let value = self.expr(value);
                // The value may have moved or borrowed the target meanwhile.
                let binding = &self.bindings[target];
                if binding.moved || binding.borrowed {
                    return self.line(&format!("{value};"));
                }
                let site = self.site();
                let binding = &self.bindings[target];
                let replacement = format!("D::new(\"d{site}\", {value})");
                if binding.kind == Kind::Guard {
                    self.line(&format!("{} = {replacement};", binding.name))
                } else {
                    self.line(&format!("{} = S({replacement});", binding.name))
                }
            }
            Stmt::Drop { target } => {
                let depth = self.move_depth();
                let Some(target) = self.choose(*target, |binding| {
                    matches!(
                        binding.kind,
                        Kind::Guard | Kind::Rc | Kind::Receiver { by_value: true }
                    ) && !binding.moved
                        && !binding.borrowed
                        && binding.move_depth == depth
                }) else {
                    return String::new();
                };
                self.bindings[target].moved = true;
                self.line(&format!("drop({});", self.bindings[target].name))
            }
            Stmt::Discard(value) => {
                let value = self.operand(value);
                self.line(&format!("{value};"))
            }
            Stmt::Pend(polls) => self.line(&format!("pend({polls}).await;")),
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                let cond = self.cond(cond);
                let mut text = format!("if {cond} {}", self.block(then, None));
                if let Some(otherwise) = otherwise {
                    text += &format!(" else {}", self.block(otherwise, None));
                }
                self.line(&text)
            }
            Stmt::Match { on, arms } => {
                let on = self.operand(on);
                let mut text = format!("match {on} % {} {{\n", arms.len());
                self.indent += 1;
                for (index, arm) in arms.iter().enumerate() {
                    let pattern = arm_pattern(index, arms.len());
                    let arm = self.block(arm, None);
                    text += &self.line(&format!("{pattern} => {arm}"));
                }
                self.indent -= 1;
                text += &format!("{}}}", "    ".repeat(self.indent));
                self.line(&text)
            }
            Stmt::For { bound, body } => {
                let bound = self.bound(bound);
                let scope = self.bindings.len();
                self.frames.push(Frame::Loop { yields: false });
                let index = self.declare("i", Kind::Number, false, None);
                let body = self.block(body, None);
                self.frames.pop();
                self.bindings.truncate(scope);
                self.line(&format!("for {index} in 0..{bound} {body}"))
            }
            Stmt::While { bound, body } => {
                let bound = self.bound(bound);
                let counter = format!("c{}", self.site());
                let body = self.counted(&counter, false, body, None);
                self.line(&format!("let mut {counter} = 0;"))
                    + &self.line(&format!("while {counter} < {bound} {body}"))
            }
            Stmt::Block(body) => {
                let body = self.block(body, None);
                self.line(&body)
            }
            Stmt::Assert { cond, value } => {
                let cond = self.cond(cond);
                let value = self.expr(value);
                let site = self.site();
                self.line(&format!("assert!({cond}, \"a{site} {{}}\", {value});"))
            }
            Stmt::Exit { when, how } => {
                let when = self.cond(when);
                self.indent += 1;
                let how = self.exit(how);
                let inner = self.line(&how);
                self.indent -= 1;
                self.line(&format!(
                    "if {when} {{\n{inner}{}}}",
                    "    ".repeat(self.indent)
                ))
            }
        }
    }

    /// The statement that leaves, as the innermost frame allows.
    fn exit(&mut self, exit: &Exit) -> String {
        let innermost = self.frames.last().cloned();
        match exit {
            Exit::Return(value) => {
                let value = self.expr(value);
                format!("return {};", self.wrap(value))
            }
            Exit::Fail(value) => match self.leaving() {
                Output::Result => {
                    let value = self.expr(value);
                    let site = self.site();
                    format!("return Err(Failure::new(\"e{site}\", {value}));")
                }
                Output::Option => "return None;".to_owned(),
                Output::Number | Output::Opaque | Output::Boxed => {
                    self.exit(&Exit::Return(value.clone()))
                }
            },
            Exit::Break(value) => match innermost {
                Some(Frame::Loop { yields: true }) => format!("break {};", self.expr(value)),
                Some(Frame::Loop { yields: false }) => "break;".to_owned(),
                // In parentheses: `break 'a { .. }` reads as a break with a block value.
                Some(Frame::Labeled(label)) => format!("break {label} {};", self.operand(value)),
                Some(Frame::Async | Frame::Leaving) | None => {
                    self.exit(&Exit::Return(value.clone()))
                }
            },
            Exit::Continue => match innermost {
                Some(Frame::Loop { .. }) => "continue;".to_owned(),
                Some(Frame::Labeled(label)) => format!("break {label} 0;"),
                Some(Frame::Async | Frame::Leaving) | None => {
                    self.exit(&Exit::Return(Expr::Literal(0)))
                }
            },
            Exit::Panic(value) => {
                let value = self.expr(value);
                let site = self.site();
                format!("panic!(\"p{site} {{}}\", {value});")
            }
        }
    }

    fn bound(&mut self, bound: &Bound) -> String {
        match bound {
            Bound::Literal(rounds) => rounds.to_string(),
            Bound::ArgModulo(modulus) => format!("n % {modulus}"),
        }
    }

    fn cond(&mut self, cond: &Cond) -> String {
        match cond {
            Cond::Flag(true) => "flag".to_owned(),
            Cond::Flag(false) => "!flag".to_owned(),
            Cond::ArgModulo { modulus, remainder } => format!("n % {modulus} == {remainder}"),
            Cond::Compare {
                value,
                modulus,
                remainder,
            } => {
                let value = self.operand(value);
                format!("{value} % {modulus} == {remainder}")
            }
            Cond::Matches {
                value,
                modulus,
                remainder,
            } => {
                let value = self.operand(value);
                format!("matches!({value} % {modulus}, {remainder})")
            }
        }
    }

    /// `expr`, in parentheses unless it is a single term.
    fn operand(&mut self, expr: &Expr) -> String {
        let text = self.expr(expr);
        let single_term = matches!(
            expr,
            Expr::Literal(_)
                | Expr::Arg
                | Expr::Use(_)
                | Expr::After { .. }
                | Expr::AfterGuard { .. }
                | Expr::Temporary(_)
                | Expr::Try { .. }
                | Expr::Faulty { .. }
                | Expr::AsyncClosure { .. }
        );
        if single_term {
            text
        } else {
            format!("({text})")
        }
    }

    fn expr(&mut self, expr: &Expr) -> String {
        match expr {
            Expr::Literal(value) => value.to_string(),
            Expr::Arg => "n".to_owned(),
            Expr::Use(pick) => {
                let Some(index) = self.choose(*pick, |binding| !binding.moved) else {
                    return (pick.0 % 10).to_string();
                };
                let binding = &self.bindings[index];
                match binding.kind {
                    Kind::Number => binding.name.clone(),
                    Kind::Guard | Kind::Ref | Kind::Receiver { .. } => {
                        format!("{}.get()", binding.name)
                    }
                    Kind::Rc => format!("*{}", binding.name),
                }
            }
            Expr::After { polls, value } => format!("after({polls}, {}).await", self.expr(value)),
            Expr::AfterGuard { polls, value } => {
                let value = self.expr(value);
                let site = self.site();
                format!("after({polls}, D::new(\"t{site}\", {value})).await.get()")
            }
            Expr::Temporary(value) => {
                let value = self.expr(value);
                let site = self.site();
                format!("D::new(\"t{site}\", {value}).get()")
            }
            Expr::Try { polls, value, ok } => {
                let value = self.expr(value);
                match self.leaving() {
                    Output::Result => {
                        let ok = self.cond(ok);
                        let site = self.site();
                        format!("fallible({polls}, \"q{site}\", {value}, {ok}).await?")
                    }
                    Output::Option => {
                        let ok = self.cond(ok);
                        format!("maybe({polls}, {value}, {ok}).await?")
                    }
                    Output::Number | Output::Opaque | Output::Boxed => {
                        format!("after({polls}, {value}).await")
                    }
                }
            }
            Expr::Faulty { polls, value, fire } => {
                let value = self.expr(value);
                let fire = self.cond(fire);
                let site = self.site();
                format!("faulty({polls}, \"b{site}\", {value}, {fire}).await")
            }
            Expr::Binary {
                multiply,
                left,
                right,
            } => {
                let left = self.operand(left);
                let right = self.operand(right);
                let operator = if *multiply { "*" } else { "+" };
                format!("({left} {operator} {right}) % 1000")
            }
            Expr::If {
                cond,
                then,
                otherwise,
            } => {
                let cond = self.cond(cond);
                let then = self.block(&[], Some(then));
                let otherwise = self.block(&[], Some(otherwise));
                format!("if {cond} {then} else {otherwise}")
            }
            Expr::Match { on, arms } => {
                let on = self.operand(on);
                let mut text = format!("match {on} % {} {{\n", arms.len());
                self.indent += 1;
                for (index, arm) in arms.iter().enumerate() {
                    let pattern = arm_pattern(index, arms.len());
                    let arm = self.expr(arm);
                    text += &self.line(&format!("{pattern} => {arm},"));
                }
                self.indent -= 1;
                text + &"    ".repeat(self.indent) + "}"
            }
            Expr::Block { body, tail } => self.block(body, Some(tail)),
            Expr::Async { body, tail } => {
                format!(
                    "async {}.await",
                    self.framed(Frame::Async, body, Some(tail))
                )
            }
            Expr::Labeled {
                when,
                early,
                body,
                tail,
            } => {
                let label = format!("'l{}", self.site());
                let when = self.cond(when);
                self.frames.push(Frame::Labeled(label.clone()));
                let early = self.operand(early);
                let block = self.braces(|printer| {
                    printer.line(&format!("if {when} {{ break {label} {early}; }}"))
                        + &printer.scoped(body, Some(tail))
                });
                self.frames.pop();
                // In parentheses: `break 'a 'b: { .. }` does not parse.
                format!("({label}: {block})")
            }
            Expr::Format { inline, args } => {
                let inline = self
                    .choose(*inline, |binding| binding.kind == Kind::Number)
                    .map(|index| format!("{{{}}}", self.bindings[index].name));
                let args: Vec<String> = args.iter().map(|arg| self.expr(arg)).collect();
                let holes = inline
                    .into_iter()
                    .chain(args.iter().map(|_| "{}".to_owned()))
                    .collect::<Vec<_>>()
                    .join(" ");
                format!("format!(\"{holes}\", {}).len() as u64", args.join(", "))
            }
            Expr::Vec(items) => {
                let items: Vec<String> = items.iter().map(|item| self.expr(item)).collect();
                format!("vec![{}].into_iter().sum::<u64>() % 1000", items.join(", "))
            }
            Expr::NestedFn { polls, value } => {
                let value = self.expr(value);
                let site = self.site();
                self.braces(|printer| {
                    printer.line(&format!(
                        "async fn h{site}(x: u64) -> u64 {{ let _inner = D::new(\"h{site}\", x); pend({polls}).await; x }}"
                    )) + &printer.line(&format!("h{site}({value}).await"))
                })
            }
            Expr::AsyncClosure { polls, value } => {
                let value = self.expr(value);
                let site = self.site();
                format!(
                    "(async |x: u64| {{ let _inner = D::new(\"k{site}\", x); pend({polls}).await; x }})({value}).await"
                )
            }
            Expr::Loop { bound, body, tail } => {
                let bound = self.bound(bound);
                let counter = format!("c{}", self.site());
                self.braces(|printer| {
                    let body = printer.counted(&counter, true, body, Some((&bound, tail)));
                    printer.line(&format!("let mut {counter} = 0;"))
                        + &printer.line(&format!("loop {body}"))
                })
            }
        }
    }
}

/// The pattern of arm `index` of a `match on % arms`: its number, and `_` for the last, so the
/// match is exhaustive.
fn arm_pattern(index: usize, arms: usize) -> String {
    if index + 1 == arms {
        "_".to_owned()
    } else {
        index.to_string()
    }
}
