//! From rustc's type sizes to per-state layouts joined to the source.
//!
//! Input: the [`TypeSizes`] of one compilation and the workspace's sources. Output: one
//! [`FunctionLayout`] per async state machine: its shared prefix (captured arguments, stored in
//! every state), then each suspended state with the await it is parked at, the locals it keeps
//! and the future it awaits, and diagnostics tied to source lines.
//!
//! The join is exact for `#[stackless::inspect]` functions: their wrapper type names the
//! function (`Instrumented<path::__StacklessSite, {async block@file:l:c: l:c}>`) and, in the
//! build this command runs (see `plan::LAYOUT_TAGS`), every awaited future is a
//! `Probe<Site, AT, F>` (`AT` packs the await point's index, line and column),
//! so a state's awaitee type says which `.await` it is, whatever order rustc numbered the states
//! in. Other async state machines
//! (with `--all`) get the same per-state layout, labelled only by what they await.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use super::source::SourceIndex;
use crate::probe::unpack_at;
use crate::type_sizes::{Field, FieldKind, TypeLayout, TypeSizes};

/// The wrapper and probe types, after the crate they are named through (`stackless`, or
/// `stackless_inspect` for code that depends on the runtime crate directly).
const INSTRUMENTED: &str = "::__private::Instrumented<";
const PROBE: &str = "::__private::Probe<";
const SITE_SUFFIX: &str = "::__StacklessSite";

/// tokio boxes a spawned future larger than this in debug builds (`BOX_FUTURE_THRESHOLD`).
pub const TOKIO_DEBUG_BOX_THRESHOLD: u64 = 2048;
/// tokio boxes a spawned future larger than this in release builds, and clippy's
/// `large_futures` lint fires above it by default (`future-size-threshold = 16384`).
pub const TOKIO_RELEASE_BOX_THRESHOLD: u64 = 16384;
/// A local held across an await is called large from this size up...
const LARGE_LOCAL: u64 = 1024;
/// ...or from this share of the whole future up (and at least this many bytes).
const LARGE_SHARE_PERCENT: u64 = 25;
const LARGE_SHARE_MIN: u64 = 64;
/// Arguments stored twice are reported from this size up: a second pointer is not worth a
/// rewrite.
const DUPLICATE_ARGUMENT_MIN: u64 = 16;

/// What to include.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Keep functions whose name contains this.
    pub filter: Option<String>,
    /// Include async state machines that are not `#[stackless::inspect]` functions.
    pub all: bool,
}

/// Every selected async state machine of one compilation.
#[derive(Clone, Debug, Serialize)]
pub struct LayoutReport {
    /// One entry per state machine (per instantiation, for generic functions), inspected
    /// functions first, each group in source order.
    pub functions: Vec<FunctionLayout>,
    /// Lines of rustc's output the parser did not understand.
    pub skipped_lines: usize,
}

/// One async state machine.
#[derive(Clone, Debug, Serialize)]
pub struct FunctionLayout {
    /// The function's path (`module::function`), or rustc's name for an un-inspected one.
    pub name: String,
    /// rustc's name for the state machine type.
    pub coroutine: String,
    /// Whether it is a `#[stackless::inspect]` function (states joined to source exactly).
    pub inspected: bool,
    /// `file:line` of the function body, when known.
    pub location: Option<String>,
    /// Size of the state machine in bytes.
    pub size: u64,
    /// Its alignment.
    pub align: u64,
    /// Bytes the instrumentation wrapper adds beside it (inspected functions).
    pub instrumentation: Option<u64>,
    /// Stored once, at the same place in every state: the captured arguments.
    pub prefix: Vec<Slot>,
    /// Each suspended state (rustc's `Suspend0..N`, in source order where known).
    pub states: Vec<StateLayout>,
    /// Index into `states` of the largest.
    pub largest_state: Option<usize>,
    /// Problems worth fixing, each with its reason and a fix.
    pub diagnostics: Vec<Diagnostic>,
}

/// A piece of a state: what is stored where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// What it is.
    pub kind: SlotKind,
    /// The variable's name (empty for padding).
    pub name: String,
    /// Offset from the start of the state machine, inferred from rustc's order of fields.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// Its type, when rustc prints it (it does for awaited futures).
    pub ty: Option<String>,
}

