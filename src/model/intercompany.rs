//! Each party's own books inside the desk's ledger: which party a posting belongs to, the
//! accounts that hold what one party and another owe each other, and what a transaction leaves
//! unbalanced in some party's books.
//!
//! A party is the first segment of an account. Between two parties A and B, four kinds of
//! account hold what they owe each other, each with its mirror in the other's chart:
//!
//! | in A's chart      | mirror in B's chart | holds                              |
//! |-------------------|---------------------|------------------------------------|
//! | `A:receivable:B`  | `B:payable:A`       | money B owes A                     |
//! | `A:payable:B`     | `B:receivable:A`    | money A owes B                     |
//! | `A:due-from:B`    | `B:due-to:A`        | gas (or energy) B owes A in kind   |
//! | `A:due-to:B`      | `B:due-from:A`      | gas A owes B in kind               |
//!
//! An account under one of them (`A:receivable:B:invoices`) belongs to the same relation.

use crate::model::account::party_of;
use crate::model::balance::residuals;
use crate::model::chart::Chart;
use crate::model::error::LedgerError;
use crate::model::transaction::{posting_weight, Posting, Transaction};
use rust_decimal::Decimal;

/// What one party's account holds toward another party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relation {
    /// Money the other party owes.
    Receivable,
    /// Money owed to the other party.
    Payable,
    /// Gas the other party owes, in kind.
    DueFrom,
    /// Gas owed to the other party, in kind.
    DueTo,
}

impl Relation {
    pub const ALL: [Relation; 4] = [
        Relation::Receivable,
        Relation::Payable,
        Relation::DueFrom,
        Relation::DueTo,
    ];

    /// The account segment that names the relation.
    pub fn segment(self) -> &'static str {
        match self {
            Relation::Receivable => "receivable",
            Relation::Payable => "payable",
            Relation::DueFrom => "due-from",
            Relation::DueTo => "due-to",
        }
    }

    pub fn from_segment(s: &str) -> Option<Relation> {
        Relation::ALL.into_iter().find(|r| r.segment() == s)
    }

    /// The relation the other party's mirror account holds.
    pub fn mirror(self) -> Relation {
        match self {
            Relation::Receivable => Relation::Payable,
            Relation::Payable => Relation::Receivable,
            Relation::DueFrom => Relation::DueTo,
            Relation::DueTo => Relation::DueFrom,
        }
    }

    /// Whether the account holding it is an asset (the other party owes) rather than a
    /// liability.
    pub fn is_claim(self) -> bool {
        matches!(self, Relation::Receivable | Relation::DueFrom)
    }
}

/// `A:relation:B`.
pub fn account(a: &str, relation: Relation, b: &str) -> String {
    format!("{a}:{}:{b}", relation.segment())
}

/// An account that holds what its party and another owe each other: `(A, relation, B)` for
/// `A:relation:B` or an account under it. Both parties must be declared and distinct.
pub fn relation_of<'a>(account: &'a str, chart: &Chart) -> Option<(&'a str, Relation, &'a str)> {
    let mut parts = account.split(':');
    let (a, kind, b) = (parts.next()?, parts.next()?, parts.next()?);
    let relation = Relation::from_segment(kind)?;
    (a != b && chart.parties.contains_key(a) && chart.parties.contains_key(b))
        .then_some((a, relation, b))
}

/// The mirror of `A:relation:B` (exactly three segments): `B:mirror:A`. Only the shape is
/// read; see [`relation_of`] for an account between declared parties.
pub fn mirror_of(account: &str) -> Option<String> {
    let mut parts = account.split(':');
    let (a, kind, b) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let relation = Relation::from_segment(kind)?;
    Some(self::account(b, relation.mirror(), a))
}

/// The postings of `t` in `party`'s books.
pub fn postings_of<'t>(t: &'t Transaction, party: &'t str) -> impl Iterator<Item = &'t Posting> {
    t.postings
        .iter()
        .filter(move |p| party_of(&p.account) == party)
}

