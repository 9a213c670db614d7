//! The state machine inside an inspected function is the one rustc builds for the plain
//! function, state by state: compared in rustc's own `-Zprint-type-sizes` output for the fixture
//! crate `tests/fixtures/twins-crate`, which holds every function twice (`mod plain` as written,
//! `mod inspected` under `#[stackless::inspect]`).
//!
//! Comparing total sizes is not enough: a statement the macro added (even a call to an empty
//! function) once gave suspended states extra `bool` drop flags that the padding hid. So for
//! each twin this compares the plain `{async fn body of plain::f()}` with the state machine
//! inside `Instrumented<inspected::f::__StacklessSite, {async block@..}>`: size, alignment and
//! discriminant, then every variant (`Unresumed`, `SuspendN`, `Returned`, `Panicked`) with its
//! size and each upvar, local and padding with offset, size, alignment and type.
//!
//! Two differences are by design, and only these are allowed:
//! - an awaited future's type may be wrapped in a mark, `#[repr(transparent)]` over the plain
//!   function's type: `Leaving<F>` in functions holding `select!` or `join!` in a normal build,
//!   `Probe<Site, AT, F>` at every marked await in the layout command's build;
//! - the receiver's local is `__stackless_self` where the plain function's is `self` (a
//!   receiver cannot be rebound by its own name).
//!
//! The fixture is built twice, each in a target directory of its own under
//! `CARGO_TARGET_TMPDIR`, kept between runs (its dependencies build once; the fixture itself is
//! cleaned and compiled again on every run, since rustc prints sizes only when it compiles):
//! a normal build (`cargo rustc`, no `STACKLESS_LAYOUT_TAGS`), and the layout command's build
//! ([`capture`]), where every awaited future is a `Probe`. Written against rustc 1.95.0;
//! nothing here depends on a size, only on plain and inspected agreeing.
//!
//! Needs the `cli` feature: `cargo test -p stackless-inspect --features cli --test layout_twins`.

#![cfg(feature = "cli")]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use stackless_inspect::layout_command::{self, capture, parse_args};
use stackless_inspect::type_sizes::{self, Field, FieldKind, TypeLayout, TypeSizes};

/// Every state machine of the fixture, by its path in `mod plain` and `mod inspected`:
/// `generic` is instantiated twice. A twin missing from rustc's output fails the test, so that
/// it never passes by comparing nothing.
const TWINS: &[&str] = &[
    "Counter::bump",
    "Counter::get",
    "branches",
    "drain",
    "early_return",
    "generic",
    "generic",
    "in_macros",
    "into_future",
    "joining",
    "large_local",
    "locked",
    "loops",
    "matching",
    "nested_argument",
    "nested_blocks",
    "no_awaits",
    "pattern_param",
    "question",
    "respond",
    "selecting",
    "statements",
];

/// The twins whose body holds a macro the attribute does not search: their awaits are marked
/// with `enter_leaving`, so a normal build awaits `Leaving<F>` there.
const OPAQUE_MACROS: &[&str] = &["joining", "selecting"];

/// The marks an awaited future may be wrapped in, with the position of the plain future among
/// their type arguments.
const PROBE: (&str, usize) = ("stackless::__private::Probe<", 2);
const LEAVING: (&str, usize) = ("stackless::__private::Leaving<", 0);

#[test]
fn twins_match_in_a_normal_build() {
    let sizes = normal_build();
    let marks = compare_twins("normal build", &sizes);
    // What the comparison went through: `Leaving` exactly where `enter_leaving` is emitted.
    for (function, seen) in &marks {
        let expected: BTreeSet<&str> = if OPAQUE_MACROS.contains(&function.as_str()) {
            BTreeSet::from([LEAVING.0])
        } else {
            BTreeSet::new()
        };
        assert_eq!(seen, &expected, "marks in `{function}`, normal build");
    }
}

#[test]
fn twins_match_in_the_layout_command_s_build() {
    let sizes = layout_command_build();
    let marks = compare_twins("layout command's build", &sizes);
    // What the comparison went through: a `Probe` at the awaits of every function with one.
    for (function, seen) in &marks {
        let expected: BTreeSet<&str> = if function == "no_awaits" {
            BTreeSet::new()
        } else {
            BTreeSet::from([PROBE.0])
        };
        assert_eq!(
            seen, &expected,
            "marks in `{function}`, layout command's build"
        );
    }
}

fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/twins-crate/Cargo.toml")
}

fn target_dir(build: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(build)
}

