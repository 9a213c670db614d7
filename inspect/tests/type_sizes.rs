//! The `-Zprint-type-sizes` parser against real rustc output, every line form, and random input.
//!
//! The `rustc-1.95.0-*` fixtures were printed by rustc 1.95.0 (59807616e 2026-04-14); their
//! sizes are that toolchain's. `tests/fixtures/print-type-sizes/README.md` says how each was made
//! and `sources/` holds the crates that made them.

use std::path::{Path, PathBuf};

use FieldKind::{Field as F, Local as L, Padding as P, Upvar as U};
use stackless_inspect::type_sizes::{Field, FieldKind, TypeLayout, TypeSizes, Variant, parse};

const PREFIX: &str = "print-type-size ";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/print-type-sizes")
}

fn fixture(name: &str) -> String {
    let path = fixture_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parsed(name: &str) -> TypeSizes {
    parse(&fixture(name))
}

/// Every `.txt` fixture, by file name, sorted so runs are reproducible.
fn all_fixtures() -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("fixture directory")
        .map(|entry| {
            entry
                .expect("fixture entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .filter(|name| name.ends_with(".txt"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = fixture(&name);
            (name, text)
        })
        .collect()
}

const JUNK_FIXTURE: &str = "rustc-1.95.0-cargo-output-with-warnings.txt";

fn find<'a>(sizes: &'a TypeSizes, name: &str) -> &'a TypeLayout {
    sizes
        .types
        .iter()
        .find(|layout| layout.name == name)
        .unwrap_or_else(|| panic!("no type `{name}` in {:#?}", names(sizes)))
}

fn names(sizes: &TypeSizes) -> Vec<&str> {
    sizes
        .types
        .iter()
        .map(|layout| layout.name.as_str())
        .collect()
}

fn variant<'a>(layout: &'a TypeLayout, name: &str) -> &'a Variant {
    layout
        .variants
        .iter()
        .find(|variant| variant.name == name)
        .unwrap_or_else(|| panic!("no variant `{name}` in `{}`", layout.name))
}

fn variant_names(layout: &TypeLayout) -> Vec<&str> {
    layout
        .variants
        .iter()
        .map(|variant| variant.name.as_str())
        .collect()
}

fn named<'a>(fields: &'a [Field], name: &str) -> &'a Field {
    fields
        .iter()
        .find(|field| field.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no field `{name}` in {fields:#?}"))
}

/// Fields in a compact form: (kind, name, size, offset, align, type).
type Row<'a> = (
    FieldKind,
    Option<&'a str>,
    u64,
    Option<u64>,
    Option<u64>,
    Option<&'a str>,
);

fn rows(fields: &[Field]) -> Vec<Row<'_>> {
    fields
        .iter()
        .map(|f| {
            (
                f.kind,
                f.name.as_deref(),
                f.size,
                f.offset,
                f.align,
                f.ty.as_deref(),
            )
        })
        .collect()
}

/// How many input lines the parse recorded somewhere: each one shows up exactly once.
fn recorded_lines(sizes: &TypeSizes) -> usize {
    sizes
        .types
        .iter()
        .map(|layout| {
            let variants: usize = layout
                .variants
                .iter()
                .map(|v| 1 + v.fields.len() + usize::from(v.end_padding.is_some()))
                .sum();
            1 + usize::from(layout.discriminant.is_some())
                + layout.fields.len()
                + usize::from(layout.end_padding.is_some())
                + variants
        })
        .sum()
}

