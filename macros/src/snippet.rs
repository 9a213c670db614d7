//! The source text of an expression, for reports: `conn.read(&mut buf)`.
//!
//! Spans know where each token starts and ends (stable since Rust 1.88), so the text is the
//! tokens' own text with a single space wherever the source had whitespace. When positions
//! are unavailable (tokens another macro generated), they are spaced the way people write
//! code: `tracing::Instrument::instrument(fut, span)`, not `tracing :: Instrument :: ..`.

use proc_macro2::{Delimiter, LineColumn, Spacing, TokenStream, TokenTree};

/// One token's text and where it starts and ends.
struct Piece {
    text: String,
    start: LineColumn,
    end: LineColumn,
}

/// Source text of `tokens`, with a single space wherever the source had whitespace.
pub(crate) fn source_text(tokens: TokenStream) -> String {
    let mut pieces = Vec::new();
    flatten(tokens.clone(), &mut pieces);
    // Tokens another macro made share one span (its call site), or have none: no extent, or
    // extents that overlap.
    let positions_known = pieces
        .iter()
        .all(|piece| piece.start.line > 0 && piece.start < piece.end)
        && pieces.windows(2).all(|pair| pair[0].end <= pair[1].start);
    if !positions_known {
        return written_text(tokens);
    }
    let mut text = String::new();
    let mut previous_end = None;
    let mut previous_text = String::new();
    for piece in pieces {
        let gap = previous_end.is_some_and(|end: LineColumn| end != piece.start);
        // A line break inside a method chain (`outbox\n    .send(x)`) reads as no space at all.
        let across_lines = previous_end.is_some_and(|end| end.line != piece.start.line);
        let tight =
            across_lines && (piece.text == "." || piece.text == "?" || previous_text == ".");
        if gap && !tight {
            text.push(' ');
        }
        previous_text.clone_from(&piece.text);
        text.push_str(&piece.text);
        previous_end = Some(piece.end);
    }
    text
}

/// Each token as text with its position; a group contributes its delimiters as one-character
/// pieces at either end of its span.
fn flatten(tokens: TokenStream, pieces: &mut Vec<Piece>) {
    for token in tokens {
        match token {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => {
                        flatten(group.stream(), pieces);
                        continue;
                    }
                };
                let (start, end) = (group.span().start(), group.span().end());
                pieces.push(Piece {
                    text: open.to_owned(),
                    start,
                    end: shifted(start, 1),
                });
                flatten(group.stream(), pieces);
                pieces.push(Piece {
                    text: close.to_owned(),
                    start: shifted(end, -1),
                    end,
                });
            }
            other => pieces.push(Piece {
                text: other.to_string(),
                start: other.span().start(),
                end: other.span().end(),
            }),
        }
    }
}

fn shifted(position: LineColumn, columns: isize) -> LineColumn {
    LineColumn {
        line: position.line,
        column: position.column.saturating_add_signed(columns),
    }
}

/// One unit of written code: a word, a literal, an operator (`::`, `->`, `&`, a lone `'`) or
/// a delimiter.
#[derive(Clone, PartialEq)]
enum Word {
    Ident(String),
    Literal(String),
    Punct(char, Spacing),
    Open(Delimiter),
    Close(Delimiter),
}

/// Keywords that a following `(`, `[`, `-`, `&`, `*` or `!` does not attach to: `if (a)`,
/// `return -1`, `in &v`.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "dyn", "else", "for", "if",
    "impl", "in", "let", "loop", "match", "move", "mut", "ref", "return", "static", "unsafe",
    "where", "while", "yield",
];

/// Operators that are one token however they are spelled (`::` is two `:` puncts).
const OPERATORS: &[&str] = &[
    "<<=", ">>=", "...", "..=", "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=",
    "*=", "/=", "%=", "^=", "&=", "|=", "<<", ">>", "..",
];

