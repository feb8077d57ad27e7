//! `Fixing`: the rate of one commodity in another on a day (`P 2022-09-30 EUR 1.0566 USD`, or
//! `price add EUR --date 2022-09-30 --rate "1.0566 USD"`), what a payment in one currency that
//! settles an obligation in another converts at. A fixing is recorded once: the same rate again
//! changes nothing, another rate for the same commodities and day is refused.

use crate::model::amount::{Amount, SCALE_MAX};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One unit of `commodity` is worth `rate` (an amount of another commodity) on `date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fixing {
    pub date: Date,
    pub commodity: String,
    pub rate: Amount,
}

/// What identifies a fixing: the commodity, the commodity it is quoted in, the day.
pub type FixingKey = (String, String, Date);

impl Fixing {
    pub fn key(&self) -> FixingKey {
        (
            self.commodity.clone(),
            self.rate.commodity.clone(),
            self.date,
        )
    }

    /// Both commodities declared and different, the rate positive, with at most
    /// [`SCALE_MAX`] decimal places (a rate is not held to its commodity's scale: 1.05663 USD
    /// is a rate, not an amount of money).
    pub fn check(&self, chart: &Chart) -> Result<(), LedgerError> {
        let bad = |why: String| LedgerError::BadFixing {
            fixing: self.to_string(),
            why,
        };
        chart.commodity(&self.commodity)?;
        chart.commodity(&self.rate.commodity)?;
        if self.commodity == self.rate.commodity {
            return Err(bad(format!(
                "a commodity has no rate in itself ({} in {})",
                self.commodity, self.rate.commodity
            )));
        }
        if self.rate.value <= Decimal::ZERO {
            return Err(bad("the rate must be positive".into()));
        }
        if self.rate.value.scale() > SCALE_MAX {
            return Err(bad(format!(
                "the rate has {} decimal places, at most {SCALE_MAX}",
                self.rate.value.scale()
            )));
        }
        Ok(())
    }

    /// Whether `other` says the same (the same rate, whatever its trailing zeros).
    pub fn same_as(&self, other: &Fixing) -> bool {
        self.key() == other.key() && self.rate.value == other.rate.value
    }
}

/// As the journal writes it, without the `P`: `2022-09-30 EUR 1.0566 USD`.
impl fmt::Display for Fixing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.date, self.commodity, self.rate.value, self.rate.commodity
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::amount::{Commodity, Kind};
    use std::str::FromStr;

    fn chart() -> Chart {
        let mut c = Chart::default();
        for code in ["EUR", "USD"] {
            c.commodities.insert(
                code.into(),
                Commodity {
                    code: code.into(),
                    kind: Kind::Money,
                    scale: 2,
                },
            );
        }
        c
    }

    fn fixing(commodity: &str, rate: &str, quote: &str) -> Fixing {
        Fixing {
            date: Date::from_str("2022-09-30").unwrap(),
            commodity: commodity.into(),
            rate: Amount::new(Decimal::from_str(rate).unwrap(), quote),
        }
    }

    #[test]
    fn a_fixing_is_two_declared_commodities_and_a_positive_rate() {
        assert!(fixing("EUR", "1.05663", "USD").check(&chart()).is_ok());
        for (f, why) in [
            (fixing("EUR", "1.0566", "EUR"), "no rate in itself"),
            (fixing("EUR", "0", "USD"), "must be positive"),
            (fixing("EUR", "-1.2", "USD"), "must be positive"),
            (fixing("GBP", "1.2", "USD"), "commodity GBP is not declared"),
            (
                fixing("EUR", "1.0000000000000000001", "USD"),
                "19 decimal places",
            ),
        ] {
            let e = f.check(&chart()).unwrap_err().to_string();
            assert!(e.contains(why), "{f}: {e}");
        }
        let a = fixing("EUR", "1.0566", "USD");
        assert!(a.same_as(&fixing("EUR", "1.05660", "USD")));
        assert!(!a.same_as(&fixing("EUR", "1.0567", "USD")));
        assert_eq!(a.to_string(), "2022-09-30 EUR 1.0566 USD");
    }
}