/// What a [`Slot`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    /// A captured argument (`upvar`).
    Upvar,
    /// A local alive across the await.
    Local,
    /// The future being awaited.
    Awaitee,
    /// Alignment padding (rustc also keeps the state's discriminant in a padding gap).
    Padding,
}

/// One suspended state.
#[derive(Clone, Debug, Serialize)]
pub struct StateLayout {
    /// rustc's name for the state (`Suspend0`).
    pub variant: String,
    /// The await it is parked at, when known.
    pub await_point: Option<AwaitSite>,
    /// What is stored in this state beyond the shared prefix, in offset order.
    pub slots: Vec<Slot>,
    /// The state's size as rustc prints it (prefix included, discriminant excluded).
    pub size: u64,
}

/// Where a state's `.await` is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AwaitSite {
    /// Its number in the function, from 0 in source order.
    pub index: u32,
    /// `file:line:column` of the `.await`.
    pub location: String,
    /// The line it is on.
    pub line: u32,
    /// The awaited expression as written, when the source could be read.
    pub expression: Option<String>,
}

/// A problem with a reason and a fix, tied to a line when possible.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Which kind.
    pub kind: DiagnosticKind,
    /// `file:line` it is about.
    pub location: Option<String>,
    /// What is wrong and why.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// The kinds of [`Diagnostic`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// An argument kept both as the captured argument and as a local (rust-lang/rust#62958).
    ArgumentStoredTwice,
    /// A local future kept in its own slot while a moved copy of it is awaited
    /// (rust-lang/rust#59087, #108906, #62321).
    FutureHeldTwice,
    /// A large local alive across an await.
    LargeLocal,
    /// The future is over tokio's boxing threshold or clippy's `large_futures` default.
    LargeFuture,
}

/// Builds the report.
pub fn analyse(
    type_sizes: &TypeSizes,
    workspace_root: &Path,
    selection: &Selection,
) -> LayoutReport {
    let mut sources = SourceIndex::new(workspace_root);
    let wrappers = instrumented_wrappers(type_sizes);
    let mut inspected = Vec::new();
    let mut others = Vec::new();
    for ty in type_sizes
        .types
        .iter()
        .filter(|ty| is_async_state_machine(ty))
    {
        let wrapper = wrappers.get(ty.name.as_str()).and_then(|candidates| {
            candidates
                .iter()
                .find(|wrapper| wrapper.future_size == ty.size)
        });
        match wrapper {
            Some(wrapper) => inspected.push(inspected_layout(ty, wrapper, &mut sources)),
            None if selection.all => {
                let mut layout = plain_layout(ty);
                layout.diagnostics = diagnose(&layout, None);
                others.push(layout);
            }
            None => {}
        }
    }
    // rustc prints types largest first; source order reads better.
    inspected.sort_by(|a, b| {
        source_order(a)
            .cmp(&source_order(b))
            .then(b.size.cmp(&a.size))
    });
    let mut functions: Vec<FunctionLayout> = inspected.into_iter().chain(others).collect();
    if let Some(filter) = &selection.filter {
        functions.retain(|function| function.name.contains(filter.as_str()));
    }
    dedup_identical(&mut functions);
    LayoutReport {
        functions,
        skipped_lines: type_sizes.skipped_lines,
    }
}

/// (file, line) of a function's body, for sorting.
fn source_order(function: &FunctionLayout) -> (String, u32) {
    let location = function.location.as_deref().unwrap_or_default();
    match location.rsplit_once(':') {
        Some((file, line)) => (file.to_owned(), line.parse().unwrap_or(u32::MAX)),
        None => (location.to_owned(), u32::MAX),
    }
}

/// rustc prints a type once per instantiation; identical entries say nothing new.
fn dedup_identical(functions: &mut Vec<FunctionLayout>) {
    let mut seen = std::collections::HashSet::new();
    functions.retain(|function| {
        seen.insert((
            function.coroutine.clone(),
            function.size,
            function.name.clone(),
        ))
    });
}

