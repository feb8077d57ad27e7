//! Volume and energy units, and exact conversions between them.
//!
//! Volume: `m3`, `mcm` (10^6 m3), `bcm` (10^9 m3), `mcf` (10^3 ft3), `bcf` (10^9 ft3), with
//! 1 ft3 = 0.028316846592 m3 exactly (the international foot is 0.3048 m). Energy: `MJ`, `GJ`,
//! `TJ`, `PJ`, `MWh` (3600 MJ), `MMBtu` (1.055056 GJ). A gross calorific value is in MJ per m3.
//! A commodity whose code is one of these converts; any other code is a plain commodity.
//!
//! Invariant: nothing here rounds. Conversions are done on exact rationals ([`Ratio`], i128
//! numerator and denominator) and come back as a `Decimal` only when the result *is* a finite
//! decimal that a `Decimal` holds; otherwise the caller gets [`UnitError::NotExact`] with the
//! value to 28 significant digits, and decides (the swap module refuses the leg). Arithmetic that
//! would overflow is an error, never a panic.

use rust_decimal::Decimal;
use std::fmt;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum UnitError {
    #[error("{code} is not a unit gasledger converts (volume: m3, mcm, bcm, mcf, bcf; energy: MJ, GJ, TJ, PJ, MWh, MMBtu)")]
    Unknown { code: String },
    #[error("cannot convert {from} ({from_dimension}) into {to} ({to_dimension})")]
    Incompatible {
        from: String,
        from_dimension: Dimension,
        to: String,
        to_dimension: Dimension,
    },
    /// The exact result is not a finite decimal, or has more digits than a `Decimal` holds.
    #[error(
        "{what} is {approx}…{}, which no exact decimal holds",
        unit_suffix(code)
    )]
    NotExact {
        what: String,
        approx: String,
        code: String,
    },
    #[error("arithmetic overflow: {what} exceeds the range of exact arithmetic")]
    Overflow { what: String },
}

fn unit_suffix(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(" {code}")
    }
}

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Volume,
    Energy,
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dimension::Volume => "volume",
            Dimension::Energy => "energy",
        })
    }
}

/// A unit: its code, what it measures, and its size in the base unit of its dimension (m3 for
/// volume, MJ for energy) as an exact decimal `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub code: &'static str,
    pub dimension: Dimension,
    base_mantissa: i64,
    base_scale: u32,
}

impl Unit {
    /// The size of one of this unit in m3 (volume) or MJ (energy), exactly.
    pub fn in_base(self) -> Decimal {
        Decimal::new(self.base_mantissa, self.base_scale)
    }
}

const fn unit(code: &'static str, dimension: Dimension, mantissa: i64, scale: u32) -> Unit {
    Unit {
        code,
        dimension,
        base_mantissa: mantissa,
        base_scale: scale,
    }
}

/// Every unit gasledger knows. Codes are case-sensitive (`MJ` is a megajoule; `mJ` would be a
/// millijoule, which is not a unit here).
pub const UNITS: &[Unit] = &[
    unit("m3", Dimension::Volume, 1, 0),
    unit("mcm", Dimension::Volume, 1_000_000, 0),
    unit("bcm", Dimension::Volume, 1_000_000_000, 0),
    // 10^3 ft3 = 28.316846592 m3.
    unit("mcf", Dimension::Volume, 28_316_846_592, 9),
    // 10^9 ft3 = 28,316,846.592 m3.
    unit("bcf", Dimension::Volume, 28_316_846_592, 3),
    unit("MJ", Dimension::Energy, 1, 0),
    unit("GJ", Dimension::Energy, 1_000, 0),
    unit("TJ", Dimension::Energy, 1_000_000, 0),
    unit("PJ", Dimension::Energy, 1_000_000_000, 0),
    unit("MWh", Dimension::Energy, 3_600, 0),
    // 1.055056 GJ.
    unit("MMBtu", Dimension::Energy, 1_055_056, 3),
];

/// The unit with this code, if gasledger knows it.
pub fn find(code: &str) -> Option<Unit> {
    UNITS.iter().copied().find(|u| u.code == code)
}

