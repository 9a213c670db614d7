//! `cargo stackless layout`: every `async fn`'s states and what each keeps, as rustc laid them
//! out. Behind the `cli` feature; the `cargo-stackless` binary is a thin shell around [`run`].
//!
//! The command works in stages, each usable on its own:
//!
//! 1. [`parse_args`] reads the command line into [`Options`]: cargo's package and target
//!    selection, plus the function filter, `--all` and `--format`.
//! 2. [`plan`] asks `cargo metadata` about the workspace and works out the cargo commands: the
//!    selected crate is built by `cargo rustc ... -- -Zprint-type-sizes` in a target directory
//!    of its own (`<target dir>/stackless-layout`), so the user's build cache and flags are left
//!    alone.
//! 3. [`Plan::capture`] (or [`capture`] for both steps) runs the build and keeps rustc's
//!    `print-type-size` lines in a [`Captured`].
//! 4. [`analysis`] joins the states to the source and [`render`] prints them.
//!
//! # Example
//!
//! ```no_run
//! use stackless_inspect::layout_command::{Command, capture, parse_args};
//!
//! let cli = parse_args(["cargo-stackless", "layout", "--manifest-path", "demo/Cargo.toml"])?;
//! let Command::Layout(options) = cli.command;
//! let captured = capture(&options)?;
//! println!("rustc described {} types", captured.type_count());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analysis;
mod args;
mod capture;
mod error;
mod plan;
pub mod render;
mod source;

pub use args::{Cli, Command, Format, Options, parse_args};
pub use capture::{Captured, capture};
pub use error::{CommandError, EmptySelection};
pub use plan::{LAYOUT_TARGET_SUBDIR, Package, Plan, Target, TargetKind, plan};

use crate::type_sizes::TypeSizes;

/// Runs `cargo stackless layout` and returns what to print on stdout. A status line goes to
/// stderr first unless `--quiet`, since a first run builds every dependency.
pub fn run(options: &Options) -> Result<String, CommandError> {
    let plan = plan(options)?;
    if !options.quiet {
        eprintln!(
            "{:>12} {} with -Zprint-type-sizes in {}",
            "Building",
            plan.unit,
            plan.target_dir.display()
        );
    }
    let captured = plan.capture(options.verbose)?;
    let type_sizes = crate::type_sizes::parse(&captured.type_sizes_text);
    let selection = analysis::Selection {
        filter: options.filter().map(str::to_owned),
        all: options.all,
    };
    let report = analysis::analyse(&type_sizes, &captured.workspace_root, &selection);
    if report.functions.is_empty() {
        return Err(CommandError::NothingSelected {
            unit: plan.unit,
            why: why_empty(&type_sizes, &selection),
        });
    }
    Ok(match options.format {
        Format::Text => render::text(&report),
        Format::Json => render::json(&report),
        Format::Svg => render::svg(&report),
    })
}

/// Why an analysis that found nothing found nothing, most specific reason first.
fn why_empty(type_sizes: &TypeSizes, selection: &analysis::Selection) -> EmptySelection {
    if type_sizes.types.is_empty() && type_sizes.skipped_lines > 0 {
        EmptySelection::Unreadable {
            skipped_lines: type_sizes.skipped_lines,
        }
    } else if let Some(filter) = &selection.filter {
        EmptySelection::FilterMatchedNothing {
            filter: filter.clone(),
        }
    } else if !selection.all {
        EmptySelection::NoInspectedFunctions
    } else {
        EmptySelection::NoStateMachines
    }
}