/// The wrapper of an inspected function's state machine.
struct Wrapper {
    /// `module::function` (or `Type::method`) from the site type's path.
    path: String,
    /// The wrapper's size.
    size: u64,
    /// The size of the state machine inside it: a generic function's instantiations share the
    /// state machine's name, and this tells them apart.
    future_size: u64,
}

/// Every wrapper, by the name of the state machine it wraps.
fn instrumented_wrappers(type_sizes: &TypeSizes) -> HashMap<&str, Vec<Wrapper>> {
    let mut wrappers: HashMap<&str, Vec<Wrapper>> = HashMap::new();
    for ty in &type_sizes.types {
        let Some((site, coroutine)) = instrumented_arguments(&ty.name) else {
            continue;
        };
        let future_size = ty
            .fields
            .iter()
            .find(|field| field.name.as_deref() == Some("future"))
            .map_or(ty.size, |field| field.size);
        wrappers.entry(coroutine).or_default().push(Wrapper {
            path: site_path(site),
            size: ty.size,
            future_size,
        });
    }
    wrappers
}

/// `Instrumented<path::__StacklessSite, {async block@..}>` -> (`path::__StacklessSite`, `{..}`).
fn instrumented_arguments(name: &str) -> Option<(&str, &str)> {
    let arguments = after_private_path(name, INSTRUMENTED)?.strip_suffix('>')?;
    match split_arguments(arguments)[..] {
        [site, coroutine] => Some((site, coroutine)),
        _ => None,
    }
}

fn site_path(site: &str) -> String {
    site.strip_suffix(SITE_SUFFIX).unwrap_or(site).to_owned()
}

fn is_async_state_machine(ty: &TypeLayout) -> bool {
    let name = ty.name.as_str();
    (name.starts_with("{async block@")
        || name.starts_with("{async fn body of ")
        || name.starts_with("{async closure"))
        && ty
            .variants
            .iter()
            .any(|variant| variant.name == "Unresumed")
}

fn inspected_layout(
    ty: &TypeLayout,
    wrapper: &Wrapper,
    sources: &mut SourceIndex,
) -> FunctionLayout {
    let body = block_location(&ty.name);
    let mut layout = plain_layout(ty);
    layout.name = wrapper.path.clone();
    layout.inspected = true;
    layout.instrumentation = Some(wrapper.size.saturating_sub(ty.size));
    layout.location = body
        .as_ref()
        .map(|(file, line, _)| format!("{file}:{line}"));
    for state in &mut layout.states {
        let Some(probe) = state
            .slots
            .iter()
            .find_map(|slot| slot.ty.as_deref().and_then(parse_probe))
        else {
            continue;
        };
        let file = body.as_ref().map_or("?", |(file, _, _)| file.as_str());
        state.await_point = Some(AwaitSite {
            index: probe.index,
            location: format!("{file}:{}:{}", probe.line, probe.column),
            line: probe.line,
            expression: body.as_ref().and_then(|(file, _, _)| {
                sources.awaited_expression(Path::new(file), probe.line, probe.column)
            }),
        });
        for slot in &mut state.slots {
            if let Some(inner) = slot.ty.as_deref().and_then(parse_probe) {
                slot.ty = Some(awaited_type(inner.awaited));
            }
        }
    }
    layout.states.sort_by_key(|state| {
        state
            .await_point
            .as_ref()
            .map_or(u32::MAX, |site| site.index)
    });
    layout.largest_state = largest_state(&layout.states);
    let function = body
        .as_ref()
        .and_then(|(file, line, column)| sources.function_at(Path::new(file), *line, *column));
    layout.diagnostics = diagnose(&layout, function.as_ref());
    layout
}