/// What one party's postings in a transaction leave unbalanced in one commodity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyResidual {
    pub party: String,
    pub commodity: String,
    /// The sum of the party's weights in the commodity (non-zero).
    pub amount: Decimal,
}

/// Every party whose own postings in `t` do not sum to zero in some commodity, sorted by
/// party then commodity. A posting's weight is what it weighs for the transaction's balance
/// (its price converts it). `t` must be complete (every posting has its amount).
pub fn party_residuals(t: &Transaction) -> Result<Vec<PartyResidual>, LedgerError> {
    let mut parties: Vec<&str> = t.postings.iter().map(|p| party_of(&p.account)).collect();
    parties.sort_unstable();
    parties.dedup();
    let mut out = Vec::new();
    // A transaction of one party balances in that party's books when it balances at all.
    if parties.len() < 2 {
        return Ok(out);
    }
    for party in parties {
        let weights = postings_of(t, party).filter_map(posting_weight);
        for (commodity, amount) in residuals(weights)? {
            out.push(PartyResidual {
                party: party.to_string(),
                commodity: commodity.to_string(),
                amount,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::account::Party;
    use crate::model::amount::Amount;

    fn chart(parties: &[&str]) -> Chart {
        let mut c = Chart::default();
        for p in parties {
            c.parties.insert(
                p.to_string(),
                Party {
                    code: p.to_string(),
                    name: None,
                },
            );
        }
        c
    }

    fn t(postings: &[(&str, &str)]) -> Transaction {
        Transaction {
            date: "2022-01-31".parse().expect("date"),
            status: crate::model::transaction::Status::Cleared,
            code: None,
            description: "t".into(),
            tags: Vec::new(),
            id: None,
            postings: postings
                .iter()
                .map(|(a, v)| Posting::new(*a, Some(v.parse::<Amount>().expect("amount"))))
                .collect(),
        }
    }

    #[test]
    fn relations_and_mirrors() {
        let c = chart(&["TM", "IR"]);
        assert_eq!(
            relation_of("TM:receivable:IR", &c),
            Some(("TM", Relation::Receivable, "IR"))
        );
        assert_eq!(
            relation_of("IR:due-to:TM:sarakhs", &c),
            Some(("IR", Relation::DueTo, "TM"))
        );
        assert_eq!(relation_of("TM:receivable:XX", &c), None);
        assert_eq!(relation_of("TM:receivable:TM", &c), None);
        assert_eq!(relation_of("TM:gas:delivered", &c), None);
        assert_eq!(mirror_of("TM:due-from:IR").as_deref(), Some("IR:due-to:TM"));
        assert_eq!(
            mirror_of("IR:payable:TM").as_deref(),
            Some("TM:receivable:IR")
        );
        assert_eq!(mirror_of("TM:cash"), None);
        assert_eq!(mirror_of("TM:receivable:IR:invoices"), None);
        for r in Relation::ALL {
            assert_eq!(r.mirror().mirror(), r);
            assert_eq!(Relation::from_segment(r.segment()), Some(r));
        }
    }

    #[test]
    fn a_transaction_balanced_in_total_but_not_per_party() {
        let one_sided = t(&[("IR:swap:x", "160 mcm"), ("TM:gas:delivered", "-160 mcm")]);
        let r = party_residuals(&one_sided).expect("sums");
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].party.as_str(), r[0].amount.to_string()),
            ("IR", "160".to_string())
        );
        assert_eq!(
            (r[1].party.as_str(), r[1].amount.to_string()),
            ("TM", "-160".to_string())
        );
        let both_sides = t(&[
            ("IR:swap:x", "160 mcm"),
            ("IR:due-to:TM", "-160 mcm"),
            ("TM:due-from:IR", "160 mcm"),
            ("TM:gas:delivered", "-160 mcm"),
        ]);
        assert!(party_residuals(&both_sides).expect("sums").is_empty());
    }
}
