//! Exact amounts: a `Decimal` and a commodity code, parsed with our own grammar and
//! formatted at the commodity's scale.
//!
//! `rust_decimal::Decimal::from_str` accepts `1e3`, `.5`, `1_000` and silently rounds past
//! 28 digits, so user input never goes through it: [`parse_number`] accepts exactly
//! `[+-]DIGITS[,DIGITS...][.DIGITS]` and refuses everything else.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The largest scale a commodity may declare: `Decimal` holds at most 28 fractional digits,
/// and we keep headroom so that sums of amounts at that scale cannot lose digits.
pub const SCALE_MAX: u32 = 18;

/// Longest commodity code accepted.
pub const CODE_LEN_MAX: usize = 16;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AmountError {
    #[error("expected a number, found {found:?}")]
    NotANumber { found: String },
    #[error(
        "number {found:?} has more digits than an exact decimal can hold (28 significant digits)"
    )]
    TooLarge { found: String },
    #[error("expected an amount like \"160 mcm\" or \"USD -5.00\", found {found:?}")]
    Malformed { found: String },
    #[error("invalid commodity code {found:?}: expected letters (and digits), at most {CODE_LEN_MAX} characters")]
    BadCode { found: String },
    #[error("{value} {code} has {found} decimal places but {code} allows {scale}")]
    TooManyDecimals {
        value: Decimal,
        code: String,
        found: u32,
        scale: u32,
    },
    #[error("arithmetic overflow: {what} exceeds the range of an exact decimal")]
    Overflow { what: String },
}

/// What a commodity measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Volume,
    Energy,
    Money,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Volume => "volume",
            Kind::Energy => "energy",
            Kind::Money => "money",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "volume" => Ok(Kind::Volume),
            "energy" => Ok(Kind::Energy),
            "money" => Ok(Kind::Money),
            _ => Err(format!(
                "unknown commodity kind {s:?}: expected volume, energy or money"
            )),
        }
    }
}

/// A unit with a code, a kind and a scale (the number of decimal places it allows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commodity {
    pub code: String,
    pub kind: Kind,
    pub scale: u32,
}

impl Commodity {
    /// Refuse a value with more decimal places than the commodity allows; never round.
    pub fn check_scale(&self, value: Decimal) -> Result<(), AmountError> {
        let found = value.normalize().scale();
        if found > self.scale {
            return Err(AmountError::TooManyDecimals {
                value,
                code: self.code.clone(),
                found,
                scale: self.scale,
            });
        }
        Ok(())
    }

    /// The value at exactly this commodity's scale, for display and export.
    pub fn format(&self, value: Decimal) -> String {
        format_at_scale(value, self.scale)
    }
}

/// An exact quantity of one commodity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Amount {
    pub value: Decimal,
    pub commodity: String,
}

impl Amount {
    pub fn new(value: Decimal, commodity: impl Into<String>) -> Self {
        Amount {
            value,
            commodity: commodity.into(),
        }
    }

    pub fn neg(&self) -> Amount {
        Amount::new(-self.value, self.commodity.clone())
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.commodity)
    }
}

impl FromStr for Amount {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, AmountError> {
        parse_amount(s)
    }
}

