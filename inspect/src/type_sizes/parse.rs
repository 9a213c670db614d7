//! Parsing `-Zprint-type-sizes` text into [`TypeSizes`].
//!
//! rustc prints one item a line (`rustc_session/src/code_stats.rs`), each behind the
//! `print-type-size ` prefix, and the indentation after the prefix says what the item belongs to:
//!
//! ```text
//! print-type-size type: `{async fn body of f()}`: 16 bytes, alignment: 8 bytes   <- depth 0
//! print-type-size     variant `Suspend0`: 15 bytes                               <- depth 4
//! print-type-size         local `.__awaitee`: 1 bytes, type: Tick                <- depth 8
//! ```
//!
//! The parser is a small state machine over those depths: a type opens at depth 0, a variant at
//! depth 4, and every line closes what was open at its own depth or deeper. Lines it cannot read
//! are counted in `skipped_lines`, never an error, because this output is unstable (`-Z`) and
//! arrives mixed with cargo's own.

use super::{Field, FieldKind, TypeLayout, TypeSizes, Variant};

/// What rustc puts in front of every line it prints for `-Zprint-type-sizes`.
const PREFIX: &str = "print-type-size ";

/// Parses rustc's output; never panics, skips (and counts) lines it does not understand.
///
/// Lenient where rustc's format has varied or may vary: `1 byte` as well as `1 bytes`, the old
/// bracketed type names (`[static generator@src/main.rs:3:5: 5:6]`), CRLF line ends, and sizes
/// beyond `u64` (they saturate at `u64::MAX`). Strict where being lenient would put a field in
/// the wrong place: a line that cannot be read still closes the type or variant it would have
/// ended, so what follows it is skipped rather than added to the type before it.
pub fn parse(output: &str) -> TypeSizes {
    let mut builder = Builder::default();
    for line in output.lines() {
        builder.read_line(line);
    }
    builder.sizes
}

/// How far a line is indented after the prefix, which is what it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Depth {
    /// No indentation: a `type:` line.
    Type,
    /// Four spaces: an item of the type (discriminant, variant, field, end padding).
    InType,
    /// Eight spaces: an item of the variant above it.
    InVariant,
}

/// One line's content, before it is placed in the tree.
#[derive(Debug)]
enum Item {
    Type { name: String, size: u64, align: u64 },
    Discriminant(u64),
    Variant { name: String, size: u64 },
    Field(Field),
    EndPadding(u64),
}

/// The tree built so far, and which of its last type and variant may still take items.
#[derive(Default)]
struct Builder {
    sizes: TypeSizes,
    type_open: bool,
    variant_open: bool,
}

impl Builder {
    fn read_line(&mut self, line: &str) {
        if !self.record(line) {
            self.sizes.skipped_lines += 1;
        }
    }

    /// Places the line in the tree; returns whether it was recorded.
    fn record(&mut self, line: &str) -> bool {
        // rustc never ends a line with whitespace; trimming tolerates CRLF captures.
        let line = line.trim_end();
        // No prefix at all: cargo's own output, which sits between rustc's lines without
        // interrupting them.
        let Some(start) = line.find(PREFIX) else {
            return false;
        };
        let Some((depth, body)) = split_indent(&line[start + PREFIX.len()..]) else {
            return false;
        };
        self.close_from(depth);
        // Text in front of the prefix means rustc's line was damaged (two writers on one
        // pipe): its place in the tree is known, so it closes what it ends, but its content is
        // not trusted.
        if start != 0 {
            return false;
        }
        match parse_item(body) {
            Some(item) => self.attach(depth, item),
            None => false,
        }
    }

    /// A line at `depth` ends whatever was open at that depth or deeper.
    fn close_from(&mut self, depth: Depth) {
        match depth {
            Depth::Type => {
                self.type_open = false;
                self.variant_open = false;
            }
            Depth::InType => self.variant_open = false,
            Depth::InVariant => {}
        }
    }

    fn attach(&mut self, depth: Depth, item: Item) -> bool {
        match (depth, item) {
            (Depth::Type, Item::Type { name, size, align }) => {
                self.sizes.types.push(TypeLayout {
                    name,
                    size,
                    align,
                    discriminant: None,
                    fields: Vec::new(),
                    variants: Vec::new(),
                    end_padding: None,
                });
                self.type_open = true;
                true
            }
            (Depth::InType, item) => self.attach_to_type(item),
            (Depth::InVariant, item) => self.attach_to_variant(item),
            (Depth::Type, _) => false,
        }
    }

    fn attach_to_type(&mut self, item: Item) -> bool {
        let Some(layout) = self.open_type() else {
            return false;
        };
        match item {
            Item::Discriminant(size) => set_once(&mut layout.discriminant, size),
            Item::Field(field) => {
                layout.fields.push(field);
                true
            }
            Item::EndPadding(size) => set_once(&mut layout.end_padding, size),
            Item::Variant { name, size } => {
                layout.variants.push(Variant {
                    name,
                    size,
                    fields: Vec::new(),
                    end_padding: None,
                });
                self.variant_open = true;
                true
            }
            Item::Type { .. } => false,
        }
    }

    fn attach_to_variant(&mut self, item: Item) -> bool {
        let Some(variant) = self.open_variant() else {
            return false;
        };
        match item {
            Item::Field(field) => {
                variant.fields.push(field);
                true
            }
            Item::EndPadding(size) => set_once(&mut variant.end_padding, size),
            Item::Type { .. } | Item::Discriminant(_) | Item::Variant { .. } => false,
        }
    }

    fn open_type(&mut self) -> Option<&mut TypeLayout> {
        if self.type_open {
            self.sizes.types.last_mut()
        } else {
            None
        }
    }