/// The unit with this code, or an error naming the units known.
pub fn require(code: &str) -> Result<Unit, UnitError> {
    find(code).ok_or_else(|| UnitError::Unknown {
        code: code.to_string(),
    })
}

/// `value` in `from` expressed in `to`, exactly. Both must measure the same dimension.
pub fn convert(value: Decimal, from: Unit, to: Unit) -> Result<Decimal, UnitError> {
    if from.dimension != to.dimension {
        return Err(UnitError::Incompatible {
            from: from.code.to_string(),
            from_dimension: from.dimension,
            to: to.code.to_string(),
            to_dimension: to.dimension,
        });
    }
    if from == to {
        return Ok(value);
    }
    let what = || format!("{value} {}", from.code);
    let overflow = || UnitError::Overflow { what: what() };
    Ratio::from_decimal(value)
        .checked_mul(Ratio::from_decimal(from.in_base()))
        .and_then(|r| r.checked_div(Ratio::from_decimal(to.in_base())))
        .ok_or_else(overflow)?
        .to_exact(what, to.code)
}

/// The energy of `volume` (in a volume unit) at a gross calorific value of `gcv_mj_per_m3`,
/// expressed in the energy unit `to`, exactly: volume in m3 × GCV = MJ, then MJ → `to`.
pub fn energy_of(
    volume: Decimal,
    volume_unit: Unit,
    gcv_mj_per_m3: Decimal,
    to: Unit,
) -> Result<Decimal, UnitError> {
    for (u, want) in [(volume_unit, Dimension::Volume), (to, Dimension::Energy)] {
        if u.dimension != want {
            return Err(UnitError::Incompatible {
                from: volume_unit.code.to_string(),
                from_dimension: volume_unit.dimension,
                to: to.code.to_string(),
                to_dimension: to.dimension,
            });
        }
    }
    let what = || format!("{volume} {} at {gcv_mj_per_m3} MJ/m3", volume_unit.code);
    let overflow = || UnitError::Overflow { what: what() };
    Ratio::from_decimal(volume)
        .checked_mul(Ratio::from_decimal(volume_unit.in_base()))
        .and_then(|r| r.checked_mul(Ratio::from_decimal(gcv_mj_per_m3)))
        .and_then(|r| r.checked_div(Ratio::from_decimal(to.in_base())))
        .ok_or_else(overflow)?
        .to_exact(what, to.code)
}

/// `a × b` exactly, or an error when the exact product does not fit a `Decimal` (28 decimal
/// places, 96-bit mantissa). `Decimal`'s own `*` silently rounds such a product.
pub fn exact_mul(a: Decimal, b: Decimal) -> Result<Decimal, UnitError> {
    let what = || format!("{a} × {b}");
    Ratio::from_decimal(a)
        .checked_mul(Ratio::from_decimal(b))
        .ok_or_else(|| UnitError::Overflow { what: what() })?
        .to_exact(what, "")
}

/// An exact rational number `num / den`, `den > 0`, always reduced. Only what conversions need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    num: i128,
    den: i128,
}

/// The greatest common divisor, on magnitudes (so `i128::MIN` cannot overflow). The result
/// divides the denominator, which is positive, so it fits; 1 (no reduction) otherwise.
fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    i128::try_from(a).unwrap_or(1)
}

impl Ratio {
    /// A `Decimal` exactly: its mantissa over 10^scale (scale ≤ 28, so 10^scale fits an i128).
    pub fn from_decimal(d: Decimal) -> Ratio {
        Ratio::reduced(d.mantissa(), 10i128.pow(d.scale()))
    }

    fn reduced(num: i128, den: i128) -> Ratio {
        let g = gcd(num, den).max(1);
        Ratio {
            num: num / g,
            den: den / g,
        }
    }

    /// The product, cross-reduced first so that intermediate values stay small.
    pub fn checked_mul(self, o: Ratio) -> Option<Ratio> {
        let g1 = gcd(self.num, o.den).max(1);
        let g2 = gcd(o.num, self.den).max(1);
        let num = (self.num / g1).checked_mul(o.num / g2)?;
        let den = (self.den / g2).checked_mul(o.den / g1)?;
        Some(Ratio::reduced(num, den))
    }

