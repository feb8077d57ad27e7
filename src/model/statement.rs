//! `Statement`: the balances a party claims at a date (its `Claim`s), checked against the
//! chart.

use crate::model::amount::Amount;
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::id::check_id;
use crate::model::text::{self, TEXT_LEN_MAX};
use serde::{Deserialize, Serialize};

/// One balance a party claims in a statement. Amounts carry the ledger's signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub account: String,
    pub amount: Amount,
}

/// The balances a party claims at a date (a letter, a monthly statement). Not a transaction:
/// it never changes balances; reconciliation compares it with the books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub date: Date,
    pub party: String,
    /// Its idempotency key, as a transaction's: the same id with the same content is recorded
    /// once, with other content refused. Absent from statements stored before ids existed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub claims: Vec<Claim>,
}

impl Statement {
    /// Check a statement against the chart, and write its amounts at their commodities'
    /// scales (so that "5 USD" and "5.00 USD" are the same content): the party and every
    /// claimed account declared, amounts at their scale, one claim per account, and every
    /// text one the journal can hold.
    pub fn complete(&mut self, chart: &Chart) -> Result<(), LedgerError> {
        if !chart.parties.contains_key(&self.party) {
            return Err(LedgerError::UndeclaredParty {
                code: self.party.clone(),
                account: self.party.clone(),
            });
        }
        if let Some(id) = &self.id {
            check_id(id)?;
        }
        if let Some(source) = &self.source {
            text::length("statement source", source, TEXT_LEN_MAX)?;
            text::tag_value("statement source", source)?;
        }
        let header = 64
            + self.party.len()
            + text::tags_len(self.id.as_deref().map(|id| ("id", id)))
            + text::tags_len(self.source.as_deref().map(|s| ("source", s)));
        text::check_line("the statement's first line", header)?;
        let mut seen = std::collections::HashSet::with_capacity(self.claims.len());
        for c in &mut self.claims {
            chart.account(&c.account)?;
            let commodity = chart.commodity(&c.amount.commodity)?;
            commodity.check_scale(c.amount.value)?;
            if !seen.insert(c.account.as_str()) {
                return Err(LedgerError::RepeatedClaim {
                    party: self.party.clone(),
                    date: self.date,
                    account: c.account.clone(),
                });
            }
            let mut v = c.amount.value;
            v.rescale(commodity.scale);
            if v == c.amount.value {
                c.amount.value = v;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::chart::tests::chart;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn statements_claim_once_per_account_at_scale() {
        let claim = |v: &str| Claim {
            account: "TM:cash".into(),
            amount: Amount::new(d(v), "USD"),
        };
        let mut s = Statement {
            date: "2022-06-30".parse().unwrap(),
            party: "TM".into(),
            id: Some("s1".into()),
            source: None,
            claims: vec![claim("5")],
        };
        s.complete(&chart()).unwrap();
        assert_eq!(s.claims[0].amount.value.to_string(), "5.00");
        for second in ["5", "6"] {
            let mut s2 = s.clone();
            s2.claims.push(claim(second));
            assert!(matches!(
                s2.complete(&chart()),
                Err(LedgerError::RepeatedClaim { .. })
            ));
        }
        let mut s3 = s.clone();
        s3.source = Some("a\nb".into());
        assert!(s3.complete(&chart()).is_err());
        let mut s4 = s.clone();
        s4.party = "AZ".into();
        assert!(s4.complete(&chart()).is_err());
    }

    #[test]
    fn a_statement_without_an_id_is_stored_as_before() {
        // Stores keep statements as JSON: one without an id is written as before ids existed
        // (no "id" key), and what older versions wrote reads back with no id.
        let s = Statement {
            date: "2022-06-30".parse().unwrap(),
            party: "TM".into(),
            id: None,
            source: Some("letter".into()),
            claims: vec![],
        };
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("\"id\""), "{json}");
        let old: Statement = serde_json::from_str(&json).unwrap();
        assert_eq!(old, s);
        let with_id = Statement {
            id: Some("s1".into()),
            ..s
        };
        let json = serde_json::to_string(&with_id).unwrap();
        assert_eq!(serde_json::from_str::<Statement>(&json).unwrap(), with_id);
    }
}