fn plain_layout(ty: &TypeLayout) -> FunctionLayout {
    let start = ty.discriminant.unwrap_or(0);
    let prefix: Vec<Slot> = ty
        .variants
        .iter()
        .find(|variant| variant.name == "Unresumed")
        .map(|unresumed| slots(&unresumed.fields, start))
        .unwrap_or_default()
        .into_iter()
        .filter(|slot| slot.kind == SlotKind::Upvar)
        .collect();
    let states: Vec<StateLayout> = ty
        .variants
        .iter()
        .filter(|variant| variant.name.starts_with("Suspend"))
        .map(|variant| StateLayout {
            variant: variant.name.clone(),
            await_point: None,
            slots: slots(&variant.fields, start)
                .into_iter()
                .filter(|slot| slot.kind != SlotKind::Upvar)
                .collect(),
            size: variant.size,
        })
        .collect();
    FunctionLayout {
        name: ty.name.clone(),
        coroutine: ty.name.clone(),
        inspected: false,
        location: block_location(&ty.name).map(|(file, line, _)| format!("{file}:{line}")),
        size: ty.size,
        align: ty.align,
        instrumentation: None,
        prefix,
        largest_state: largest_state(&states),
        states,
        diagnostics: Vec::new(),
    }
}

/// The slots of a variant, offsets inferred the way rustc prints them (`print_type_sizes` in
/// `rustc_session::code_stats`): fields in offset order, counting from the end of the
/// discriminant (`start`), each gap as a `padding` line, and an explicit `offset:` only for a
/// field that lies before that running position.
fn slots(fields: &[Field], start: u64) -> Vec<Slot> {
    let mut offset = start;
    fields
        .iter()
        .map(|field| {
            if let Some(explicit) = field.offset {
                offset = explicit;
            }
            let name = display_name(field.name.as_deref().unwrap_or_default());
            let kind = match field.kind {
                FieldKind::Upvar => SlotKind::Upvar,
                FieldKind::Padding => SlotKind::Padding,
                FieldKind::Local | FieldKind::Field if name == "__awaitee" => SlotKind::Awaitee,
                FieldKind::Local | FieldKind::Field => SlotKind::Local,
            };
            let slot = Slot {
                kind,
                name,
                offset,
                size: field.size,
                ty: field.ty.clone(),
            };
            offset = offset.saturating_add(field.size);
            slot
        })
        .collect()
}

/// The receiver is rebound as `__stackless_self` by the macro: show it as `self`. Unnamed
/// temporaries (`..coroutine_field2` in rustc's output) have no name to show.
fn display_name(name: &str) -> String {
    match name {
        "__stackless_self" => "self".to_owned(),
        name if name.starts_with('.') => "(temporary)".to_owned(),
        name => name.to_owned(),
    }
}

fn largest_state(states: &[StateLayout]) -> Option<usize> {
    states
        .iter()
        .enumerate()
        .max_by_key(|(index, state)| (state.size, std::cmp::Reverse(*index)))
        .map(|(index, _)| index)
}

/// `{async block@src/lib.rs:6:42: 11:2}` -> (`src/lib.rs`, 6, 42).
fn block_location(name: &str) -> Option<(String, u32, u32)> {
    let rest = name.strip_prefix("{async block@")?;
    let start = rest.split(": ").next()?;
    let mut parts = start.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next()?;
    Some((file.to_owned(), line, column))
}

/// An awaited future's type, with an inspected function's wrapper shown as that function.
fn awaited_type(ty: &str) -> String {
    match instrumented_arguments(ty) {
        Some((site, _)) => format!("the future of `{}` (inspected)", site_path(site)),
        None => ty.to_owned(),
    }
}

/// A `Probe<Site, AT, F>` type's await point and awaited type.
struct ProbeType<'a> {
    index: u32,
    line: u32,
    column: u32,
    awaited: &'a str,
}

fn parse_probe(ty: &str) -> Option<ProbeType<'_>> {
    let arguments = after_private_path(ty, PROBE)?.strip_suffix('>')?;
    let [_site, at, awaited] = split_arguments(arguments)[..] else {
        return None;
    };
    let (index, line, column) = unpack_at(at.parse().ok()?);
    Some(ProbeType {
        index: index.into(),
        line,
        column,
        awaited,
    })
}

/// What follows `CRATE::__private::Name<` in `ty`, where `CRATE` is one path segment.
fn after_private_path<'a>(ty: &'a str, private: &str) -> Option<&'a str> {
    let at = ty.find(private)?;
    let krate = &ty[..at];
    let is_one_segment =
        !krate.is_empty() && krate.chars().all(|c| c.is_alphanumeric() || c == '_');
    is_one_segment.then(|| &ty[at + private.len()..])
}

