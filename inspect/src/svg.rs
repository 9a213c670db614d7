//! What every SVG picture the toolkit draws starts with, and text escaping for it.

use std::fmt::Display;

/// The opening `<svg>` element and a white background, for a picture of the given size.
pub(crate) fn open(width: impl Display, height: impl Display, font_size: u32) -> String {
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" "#,
            r#"font-family="sans-serif" font-size="{f}">"#,
            "\n",
            r##"<rect width="100%" height="100%" fill="#ffffff"/>"##,
            "\n"
        ),
        w = width,
        h = height,
        f = font_size
    )
}

/// `text` with `&`, `<`, `>` and `"` escaped, for text content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
