//! Measures this build of the package (future sizes and every benchmark of its variants) and
//! writes the results as JSON. The runner (`--bin overhead`) builds and runs it twice, with the
//! `inspect` feature on and off; run it by hand to see one build's numbers:
//!
//! ```sh
//! cargo run --release -p stackless-overhead --bin measure_build -- --json /tmp/on.json
//! cargo run --release -p stackless-overhead --no-default-features --bin measure_build -- --json /tmp/off.json
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use stackless_overhead::instructions;
use stackless_overhead::measure::{self, BuildResults, Group};
use stackless_overhead::variant::Variant;

const USAGE: &str = "\
usage: measure_build [--json PATH] [--variants LIST] [--groups LIST] [--quick] [--instructions]
       measure_build --run GROUP SHAPE VARIANT RUNS

  --json PATH       write the results there (default: stdout)
  --variants LIST   comma-separated variant keys of this build (default: all of them:
                    plain, stackless or stackless-off, async-backtrace, await-tree, tracing)
  --groups LIST     comma-separated: by_hand, one_poll, current_thread, two_workers (default: all);
                    two_workers also runs its sharing control (src/sharing.rs)
  --quick           a few short samples: checks the pipeline, the numbers are noise
  --instructions    also count instructions per poll under valgrind's callgrind (by_hand,
                    one_poll, current_thread), running this binary with --run
  --run ...         run one benchmark RUNS times and exit: what callgrind counts";

struct Options {
    json: Option<PathBuf>,
    variants: Vec<Variant>,
    groups: Vec<Group>,
    quick: bool,
    instructions: bool,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        json: None,
        variants: Variant::in_this_build().to_vec(),
        groups: Group::ALL.to_vec(),
        quick: false,
        instructions: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--json" => options.json = Some(PathBuf::from(value()?)),
            "--variants" => {
                options.variants = parse_list(value()?, Variant::in_this_build(), Variant::key)?
            }
            "--groups" => options.groups = parse_list(value()?, &Group::ALL, Group::key)?,
            "--quick" => options.quick = true,
            "--instructions" => options.instructions = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

/// The items of `known` named in the comma-separated `list`, in `known`'s order.
fn parse_list<T: Copy + PartialEq>(
    list: &str,
    known: &[T],
    key: fn(T) -> &'static str,
) -> Result<Vec<T>, String> {
    let names: Vec<&str> = list.split(',').map(str::trim).collect();
    if let Some(unknown) = names
        .iter()
        .find(|name| !known.iter().any(|&k| key(k) == **name))
    {
        let valid: Vec<_> = known.iter().map(|&k| key(k)).collect();
        return Err(format!(
            "unknown `{unknown}` (this build has: {})",
            valid.join(", ")
        ));
    }
    Ok(known
        .iter()
        .copied()
        .filter(|&k| names.contains(&key(k)))
        .collect())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if args.first().map(String::as_str) == Some(instructions::RUN_ARGUMENT) {
        return match instructions::parse_run(&args[1..]) {
            Ok((group, shape, variant, runs)) => {
                measure::run(group, shape, variant, runs);
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}\n\n{USAGE}");
                ExitCode::FAILURE
            }
        };
    }
    let options = match parse_args(&args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    let build = if cfg!(feature = "inspect") {
        "inspect on"
    } else {
        "inspect off"
    };
    let instructions = if options.instructions {
        let counted = std::env::current_exe()
            .map_err(|error| format!("cannot find this binary: {error}"))
            .and_then(|binary| {
                instructions::count(&binary, &options.groups, &options.variants, |what| {
                    eprintln!("  [{build}] {what}")
                })
            });
        match counted {
            Ok(counted) => counted,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        Vec::new()
    };
    let results = BuildResults {
        inspect_feature: cfg!(feature = "inspect"),
        profile: measure::profile().to_owned(),
        sizes: measure::sizes(&options.variants),
        benchmarks: measure::benchmarks(
            &options.groups,
            &options.variants,
            options.quick,
            |what| eprintln!("  [{build}] {what}"),
        ),
        instructions,
        sharing: options.groups.contains(&Group::TwoWorkers).then(|| {
            eprintln!("  [{build}] two_workers sharing control");
            stackless_overhead::sharing::measure(options.quick)
        }),
    };
    let json = serde_json::to_string_pretty(&results).expect("results serialise");
    match options.json {
        None => println!("{json}"),
        Some(path) => {
            if let Err(error) = std::fs::write(&path, json + "\n") {
                eprintln!("error: cannot write {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn lists_keep_the_known_order_and_reject_strangers() {
        let options = parse_args(&args("--groups two_workers,by_hand --quick")).unwrap();
        assert_eq!(options.groups, [Group::ByHand, Group::TwoWorkers]);
        assert!(options.quick);
        assert!(parse_args(&args("--groups by_foot")).is_err());
        assert!(parse_args(&args("--variants plain,stackful")).is_err());
        assert!(parse_args(&args("--json")).is_err());
        assert!(parse_args(&args("--frobnicate")).is_err());
    }
}
