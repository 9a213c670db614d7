//! `overhead.md`: the report as markdown tables, for the book and the README.

use std::fmt::Write as _;

use crate::instructions::{self, POLLS_BETWEEN};
use crate::measure::Group;
use crate::report::{ComparedBenchmark, Report};
use crate::sharing::Counting;
use crate::variant::{Shape, Variant};

/// The report as markdown: the goals, then one table per measurement.
pub fn render(report: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Measured on {}; {} builds. Times are CPU time (the process's own, so other work on \
         the machine does not count), medians of many samples taken in turn with plain's in \
         the same process. Regenerate with `{}`.",
        report.measured_on.summary(),
        report.profile,
        report.command
    );
    if let Some(processes) = processes(report) {
        let _ = writeln!(
            md,
            "\nEach build ran in {processes} processes, and each benchmark is read from the one \
             whose variants, next to its plain, are together nearest the middle of the \
             {processes}: a process can be slow at one benchmark for its whole life \
             (`overhead/README.md`). What every process measured over plain is in \
             `overhead.json`."
        );
    }
    if report.quick {
        md.push_str("\n**A quick run: a few short samples, the times are noise.**\n");
    }
    goals(&mut md, report);
    sizes(&mut md, report);
    for group in [Group::ByHand, Group::OnePoll, Group::CurrentThread] {
        times(&mut md, report, group);
    }
    contention(&mut md, report);
    instructions(&mut md, report);
    compile_time(&mut md, report);
    md
}

/// How many processes each build ran in, when more than one.
fn processes(report: &Report) -> Option<usize> {
    report
        .benchmarks
        .iter()
        .flat_map(|benchmark| &benchmark.variants)
        .map(|compared| compared.added_ns_per_process.len())
        .max()
        .filter(|&processes| processes > 1)
}

/// Why the off column's brackets do not match the plain column.
const OFF_BASELINE: &str = " (stackless (off) is measured in the build without the feature, a \
                            process of its own, and compared with the plain of that process)";

fn goals(md: &mut String, report: &Report) {
    md.push_str("\n### Goals\n\n| goal | measured | met |\n| --- | --- | --- |\n");
    for goal in &report.goals {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            goal.goal,
            goal.measured,
            if goal.met { "yes" } else { "**no**" }
        );
    }
}

/// The columns present in the report, plain first.
fn columns(report: &Report) -> Vec<Variant> {
    let mut columns = vec![Variant::Plain];
    for variant in &Variant::ALL[1..] {
        let sized = report
            .sizes
            .iter()
            .any(|row| row.variants.iter().any(|c| c.variant == *variant));
        let timed = report
            .benchmarks
            .iter()
            .any(|b| b.variants.iter().any(|c| c.variant == *variant));
        let counted = report
            .instructions
            .iter()
            .any(|row| row.variants.iter().any(|c| c.variant == *variant));
        if sized || timed || counted {
            columns.push(*variant);
        }
    }
    columns
}

fn header(md: &mut String, first: &[&str], columns: &[Variant]) {
    let names: Vec<&str> = first
        .iter()
        .copied()
        .chain(columns.iter().map(|v| v.label()))
        .collect();
    let _ = writeln!(md, "| {} |", names.join(" | "));
    let _ = writeln!(
        md,
        "|{}",
        names
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { " --- |" } else { " ---: |" })
            .collect::<String>()
    );
}

fn shape_cell(shape: Shape) -> String {
    format!("`{}`: {}", shape.key(), shape.description())
}

fn sizes(md: &mut String, report: &Report) {
    md.push_str(
        "\n### Size of the future\n\nBytes of the future each function returns; in brackets, \
         the bytes the attribute adds to the plain function's.\n\n",
    );
    let columns = columns(report);
    header(md, &["shape"], &columns);
    for row in &report.sizes {
        let cells = row.variants.iter().map(|c| {
            let text = format!("{} B (+{})", c.bytes, c.added);
            (c.variant, text)
        });
        table_row(md, row.shape, format!("{} B", row.plain), &columns, cells);
    }
}

