//! Reconciliation: every check of the books, each a small function over the store that
//! returns plain data ([`Check`] rows). Rendering is in `report`.

pub mod offsets;
pub mod swap;

use crate::model::amount;
use crate::model::date::Date;
use crate::model::ledger::{party_of, Statement};
use crate::reports::query::is_under;
use crate::reports::table::Cell;
use crate::store::{Balances, Store, StoreError};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The outcome of one check on one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Mismatch,
    OutsideTolerance,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Mismatch => "mismatch",
            Status::OutsideTolerance => "outside-tolerance",
        }
    }
}

/// One row of the reconciliation: which check, on what, the figures, and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub check: &'static str,
    pub subject: String,
    pub expected: Cell,
    pub actual: Cell,
    pub difference: Cell,
    pub status: Status,
}

impl Check {
    fn text(check: &'static str, subject: String, status: Status) -> Check {
        Check {
            check,
            subject,
            expected: Cell::Text(String::new()),
            actual: Cell::Text(String::new()),
            difference: Cell::Text(String::new()),
            status,
        }
    }

    /// A comparison of two amounts at a scale; `Ok` when equal.
    pub fn amounts(
        check: &'static str,
        subject: String,
        expected: Decimal,
        actual: Decimal,
        scale: u32,
    ) -> Check {
        // Past the exact range the difference cannot be zero: shown as the largest number.
        let difference = amount::exact_sub(actual, expected, String::new).unwrap_or(Decimal::MAX);
        Check {
            check,
            subject,
            expected: Cell::Amount(expected, scale),
            actual: Cell::Amount(actual, scale),
            difference: Cell::Amount(difference, scale),
            status: if difference.is_zero() {
                Status::Ok
            } else {
                Status::Mismatch
            },
        }
    }
}

/// Every check, in their fixed order (integrity, assertions, obligations, swaps, offsets,
/// statements).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    pub checks: Vec<Check>,
}

impl Reconciliation {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.status == Status::Ok)
    }
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
}

/// A source of extra checks (swaps, offsets) that other modules plug in.
pub type Plugin<'a> = &'a dyn Fn(&Store, Option<Date>) -> Result<Vec<Check>, StoreError>;

/// Run every check. `as_of` limits the books, statements and periods to that date.
pub fn reconcile(
    store: &Store,
    as_of: Option<Date>,
    plugins: &[Plugin],
) -> Result<Reconciliation, StoreError> {
    let mut checks = integrity(store)?;
    checks.extend(assertions(store, as_of)?);
    let balances = match as_of {
        Some(d) => store.balances_as_of(d)?,
        None => store.balances()?,
    };
    checks.extend(mirrors(store, &balances));
    for p in plugins {
        checks.extend(p(store, as_of)?);
    }
    checks.extend(statements(store, as_of)?);
    Ok(Reconciliation { checks })
}

/// Checks 1 and 2: every transaction balances on replay, stored balances equal replayed ones,
/// every hash link holds (and the indexes agree).
pub fn integrity(store: &Store) -> Result<Vec<Check>, StoreError> {
    let v = store.verify()?;
    let mut out = Vec::new();
    let (unbalanced, rest): (Vec<_>, Vec<_>) = v.problems.iter().partition(|p| p.is_unbalanced());
    if unbalanced.is_empty() {
        out.push(Check::text(
            "transaction-balance",
            format!("{} transactions replayed", v.transactions),
            Status::Ok,
        ));
    }
    for p in unbalanced {
        out.push(Check::text(
            "transaction-balance",
            p.to_string(),
            Status::Mismatch,
        ));
    }
    if rest.is_empty() {
        out.push(Check::text(
            "journal-integrity",
            "hash chain, stored balances and indexes".to_string(),
            Status::Ok,
        ));
    }
    for p in rest {
        out.push(Check::text(
            "journal-integrity",
            p.to_string(),
            Status::Mismatch,
        ));
    }
    Ok(out)
}

