//! `Transaction` and its `Posting`s, `Price`s and `Status`: `Transaction::complete`, every
//! check that does not depend on the store's balances, with the inference of the one missing
//! amount; `reversal`; `posting_weight`, what a posting weighs for balancing.

use crate::model::amount::{self, Amount, AmountError};
use crate::model::balance::{check_balanced, residuals, weight, PriceKind};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::error::{check_len, LedgerError};
use crate::model::id::check_id;
use crate::model::limits::{AMOUNT_TEXT_LEN_MAX, DESCRIPTION_LEN_MAX, POSTINGS_MAX, TAGS_MAX};
use crate::model::text::{self, TEXT_LEN_MAX};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Cleared, pending, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Unmarked,
    Pending,
    Cleared,
}

impl Status {
    pub fn mark(self) -> &'static str {
        match self {
            Status::Unmarked => "",
            Status::Pending => "!",
            Status::Cleared => "*",
        }
    }
}

/// A price attached to a posting, converting it for balancing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "amount")]
pub enum Price {
    /// `@ UNIT PRICE`: the posting's amount × this.
    Unit(Amount),
    /// `@@ TOTAL PRICE`: this, with the posting's sign.
    Total(Amount),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: String,
    /// `None` only before [`Transaction::complete`]: the one posting whose amount is inferred.
    pub amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// `= AMOUNT`: the account's balance in that commodity after this posting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assertion: Option<Amount>,
    /// Tags from the posting's comment, `key: value`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<(String, String)>,
}

