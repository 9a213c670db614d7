//! `cargo stackless`: the command-line shell around `stackless_inspect::layout_command`.
//!
//! Install with `cargo install --path inspect --features cli`, then run `cargo stackless layout`.

use std::io::{self, Write};
use std::process::ExitCode;

use stackless_inspect::layout_command::{self, Command};

fn main() -> ExitCode {
    let cli = layout_command::parse_args(std::env::args_os()).unwrap_or_else(|error| error.exit());
    let Command::Layout(options) = cli.command;
    match layout_command::run(&options) {
        Ok(output) => match io::stdout().lock().write_all(output.as_bytes()) {
            // `cargo stackless layout | head` closing the pipe early is not a failure.
            Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
                eprintln!("error: could not write the output: {error}");
                ExitCode::FAILURE
            }
            _ => ExitCode::SUCCESS,
        },
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
