//! Calendar dates (proleptic Gregorian, years 1..=9999), validated on parse.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DateError {
    #[error("expected a date like 2022-01-31, found {found:?}")]
    Malformed { found: String },
    #[error("{found} is not a date: {why}")]
    Impossible { found: String, why: String },
}

/// A day. Ordered chronologically; packed as `yyyymmdd` when stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

pub fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The first date the ledger holds.
    pub const MIN: Date = Date {
        year: 1,
        month: 1,
        day: 1,
    };
    /// The last date the ledger holds.
    pub const MAX: Date = Date {
        year: 9999,
        month: 12,
        day: 31,
    };

    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, DateError> {
        let found = || format!("{year:04}-{month:02}-{day:02}");
        if !(1..=9999).contains(&year) {
            return Err(DateError::Impossible {
                found: found(),
                why: "year must be between 1 and 9999".into(),
            });
        }
        if !(1..=12).contains(&month) {
            return Err(DateError::Impossible {
                found: found(),
                why: format!("there is no month {month}"),
            });
        }
        let max = days_in_month(year, month);
        if day == 0 || day > max {
            return Err(DateError::Impossible {
                found: found(),
                why: format!("month {month} of {year} has {max} days"),
            });
        }
        Ok(Date { year, month, day })
    }

    pub fn year(self) -> u16 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// `yyyymmdd` as an integer: sorts like the date.
    pub fn packed(self) -> u32 {
        self.year as u32 * 10_000 + self.month as u32 * 100 + self.day as u32
    }

    /// Days from `earlier` to this date (negative when this one is before it).
    pub fn days_since(self, earlier: Date) -> i64 {
        self.day_number() - earlier.day_number()
    }

    /// Days since 0000-03-01 in the proleptic Gregorian calendar (a year starting in March
    /// puts the leap day last): consecutive dates have consecutive numbers.
    pub fn day_number(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era_day = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        y * 365 + y / 4 - y / 100 + y / 400 + era_day
    }

    /// The date of day number `n` ([`Date::day_number`]); `None` outside years 1 to 9999.
    pub fn from_day_number(n: i64) -> Option<Date> {
        // Whole 400-year eras of 146097 days, then the year of the era, the day of that year
        // (from March 1) and its month, counting from March as `day_number` does.
        let era = n.div_euclid(146_097);
        let day_of_era = n.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = era * 400 + year_of_era + i64::from(month <= 2);
        let year = u16::try_from(year).ok()?;
        Date::new(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?).ok()
    }

    /// The day after, `None` after 9999-12-31.
    pub fn next(self) -> Option<Date> {
        Date::from_day_number(self.day_number() + 1)
    }

    /// The day before, `None` before 0001-01-01.
    pub fn previous(self) -> Option<Date> {
        Date::from_day_number(self.day_number() - 1)
    }

    /// The date `days` days later (earlier when negative), or `None` outside years 1..=9999.
    pub fn add_days(self, days: i64) -> Option<Date> {
        Date::from_day_number(self.day_number().checked_add(days)?)
    }

    pub fn from_packed(v: u32) -> Result<Date, DateError> {
        Date::new((v / 10_000) as u16, (v / 100 % 100) as u8, (v % 100) as u8)
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD`; written digit by digit, as exports print millions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year > 9999 || self.month > 99 || self.day > 99 {
            return write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day);
        }
        let digit = |v: u16, place: u16| b'0' + (v / place % 10) as u8;
        let (y, m, d) = (self.year, u16::from(self.month), u16::from(self.day));
        let text = [
            digit(y, 1000),
            digit(y, 100),
            digit(y, 10),
            digit(y, 1),
            b'-',
            digit(m, 10),
            digit(m, 1),
            b'-',
            digit(d, 10),
            digit(d, 1),
        ];
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for Date {
    type Err = DateError;
    /// `YYYY-MM-DD`, or `YYYY/MM/DD` and `YYYY.MM.DD` as hledger accepts; one or two digits for
    /// month and day.
    fn from_str(s: &str) -> Result<Date, DateError> {
        let malformed = || DateError::Malformed {
            found: s.to_string(),
        };
        // Read byte by byte: dates are most of what a journal's headers hold.
        let b = s.as_bytes();
        let number = |digits: &[u8]| {
            digits
                .iter()
                .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'))
        };
        let (year, rest) = match b.split_first_chunk::<4>() {
            Some((y, rest)) if y.iter().all(u8::is_ascii_digit) => (number(y), rest),
            _ => return Err(malformed()),
        };
        let Some((&sep, rest)) = rest.split_first() else {
            return Err(malformed());
        };
        if !matches!(sep, b'-' | b'/' | b'.') {
            return Err(malformed());
        }
        let mut parts = rest.split(|c| *c == sep);
        let (m, d) = match (parts.next(), parts.next(), parts.next()) {
            (Some(m), Some(d), None) => (m, d),
            _ => return Err(malformed()),
        };
        let ok = |t: &[u8]| (1..=2).contains(&t.len()) && t.iter().all(u8::is_ascii_digit);
        if !ok(m) || !ok(d) {
            return Err(malformed());
        }
        Date::new(year, number(m) as u8, number(d) as u8)
    }
}

impl TryFrom<String> for Date {
    type Error = DateError;
    fn try_from(s: String) -> Result<Date, DateError> {
        s.parse()
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn days_count_one_a_day_across_months_and_leap_years() {
        let mut prev: Option<Date> = None;
        for year in [1, 2, 1899, 1900, 1999, 2000, 2022, 2024, 9999] {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    let d = Date::new(year, month, day).unwrap();
                    if let Some(p) = prev.filter(|p| p.year == year || p.year + 1 == year) {
                        assert_eq!(d.days_since(p), 1, "{p} to {d}");
                    }
                    prev = Some(d);
                }
            }
        }
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(d("2022-03-01").days_since(d("2022-01-31")), 29);
        assert_eq!(d("2022-01-31").days_since(d("2022-03-01")), -29);
        assert_eq!(d("2025-01-01").days_since(d("2024-01-01")), 366);
        assert_eq!(d("2024-02-28").next(), Some(d("2024-02-29")));
        assert_eq!(d("2023-03-01").previous(), Some(d("2023-02-28")));
        assert_eq!(d("9999-12-31").next(), None);
        assert_eq!(d("0001-01-01").previous(), None);
        assert_eq!(
            Date::from_day_number(d("0001-01-01").day_number()),
            Some(d("0001-01-01"))
        );
    }

    /// `Date::from_str` as it was before it read bytes: the property below holds the two to
    /// the same answer.
    fn date_by_split(s: &str) -> Result<Date, DateError> {
        let malformed = || DateError::Malformed {
            found: s.to_string(),
        };
        let sep = s
            .bytes()
            .find(|b| matches!(b, b'-' | b'/' | b'.'))
            .ok_or_else(malformed)?;
        let mut parts = s.split(sep as char);
        let (y, m, d) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), Some(d), None) => (y, m, d),
            _ => return Err(malformed()),
        };
        let digits = |t: &str, lo: usize, hi: usize| {
            (lo..=hi).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
            return Err(malformed());
        }
        let parse = |t: &str| t.parse::<u16>().map_err(|_| malformed());
        Date::new(parse(y)?, parse(m)? as u8, parse(d)? as u8)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 4096,
            // Failures are shown with their minimal input; no regression file beside the code.
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn dates_read_as_before(s in "[0-9]{3,5}[-/.x]?[0-9]{0,3}[-/.x]?[0-9]{0,3}[-/.]?[0-9]?") {
            prop_assert_eq!(s.parse::<Date>(), date_by_split(&s));
        }

        #[test]
        fn day_numbers_go_back_to_their_date(year in 1u16..=9999, month in 1u8..=12, day in 1u8..=31) {
            if let Ok(d) = Date::new(year, month, day) {
                prop_assert_eq!(Date::from_day_number(d.day_number()), Some(d));
                prop_assert_eq!(d.next().map(|n| n.days_since(d)).unwrap_or(1), 1);
            }
        }

        #[test]
        fn any_text_reads_as_before(s in "\\PC{0,14}") {
            prop_assert_eq!(s.parse::<Date>(), date_by_split(&s));
        }
    }

    #[test]
    fn adding_days_is_the_inverse_of_counting_them() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(d("2013-03-31").add_days(30), Some(d("2013-04-30")));
        assert_eq!(d("2016-02-28").add_days(1), Some(d("2016-02-29")));
        assert_eq!(d("2016-12-31").add_days(1), Some(d("2017-01-01")));
        assert_eq!(d("2000-03-01").add_days(-1), Some(d("2000-02-29")));
        assert_eq!(d("0001-01-01").add_days(-1), None);
        assert_eq!(d("9999-12-31").add_days(1), None);
        let start = d("1899-12-25");
        for n in 0..(366 * 5) {
            let later = start.add_days(n).unwrap();
            assert_eq!(later.days_since(start), n, "{later}");
            assert_eq!(later.add_days(-n), Some(start));
        }
    }

    #[test]
    fn parses_and_orders() {
        let a: Date = "2022-01-31".parse().unwrap();
        let b: Date = "2022/2/1".parse().unwrap();
        assert!(a < b);
        assert_eq!(b.to_string(), "2022-02-01");
        assert_eq!(Date::from_packed(a.packed()).unwrap(), a);
    }

    #[test]
    fn impossible_dates_refused() {
        for bad in [
            "2022-02-29",
            "2022-13-01",
            "2022-04-31",
            "0000-01-01",
            "2022-00-10",
        ] {
            assert!(
                matches!(bad.parse::<Date>(), Err(DateError::Impossible { .. })),
                "{bad}"
            );
        }
        assert!("2024-02-29".parse::<Date>().is_ok());
        for bad in [
            "2022",
            "22-01-01",
            "2022-01-01-01",
            "2022-1a-01",
            "",
            "2022-01-",
        ] {
            assert!(
                matches!(bad.parse::<Date>(), Err(DateError::Malformed { .. })),
                "{bad}"
            );
        }
    }
}
