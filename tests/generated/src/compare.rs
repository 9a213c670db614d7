//! The comparison of a generated function's plain future with its inspected twin, for every
//! input: the layout, the auto traits, a run to the end, and a drop after each possible number
//! of polls; and the report that makes a difference reproducible.

use std::fmt::{self, Debug, Display};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use stackless::FutureSize;

use crate::auto_traits::AutoTraits;
use crate::observe::{D, take_log};
use crate::run::{End, MAX_POLLS, Run, run};

/// A future whose output is only looked at through `Debug`: the type every twin is compared as.
pub type Boxed = Pin<Box<dyn Future<Output = Box<dyn Debug>>>>;

/// `future` as a [`Boxed`]. Polling, dropping and polling after the end reach `future` itself
/// (no `async` block in between, which would answer a poll after the end on its own).
pub fn erase<F>(future: F) -> Boxed
where
    F: Future + 'static,
    F::Output: Debug + 'static,
{
    let future: Pin<Box<dyn Future<Output = F::Output>>> = Box::pin(future);
    Box::pin(Erased(future))
}

struct Erased<O>(Pin<Box<dyn Future<Output = O>>>);

impl<O: Debug + 'static> Future for Erased<O> {
    type Output = Box<dyn Debug>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Box<dyn Debug>> {
        self.0
            .as_mut()
            .poll(cx)
            .map(|output| Box::new(output) as Box<dyn Debug>)
    }
}

/// The arguments of one call: `f(n, flag, D::new("guard", n))`, or with
/// `(D::new("guard", n), D::new("spare", n))` as the third.
#[derive(Clone, Copy, Debug)]
pub struct Input {
    pub n: u64,
    pub flag: bool,
}

impl Input {
    /// The third argument, of whichever type the function takes.
    pub fn guards<G: Guards>(&self) -> G {
        G::for_input(self)
    }
}

/// The types a generated function's third parameter has.
pub trait Guards {
    fn for_input(input: &Input) -> Self;
}

impl Guards for D {
    fn for_input(input: &Input) -> D {
        D::new("guard", input.n)
    }
}

impl Guards for (D, D) {
    fn for_input(input: &Input) -> (D, D) {
        (D::new("guard", input.n), D::new("spare", input.n))
    }
}

impl Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n = {}, flag = {}", self.n, self.flag)
    }
}

/// Every function is called with each of these: `n % 2`, `n % 3` and `n % 4` each take
/// more than one value, and `flag` both.
pub const INPUTS: [Input; 4] = [
    Input { n: 0, flag: false },
    Input { n: 1, flag: true },
    Input { n: 2, flag: false },
    Input { n: 5, flag: true },
];

/// One generated function, both twins.
pub struct Generated {
    /// The index it was drawn with.
    pub index: u64,
    pub name: &'static str,
    /// The plain twin's source, as generated.
    pub source: &'static str,
    pub plain: fn(Input) -> Boxed,
    pub inspected: fn(Input) -> Boxed,
    /// Measures both futures without polling them.
    pub statics: fn() -> Statics,
}

/// What the two futures' types say, before any poll.
#[derive(Debug)]
pub struct Statics {
    /// `size_of_val` and `align_of_val` of the plain future.
    pub plain: (usize, usize),
    /// The inspected future's state machine and wrapper, as `stackless::layout` reports them.
    pub inspected: FutureSize,
    /// Plain, then inspected.
    pub traits: [AutoTraits; 2],
}

impl Statics {
    /// Measures `plain` and `inspected` (from calls with the same arguments), then drops them.
    pub fn measure<P: Future, I: Future>(
        plain: P,
        inspected: I,
        traits: [AutoTraits; 2],
    ) -> Statics {
        let statics = Statics {
            plain: (size_of_val(&plain), align_of_val(&plain)),
            inspected: stackless::layout(inspected).size,
            traits,
        };
        drop(plain);
        take_log();
        statics
    }
}

/// One way in which the twins differ: what, and what each side did.
#[derive(Debug)]
pub struct Difference {
    pub what: String,
    pub plain: String,
    pub inspected: String,
}

