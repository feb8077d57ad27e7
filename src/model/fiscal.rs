//! Fiscal years: the years a report groups its periods by when they do not run from January
//! to December.
//!
//! - `iran`: the Iranian (Solar Hijri) year, from Nowruz (1 Farvardin) to the eve of the next,
//!   labelled by its number: `1401` runs from 2022-03-21 to 2023-03-20
//!   ([`crate::model::solar_hijri`], which accepts only the years it is exact for).
//! - `MM-DD`: a year from a fixed first day to the day before it a year later, labelled by the
//!   two calendar years it spans, as `2022/23` (2022-04-01 to 2023-03-31 for `04-01`); `01-01`
//!   is the calendar year, labelled `2022`. A single number would be ambiguous: "FY2022" is
//!   the year that starts in 2022 in some countries and the one that ends in it in others.
//!   February 29 is refused as a first day, since most years have none.

use crate::model::date::{days_in_month, Date};
use crate::model::solar_hijri::{self, SolarDay, SolarHijriError};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// How years are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fiscal {
    /// The Iranian year, from Nowruz.
    Iran,
    /// A year from a fixed first day (`month`-`day`).
    FixedStart { month: u8, day: u8 },
}

/// One fiscal year: its label and its first and last days (within the dates the ledger holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalYear {
    pub label: String,
    pub first: Date,
    pub last: Date,
}

/// What a fiscal year refuses.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FiscalError {
    #[error("expected a fiscal year as iran or MM-DD, its first day (04-01: from April 1), found {found:?}")]
    Malformed { found: String },
    #[error("a fiscal year cannot start on {found}: {why}")]
    NoSuchDay { found: String, why: String },
    #[error(transparent)]
    Calendar(#[from] SolarHijriError),
}

impl FromStr for Fiscal {
    type Err = FiscalError;

    /// `iran`, or `MM-DD` with two digits each.
    fn from_str(s: &str) -> Result<Fiscal, FiscalError> {
        if s == "iran" {
            return Ok(Fiscal::Iran);
        }
        let malformed = || FiscalError::Malformed {
            found: s.to_string(),
        };
        let two_digits = |t: &str| {
            (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<u8>().ok())
                .flatten()
        };
        let (m, d) = s.split_once('-').ok_or_else(malformed)?;
        let (month, day) = two_digits(m).zip(two_digits(d)).ok_or_else(malformed)?;
        let no_such_day = |why: String| FiscalError::NoSuchDay {
            found: s.to_string(),
            why,
        };
        if !(1..=12).contains(&month) {
            return Err(no_such_day(format!("there is no month {month}")));
        }
        if (month, day) == (2, 29) {
            return Err(no_such_day(
                "most years have no February 29 (start on 03-01 or 02-28)".into(),
            ));
        }
        // A common year: February 29 is refused above.
        let max = days_in_month(2023, month);
        if day == 0 || day > max {
            return Err(no_such_day(format!("month {month} has {max} days")));
        }
        Ok(Fiscal::FixedStart { month, day })
    }
}

impl fmt::Display for Fiscal {
    /// As it is given: `iran`, `04-01`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fiscal::Iran => write!(f, "iran"),
            Fiscal::FixedStart { month, day } => write!(f, "{month:02}-{day:02}"),
        }
    }
}

impl Fiscal {
    /// The fiscal year that holds `d`. An Iranian year outside the years the calendar is
    /// exact for is refused.
    pub fn year_of(self, d: Date) -> Result<FiscalYear, FiscalError> {
        match self {
            Fiscal::Iran => iranian_year(d),
            Fiscal::FixedStart { month, day } => Ok(fixed_year(d, month, day)),
        }
    }

    /// What a report's heading says of its years.
    pub fn describe(self) -> String {
        match self {
            Fiscal::Iran => "Iranian years (Solar Hijri, from Nowruz)".to_string(),
            Fiscal::FixedStart { month: 1, day: 1 } => "calendar years".to_string(),
            Fiscal::FixedStart { .. } => format!("fiscal years from {self}"),
        }
    }
}

