//! What rustc laid out: `cargo stackless layout` run on this crate's library,
//! through the command's library API, and the sizes the runtime reads off the
//! futures themselves.

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use stackless_inspect::layout_command::analysis::{
    FunctionLayout, LayoutReport, Selection, SlotKind, analyse,
};
use stackless_inspect::layout_command::{Command, capture, parse_args, render};
use stackless_inspect::type_sizes;

use super::{Numbers, Output, states_svg};
use stackless_book::state_machine::Respond;

/// The layout of every async state machine in this crate's library (debug build),
/// as `cargo stackless layout --manifest-path book/listings/Cargo.toml --lib --all`
/// reports it.
pub struct Layouts {
    report: LayoutReport,
}

impl Layouts {
    /// Builds the library with `-Zprint-type-sizes` in `target_dir` and analyses
    /// what rustc printed.
    pub fn capture(target_dir: &Path) -> Result<Self, Box<dyn Error>> {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let argv = [
            "cargo-stackless",
            "layout",
            "--manifest-path",
            path_str(&manifest)?,
            "--lib",
            "--all",
            "--target-dir",
            path_str(target_dir)?,
        ];
        let Command::Layout(options) = parse_args(argv)?.command;
        let captured = capture(&options)?;
        let parsed = type_sizes::parse(&captured.type_sizes_text);
        let selection = Selection {
            filter: None,
            all: true,
        };
        let report = analyse(&parsed, &captured.workspace_root, &selection);
        if report.skipped_lines > 0 {
            return Err(format!(
                "{} lines of rustc's output were not understood",
                report.skipped_lines
            )
            .into());
        }
        Ok(Layouts { report })
    }

    /// The inspected function whose path ends in `name`
    /// (`where_bytes_go::held_twice`).
    pub fn function(&self, name: &str) -> &FunctionLayout {
        let found: Vec<&FunctionLayout> = self
            .report
            .functions
            .iter()
            .filter(|function| function.inspected && function.name.ends_with(name))
            .collect();
        match found[..] {
            [one] => one,
            _ => panic!(
                "expected one inspected function `{name}`, found {}",
                found.len()
            ),
        }
    }

    /// The `async move` block in the body of `fn function` in `src/FILE`, found by
    /// its line.
    pub fn block_in(&self, file: &str, function: &str) -> &FunctionLayout {
        let source = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(file),
        )
        .expect("the listing's source");
        let signature = format!("pub fn {function}(");
        let line = source
            .lines()
            .enumerate()
            .skip_while(|(_, text)| !text.contains(&signature))
            .find(|(_, text)| text.contains("async move {"))
            .map(|(index, _)| index + 1)
            .unwrap_or_else(|| panic!("no `async move` block in `{function}`"));
        let location = format!("book/listings/src/{file}:{line}");
        self.report
            .functions
            .iter()
            .find(|layout| layout.location.as_deref() == Some(location.as_str()))
            .unwrap_or_else(|| panic!("no state machine at {location}"))
    }

    /// `cargo stackless layout`'s text for these functions, in this order.
    pub fn text(&self, functions: &[&FunctionLayout]) -> String {
        render::text(&LayoutReport {
            functions: functions.iter().map(|&function| function.clone()).collect(),
            skipped_lines: 0,
        })
    }

    /// The text for the inspected functions `names`.
    pub fn text_of(&self, names: &[&str]) -> String {
        let functions: Vec<&FunctionLayout> =
            names.iter().map(|name| self.function(name)).collect();
        self.text(&functions)
    }
}

/// Every output drawn from the layouts.
pub fn all(layouts: &Layouts, numbers: &mut Numbers) -> Vec<Output> {
    let mut outputs = chapter_3(layouts, numbers);
    outputs.extend(chapter_4(layouts, numbers));
    outputs.extend(chapter_5(layouts, numbers));
    outputs.push(Output::new(
        "count-nodes-layout.txt",
        layouts.text_of(&["price::count_nodes"]),
    ));
    outputs
}

fn chapter_3(layouts: &Layouts, numbers: &mut Numbers) -> Vec<Output> {
    let respond_layout = layouts.function("state_machine::respond");
    let captured_once =
        layouts.block_in("state_machine.rs", "respond_captured_once");
    // rustc's sizes, from the layout command; the enum's from `size_of`.
    // (`tests/state_machine.rs` reads the first through `stackless::layout`.)
    let real = usize::try_from(respond_layout.size).expect("a size");
    let by_hand = size_of::<Respond>();
    let once = usize::try_from(captured_once.size).expect("a size");
    let mut sizes = String::new();
    sizes.push_str(
        "| the future of | size (rustc 1.95, debug build) |\n| --- | ---: |\n",
    );
    for (what, size) in [
        ("`respond`, the `async fn` as rustc builds it", real),
        ("`Respond`, the enum written by hand", by_hand),
        ("`respond_captured_once`, the `async move` rewrite", once),
    ] {
        let _ = writeln!(sizes, "| {what} | {size} B |");
    }
    numbers.add("respond_size", real);
    numbers.add("respond_by_hand_size", by_hand);
    numbers.add("respond_captured_once_size", once);
    numbers.add("respond_extra", real - by_hand);
    let prefix: u64 = respond_layout.prefix.iter().map(|slot| slot.size).sum();
    numbers.add("respond_prefix", prefix);
    let single = LayoutReport {
        functions: vec![respond_layout.clone()],
        skipped_lines: 0,
    };
    vec![
        Output::new("respond-sizes.md", sizes),
        Output::new("respond-layout.txt", layouts.text(&[respond_layout])),
        Output::new("respond-captured-once.txt", layouts.text(&[captured_once])),
        Output::new("respond-states.svg", states_svg::render(respond_layout)),
        Output::new("respond-memory.svg", render::svg(&single)),
    ]
}

