//! The source text of an expression, for reports: `conn.read(&mut buf)`.
//!
//! Spans know where each token starts and ends (stable since Rust 1.88), so the text is the
//! tokens' own text with a single space wherever the source had whitespace. When positions
//! are unavailable the tokens are printed the way `proc_macro2` prints them.

use proc_macro2::{Delimiter, LineColumn, TokenStream, TokenTree};

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
    let positions_known = pieces.iter().all(|piece| piece.start.line > 0)
        && pieces.windows(2).all(|pair| pair[0].end <= pair[1].start);
    if !positions_known {
        return tokens
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
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

    #[test]
    fn a_method_chain_broken_over_lines_is_joined() {
        assert_eq!(
            text_of("outbox\n    .send(message)\n    .map(f)"),
            "outbox.send(message).map(f)"
        );
    }
}
