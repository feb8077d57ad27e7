//! Reconciliation check 5, the swaps: per swap and settlement period, the imbalance against the
//! tolerance band and the fee booked against the fee the terms call for.

use super::{Check, CheckError, CheckKind, Status};
use crate::model::amount;
use crate::model::date::Date;
use crate::reports::swap::{self as swap_report, SwapStoreError};
use crate::reports::table::Cell;
use crate::store::Store;
use crate::swap::{format_percent, periods, PeriodRow, SwapStatus, SwapTerms};
use rust_decimal::Decimal;

/// Check 5 as reconciliation rows: per swap and period, one `swap` row
/// (`subject` names both and the cumulative imbalance carried to the period's end; `expected`
/// entry − the fee booked, `actual` exit, `difference` actual − expected, the imbalance
/// negated; outside tolerance when |difference| exceeds tolerance × entry), and one `swap-fee`
/// row (`expected` the fee the terms call for, `actual` the fee booked, a mismatch unless they
/// are equal). Terms that do not validate, or figures that overflow, are rows with status
/// `mismatch`, not errors, so that the other checks still run.
pub fn check_swaps(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, CheckError> {
    let mut valid = Vec::new();
    let mut out = Vec::new();
    for a in store.agreements().values() {
        if a.field("kind") == Some("swap") {
            match SwapTerms::from_agreement(a, store.chart()) {
                Ok(t) => valid.push(t),
                Err(e) => out.push(refused(a.name.clone(), e.to_string())),
            }
        }
    }
    let mut legs = match swap_report::legs(store, &valid, as_of) {
        Ok(l) => l,
        Err(SwapStoreError::Store(e)) => return Err(e.into()),
        Err(SwapStoreError::Swap(e)) => {
            out.push(refused("swap legs".into(), e.to_string()));
            return Ok(out);
        }
    };
    for terms in &valid {
        match periods(terms, &legs.remove(&terms.name).unwrap_or_default()) {
            Ok(rows) => out.extend(rows.iter().flat_map(|r| period_checks(terms, r))),
            Err(e) => out.push(refused(terms.name.clone(), e.to_string())),
        }
    }
    Ok(out)
}

/// A `swap` row that says why a swap, or a period of it, could not be checked.
fn refused(subject: String, why: String) -> Check {
    Check {
        check: CheckKind::Swap,
        subject,
        expected: Cell::Text(String::new()),
        actual: Cell::Text(String::new()),
        difference: Cell::Text(why),
        status: Status::Mismatch,
    }
}

/// The `swap` and `swap-fee` rows of one period; one refusal when its figures overflow.
fn period_checks(terms: &SwapTerms, r: &PeriodRow) -> Vec<Check> {
    let scale = terms.commodity.scale;
    let expected = amount::exact_sub(r.entry, r.fee, String::new).ok();
    let (Some(expected), Some(difference)) = (expected, Decimal::ZERO.checked_sub(r.imbalance))
    else {
        return vec![refused(
            format!("{} {}", terms.name, r.period),
            "the period's figures overflow".into(),
        )];
    };
    let swap = Check {
        check: CheckKind::Swap,
        subject: format!(
            "{} {} (cumulative {} {})",
            terms.name,
            r.period,
            amount::format_at_scale(r.cumulative, scale),
            terms.commodity.code
        ),
        expected: Cell::Amount(expected, scale),
        actual: Cell::Amount(r.exit, scale),
        difference: Cell::Amount(difference, scale),
        status: match r.status {
            SwapStatus::Ok => Status::Ok,
            SwapStatus::OutsideTolerance => Status::OutsideTolerance,
        },
    };
    let fee = Check {
        check: CheckKind::SwapFee,
        subject: format!(
            "{} {} fee {} on {} {} entry",
            terms.name,
            r.period,
            format_percent(terms.fee_rate),
            amount::format_at_scale(r.entry, scale),
            terms.commodity.code
        ),
        expected: Cell::Amount(r.contract_fee, scale),
        actual: Cell::Amount(r.fee, scale),
        difference: Cell::Amount(r.fee_difference, scale),
        status: if r.fee_difference.is_zero() {
            Status::Ok
        } else {
            Status::Mismatch
        },
    };
    vec![swap, fee]
}