/// One row: the shape, plain's cell, then each further column's cell from `cells`, or `-`.
fn table_row(
    md: &mut String,
    shape: Shape,
    plain: String,
    columns: &[Variant],
    cells: impl Iterator<Item = (Variant, String)>,
) {
    let cells: Vec<(Variant, String)> = cells.collect();
    let mut row = vec![shape_cell(shape), plain];
    for variant in &columns[1..] {
        row.push(
            cells
                .iter()
                .find(|(v, _)| v == variant)
                .map_or_else(|| "-".to_owned(), |(_, text)| text.clone()),
        );
    }
    let _ = writeln!(md, "| {} |", row.join(" | "));
}

fn times(md: &mut String, report: &Report, group: Group) {
    let benchmarks: Vec<&ComparedBenchmark> = report.group(group).collect();
    if benchmarks.is_empty() {
        return;
    }
    let (title, what) = match group {
        Group::ByHand => (
            "Poll cost, hand-written executor",
            "Each run creates one future and polls it to completion on one thread with a no-op \
             waker (101 polls: its await is pending 100 times; the loops park once on each of \
             100 awaits, `alternating_awaits` at its two await points in turn, so that every \
             poll moves the future). Median CPU ns per poll",
        ),
        Group::OnePoll => (
            "A short-lived future, hand-written executor",
            "Each run creates a future whose await is ready at once, polls it once and drops it: \
             what a future pays for being instrumented over its whole life (creation, \
             registration, one poll, drop). Median CPU ns per future",
        ),
        Group::CurrentThread => (
            "Poll cost, tokio current-thread runtime",
            "Each run spawns 100 tasks of the shape, each polled 101 times, and joins them. \
             Median CPU ns per poll of a task",
        ),
        Group::TwoWorkers => unreachable!("rendered by `contention`"),
    };
    let _ = writeln!(
        md,
        "\n### {title}\n\n{what}; in brackets, the ns added to plain's and the ratio to plain's, \
         plain measured in the same process run{OFF_BASELINE}.\n"
    );
    let columns = columns(report);
    header(md, &["shape"], &columns);
    for benchmark in benchmarks {
        let mut cells = vec![shape_cell(benchmark.shape)];
        for &variant in &columns {
            cells.push(
                match benchmark.variants.iter().find(|c| c.variant == variant) {
                    Some(c) if variant == Variant::Plain => format!("{:.2} ns", c.ns_per_poll),
                    Some(c) => format!(
                        "{:.2} ns ({:+.2}, ×{:.2})",
                        c.ns_per_poll, c.added_ns_per_poll, c.ratio_to_plain
                    ),
                    None => "-".to_owned(),
                },
            );
        }
        let _ = writeln!(md, "| {} |", cells.join(" | "));
    }
}

fn contention(md: &mut String, report: &Report) {
    let benchmarks: Vec<&ComparedBenchmark> = report.group(Group::TwoWorkers).collect();
    if benchmarks.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n### Contention, two tokio workers\n\nEach run spawns 64 tasks of one function on a \
         two-worker runtime, each polled 1001 times, and joins them. Million polls per CPU \
         second of the process (median; a poll that waits on a cache line another worker \
         holds costs CPU time); in brackets, the share of plain's throughput, and the CPU ns \
         each poll adds to plain's, to set beside the current-thread runtime's \
         above{OFF_BASELINE}.\n"
    );
    let columns = columns(report);
    header(md, &["shape"], &columns);
    for benchmark in benchmarks {
        let mut cells = vec![shape_cell(benchmark.shape)];
        for &variant in &columns {
            cells.push(
                match benchmark.variants.iter().find(|c| c.variant == variant) {
                    Some(c) if variant == Variant::Plain => {
                        format!("{:.1} M/s", 1e3 / c.ns_per_poll)
                    }
                    Some(c) => format!(
                        "{:.1} M/s ({:.1} %, {:+.2} ns)",
                        1e3 / c.ns_per_poll,
                        c.throughput_ratio() * 100.0,
                        c.added_ns_per_poll
                    ),
                    None => "-".to_owned(),
                },
            );
        }
        let _ = writeln!(md, "| {} |", cells.join(" | "));
    }
    sharing_control(md, report);
}

