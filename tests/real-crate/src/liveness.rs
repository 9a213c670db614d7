//! Evidence that the annotations are live, not just accepted by the compiler.
//!
//! A test file added to the annotated copy runs an optional exercise of the crate's API, then
//! writes `stackless::report()` as JSON and as text where the tool reads them. The check: every
//! annotated function of the library is registered at the line it was annotated on, and the
//! functions the exercise calls have futures that ran to completion.

use std::path::Path;

use serde_json::Value;

/// The added test's target name. Chosen so that no crate's own test is likely to clash.
pub const TEST_NAME: &str = "stackless_real_crate_report";

/// The added test's file, relative to the copy; cargo names its test binary after this path.
pub const TEST_FILE: &str = "tests/stackless_real_crate_report.rs";

/// Where the added test writes `report.json` and `report.txt`.
pub const REPORT_DIR_VAR: &str = "STACKLESS_REAL_CRATE_REPORT_DIR";

/// Code that drives a known crate through its public API, and the functions it must complete.
pub struct Exercise {
    pub crate_name: &'static str,
    /// Statements run inside the added `#[test] fn`.
    pub code: &'static str,
    /// Functions (path suffixes, as `Report::function` takes them) whose futures must complete.
    pub completes: &'static [&'static str],
}

/// The exercises this tool knows: mini-redis's own README flow, a server and a client doing
/// `SET` then `GET` over a real socket.
pub const EXERCISES: &[Exercise] = &[Exercise {
    crate_name: "mini-redis",
    code: r#"
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a local port");
        let address = listener.local_addr().expect("the listener's address");
        tokio::spawn(mini_redis::server::run(listener, std::future::pending::<()>()));
        let mut client = mini_redis::client::connect(address).await.expect("a connection");
        client.set("hello", "world".into()).await.expect("SET");
        let value = client.get("hello").await.expect("GET");
        assert_eq!(value.as_deref(), Some(&b"world"[..]));
    });
"#,
    completes: &[
        "client::connect",
        "Client::set",
        "Client::get",
        "Connection::write_frame",
        "Connection::read_frame",
    ],
}];

pub fn exercise_for(crate_name: &str) -> Option<&'static Exercise> {
    EXERCISES
        .iter()
        .find(|exercise| exercise.crate_name == crate_name)
}

/// The source of [`TEST_FILE`] for the library `lib_name`.
pub fn test_source(lib_name: &str, exercise: Option<&Exercise>) -> String {
    let exercise = exercise.map_or("", |exercise| exercise.code);
    format!(
        r#"//! Added by stackless-real-crate: writes `stackless::report()` for the tool to check.

// Links the library, so its functions are in this program's registry.
#[allow(unused_imports)]
use {lib_name} as _;

#[test]
fn stackless_report() {{{exercise}
    let report = stackless::report();
    let dir = std::env::var_os("{REPORT_DIR_VAR}").expect("{REPORT_DIR_VAR} is set");
    let dir = std::path::Path::new(&dir);
    std::fs::write(dir.join("report.json"), report.to_json()).expect("report.json is written");
    std::fs::write(dir.join("report.txt"), report.to_string()).expect("report.txt is written");
}}
"#
    )
}

/// An annotated library function, which the report must list unless it is behind a `#[cfg]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// As rustc's `file!()` gives it: relative to the copy, with `/`.
    pub file: String,
    pub line: usize,
    pub name: String,
    /// A `#[cfg]` on it or around it may leave it out of this build.
    pub behind_cfg: bool,
}

/// What the report showed.
#[derive(Debug, Default)]
pub struct Liveness {
    /// Expected functions (not behind a `#[cfg]`) the report lists at their file and line.
    pub registered: usize,
    /// Functions behind a `#[cfg]` that this build compiled, as the report shows.
    pub registered_behind_cfg: usize,
    /// Expected functions (not behind a `#[cfg]`) it does not list.
    pub missing: Vec<String>,
    /// Functions the report lists from files of the library that were not expected.
    pub unexpected: Vec<String>,
    /// Library functions whose futures were created, with how many completed.
    pub ran: Vec<(String, u64, u64)>,
    /// Functions the exercise must complete that did not.
    pub not_completed: Vec<String>,
}

impl Liveness {
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.not_completed.is_empty()
    }
}

pub fn read_report(dir: &Path) -> Result<(Value, String), String> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .map_err(|error| format!("reading {}: {error}", dir.join(name).display()))
    };
    let json = serde_json::from_str(&read("report.json")?)
        .map_err(|error| format!("report.json: {error}"))?;
    Ok((json, read("report.txt")?))
}

