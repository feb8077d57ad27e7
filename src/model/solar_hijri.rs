//! The Solar Hijri (Iranian) calendar, Iran's official one: a year begins on Nowruz, 1
//! Farvardin, and has 365 or 366 days; years count from the Hijra (1401 began on 2022-03-21).
//!
//! Iran's rule is astronomical: Nowruz is the day of the March equinox when the equinox falls
//! before noon Iran Standard Time (the 52.5° E meridian, UTC+03:30), else the next day. An
//! equinox cannot be computed exactly in integers, so the calendar here is the arithmetic
//! 33-year rule (the one ICU uses): year y is leap when (25y + 11) mod 33 < 8, so that
//! ⌊(8y + 21) / 33⌋, less a constant, counts the leap years before y, and Nowruz of year y is
//! 365 days a year plus one a leap year after Nowruz 1391 (2012-03-20).
//!
//! **Exact, and only accepted, for the years 1206 to 1498** (1827-03-22 to 2120-03-20): the
//! years whose Nowruz the Iranian calendar authority (the Calendar Center of the Institute of
//! Geophysics, University of Tehran) publishes in its table of leap years, 1206–1498; the
//! tests check every one of them. Outside it the rule is not the calendar or nobody knows yet:
//! the 33-year rule first departs from the astronomical rule at 1502 (R. Pournader's
//! computation at 52.5° E, which ICU4X's correction table follows), and a Nowruz further ahead
//! depends on the equinox's predicted time. A date outside the range is refused, never guessed.
//! The calendar itself was adopted in 1304 (1925); years before are proleptic, as published.
//!
//! Integers only: dates are day numbers ([`Date::day_number`]).

use crate::model::date::Date;
use thiserror::Error;

/// The first Iranian year accepted.
pub const FIRST_YEAR: u16 = 1206;
/// The last Iranian year accepted.
pub const LAST_YEAR: u16 = 1498;
/// Nowruz of [`FIRST_YEAR`], the first date accepted.
pub const FIRST_DAY: &str = "1827-03-22";
/// The last day of [`LAST_YEAR`], the last date accepted.
pub const LAST_DAY: &str = "2120-03-20";

/// The year the arithmetic is anchored to, and the day number of its Nowruz (2012-03-20).
const ANCHOR_YEAR: i64 = 1391;
const ANCHOR_NOWRUZ: i64 = 734_887;

/// What the calendar refuses.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SolarHijriError {
    #[error("{date} is outside the Iranian years {FIRST_YEAR} to {LAST_YEAR} ({FIRST_DAY} to {LAST_DAY}), the years whose Nowruz the Iranian calendar authority has published; gasledger does not guess the others")]
    DateOutOfRange { date: Date },
    #[error("the Iranian year {year} is outside the years {FIRST_YEAR} to {LAST_YEAR}, the years whose Nowruz the Iranian calendar authority has published")]
    YearOutOfRange { year: i64 },
    #[error("the Iranian year {year} has {length} days, not {day}")]
    NoSuchDay { year: u16, day: u16, length: u16 },
}

/// A day of the Iranian calendar: its year and its day in the year (1 is Nowruz, 1 Farvardin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SolarDay {
    pub year: u16,
    pub day_of_year: u16,
}

/// The leap years of the 33-year rule before year `y`, up to a constant.
fn leaps_before(y: i64) -> i64 {
    (8 * y + 21).div_euclid(33)
}

/// The day number of Nowruz of year `y` under the 33-year rule (any year; range unchecked).
fn nowruz_number(y: i64) -> i64 {
    ANCHOR_NOWRUZ + 365 * (y - ANCHOR_YEAR) + leaps_before(y) - leaps_before(ANCHOR_YEAR)
}

fn check_year(year: u16) -> Result<i64, SolarHijriError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(i64::from(year))
    } else {
        Err(SolarHijriError::YearOutOfRange {
            year: i64::from(year),
        })
    }
}

/// Nowruz (1 Farvardin) of `year`, as a Gregorian date.
pub fn nowruz(year: u16) -> Result<Date, SolarHijriError> {
    let y = check_year(year)?;
    Date::from_day_number(nowruz_number(y)).ok_or(SolarHijriError::YearOutOfRange { year: y })
}

/// The days of `year`: 365, or 366 in a leap year (Esfand, the last month, has 30 days).
pub fn year_length(year: u16) -> Result<u16, SolarHijriError> {
    let y = check_year(year)?;
    // 365 or 366 by the rule's construction: ⌊(8y + 29)/33⌋ − ⌊(8y + 21)/33⌋ is 0 or 1.
    Ok(365 + u16::from(leaps_before(y + 1) - leaps_before(y) == 1))
}

/// The Iranian year and day of the year of a Gregorian date.
pub fn from_gregorian(date: Date) -> Result<SolarDay, SolarHijriError> {
    let n = date.day_number();
    let out = || SolarHijriError::DateOutOfRange { date };
    let first = nowruz_number(i64::from(FIRST_YEAR));
    let after_last = nowruz_number(i64::from(LAST_YEAR) + 1);
    if n < first || n >= after_last {
        return Err(out());
    }
    // 12053 days make 33 years: an estimate within a year, then stepped to the one holding n.
    let mut y = ANCHOR_YEAR
        + (n - ANCHOR_NOWRUZ).div_euclid(12_053) * 33
        + (n - ANCHOR_NOWRUZ).rem_euclid(12_053) / 366;
    while nowruz_number(y) > n {
        y -= 1;
    }
    while nowruz_number(y + 1) <= n {
        y += 1;
    }
    Ok(SolarDay {
        year: u16::try_from(y).map_err(|_| out())?,
        day_of_year: u16::try_from(n - nowruz_number(y) + 1).map_err(|_| out())?,
    })
}

/// The Gregorian date of a day of the Iranian calendar.
pub fn to_gregorian(day: SolarDay) -> Result<Date, SolarHijriError> {
    let length = year_length(day.year)?;
    if day.day_of_year == 0 || day.day_of_year > length {
        return Err(SolarHijriError::NoSuchDay {
            year: day.year,
            day: day.day_of_year,
            length,
        });
    }
    let n = nowruz_number(i64::from(day.year)) + i64::from(day.day_of_year) - 1;
    Date::from_day_number(n).ok_or(SolarHijriError::YearOutOfRange {
        year: i64::from(day.year),
    })
}

#[cfg(test)]
mod tests;