/// `cargo rustc --lib -- -Zprint-type-sizes`, as a user's build: the variable that makes the
/// macro tag awaits is removed from the child, whatever our own environment holds. Nightly flags
/// are unlocked for the fixture's crate only (`RUSTC_BOOTSTRAP=twins_crate`, set on the child
/// alone), so its dependencies build exactly as they would for a user.
fn normal_build() -> TypeSizes {
    let target = target_dir("twins-crate-normal");
    let manifest = manifest();
    let cargo = |args: &[&str], rustc_args: &[&str]| {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()));
        command
            .args(args)
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target)
            .args(rustc_args)
            .env_remove("STACKLESS_LAYOUT_TAGS")
            .env("RUSTC_BOOTSTRAP", "twins_crate")
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_BUILD_BUILD_DIR", &target);
        let output = command.output().expect("cargo runs");
        assert!(
            output.status.success(),
            "`cargo {}` failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    };
    // rustc prints sizes only when it compiles the crate.
    cargo(&["clean", "--color", "never", "-p", "twins-crate"], &[]);
    let stdout = cargo(
        &["rustc", "--color", "never", "--lib"],
        &["--", "-Zprint-type-sizes"],
    );
    let mut text = String::new();
    for line in stdout
        .lines()
        .filter(|line| line.starts_with("print-type-size "))
    {
        text.push_str(line);
        text.push('\n');
    }
    parse(&text)
}

/// The layout command's own build, through its API: awaits tagged with `Probe`s.
fn layout_command_build() -> TypeSizes {
    let manifest = manifest();
    let target = target_dir("twins-crate-tagged");
    let argv = [
        "cargo-stackless",
        "layout",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--target-dir",
        target.to_str().unwrap(),
    ];
    let layout_command::Command::Layout(options) =
        parse_args(argv).expect("valid arguments").command;
    parse(
        &capture(&options)
            .expect("the fixture builds")
            .type_sizes_text,
    )
}

fn parse(text: &str) -> TypeSizes {
    assert!(!text.is_empty(), "rustc printed type sizes");
    let sizes = type_sizes::parse(text);
    assert_eq!(sizes.skipped_lines, 0, "rustc's output is fully understood");
    sizes
}

/// Compares every twin of one build, failing with each difference found. Returns the marks
/// unwrapped in each inspected function's field types.
fn compare_twins(build: &str, sizes: &TypeSizes) -> BTreeMap<String, BTreeSet<&'static str>> {
    let plain = plain_machines(sizes);
    let inspected = inspected_machines(sizes);
    let mut problems = Vec::new();
    let mut compared = Vec::new();
    let mut marks = BTreeMap::new();
    let functions: BTreeSet<&String> = plain.keys().chain(inspected.keys()).collect();
    for function in functions {
        let mut plain = plain.get(function).cloned().unwrap_or_default();
        let mut inspected = inspected.get(function).cloned().unwrap_or_default();
        if plain.len() != inspected.len() {
            problems.push(format!(
                "`{function}` ({build}): {} plain state machine(s), {} inspected",
                plain.len(),
                inspected.len()
            ));
            continue;
        }
        // A generic function's instantiations: the inspected ones share one name, so they are
        // paired by size.
        plain.sort_by_key(|ty| (ty.size, ty.align));
        inspected.sort_by_key(|ty| (ty.size, ty.align));
        for (plain, inspected) in plain.iter().zip(&inspected) {
            let seen = marks.entry(function.clone()).or_insert_with(BTreeSet::new);
            if let Some(difference) = difference(plain, inspected, seen) {
                problems.push(format!(
                    "`{function}` ({build}): the state machines differ\n{difference}"
                ));
            }
            compared.push(function.as_str());
        }
    }
    assert!(
        problems.is_empty(),
        "plain and inspected twins differ:\n\n{}",
        problems.join("\n\n")
    );
    compared.sort_unstable();
    assert_eq!(compared, TWINS, "the twins compared ({build})");
    marks
}

/// `{async fn body of plain::PATH<..>()}`, by `PATH`.
fn plain_machines(sizes: &TypeSizes) -> BTreeMap<String, Vec<&TypeLayout>> {
    let mut machines: BTreeMap<String, Vec<&TypeLayout>> = BTreeMap::new();
    for ty in &sizes.types {
        let Some(path) = ty
            .name
            .strip_prefix("{async fn body of plain::")
            .and_then(|rest| rest.strip_suffix("()}"))
        else {
            continue;
        };
        let path = path.split('<').next().unwrap_or(path);
        machines.entry(path.to_owned()).or_default().push(ty);
    }
    machines
}

