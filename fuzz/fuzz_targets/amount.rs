//! Arbitrary text through the amount grammar: never a panic, and what parses prints back.
//!
//! The first byte picks a scale (0 to 255, past `Decimal`'s 28 on purpose), the rest is the
//! text. Invariants:
//!
//! - a number that `parse_number` accepts, formatted with `format_at_scale` (and with
//!   `format_grouped`) at any scale, parses back to the same value; the plain form never
//!   has fewer decimals than the scale asks for when the value fits the scale, and never
//!   cuts digits when it does not;
//! - an amount that `parse_amount` accepts prints (`Display`) as text that parses back to the
//!   same amount;
//! - `check_scale` agrees with the formatted text: it passes exactly when formatting at the
//!   scale adds no decimals beyond it.

#![no_main]

use gasledger::amount::{
    format_at_scale, format_grouped, parse_amount, parse_number, Commodity, Kind,
};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

fn decimals(text: &str) -> u32 {
    text.split_once('.').map_or(0, |(_, f)| f.len() as u32)
}

fn pow10(n: u32) -> Decimal {
    (0..n).fold(Decimal::ONE, |acc, _| acc * Decimal::TEN)
}

fn check_number(v: Decimal, scale: u32) {
    for s in [scale, 0, v.scale(), 2, 3, 18] {
        let plain = format_at_scale(v, s);
        assert_eq!(
            parse_number(&plain).ok(),
            Some(v),
            "format_at_scale({v}, {s}) = {plain:?}"
        );
        let grouped = format_grouped(v, s);
        assert_eq!(
            parse_number(&grouped).ok(),
            Some(v),
            "format_grouped({v}, {s}) = {grouped:?}"
        );
        let commodity = Commodity {
            code: "X".into(),
            kind: Kind::Money,
            scale: s,
        };
        let shown = decimals(&plain);
        let places = v.normalize().scale();
        if commodity.check_scale(v).is_ok() {
            // Padded, never past the scale; exactly to the scale whenever a Decimal can hold
            // the value with that many places (|v| < 10^(28 - s) always can).
            assert!(places <= shown && shown <= s, "{v} at {s}: {plain:?}");
            let fits = s <= 28 && v.abs() < pow10(28 - s);
            assert!(!fits || shown == s, "{v} at {s}: {plain:?} not padded");
        } else {
            // More places than the scale: every digit is printed, none cut.
            assert_eq!(shown, places, "{v} at {s}: {plain:?} cut digits");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let scale = u32::from(first);
    if let Ok(v) = parse_number(text) {
        check_number(v, scale);
    }
    if let Ok(a) = parse_amount(text) {
        check_number(a.value, scale);
        let shown = a.to_string();
        assert_eq!(
            parse_amount(&shown).as_ref(),
            Ok(&a),
            "{a:?} shows as {shown:?}"
        );
        let code_first = format!("{} {}", a.commodity, format_at_scale(a.value, scale));
        assert_eq!(parse_amount(&code_first).as_ref(), Ok(&a), "{code_first:?}");
    }
});
