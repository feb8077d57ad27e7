//! The checks of the books themselves: every transaction balances and the journal is whole
//! (checks 1 and 2, from `verify`), every balance assertion holds (3), what two parties owe
//! each other nets to zero across their books (4).

use super::{Check, CheckError, CheckKind, Status};
use crate::model::account::is_under;
use crate::model::amount;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::intercompany::{self, relation_of};
use crate::reports::table::Cell;
use crate::store::{Balances, Store};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// Checks 1 and 2: every transaction balances on replay, stored balances equal replayed ones,
/// every hash link holds (and the indexes agree).
pub fn integrity(store: &Store) -> Result<Vec<Check>, CheckError> {
    let v = store.verify()?;
    let mut out = Vec::new();
    let (unbalanced, rest): (Vec<_>, Vec<_>) = v.problems.iter().partition(|p| p.is_unbalanced());
    if unbalanced.is_empty() {
        out.push(Check::text(
            CheckKind::TransactionBalance,
            format!("{} transactions replayed", v.transactions),
            Status::Ok,
        ));
    }
    for p in unbalanced {
        out.push(Check::text(
            CheckKind::TransactionBalance,
            p.to_string(),
            Status::Mismatch,
        ));
    }
    if rest.is_empty() {
        out.push(Check::text(
            CheckKind::JournalIntegrity,
            "hash chain, stored balances and indexes".to_string(),
            Status::Ok,
        ));
    }
    for p in rest {
        out.push(Check::text(
            CheckKind::JournalIntegrity,
            p.to_string(),
            Status::Mismatch,
        ));
    }
    Ok(out)
}

/// Check 3: every balance assertion holds, replayed in recorded order.
pub fn assertions(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, CheckError> {
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
            .map_err(|e| crate::store::StoreError::Ledger(e.into()))?;
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
                    .scale_of(&asserted.commodity)
                    .map_err(crate::store::StoreError::Ledger)?;
                let subject = format!(
                    "{} on {}{}",
                    p.account,
                    t.date,
                    t.id.as_ref().map(|i| format!(" ({i})")).unwrap_or_default()
                );
                out.push(
                    Check::amounts(
                        CheckKind::BalanceAssertion,
                        subject,
                        asserted.value,
                        actual,
                        scale,
                    )
                    .map_err(crate::store::StoreError::Ledger)?,
                );
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The sum of an account and its sub-accounts per commodity; a sum beyond the exact range
/// is an error.
pub(super) fn total_under(
    balances: &Balances,
    root: &str,
) -> Result<BTreeMap<String, Decimal>, LedgerError> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for ((a, c), v) in balances {
        if is_under(a, root) {
            let slot = out.entry(c.clone()).or_default();
            *slot = amount::exact_add(*slot, *v, || format!("the total under {root} in {c}"))
                .map_err(LedgerError::Amount)?;
        }
    }
    Ok(out)
}

/// Check 4: what two parties owe each other nets to zero across their books, for every pair
/// with either account declared and every commodity: `A:receivable:B` + `B:payable:A` (money)
/// and `A:due-from:B` + `B:due-to:A` (in kind).
pub fn mirrors(store: &Store, balances: &Balances) -> Result<Vec<Check>, CheckError> {
    let chart = store.chart();
    // Each pair once, named by its claim (the asset side) and the mirror that owes it.
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for name in chart.accounts.keys() {
        if let Some((a, relation, b)) = relation_of(name, chart) {
            let (holder, claim, owing) = if relation.is_claim() {
                (a, relation, b)
            } else {
                (b, relation.mirror(), a)
            };
            pairs.insert((
                intercompany::account(holder, claim, owing),
                intercompany::account(owing, claim.mirror(), holder),
            ));
        }
    }
    let mut out = Vec::new();
    for (claim, mirror) in &pairs {
        let r = total_under(balances, claim)?;
        let p = total_under(balances, mirror)?;
        let mut commodities: Vec<&String> = r.keys().chain(p.keys()).collect();
        commodities.sort();
        commodities.dedup();
        for c in commodities {
            let rv = r.get(c).copied().unwrap_or_default();
            let pv = p.get(c).copied().unwrap_or_default();
            let scale = chart.scale_of(c)?;
            let sum = amount::exact_add(rv, pv, || format!("{claim} + {mirror} in {c}"))
                .map_err(LedgerError::Amount)?;
            let mut check = Check::amounts(
                CheckKind::MirroredObligation,
                format!("{claim} + {mirror} ({c})"),
                Decimal::ZERO,
                sum,
                scale,
            )?;
            check.expected = Cell::Amount(-pv, scale);
            check.actual = Cell::Amount(rv, scale);
            out.push(check);
        }
    }
    Ok(out)
}