    fn open_variant(&mut self) -> Option<&mut Variant> {
        if self.variant_open {
            self.open_type()?.variants.last_mut()
        } else {
            None
        }
    }
}

/// rustc prints a discriminant or an end padding at most once per scope; a second one is not
/// its output, so it is skipped rather than allowed to overwrite the first.
fn set_once(slot: &mut Option<u64>, value: u64) -> bool {
    if slot.is_some() {
        return false;
    }
    *slot = Some(value);
    true
}

/// Splits the indentation off; any other amount than rustc's 0, 4 or 8 spaces is unreadable.
fn split_indent(after_prefix: &str) -> Option<(Depth, &str)> {
    let body = after_prefix.trim_start_matches(' ');
    let depth = match after_prefix.len() - body.len() {
        0 => Depth::Type,
        4 => Depth::InType,
        8 => Depth::InVariant,
        _ => return None,
    };
    Some((depth, body))
}

/// The kinds of named field lines, by the word rustc starts them with.
const NAMED_FIELDS: [(&str, FieldKind); 3] = [
    ("upvar `.", FieldKind::Upvar),
    ("local `.", FieldKind::Local),
    ("field `.", FieldKind::Field),
];

fn parse_item(body: &str) -> Option<Item> {
    if let Some(rest) = body.strip_prefix("type: `") {
        return parse_type(rest);
    }
    if let Some(rest) = body.strip_prefix("variant `") {
        return parse_variant(rest);
    }
    if let Some(rest) = body.strip_prefix("discriminant: ") {
        return exact_bytes(rest).map(Item::Discriminant);
    }
    if let Some(rest) = body.strip_prefix("end padding: ") {
        return exact_bytes(rest).map(Item::EndPadding);
    }
    if let Some(rest) = body.strip_prefix("padding: ") {
        return exact_bytes(rest).map(|size| Item::Field(padding(size)));
    }
    NAMED_FIELDS.iter().find_map(|&(word, kind)| {
        let rest = body.strip_prefix(word)?;
        parse_named_field(kind, rest).map(Item::Field)
    })
}

/// `NAME`: SIZE bytes, alignment: ALIGN bytes` (the opening backtick already consumed).
fn parse_type(rest: &str) -> Option<Item> {
    name_then_tail(rest).find_map(|(name, tail)| {
        let (size, tail) = bytes(tail)?;
        let align = exact_bytes(tail.strip_prefix(", alignment: ")?)?;
        Some(Item::Type {
            name: name.to_owned(),
            size,
            align,
        })
    })
}

/// `NAME`: SIZE bytes` (the opening backtick already consumed).
fn parse_variant(rest: &str) -> Option<Item> {
    name_then_tail(rest).find_map(|(name, tail)| {
        Some(Item::Variant {
            name: name.to_owned(),
            size: exact_bytes(tail)?,
        })
    })
}

/// `NAME`: SIZE bytes[, offset: N bytes][, alignment: N bytes][, type: T]` (the opening
/// backtick and the dot rustc puts before every field name already consumed).
fn parse_named_field(kind: FieldKind, rest: &str) -> Option<Field> {
    name_then_tail(rest).find_map(|(name, tail)| {
        let (size, tail) = bytes(tail)?;
        let (offset, tail) = optional_bytes(tail, ", offset: ")?;
        let (align, tail) = optional_bytes(tail, ", alignment: ")?;
        Some(Field {
            kind,
            name: Some(name.to_owned()),
            size,
            offset,
            align,
            ty: type_suffix(tail)?,
        })
    })
}

fn padding(size: u64) -> Field {
    Field {
        kind: FieldKind::Padding,
        name: None,
        size,
        offset: None,
        align: None,
        ty: None,
    }
}

/// Every way to split `NAME`: TAIL` at a closing backtick followed by `: `.
///
/// Names can hold backticks and `: ` themselves (closure spans, const-generic strings), so no
/// single split is right; callers take the first whose tail reads in full.
fn name_then_tail(rest: &str) -> impl Iterator<Item = (&str, &str)> {
    rest.match_indices("`: ")
        .map(move |(at, separator)| (&rest[..at], &rest[at + separator.len()..]))
}

/// `N bytes` (or `N byte`) and what follows it.
fn bytes(text: &str) -> Option<(u64, &str)> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if digits_end == 0 {
        return None;
    }
    let (digits, rest) = text.split_at(digits_end);
    let rest = rest
        .strip_prefix(" bytes")
        .or_else(|| rest.strip_prefix(" byte"))?;
    // Only ASCII digits are left, so the one way `parse` can fail is overflow.
    Some((digits.parse().unwrap_or(u64::MAX), rest))
}

/// `N bytes` and nothing after it.
fn exact_bytes(text: &str) -> Option<u64> {
    match bytes(text)? {
        (size, "") => Some(size),
        _ => None,
    }
}

/// `LABEL N bytes` if the text starts with the label; `None` only if the label is there but
/// its number is not.
fn optional_bytes<'a>(text: &'a str, label: &str) -> Option<(Option<u64>, &'a str)> {
    match text.strip_prefix(label) {
        Some(rest) => bytes(rest).map(|(size, rest)| (Some(size), rest)),
        None => Some((None, text)),
    }
}

/// The `, type: T` rustc adds to some fields, or nothing; `None` if anything else is left.
///
/// The type runs to the end of the line: it is the last suffix and may itself contain `, ` and
/// `: ` (`Probe<Site, 0, {async fn body of connect()}>`).
fn type_suffix(tail: &str) -> Option<Option<String>> {
    if tail.is_empty() {
        return Some(None);
    }
    let ty = tail.strip_prefix(", type: ")?;
    (!ty.is_empty()).then(|| Some(ty.to_owned()))
}
