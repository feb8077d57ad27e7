//! One party's books: its side of a transaction and of a statement; the check before a word is
//! written (the party is declared, and every transaction it takes part in balances in its own
//! books: each commodity's weights of its postings sum to zero, and it has at least two
//! postings); and the chart of those books.

use crate::export::ExportError;
use crate::model::account::party_of;
use crate::model::amount::format_at_scale;
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::intercompany::{party_residuals, postings_of};
use crate::model::statement::Statement;
use crate::model::suggest;
use crate::model::transaction::{Posting, Price, Transaction};
use crate::store::{Store, StoreError};
use std::collections::BTreeSet;
use std::fmt;

/// The tags a party's books write under another name, and that name: those that make the
/// rulebook hold a transaction to every party's side of it (an agreement's leg or offset, a
/// payment in another currency at its fixing).
pub const RENAMED_TAGS: [(&str, &str); 3] = [
    ("agreement", "agreement-ref"),
    ("leg", "leg-ref"),
    ("settles", "settles-ref"),
];

/// How many of the transactions that unbalance a party's books its refusal names; it counts
/// the others.
pub const NAMED_MAX: usize = 20;

/// A transaction that a party's books cannot hold as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbalanced {
    pub date: Date,
    pub description: String,
    pub id: Option<String>,
    pub gap: Gap,
}

/// Why a party's side of a transaction is not a transaction of its books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// What the party's postings leave, one amount per commodity ("5.00 USD"), each at its
    /// commodity's scale at least.
    Leaves(Vec<String>),
    /// The party's one posting, of zero: it balances, but a transaction needs two.
    LonePosting,
}

impl fmt::Display for Unbalanced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.date, self.description)?;
        if let Some(id) = &self.id {
            write!(f, " (id: {id})")?;
        }
        match &self.gap {
            Gap::Leaves(left) => write!(f, " leaves {}", left.join(" and ")),
            Gap::LonePosting => write!(
                f,
                " leaves one posting of zero there, and a transaction needs two"
            ),
        }
    }
}

