//! `cargo run -p stackless-book --bin generate`: writes every report, table and
//! picture the book shows to `book/src/generated/` (see `generator`).

use std::path::PathBuf;
use std::process::ExitCode;

mod generator;

fn main() -> ExitCode {
    let target_dir = layout_target_dir();
    let outputs = match generator::all(&target_dir) {
        Ok(outputs) => outputs,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let directory = generator::generated_dir();
    for output in &outputs {
        let path = directory.join(output.file);
        let unchanged =
            std::fs::read_to_string(&path).ok().as_ref() == Some(&output.contents);
        if !unchanged {
            if let Err(error) = std::fs::write(&path, &output.contents) {
                eprintln!("error: cannot write {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
            println!("wrote book/src/generated/{}", output.file);
        }
    }
    for problem in generator::stale(&outputs, &directory) {
        println!("note: {problem}");
    }
    println!("{} files in book/src/generated/ are current", outputs.len());
    ExitCode::SUCCESS
}

/// `<target dir>/tmp/stackless-book-layout`: where this binary is `<target
/// dir>/debug/generate`, and the directory `tests/generated.rs` uses too
/// (`CARGO_TARGET_TMPDIR` is `<target dir>/tmp`).
fn layout_target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the path of this program");
    let target = exe
        .parent()
        .and_then(|profile| profile.parent())
        .expect("the program is in <target dir>/<profile>/");
    target.join("tmp").join("stackless-book-layout")
}