// Input:   tokens without positions, e.g. from `quote!(tracing::Instrument::instrument(f, s))`
// Output:  "tracing::Instrument::instrument(f, s)": no space around `::` and `.`, inside `()`
//          and `[]`, before `,` `;` `?` `:`, after a unary operator or between a name and its
//          call; spaces around binary operators and inside `{ }`.
fn written_text(tokens: TokenStream) -> String {
    let mut words = Vec::new();
    into_words(tokens, &mut words);
    let mut text = String::new();
    // Whether the last word binds to the next: `(`, `.`, `::`, a unary `&`, `'` of a lifetime.
    let mut binds_next = true;
    let mut generics_open = 0_usize;
    // `f::<T>(x)` attaches its `(`; `a > (b)` does not.
    let mut closed_generics = false;
    let mut closure_params_open = false;
    let mut at = 0;
    while at < words.len() {
        let previous = at.checked_sub(1).map(|index| &words[index]);
        let mut generics_closed_here = false;
        let (word, length) = match &words[at] {
            Word::Punct(..) => operator_at(&words[at..], generics_open > 0),
            Word::Ident(text) | Word::Literal(text) => (text.clone(), 1),
            Word::Open(delimiter) => (open_text(*delimiter).to_owned(), 1),
            Word::Close(delimiter) => (close_text(*delimiter).to_owned(), 1),
        };
        let (space_before, binds) = match &words[at] {
            Word::Open(Delimiter::Brace) => (true, false),
            Word::Open(_) => (!(closed_generics || attaches_to(previous)), true),
            Word::Close(Delimiter::Brace) => {
                (previous != Some(&Word::Open(Delimiter::Brace)), false)
            }
            Word::Close(_) => (false, false),
            Word::Ident(_) | Word::Literal(_) => (true, false),
            Word::Punct(..) => match word.as_str() {
                "." | "..." => (false, true),
                ".." | "..=" => (previous == Some(&Word::Punct(',', Spacing::Alone)), true),
                "," | ";" | "?" | ":" => (false, false),
                "::" => (
                    matches!(previous, Some(Word::Punct(c, _)) if *c != '>')
                        || previous.is_some_and(is_keyword),
                    true,
                ),
                "#" | "$" | "'" => (true, true),
                "!" if previous.is_some_and(is_name) => (false, true),
                // Also a qualified path's `<T as Trait>`, where a comparison cannot start.
                "<" if is_unary_position(previous) || previous.is_some_and(starts_generics) => {
                    generics_open += 1;
                    (false, true)
                }
                ">" if generics_open > 0 => {
                    generics_open -= 1;
                    generics_closed_here = true;
                    (false, false)
                }
                "|" | "||" if is_unary_position(previous) => {
                    closure_params_open = word == "|";
                    (true, closure_params_open)
                }
                "|" if closure_params_open => {
                    closure_params_open = false;
                    (false, false)
                }
                "!" | "&" | "&&" | "*" | "-" if is_unary_position(previous) => (true, true),
                _ => (true, false),
            },
        };
        closed_generics = generics_closed_here;
        if space_before && !binds_next {
            text.push(' ');
        }
        text.push_str(&word);
        binds_next = binds;
        at += length;
    }
    text
}

/// Flattens groups into their delimiters and contents; an invisible group is its contents.
fn into_words(tokens: TokenStream, words: &mut Vec<Word>) {
    for token in tokens {
        match token {
            TokenTree::Group(group) if group.delimiter() == Delimiter::None => {
                into_words(group.stream(), words);
            }
            TokenTree::Group(group) => {
                words.push(Word::Open(group.delimiter()));
                into_words(group.stream(), words);
                words.push(Word::Close(group.delimiter()));
            }
            TokenTree::Ident(ident) => words.push(Word::Ident(ident.to_string())),
            TokenTree::Literal(literal) => words.push(Word::Literal(literal.to_string())),
            TokenTree::Punct(punct) => words.push(Word::Punct(punct.as_char(), punct.spacing())),
        }
    }
}

/// The operator starting at `words[0]` (a punct) and how many puncts it spans: the longest
/// known operator among the puncts joined to it, else the punct alone. Inside generics `>>`
/// closes two lists, so `>` stays alone there.
fn operator_at(words: &[Word], in_generics: bool) -> (String, usize) {
    let mut joined = String::new();
    for word in words {
        let Word::Punct(c, spacing) = word else { break };
        joined.push(*c);
        if *spacing == Spacing::Alone {
            break;
        }
    }
    if in_generics && joined.starts_with('>') {
        return (">".to_owned(), 1);
    }
    let operator = OPERATORS
        .iter()
        .find(|operator| joined.starts_with(**operator))
        .map_or(&joined[..1], |operator| *operator);
    (operator.to_owned(), operator.len())
}

fn is_keyword(word: &Word) -> bool {
    matches!(word, Word::Ident(text) if KEYWORDS.contains(&text.as_str()))
}

/// A name a macro's `!` or a call's `(` attaches to.
fn is_name(word: &Word) -> bool {
    matches!(word, Word::Ident(_)) && !is_keyword(word)
}

/// `(` or `[` right after a name, a call or index, a macro's `!` or a `?`.
fn attaches_to(previous: Option<&Word>) -> bool {
    match previous {
        Some(Word::Close(_)) => true,
        Some(Word::Punct(c, _)) => matches!(c, '!' | '?'),
        Some(word) => is_name(word),
        None => false,
    }
}