/// The transactions of a refusal as one line: those named, then how many more.
pub(super) fn listed(named: &[Unbalanced], more: usize) -> String {
    let mut text = named
        .iter()
        .map(Unbalanced::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if more > 0 {
        text.push_str(&format!("; and {more} more"));
    }
    text
}

/// What a scan of the journal found for one party.
#[derive(Default)]
struct Found {
    /// The commodities of the party's postings, prices and assertions.
    used: BTreeSet<String>,
    named: Vec<Unbalanced>,
    more: usize,
}

/// The chart of `party`'s own books: its party line, its accounts, the commodities its books
/// use. Refused for an undeclared party, or a transaction its books cannot hold.
pub(super) fn chart(store: &Store, party: &str) -> Result<Chart, ExportError> {
    let whole = store.chart();
    let Some(declared) = whole.parties.get(party) else {
        return Err(ExportError::UnknownParty {
            code: party.to_string(),
            nearest: suggest::nearest(party, whole.parties.keys()),
        });
    };
    let mut found = Found::default();
    store.scan_txns(|_, t| scan(t, party, whole, &mut found))?;
    if !found.named.is_empty() {
        return Err(ExportError::Unbalanced {
            party: party.to_string(),
            transactions: found.named,
            more: found.more,
        });
    }
    let mut used = found.used;
    for s in store.statements()? {
        if let Some(s) = statement_of(s, party) {
            used.extend(s.claims.into_iter().map(|c| c.amount.commodity));
        }
    }
    let mut chart = Chart::default();
    chart.parties.insert(party.to_string(), declared.clone());
    for a in whole.accounts.values().filter(|a| a.party() == party) {
        used.extend(a.floor.iter().map(|f| f.commodity.clone()));
        chart.accounts.insert(a.name.clone(), a.clone());
    }
    chart.commodities = whole
        .commodities
        .iter()
        .filter(|(code, _)| used.contains(*code))
        .map(|(code, c)| (code.clone(), c.clone()))
        .collect();
    Ok(chart)
}

/// One transaction: the commodities of `party`'s postings, and whether its books hold them.
fn scan(t: &Transaction, party: &str, chart: &Chart, found: &mut Found) -> Result<(), StoreError> {
    let mine: Vec<&Posting> = postings_of(t, party).collect();
    if mine.is_empty() {
        return Ok(());
    }
    for p in &mine {
        found.used.extend(commodities(p).map(str::to_string));
    }
    let left: Vec<String> = party_residuals(t)?
        .into_iter()
        .filter(|r| r.party == party)
        .map(|r| {
            let scale = chart.commodities.get(&r.commodity).map_or(0, |c| c.scale);
            format!("{} {}", format_at_scale(r.amount, scale), r.commodity)
        })
        .collect();
    let gap = match (left.is_empty(), mine.len()) {
        (false, _) => Gap::Leaves(left),
        (true, 1) => Gap::LonePosting,
        (true, _) => return Ok(()),
    };
    if found.named.len() == NAMED_MAX {
        found.more += 1;
        return Ok(());
    }
    found.named.push(Unbalanced {
        date: t.date,
        description: t.description.clone(),
        id: t.id.clone(),
        gap,
    });
    Ok(())
}

/// The commodities a posting names: its amount's, its price's, its assertion's.
fn commodities(p: &Posting) -> impl Iterator<Item = &str> {
    let price = p.price.as_ref().map(|price| match price {
        Price::Unit(a) | Price::Total(a) => a,
    });
    p.amount
        .iter()
        .chain(price)
        .chain(p.assertion.iter())
        .map(|a| a.commodity.as_str())
}

/// `party`'s side of `t`: its postings, its tags with [`RENAMED_TAGS`] renamed; `None` when
/// `party` has no posting in it.
pub fn side_of(t: &Transaction, party: &str) -> Option<Transaction> {
    postings_of(t, party).next()?;
    let tags = t
        .tags
        .iter()
        .map(|(k, v)| {
            let k = match RENAMED_TAGS.iter().find(|(from, _)| from == k) {
                Some((_, to)) => (*to).to_string(),
                None => k.clone(),
            };
            (k, v.clone())
        })
        .collect();
    Some(Transaction {
        date: t.date,
        status: t.status,
        code: t.code.clone(),
        description: t.description.clone(),
        tags,
        id: t.id.clone(),
        postings: postings_of(t, party).cloned().collect(),
    })
}

/// `s` in `party`'s books: a statement of `party`'s, with its claims on `party`'s accounts.
pub fn statement_of(mut s: Statement, party: &str) -> Option<Statement> {
    if s.party != party {
        return None;
    }
    s.claims.retain(|c| party_of(&c.account) == party);
    (!s.claims.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::amount::Amount;
    use crate::model::date::Date;
    use crate::model::statement::Claim;
    use crate::model::transaction::Posting;
    use rust_decimal::Decimal;

    fn usd(v: i64) -> Option<Amount> {
        Some(Amount::new(Decimal::new(v, 2), "USD"))
    }

    fn offset() -> Transaction {
        Transaction {
            date: Date::new(2022, 6, 20).expect("date"),
            status: Default::default(),
            code: None,
            description: "Offset".into(),
            tags: vec![
                ("agreement".into(), "iq-ir-tm".into()),
                ("leg".into(), "entry".into()),
                ("point".into(), "Sarakhs".into()),
            ],
            id: Some("o-1".into()),
            postings: vec![
                Posting::new("IQ:payable:IR", usd(100)),
                Posting::new("IQ:payable:TM", usd(-100)),
                Posting::new("TM:receivable:IQ", usd(100)),
                Posting::new("TM:receivable:IR", usd(-100)),
            ],
        }
    }

    #[test]
    fn a_side_keeps_the_partys_postings_and_renames_the_agreements_tags() {
        let side = side_of(&offset(), "TM").expect("TM takes part");
        let accounts: Vec<&str> = side.postings.iter().map(|p| p.account.as_str()).collect();
        assert_eq!(accounts, ["TM:receivable:IQ", "TM:receivable:IR"]);
        assert_eq!(side.tag("agreement-ref"), Some("iq-ir-tm"));
        assert_eq!(side.tag("leg-ref"), Some("entry"));
        assert_eq!(side.tag("point"), Some("Sarakhs"));
        assert_eq!(side.tag("agreement"), None);
        assert_eq!(side.id.as_deref(), Some("o-1"));
        assert!(side_of(&offset(), "AZ").is_none());
        // A party code is the whole first segment, not a prefix of it.
        assert!(side_of(&offset(), "T").is_none());
    }

    #[test]
    fn a_statement_keeps_the_partys_claims_on_its_own_accounts() {
        let claim = |account: &str| Claim {
            account: account.into(),
            amount: Amount::new(Decimal::ONE, "USD"),
        };
        let s = Statement {
            date: Date::new(2022, 6, 30).expect("date"),
            party: "TM".into(),
            id: None,
            source: None,
            claims: vec![claim("TM:receivable:IR"), claim("IR:payable:TM")],
        };
        let kept = statement_of(s.clone(), "TM").expect("TM's statement");
        assert_eq!(kept.claims, [claim("TM:receivable:IR")]);
        assert!(
            statement_of(s.clone(), "IR").is_none(),
            "a statement of TM's is not in IR's books"
        );
        let mut others = s;
        others.claims = vec![claim("IR:payable:TM")];
        assert!(statement_of(others, "TM").is_none(), "no claim left");
    }
}