impl Posting {
    pub fn new(account: impl Into<String>, amount: Option<Amount>) -> Posting {
        Posting {
            account: account.into(),
            amount,
            price: None,
            assertion: None,
            tags: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub date: Date,
    #[serde(default)]
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub description: String,
    /// Tags other than `id`, in the order given.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub postings: Vec<Posting>,
}

impl Transaction {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The exact opposite of this transaction, linked to it by the tag `reverses`. Amounts are
    /// negated, prices kept (so it balances the same way), balance assertions dropped (they held
    /// for the original's place in the journal, not for this one's).
    pub fn reversal(&self, date: Date, id: Option<String>, reason: Option<&str>) -> Transaction {
        let mut tags = vec![(
            "reverses".to_string(),
            self.id.clone().unwrap_or_else(|| self.description.clone()),
        )];
        if let Some(r) = reason {
            tags.push(("reason".to_string(), r.to_string()));
        }
        Transaction {
            date,
            status: self.status,
            code: None,
            description: format!("Reversal: {}", self.description),
            tags,
            id,
            postings: self
                .postings
                .iter()
                .map(|p| Posting {
                    account: p.account.clone(),
                    amount: p.amount.as_ref().map(Amount::neg),
                    price: p.price.clone(),
                    assertion: None,
                    tags: p.tags.clone(),
                })
                .collect(),
        }
    }

    /// Check everything that does not depend on the store's balances, and fill in the inferred
    /// amount: declared accounts and commodities, scales, limits, and the balance invariant.
    /// After this, every posting has an amount.
    pub fn complete(&mut self, chart: &Chart) -> Result<(), LedgerError> {
        self.check_count()?;
        check_len("description", &self.description, DESCRIPTION_LEN_MAX)?;
        if let Some(id) = &self.id {
            check_id(id)?;
        }
        if self.tags.len() > TAGS_MAX {
            return Err(LedgerError::TooManyTags {
                found: self.tags.len(),
            });
        }
        self.check_text()?;
        for p in &self.postings {
            chart.account(&p.account)?;
            if let Some(a) = &p.amount {
                chart.commodity(&a.commodity)?.check_scale(a.value)?;
            }
            if let Some(price) = &p.price {
                check_price(chart, p.amount.as_ref(), price)?;
            }
            if let Some(a) = &p.assertion {
                chart.commodity(&a.commodity)?.check_scale(a.value)?;
            }
        }
        if let Some(a) = self.infer()? {
            chart.commodity(&a.commodity)?.check_scale(a.value)?;
        }
        check_balanced(self.postings.iter().filter_map(posting_weight))?;
        self.normalize(chart)
    }

    /// What [`Transaction::complete`] checks without a chart, for books kept elsewhere (another
    /// desk's, a party's own): the number of postings, the one missing amount inferred, and
    /// the balance invariant. Accounts and commodities need not be declared, and amounts keep
    /// the decimals they were written with.
    pub fn complete_without_chart(&mut self) -> Result<(), LedgerError> {
        self.check_count()?;
        self.infer()?;
        check_balanced(self.postings.iter().filter_map(posting_weight))
    }

    fn check_count(&self) -> Result<(), LedgerError> {
        let n = self.postings.len();
        if n < 2 {
            return Err(LedgerError::TooFewPostings { found: n });
        }
        if n > POSTINGS_MAX {
            return Err(LedgerError::TooManyPostings { found: n });
        }
        Ok(())
    }

    /// Fill in the one amount left out, if any: what the other postings leave unbalanced, in
    /// the one commodity they leave unbalanced. The amount filled in, to be checked against
    /// its commodity's scale.
    fn infer(&mut self) -> Result<Option<Amount>, LedgerError> {
        let mut inferred: Option<usize> = None;
        for (i, p) in self.postings.iter().enumerate() {
            if p.amount.is_some() {
                continue;
            }
            if let Some(first) = inferred {
                return Err(LedgerError::TwoInferred {
                    first: first + 1,
                    second: i + 1,
                });
            }
            if p.price.is_some() {
                return Err(LedgerError::AmbiguousInference(0));
            }
            inferred = Some(i);
        }
        let Some(i) = inferred else {
            return Ok(None);
        };
        let residuals = residuals(self.postings.iter().filter_map(posting_weight))?;
        let amount = match residuals.as_slice() {
            [] => return Err(LedgerError::NothingToInfer),
            [(code, value)] => Amount::new(-*value, code.to_string()),
            more => return Err(LedgerError::AmbiguousInference(more.len())),
        };
        self.postings[i].amount = Some(amount.clone());
        Ok(Some(amount))
    }

    /// Every text is one the journal can hold (`text`), and every line it is written on fits.
    fn check_text(&self) -> Result<(), LedgerError> {
        text::description(
            &self.description,
            self.status != Status::Unmarked,
            self.code.is_some(),
        )?;
        if let Some(code) = &self.code {
            text::length("transaction code", code, TEXT_LEN_MAX)?;
            text::code(code)?;
        }
        check_tags(&self.tags)?;
        if let Some((k, _)) = self.tags.iter().find(|(k, _)| k == "id") {
            return Err(LedgerError::BadTag {
                found: k.clone(),
                why: "the id is given as the transaction's id, not as one of its tags".into(),
            });
        }
        let header = 32
            + self.code.as_ref().map_or(0, String::len)
            + self.description.len()
            + text::tags_len(self.id.as_deref().map(|id| ("id", id)))
            + text::tags_len(self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        text::check_line("the transaction's first line", header)?;
        let account_width = self.postings.iter().map(|p| p.account.len()).max();
        for p in &self.postings {
            check_tags(&p.tags)?;
            // The amount, a price and an assertion, each padded to the widest amount at most.
            let line = 8
                + account_width.unwrap_or(0)
                + 3 * (AMOUNT_TEXT_LEN_MAX + amount::CODE_LEN_MAX * 4 + 4)
                + text::tags_len(p.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            if line > text::LINE_LEN_MAX {
                text::check_line(&format!("the posting to {}", p.account), line)?;
            }
        }
        Ok(())
    }

    /// Write every amount at its commodity's scale (padding only: scales were checked) and
    /// every price without trailing zeros, so that "160 mcm" and "160.000 mcm" are the same
    /// content for idempotency and print the same.
    fn normalize(&mut self, chart: &Chart) -> Result<(), LedgerError> {
        let at_scale = |a: &mut Amount| -> Result<(), LedgerError> {
            let scale = chart.commodity(&a.commodity)?.scale;
            if a.value.scale() == scale {
                // Written at its commodity's scale already, as most amounts are.
                return Ok(());
            }
            let mut v = a.value;
            v.rescale(scale);
            if v != a.value {
                return Err(AmountError::Overflow {
                    what: format!("{} {} at {scale} decimal places", a.value, a.commodity),
                }
                .into());
            }
            a.value = v;
            Ok(())
        };
        for p in &mut self.postings {
            if let Some(a) = &mut p.amount {
                at_scale(a)?;
            }
            if let Some(a) = &mut p.assertion {
                at_scale(a)?;
            }
            if let Some(Price::Unit(a) | Price::Total(a)) = &mut p.price {
                a.value = a.value.normalize();
            }
        }
        Ok(())
    }
}

/// A posting's price: in a declared commodity other than the posting's, and a total price
/// not negative.
fn check_price(chart: &Chart, amount: Option<&Amount>, price: &Price) -> Result<(), LedgerError> {
    let (Price::Unit(pa) | Price::Total(pa)) = price;
    chart.commodity(&pa.commodity)?;
    if amount.is_some_and(|a| a.commodity == pa.commodity) {
        return Err(LedgerError::PriceSameCommodity {
            commodity: pa.commodity.clone(),
        });
    }
    if matches!(price, Price::Total(t) if t.value.is_sign_negative() && !t.value.is_zero()) {
        return Err(LedgerError::NegativeTotalPrice);
    }
    Ok(())
}

/// Tags as the journal writes them: each name one word, each value a tag value.
fn check_tags(tags: &[(String, String)]) -> Result<(), LedgerError> {
    for (k, v) in tags {
        text::length("tag name", k, TEXT_LEN_MAX)?;
        if v.len() > TEXT_LEN_MAX {
            text::length(&format!("tag value of {k}"), v, TEXT_LEN_MAX)?;
        }
        text::tag(k, v)?;
    }
    Ok(())
}

/// What a posting weighs for balancing: its amount, or its cost when it carries a price.
/// `None` for a posting whose amount is still to be inferred.
pub fn posting_weight(p: &Posting) -> Option<Result<(&str, Decimal), LedgerError>> {
    let a = p.amount.as_ref()?;
    let price = p.price.as_ref().map(|pr| match pr {
        Price::Unit(x) => (PriceKind::Unit, x.commodity.as_str(), x.value),
        Price::Total(x) => (PriceKind::Total, x.commodity.as_str(), x.value),
    });
    Some(weight(a.value, a.commodity.as_str(), price))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::chart::tests::chart;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn txn(posts: &[(&str, Option<(&str, &str)>)]) -> Transaction {
        Transaction {
            date: "2022-01-31".parse().unwrap(),
            status: Status::Cleared,
            code: None,
            description: "t".into(),
            tags: vec![],
            id: None,
            postings: posts
                .iter()
                .map(|(a, amt)| Posting::new(*a, amt.map(|(v, c)| Amount::new(d(v), c))))
                .collect(),
        }
    }

    #[test]
    fn balanced_transaction_passes() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("160", "mcm"))),
            ("TM:gas:delivered", Some(("-160.000", "mcm"))),
        ]);
        t.complete(&chart()).unwrap();
    }

    #[test]
    fn unbalanced_names_the_difference() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("160", "mcm"))),
            ("TM:gas:delivered", Some(("-159.999", "mcm"))),
        ]);
        let err = t.complete(&chart()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "transaction does not balance: mcm is off by 0.001"
        );
    }

    #[test]
    fn inferred_amount_is_filled() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("160", "mcm"))),
            ("TM:gas:delivered", None),
        ]);
        t.complete(&chart()).unwrap();
        assert_eq!(t.postings[1].amount, Some(Amount::new(d("-160"), "mcm")));
    }

    #[test]
    fn without_a_chart_undeclared_names_pass_and_the_balance_holds() {
        let mut t = txn(&[
            ("assets:gas", Some(("158.5", "kWh"))),
            ("expenses:fee", Some(("1.25", "kWh"))),
            ("TM:nowhere", None),
        ]);
        t.complete_without_chart().unwrap();
        assert_eq!(t.postings[2].amount, Some(Amount::new(d("-159.75"), "kWh")));
        assert!(t.complete(&chart()).is_err());
        let mut t = txn(&[
            ("assets:gas", Some(("158.5", "kWh"))),
            ("TM:nowhere", Some(("-158.4", "kWh"))),
        ]);
        assert_eq!(
            t.complete_without_chart().unwrap_err().to_string(),
            "transaction does not balance: kWh is off by 0.1"
        );
        let mut t = txn(&[("a", None), ("b", None)]);
        assert!(matches!(
            t.complete_without_chart(),
            Err(LedgerError::TwoInferred { .. })
        ));
    }

    #[test]
    fn two_inferred_refused() {
        let mut t = txn(&[("IR:swap:tm-ir-az", None), ("TM:gas:delivered", None)]);
        assert!(matches!(
            t.complete(&chart()),
            Err(LedgerError::TwoInferred { .. })
        ));
    }

    #[test]
    fn one_posting_refused() {
        let mut t = txn(&[("IR:swap:tm-ir-az", Some(("160", "mcm")))]);
        assert_eq!(
            t.complete(&chart()),
            Err(LedgerError::TooFewPostings { found: 1 })
        );
    }

    #[test]
    fn undeclared_account_suggests_nearest() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-azz", Some(("160", "mcm"))),
            ("TM:gas:delivered", Some(("-160", "mcm"))),
        ]);
        assert_eq!(
            t.complete(&chart()).unwrap_err().to_string(),
            "account IR:swap:tm-ir-azz is not declared (did you mean IR:swap:tm-ir-az?)"
        );
    }

    #[test]
    fn prices_balance_across_commodities() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("10", "mcm"))),
            ("TM:cash", Some(("-3000.00", "USD"))),
        ]);
        t.postings[0].price = Some(Price::Unit(Amount::new(d("300"), "USD")));
        t.complete(&chart()).unwrap();
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("-10", "mcm"))),
            ("TM:cash", None),
        ]);
        t.postings[0].price = Some(Price::Total(Amount::new(d("3000"), "USD")));
        t.complete(&chart()).unwrap();
        assert_eq!(t.postings[1].amount, Some(Amount::new(d("3000"), "USD")));
    }

    #[test]
    fn too_many_decimals_refused() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("160.0001", "mcm"))),
            ("TM:gas:delivered", Some(("-160.0001", "mcm"))),
        ]);
        assert!(matches!(
            t.complete(&chart()),
            Err(LedgerError::Amount(AmountError::TooManyDecimals { .. }))
        ));
    }

    #[test]
    fn overflowing_sum_is_an_error() {
        let max = Decimal::MAX.to_string();
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some((&max, "mcm"))),
            ("TM:gas:delivered", Some((&max, "mcm"))),
            ("TM:cash", Some(("1", "mcm"))),
        ]);
        assert!(matches!(
            t.complete(&chart()),
            Err(LedgerError::Amount(AmountError::Overflow { .. }))
        ));
    }

    #[test]
    fn texts_the_journal_cannot_hold_are_refused() {
        let t = |desc: &str, tags: &[(&str, &str)], id: Option<&str>| {
            let mut t = txn(&[
                ("IR:swap:tm-ir-az", Some(("160", "mcm"))),
                ("TM:gas:delivered", None),
            ]);
            t.description = desc.into();
            t.tags = tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            t.id = id.map(str::to_string);
            t.complete(&chart()).map_err(|e| e.to_string())
        };
        assert!(t(
            "Sarakhs entry, January",
            &[("point", "Sarakhs; east")],
            Some("a:b")
        )
        .is_ok());
        let e = t("Sarakhs; revised nomination", &[], None).unwrap_err();
        assert!(
            e.contains("description \"Sarakhs; revised nomination\""),
            "{e}"
        );
        assert!(t("a\tb", &[], None).unwrap_err().contains("'\\t'"));
        assert!(t("x", &[(":nobudget", "")], None)
            .unwrap_err()
            .contains("tag name"));
        assert!(t("x", &[("k", "a,b")], None).unwrap_err().contains("','"));
        assert!(t("x", &[], Some(" x")).unwrap_err().contains("blank"));
        assert!(t("x", &[("id", "y")], None).is_err());
        let many: Vec<(String, String)> = (0..20)
            .map(|i| (format!("k{i}"), "v".repeat(4000)))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert!(t("x", &many, None).unwrap_err().contains("65536"));
    }
}
