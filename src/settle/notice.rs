//! The notice of an assignment: an offset binds the debtor only from the day it is notified to
//! it (the agreement's `notice`). Before that day the debtor is discharged by paying the old
//! creditor, the intermediary; from it, only by paying the new one.
//!
//! A payment by the debtor D to the intermediary V before notice discharges D toward V, as D
//! believes it owes V. It pays first what D still owes V itself (the part of the claim not
//! assigned, or any other debt); what it pays beyond that comes off the assigned claim, which
//! then covers only what D still owed at notice: that part goes back to being V's debt to the
//! creditor C (C's claim on D shrinks, its claim on V grows back). Every party's books balance:
//!
//! ```text
//! D:payable:V      +plain      D pays what it owes V itself...
//! D:payable:C      +assigned   ...and, beyond it, what was assigned to C
//! D:cash           -paid
//! V:cash           +paid
//! V:receivable:D   -plain
//! V:payable:C      -assigned   V received what was assigned: it owes C that much again
//! C:receivable:D   -assigned
//! C:receivable:V   +assigned
//! ```
//!
//! tagged `assignment: NAME`. The same shape dated on or after the notice (the intermediary
//! paid for the assigned claim) does not discharge the debtor: reconciliation flags it
//! ([`paid_to_assignor`]), and `pay` refuses to write it.

use super::obligations::{cash, payable, posting, receivable, Entry};
use super::terms::OffsetTerms;
use crate::model::account::is_under;
use crate::model::amount;
use crate::model::error::LedgerError;
use crate::model::transaction::{Posting, Transaction};
use rust_decimal::Decimal;

/// The tag of a payment to the intermediary that took part of an assigned claim back.
pub const ASSIGNMENT_TAG: &str = "assignment";

/// A payment of `plain + assigned` by the debtor to the intermediary before the notice of
/// `terms`: `plain` off what the debtor owes the intermediary, `assigned` off the claim
/// assigned to the creditor (see the module's documentation; a part of zero has no postings).
pub fn payment_before_notice(
    terms: &OffsetTerms,
    plain: Decimal,
    assigned: Decimal,
    paid: Decimal,
    e: &Entry,
) -> Transaction {
    let (d, v, c, x) = (
        terms.debtor.as_str(),
        terms.via.as_str(),
        terms.creditor.as_str(),
        terms.commodity.as_str(),
    );
    let (has_plain, has_assigned) = (!plain.is_zero(), !assigned.is_zero());
    let parts = [
        (payable(d, v), plain, has_plain),
        (payable(d, c), assigned, has_assigned),
        (cash(d), -paid, true),
        (cash(v), paid, true),
        (receivable(v, d), -plain, has_plain),
        (payable(v, c), -assigned, has_assigned),
        (receivable(c, d), -assigned, has_assigned),
        (receivable(c, v), assigned, has_assigned),
    ];
    let postings: Vec<Posting> = parts
        .iter()
        .filter(|(_, _, kept)| *kept)
        .map(|(a, value, _)| posting(a, *value, x))
        .collect();
    let mut t = e.transaction(
        format!(
            "Payment: {d} pays {v} before the notice of {} (assigned to {c})",
            terms.name
        ),
        postings,
    );
    t.tags.push((ASSIGNMENT_TAG.into(), terms.name.clone()));
    t
}

/// What a recorded payment before notice paid off the intermediary's own claim (its posting on
/// `D:payable:V`), for rebuilding it when the same command is given again.
pub fn plain_part(terms: &OffsetTerms, t: &Transaction) -> Decimal {
    let account = payable(&terms.debtor, &terms.via);
    t.postings
        .iter()
        .filter(|p| p.account == account)
        .filter_map(|p| p.amount.as_ref())
        .filter(|a| a.commodity == terms.commodity)
        .map(|a| a.value)
        .sum()
}

/// How much of the claim assigned under `terms` a transaction discharged by a payment that the
/// intermediary received: the intermediary's cash goes up, and what the debtor owes the
/// creditor goes down (on the creditor's side, `C:receivable:D`, or on the debtor's,
/// `D:payable:C`: the larger). Zero for any other transaction.
pub fn paid_to_assignor(terms: &OffsetTerms, t: &Transaction) -> Result<Decimal, LedgerError> {
    let x = &terms.commodity;
    let sum_under = |root: &str| -> Result<Decimal, LedgerError> {
        let mut s = Decimal::ZERO;
        for p in &t.postings {
            if let Some(a) = p.amount.as_ref().filter(|a| &a.commodity == x) {
                if is_under(&p.account, root) {
                    s = amount::exact_add(s, a.value, || "a payment's postings".into())?;
                }
            }
        }
        Ok(s)
    };
    if sum_under(&cash(&terms.via))? <= Decimal::ZERO {
        return Ok(Decimal::ZERO);
    }
    let creditor_side = -sum_under(&receivable(&terms.creditor, &terms.debtor))?;
    let debtor_side = sum_under(&payable(&terms.debtor, &terms.creditor))?;
    Ok(creditor_side.max(debtor_side).max(Decimal::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::Date;
    use std::str::FromStr;

    fn terms() -> OffsetTerms {
        OffsetTerms {
            name: "iq-ir-tm".into(),
            debtor: "IQ".into(),
            via: "IR".into(),
            creditor: "TM".into(),
            commodity: "USD".into(),
            limit: Decimal::from(1600),
            notice: Date::from_str("2022-08-01").ok(),
        }
    }

    #[test]
    fn a_payment_before_notice_pays_the_intermediary_first_and_balances_for_each_party() {
        let e = Entry::at(Date::from_str("2022-07-15").unwrap());
        let t = payment_before_notice(
            &terms(),
            Decimal::from(400),
            Decimal::from(100),
            Decimal::from(500),
            &e,
        );
        assert_eq!(t.postings.len(), 8);
        assert_eq!(t.tag(ASSIGNMENT_TAG), Some("iq-ir-tm"));
        assert_eq!(plain_part(&terms(), &t), Decimal::from(400));
        assert!(crate::model::intercompany::party_residuals(&t)
            .unwrap()
            .is_empty());
        // It is the very shape reconciliation flags after the notice: 100 of the assigned
        // claim paid to the intermediary.
        assert_eq!(paid_to_assignor(&terms(), &t), Ok(Decimal::from(100)));
        // Nothing of the assigned claim: four postings, nothing paid to the assignor for it.
        let plain = payment_before_notice(
            &terms(),
            Decimal::from(50),
            Decimal::ZERO,
            Decimal::from(50),
            &e,
        );
        assert_eq!(plain.postings.len(), 4);
        assert_eq!(paid_to_assignor(&terms(), &plain), Ok(Decimal::ZERO));
    }
}