/// The contention benchmark's control: what a counter on a line of each thread's own, and one
/// on a line both workers write, add to a poll (`crate::sharing`), then how far stackless's
/// cost on two workers is from its cost on one thread, to read against them.
fn sharing_control(md: &mut String, report: &Report) {
    let Some(control) = &report.sharing else {
        return;
    };
    let _ = writeln!(
        md,
        "\nThe control, which the same processes measure right after the table's benchmarks, \
         read as its rows are: plain's `one_await` tasks, run as above, each boxed in a wrapper \
         that counts its polls, every poll adding 1 to a counter with a relaxed load and store, \
         as stackless counts (`overhead/src/sharing.rs`). In brackets, the share of the \
         throughput of the same tasks counting nothing, and the CPU ns each poll adds to \
         theirs.\n\n| counter | polls per CPU second |\n| --- | ---: |"
    );
    for compared in control.iter().filter(|c| c.variant != Counting::Nothing) {
        let _ = writeln!(
            md,
            "| {} | {:.1} M/s ({:.1} %, {:+.2} ns) |",
            compared.variant.label(),
            1e3 / compared.ns_per_poll,
            compared.throughput_ratio() * 100.0,
            compared.added_ns_per_poll
        );
    }
    let added_by = |group| -> Vec<(Shape, f64)> {
        report
            .group(group)
            .filter_map(|b| {
                let ours = b
                    .variants
                    .iter()
                    .find(|c| c.variant == Variant::Stackless)?;
                Some((b.shape, ours.added_ns_per_poll))
            })
            .collect()
    };
    let one_thread = added_by(Group::CurrentThread);
    let mut more_on_two: Vec<(Shape, f64)> = added_by(Group::TwoWorkers)
        .into_iter()
        .filter_map(|(shape, two)| {
            let (_, one) = one_thread.iter().find(|(s, _)| *s == shape)?;
            Some((shape, two - one))
        })
        .collect();
    more_on_two.sort_by(|a, b| a.1.total_cmp(&b.1));
    if let (Some(least), Some(most)) = (more_on_two.first(), more_on_two.last()) {
        let _ = writeln!(
            md,
            "\nWhat stackless adds to a poll on two workers, less what it adds on the \
             current-thread runtime: from {:+.2} ns (`{}`) to {:+.2} ns (`{}`).",
            least.1,
            least.0.key(),
            most.1,
            most.0.key()
        );
    }
}

fn instructions(md: &mut String, report: &Report) {
    if report.instructions.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n### Instructions per poll\n\nThe same benchmarks counted by valgrind's callgrind: \
         the instructions one process executes more than another that makes about \
         {POLLS_BETWEEN} polls fewer, per poll (per future for `one_poll`); in brackets, the \
         instructions added to plain's{OFF_BASELINE}. An instruction is not a nanosecond, but \
         a binary gives the same count every time: where the times above are a few tenths of a \
         nanosecond apart, which is how far code placement alone moves them, this says which \
         variant does more work."
    );
    let columns = columns(report);
    for group in instructions::GROUPS {
        let rows: Vec<_> = report
            .instructions
            .iter()
            .filter(|row| row.group == group)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(md, "\n`{}`:\n", group.key());
        header(md, &["shape"], &columns);
        for row in rows {
            let cells = row.variants.iter().map(|c| {
                let text = format!("{:.1} ({:+.1})", c.per_poll, c.added);
                (c.variant, text)
            });
            table_row(md, row.shape, format!("{:.1}", row.plain), &columns, cells);
        }
    }
}

