//! The command line of `cargo stackless`: cargo's own target selection plus the layout options.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// `cargo stackless`: see the hidden shape of `async fn`.
#[derive(Debug, Parser)]
#[command(name = "cargo-stackless", bin_name = "cargo stackless", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `cargo stackless`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show each async fn's states and what every state keeps, as rustc laid them out.
    #[command(long_about = LAYOUT_ABOUT, after_help = LAYOUT_EXAMPLES)]
    Layout(Options),
}

const LAYOUT_ABOUT: &str = "\
Show each async fn's states and what every state keeps, as rustc laid them out.

Builds one target of one package with rustc's `-Zprint-type-sizes` and reads the layout of every
`async fn` state machine from it: its size, and for each state (each `.await`) the values kept
alive across it. The build goes to a target directory of its own
(`<target-dir>/stackless-layout` unless `--target-dir` says otherwise), so your usual build cache
and flags are left alone. Only the selected crate is compiled with `-Zprint-type-sizes`; only that
child process sees `RUSTC_BOOTSTRAP`, and only for that crate.

Without `--lib`, `--bin`, `--example`, `--test` or `--bench`, the package's library is shown, or
its only binary.";

const LAYOUT_EXAMPLES: &str = "\
Examples:
  cargo stackless layout                      every #[stackless::inspect] fn of this package
  cargo stackless layout client::fetch        only functions whose path contains `client::fetch`
  cargo stackless layout -p server --bin server --all --format json > layout.json";

/// Options of `cargo stackless layout`.
///
/// Build them from the command line with [`parse_args`], or in code from [`Options::default`].
#[derive(Clone, Debug, Default, Args)]
#[command(group(
    ArgGroup::new("target")
        .args(["lib", "bin", "example", "test", "bench"])
        .multiple(false)
))]
pub struct Options {
    /// Show only functions whose path contains FILTER (e.g. `client::fetch`)
    #[arg(value_name = "FILTER")]
    pub filter: Option<String>,

    /// The same as the FILTER argument
    #[arg(long = "filter", value_name = "PATH", conflicts_with = "filter")]
    #[doc(hidden)]
    pub filter_option: Option<String>,

    /// Also show async fns and blocks without `#[stackless::inspect]`
    #[arg(long)]
    pub all: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Package to inspect
    #[arg(
        short = 'p',
        long,
        value_name = "SPEC",
        help_heading = "Package Selection"
    )]
    pub package: Option<String>,

    /// Inspect only this package's library
    #[arg(long, help_heading = "Target Selection")]
    pub lib: bool,

    /// Inspect only the named binary
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub bin: Option<String>,

    /// Inspect only the named example
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub example: Option<String>,

    /// Inspect only the named test target
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub test: Option<String>,

    /// Inspect only the named bench target
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub bench: Option<String>,

    /// Space or comma separated list of features to activate
    #[arg(
        short = 'F',
        long,
        value_name = "FEATURES",
        help_heading = "Feature Selection"
    )]
    pub features: Vec<String>,

    /// Activate all available features
    #[arg(long, help_heading = "Feature Selection")]
    pub all_features: bool,

    /// Do not activate the `default` feature
    #[arg(long, help_heading = "Feature Selection")]
    pub no_default_features: bool,

    /// Build in release mode (layouts can differ from debug builds)
    #[arg(short = 'r', long, help_heading = "Compilation Options")]
    pub release: bool,

    /// Directory for the layout build; by default `stackless-layout` in the target directory.
    #[arg(
        long,
        value_name = "DIRECTORY",
        help = "Directory for the layout build [default: <target-dir>/stackless-layout]",
        help_heading = "Compilation Options"
    )]
    pub target_dir: Option<PathBuf>,

    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH", help_heading = "Manifest Options")]
    pub manifest_path: Option<PathBuf>,

    /// Show cargo's output while building
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Print no status line
    #[arg(short, long)]
    pub quiet: bool,
}

impl Options {
    /// The function-path filter, given as the FILTER argument or as `--filter`.
    pub fn filter(&self) -> Option<&str> {
        self.filter.as_deref().or(self.filter_option.as_deref())
    }
}

/// How `cargo stackless layout` prints its result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for the terminal
    #[default]
    Text,
    /// One JSON document
    Json,
    /// An SVG picture of the states
    Svg,
}

/// Parses `cargo-stackless`'s command line, `args[0]` included.
///
/// Run as `cargo stackless layout ...`, cargo starts the binary as
/// `cargo-stackless stackless layout ...`; started directly it sees `cargo-stackless layout ...`.
/// Both are accepted. On `--help`, `--version` or a usage error, the returned [`clap::Error`]
/// prints the text and exits with the right code through [`clap::Error::exit`].
pub fn parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if args.get(1).is_some_and(|word| word == "stackless") {
        args.remove(1);
    }
    let mut cli = Cli::try_parse_from(args)?;
    let Command::Layout(options) = &mut cli.command;
    if options.filter.is_none() {
        options.filter = options.filter_option.take();
    }
    Ok(cli)
}