/// Splits `A, B<C, D>, {x, y}` at its top-level commas.
fn split_arguments(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (at, character) in text.char_indices() {
        match character {
            '<' | '(' | '[' | '{' => depth += 1,
            '>' | ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts
}

/// What the source says about the function a state machine belongs to.
pub(crate) struct FunctionSource {
    /// `file:line` of each parameter by name.
    pub(crate) parameters: Vec<(String, String)>,
    /// `file:line` of each `let` binding in the body by name (the first, if shadowed).
    pub(crate) bindings: Vec<(String, String)>,
    /// `file:line` of the function's name.
    pub(crate) location: String,
}

fn diagnose(layout: &FunctionLayout, function: Option<&FunctionSource>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let find = |list: Option<&Vec<(String, String)>>, name: &str| {
        list.and_then(|list| {
            list.iter()
                .find(|(bound, _)| bound == name)
                .map(|(_, at)| at.clone())
        })
    };
    let fn_location = function
        .map(|function| function.location.clone())
        .or_else(|| layout.location.clone());

    for upvar in layout
        .prefix
        .iter()
        .filter(|upvar| upvar.size >= DUPLICATE_ARGUMENT_MIN)
    {
        let twice: Vec<&str> = layout
            .states
            .iter()
            .filter(|state| {
                state
                    .slots
                    .iter()
                    .any(|slot| slot.kind == SlotKind::Local && slot.name == upvar.name)
            })
            .map(|state| state.variant.as_str())
            .collect();
        if !twice.is_empty() {
            diagnostics.push(Diagnostic {
                kind: DiagnosticKind::ArgumentStoredTwice,
                location: find(function.map(|function| &function.parameters), &upvar.name).or(fn_location.clone()),
                message: format!(
                    "argument `{}` ({} B) is stored twice: as the captured argument in every state and again as a local in {}, because it is used after an await (rust-lang/rust#62958)",
                    upvar.name,
                    upvar.size,
                    twice.join(", ")
                ),
                fix: format!(
                    "take it by reference, or write the function as `fn .. -> impl Future` returning `async move {{ .. }}` so `{}` is captured once",
                    upvar.name
                ),
            });
        }
    }

    for state in &layout.states {
        let at = state
            .await_point
            .as_ref()
            .map(|site| format!("await #{} ({})", site.index, site.location));
        let awaitee_size = state
            .slots
            .iter()
            .find(|slot| slot.kind == SlotKind::Awaitee)
            .map(|slot| slot.size);
        // Awaiting `Pin<&mut F>` (after `pin!`) means the future itself is a local of this
        // state, the largest one: that is the fix for a future held twice, not a problem.
        let awaits_pinned_local = state.slots.iter().any(|slot| {
            slot.kind == SlotKind::Awaitee
                && slot
                    .ty
                    .as_deref()
                    .is_some_and(|ty| ty.starts_with("Pin<&mut ") || ty.starts_with("&mut Pin<"))
        });
        let pinned_future = awaits_pinned_local
            .then(|| {
                state
                    .slots
                    .iter()
                    .filter(|slot| slot.kind == SlotKind::Local)
                    .max_by_key(|slot| slot.size)
                    .map(|slot| slot.name.as_str())
            })
            .flatten();
        for slot in state
            .slots
            .iter()
            .filter(|slot| {
                slot.kind == SlotKind::Local && Some(slot.name.as_str()) != pinned_future
            })
            // An argument's second copy is the argument diagnostic's business.
            .filter(|slot| !layout.prefix.iter().any(|upvar| upvar.name == slot.name))
        {
            let share = slot.size.saturating_mul(100) / layout.size.max(1);
            if Some(slot.size) == awaitee_size && slot.size >= LARGE_SHARE_MIN {
                diagnostics.push(Diagnostic {
                    kind: DiagnosticKind::FutureHeldTwice,
                    location: find(function.map(|function| &function.bindings), &slot.name),
                    message: format!(
                        "local `{}` ({} B) is as large as the future awaited in {}: probably a future whose address was taken (borrowed or pinned) and that keeps its own slot while a moved copy is awaited (rust-lang/rust#59087, #108906, #62321)",
                        slot.name, slot.size, state.variant
                    ),
                    fix: "await the future where it is (`fut.await`), or pin it once with `std::pin::pin!` and await the pinned reference, instead of borrowing it and then moving it".to_owned(),
                });
            } else if slot.size >= LARGE_LOCAL
                || (share >= LARGE_SHARE_PERCENT && slot.size >= LARGE_SHARE_MIN)
            {
                diagnostics.push(Diagnostic {
                    kind: DiagnosticKind::LargeLocal,
                    location: find(function.map(|function| &function.bindings), &slot.name)
                        .or_else(|| state.await_point.as_ref().map(|site| site.location.clone())),
                    message: format!(
                        "local `{}` ({} B, {share}% of the future) is held across {}",
                        slot.name,
                        slot.size,
                        at.clone().unwrap_or_else(|| state.variant.clone())
                    ),
                    fix: format!(
                        "end its scope with a block before the await (`drop({})` is not enough once it has been borrowed), or keep it on the heap (`Box`, `Vec`)",
                        slot.name
                    ),
                });
            }
        }
    }

    let total = layout.size + layout.instrumentation.unwrap_or(0);
    let thresholds = [
        (
            TOKIO_RELEASE_BOX_THRESHOLD,
            "over tokio's 16 KiB boxing threshold for release builds and clippy's `large_futures` default (16384 B)",
        ),
        (
            TOKIO_DEBUG_BOX_THRESHOLD,
            "over tokio's 2 KiB boxing threshold for debug builds: `tokio::spawn` moves it to a separate heap allocation",
        ),
    ];
    if let Some((_, why)) = thresholds.iter().find(|(limit, _)| total > *limit) {
        diagnostics.push(Diagnostic {
            kind: DiagnosticKind::LargeFuture,
            location: fn_location,
            message: format!("the future is {total} B, {why}"),
            fix: "shrink what is held across awaits (see the states above), or `Box::pin` the largest awaited future".to_owned(),
        });
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_at_top_level_commas() {
        assert_eq!(
            split_arguments("a::S, 3, 7, 30, {async fn body of f<u8, u16>()}"),
            ["a::S", "3", "7", "30", "{async fn body of f<u8, u16>()}"]
        );
    }

    #[test]
    fn the_runtime_crate_may_be_named_either_way() {
        let at = crate::probe::at(0, 1, 2);
        let direct = format!(
            "stackless_inspect::__private::Probe<__StacklessSite, {at}, {{async fn body of f()}}>"
        );
        assert_eq!(
            parse_probe(&direct).map(|probe| probe.awaited),
            Some("{async fn body of f()}")
        );
        assert!(parse_probe(&format!("a::b::__private::Probe<S, {at}, T>")).is_none());
    }

    #[test]
    fn probe_types_give_index_line_column_and_awaited_type() {
        let at = crate::probe::at(1, 9, 33);
        let ty = format!(
            "stackless::__private::Probe<__StacklessSite, {at}, {{async fn body of Conn::read()}}>"
        );
        let probe = parse_probe(&ty).expect("a probe");
        assert_eq!((probe.index, probe.line, probe.column), (1, 9, 33));
        assert_eq!(probe.awaited, "{async fn body of Conn::read()}");
        assert!(parse_probe("{async fn body of f()}").is_none());
        // The layout before one number packed all three.
        let three =
            "stackless::__private::Probe<__StacklessSite, 1, 9, 33, {async fn body of f()}>";
        assert!(parse_probe(three).is_none());
    }

    #[test]
    fn block_names_give_their_location() {
        assert_eq!(
            block_location("{async block@src/lib.rs:6:42: 11:2}"),
            Some(("src/lib.rs".to_owned(), 6, 42))
        );
        assert_eq!(
            block_location("{async block@C:\\x\\lib.rs:6:42: 11:2}"),
            Some(("C:\\x\\lib.rs".to_owned(), 6, 42))
        );
        assert_eq!(block_location("{async fn body of f()}"), None);
    }
}