/// The compile-time benchmark's table, read from its JSON as loosely as it is written: the
/// fields the interface fixes, and its wall and CPU medians and goal where present.
fn compile_time(md: &mut String, report: &Report) {
    let Some(json) = &report.compile_time else {
        return;
    };
    let functions = json["crate_functions"]
        .as_u64()
        .map_or("many".to_owned(), |n| n.to_string());
    let profile = json["profile"].as_str().unwrap_or("dev");
    let basis = match json["basis"].as_str() {
        Some("cpu") => "CPU time",
        Some("wall") => "wall time",
        _ => "time",
    };
    let _ = writeln!(
        md,
        "\n### Compile time\n\nA crate of {functions} annotated async functions, and a function \
         polling each future once (so that every variant compiles the code of its futures), \
         built in the {profile} profile: median seconds and the ratio to plain's, on {basis}. \
         From the \
         compile-time benchmark (`cargo run --release -p stackless-overhead --bin compile_time \
         -- --json PATH`), included with `--compile-time PATH`.\n"
    );
    md.push_str(
        "| variant | seconds | ratio to plain | wall | CPU |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for build in json["builds"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "| {} | {} |",
            build["variant"].as_str().unwrap_or("?"),
            time_cells(build)
        );
    }
    if let (Some(ratio), Some(met)) = (
        json["goal"]["max_ratio_to_plain"].as_f64(),
        json["goal"]["met"].as_bool(),
    ) {
        let _ = writeln!(
            md,
            "\nThe compile-time benchmark's goal (stackless at most ×{ratio:.2} plain's time, and \
             no slower than tracing): {}.",
            if met { "met" } else { "**not met**" }
        );
    }
    if let Some(seconds) = json["macro_crate_clean_build_seconds"].as_f64() {
        let _ = writeln!(
            md,
            "\nClean build of the attribute's own macro crate (`stackless-macros`, with its \
             dependencies): {seconds:.2} s."
        );
    }
    if let Some(peers) = json["peer_macro_crates_clean_build_seconds"].as_object() {
        let peers: Vec<String> = peers
            .iter()
            .filter_map(|(name, s)| Some(format!("`{name}` {:.2} s", s.as_f64()?)))
            .collect();
        if !peers.is_empty() {
            let _ = writeln!(md, "The peers' macro crates: {}.", peers.join(", "));
        }
    }
    real_crate(md, json);
}

/// The cells `seconds | ratio to plain | wall | CPU` of a build's entry in the compile-time
/// JSON, `-` where it has no such field.
fn time_cells(entry: &serde_json::Value) -> String {
    let seconds = |key: &str| {
        entry[key]
            .as_f64()
            .map_or("-".to_owned(), |s| format!("{s:.2} s"))
    };
    let ratio = entry["ratio_to_plain"]
        .as_f64()
        .map_or("-".to_owned(), |r| format!("×{r:.2}"));
    format!(
        "{} | {ratio} | {} | {}",
        seconds("seconds_median"),
        seconds("wall_seconds_median"),
        seconds("cpu_seconds_median")
    )
}

/// The same comparison on a real crate's plain and annotated copies, or why it was not made.
fn real_crate(md: &mut String, json: &serde_json::Value) {
    let real = &json["real_crate"];
    let median = match json["basis"].as_str() {
        Some("wall") => "wall_seconds_median",
        _ => "cpu_seconds_median",
    };
    if let (Some(name), Some(functions), Some(targets), Some(plain), Some(annotated), Some(ratio)) = (
        real["name"].as_str(),
        real["annotated_functions"].as_u64(),
        real["targets"].as_str(),
        real["plain"][median].as_f64(),
        real["annotated"][median].as_f64(),
        real["ratio_to_plain"].as_f64(),
    ) {
        let _ = writeln!(
            md,
            "\nA real application, where `async fn`s are part of the code rather than all of it: \
             {name} from crates.io, its {targets} built the same way, plain and with \
             `#[stackless::inspect]` on each of the {functions} `async fn`s its build compiles \
             (both copies made by `cargo run -p stackless-real-crate`): plain {plain:.2} s, \
             stackless {annotated:.2} s, ×{ratio:.2}."
        );
        real_crate_copies(md, real, median);
    } else if let Some(reason) = json["real_crate_not_timed"].as_str() {
        let _ = writeln!(md, "\nNo real crate was timed: {reason}.");
    }
}

/// rustc's messages a note quotes, at the most.
const QUOTED_ERRORS: usize = 3;

