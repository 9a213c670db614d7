//! The README's generated excerpts: text blocks between `<!-- NAME -->` and `<!-- /NAME -->`,
//! which tests compare with what the project prints now (`#[path]`-included by those tests).

/// The contents of every ```` ```text ```` block marked `name` in `readme`.
pub fn excerpts<'a>(readme: &'a str, name: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<!-- {name} -->"), format!("<!-- /{name} -->"));
    readme
        .split(open.as_str())
        .skip(1)
        .map(|rest| {
            let block = rest
                .split(close.as_str())
                .next()
                .expect("every excerpt is closed");
            block
                .trim()
                .strip_prefix("```text")
                .and_then(|text| text.strip_suffix("```"))
                .expect("each excerpt is a text block")
                .trim_start_matches('\n')
        })
        .collect()
}
