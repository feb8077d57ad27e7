//! Check 7: the parties' statements against the books and against each other.

use super::books::total_under;
use super::{Check, CheckError, CheckKind};
use crate::model::account::party_of;
use crate::model::date::Date;
use crate::model::intercompany::mirror_of;
use crate::model::statement::Statement;
use crate::store::{Balances, Store};
use std::collections::BTreeMap;

/// Check 7: each statement's claims against the books at its date, and against the other
/// party's statement of the same date for the mirrored account.
pub fn statements(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, CheckError> {
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
            let scale = chart.scale_of(&c.amount.commodity)?;
            let actual = total_under(books, &c.account)?
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
                CheckKind::Statement,
                format!("{} claimed by {} at {}{source}", c.account, s.party, s.date),
                actual,
                c.amount.value,
                scale,
            )?);
        }
    }
    out.extend(pairs(store, &all)?);
    Ok(out)
}

/// Each party's claim on `A:receivable:B` (or `A:payable:B`) against the other party's
/// claim, in a statement of the same date, on the mirrored account.
fn pairs(store: &Store, all: &[Statement]) -> Result<Vec<Check>, CheckError> {
    let chart = store.chart();
    let mut out = Vec::new();
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
                    let scale = chart.scale_of(&c.amount.commodity)?;
                    // expected = the mirror of the other party's claim; difference = the sum.
                    out.push(Check::amounts(
                        CheckKind::StatementPair,
                        format!(
                            "{} ({}) vs {} ({}) at {}",
                            c.account, s.party, d.account, t.party, s.date
                        ),
                        -d.amount.value,
                        c.amount.value,
                        scale,
                    )?);
                }
            }
        }
    }
    Ok(out)
}
