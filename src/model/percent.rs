//! Percentages in agreements' terms (a swap's fee and tolerance, a sale's interest rate):
//! parsed as exact fractions with our own number grammar, never through a float, and written
//! back for people.

use crate::model::amount;
use rust_decimal::Decimal;

/// A percentage such as `20%` or `2.5 %`, as an exact fraction (`0.20`), between 0% and 100%.
/// Parsed with our own number grammar, never through a float.
pub fn parse_percent(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let Some(number) = t.strip_suffix('%') else {
        return Err(format!("{t:?} is not a percentage like 20%"));
    };
    let p = amount::parse_number(number.trim())
        .map_err(|e| format!("{t:?} is not a percentage like 20%: {e}"))?;
    if p.is_sign_negative() && !p.is_zero() || p > Decimal::ONE_HUNDRED {
        return Err(format!("{t} is not between 0% and 100%"));
    }
    // p / 100 exactly: the same mantissa two places further right.
    let scale = p.scale() + 2;
    Decimal::try_from_i128_with_scale(p.mantissa(), scale)
        .map(|r| r.normalize())
        .map_err(|_| format!("{t} has too many decimal places"))
}

/// A fraction as a percentage for people: `0.2` → `20%`.
pub fn format_percent(rate: Decimal) -> String {
    let p = rate
        .checked_mul(Decimal::ONE_HUNDRED)
        .unwrap_or(rate)
        .normalize();
    format!("{p}%")
}