/// Check 3: every balance assertion holds, replayed in recorded order.
pub fn assertions(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, StoreError> {
    let mut running: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    let mut out = Vec::new();
    store.for_each_txn(|_, t| {
        for p in &t.postings {
            let Some(a) = &p.amount else { continue };
            let slot = running
                .entry((p.account.clone(), a.commodity.clone()))
                .or_default();
            *slot = amount::exact_add(*slot, a.value, || {
                format!("the balance of {} in {}", p.account, a.commodity)
            })
            .map_err(|e| StoreError::Ledger(e.into()))?;
            if let Some(asserted) = &p.assertion {
                if as_of.is_some_and(|d| t.date > d) {
                    continue;
                }
                let actual = running
                    .get(&(p.account.clone(), asserted.commodity.clone()))
                    .copied()
                    .unwrap_or_default();
                let scale = store
                    .chart()
                    .commodity(&asserted.commodity)
                    .map_or(0, |c| c.scale);
                let subject = format!(
                    "{} on {}{}",
                    p.account,
                    t.date,
                    t.id.as_ref().map(|i| format!(" ({i})")).unwrap_or_default()
                );
                out.push(Check::amounts(
                    "balance-assertion",
                    subject,
                    asserted.value,
                    actual,
                    scale,
                ));
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The sum of an account and its sub-accounts per commodity.
fn total_under(balances: &Balances, root: &str) -> BTreeMap<String, Decimal> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for ((a, c), v) in balances {
        if is_under(a, root) {
            let slot = out.entry(c.clone()).or_default();
            // A sum past the exact range makes the check fail rather than round.
            *slot = amount::exact_add(*slot, *v, String::new).unwrap_or(Decimal::MAX);
        }
    }
    out
}

/// Check 4: mirrored obligations net to zero: `A:receivable:B` + `B:payable:A` = 0, for every
/// pair with either account declared, per commodity.
pub fn mirrors(store: &Store, balances: &Balances) -> Vec<Check> {
    let chart = store.chart();
    let mut pairs: BTreeMap<(String, String), ()> = BTreeMap::new();
    for name in chart.accounts.keys() {
        let parts: Vec<&str> = name.split(':').collect();
        if parts.len() == 3 && chart.parties.contains_key(parts[2]) {
            match parts[1] {
                "receivable" => pairs.insert((parts[0].to_string(), parts[2].to_string()), ()),
                "payable" => pairs.insert((parts[2].to_string(), parts[0].to_string()), ()),
                _ => None,
            };
        }
    }
    let mut out = Vec::new();
    for (creditor, debtor) in pairs.keys() {
        let receivable = format!("{creditor}:receivable:{debtor}");
        let payable = format!("{debtor}:payable:{creditor}");
        let r = total_under(balances, &receivable);
        let p = total_under(balances, &payable);
        let mut commodities: Vec<&String> = r.keys().chain(p.keys()).collect();
        commodities.sort();
        commodities.dedup();
        for c in commodities {
            let rv = r.get(c).copied().unwrap_or_default();
            let pv = p.get(c).copied().unwrap_or_default();
            let scale = chart.commodities.get(c).map_or(0, |x| x.scale);
            let sum = amount::exact_add(rv, pv, String::new).unwrap_or(Decimal::MAX);
            let mut check = Check::amounts(
                "mirrored-obligation",
                format!("{receivable} + {payable} ({c})"),
                Decimal::ZERO,
                sum,
                scale,
            );
            check.expected = Cell::Amount(-pv, scale);
            check.actual = Cell::Amount(rv, scale);
            out.push(check);
        }
    }
    out
}

/// Check 7: each statement's claims against the books at its date, and against the other
/// party's statement of the same date for the mirrored account.
pub fn statements(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, StoreError> {
    let all: Vec<Statement> = store
        .statements()?
        .into_iter()
        .filter(|s| as_of.is_none_or(|d| s.date <= d))
        .collect();
    let chart = store.chart();
    let mut out = Vec::new();
    let mut books_at: BTreeMap<Date, Balances> = BTreeMap::new();
    for s in &all {
        let books = match books_at.entry(s.date) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(store.balances_as_of(s.date)?)
            }
        };
        for c in &s.claims {
            let scale = chart
                .commodities
                .get(&c.amount.commodity)
                .map_or(0, |x| x.scale);
            let actual = total_under(books, &c.account)
                .get(&c.amount.commodity)
                .copied()
                .unwrap_or_default();
            let source = s
                .source
                .as_ref()
                .map(|x| format!(", {x}"))
                .unwrap_or_default();
            // expected = the books, actual = the claim, difference = claim − books.
            out.push(Check::amounts(
                "statement",
                format!("{} claimed by {} at {}{source}", c.account, s.party, s.date),
                actual,
                c.amount.value,
                scale,
            ));
        }
    }
    // Pairs: A's claim on A:receivable:B (or A:payable:B) against B's claim on the mirror.
    for (i, s) in all.iter().enumerate() {
        for c in &s.claims {
            let Some(mirror) = mirror_of(&c.account) else {
                continue;
            };
            let other = party_of(&mirror);
            for t in all
                .iter()
                .skip(i + 1)
                .filter(|t| t.date == s.date && t.party == other)
            {
                for d in t
                    .claims
                    .iter()
                    .filter(|d| d.account == mirror && d.amount.commodity == c.amount.commodity)
                {
                    let scale = chart
                        .commodities
                        .get(&c.amount.commodity)
                        .map_or(0, |x| x.scale);
                    // expected = the mirror of the other party's claim; difference = the sum.
                    out.push(Check::amounts(
                        "statement-pair",
                        format!(
                            "{} ({}) vs {} ({}) at {}",
                            c.account, s.party, d.account, t.party, s.date
                        ),
                        -d.amount.value,
                        c.amount.value,
                        scale,
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// `A:receivable:B` ↔ `B:payable:A`.
pub fn mirror_of(account: &str) -> Option<String> {
    let parts: Vec<&str> = account.split(':').collect();
    match parts.as_slice() {
        [a, "receivable", b] => Some(format!("{b}:payable:{a}")),
        [a, "payable", b] => Some(format!("{b}:receivable:{a}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_of_accounts() {
        assert_eq!(
            mirror_of("TM:receivable:IR").as_deref(),
            Some("IR:payable:TM")
        );
        assert_eq!(
            mirror_of("IR:payable:TM").as_deref(),
            Some("TM:receivable:IR")
        );
        assert_eq!(mirror_of("TM:cash"), None);
    }
}
