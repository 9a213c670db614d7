//! The shared checks of `tests/editions/checks.rs`, run against edition 2018 code.

use edition2018 as cases;

#[path = "../../checks.rs"]
mod checks;
