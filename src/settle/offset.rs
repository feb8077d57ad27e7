//! The triangular offset: the transaction that assigns the intermediary's claim on the debtor
//! to the creditor, and its refusals given what is owed and what was assigned already.

use super::error::{add, fmt, sub, SettleError};
use super::obligations::{payable, posting, receivable, Entry};
use super::terms::OffsetTerms;
use super::validate::check_amount;
use crate::model::amount::Amount;
use crate::model::chart::Chart;
use crate::model::transaction::Transaction;
use rust_decimal::Decimal;

/// The offset transaction: the debtor's debt to the intermediary becomes a debt to the
/// creditor, the intermediary's claim on the debtor is used up, the intermediary's debt to the
/// creditor shrinks by the same amount. Every party's own postings sum to zero.
pub fn offset_transaction(terms: &OffsetTerms, value: Decimal, e: &Entry) -> Transaction {
    let (d, v, c, x) = (
        &terms.debtor,
        &terms.via,
        &terms.creditor,
        terms.commodity.as_str(),
    );
    let mut t = e.transaction(
        format!("Offset: {v} assigns its claim on {d} to {c}"),
        vec![
            posting(&payable(d, v), value, x),
            posting(&payable(d, c), -value, x),
            posting(&receivable(v, d), -value, x),
            posting(&payable(v, c), value, x),
            posting(&receivable(c, d), value, x),
            posting(&receivable(c, v), -value, x),
        ],
    );
    t.tags.push(("agreement".to_string(), terms.name.clone()));
    t
}

/// An offset's refusals that need no balance: the amount positive and in the agreement's
/// commodity.
pub fn check_offset_amount(
    chart: &Chart,
    terms: &OffsetTerms,
    amount: &Amount,
) -> Result<(), SettleError> {
    check_amount(chart, "an offset", amount)?;
    if amount.commodity != terms.commodity {
        return Err(SettleError::BadAgreement {
            name: terms.name.clone(),
            why: format!(
                "the offset is in {}, the amount given is in {}",
                terms.commodity, amount.commodity
            ),
        });
    }
    Ok(())
}

/// What an offset of `value` meets: `used`, assigned already under the agreement; `owed`, what
/// the debtor owes the intermediary and what the intermediary owes the creditor at its date
/// (and every later one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetRoom {
    pub used: Decimal,
    pub owed_claim: Decimal,
    pub owed_debt: Decimal,
}

/// Refuse an offset of `value`, naming each excess, beyond the agreement's limit (counting
/// earlier offsets under it), beyond what the debtor owes the intermediary, and beyond what the
/// intermediary owes the creditor.
pub fn check_offset_room(
    chart: &Chart,
    terms: &OffsetTerms,
    value: Decimal,
    room: OffsetRoom,
) -> Result<(), SettleError> {
    let f = |v: Decimal| fmt(chart, v, &terms.commodity);
    let x = &terms.commodity;
    let mut reasons = Vec::new();
    let total = add(room.used, value, "assigned total")?;
    if total > terms.limit {
        reasons.push(format!(
            "it exceeds the agreement's limit by {} {x} (limit {} {x}, {} {x} assigned already)",
            f(sub(total, terms.limit, "excess")?),
            f(terms.limit),
            f(room.used)
        ));
    }
    for (owed, debtor, creditor) in [
        (room.owed_claim, &terms.debtor, &terms.via),
        (room.owed_debt, &terms.via, &terms.creditor),
    ] {
        if value > owed {
            reasons.push(format!(
                "it exceeds what {debtor} owes {creditor} by {} {x} ({debtor} owes {creditor} {} {x})",
                f(sub(value, owed, "excess")?),
                f(owed)
            ));
        }
    }
    if reasons.is_empty() {
        return Ok(());
    }
    Err(SettleError::OffsetRefused {
        agreement: terms.name.clone(),
        amount: f(value),
        commodity: x.clone(),
        reasons,
    })
}
