//! Check 8: each party's own books balance. A transaction may balance in total and still leave
//! one party's books short (a delivery booked in the hub's chart with no claim in the
//! supplier's): it is accepted on entry, and reported here with the party, the commodity, the
//! amount and the transaction.

use super::{Check, CheckError, CheckKind, Status};
use crate::model::account::party_of;
use crate::model::date::Date;
use crate::model::intercompany::party_residuals;
use crate::model::transaction::Transaction;
use crate::store::{Store, StoreError};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One row per party whose books balance in every transaction, and one per transaction,
/// party and commodity that does not (in recorded order). `as_of` leaves out later
/// transactions.
pub fn party_books(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, CheckError> {
    let chart = store.chart();
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    let mut short = Vec::new();
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
        let residuals = party_residuals(&t).map_err(StoreError::Ledger)?;
        for r in residuals {
            let scale = chart.scale_of(&r.commodity).map_err(StoreError::Ledger)?;
            let subject = format!("{}'s books in {}: {}", r.party, r.commodity, describe(&t));
            let mut check = Check::amounts(
                CheckKind::PartyBalance,
                subject,
                Decimal::ZERO,
                r.amount,
                scale,
            )
            .map_err(StoreError::Ledger)?;
            check.status = Status::Mismatch;
            short.push((r.party, check));
        }
        Ok(())
    })?;
    let mut out = Vec::new();
    for (party, n) in &counted {
        let rows: Vec<Check> = short
            .iter()
            .filter(|(p, _)| p == party)
            .map(|(_, c)| c.clone())
            .collect();
        if rows.is_empty() {
            out.push(Check::text(
                CheckKind::PartyBalance,
                format!(
                    "{party}'s books balance in each of its {n} transaction{}",
                    if *n == 1 { "" } else { "s" }
                ),
                Status::Ok,
            ));
        }
        out.extend(rows);
    }
    Ok(out)
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