/// Everything compared for one function, and how the plain twin's runs to the end went.
#[derive(Debug)]
pub struct Differences {
    pub statics: Statics,
    /// The plain twin's run to the end, for each of [`INPUTS`].
    pub plain_runs: Vec<Run>,
    /// How many drops after `k` polls were compared.
    pub cancellations: usize,
    pub found: Vec<Difference>,
}

impl Difference {
    fn new(what: impl Into<String>, plain: &dyn Debug, inspected: &dyn Debug) -> Difference {
        Difference {
            what: what.into(),
            plain: format!("{plain:#?}"),
            inspected: format!("{inspected:#?}"),
        }
    }
}

impl Differences {
    fn note(&mut self, what: impl Into<String>, plain: &dyn Debug, inspected: &dyn Debug) {
        self.found.push(Difference::new(what, plain, inspected));
    }

    /// What differs, in the order found.
    pub fn what(&self) -> Vec<&str> {
        self.found.iter().map(|found| found.what.as_str()).collect()
    }
}

/// Compares the twins of `function`: the plain future's size and alignment with the inspected
/// state machine's (and the wrapper adds at most 8 bytes when aligned to at most 8), the auto
/// traits, and for each input the run to the end (output, panic message, the log of drops
/// interleaved with polls, a poll after the end) and a drop after each possible poll count.
pub fn differences(function: &Generated) -> Differences {
    let statics = (function.statics)();
    let mut found = Differences {
        found: static_differences(&statics),
        statics,
        plain_runs: Vec::new(),
        cancellations: 0,
    };

    for input in INPUTS {
        let whole = [
            run((function.plain)(input), None),
            run((function.inspected)(input), None),
        ];
        if whole[0] != whole[1] {
            found.note(format!("{input}: run to the end"), &whole[0], &whole[1]);
        }
        if whole.iter().any(|run| run.end == End::Unfinished) {
            found.note(
                format!("{input}: unfinished after {MAX_POLLS} polls (a generator bug)"),
                &whole[0].end,
                &whole[1].end,
            );
            continue;
        }
        for polls in 0..whole[0].polls.max(whole[1].polls) {
            let dropped = [
                run((function.plain)(input), Some(polls)),
                run((function.inspected)(input), Some(polls)),
            ];
            found.cancellations += 1;
            if dropped[0] != dropped[1] {
                found.note(
                    format!("{input}: dropped after {polls} polls"),
                    &dropped[0],
                    &dropped[1],
                );
            }
        }
        let [plain_run, _] = whole;
        found.plain_runs.push(plain_run);
    }
    found
}

/// What differs between the futures' types: size, alignment, the wrapper's overhead, auto
/// traits.
pub fn static_differences(statics: &Statics) -> Vec<Difference> {
    let mut found = Vec::new();
    let (size, align) = statics.plain;
    let inspected = statics.inspected;
    if inspected.size != size {
        found.push(Difference::new("size", &size, &inspected.size));
    }
    if inspected.align != align {
        found.push(Difference::new("alignment", &align, &inspected.align));
    }
    if inspected.align <= 8 && inspected.overhead > 8 {
        found.push(Difference::new(
            "overhead over 8 bytes",
            &"none",
            &inspected.overhead,
        ));
    }
    let [plain_traits, inspected_traits] = statics.traits;
    if plain_traits != inspected_traits {
        found.push(Difference::new(
            "auto traits",
            &plain_traits,
            &inspected_traits,
        ));
    }
    found
}

/// What differs for `function`, its source, and the command that builds and compares it alone.
pub fn report(function: &Generated, differences: &Differences, seed: u64) -> String {
    let mut report = format!(
        "`{}` (seed {seed:#x}, index {}): the inspected future differs from the plain one\n",
        function.name, function.index
    );
    for found in &differences.found {
        report += &format!(
            "  {}:\n    plain:     {}\n    inspected: {}\n",
            found.what,
            found.plain.replace('\n', "\n    "),
            found.inspected.replace('\n', "\n    ")
        );
    }
    report += &format!(
        "the generated function (the inspected twin adds `#[stackless::inspect]`):\n{}\
         reproduce it alone with:\n  STACKLESS_GENERATED_SEED={seed:#x} STACKLESS_GENERATED_START={} \
         STACKLESS_GENERATED_FUNCTIONS=1 cargo test -p stackless-generated --test pairs\n",
        function.source, function.index
    );
    report
}