/// Every line is either recorded once or counted as skipped: nothing is lost or invented.
fn assert_every_line_accounted_for(input: &str, sizes: &TypeSizes) {
    assert_eq!(
        recorded_lines(sizes) + sizes.skipped_lines,
        input.lines().count(),
        "lines recorded plus skipped must be the lines read, for input {input:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Real fixtures

#[test]
fn every_rustc_fixture_parses_without_skipping_a_line() {
    let fixtures = all_fixtures();
    // A fixture that goes missing must fail this test, not shrink it.
    assert_eq!(
        fixtures.len(),
        10,
        "{:?}",
        fixtures.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (name, text) in fixtures.iter().filter(|(name, _)| name != JUNK_FIXTURE) {
        let sizes = parse(text);
        assert_eq!(sizes.skipped_lines, 0, "{name}");
        assert!(!sizes.types.is_empty(), "{name}");
        assert_every_line_accounted_for(text, &sizes);
        let type_lines = text
            .lines()
            .filter(|l| l.starts_with("print-type-size type: "))
            .count();
        assert_eq!(sizes.types.len(), type_lines, "{name}");
    }
}

#[test]
fn cargo_output_around_the_sizes_is_skipped_and_counted() {
    let text = fixture(JUNK_FIXTURE);
    let sizes = parse(&text);
    // In front: `Compiling`, two warnings with their snippets and blank lines (15 lines).
    // Behind: cargo's warning summary and `Finished` (2 lines).
    assert_eq!(sizes.skipped_lines, 17);
    assert_eq!(
        sizes.skipped_lines,
        text.lines().filter(|l| !l.starts_with(PREFIX)).count()
    );
    assert_every_line_accounted_for(&text, &sizes);
    assert_eq!(sizes.types.len(), 23);

    let future = find(&sizes, "{async fn body of unused_arg()}");
    assert_eq!(
        (future.size, future.align, future.discriminant),
        (24, 8, Some(1))
    );
    assert_eq!(variant_names(future), ["Unresumed", "Returned", "Panicked"]);
    assert_eq!(
        rows(&variant(future, "Unresumed").fields),
        [
            (U, Some("header"), 8, Some(0), Some(4), None),
            (U, Some("extra"), 8, None, None, None),
        ]
    );
    assert_eq!(future.end_padding, Some(7));
    let header = find(&sizes, "Header");
    assert_eq!(
        (header.size, header.align, header.end_padding),
        (8, 4, Some(3))
    );
}

#[test]
fn async_fn_states_hold_upvars_locals_and_the_awaitee() {
    let sizes = parsed("rustc-1.95.0-async-fn-locals.txt");
    let fetch = find(&sizes, "{async fn body of fetch()}");
    assert_eq!(
        (fetch.size, fetch.align, fetch.discriminant),
        (128, 8, Some(1))
    );
    assert!(fetch.fields.is_empty());
    assert_eq!(fetch.end_padding, Some(7));
    assert_eq!(
        variant_names(fetch),
        ["Unresumed", "Suspend0", "Suspend1", "Returned", "Panicked"]
    );
    let sizes_of_states: Vec<u64> = fetch.variants.iter().map(|v| v.size).collect();
    assert_eq!(sizes_of_states, [53, 95, 120, 53, 53]);

    let suspend0 = variant(fetch, "Suspend0");
    assert_eq!(
        rows(&suspend0.fields),
        [
            (U, Some("url"), 24, Some(0), Some(8), None),
            (L, Some("url"), 24, None, None, None),
            (P, None, 5, None, None, None),
            (U, Some("retries"), 1, None, Some(1), None),
            (L, Some("retries"), 1, None, None, None),
            (P, None, 1, None, None, None),
            (
                L,
                Some("__awaitee"),
                40,
                None,
                Some(8),
                Some("{async fn body of connect()}")
            ),
        ]
    );
    assert_eq!(suspend0.end_padding, None);

    let suspend1 = variant(fetch, "Suspend1");
    assert_eq!(
        named(&suspend1.fields, "__awaitee").ty.as_deref(),
        Some("Tick")
    );
    assert_eq!(named(&suspend1.fields, "buf").size, 64);
    assert_eq!(named(&suspend1.fields, "conn").kind, L);

    // The awaitee's type is itself in the output, so a report can follow the chain down.
    let connect = find(&sizes, "{async fn body of connect()}");
    assert_eq!(connect.size, 40);
    assert_eq!(
        named(&variant(connect, "Suspend0").fields, "addr").offset,
        Some(0)
    );
}

#[test]
fn unnamed_temporaries_keep_rustcs_coroutine_field_names() {
    let sizes = parsed("rustc-1.95.0-async-fn-locals.txt");
    let temporaries = find(&sizes, "{async fn body of temporaries()}");
    // rustc prints `..coroutine_field0`: the usual `.` before a name that starts with one.
    assert_eq!(
        rows(&variant(temporaries, "Suspend0").fields),
        [
            (
                L,
                Some(".coroutine_field0"),
                16,
                Some(0),
                Some(8),
                Some("&[u8]")
            ),
            (U, Some("n"), 8, None, None, None),
            (
                L,
                Some(".coroutine_field1"),
                24,
                None,
                None,
                Some("Vec<u8>")
            ),
            (L, Some("__awaitee"), 1, None, None, Some("Tick")),
        ]
    );
    assert_eq!(
        rows(&variant(temporaries, "Unresumed").fields),
        [
            (P, None, 15, None, None, None),
            (U, Some("n"), 8, None, Some(8), None)
        ]
    );
}

#[test]
fn a_union_and_other_std_types_read_like_user_types() {
    let sizes = parsed("rustc-1.95.0-async-fn-locals.txt");
    let uninit = find(&sizes, "std::mem::MaybeUninit<[u8; 64]>");
    assert_eq!(uninit.discriminant, None);
    assert_eq!(
        rows(&variant(uninit, "MaybeUninit").fields),
        [
            (F, Some("uninit"), 0, None, None, None),
            (F, Some("value"), 64, None, None, None)
        ]
    );
    let poll = find(&sizes, "std::task::Poll<usize>");
    assert_eq!(poll.discriminant, Some(8));
    assert_eq!(variant_names(poll), ["Ready", "Pending"]);
}

#[test]
fn each_instantiation_of_a_generic_async_fn_is_its_own_type() {
    let sizes = parsed("rustc-1.95.0-generic-async-fn.txt");
    let large = find(&sizes, "{async fn body of hold<[u64; 16]>()}");
    let small = find(&sizes, "{async fn body of hold<u8>()}");
    assert_eq!(
        (large.size, large.align, large.end_padding),
        (392, 8, Some(6))
    );
    assert_eq!((small.size, small.align, small.end_padding), (5, 1, None));
    assert_eq!(variant_names(large), variant_names(small));
    assert_eq!(
        rows(&variant(small, "Suspend0").fields),
        [
            (U, Some("value"), 1, None, None, None),
            (L, Some("value"), 1, None, None, None),
            (L, Some("copy"), 1, None, None, None),
            (L, Some("__awaitee"), 1, None, None, Some("Tick")),
        ]
    );
    assert_eq!(named(&variant(large, "Suspend0").fields, "copy").size, 128);
}

#[test]
fn closures_print_their_size_as_end_padding_and_async_closure_bodies_as_coroutines() {
    let sizes = parsed("rustc-1.95.0-closures.txt");
    let owned = find(&sizes, "{closure@src/lib.rs:4:17: 4:24}");
    // rustc records no fields for closures: the captures show only as end padding.
    assert_eq!(
        (owned.size, owned.align, owned.end_padding),
        (32, 8, Some(32))
    );
    assert!(owned.fields.is_empty() && owned.variants.is_empty() && owned.discriminant.is_none());
    let inner = find(&sizes, "{closure@src/lib.rs:5:26: 5:38}");
    assert_eq!((inner.size, inner.align), (2, 1));

    let body = find(&sizes, "{async closure body@src/lib.rs:11:36: 11:56}");
    assert_eq!(variant_names(body), ["Unresumed", "Returned", "Panicked"]);
    assert_eq!(
        rows(&variant(body, "Returned").fields),
        [
            (U, Some("_ref__s"), 8, Some(0), Some(8), None),
            (U, Some("n"), 1, None, None, None),
        ]
    );
}

#[test]
fn enums_with_niches_tags_and_unions() {
    let sizes = parsed("rustc-1.95.0-enums-niche-and-discriminant.txt");

    // `String`'s capacity has a niche: no separate discriminant, largest variant first.
    let message = find(&sizes, "Message");
    assert_eq!(message.discriminant, None);
    assert_eq!(variant_names(message), ["Write", "Move", "Color", "Quit"]);
    assert_eq!(
        rows(&variant(message, "Move").fields),
        [
            (P, None, 8, None, None, None),
            (F, Some("x"), 4, None, Some(4), None),
            (F, Some("y"), 4, None, None, None),
        ]
    );
    assert!(variant(message, "Quit").fields.is_empty());

    let option = find(&sizes, "std::option::Option<std::boxed::Box<u8>>");
    assert_eq!((option.size, option.discriminant), (8, None));

    let level = find(&sizes, "Level");
    assert_eq!(
        (level.size, level.align, level.discriminant),
        (2, 2, Some(2))
    );
    assert!(
        level
            .variants
            .iter()
            .all(|v| v.size == 0 && v.fields.is_empty())
    );

    // A union's fields overlap, so rustc prints the second one's offset.
    let bits = find(&sizes, "Bits");
    assert_eq!(
        rows(&variant(bits, "Bits").fields),
        [
            (F, Some("bytes"), 3, None, None, None),
            (F, Some("int"), 8, Some(0), Some(8), None)
        ]
    );

    let result = find(&sizes, "std::result::Result<(), std::fmt::Error>");
    assert_eq!(named(&variant(result, "Ok").fields, "0").size, 0);
}

#[test]
fn nested_async_blocks_name_each_other_as_awaitees() {
    let sizes = parsed("rustc-1.95.0-nested-async-blocks.txt");
    let outer = find(&sizes, "{async fn body of outer()}");
    let awaitee = named(&variant(outer, "Suspend0").fields, "__awaitee");
    let middle_name = "{async block@src/lib.rs:22:17: 22:22}";
    assert_eq!(awaitee.ty.as_deref(), Some(middle_name));
    assert_eq!((awaitee.size, awaitee.align), (48, Some(8)));

    let middle = find(&sizes, middle_name);
    assert_eq!(middle.size, awaitee.size);
    let captured = named(&variant(middle, "Unresumed").fields, "_ref__name");
    assert_eq!(
        (captured.kind, captured.size, captured.offset),
        (U, 8, Some(0))
    );
    let inner_name = named(&variant(middle, "Suspend0").fields, "__awaitee")
        .ty
        .as_deref();
    assert_eq!(inner_name, Some("{async block@src/lib.rs:24:25: 24:35}"));
    assert_eq!(
        find(&sizes, inner_name.unwrap_or_default()).end_padding,
        Some(6)
    );
}

#[test]
fn struct_fields_padding_and_end_padding() {
    let sizes = parsed("rustc-1.95.0-struct-padding.txt");
    let end_padded = find(&sizes, "EndPadded");
    assert_eq!(
        rows(&end_padded.fields),
        [
            (F, Some("a"), 8, None, None, None),
            (F, Some("b"), 1, None, None, None)
        ]
    );
    assert_eq!(end_padded.end_padding, Some(7));

    let interior = find(&sizes, "Interior");
    assert_eq!(
        rows(&interior.fields),
        [
            (F, Some("flag"), 1, None, None, None),
            (P, None, 3, None, None, None),
            (F, Some("wide"), 4, None, Some(4), None),
            (F, Some("tail"), 2, None, None, None),
        ]
    );
    assert_eq!(interior.end_padding, Some(2));

    let packed = find(&sizes, "Packed");
    assert_eq!(
        (packed.size, packed.align, packed.end_padding),
        (5, 1, None)
    );
    assert!(
        packed
            .fields
            .iter()
            .all(|f| f.kind == F && f.align.is_none())
    );

    let aligned = find(&sizes, "Aligned");
    assert_eq!(
        (aligned.size, aligned.align, aligned.end_padding),
        (16, 16, Some(15))
    );
    let empty = find(&sizes, "std::marker::PhantomData<&str>");
    assert_eq!(
        (empty.size, empty.fields.len(), empty.variants.len()),
        (0, 0, 0)
    );
}

#[test]
fn coroutines_plain_and_static() {
    let sizes = parsed("rustc-1.95.0-coroutines.txt");
    let plain = find(&sizes, "{coroutine@src/lib.rs:9:5: 9:7}");
    assert_eq!(
        (
            plain.size,
            plain.align,
            plain.discriminant,
            plain.end_padding
        ),
        (33, 1, Some(1), None)
    );
    assert_eq!(
        rows(&variant(plain, "Suspend0").fields),
        [(L, Some("array"), 32, None, None, None)]
    );

    let pinned = find(&sizes, "{static coroutine@src/lib.rs:15:5: 15:14}");
    assert_eq!(
        rows(&variant(pinned, "Suspend0").fields),
        [
            (L, Some("array"), 16, Some(0), Some(1), None),
            (L, Some("borrow"), 8, None, None, None),
        ]
    );
    assert_eq!(pinned.end_padding, Some(7));
}

#[test]
fn instrumented_futures_show_the_probe_as_their_awaitee() {
    let sizes = parsed("rustc-1.95.0-instrumented-and-plain.txt");
    let wrapper = find(
        &sizes,
        "stackless::__private::Instrumented<fetch::__StacklessSite, {async block@src/lib.rs:6:42: 11:2}>",
    );
    assert_eq!(
        rows(&wrapper.fields),
        [
            (F, Some("future"), 1112, None, None, None),
            (F, Some("state"), 2, None, None, None),
            (F, Some("site"), 0, None, None, None),
        ]
    );
    assert_eq!(wrapper.end_padding, Some(6));

    let body = find(&sizes, "{async block@src/lib.rs:6:42: 11:2}");
    let probe = named(&variant(body, "Suspend1").fields, "__awaitee");
    assert_eq!(
        probe.ty.as_deref(),
        Some("stackless::__private::Probe<__StacklessSite, 1, {async fn body of Conn::read()}>")
    );
    let plain = find(&sizes, "{async fn body of plain()}");
    assert_eq!(plain.size, body.size);
    assert_eq!(
        named(&variant(plain, "Suspend1").fields, "__awaitee")
            .ty
            .as_deref(),
        Some("{async fn body of Conn::read()}")
    );
    // Closure names from other crates carry paths with `::` and `{...}` of their own.
    find(
        &sizes,
        "{closure@stackless_inspect::counters::CURRENT_SHARD::{constant#0}::{closure#1}}",
    );
}

/// Older rustc printed bracketed names and, before `upvar`/`local` existed, `field` lines inside
/// generator variants: rust-lang/rust's `tests/ui/print_type_sizes/generator.stdout` had
/// `[generator@$DIR/generator.rs:10:5: 10:14]`, and `tests/ui/async-await/future-sizes/
/// large-arg.stdout` had `[async fn body@$DIR/large-arg.rs:5:21: 7:2]` with
/// `field `.__awaitee`: 3075 bytes, offset: 0 bytes, alignment: 1 bytes`. The
/// `[static generator@...]` and `GenFuture<...>` names are as rustc's messages of that time
/// print them. The fixture is written by hand in that format (see the fixtures' README).
#[test]
fn bracketed_names_from_older_rustc() {
    let sizes = parsed("handwritten-bracket-names.txt");
    assert_eq!(sizes.skipped_lines, 0);
    assert_eq!(
        names(&sizes),
        [
            "[generator@src/main.rs:10:5: 10:14]",
            "[async fn body@src/lib.rs:5:21: 7:2]",
            "std::future::from_generator::GenFuture<[static generator@src/main.rs:7:16: 10:2]>",
            "[static generator@src/main.rs:7:16: 10:2]",
            "[closure@src/main.rs:2:13: 2:20]",
        ]
    );
    let generator = &sizes.types[0];
    assert_eq!(
        variant_names(generator),
        ["Unresumed", "Returned", "Panicked", "Suspend0"]
    );
    let old_awaitee = &variant(&sizes.types[1], "Suspend0").fields;
    assert_eq!(
        rows(old_awaitee),
        [(F, Some("__awaitee"), 3075, Some(0), Some(1), None)]
    );
    let static_generator = &sizes.types[3];
    assert_eq!(
        rows(&variant(static_generator, "Suspend0").fields),
        [
            (P, None, 3, None, None, None),
            (L, Some("w"), 4, None, Some(4), None),
            (L, Some("z"), 8, None, None, None),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Every line form, and the edges

/// One document with every form: type, discriminant, variant, upvar, local, field, padding and
/// end padding at both levels, the three suffixes alone and together, and `byte` for `bytes`.
/// Two of these are leniency rather than rustc 1.95's output: its `code_stats.rs` prints end
/// padding only at the type level, and always writes `bytes`.
#[test]
fn every_line_form() {
    let text = "\
print-type-size type: `{async fn body of f()}`: 40 bytes, alignment: 8 bytes
print-type-size     discriminant: 1 byte
print-type-size     field `.head`: 1 bytes, offset: 0 bytes, alignment: 1 bytes
print-type-size     padding: 7 bytes
print-type-size     variant `Suspend0`: 39 bytes
print-type-size         upvar `.url`: 24 bytes, offset: 0 bytes
print-type-size         local `.n`: 4 bytes, alignment: 4 bytes
print-type-size         padding: 4 bytes
print-type-size         local `.__awaitee`: 1 bytes, type: Tick
print-type-size         field `.f`: 2 bytes, offset: 8 bytes, alignment: 2 bytes, type: u16
print-type-size         end padding: 3 bytes
print-type-size     variant `Returned`: 0 bytes
print-type-size     end padding: 1 bytes
";
    let sizes = parse(text);
    assert_eq!(sizes.skipped_lines, 0);
    let expected = TypeLayout {
        name: "{async fn body of f()}".into(),
        size: 40,
        align: 8,
        discriminant: Some(1),
        fields: vec![
            field(F, Some("head"), 1, Some(0), Some(1), None),
            field(P, None, 7, None, None, None),
        ],
        variants: vec![
            Variant {
                name: "Suspend0".into(),
                size: 39,
                fields: vec![
                    field(U, Some("url"), 24, Some(0), None, None),
                    field(L, Some("n"), 4, None, Some(4), None),
                    field(P, None, 4, None, None, None),
                    field(L, Some("__awaitee"), 1, None, None, Some("Tick")),
                    field(F, Some("f"), 2, Some(8), Some(2), Some("u16")),
                ],
                end_padding: Some(3),
            },
            Variant {
                name: "Returned".into(),
                size: 0,
                fields: vec![],
                end_padding: None,
            },
        ],
        end_padding: Some(1),
    };
    assert_eq!(sizes.types, [expected]);
}

fn field(
    kind: FieldKind,
    name: Option<&str>,
    size: u64,
    offset: Option<u64>,
    align: Option<u64>,
    ty: Option<&str>,
) -> Field {
    Field {
        kind,
        name: name.map(Into::into),
        size,
        offset,
        align,
        ty: ty.map(Into::into),
    }
}

/// Names and types that hold the format's own punctuation: `: `, backticks, `, `, braces.
#[test]
fn names_and_types_with_the_formats_own_punctuation() {
    let text = "\
print-type-size type: `Foo<\"a`: b\", {closure@src/a.rs:1:2: 3:4}>`: 16 bytes, alignment: 8 bytes
print-type-size     field `.weird`: name`: 8 bytes, type: Probe<Site, 0, {async fn body of g()}>
print-type-size     field `.t`: 8 bytes, type: X, offset: 3 bytes`: 9 bytes
";
    let sizes = parse(text);
    assert_eq!(sizes.skipped_lines, 0);
    let layout = &sizes.types[0];
    assert_eq!(layout.name, "Foo<\"a`: b\", {closure@src/a.rs:1:2: 3:4}>");
    assert_eq!(
        rows(&layout.fields),
        [
            (
                F,
                Some("weird`: name"),
                8,
                None,
                None,
                Some("Probe<Site, 0, {async fn body of g()}>")
            ),
            // Everything after `, type: ` is the type, whatever it looks like.
            (
                F,
                Some("t"),
                8,
                None,
                None,
                Some("X, offset: 3 bytes`: 9 bytes")
            ),
        ]
    );
}

#[test]
fn empty_and_blank_input() {
    assert_eq!(parse(""), TypeSizes::default());
    let blank = parse("\n\n   \n");
    assert!(blank.types.is_empty());
    assert_eq!(blank.skipped_lines, 3);
}

#[test]
fn items_before_any_type_are_skipped() {
    let sizes = parse(
        "\
print-type-size     variant `Suspend0`: 8 bytes
print-type-size         local `.x`: 8 bytes
print-type-size     end padding: 1 bytes
print-type-size type: `T`: 8 bytes, alignment: 8 bytes
",
    );
    assert_eq!(sizes.skipped_lines, 3);
    assert_eq!(names(&sizes), ["T"]);
    assert!(sizes.types[0].variants.is_empty() && sizes.types[0].end_padding.is_none());
}

#[test]
fn variant_items_without_a_variant_are_skipped() {
    let sizes = parse(
        "\
print-type-size type: `S`: 8 bytes, alignment: 8 bytes
print-type-size         field `.x`: 8 bytes
print-type-size     field `.y`: 8 bytes
",
    );
    assert_eq!(sizes.skipped_lines, 1);
    assert_eq!(
        rows(&sizes.types[0].fields),
        [(F, Some("y"), 8, None, None, None)]
    );
}

/// An unreadable line closes what it would have ended, so the lines after it are not filed
/// under the type or variant before it.
#[test]
fn unreadable_headers_drop_their_items_instead_of_misfiling_them() {
    let sizes = parse(
        "\
print-type-size type: `A`: 8 bytes, alignment: 8 bytes
print-type-size     variant `One`: 8 bytes
print-type-size         field `.a`: 8 bytes
print-type-size     variant `Two`: eight bytes
print-type-size         field `.lost`: 8 bytes
print-type-size type: `B`: 8 bytes, alignment: lots
print-type-size     field `.lost`: 8 bytes
print-type-size     end padding: 1 bytes
print-type-size type: `C`: 1 bytes, alignment: 1 bytes
",
    );
    assert_eq!(names(&sizes), ["A", "C"]);
    assert_eq!(sizes.skipped_lines, 5);
    let a = &sizes.types[0];
    assert_eq!(variant_names(a), ["One"]);
    assert_eq!(
        rows(&variant(a, "One").fields),
        [(F, Some("a"), 8, None, None, None)]
    );
    assert_eq!(a.end_padding, None);
}

/// Two writers on one pipe can glue text in front of rustc's line: the line is skipped, but it
/// still ends the type it would have started.
#[test]
fn text_glued_before_the_prefix_is_skipped_but_still_ends_the_type() {
    let sizes = parse(
        "\
print-type-size type: `A`: 8 bytes, alignment: 8 bytes
warning: oopsprint-type-size type: `B`: 8 bytes, alignment: 8 bytes
print-type-size     field `.b`: 8 bytes
",
    );
    assert_eq!(names(&sizes), ["A"]);
    assert!(sizes.types[0].fields.is_empty());
    assert_eq!(sizes.skipped_lines, 2);
}

#[test]
fn cargo_lines_between_items_do_not_interrupt_them() {
    let sizes = parse(
        "\
print-type-size type: `A`: 8 bytes, alignment: 8 bytes
print-type-size     variant `V`: 8 bytes
   Compiling other v0.1.0
print-type-size         field `.x`: 8 bytes
",
    );
    assert_eq!(sizes.skipped_lines, 1);
    assert_eq!(variant(&sizes.types[0], "V").fields.len(), 1);
}

#[test]
fn a_second_discriminant_or_end_padding_is_skipped_not_overwritten() {
    let sizes = parse(
        "\
print-type-size type: `E`: 8 bytes, alignment: 4 bytes
print-type-size     discriminant: 1 bytes
print-type-size     discriminant: 4 bytes
print-type-size     variant `V`: 4 bytes
print-type-size         end padding: 1 bytes
print-type-size         end padding: 2 bytes
print-type-size     end padding: 3 bytes
print-type-size     end padding: 4 bytes
",
    );
    assert_eq!(sizes.skipped_lines, 3);
    let e = &sizes.types[0];
    assert_eq!((e.discriminant, e.end_padding), (Some(1), Some(3)));
    assert_eq!(variant(e, "V").end_padding, Some(1));
}

#[test]
fn sizes_beyond_u64_saturate() {
    let sizes = parse(
        "\
print-type-size type: `Huge`: 99999999999999999999999 bytes, alignment: 18446744073709551616 bytes
print-type-size     field `.x`: 18446744073709551615 bytes, offset: 000000000000000000000000001 bytes
",
    );
    assert_eq!(sizes.skipped_lines, 0);
    let huge = &sizes.types[0];
    assert_eq!((huge.size, huge.align), (u64::MAX, u64::MAX));
    assert_eq!(
        (huge.fields[0].size, huge.fields[0].offset),
        (u64::MAX, Some(1))
    );
}

#[test]
fn malformed_lines_are_skipped() {
    let malformed = [
        // Indentation rustc never uses.
        "print-type-size   field `.x`: 8 bytes",
        "print-type-size      field `.x`: 8 bytes",
        "print-type-size            field `.x`: 8 bytes",
        // Suffixes out of order, repeated, unknown, or followed by text.
        "print-type-size     field `.x`: 8 bytes, alignment: 8 bytes, offset: 0 bytes",
        "print-type-size     field `.x`: 8 bytes, offset: 0 bytes, offset: 0 bytes",
        "print-type-size     field `.x`: 8 bytes, niche: 0 bytes",
        "print-type-size     field `.x`: 8 bytes and more",
        "print-type-size     field `.x`: 8 bytes, type: ",
        // Numbers that are not numbers, units that are not bytes.
        "print-type-size     field `.x`: -8 bytes",
        "print-type-size     field `.x`: 8 bits",
        "print-type-size     field `.x`: bytes",
        "print-type-size     padding: 8",
        "print-type-size     padding: 8 bytes, alignment: 8 bytes",
        // Missing backticks or dots, unknown items, a type line one level down.
        "print-type-size     field .x: 8 bytes",
        "print-type-size     field `x`: 8 bytes",
        "print-type-size     upvar `.x: 8 bytes",
        "print-type-size     niche `.x`: 8 bytes",
        "print-type-size     type: `T`: 8 bytes, alignment: 8 bytes",
        "print-type-size         variant `V`: 8 bytes",
        "print-type-size         discriminant: 1 bytes",
        "print-type-size field `.x`: 8 bytes",
        "print-type-size",
        "print-type-size ",
    ];
    for line in malformed {
        let text = format!("print-type-size type: `T`: 8 bytes, alignment: 8 bytes\n{line}\n");
        let sizes = parse(&text);
        assert_eq!(
            sizes.skipped_lines, 1,
            "{line:?} should be skipped, got {sizes:#?}"
        );
        assert_every_line_accounted_for(&text, &sizes);
    }
}

#[test]
fn crlf_line_ends_are_read_like_lf() {
    let lf = fixture("rustc-1.95.0-nested-async-blocks.txt");
    let crlf = lf.replace('\n', "\r\n");
    assert_eq!(parse(&crlf), parse(&lf));
}

// ---------------------------------------------------------------------------------------------
// Random input
//
// A deterministic generator rather than a property-testing crate: the inputs are the same on
// every run, a failure prints the case that caused it, and no dependency is added.

/// SplitMix64: tiny, and good enough to pick edits and tokens.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn size(&mut self) -> u64 {
        match self.below(4) {
            0 => 0,
            1 => u64::MAX,
            _ => self.next() % 5000,
        }
    }
}

/// How many cases a random test runs: `default`, or `STACKLESS_FUZZ_CASES` for a long run:
/// `STACKLESS_FUZZ_CASES=200000 cargo test -p stackless-inspect --test type_sizes -- --nocapture`.
/// The count is printed, so a run's log says how much it tried.
fn cases(test: &str, default: usize) -> usize {
    let count = match std::env::var("STACKLESS_FUZZ_CASES") {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("STACKLESS_FUZZ_CASES={text:?} is not a number of cases")),
        Err(_) => default,
    };
    eprintln!("{test}: {count} cases");
    count
}

/// Pieces of the format, so random strings reach deep into the parser instead of failing on
/// their first character.
const TOKENS: &[&str] = &[
    "print-type-size ",
    "    ",
    "        ",
    " ",
    "type: `",
    "variant `",
    "discriminant: ",
    "upvar `.",
    "local `.",
    "field `.",
    "padding: ",
    "end padding: ",
    "`: ",
    "`",
    ".",
    " bytes",
    " byte",
    ", offset: ",
    ", alignment: ",
    ", type: ",
    "0",
    "7",
    "4096",
    "18446744073709551616",
    "\n",
    "\r\n",
    "\r",
    "{async block@src/lib.rs:1:2: 3:4}",
    "[",
    "]",
    "é",
    "\u{0}",
    "\t",
    ":",
    ",",
];

const RANDOM_STRINGS: usize = 3000;

#[test]
fn arbitrary_strings_never_panic_and_every_line_is_accounted_for() {
    let mut random = Random(0x5eed_0001);
    for _ in 0..cases("arbitrary strings", RANDOM_STRINGS) {
        let mut text = String::new();
        for _ in 0..random.below(60) {
            if random.chance(8) {
                text.push(char::from_u32(random.below(0x3000) as u32).unwrap_or('?'));
            } else {
                text.push_str(random.pick(TOKENS));
            }
        }
        let sizes = parse(&text);
        assert_every_line_accounted_for(&text, &sizes);
    }
}

/// How a fixture is damaged for one case.
#[derive(Debug)]
enum Damage {
    /// Random byte edits inside one line (the result is read back lossily as UTF-8).
    EditLine(usize),
    /// One line twice.
    DuplicateLine(usize),
    /// The whole text cut at a byte.
    Truncate(usize),
}

const MUTATIONS: usize = 3000;

/// Damage one line of a real fixture: the parse must not panic, must account for every line,
/// and every type that does not contain the damage must come out exactly as before. Only the
/// damaged type changes, and the one before it only if the damage takes the prefix off the
/// damaged type's `type:` line (its items then look like the type above's).
#[test]
fn damaged_fixtures_never_panic_and_undamaged_types_still_parse() {
    let fixtures: Vec<(String, String, TypeSizes)> = all_fixtures()
        .into_iter()
        .map(|(name, text)| {
            let original = parse(&text);
            (name, text, original)
        })
        .collect();
    let mut random = Random(0x5eed_0002);
    for case in 0..cases("damaged fixtures", MUTATIONS) {
        let (name, text, original) = &fixtures[random.below(fixtures.len())];
        let lines: Vec<&str> = text.lines().collect();
        let damage = match random.below(5) {
            0 => Damage::DuplicateLine(random.below(lines.len())),
            1 => Damage::Truncate(random.below(text.len() + 1)),
            _ => Damage::EditLine(random.below(lines.len())),
        };
        let damaged = apply(&damage, &lines, text, &mut random);
        let sizes = parse(&damaged);
        assert_every_line_accounted_for(&damaged, &sizes);

        let at_line = match damage {
            Damage::EditLine(at) | Damage::DuplicateLine(at) => at,
            Damage::Truncate(at) => text[..at].matches('\n').count(),
        };
        // The type whose lines hold the damage: types are counted by their `type:` lines.
        let types_up_to = |line: usize| {
            lines[..=line.min(lines.len() - 1)]
                .iter()
                .filter(|l| l.starts_with("print-type-size type: `"))
                .count()
        };
        let damaged_type = types_up_to(at_line) as isize - 1;
        // Items join the type above only if the damage takes the prefix off a `type:` line;
        // a `type:` line that keeps it, however garbled, still ends the type above.
        let loses_a_type_prefix = match damage {
            Damage::EditLine(at) => {
                lines[at].starts_with("print-type-size type: `")
                    && !damaged
                        .lines()
                        .nth(at)
                        .is_some_and(|l| l.starts_with("print-type-size t"))
            }
            Damage::DuplicateLine(_) | Damage::Truncate(_) => false,
        };
        let intact_before = (damaged_type - isize::from(loses_a_type_prefix)).max(0) as usize;
        let intact_after = &original.types[(damaged_type + 1) as usize..];
        let context = || format!("case {case}, {name}, {damage:?}:\n{damaged}");
        assert!(sizes.types.len() >= intact_before, "{}", context());
        assert_eq!(
            sizes.types[..intact_before],
            original.types[..intact_before],
            "{}",
            context()
        );
        if !matches!(damage, Damage::Truncate(_)) {
            assert!(sizes.types.ends_with(intact_after), "{}", context());
        }
    }
}

fn apply(damage: &Damage, lines: &[&str], text: &str, random: &mut Random) -> String {
    match *damage {
        Damage::Truncate(at) => String::from_utf8_lossy(&text.as_bytes()[..at]).into_owned(),
        Damage::DuplicateLine(at) => {
            let mut out: Vec<&str> = lines.to_vec();
            out.insert(at, lines[at]);
            out.join("\n") + "\n"
        }
        Damage::EditLine(at) => {
            let edited = edit_bytes(lines[at].as_bytes(), random);
            let edited = String::from_utf8_lossy(&edited);
            let mut out: Vec<&str> = lines.to_vec();
            out[at] = &edited;
            out.join("\n") + "\n"
        }
    }
}

/// One to three byte-level edits: overwrite, insert, delete, or cut the line short.
fn edit_bytes(line: &[u8], random: &mut Random) -> Vec<u8> {
    const INTERESTING: &[u8] = b"`:., 0123456789\n\r\t{}[]<>e\xc3\xa9\xff";
    let mut bytes = line.to_vec();
    for _ in 0..1 + random.below(3) {
        let at = random.below(bytes.len() + 1);
        let byte = if random.chance(2) {
            random.pick(INTERESTING)
        } else {
            random.next() as u8
        };
        match random.below(4) {
            0 if at < bytes.len() => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

const ROUND_TRIPS: usize = 500;

/// Random well-formed trees, printed the way rustc prints them with cargo's lines in between,
/// read back exactly.
#[test]
fn well_formed_output_reads_back_exactly_around_junk() {
    let mut random = Random(0x5eed_0003);
    for case in 0..cases("well-formed round trips", ROUND_TRIPS) {
        let sizes = random_tree(&mut random);
        let mut text = String::new();
        let mut junk = 0;
        for line in render(&sizes) {
            while random.chance(6) {
                text.push_str(random.pick(JUNK_LINES));
                text.push('\n');
                junk += 1;
            }
            text.push_str(&line);
            text.push('\n');
        }
        let parsed = parse(&text);
        assert_eq!(parsed.types, sizes.types, "case {case}:\n{text}");
        assert_eq!(parsed.skipped_lines, junk, "case {case}:\n{text}");
    }
}

/// Lines that are not rustc's and do not pretend to be: cargo's output, blank lines, a prefix
/// with no space after it, a prefix with an indentation rustc never prints.
const JUNK_LINES: &[&str] = &[
    "   Compiling stackless v0.1.0 (/work/main)",
    "warning: unused variable: `x`",
    "  |",
    "",
    "    Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.71s",
    "print-type-size",
    "print-type-size  field `.x`: 8 bytes",
    "type: `T`: 8 bytes, alignment: 8 bytes",
];

const TYPE_NAMES: &[&str] = &[
    "{async fn body of connect()}",
    "{async block@src/lib.rs:6:42: 11:2}",
    "{async fn body of hold<[u64; 16]>()}",
    "[static generator@src/main.rs:3:5: 5:6]",
    "std::option::Option<{closure@src/a.rs:1:1: 1:5}>",
    "Foo<\"`: \">",
    "T",
];
const FIELD_NAMES: &[&str] = &[
    "url",
    "__awaitee",
    ".coroutine_field4",
    "_ref__name",
    "0",
    "a`b",
    "x: y",
    "a`: b",
];
const VARIANT_NAMES: &[&str] = &[
    "Unresumed",
    "Suspend0",
    "Returned",
    "Panicked",
    "0",
    "V`: 1",
];
const FIELD_TYPES: &[&str] = &[
    "Tick",
    "&[u8]",
    "{async fn body of connect()}",
    "stackless::__private::Probe<__StacklessSite, 0, {async fn body of connect()}>",
    "X, offset: 3 bytes",
];

fn random_tree(random: &mut Random) -> TypeSizes {
    let types = (0..random.below(5))
        .map(|_| TypeLayout {
            name: random.pick(TYPE_NAMES).to_string(),
            size: random.size(),
            align: random.size(),
            discriminant: random.chance(2).then(|| random.size()),
            fields: random_fields(random),
            variants: (0..random.below(4))
                .map(|_| Variant {
                    name: random.pick(VARIANT_NAMES).to_string(),
                    size: random.size(),
                    fields: random_fields(random),
                    end_padding: random.chance(4).then(|| random.size()),
                })
                .collect(),
            end_padding: random.chance(2).then(|| random.size()),
        })
        .collect();
    TypeSizes {
        types,
        skipped_lines: 0,
    }
}

fn random_fields(random: &mut Random) -> Vec<Field> {
    (0..random.below(4))
        .map(|_| {
            let kind = random.pick(&[U, L, F, P]);
            if kind == P {
                return field(P, None, random.size(), None, None, None);
            }
            Field {
                kind,
                name: Some(random.pick(FIELD_NAMES).to_string()),
                size: random.size(),
                offset: random.chance(2).then(|| random.size()),
                align: random.chance(2).then(|| random.size()),
                ty: random
                    .chance(2)
                    .then(|| random.pick(FIELD_TYPES).to_string()),
            }
        })
        .collect()
}

/// The lines rustc would print for `sizes` (as `code_stats.rs` does: type-level items first).
fn render(sizes: &TypeSizes) -> Vec<String> {
    let mut lines = Vec::new();
    for layout in &sizes.types {
        lines.push(format!(
            "{PREFIX}type: `{}`: {} bytes, alignment: {} bytes",
            layout.name, layout.size, layout.align
        ));
        if let Some(size) = layout.discriminant {
            lines.push(format!("{PREFIX}    discriminant: {size} bytes"));
        }
        lines.extend(layout.fields.iter().map(|f| render_field("    ", f)));
        for variant in &layout.variants {
            lines.push(format!(
                "{PREFIX}    variant `{}`: {} bytes",
                variant.name, variant.size
            ));
            lines.extend(variant.fields.iter().map(|f| render_field("        ", f)));
            if let Some(size) = variant.end_padding {
                lines.push(format!("{PREFIX}        end padding: {size} bytes"));
            }
        }
        if let Some(size) = layout.end_padding {
            lines.push(format!("{PREFIX}    end padding: {size} bytes"));
        }
    }
    lines
}

fn render_field(indent: &str, field: &Field) -> String {
    let Some(name) = &field.name else {
        return format!("{PREFIX}{indent}padding: {} bytes", field.size);
    };
    let kind = match field.kind {
        U => "upvar",
        L => "local",
        _ => "field",
    };
    let mut line = format!("{PREFIX}{indent}{kind} `.{name}`: {} bytes", field.size);
    if let Some(offset) = field.offset {
        line += &format!(", offset: {offset} bytes");
    }
    if let Some(align) = field.align {
        line += &format!(", alignment: {align} bytes");
    }
    if let Some(ty) = &field.ty {
        line += &format!(", type: {ty}");
    }
    line
}
