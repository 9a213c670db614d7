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
    for piece in pieces {
        if previous_end.is_some_and(|end| end != piece.start) {
            text.push(' ');
        }
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