/// The state machine inside `Instrumented<inspected::PATH::__StacklessSite, {async block@..}>`,
/// by `PATH`: the type of that name whose size is the wrapper's `future` field's (a generic
/// function's instantiations share the name).
fn inspected_machines(sizes: &TypeSizes) -> BTreeMap<String, Vec<&TypeLayout>> {
    let mut machines: BTreeMap<String, Vec<&TypeLayout>> = BTreeMap::new();
    for wrapper in &sizes.types {
        let Some(arguments) = wrapper
            .name
            .strip_prefix("stackless::__private::Instrumented<")
            .and_then(|rest| rest.strip_suffix('>'))
        else {
            continue;
        };
        let [site, coroutine] = split_arguments(arguments)[..] else {
            panic!("unexpected wrapper `{}`", wrapper.name);
        };
        let Some(path) = site
            .strip_prefix("inspected::")
            .and_then(|rest| rest.strip_suffix("::__StacklessSite"))
        else {
            continue;
        };
        let future = wrapper
            .fields
            .iter()
            .find(|field| field.name.as_deref() == Some("future"))
            .unwrap_or_else(|| panic!("`{}` has a `future` field", wrapper.name));
        let machine = sizes
            .types
            .iter()
            .find(|ty| ty.name == coroutine && ty.size == future.size)
            .unwrap_or_else(|| panic!("no `{coroutine}` of {} bytes", future.size));
        machines.entry(path.to_owned()).or_default().push(machine);
    }
    machines
}

/// What differs between two state machines, variant by variant, as readable text; `None` if
/// they are the same. Marks unwrapped in `inspected` are added to `marks`.
fn difference(
    plain: &TypeLayout,
    inspected: &TypeLayout,
    marks: &mut BTreeSet<&'static str>,
) -> Option<String> {
    let mut text = String::new();
    let header = |ty: &TypeLayout| {
        format!(
            "{} bytes, alignment {}, discriminant {:?}, fields {}, end padding {:?}",
            ty.size,
            ty.align,
            ty.discriminant,
            ty.fields.len(),
            ty.end_padding
        )
    };
    if header(plain) != header(inspected) {
        writeln!(text, "  plain     `{}`: {}", plain.name, header(plain)).unwrap();
        writeln!(
            text,
            "  inspected `{}`: {}",
            inspected.name,
            header(inspected)
        )
        .unwrap();
    }
    let names = |ty: &TypeLayout| -> Vec<String> {
        ty.variants
            .iter()
            .map(|variant| variant.name.clone())
            .collect()
    };
    if names(plain) != names(inspected) {
        writeln!(
            text,
            "  variants: plain {:?}, inspected {:?}",
            names(plain),
            names(inspected)
        )
        .unwrap();
    }
    let start = plain.discriminant.unwrap_or(0);
    let inspected_start = inspected.discriminant.unwrap_or(0);
    for variant in &plain.variants {
        let Some(twin) = inspected.variants.iter().find(|v| v.name == variant.name) else {
            continue;
        };
        let plain_lines = field_lines(&variant.fields, start, None);
        let inspected_lines = field_lines(&twin.fields, inspected_start, Some(marks));
        let same_size = (variant.size, variant.end_padding) == (twin.size, twin.end_padding);
        if !same_size || plain_lines != inspected_lines {
            writeln!(
                text,
                "  variant `{}`: plain {} bytes (end padding {:?}), inspected {} bytes (end padding {:?})",
                variant.name, variant.size, variant.end_padding, twin.size, twin.end_padding
            )
            .unwrap();
            text.push_str(&diff_lines(&plain_lines, &inspected_lines));
        }
    }
    if text.is_empty() {
        None
    } else {
        write!(
            text,
            "  (plain `{}`, inspected `{}`; `-` plain only, `+` inspected only)",
            plain.name, inspected.name
        )
        .unwrap();
        Some(text)
    }
}

/// One line per field of a variant, with its offset worked out the way rustc prints them
/// (`print_type_sizes` in `rustc_session::code_stats`): in offset order from the end of the
/// discriminant (`start`), each gap a `padding` line, an explicit offset only for a field that
/// lies before that running position. With `marks`, the field belongs to the inspected twin:
/// its type is unwrapped and its receiver named as the plain function's.
fn field_lines(
    fields: &[Field],
    start: u64,
    mut marks: Option<&mut BTreeSet<&'static str>>,
) -> Vec<String> {
    let mut offset = start;
    fields
        .iter()
        .map(|field| {
            offset = field.offset.unwrap_or(offset);
            let mut line = match field.kind {
                FieldKind::Padding => format!("padding at {offset}: {} bytes", field.size),
                kind => {
                    let kind = match kind {
                        FieldKind::Upvar => "upvar",
                        FieldKind::Local => "local",
                        _ => "field",
                    };
                    let mut name = field.name.as_deref().unwrap_or_default();
                    if marks.is_some() && kind == "local" && name == "__stackless_self" {
                        name = "self";
                    }
                    format!("{kind} `{name}` at {offset}: {} bytes", field.size)
                }
            };
            if let Some(align) = field.align {
                write!(line, ", alignment {align}").unwrap();
            }
            if let Some(ty) = &field.ty {
                let ty = match marks.as_deref_mut() {
                    Some(marks) => unwrap_marks(ty, marks),
                    None => ty.clone(),
                };
                write!(line, ", type {ty}").unwrap();
            }
            offset += field.size;
            line
        })
        .collect()
}

