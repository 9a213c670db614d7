//! The shared checks of `tests/editions/checks.rs`, run against edition 2021 code.

use edition2021 as cases;

#[path = "../../checks.rs"]
mod checks;
