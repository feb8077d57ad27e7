//! Reconciliation: assignments against their notice. An offset agreement with a `notice`
//! binds the debtor from that day: from it, the debtor is discharged only by paying the
//! creditor. A transaction dated on or after the notice in which the intermediary received
//! the debtor's payment for the assigned claim (`settle::paid_to_assignor`) is a payment to the
//! wrong creditor: one `assignment-notice` row each, expected nothing, actual what it paid.
//! An agreement with a notice and no such payment has one row that holds.

use crate::checks::{Check, CheckError, CheckKind};
use crate::model::date::Date;
use crate::settle::{is_offset, offset_terms, paid_to_assignor, OffsetTerms};
use crate::store::Store;
use rust_decimal::Decimal;

/// The `assignment-notice` rows of every offset agreement with a notice; with `as_of`,
/// transactions dated after it are left out.
pub fn check_notices(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, CheckError> {
    let chart = store.chart();
    let noticed: Vec<(OffsetTerms, Date)> = store
        .agreements()
        .values()
        .filter(|a| is_offset(a))
        .filter_map(|a| offset_terms(a, chart).ok())
        .filter_map(|t| t.notice.map(|n| (t, n)))
        .collect();
    if noticed.is_empty() {
        return Ok(Vec::new());
    }
    let mut wrong: Vec<Vec<Check>> = vec![Vec::new(); noticed.len()];
    store.for_each_txn(|_, t| {
        if as_of.is_some_and(|d| t.date > d) {
            return Ok(());
        }
        for (i, (terms, notice)) in noticed.iter().enumerate() {
            if t.date < *notice {
                continue;
            }
            let paid = paid_to_assignor(terms, &t).map_err(to_store)?;
            if paid > Decimal::ZERO {
                let what = t.id.clone().unwrap_or_else(|| t.description.clone());
                let subject = format!(
                    "{} {what} ({}): {} paid {} for the claim assigned to {}, after its notice of {notice}",
                    terms.name, t.date, terms.debtor, terms.via, terms.creditor
                );
                let scale = chart.scale_of(&terms.commodity).map_err(to_store)?;
                wrong[i].push(
                    Check::amounts(
                        CheckKind::AssignmentNotice,
                        subject,
                        Decimal::ZERO,
                        paid,
                        scale,
                    )
                    .map_err(to_store)?,
                );
            }
        }
        Ok(())
    })?;
    let mut out = Vec::new();
    for ((terms, notice), rows) in noticed.iter().zip(wrong) {
        if rows.is_empty() {
            let subject = format!(
                "{}: nothing paid to {} for the claim assigned to {} from its notice of {notice}",
                terms.name, terms.via, terms.creditor
            );
            let scale = chart.scale_of(&terms.commodity)?;
            out.push(Check::amounts(
                CheckKind::AssignmentNotice,
                subject,
                Decimal::ZERO,
                Decimal::ZERO,
                scale,
            )?);
        }
        out.extend(rows);
    }
    Ok(out)
}

/// A model error inside a scan of the store, which carries store errors only.
fn to_store(e: crate::model::error::LedgerError) -> crate::store::StoreError {
    crate::store::StoreError::Ledger(e)
}