    /// The quotient; `None` on overflow or division by zero.
    pub fn checked_div(self, o: Ratio) -> Option<Ratio> {
        if o.num == 0 {
            return None;
        }
        let (num, den) = if o.num < 0 {
            (o.den.checked_neg()?, o.num.checked_neg()?)
        } else {
            (o.den, o.num)
        };
        self.checked_mul(Ratio { num, den })
    }

    /// The exact decimal, if the denominator has no prime factor but 2 and 5 and the result
    /// fits a `Decimal`.
    pub fn to_decimal(self) -> Option<Decimal> {
        let (mut twos, mut fives, mut rest) = (0u32, 0u32, self.den);
        while rest % 2 == 0 {
            rest /= 2;
            twos += 1;
        }
        while rest % 5 == 0 {
            rest /= 5;
            fives += 1;
        }
        if rest != 1 {
            return None;
        }
        let scale = twos.max(fives);
        if scale > 28 {
            return None;
        }
        // den × factor = 10^scale; both fit since scale ≤ 28.
        let factor = 10i128.pow(scale) / self.den;
        let mantissa = self.num.checked_mul(factor)?;
        Decimal::try_from_i128_with_scale(mantissa, scale).ok()
    }

    /// The value to about 28 significant digits, for messages only.
    pub fn approx(self) -> String {
        let exact = |x: i128| Decimal::try_from_i128_with_scale(x, 0).ok();
        match (exact(self.num), exact(self.den)) {
            (Some(n), Some(d)) => match n.checked_div(d) {
                Some(q) => q.normalize().to_string(),
                None => format!("{}/{}", self.num, self.den),
            },
            _ => format!("{}/{}", self.num, self.den),
        }
    }

