//! Pictures of what the reports compute, as SVG: the swap chart ([`swap_svg`]) and the debt
//! graph ([`debts_svg`]). Like `render::table`, this module computes nothing of the ledger's
//! own: it draws the rows of a `SwapReport` and a `DebtReport` as they are, and its only
//! arithmetic is geometry (axis ranges, pixel positions), done in `f64` on copies of the exact
//! amounts. Every figure shown as text is formatted by `amount::format_grouped`, at its
//! commodity's scale. The same ledger always gives the same bytes.

mod debts;
mod swap;

pub use debts::debts_svg;
pub use swap::swap_svg;

use plotters::style::RGBColor;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use thiserror::Error;

/// A picture could not be drawn (plotters reported an error while laying out the chart).
#[derive(Debug, Error)]
#[error("drawing the {what}: {message}")]
pub struct ChartError {
    what: &'static str,
    message: String,
}

/// The SVG namespace attribute that a standalone SVG file needs and inline SVG does not.
pub const SVG_NAMESPACE: &str = r#" xmlns="http://www.w3.org/2000/svg""#;

/// Colours both pictures use: text, and what is outside tolerance or owed.
const OUTSIDE: RGBColor = RGBColor(0xc6, 0x28, 0x28);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// `f64` for drawing only; amounts that do not fit are drawn as zero (they cannot occur: a
/// `Decimal` is at most about 7.9e28).
fn f(v: Decimal) -> f64 {
    v.to_f64().unwrap_or(0.0)
}

/// Escape text for HTML and SVG (element content and quoted attributes).
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape_xml(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
