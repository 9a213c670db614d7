//! The `#[stackless::inspect]` attribute. Use it through the
//! [`stackless`](https://docs.rs/stackless) crate, whose documentation describes it in full.

mod args;
mod await_points;
mod expand;
mod item;
mod params;
mod receiver;
mod self_type;
mod snippet;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Makes an `async fn`'s future visible to `stackless`: its size, its await points and the
/// state of every live future. See the `stackless` crate for the full documentation.
#[proc_macro_attribute]
pub fn inspect(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::inspect(
        args.into(),
        item.into(),
        cfg!(feature = "enabled"),
        await_points::Marks::for_this_build(),
    )
    .into()
}
