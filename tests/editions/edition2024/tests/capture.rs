//! The shared checks of `tests/editions/checks.rs`, run against edition 2024 code.

use edition2024 as cases;

#[path = "../../checks.rs"]
mod checks;