/// `<` opens generics after `::` (`collect::<Vec<u8>>`) or a type's name (`Vec<u8>`).
fn starts_generics(previous: &Word) -> bool {
    match previous {
        Word::Punct(':', _) => true,
        Word::Ident(name) => name.starts_with(|c: char| c.is_ascii_uppercase()),
        _ => false,
    }
}

/// Where an operator starts an operand rather than joining two: first, after an opening
/// delimiter, another operator, or a keyword such as `return`.
fn is_unary_position(previous: Option<&Word>) -> bool {
    match previous {
        None | Some(Word::Open(_)) => true,
        Some(Word::Punct(c, _)) => !matches!(c, '?'),
        Some(word) => is_keyword(word),
    }
}

fn open_text(delimiter: Delimiter) -> &'static str {
    match delimiter {
        Delimiter::Parenthesis => "(",
        Delimiter::Brace => "{",
        Delimiter::Bracket => "[",
        Delimiter::None => "",
    }
}

fn close_text(delimiter: Delimiter) -> &'static str {
    match delimiter {
        Delimiter::Parenthesis => ")",
        Delimiter::Brace => "}",
        Delimiter::Bracket => "]",
        Delimiter::None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(source: &str) -> String {
        source_text(source.parse().expect("valid tokens"))
    }

    #[test]
    fn spacing_follows_the_source() {
        assert_eq!(text_of("conn.read( &mut buf )"), "conn.read( &mut buf )");
        assert_eq!(text_of("tokio::time::sleep(d)"), "tokio::time::sleep(d)");
        assert_eq!(text_of("a   +\n  b"), "a + b");
    }

    /// Spaced as written, whatever spacing the tokens' own `to_string()` would give them.
    fn written(source: &str) -> String {
        written_text(source.parse().expect("valid tokens"))
    }

    #[test]
    fn tokens_without_positions_are_spaced_as_people_write_them() {
        // As a macro below ours hands them over: every token at its call site.
        let generated = quote::quote!(tracing::Instrument::instrument(
            async move { x.await },
            span
        ));
        assert_eq!(
            source_text(generated),
            "tracing::Instrument::instrument(async move { x.await }, span)"
        );
    }

    #[test]
    fn paths_calls_and_methods_are_tight() {
        assert_eq!(
            written("tokio :: time :: sleep ( Duration :: from_millis ( 5 * n ) )"),
            "tokio::time::sleep(Duration::from_millis(5 * n))"
        );
        assert_eq!(
            written("self . client . get ( & url ) . send ( ) ?"),
            "self.client.get(&url).send()?"
        );
        assert_eq!(
            written("conn . read ( & mut buf [ .. n ] )"),
            "conn.read(&mut buf[..n])"
        );
        assert_eq!(
            written(":: core :: future :: ready ( 1 )"),
            "::core::future::ready(1)"
        );
    }

    #[test]
    fn operators_are_spaced_by_their_role() {
        assert_eq!(
            written("f ( - 1 , ! done , * ptr , a - b , x != y )"),
            "f(-1, !done, *ptr, a - b, x != y)"
        );
        assert_eq!(written("g ( & 'a x , && y )"), "g(&'a x, &&y)");
        assert_eq!(written("a > ( b )"), "a > (b)");
        assert_eq!(
            written("run ( | x | x + 1 , || ( ) )"),
            "run(|x| x + 1, || ())"
        );
        assert_eq!(written("return - 1"), "return -1");
    }

    #[test]
    fn generics_macros_and_blocks() {
        assert_eq!(
            written("iter . collect :: < Vec < Vec < u8 >> > ( )"),
            "iter.collect::<Vec<Vec<u8>>>()"
        );
        assert_eq!(
            written("Box :: < dyn Fn ( ) > :: new ( f )"),
            "Box::<dyn Fn()>::new(f)"
        );
        assert_eq!(
            written(r#"join ! ( vec ! [ 1 , 2 ] , format ! ( "a , b" ) )"#),
            r#"join!(vec![1, 2], format!("a , b"))"#
        );
        assert_eq!(
            written("async move { let v = step ( ) . await ; v } . boxed ( )"),
            "async move { let v = step().await; v }.boxed()"
        );
        assert_eq!(written("async { }"), "async {}");
        assert_eq!(
            written("< T as Service > :: call ( & svc , a < b )"),
            "<T as Service>::call(&svc, a < b)"
        );
    }

    #[test]
    fn a_method_chain_broken_over_lines_is_joined() {
        assert_eq!(
            text_of("outbox\n    .send(message)\n    .map(f)"),
            "outbox.send(message).map(f)"
        );
    }
}