/// Whether a string is a valid commodity code: starts with a letter, then letters or digits.
pub fn is_code(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic())
        && s.chars().count() <= CODE_LEN_MAX
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Parse `[+-]DIGITS[,DDD...][.DIGITS]`. Digit groups must be three digits after the first.
pub fn parse_number(text: &str) -> Result<Decimal, AmountError> {
    let bad = || AmountError::NotANumber {
        found: text.to_string(),
    };
    let too_large = || AmountError::TooLarge {
        found: text.to_string(),
    };
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text.as_bytes()[1..]),
        Some(b'+') => (false, &text.as_bytes()[1..]),
        _ => (false, text.as_bytes()),
    };
    let (int_part, frac_part) = match rest.iter().position(|b| *b == b'.') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    if int_part.is_empty() {
        return Err(bad());
    }
    // The digits are read straight into the mantissa, without a copy: leading zeros carry no
    // value (so "0000001" is not "too many digits"); at most 29 significant digits are taken,
    // and more is an error below, so the mantissa stays under 10^29.
    let mut mantissa: u128 = 0;
    let mut significant = 0usize;
    let mut digit = |b: u8| {
        if significant > 0 || b != b'0' {
            significant += 1;
            if significant <= 29 {
                mantissa = mantissa * 10 + u128::from(b - b'0');
            }
        }
    };
    // Digit groups: "1,600,000" — the first group 1–3 digits, the others exactly 3.
    let grouped = int_part.contains(&b',');
    let mut int_digits = 0usize;
    for (i, group) in int_part.split(|b| *b == b',').enumerate() {
        let ok = group.iter().all(u8::is_ascii_digit)
            && (!grouped
                || if i == 0 {
                    (1..=3).contains(&group.len())
                } else {
                    group.len() == 3
                });
        if !ok {
            return Err(bad());
        }
        int_digits += group.len();
        group.iter().for_each(|b| digit(*b));
    }
    let mut scale = 0usize;
    if let Some(frac) = frac_part {
        if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        frac.iter().for_each(|b| digit(*b));
        scale = frac.len();
    }
    if significant > 29 || scale > 28 || int_digits > 29 {
        return Err(too_large());
    }
    // Both fit: under 10^29 and at most 28.
    let mantissa = i128::try_from(mantissa).map_err(|_| too_large())?;
    let mantissa = if negative { -mantissa } else { mantissa };
    Decimal::try_from_i128_with_scale(mantissa, scale as u32).map_err(|_| too_large())
}

/// Parse `"NUMBER CODE"` or `"CODE NUMBER"` (one or more spaces between, or none when the
/// code comes first and is not a letter-digit run that would swallow the number).
pub fn parse_amount(text: &str) -> Result<Amount, AmountError> {
    let malformed = || AmountError::Malformed {
        found: text.to_string(),
    };
    let trimmed = text.trim();
    let mut parts = trimmed.split_whitespace();
    let (first, second) = match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), None) => (a, b),
        _ => return Err(malformed()),
    };
    let first_is_number = first
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'-' || b == b'+' || b == b'.');
    let (number, code) = if first_is_number {
        (first, second)
    } else {
        (second, first)
    };
    if !is_code(code) {
        return Err(AmountError::BadCode {
            found: code.to_string(),
        });
    }
    Ok(Amount::new(parse_number(number)?, code))
}

/// Format a value with exactly `scale` decimal places. The value must already fit the scale
/// (checked on entry), so this only pads with zeros; it never rounds. Values with more places
/// than `scale` (which the model refuses) are printed with all their digits rather than cut.
/// Padding stops at `Decimal::MAX_SCALE` (28) places: `Decimal::rescale` past it builds a value
/// that its own `Display` panics on (found by the `amount` fuzz target).
pub fn format_at_scale(value: Decimal, scale: u32) -> String {
    let target = scale.min(Decimal::MAX_SCALE);
    let (mut m, mut s) = (value.mantissa().unsigned_abs(), value.scale());
    // What `normalize` then `rescale` below give, without their work: trailing zeros off down
    // to `target` places, zeros on up to it.
    while s > target && m % 10 == 0 {
        m /= 10;
        s -= 1;
    }
    let pad = target.saturating_sub(s);
    // `rescale` pads only while the mantissa fits in 96 bits.
    let fits = 10u128
        .checked_pow(pad)
        .and_then(|p| m.checked_mul(p))
        .is_some_and(|v| v < 1 << 96);
    if !fits {
        return format_rescaled(value, target);
    }
    let mut digits = [0u8; 40];
    let n = decimal_digits(m, &mut digits);
    let digits = &digits[digits.len() - n..];
    let places = s as usize;
    let mut out = String::with_capacity(n + places + pad as usize + 3);
    if value.is_sign_negative() && digits != b"0" {
        out.push('-');
    }
    let split = n.saturating_sub(places);
    out.push_str(if split == 0 {
        "0"
    } else {
        ascii(&digits[..split])
    });
    if places + pad as usize > 0 {
        out.push('.');
        out.extend(std::iter::repeat_n('0', places.saturating_sub(n)));
        out.push_str(ascii(&digits[split..]));
        out.extend(std::iter::repeat_n('0', pad as usize));
    }
    out
}

