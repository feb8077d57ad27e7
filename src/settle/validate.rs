//! The refusals every settlement command shares: parties declared and distinct, amounts
//! declared, positive and within scale.

use super::error::{fmt, SettleError};
use crate::model::amount::Amount;
use crate::model::chart::Chart;
use crate::model::error::LedgerError;
use crate::model::suggest;
use rust_decimal::Decimal;

/// A declared party, or an error naming the nearest declared one.
pub fn check_party(chart: &Chart, code: &str) -> Result<(), SettleError> {
    if chart.parties.contains_key(code) {
        return Ok(());
    }
    Err(SettleError::UndeclaredParty {
        code: code.to_string(),
        nearest: suggest::nearest(code, chart.parties.keys()),
    })
}

/// Two roles held by different parties.
pub fn check_distinct(a: (&'static str, &str), b: (&'static str, &str)) -> Result<(), SettleError> {
    if a.1 == b.1 {
        return Err(SettleError::SameParty {
            role: a.0,
            other_role: b.0,
            code: a.1.to_string(),
        });
    }
    Ok(())
}

/// An amount a command moves: its commodity declared, its value positive and within scale.
pub fn check_amount(chart: &Chart, what: &'static str, a: &Amount) -> Result<(), SettleError> {
    chart
        .commodity(&a.commodity)?
        .check_scale(a.value)
        .map_err(LedgerError::from)?;
    if a.value <= Decimal::ZERO {
        return Err(SettleError::NotPositive {
            what,
            value: fmt(chart, a.value, &a.commodity),
            commodity: a.commodity.clone(),
        });
    }
    Ok(())
}

/// Two declared, distinct parties (in their roles) and an amount they move.
pub fn check_parties_and_amount(
    chart: &Chart,
    (role_a, a): (&'static str, &str),
    (role_b, b): (&'static str, &str),
    what: &'static str,
    amount: &Amount,
) -> Result<(), SettleError> {
    check_party(chart, a)?;
    check_party(chart, b)?;
    check_distinct((role_a, a), (role_b, b))?;
    check_amount(chart, what, amount)
}