/// Every copy of the real crate, the peers' too, with what each carries and the goal on it;
/// nothing for a report from before the peers were timed there.
fn real_crate_copies(md: &mut String, real: &serde_json::Value, median: &str) {
    let Some(copies) = real["variants"]
        .as_array()
        .filter(|copies| !copies.is_empty())
    else {
        return;
    };
    let basis = if median.starts_with("wall") {
        "wall time"
    } else {
        "CPU time"
    };
    let _ = writeln!(
        md,
        "\nThe same crate with each peer's attribute where ours went, and with ours but its \
         features off (copies derived from the annotated one at each run): the functions \
         carrying the attribute, median seconds and the ratio to plain's, on {basis}.\n"
    );
    md.push_str(
        "| variant | functions | seconds | ratio to plain | wall | CPU |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let count = |copy: &serde_json::Value, key: &str| copy[key].as_u64().unwrap_or(0);
    for copy in copies {
        let functions = match (copy["attribute"].as_str(), count(copy, "as_published")) {
            (None, _) => "-".to_owned(),
            (Some(_), 0) => count(copy, "functions").to_string(),
            (Some(_), published) => {
                format!("{} ({published} as published)", count(copy, "functions"))
            }
        };
        let _ = writeln!(
            md,
            "| {} | {functions} | {} |",
            copy["variant"].as_str().unwrap_or("?"),
            time_cells(copy)
        );
    }

    let annotated = count(real, "annotated_functions");
    let mut notes = Vec::new();
    for copy in copies {
        let (published, not_compiling) =
            (count(copy, "as_published"), count(copy, "not_compiling"));
        let (Some(variant), Some(attribute)) =
            (copy["variant"].as_str(), copy["attribute"].as_str())
        else {
            continue;
        };
        if published == 0 && not_compiling == 0 {
            continue;
        }
        let mut parts = Vec::new();
        if published > 0 {
            parts.push(format!(
                "{published} carry it as published (in the plain copy too), and are not \
                 instrumented twice"
            ));
        }
        if not_compiling > 0 {
            let errors: Vec<&str> = copy["not_compiling_errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|error| error.as_str())
                .collect();
            let mut quoted = errors[..errors.len().min(QUOTED_ERRORS)].join("; ");
            if errors.len() > QUOTED_ERRORS {
                let _ = write!(quoted, "; and {} more", errors.len() - QUOTED_ERRORS);
            }
            parts.push(format!(
                "{not_compiling} are left without it, which does not compile on them \
                 (rustc: {quoted})"
            ));
        }
        notes.push(format!(
            "{variant}: `{attribute}` went on {} of the {annotated} functions stackless \
             annotates: {}.",
            count(copy, "added"),
            parts.join("; ")
        ));
    }
    let listed = |key: &str| -> Vec<String> {
        copies
            .iter()
            .filter_map(|copy| {
                let variant = copy["variant"].as_str()?;
                let value = &copy[key];
                let text = match value.as_array() {
                    Some(items) if !items.is_empty() => items
                        .iter()
                        .filter_map(|item| item.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => value.as_str()?.to_owned(),
                };
                Some(format!("{variant} `{text}`"))
            })
            .collect()
    };
    let macro_crates = listed("macro_crate");
    if !macro_crates.is_empty() {
        notes.push(format!(
            "The attributes' macro crates, as each copy's build compiled them: {}.",
            macro_crates.join(", ")
        ));
    }
    let moved = listed("dependencies_unlike_plain");
    if !moved.is_empty() {
        notes.push(format!(
            "Where adding the attribute's crate moved the crate's own dependencies off the \
             plain copy's versions, so that the crate's code also compiles against other \
             versions of them: {}.",
            moved.join("; ")
        ));
    }
    if !notes.is_empty() {
        let _ = writeln!(md, "\n{}", notes.join(" "));
    }

    let copy_of = |variant: &str| copies.iter().find(|copy| copy["variant"] == variant);
    let (Some(ours), Some(tracing)) = (copy_of("stackless"), copy_of("tracing")) else {
        return;
    };
    if let (Some(ratio), Some(met), Some(our_ratio), Some(tracing_ratio)) = (
        real["goal"]["max_ratio_to_plain"].as_f64(),
        real["goal"]["met"].as_bool(),
        ours["ratio_to_plain"].as_f64(),
        tracing["ratio_to_plain"].as_f64(),
    ) {
        // Unlike the generated crate's, the two copies need not add as many attributes.
        let (our_added, tracing_added) = (count(ours, "added"), count(tracing, "added"));
        let added = if our_added == tracing_added {
            String::new()
        } else {
            format!(
                " (with the attribute added to {tracing_added} functions by tracing's copy, \
                 to {our_added} by stackless's)"
            )
        };
        let _ = writeln!(
            md,
            "\nThe compile-time goal checked on this crate too, for information only (the goal \
             is the generated crate's, above): stackless ×{our_ratio:.2} plain's time and \
             tracing ×{tracing_ratio:.2}{added}; at most ×{ratio:.2} and no slower than \
             tracing: {}.",
            if met { "met" } else { "**not met**" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::MeasuredOn;

    fn empty_report(compile_time: Option<serde_json::Value>) -> Report {
        Report {
            measured_on: MeasuredOn {
                date: "2026-01-01".to_owned(),
                cpu: Some("Some CPU".to_owned()),
                cores: 2,
                kernel: None,
                rustc: Some("rustc 1.95.0".to_owned()),
                load_average: Some(0.5),
            },
            command: "cargo run".to_owned(),
            profile: "release".to_owned(),
            quick: false,
            sizes: Vec::new(),
            benchmarks: Vec::new(),
            goals: Vec::new(),
            instructions: Vec::new(),
            compile_time,
            sharing: None,
        }
    }

    #[test]
    fn the_instruction_tables_appear_with_counts_only() {
        use crate::instructions::{ComparedInstructions, InstructionCell};
        let mut report = empty_report(None);
        assert!(!render(&report).contains("Instructions per poll"));
        report.instructions.push(ComparedInstructions {
            group: Group::CurrentThread,
            shape: Shape::OneAwait,
            plain: 363.5,
            variants: vec![InstructionCell {
                variant: Variant::Stackless,
                per_poll: 377.75,
                added: 14.25,
            }],
        });
        let md = render(&report);
        assert!(md.contains("### Instructions per poll"), "{md}");
        assert!(md.contains("`current_thread`:"), "{md}");
        assert!(!md.contains("`by_hand`:"), "{md}");
        assert!(md.contains("| 363.5 | 377.8 (+14.2) |"), "{md}");
    }

    /// `variant` at `ns` per poll, beside a baseline at `baseline` ns.
    fn compared<K>(variant: K, ns: f64, baseline: f64) -> crate::report::Compared<K> {
        crate::report::Compared {
            variant,
            ns_per_poll: ns,
            ns_per_poll_lower_quartile: ns,
            ns_per_poll_upper_quartile: ns,
            plain_ns_per_poll: baseline,
            plain_lower_quartile: baseline,
            plain_upper_quartile: baseline,
            added_ns_per_poll: ns - baseline,
            ratio_to_plain: ns / baseline,
            samples: 11,
            runs_per_sample: 1,
            added_ns_per_process: Vec::new(),
        }
    }

    /// A report whose stackless adds, in each group, the ns given to plain's 25 ns per poll:
    /// first for `one_await`, then for `method`.
    fn report_adding(groups: &[(Group, [f64; 2])]) -> Report {
        let mut report = empty_report(None);
        for &(group, [one_await, method]) in groups {
            for (shape, added) in [(Shape::OneAwait, one_await), (Shape::Method, method)] {
                report.benchmarks.push(ComparedBenchmark {
                    group,
                    shape,
                    polls_per_run: group.polls_per_run(),
                    variants: vec![
                        compared(Variant::Plain, 25.0, 25.0),
                        compared(Variant::Stackless, 25.0 + added, 25.0),
                    ],
                });
            }
        }
        report
    }

    #[test]
    fn the_contention_table_gives_the_share_of_throughput_and_the_ns_added() {
        let md = render(&report_adding(&[(Group::TwoWorkers, [6.25, 1.0])]));
        assert!(md.contains("### Contention, two tokio workers"), "{md}");
        assert!(
            md.contains("| 40.0 M/s | 32.0 M/s (80.0 %, +6.25 ns) |"),
            "{md}"
        );
        // No control measured: no control, and no comparison with one thread.
        assert!(!md.contains("The control"), "{md}");
        assert!(!md.contains("less what it adds"), "{md}");
    }

    #[test]
    fn the_sharing_control_follows_the_contention_table_with_the_cost_over_one_thread() {
        let mut report = report_adding(&[
            (Group::CurrentThread, [1.5, 2.0]),
            (Group::TwoWorkers, [1.0, 2.75]),
        ]);
        report.sharing = Some(vec![
            compared(Counting::Nothing, 20.0, 20.0),
            compared(Counting::OwnLine, 20.5, 20.0),
            compared(Counting::SharedLine, 40.0, 20.0),
        ]);
        let md = render(&report);
        let control = md.find("The control").expect("the control is rendered");
        assert!(control > md.find("### Contention").unwrap(), "{md}");
        assert!(!md.contains("counting nothing |"), "{md}");
        assert!(
            md.contains("| a line per thread | 48.8 M/s (97.6 %, +0.50 ns) |"),
            "{md}"
        );
        assert!(
            md.contains("| one line for both workers | 25.0 M/s (50.0 %, +20.00 ns) |"),
            "{md}"
        );
        assert!(
            md.contains(
                "current-thread runtime: from -0.50 ns (`one_await`) to +0.75 ns (`method`)."
            ),
            "{md}"
        );
    }

    #[test]
    fn the_compile_time_table_comes_from_its_json_when_there_is_one() {
        assert!(!render(&empty_report(None)).contains("Compile time"));
        let json = serde_json::json!({
            "crate_functions": 500,
            "profile": "dev",
            "basis": "cpu",
            "builds": [
                {"variant": "plain", "seconds_median": 2.0, "ratio_to_plain": 1.0},
                {"variant": "stackless", "seconds_median": 2.4, "ratio_to_plain": 1.2,
                 "wall_seconds_median": 2.5, "cpu_seconds_median": 2.4},
            ],
            "goal": {"max_ratio_to_plain": 1.25, "met": true},
            "macro_crate_clean_build_seconds": 9.5,
            "peer_macro_crates_clean_build_seconds": {"tracing-attributes": 10.25},
        });
        let md = render(&empty_report(Some(json)));
        assert!(md.contains(
            "A crate of 500 annotated async functions, and a function polling each future once"
        ));
        assert!(md.contains("built in the dev profile"));
        assert!(md.contains("on CPU time"));
        assert!(md.contains("| plain | 2.00 s | ×1.00 | - | - |"), "{md}");
        assert!(
            md.contains("| stackless | 2.40 s | ×1.20 | 2.50 s | 2.40 s |"),
            "{md}"
        );
        assert!(md.contains("no slower than tracing): met."));
        assert!(md.contains("with its dependencies): 9.50 s."));
        assert!(md.contains("`tracing-attributes` 10.25 s"));
        assert!(
            !md.contains("real code") && !md.contains("real crate"),
            "{md}"
        );
    }

    #[test]
    fn the_real_crate_line_comes_from_its_json_on_the_same_basis() {
        let json = serde_json::json!({
            "basis": "cpu",
            "builds": [],
            "real_crate": {
                "name": "mini-redis-0.4.1",
                "annotated_functions": 33,
                "targets": "library and binaries",
                "plain": {"wall_seconds_median": 1.5, "cpu_seconds_median": 2.0},
                "annotated": {"wall_seconds_median": 1.75, "cpu_seconds_median": 2.25},
                "ratio_to_plain": 1.125,
            },
        });
        let md = render(&empty_report(Some(json)));
        assert!(
            md.contains(
                "mini-redis-0.4.1 from crates.io, its library and binaries built the same way"
            ),
            "{md}"
        );
        assert!(md.contains("each of the 33 `async fn`s"), "{md}");
        assert!(
            md.contains("plain 2.00 s, stackless 2.25 s, ×1.12."),
            "{md}"
        );
        // A report from before the peers were timed on the real crate: no table.
        assert!(!md.contains("| variant | functions |"), "{md}");

        let json = serde_json::json!({
            "builds": [],
            "real_crate_not_timed": "no copies in <target>/real-crate/mini-redis-0.4.1",
        });
        let md = render(&empty_report(Some(json)));
        assert!(
            md.contains(
                "No real crate was timed: no copies in <target>/real-crate/mini-redis-0.4.1."
            ),
            "{md}"
        );
    }

    #[test]
    fn the_real_crate_table_has_every_copy_and_what_each_carries() {
        let copy = |variant: &str, attribute: Option<&str>, added: u64, seconds: f64| {
            serde_json::json!({
                "variant": variant,
                "attribute": attribute,
                "functions": added,
                "added": added,
                "as_published": 0,
                "not_compiling": 0,
                "not_compiling_errors": [],
                "macro_crate": null,
                "dependencies_unlike_plain": [],
                "seconds_median": seconds,
                "ratio_to_plain": seconds / 2.0,
                "wall_seconds_median": seconds / 2.0,
                "cpu_seconds_median": seconds,
            })
        };
        let mut stackless = copy("stackless", Some("#[stackless::inspect]"), 33, 2.25);
        stackless["macro_crate"] = "stackless-macros v0.1.0".into();
        let mut backtrace = copy(
            "async-backtrace",
            Some("#[async_backtrace::framed]"),
            33,
            2.5,
        );
        backtrace["dependencies_unlike_plain"] = serde_json::json!(["tracing 0.1.26 → 0.1.35"]);
        let mut tracing = copy("tracing", Some("#[tracing::instrument]"), 7, 2.125);
        tracing["functions"] = 18.into();
        tracing["as_published"] = 11.into();
        tracing["not_compiling"] = 15.into();
        tracing["not_compiling_errors"] =
            serde_json::json!(["`T` doesn't implement `Debug`", "a", "b", "c", "d"]);
        tracing["macro_crate"] = "tracing-attributes v0.1.15".into();
        let json = serde_json::json!({
            "basis": "cpu",
            "builds": [],
            "real_crate": {
                "name": "mini-redis-0.4.1",
                "annotated_functions": 33,
                "targets": "library and binaries",
                "plain": {"wall_seconds_median": 1.0, "cpu_seconds_median": 2.0},
                "annotated": {"wall_seconds_median": 1.125, "cpu_seconds_median": 2.25},
                "ratio_to_plain": 1.125,
                "variants": [copy("plain", None, 0, 2.0), stackless, backtrace, tracing],
                "goal": {"max_ratio_to_plain": 1.25, "met": false},
            },
        });
        let md = render(&empty_report(Some(json)));
        for expected in [
            "plain 2.00 s, stackless 2.25 s, ×1.12.\n\nThe same crate with each peer's attribute",
            "the ratio to plain's, on CPU time.\n\n\
             | variant | functions | seconds | ratio to plain | wall | CPU |\n\
             | --- | ---: | ---: | ---: | ---: | ---: |\n\
             | plain | - | 2.00 s | ×1.00 | 1.00 s | 2.00 s |\n\
             | stackless | 33 | 2.25 s | ×1.12 | 1.12 s | 2.25 s |\n\
             | async-backtrace | 33 | 2.50 s | ×1.25 | 1.25 s | 2.50 s |\n\
             | tracing | 18 (11 as published) | 2.12 s | ×1.06 | 1.06 s | 2.12 s |\n\n",
            "tracing: `#[tracing::instrument]` went on 7 of the 33 functions stackless annotates: \
             11 carry it as published (in the plain copy too), and are not instrumented twice; \
             15 are left without it, which does not compile on them (rustc: `T` doesn't \
             implement `Debug`; a; b; and 2 more).",
            "as each copy's build compiled them: stackless `stackless-macros v0.1.0`, tracing \
             `tracing-attributes v0.1.15`.",
            "other versions of them: async-backtrace `tracing 0.1.26 → 0.1.35`.",
            "stackless ×1.12 plain's time and tracing ×1.06 (with the attribute added to 7 \
             functions by tracing's copy, to 33 by stackless's); at most ×1.25 and no slower \
             than tracing: **not met**.",
        ] {
            assert!(md.contains(expected), "{expected}\n---\n{md}");
        }
        assert_eq!(md.matches("for information only").count(), 1, "{md}");
    }

    #[test]
    fn the_caption_names_the_machine_and_the_command() {
        let md = render(&empty_report(None));
        assert!(md.starts_with(
            "Measured on 2026-01-01, Some CPU (2 cores, load 0.5), rustc 1.95.0; release builds."
        ));
        assert!(md.contains("Regenerate with `cargo run`."));
    }
}
