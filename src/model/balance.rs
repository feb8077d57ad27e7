//! The balance invariant and the checks of balances: what a posting weighs (`weight`), the
//! sums a transaction leaves (`residuals`), `check_balanced`, and the checks against a running
//! balance, `check_assertion` and `check_floor`.
//!
//! Invariant: a transaction is checked for balance in exactly one function,
//! [`check_balanced`], used on entry (`Transaction::complete`) and on replay (`store::verify`).

use crate::model::account::Account;
use crate::model::amount::{self, Amount};
use crate::model::error::LedgerError;
use rust_decimal::Decimal;
use std::fmt;

/// Whether a price is per unit (`@`) or for the whole posting (`@@`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceKind {
    Unit,
    Total,
}

/// The weight of an amount with an optional price, generic over how a commodity is named.
pub fn weight<C: fmt::Display>(
    value: Decimal,
    commodity: C,
    price: Option<(PriceKind, C, Decimal)>,
) -> Result<(C, Decimal), LedgerError> {
    Ok(match price {
        None => (commodity, value),
        Some((PriceKind::Unit, c, p)) => {
            let v = amount::checked_mul(value, p, || format!("{value} {commodity} @ {p} {c}"))?;
            (c, v)
        }
        Some((PriceKind::Total, c, p)) => (c, if value.is_sign_negative() { -p } else { p }),
    })
}

/// A balance assertion (`= AMOUNT`) against the balance after its posting.
pub fn check_assertion(
    account: &str,
    asserted: &Amount,
    actual: Decimal,
) -> Result<(), LedgerError> {
    if actual == asserted.value {
        return Ok(());
    }
    Err(LedgerError::AssertionFailed {
        account: account.to_string(),
        commodity: asserted.commodity.clone(),
        asserted: asserted.value,
        actual,
        difference: actual.checked_sub(asserted.value).unwrap_or(actual),
    })
}

/// An account's floor: the balance it may not go below, in the floor's commodity.
pub fn check_floor(
    account: &Account,
    commodity: &str,
    balance: Decimal,
) -> Result<(), LedgerError> {
    match &account.floor {
        Some(floor) if floor.commodity == commodity && balance < floor.value => {
            Err(LedgerError::BelowFloor {
                account: account.name.clone(),
                commodity: commodity.to_string(),
                balance,
                floor: floor.value,
            })
        }
        _ => Ok(()),
    }
}

/// The non-zero sums per commodity of a transaction's weights, sorted by commodity.
pub fn residuals<C: Ord + Clone>(
    weights: impl Iterator<Item = Result<(C, Decimal), LedgerError>>,
) -> Result<Vec<(C, Decimal)>, LedgerError> {
    // A transaction touches one or two commodities: a short vector beats a map.
    let mut sums: Vec<(C, Decimal)> = Vec::with_capacity(2);
    for w in weights {
        let (c, v) = w?;
        let i = match sums.iter().position(|(k, _)| *k == c) {
            Some(i) => i,
            None => {
                sums.push((c, Decimal::ZERO));
                sums.len() - 1
            }
        };
        let slot = &mut sums[i].1;
        *slot = amount::exact_add(*slot, v, || "the sum of a transaction's postings".into())?;
    }
    sums.retain(|(_, v)| !v.is_zero());
    sums.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(sums)
}

/// **The balance invariant**: for every commodity, the weights of a transaction's postings sum
/// to exactly zero. The one place where it is decided; generic over how a commodity is named
/// (a code on entry, a numeric id on replay).
pub fn check_balanced<C: Ord + Clone + fmt::Display>(
    weights: impl Iterator<Item = Result<(C, Decimal), LedgerError>>,
) -> Result<(), LedgerError> {
    let residuals = residuals(weights)?;
    if residuals.is_empty() {
        Ok(())
    } else {
        Err(LedgerError::Unbalanced {
            residuals: residuals
                .into_iter()
                .map(|(c, v)| (c.to_string(), v))
                .collect(),
        })
    }
}