    fn to_exact(self, what: impl FnOnce() -> String, code: &str) -> Result<Decimal, UnitError> {
        self.to_decimal().ok_or_else(|| UnitError::NotExact {
            what: what(),
            approx: self.approx(),
            code: code.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn u(code: &str) -> Unit {
        find(code).unwrap()
    }

    #[test]
    fn every_unit_is_found_and_codes_are_case_sensitive() {
        for code in [
            "m3", "mcm", "bcm", "mcf", "bcf", "MJ", "GJ", "TJ", "PJ", "MWh", "MMBtu",
        ] {
            assert_eq!(find(code).map(|u| u.code), Some(code));
        }
        assert!(find("MCM").is_none());
        assert!(find("mj").is_none());
        assert!(find("USD").is_none());
        assert!(require("Sm3").unwrap_err().to_string().contains("Sm3"));
    }

    #[test]
    fn volume_conversions_are_exact() {
        assert_eq!(
            convert(d("160"), u("mcm"), u("m3")).unwrap(),
            d("160000000")
        );
        assert_eq!(convert(d("0.16"), u("bcm"), u("mcm")).unwrap(), d("160"));
        assert_eq!(convert(d("160"), u("mcm"), u("bcm")).unwrap(), d("0.16"));
        // 1,000 ft3 = 1000 × 0.3048^3 m3.
        assert_eq!(
            convert(d("1"), u("mcf"), u("m3")).unwrap(),
            d("28.316846592")
        );
        assert_eq!(
            convert(d("1"), u("bcf"), u("mcm")).unwrap(),
            d("28.316846592")
        );
        assert_eq!(convert(d("1000000"), u("mcf"), u("bcf")).unwrap(), d("1"));
        assert_eq!(
            convert(d("-2.5"), u("mcm"), u("m3")).unwrap(),
            d("-2500000")
        );
    }

    #[test]
    fn energy_conversions_are_exact() {
        assert_eq!(convert(d("1"), u("MWh"), u("GJ")).unwrap(), d("3.6"));
        assert_eq!(convert(d("1"), u("MMBtu"), u("GJ")).unwrap(), d("1.055056"));
        assert_eq!(convert(d("1"), u("PJ"), u("TJ")).unwrap(), d("1000"));
        assert_eq!(
            convert(d("1055.056"), u("GJ"), u("MMBtu")).unwrap(),
            d("1000")
        );
    }

    #[test]
    fn a_result_that_is_no_finite_decimal_is_an_error_naming_it() {
        let e = convert(d("1"), u("m3"), u("mcf")).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, UnitError::NotExact { .. }));
        assert!(
            msg.starts_with("1 m3 is 0.03531466672148859025043801"),
            "{msg}"
        );
        assert!(convert(d("1"), u("GJ"), u("MWh")).is_err(), "1/3.6 repeats");
    }

    #[test]
    fn dimensions_do_not_mix() {
        let e = convert(d("1"), u("mcm"), u("GJ")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot convert mcm (volume) into GJ (energy)"
        );
        assert!(energy_of(d("1"), u("GJ"), d("38"), u("GJ")).is_err());
        assert!(energy_of(d("1"), u("mcm"), d("38"), u("mcm")).is_err());
    }

    #[test]
    fn energy_from_volume_and_calorific_value() {
        // 160 mcm at 38.5 MJ/m3 = 6.16e9 MJ = 6,160,000 GJ = 6,160 TJ.
        assert_eq!(
            energy_of(d("160"), u("mcm"), d("38.5"), u("GJ")).unwrap(),
            d("6160000")
        );
        assert_eq!(
            energy_of(d("160"), u("mcm"), d("38.5"), u("TJ")).unwrap(),
            d("6160")
        );
        // 1 mcf at 38 MJ/m3 = 28.316846592 × 38 MJ = 1076.040170496 MJ.
        assert_eq!(
            energy_of(d("1"), u("mcf"), d("38"), u("MJ")).unwrap(),
            d("1076.040170496")
        );
        // 36 MJ/m3 × 100 m3 = 3600 MJ = 1 MWh exactly; at 38.5 it repeats.
        assert_eq!(
            energy_of(d("100"), u("m3"), d("36"), u("MWh")).unwrap(),
            d("1")
        );
        assert!(energy_of(d("160"), u("mcm"), d("38.5"), u("MMBtu")).is_err());
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let e = convert(Decimal::MAX, u("bcf"), u("m3")).unwrap_err();
        assert!(
            matches!(e, UnitError::Overflow { .. } | UnitError::NotExact { .. }),
            "{e:?}"
        );
        assert!(energy_of(Decimal::MAX, u("bcm"), Decimal::MAX, u("MJ")).is_err());
        assert!(exact_mul(Decimal::MAX, d("2")).is_err());
    }

    #[test]
    fn exact_mul_refuses_what_decimal_would_round() {
        assert_eq!(exact_mul(d("1.250"), d("0.01")).unwrap(), d("0.0125"));
        assert_eq!(exact_mul(d("0"), d("0.01")).unwrap(), d("0"));
        // 28 + 2 decimal places: Decimal's `*` would round this silently.
        let tiny = d("0.0000000000000000000000000001");
        assert_eq!(tiny * d("0.01"), Decimal::ZERO);
        assert!(exact_mul(tiny, d("0.01")).is_err());
    }

    #[test]
    fn extreme_numerators_do_not_panic() {
        let r = Ratio {
            num: i128::MIN,
            den: 3,
        };
        assert_eq!(r.to_decimal(), None);
        assert!(r.checked_mul(r).is_none());
        assert_eq!(gcd(i128::MIN, 2), 2);
    }

    #[test]
    fn ratios_reduce_and_keep_signs() {
        let r = Ratio::from_decimal(d("-0.50"));
        assert_eq!(r, Ratio { num: -1, den: 2 });
        let q = Ratio::from_decimal(d("1"))
            .checked_div(Ratio::from_decimal(d("-4")))
            .unwrap();
        assert_eq!(q.to_decimal(), Some(d("-0.25")));
        assert!(Ratio::from_decimal(d("1"))
            .checked_div(Ratio::from_decimal(d("0")))
            .is_none());
    }
}
