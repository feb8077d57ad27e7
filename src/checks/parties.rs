//! Check 8: each party's own books balance, per commodity. A transaction may balance in total
//! and still leave one party's books short (a payment booked as the cash alone, with neither
//! side's obligation): it is accepted on entry, and reported here with the party, the
//! commodity, what its books are out by and the transactions responsible.
//!
//! A party's books are judged as a whole: a later transaction that writes the missing sides
//! (itself one-sided, the other way), or the reversal of the one-sided transaction, brings
//! them back into balance, and the check holds again.

use super::{Check, CheckError, CheckKind, Status};
use crate::model::account::party_of;
use crate::model::amount;
use crate::model::date::Date;
use crate::model::intercompany::party_residuals;
use crate::model::transaction::Transaction;
use crate::store::{Store, StoreError};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// What one party's books are out by in one commodity, and the transactions that put them
/// out (each named, in recorded order).
#[derive(Debug, Default)]
struct Short {
    total: Decimal,
    responsible: Vec<String>,
}

/// One row per party and commodity whose books do not balance, naming the transactions
/// responsible; one row per party whose books balance. `as_of` leaves out later transactions.
pub fn party_books(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, CheckError> {
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    let mut short: BTreeMap<(String, String), Short> = BTreeMap::new();
    store.for_each_txn(|_, t| {
        if as_of.is_some_and(|d| t.date > d) {
            return Ok(());
        }
        let mut parties: Vec<&str> = t.postings.iter().map(|p| party_of(&p.account)).collect();
        parties.sort_unstable();
        parties.dedup();
        for party in parties {
            *counted.entry(party.to_string()).or_default() += 1;
        }
        for r in party_residuals(&t).map_err(StoreError::Ledger)? {
            let slot = short.entry((r.party, r.commodity)).or_default();
            slot.total = amount::exact_add(slot.total, r.amount, || {
                "what a party's books are out by".to_string()
            })
            .map_err(|e| StoreError::Ledger(e.into()))?;
            slot.responsible.push(describe(&t));
        }
        Ok(())
    })?;
    let chart = store.chart();
    let mut out = Vec::new();
    for (party, n) in &counted {
        let mut rows = Vec::new();
        let own = short
            .iter()
            .filter(|((p, _), s)| p == party && !s.total.is_zero());
        for ((_, commodity), s) in own {
            let subject = format!(
                "{party}'s books in {commodity}: {}",
                s.responsible.join("; ")
            );
            let scale = chart.scale_of(commodity)?;
            rows.push(Check::amounts(
                CheckKind::PartyBalance,
                subject,
                Decimal::ZERO,
                s.total,
                scale,
            )?);
        }
        if rows.is_empty() {
            out.push(Check::text(
                CheckKind::PartyBalance,
                balanced(party, *n),
                Status::Ok,
            ));
        }
        out.extend(rows);
    }
    Ok(out)
}

/// The subject of a party whose books balance.
fn balanced(party: &str, transactions: usize) -> String {
    let s = if transactions == 1 { "" } else { "s" };
    format!("{party}'s books balance over {transactions} transaction{s}")
}

/// A transaction as a row names it: its date, description and id.
fn describe(t: &Transaction) -> String {
    format!(
        "{} {}{}",
        t.date,
        t.description,
        t.id.as_ref()
            .map(|i| format!(" (id: {i})"))
            .unwrap_or_default()
    )
}