fn chapter_4(layouts: &Layouts, numbers: &mut Numbers) -> Vec<Output> {
    let connection = layouts.function("await_points::handle_connection");
    numbers.add("connection_size", connection.size);
    let send = connection
        .states
        .iter()
        .flat_map(|state| &state.slots)
        .filter(|slot| slot.kind == SlotKind::Awaitee)
        .find(|slot| slot.ty.as_deref().is_some_and(|ty| ty.contains("::send()")))
        .expect("the state at `replies.send(row)`");
    numbers.add("connection_send", send.size);
    vec![Output::new(
        "connection-states.txt",
        layouts.text_of(&["await_points::handle_connection"]),
    )]
}

/// Chapter 5: one pair per rule (what it costs, and the fix), and a table of all of
/// them.
fn chapter_5(layouts: &Layouts, numbers: &mut Numbers) -> Vec<Output> {
    numbers.add(
        "buffer_held_size",
        layouts.function("where_bytes_go::buffer_held").size,
    );
    let checksum_once =
        layouts.block_in("where_bytes_go.rs", "checksum_later_once");
    let size = |name: &str| layouts.function(name).size;
    let rows = [
        (
            "a large argument is in every state",
            "`greet`",
            size("greet"),
            "borrow it: `greet_by_reference`",
            size("greet_by_reference"),
        ),
        (
            "an argument used after an await is kept twice",
            "`checksum_later`",
            size("checksum_later"),
            "`async move` block: `checksum_later_once`",
            checksum_once.size,
        ),
        (
            "a future borrowed before its await is kept twice",
            "`held_twice`",
            size("held_twice"),
            "`pin!` it first: `held_once`",
            size("held_once"),
        ),
        (
            "a large local lives to the end of its scope",
            "`buffer_held`",
            size("buffer_held"),
            "end its scope first: `buffer_scoped`",
            size("buffer_scoped"),
        ),
        (
            "... even when dropped, once it was borrowed",
            "`buffer_dropped`",
            size("buffer_dropped"),
            "never borrowed: `buffer_never_borrowed`",
            size("buffer_never_borrowed"),
        ),
        (
            "a large local needed after the await",
            "`buffer_held`",
            size("buffer_held"),
            "`Box` it: `buffer_boxed`",
            size("buffer_boxed"),
        ),
        (
            "an awaited future is part of its parent",
            "`parent_inline`",
            size("parent_inline"),
            "`Box::pin` the child: `parent_boxed`",
            size("parent_boxed"),
        ),
    ];
    let mut summary = String::from(
        "| rule | before | bytes | after | bytes |\n| --- | --- | ---: | --- | ---: |\n",
    );
    for (rule, before, before_size, after, after_size) in rows {
        let _ = writeln!(
            summary,
            "| {rule} | {before} | {before_size} | {after} | {after_size} |"
        );
    }
    let text = |file: &'static str, names: &[&str]| {
        let names: Vec<String> = names
            .iter()
            .map(|name| format!("where_bytes_go::{name}"))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        Output::new(file, layouts.text_of(&names))
    };
    vec![
        Output::new("bytes-summary.md", summary),
        text("bytes-overlap.txt", &["two_phases"]),
        text("bytes-prefix.txt", &["greet", "greet_by_reference"]),
        Output::new(
            "bytes-argument-twice.txt",
            layouts.text(&[
                layouts.function("where_bytes_go::checksum_later"),
                checksum_once,
            ]),
        ),
        text("bytes-future-twice.txt", &["held_twice", "held_once"]),
        text("bytes-large-local.txt", &["buffer_held", "buffer_scoped"]),
        text(
            "bytes-dropped.txt",
            &["buffer_dropped", "buffer_never_borrowed"],
        ),
        text("bytes-boxed.txt", &["buffer_boxed"]),
        text("bytes-child.txt", &["parent_inline", "parent_boxed"]),
    ]
}

fn path_str(path: &Path) -> Result<&str, Box<dyn Error>> {
    path.to_str()
        .ok_or_else(|| format!("not UTF-8: {}", path.display()).into())
}
