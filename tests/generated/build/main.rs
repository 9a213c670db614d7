//! Draws async fns from proptest strategies and writes them, plain and annotated, to
//! `$OUT_DIR/generated.rs` (and a few deliberately different twins to `$OUT_DIR/mutants.rs`).
//!
//! `STACKLESS_GENERATED_FUNCTIONS` (default 300), `STACKLESS_GENERATED_SEED` (decimal or `0x`
//! hex) and `STACKLESS_GENERATED_START` (the first index) choose the batch. Function `i` of a
//! seed is drawn from an RNG seeded with the seed and `i` alone, so any one function can be
//! drawn again without the others.

mod emit;
mod print;
mod shape;
mod strategy;

use std::path::PathBuf;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::emit::Emitted;
use crate::shape::Function;

const DEFAULT_FUNCTIONS: u64 = 300;
const DEFAULT_SEED: u64 = 0x5eed_0fa5_9cf7;

/// Statements that make a twin differ, each added at the top of a mutant's body, with the
/// name the mismatch test knows it by.
const MUTATIONS: [(&str, &str); 4] = [
    ("extra_drop", "let _mutant = D::new(\"mutant\", 0);"),
    ("extra_suspension", "pend(1).await;"),
    (
        "larger_state",
        "let mutant = [0u8; 4096]; pend(0).await; ::std::hint::black_box(&mutant);",
    ),
    (
        "not_send",
        "let mutant = Rc::new(0); pend(0).await; drop(mutant);",
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=build");
    let functions = env_number("STACKLESS_GENERATED_FUNCTIONS", DEFAULT_FUNCTIONS);
    let seed = env_number("STACKLESS_GENERATED_SEED", DEFAULT_SEED);
    let start = env_number("STACKLESS_GENERATED_START", 0);
    let strategy = strategy::function();

    let batch: Vec<Emitted> = (start..start + functions)
        .map(|index| {
            let name = format!("f{index}");
            let printed = print::print(&name, &draw(&strategy, seed, index));
            Emitted {
                index,
                name,
                source: printed.source,
            }
        })
        .collect();
    write("generated.rs", &emit::batch(seed, start, &batch));

    // Mutants come from the first indices of the seed, whatever the batch; the one that must
    // become not `Send` starts from a function without an `Rc`.
    let mut index = 0;
    let mutants: Vec<(Emitted, &str)> = MUTATIONS
        .iter()
        .map(|&(name, mutation)| {
            loop {
                let printed = print::print(name, &draw(&strategy, seed, index));
                index += 1;
                if name == "not_send" && printed.uses_rc {
                    continue;
                }
                let emitted = Emitted {
                    index: index - 1,
                    name: name.to_owned(),
                    source: printed.source,
                };
                break (emitted, mutation);
            }
        })
        .collect();
    write("mutants.rs", &emit::mutants(seed, &mutants));
}

/// Function `index` of `seed`: the strategy's value under a ChaCha RNG seeded by both.
fn draw(strategy: &impl Strategy<Value = Function>, seed: u64, index: u64) -> Function {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&index.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    strategy
        .new_tree(&mut runner)
        .expect("the strategies reject nothing")
        .current()
}

fn env_number(name: &str, default: u64) -> u64 {
    println!("cargo:rerun-if-env-changed={name}");
    let Ok(text) = std::env::var(name) else {
        return default;
    };
    let text = text.trim().replace('_', "");
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number (decimal, or hex after 0x)"))
}

fn write(file: &str, contents: &str) {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join(file), contents).expect("OUT_DIR is writable");
}