/// Checks `report` (`stackless::report()` as JSON) against the annotated library functions.
pub fn check(report: &Value, expected: &[Expected], exercise: Option<&Exercise>) -> Liveness {
    let functions: Vec<&Value> = report["functions"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let at = |function: &Value| {
        (
            function["location"]["file"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            function["location"]["line"].as_u64().unwrap_or_default() as usize,
        )
    };
    let mut liveness = Liveness::default();
    for want in expected {
        let found = functions.iter().any(|function| {
            at(function) == (want.file.clone(), want.line)
                && path_ends_with(function["name"].as_str().unwrap_or_default(), &want.name)
        });
        if found && want.behind_cfg {
            liveness.registered_behind_cfg += 1;
        } else if found {
            liveness.registered += 1;
        } else if !want.behind_cfg {
            liveness
                .missing
                .push(format!("{}:{} {}", want.file, want.line, want.name));
        }
    }
    for function in &functions {
        let (file, line) = at(function);
        let name = function["name"].as_str().unwrap_or_default().to_owned();
        let library_file = expected.iter().any(|want| want.file == file);
        let is_expected = expected
            .iter()
            .any(|want| want.file == file && want.line == line);
        if library_file && !is_expected {
            liveness.unexpected.push(format!("{file}:{line} {name}"));
        }
        let created = function["created"].as_u64().unwrap_or_default();
        if library_file && created > 0 {
            let completed = function["completed"].as_u64().unwrap_or_default();
            liveness.ran.push((name, created, completed));
        }
    }
    for wanted in exercise.map_or(&[][..], |exercise| exercise.completes) {
        let completed = functions.iter().any(|function| {
            path_ends_with(function["name"].as_str().unwrap_or_default(), wanted)
                && function["completed"].as_u64().unwrap_or_default() > 0
        });
        if !completed {
            liveness.not_completed.push((*wanted).to_owned());
        }
    }
    liveness
}

/// `mini_redis::client::Client::get` ends with `Client::get` and `get`, not with `et`.
fn path_ends_with(path: &str, suffix: &str) -> bool {
    path == suffix
        || path
            .strip_suffix(suffix)
            .is_some_and(|prefix| prefix.ends_with("::"))
}

/// The text report's paragraph for the function `name` (a path suffix).
pub fn paragraph<'a>(report_text: &'a str, name: &str) -> Option<&'a str> {
    report_text.split("\n\n").find(|paragraph| {
        paragraph
            .split_whitespace()
            .next()
            .is_some_and(|path| path_ends_with(path, name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(file: &str, line: usize, name: &str) -> Expected {
        Expected {
            file: file.to_owned(),
            line,
            name: name.to_owned(),
            behind_cfg: false,
        }
    }

    fn function(name: &str, file: &str, line: u64, created: u64, completed: u64) -> Value {
        serde_json::json!({
            "name": name,
            "location": { "file": file, "line": line, "column": 30 },
            "created": created,
            "completed": completed,
        })
    }

    const EXERCISE: Exercise = Exercise {
        crate_name: "demo",
        code: "",
        completes: &["Client::get"],
    };

    #[test]
    fn every_expected_function_registered_and_exercised_passes() {
        let report = serde_json::json!({ "functions": [
            function("demo::client::Client::get", "src/client.rs", 110, 1, 1),
            function("demo::db::purge", "src/db.rs", 331, 0, 0),
        ]});
        let liveness = check(
            &report,
            &[
                expected("src/client.rs", 110, "get"),
                expected("src/db.rs", 331, "purge"),
            ],
            Some(&EXERCISE),
        );
        assert!(liveness.passed(), "{liveness:?}");
        assert_eq!(liveness.registered, 2);
        assert_eq!(
            liveness.ran,
            [("demo::client::Client::get".to_owned(), 1, 1)]
        );
    }

    #[test]
    fn a_missing_an_unexpected_or_an_unfinished_function_fails() {
        let report = serde_json::json!({ "functions": [
            function("demo::client::Client::get", "src/client.rs", 110, 1, 0),
            function("demo::client::Client::sneaky", "src/client.rs", 200, 0, 0),
        ]});
        let liveness = check(
            &report,
            &[
                expected("src/client.rs", 110, "get"),
                expected("src/db.rs", 331, "purge"),
            ],
            Some(&EXERCISE),
        );
        assert!(!liveness.passed());
        assert_eq!(liveness.missing, ["src/db.rs:331 purge"]);
        assert_eq!(
            liveness.unexpected,
            ["src/client.rs:200 demo::client::Client::sneaky"]
        );
        assert_eq!(liveness.not_completed, ["Client::get"]);
    }

    #[test]
    fn a_function_behind_cfg_may_be_missing_but_is_not_unexpected() {
        let report = serde_json::json!({ "functions": [
            function("demo::sys::unix_only", "src/sys.rs", 5, 0, 0),
        ]});
        let gated = |line, name| Expected {
            behind_cfg: true,
            ..expected("src/sys.rs", line, name)
        };
        let liveness = check(
            &report,
            &[gated(5, "unix_only"), gated(9, "windows_only")],
            None,
        );
        assert!(liveness.passed(), "{liveness:?}");
        assert_eq!(liveness.registered, 0);
        assert_eq!(liveness.registered_behind_cfg, 1);
    }

    #[test]
    fn the_same_line_with_another_name_is_not_the_function() {
        let report = serde_json::json!({ "functions": [
            function("demo::client::Client::budget", "src/client.rs", 110, 0, 0),
        ]});
        let liveness = check(&report, &[expected("src/client.rs", 110, "get")], None);
        assert_eq!(liveness.missing, ["src/client.rs:110 get"]);
    }

    #[test]
    fn the_added_test_links_the_library_and_runs_the_exercise_first() {
        let source = test_source("mini_redis", exercise_for("mini-redis"));
        assert!(source.contains("use mini_redis as _;"));
        let exercise = source.find("client.set(").unwrap();
        let report = source.find("let report = stackless::report()").unwrap();
        assert!(exercise < report);
        syn::parse_file(&source).unwrap();
        syn::parse_file(&test_source("demo", None)).unwrap();
    }

    #[test]
    fn finds_a_functions_paragraph_in_the_text_report() {
        let text = "2 inspected functions\n\ndemo::client::Client::get  (src/client.rs:110:30)\n  future   96 B\n\ndemo::db::purge  (src/db.rs:331:10)\n  future   48 B";
        assert_eq!(
            paragraph(text, "Client::get"),
            Some("demo::client::Client::get  (src/client.rs:110:30)\n  future   96 B")
        );
        assert_eq!(paragraph(text, "t::get"), None);
    }
}
