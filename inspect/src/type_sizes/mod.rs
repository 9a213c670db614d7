//! A parser for rustc's `-Zprint-type-sizes` output (being written; see `parse.rs`).
//!
//! The data model below is the contract the `cargo stackless layout` command builds on.

mod parse;

pub use parse::parse;

use serde::Serialize;

/// Everything one compilation printed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TypeSizes {
    /// Every `print-type-size type: ...` entry, in output order.
    pub types: Vec<TypeLayout>,
    /// Lines that were not understood and were skipped (never an error).
    pub skipped_lines: usize,
}

/// One type: `print-type-size type: `NAME`: SIZE bytes, alignment: ALIGN bytes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeLayout {
    /// The type's name as rustc prints it, without the backticks.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
    /// `discriminant: N bytes`, for enums and coroutines.
    pub discriminant: Option<u64>,
    /// Fields printed directly under the type (structs), in output order.
    pub fields: Vec<Field>,
    /// `variant `NAME`: N bytes` entries (enums and coroutines: `Unresumed`, `Suspend0`, ...).
    pub variants: Vec<Variant>,
    /// `end padding: N bytes` at the type level.
    pub end_padding: Option<u64>,
}

/// One variant of an enum or coroutine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Variant {
    /// `Unresumed`, `Suspend0`, `Returned`, `Panicked`, or an enum variant's name.
    pub name: String,
    /// Size in bytes as printed.
    pub size: u64,
    /// Its fields in output order (upvars, locals, fields, padding).
    pub fields: Vec<Field>,
    /// `end padding: N bytes` inside the variant.
    pub end_padding: Option<u64>,
}

/// What a field line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// `upvar `.x``: a captured variable (stored once, in the prefix shared by every state).
    Upvar,
    /// `local `.x``: a local saved across an await in this state.
    Local,
    /// `field `.x``: a struct or enum field.
    Field,
    /// `padding: N bytes`.
    Padding,
}

/// One line inside a type or variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// What kind of line it is.
    pub kind: FieldKind,
    /// The name without the leading `.` (`url`, `__awaitee`, `.coroutine_field4`); `None` for
    /// padding.
    pub name: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// `, offset: N bytes`, when printed.
    pub offset: Option<u64>,
    /// `, alignment: N bytes`, when printed.
    pub align: Option<u64>,
    /// `, type: T`, when printed (rustc prints it for `__awaitee` and some others).
    pub ty: Option<String>,
}