/// `ty` with every `Probe<Site, AT, F>` and `Leaving<F>` replaced by its `F`, recording which
/// were found.
fn unwrap_marks(ty: &str, marks: &mut BTreeSet<&'static str>) -> String {
    let first = [PROBE, LEAVING]
        .into_iter()
        .filter_map(|mark| Some((ty.find(mark.0)?, mark)))
        .min_by_key(|(at, _)| *at);
    let Some((at, (prefix, position))) = first else {
        return ty.to_owned();
    };
    marks.insert(prefix);
    let open = at + prefix.len();
    let close = open + closing_bracket(&ty[open..]).expect("balanced type arguments");
    let arguments = split_arguments(&ty[open..close]);
    let inner = arguments.get(position).expect("the mark's future argument");
    format!(
        "{}{}{}",
        &ty[..at],
        unwrap_marks(inner, marks),
        unwrap_marks(&ty[close + 1..], marks)
    )
}

/// The bracket depth change of `character` at `at` in `text`; `->` is no bracket.
fn depth_change(text: &str, at: usize, character: char) -> i32 {
    match character {
        '<' | '(' | '[' | '{' => 1,
        '>' if text[..at].ends_with('-') => 0,
        '>' | ')' | ']' | '}' => -1,
        _ => 0,
    }
}

/// Where the bracket closing the one just before `text` is.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut depth = 1;
    for (at, character) in text.char_indices() {
        depth += depth_change(text, at, character);
        if depth == 0 {
            return Some(at);
        }
    }
    None
}

/// Splits `A, B<C, D>, {x, y}` at its top-level commas.
fn split_arguments(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (at, character) in text.char_indices() {
        depth += depth_change(text, at, character);
        if character == ',' && depth == 0 {
            parts.push(text[start..at].trim());
            start = at + 1;
        }
    }
    parts.push(text[start..].trim());
    parts
}

/// A line diff (longest common subsequence): `  ` both, `- ` plain only, `+ ` inspected only.
fn diff_lines(plain: &[String], inspected: &[String]) -> String {
    let (m, n) = (plain.len(), inspected.len());
    // common[i][j]: length of the longest common subsequence of plain[i..] and inspected[j..].
    let mut common = vec![vec![0usize; n + 1]; m + 1];
    for i in (0..m).rev() {
        for j in (0..n).rev() {
            common[i][j] = if plain[i] == inspected[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut text = String::new();
    let (mut i, mut j) = (0, 0);
    while i < m || j < n {
        if i < m && j < n && plain[i] == inspected[j] {
            writeln!(text, "        {}", plain[i]).unwrap();
            (i, j) = (i + 1, j + 1);
        } else if j < n && (i == m || common[i][j + 1] >= common[i + 1][j]) {
            writeln!(text, "      + {}", inspected[j]).unwrap();
            j += 1;
        } else {
            writeln!(text, "      - {}", plain[i]).unwrap();
            i += 1;
        }
    }
    text
}

#[test]
fn marks_unwrap_to_the_plain_type() {
    let mut marks = BTreeSet::new();
    let probe = "stackless::__private::Probe<inspected::f::__StacklessSite, 65536, \
                 std::pin::Pin<std::boxed::Box<dyn std::future::Future<Output = u32>>>>";
    assert_eq!(
        unwrap_marks(probe, &mut marks),
        "std::pin::Pin<std::boxed::Box<dyn std::future::Future<Output = u32>>>"
    );
    let leaving = "(stackless::__private::Leaving<{async fn body of step()}>, fn() -> u8)";
    assert_eq!(
        unwrap_marks(leaving, &mut marks),
        "({async fn body of step()}, fn() -> u8)"
    );
    assert_eq!(marks, BTreeSet::from([PROBE.0, LEAVING.0]));
    assert_eq!(unwrap_marks("Tick", &mut marks), "Tick");
}