/// The decimal digits of `m` at the end of `out`; how many. Divides in 64 bits while the
/// value fits (a 128-bit division is a call, and most amounts fit).
fn decimal_digits(mut m: u128, out: &mut [u8; 40]) -> usize {
    let mut n = 0;
    while m > u128::from(u64::MAX) {
        out[out.len() - 1 - n] = b'0' + (m % 10) as u8;
        n += 1;
        m /= 10;
    }
    let mut m = m as u64;
    loop {
        out[out.len() - 1 - n] = b'0' + (m % 10) as u8;
        n += 1;
        m /= 10;
        if m == 0 {
            return n;
        }
    }
}

/// ASCII digits as text.
fn ascii(digits: &[u8]) -> &str {
    std::str::from_utf8(digits).unwrap_or_default()
}

/// [`format_at_scale`] by `Decimal`'s own `normalize`, `rescale` and `Display`: for the values
/// whose padding would not fit in 96 bits.
fn format_rescaled(value: Decimal, scale: u32) -> String {
    let mut v = value.normalize();
    let scale = scale.min(Decimal::MAX_SCALE);
    if v.scale() < scale {
        v.rescale(scale);
    }
    if v.is_zero() {
        // Avoid "-0.000".
        v.set_sign_positive(true);
    }
    v.to_string()
}

/// `format_at_scale` with `,` digit groups, for tables meant for people.
pub fn format_grouped(value: Decimal, scale: u32) -> String {
    let plain = format_at_scale(value, scale);
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain.as_str()),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::with_capacity(plain.len() + plain.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Exact addition: `a + b` to the last digit, or an error naming what overflowed.
///
/// `Decimal::checked_add` returns `None` only when the integer part overflows; a sum that needs
/// more than 96 bits at the operands' scale is silently rounded to fewer decimal places
/// (`99999999999999999999999999.99 * 9 + 0.01` comes out as `...999.9`). An exact sum keeps
/// the larger of the two scales, so a result with a smaller scale lost digits and is refused
/// (but for a zero operand, which `Decimal` answers with the other one as it is: exact).
/// Every sum that a user's numbers flow into goes through this function (or its siblings).
pub fn exact_add(
    a: Decimal,
    b: Decimal,
    what: impl FnOnce() -> String,
) -> Result<Decimal, AmountError> {
    match a.checked_add(b) {
        Some(s) if a.is_zero() || b.is_zero() || s.scale() >= a.scale().max(b.scale()) => Ok(s),
        _ => Err(AmountError::Overflow { what: what() }),
    }
}

/// Exact subtraction: `a - b` to the last digit (see [`exact_add`]).
pub fn exact_sub(
    a: Decimal,
    b: Decimal,
    what: impl FnOnce() -> String,
) -> Result<Decimal, AmountError> {
    match a.checked_sub(b) {
        Some(s) if a.is_zero() || b.is_zero() || s.scale() >= a.scale().max(b.scale()) => Ok(s),
        _ => Err(AmountError::Overflow { what: what() }),
    }
}

/// The exact sum of `values` (see [`exact_add`]); zero for none.
pub fn exact_sum(
    values: impl IntoIterator<Item = Decimal>,
    what: impl Fn() -> String,
) -> Result<Decimal, AmountError> {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |s, v| exact_add(s, v, &what))
}

/// Exact addition (the name older call sites use): see [`exact_add`].
pub fn checked_add(
    a: Decimal,
    b: Decimal,
    what: impl FnOnce() -> String,
) -> Result<Decimal, AmountError> {
    exact_add(a, b, what)
}

/// Exact subtraction under the name older call sites use: see [`exact_sub`].
pub fn checked_sub(
    a: Decimal,
    b: Decimal,
    what: impl FnOnce() -> String,
) -> Result<Decimal, AmountError> {
    exact_sub(a, b, what)
}

