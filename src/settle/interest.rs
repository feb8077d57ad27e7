//! Interest on arrears, the arithmetic: the day-count conventions and the one function that
//! rounds an amount of interest ([`interest_of`]).
//!
//! Interest on a base B at a yearly rate r over a period is B × r × days / year-days, where the
//! day count says how the days are counted and how many a year has:
//!
//! - `act/365`: the actual days between the two dates, over 365 (a leap year too);
//! - `act/360`: the actual days, over 360;
//! - `30/360`: the 30E/360 convention (the "Eurobond basis", ISDA 2006 section 4.16(g)):
//!   every month counts 30 days, a first or last day that is the 31st counts as the 30th, and
//!   nothing else is adjusted (the end of February stays the 28th or 29th); over 360.
//!
//! The product is exact (a rational number); it is rounded once, half-even, to the money's scale.

use super::error::{overflow, SettleError};
use crate::model::amount;
use crate::model::date::Date;
use rust_decimal::Decimal;

/// How the days of an interest period are counted, and how many a year has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DayCount {
    /// Actual days over 365.
    #[default]
    Act365,
    /// Actual days over 360.
    Act360,
    /// 30E/360: months of 30 days, the 31st counted as the 30th; over 360.
    Thirty360,
}

impl DayCount {
    pub const ALL: [DayCount; 3] = [DayCount::Act365, DayCount::Act360, DayCount::Thirty360];

    /// The word an agreement and the command line name it by.
    pub fn name(self) -> &'static str {
        match self {
            DayCount::Act365 => "act/365",
            DayCount::Act360 => "act/360",
            DayCount::Thirty360 => "30/360",
        }
    }

    pub fn parse(word: &str) -> Option<DayCount> {
        DayCount::ALL.into_iter().find(|d| d.name() == word)
    }

    /// The days of the period from `from` to `to` (negative when `to` is before `from`).
    pub fn days(self, from: Date, to: Date) -> i64 {
        match self {
            DayCount::Act365 | DayCount::Act360 => to.days_since(from),
            DayCount::Thirty360 => {
                let day = |d: Date| i64::from(d.day().min(30));
                360 * (i64::from(to.year()) - i64::from(from.year()))
                    + 30 * (i64::from(to.month()) - i64::from(from.month()))
                    + (day(to) - day(from))
            }
        }
    }

    /// The days of a year under this convention: the denominator.
    pub fn year_days(self) -> i64 {
        match self {
            DayCount::Act365 => 365,
            DayCount::Act360 | DayCount::Thirty360 => 360,
        }
    }
}

impl std::fmt::Display for DayCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The interest of one period, with what it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accrued {
    /// base × rate × days, exact: the interest is this over the year's days.
    pub product: Decimal,
    pub year_days: i64,
    /// The interest, rounded half-even once to the money's scale.
    pub interest: Decimal,
}

/// **The one place interest is rounded**: `base × rate × days / year_days`, computed exactly,
/// rounded half-even to `scale`. Base, rate and days are not negative.
pub fn interest_of(
    base: Decimal,
    rate: Decimal,
    days: i64,
    day_count: DayCount,
    scale: u32,
) -> Result<Accrued, SettleError> {
    let what = || format!("interest on {base} at {rate} for {days} days");
    let per_year = amount::checked_mul(base, rate, what).map_err(|_| overflow(what()))?;
    let product =
        amount::checked_mul(per_year, Decimal::from(days), what).map_err(|_| overflow(what()))?;
    let year_days = day_count.year_days();
    let interest = divide_half_even(product, year_days, scale).ok_or_else(|| overflow(what()))?;
    Ok(Accrued {
        product,
        year_days,
        interest,
    })
}

/// `value / divisor`, rounded half-even to `scale`, in integers: value = m / 10^s, so the
/// result × 10^scale is m × 10^scale / (10^s × divisor). `None` beyond i128 or `Decimal`.
fn divide_half_even(value: Decimal, divisor: i64, scale: u32) -> Option<Decimal> {
    if divisor <= 0 {
        return None;
    }
    let num = value.mantissa().checked_mul(10i128.checked_pow(scale)?)?;
    let den = 10i128
        .checked_pow(value.scale())?
        .checked_mul(i128::from(divisor))?;
    let (q, r) = (num / den, num % den);
    // |r| < den; compare 2|r| with den without overflow.
    let twice = r.unsigned_abs().checked_mul(2)?;
    let away = twice > den.unsigned_abs() || (twice == den.unsigned_abs() && q % 2 != 0);
    let q = if away { q + num.signum() } else { q };
    Decimal::try_from_i128_with_scale(q, scale).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn thirty_e_360_counts_months_of_thirty_days() {
        let days = |a: &str, b: &str| DayCount::Thirty360.days(date(a), date(b));
        assert_eq!(days("2016-01-31", "2016-03-31"), 60);
        assert_eq!(days("2016-02-29", "2016-03-31"), 31);
        assert_eq!(days("2015-02-28", "2015-03-31"), 32);
        assert_eq!(days("2016-01-30", "2016-01-31"), 0);
        assert_eq!(days("2013-04-30", "2017-01-01"), 3 * 360 + 8 * 30 + 1);
        assert_eq!(
            DayCount::Act365.days(date("2016-01-31"), date("2016-03-31")),
            60
        );
    }

    #[test]
    fn interest_is_rounded_half_even_once() {
        // 1000.00 × 0.06 × 365 / 365 = 60 exactly.
        let a = interest_of(d("1000.00"), d("0.06"), 365, DayCount::Act365, 2).unwrap();
        assert_eq!(a.interest, d("60.00"));
        // 100.00 × 0.05 × 1 / 360 = 0.013888… → 0.01.
        let a = interest_of(d("100.00"), d("0.05"), 1, DayCount::Act360, 2).unwrap();
        assert_eq!(a.interest, d("0.01"));
        // 0.25 × 0.06 × 365 / 365 = 0.015, a tie: to the even 0.02; 0.045 → 0.04.
        let tie = |base: &str| {
            interest_of(d(base), d("0.06"), 365, DayCount::Act365, 2)
                .unwrap()
                .interest
        };
        assert_eq!(tie("0.25"), d("0.02"));
        assert_eq!(tie("0.75"), d("0.04"));
        assert_eq!(divide_half_even(d("0.125"), 1, 2), Some(d("0.12")));
        assert_eq!(divide_half_even(d("0.135"), 1, 2), Some(d("0.14")));
        assert_eq!(divide_half_even(d("-0.135"), 1, 2), Some(d("-0.14")));
        assert_eq!(divide_half_even(d("7"), 0, 2), None);
    }
}
