//! Reconciliation: assignments against their notice. An offset agreement with a `notice`
//! binds the debtor from that day: from it, the debtor is discharged only by paying the
//! creditor. A transaction dated on or after the notice in which the intermediary received
//! the debtor's payment for the assigned claim (`settle::paid_to_assignor`) is a payment to the
//! wrong creditor: one `assignment-notice` row each, expected nothing, actual what it paid.
//! An agreement with a notice and no such payment has one row that holds.

use crate::checks::{Check, CheckError, CheckKind};
use crate::model::date::Date;
use crate::settle::{is_offset, offset_terms, paid_to_assignor, OffsetTerms};
use crate::store::{Store, StoreError};
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
    // Per agreement: each payment to the intermediary after the notice (what, when, how much).
    let mut wrong: Vec<Vec<(String, Date, Decimal)>> = vec![Vec::new(); noticed.len()];
    store.for_each_txn(|_, t| {
        if as_of.is_some_and(|d| t.date > d) {
            return Ok(());
        }
        for (i, (terms, notice)) in noticed.iter().enumerate() {
            if t.date < *notice {
                continue;
            }
            let paid = paid_to_assignor(terms, &t).map_err(StoreError::Ledger)?;
            if paid > Decimal::ZERO {
                let what = t.id.clone().unwrap_or_else(|| t.description.clone());
                wrong[i].push((what, t.date, paid));
            }
        }
        Ok(())
    })?;
    let mut out = Vec::new();
    for ((terms, notice), payments) in noticed.iter().zip(wrong) {
        let scale = chart.scale_of(&terms.commodity)?;
        let row = |subject: String, paid: Decimal| {
            Check::amounts(
                CheckKind::AssignmentNotice,
                subject,
                Decimal::ZERO,
                paid,
                scale,
            )
        };
        let (d, v, c) = (&terms.debtor, &terms.via, &terms.creditor);
        if payments.is_empty() {
            out.push(row(
                format!(
                    "{}: nothing paid to {v} for the claim assigned to {c} from its notice of \
                     {notice}",
                    terms.name
                ),
                Decimal::ZERO,
            )?);
        }
        for (what, date, paid) in payments {
            out.push(row(
                format!(
                    "{} {what} ({date}): {d} paid {v} for the claim assigned to {c}, after its \
                     notice of {notice}",
                    terms.name
                ),
                paid,
            )?);
        }
    }
    Ok(out)
}
