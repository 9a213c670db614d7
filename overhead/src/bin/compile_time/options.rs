//! The command line.

use std::path::PathBuf;

use crate::measure::Profile;
use crate::report::Basis;

pub const USAGE: &str = "\
usage: cargo run --release -p stackless-overhead --bin compile_time -- [OPTIONS]

Builds a generated crate of async fns plain, with #[stackless::inspect] (on and off), and with
each peer's attribute, and times each build against plain's.

options:
  --json PATH         write the results as JSON
  --functions N       annotated async fns in the generated crate          [default: 500]
  --runs N            timed builds of each variant, round-robin           [default: 5]
  --macro-runs N      clean builds of each proc-macro crate               [default: 3]
  --release           build with the release profile instead of dev
  --basis cpu|wall    the time that seconds, ratios and the goal use: cpu (user + system,
                      steady on a busy machine) or wall                   [default: cpu]
  --dir PATH          where to generate the workspace   [default: <target>/overhead-compile]
  --real-crate DIR    also time a real crate's plain and annotated copies, as left in DIR by
                      `cargo run -p stackless-real-crate`, and copies derived from the
                      annotated one (in DIR/peers/) with each other variant's attribute
                                      [default: <target>/real-crate/mini-redis-0.4.1, if there]
  --no-real-crate     do not time a real crate
  --help              this text";

#[derive(Debug, PartialEq)]
pub struct Options {
    pub json: Option<PathBuf>,
    pub functions: usize,
    pub runs: usize,
    pub macro_runs: usize,
    pub profile: Profile,
    pub basis: Basis,
    pub dir: Option<PathBuf>,
    pub real_crate: RealCrateChoice,
}

/// Whether to time a real crate's copies too, and where they are.
#[derive(Debug, PartialEq)]
pub enum RealCrateChoice {
    /// The default crate's copies, if `stackless-real-crate` has left them.
    IfPrepared,
    /// These copies; missing ones are an error.
    At(PathBuf),
    Skip,
}

#[derive(Debug, PartialEq)]
pub enum Parsed {
    Run(Options),
    Help,
}

pub fn parse(arguments: &[String]) -> Result<Parsed, String> {
    let mut options = Options {
        json: None,
        functions: 500,
        runs: 5,
        macro_runs: 3,
        profile: Profile::Dev,
        basis: Basis::Cpu,
        dir: None,
        real_crate: RealCrateChoice::IfPrepared,
    };
    let mut arguments = arguments.iter();
    while let Some(flag) = arguments.next() {
        let mut value = || {
            arguments
                .next()
                .cloned()
                .ok_or_else(|| format!("`{flag}` needs a value"))
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(Parsed::Help),
            "--json" => options.json = Some(PathBuf::from(value()?)),
            "--dir" => options.dir = Some(PathBuf::from(value()?)),
            "--functions" => options.functions = positive(flag, &value()?)?,
            "--runs" => options.runs = positive(flag, &value()?)?,
            "--macro-runs" => options.macro_runs = positive(flag, &value()?)?,
            "--release" => options.profile = Profile::Release,
            "--real-crate" => options.real_crate = RealCrateChoice::At(PathBuf::from(value()?)),
            "--no-real-crate" => options.real_crate = RealCrateChoice::Skip,
            "--basis" => {
                options.basis = match value()?.as_str() {
                    "cpu" => Basis::Cpu,
                    "wall" => Basis::Wall,
                    other => return Err(format!("`--basis` is `cpu` or `wall`, not `{other}`")),
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Parsed::Run(options))
}

fn positive(flag: &str, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(format!(
            "`{flag}` takes a whole number above 0, not `{value}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str) -> Result<Parsed, String> {
        let arguments: Vec<String> = words.split_whitespace().map(String::from).collect();
        parse(&arguments)
    }

    #[test]
    fn defaults_are_500_functions_5_runs_dev() {
        let Parsed::Run(options) = parse_words("").unwrap() else {
            panic!("no options asked for help");
        };
        assert_eq!(
            options,
            Options {
                json: None,
                functions: 500,
                runs: 5,
                macro_runs: 3,
                profile: Profile::Dev,
                basis: Basis::Cpu,
                dir: None,
                real_crate: RealCrateChoice::IfPrepared,
            }
        );
    }

    #[test]
    fn every_option_is_read() {
        let parsed = parse_words(
            "--json o.json --functions 12 --runs 2 --macro-runs 1 --release --basis wall --dir d \
             --real-crate r",
        )
        .unwrap();
        assert_eq!(
            parsed,
            Parsed::Run(Options {
                json: Some(PathBuf::from("o.json")),
                functions: 12,
                runs: 2,
                macro_runs: 1,
                profile: Profile::Release,
                basis: Basis::Wall,
                dir: Some(PathBuf::from("d")),
                real_crate: RealCrateChoice::At(PathBuf::from("r")),
            })
        );
        let Parsed::Run(options) = parse_words("--real-crate r --no-real-crate").unwrap() else {
            panic!("no options asked for help");
        };
        assert_eq!(options.real_crate, RealCrateChoice::Skip);
        assert_eq!(parse_words("--runs 3 --help").unwrap(), Parsed::Help);
    }

    #[test]
    fn bad_input_is_named() {
        assert_eq!(
            parse_words("--runs 0").unwrap_err(),
            "`--runs` takes a whole number above 0, not `0`"
        );
        assert_eq!(parse_words("--json").unwrap_err(), "`--json` needs a value");
        assert_eq!(
            parse_words("--fast").unwrap_err(),
            "unknown argument `--fast`"
        );
        assert_eq!(
            parse_words("--basis both").unwrap_err(),
            "`--basis` is `cpu` or `wall`, not `both`"
        );
    }
}