fn iranian_year(d: Date) -> Result<FiscalYear, FiscalError> {
    let year = solar_hijri::from_gregorian(d)?.year;
    let last = SolarDay {
        year,
        day_of_year: solar_hijri::year_length(year)?,
    };
    Ok(FiscalYear {
        label: year.to_string(),
        first: solar_hijri::nowruz(year)?,
        last: solar_hijri::to_gregorian(last)?,
    })
}

/// The year from `month`-`day` that holds `d`; its first and last days are cut to the dates
/// the ledger holds (a year that starts before 0001-01-01 or ends after 9999-12-31).
fn fixed_year(d: Date, month: u8, day: u8) -> FiscalYear {
    let start = if (d.month(), d.day()) >= (month, day) {
        d.year()
    } else {
        d.year() - 1
    };
    let first = Date::new(start, month, day).unwrap_or(Date::MIN);
    let last = Date::new(start + 1, month, day)
        .ok()
        .and_then(Date::previous)
        .unwrap_or(Date::MAX);
    let label = if (month, day) == (1, 1) {
        format!("{start:04}")
    } else {
        format!("{start:04}/{:02}", (start + 1) % 100)
    };
    FiscalYear { label, first, last }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn year(f: &str, d: &str) -> (String, String, String) {
        let y = f.parse::<Fiscal>().unwrap().year_of(date(d)).unwrap();
        (y.label, y.first.to_string(), y.last.to_string())
    }

    fn t(label: &str, first: &str, last: &str) -> (String, String, String) {
        (label.into(), first.into(), last.into())
    }

    #[test]
    fn iranian_years_run_from_nowruz() {
        let y1401 = t("1401", "2022-03-21", "2023-03-20");
        assert_eq!(year("iran", "2022-03-21"), y1401);
        assert_eq!(year("iran", "2023-03-20"), y1401);
        assert_eq!(year("iran", "2022-03-20").0, "1400");
        // 1403 is a leap year: Nowruz 2024-03-20 to 2025-03-20, 366 days.
        assert_eq!(
            year("iran", "2024-12-31"),
            t("1403", "2024-03-20", "2025-03-20")
        );
        let e = Fiscal::Iran.year_of(date("2200-01-01")).unwrap_err();
        assert!(matches!(e, FiscalError::Calendar(_)), "{e}");
    }

    #[test]
    fn fixed_years_run_from_their_first_day() {
        let fy = t("2022/23", "2022-04-01", "2023-03-31");
        assert_eq!(year("04-01", "2022-04-01"), fy);
        assert_eq!(year("04-01", "2023-03-31"), fy);
        assert_eq!(year("04-01", "2022-03-31").0, "2021/22");
        assert_eq!(
            year("01-01", "2022-07-01"),
            t("2022", "2022-01-01", "2022-12-31")
        );
        // The eve of March 1 is February 29 in a leap year.
        assert_eq!(
            year("03-01", "2024-02-29"),
            t("2023/24", "2023-03-01", "2024-02-29")
        );
        assert_eq!(year("10-01", "2099-12-01").0, "2099/00");
        // Cut to the dates the ledger holds.
        assert_eq!(
            year("04-01", "0001-01-05"),
            t("0000/01", "0001-01-01", "0001-03-31")
        );
        assert_eq!(
            year("04-01", "9999-12-31"),
            t("9999/00", "9999-04-01", "9999-12-31")
        );
    }

    #[test]
    fn what_is_not_a_first_day_is_refused() {
        for bad in ["13-01", "00-10", "02-30", "04-31", "02-29", "01-00"] {
            let e = bad.parse::<Fiscal>().unwrap_err();
            assert!(matches!(e, FiscalError::NoSuchDay { .. }), "{bad}: {e}");
        }
        for bad in [
            "Iran", "4-01", "04-1", "0401", "04-01-01", "", "+4-01", "calendar",
        ] {
            let e = bad.parse::<Fiscal>().unwrap_err();
            assert!(matches!(e, FiscalError::Malformed { .. }), "{bad}: {e}");
        }
        assert_eq!(
            "02-30".parse::<Fiscal>().unwrap_err().to_string(),
            "a fiscal year cannot start on 02-30: month 2 has 28 days"
        );
        assert_eq!("04-01".parse::<Fiscal>().unwrap().to_string(), "04-01");
    }
}
