//! How the runner builds `measure_build`, the binary that measures: in the workspace's
//! `measure` profile, with code aligned. The runner (`--bin overhead`) builds and runs it so,
//! and `tests/instructions.rs` builds it the same way to count its instructions again.

use std::process::Command;

/// The workspace profile `measure_build` is built in: release, in one codegen unit (see the
/// workspace `Cargo.toml`).
pub const MEASURE_PROFILE: &str = "measure";

/// Code generation flags for `measure_build`, on top of the profile: every function and every
/// jump target at the start of a 64-byte line, so that where the linker happens to put a
/// variant's code does not time it. Without them, plain and `stackless` with its features off,
/// the same code at two addresses, measured up to 0.14 ns per poll apart; with them, at most
/// 0.02. Padding that only jumps land after, never executed, so instruction counts stay put.
pub const ALIGNED_CODE: &str =
    "-Cllvm-args=-align-all-functions=6 -Cllvm-args=-align-all-nofallthru-blocks=6";

/// The flags variable to set for the measuring child, and its value: [`ALIGNED_CODE`] added to
/// the caller's own flags. Cargo reads `CARGO_ENCODED_RUSTFLAGS` (flags separated by `0x1f`)
/// in preference to `RUSTFLAGS`, so the flags go wherever the caller's would be read from:
/// set in the other variable they would be silently ignored, and the report would claim
/// aligned code it did not measure.
pub fn with_aligned_code(encoded: Option<String>, plain: Option<String>) -> (&'static str, String) {
    // Set at all, even empty, the encoded variable is the one cargo reads.
    if let Some(theirs) = encoded {
        let aligned = ALIGNED_CODE.replace(' ', "\x1f");
        let flags = if theirs.is_empty() {
            aligned
        } else {
            format!("{theirs}\x1f{aligned}")
        };
        return ("CARGO_ENCODED_RUSTFLAGS", flags);
    }
    match plain.filter(|flags| !flags.trim().is_empty()) {
        Some(theirs) => ("RUSTFLAGS", format!("{theirs} {ALIGNED_CODE}")),
        None => ("RUSTFLAGS", ALIGNED_CODE.to_owned()),
    }
}

/// `cargo SUBCOMMAND` (`build` or `run`) of `measure_build` in the `measure` profile with
/// [`ALIGNED_CODE`], with the package's `inspect` feature or without it; the caller adds the
/// rest. `cargo` is the command to start from, with its working directory set.
pub fn cargo(mut cargo: Command, subcommand: &str, inspect: bool) -> Command {
    // The profile's directory holds only these builds, so they never rebuild each other.
    let (variable, flags) = with_aligned_code(
        std::env::var("CARGO_ENCODED_RUSTFLAGS").ok(),
        std::env::var("RUSTFLAGS").ok(),
    );
    cargo.env(variable, flags);
    cargo.args([
        subcommand,
        "--profile",
        MEASURE_PROFILE,
        "-p",
        "stackless-overhead",
    ]);
    if !inspect {
        cargo.arg("--no-default-features");
    }
    cargo.args(["--bin", "measure_build"]);
    cargo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_code_goes_where_cargo_reads_the_callers_flags() {
        let own = |s: &str| Some(s.to_owned());
        assert_eq!(
            with_aligned_code(None, None),
            ("RUSTFLAGS", ALIGNED_CODE.to_owned())
        );
        assert_eq!(
            with_aligned_code(None, own("-Ctarget-cpu=native")),
            ("RUSTFLAGS", format!("-Ctarget-cpu=native {ALIGNED_CODE}"))
        );
        // Empty, but set: cargo reads it, and no longer `RUSTFLAGS`.
        assert_eq!(
            with_aligned_code(own(""), own("ignored")),
            ("CARGO_ENCODED_RUSTFLAGS", ALIGNED_CODE.replace(' ', "\x1f"))
        );
        assert_eq!(
            with_aligned_code(own("-Cdebuginfo=1\x1f-Cforce-frame-pointers"), own("ignored")),
            (
                "CARGO_ENCODED_RUSTFLAGS",
                "-Cdebuginfo=1\x1f-Cforce-frame-pointers\x1f-Cllvm-args=-align-all-functions=6\x1f-Cllvm-args=-align-all-nofallthru-blocks=6".to_owned()
            )
        );
    }
}