/// Checked multiplication with a typed error naming what overflowed.
///
/// Exact, like [`exact_add`]: `Decimal` keeps a product at the sum of its operands' scales when
/// the digits fit, and otherwise drops decimal places silently (`1.0000000000001 ×
/// 99999999999999.99` loses its last digits); such a product is refused. (A zero operand is
/// exact whatever the scale.)
pub fn checked_mul(
    a: Decimal,
    b: Decimal,
    what: impl FnOnce() -> String,
) -> Result<Decimal, AmountError> {
    match a.checked_mul(b) {
        Some(p) if a.is_zero() || b.is_zero() || p.scale() >= a.scale() + b.scale() => Ok(p),
        _ => Err(AmountError::Overflow { what: what() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn twenty_nine_significant_digits_are_all_kept() {
        for text in [
            "10000000000000000000000000000",
            "-12345678901234567890123456789",
            "0.1234567890123456789012345678",
            "000001234567890123456789012345678.9",
        ] {
            assert_eq!(parse_number(text), parse_number_by_copy(text), "{text}");
        }
        assert_eq!(
            parse_number("10000000000000000000000000000"),
            Ok(d("10000000000000000000000000000"))
        );
    }

    /// `parse_number` as it was before it read digits straight into the mantissa: through a
    /// copied digit string and `i128::from_str`. The property below holds the two to the same
    /// answer on every input.
    fn parse_number_by_copy(text: &str) -> Result<Decimal, AmountError> {
        let bad = || AmountError::NotANumber {
            found: text.to_string(),
        };
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (int_part, frac_part) = match rest.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (rest, None),
        };
        if int_part.is_empty() {
            return Err(bad());
        }
        let mut digits = String::new();
        if int_part.contains(',') {
            for (i, group) in int_part.split(',').enumerate() {
                let ok = group.bytes().all(|b| b.is_ascii_digit())
                    && if i == 0 {
                        (1..=3).contains(&group.len())
                    } else {
                        group.len() == 3
                    };
                if !ok {
                    return Err(bad());
                }
                digits.push_str(group);
            }
        } else {
            if !int_part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            digits.push_str(int_part);
        }
        let mut scale = 0u32;
        if let Some(frac) = frac_part {
            if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            digits.push_str(frac);
            scale = frac.len() as u32;
        }
        let significant = digits.trim_start_matches('0');
        let int_digits = digits.len() - scale as usize;
        if significant.len() > 29 || scale > 28 || int_digits > 29 {
            return Err(AmountError::TooLarge {
                found: text.to_string(),
            });
        }
        let mantissa: i128 = if significant.is_empty() {
            0
        } else {
            significant.parse().map_err(|_| bad())?
        };
        let mantissa = if negative { -mantissa } else { mantissa };
        Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| AmountError::TooLarge {
            found: text.to_string(),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 4096,
            // Failures are shown with their minimal input; no regression file beside the code.
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn parse_number_agrees_with_the_copying_parser(
            text in "[-+]?0{0,3}[0-9,]{0,33}(\\.[0-9,]{0,31})?[0-9a.-]?",
        ) {
            prop_assert_eq!(parse_number(&text), parse_number_by_copy(&text));
        }

        #[test]
        fn parse_number_agrees_near_the_largest_numbers(
            text in "-?0{0,2}[1-7][0-9]{20,30}(\\.[0-9]{1,29})?",
        ) {
            prop_assert_eq!(parse_number(&text), parse_number_by_copy(&text));
        }

        #[test]
        fn parse_number_agrees_on_any_text(text in "\\PC{0,40}") {
            prop_assert_eq!(parse_number(&text), parse_number_by_copy(&text));
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn numbers_in_our_grammar() {
        assert_eq!(parse_number("160").unwrap(), d("160"));
        assert_eq!(parse_number("-160.000").unwrap(), d("-160.000"));
        assert_eq!(parse_number("+1.5").unwrap(), d("1.5"));
        assert_eq!(
            parse_number("1,600,000,000.00").unwrap(),
            d("1600000000.00")
        );
        assert_eq!(parse_number("0").unwrap(), Decimal::ZERO);
        assert_eq!(parse_number("000123").unwrap(), d("123"));
    }

    #[test]
    fn numbers_refused() {
        for bad in [
            "", "-", ".5", "5.", "1e3", "1_000", "1,00", "12,3456", ",100", "1..2", "abc", "1.2.3",
            "--1", "1 000", "0x10",
        ] {
            assert!(parse_number(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn numbers_too_large_are_errors_not_rounded() {
        assert!(matches!(
            parse_number("79228162514264337593543950336"),
            Err(AmountError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_number("0.12345678901234567890123456789"),
            Err(AmountError::TooLarge { .. })
        ));
        assert_eq!(
            parse_number("79228162514264337593543950335").unwrap(),
            Decimal::MAX
        );
    }

    #[test]
    fn amounts_either_side() {
        assert_eq!(
            parse_amount("160 mcm").unwrap(),
            Amount::new(d("160"), "mcm")
        );
        assert_eq!(
            parse_amount("USD -5.00").unwrap(),
            Amount::new(d("-5.00"), "USD")
        );
        assert_eq!(
            parse_amount("  -1,000 USD ").unwrap(),
            Amount::new(d("-1000"), "USD")
        );
        assert!(parse_amount("160").is_err());
        assert!(parse_amount("160 mcm extra").is_err());
        assert!(parse_amount("mcm USD").is_err());
        assert!(matches!(
            parse_amount("160 m$"),
            Err(AmountError::BadCode { .. })
        ));
    }

    #[test]
    fn scale_is_checked_never_rounded() {
        let mcm = Commodity {
            code: "mcm".into(),
            kind: Kind::Volume,
            scale: 3,
        };
        assert!(mcm.check_scale(d("1.234")).is_ok());
        assert!(
            mcm.check_scale(d("1.2340")).is_ok(),
            "trailing zeros are not digits"
        );
        let err = mcm.check_scale(d("1.2345")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "1.2345 mcm has 4 decimal places but mcm allows 3"
        );
    }

    #[test]
    fn formatting_at_scale() {
        assert_eq!(format_at_scale(d("160"), 3), "160.000");
        assert_eq!(format_at_scale(d("-0.000"), 2), "0.00");
        assert_eq!(format_at_scale(d("1.50"), 0), "1.5");
        assert_eq!(format_grouped(d("-1600000000"), 2), "-1,600,000,000.00");
        assert_eq!(format_grouped(d("999"), 0), "999");
    }

    #[test]
    fn formatting_past_the_largest_scale_pads_to_28_places_only() {
        // Regression (fuzz target `amount`): rescaling past 28 places made `Display` panic
        // (scale 1000), or printed 29-30 places that `parse_number` refuses.
        let v = d("0.0000000000000001");
        for scale in [29, 30, 1000, u32::MAX] {
            let text = format_at_scale(v, scale);
            assert_eq!(text, "0.0000000000000001000000000000", "scale {scale}");
            assert_eq!(parse_number(&text).unwrap(), v);
            assert_eq!(parse_number(&format_grouped(v, scale)).unwrap(), v);
        }
        assert_eq!(
            format_at_scale(Decimal::MAX, 1000),
            Decimal::MAX.to_string()
        );
    }

    /// A decimal from raw parts: any 96-bit mantissa, sign and scale.
    fn raw(lo: u64, hi: u32, negative: bool, scale: u32) -> Decimal {
        Decimal::from_parts(lo as u32, (lo >> 32) as u32, hi, negative, scale)
    }

    /// The exact sum of two decimals as (mantissa, scale) at the larger scale of the non-zero
    /// ones, from wide integers; `None` when even the alignment does not fit in 128 bits (then
    /// the sum is far past 96 bits).
    fn reference_sum(a: Decimal, b: Decimal) -> Option<(i128, u32)> {
        let scale = |x: Decimal| if x.is_zero() { 0 } else { x.scale() };
        let s = scale(a).max(scale(b));
        let align = |x: Decimal| {
            10i128
                .checked_pow(s.saturating_sub(x.scale()))
                .and_then(|f| x.mantissa().checked_mul(f))
        };
        Some((align(a)?.checked_add(align(b)?)?, s))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// `exact_add` and `exact_sub` against wide-integer arithmetic: the exact result when
        /// it fits in 96 bits at the operands' larger scale, an error otherwise.
        #[test]
        fn exact_add_matches_wide_integers(
            (alo, ahi, an, asc) in (prop_oneof![Just(0u64), 0u64..1000, any::<u64>()], prop_oneof![Just(0u32), Just(u32::MAX), any::<u32>(), 0u32..16], any::<bool>(), 0u32..=28),
            (blo, bhi, bn, bsc) in (prop_oneof![Just(0u64), 0u64..1000, any::<u64>()], prop_oneof![Just(0u32), Just(u32::MAX), any::<u32>(), 0u32..16], any::<bool>(), 0u32..=28),
            sub in any::<bool>(),
        ) {
            let (a, b) = (raw(alo, ahi, an, asc), raw(blo, bhi, bn, bsc));
            let got = if sub {
                exact_sub(a, b, || "x".into())
            } else {
                exact_add(a, b, || "x".into())
            };
            let limit = 1i128 << 96;
            match reference_sum(a, if sub { -b } else { b }) {
                Some((m, s)) if m.abs() < limit => {
                    let r = got.expect("an exact sum that fits is refused");
                    prop_assert_eq!(r, Decimal::from_i128_with_scale(m, s));
                    if !a.is_zero() && !b.is_zero() {
                        prop_assert_eq!(r.scale(), s);
                    }
                }
                _ => prop_assert!(got.is_err(), "{a} and {b}: {got:?}, not representable"),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The digit-by-digit `format_at_scale` against `Decimal`'s own normalize, rescale and
        /// display, on every kind of mantissa, scale and padding.
        #[test]
        fn format_at_scale_matches_decimals_own_display(
            (lo, hi, negative, scale) in (prop_oneof![Just(0u64), 0u64..1000, any::<u64>()], prop_oneof![Just(0u32), Just(u32::MAX), any::<u32>(), 0u32..16], any::<bool>(), 0u32..=28),
            places in prop_oneof![0u32..=4, 0u32..=40],
        ) {
            let v = raw(lo, hi, negative, scale);
            prop_assert_eq!(format_at_scale(v, places), format_rescaled(v, places.min(28)));
        }
    }

    #[test]
    fn overflow_is_an_error() {
        assert!(checked_add(Decimal::MAX, Decimal::ONE, || "x".into()).is_err());
        // Nine times 99999999999999999999999999.99 plus 0.01 needs 30 digits: refused, where
        // Decimal's own addition drops the last decimal place.
        let big = d("99999999999999999999999999.99");
        let seven = exact_sum(std::iter::repeat_n(big, 7), || "x".into()).unwrap();
        assert_eq!(seven.to_string(), "699999999999999999999999999.93");
        assert!(exact_add(seven, big, || "x".into()).is_err());
        assert!(
            seven.checked_add(big).is_some(),
            "Decimal itself rounds silently"
        );
        assert!(exact_sum(
            [big, big, big, big, big, big, big, big, big, d("0.01")],
            || { "x".into() }
        )
        .is_err());
        assert_eq!(
            exact_sub(d("1.10"), d("0.1"), || "x".into())
                .unwrap()
                .to_string(),
            "1.00"
        );
        // A zero operand comes back as the other one, at its own scale: still exact.
        assert_eq!(
            exact_sub(d("0.00"), Decimal::ZERO, || "x".into()).unwrap(),
            Decimal::ZERO
        );
        assert_eq!(exact_add(d("0.00"), d("5"), || "x".into()).unwrap(), d("5"));
        assert!(checked_mul(Decimal::MAX, d("2"), || "x".into()).is_err());
        // Digits that a product would lose are refused; a product that fits is kept whole.
        assert!(checked_mul(d("1.0000000000001"), d("99999999999999.99"), || "x".into()).is_err());
        assert_eq!(
            checked_mul(d("160.000"), d("109000.00"), || "x".into()).unwrap(),
            d("17440000.00000")
        );
        assert_eq!(
            checked_mul(d("0"), d("0.1234567890123456789012345678"), || "x".into()).unwrap(),
            d("0")
        );
    }
}
