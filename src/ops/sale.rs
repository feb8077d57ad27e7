//! The writes of sales: `deliver` (a delivery and its invoice) and `interest --record` (the
//! interest charged on each invoice). Each builds its transactions with the pure `settle` code
//! and records them through one `store::Writer`, opening the accounts they need; the writer's
//! rulebook checks them as it checks the same transactions from a journal.

use crate::model::account::{Account, AccountType};
use crate::model::date::Date;
use crate::model::transaction::Transaction;
use crate::ops::settle::SettleOpError;
use crate::reports::interest::{self, stored_sale, InterestReport};
use crate::settle::{
    charge_transaction, delivery_transaction, Entry, Invoice, SaleTerms, SettleError,
};
use crate::store::{Added, Store};
use rust_decimal::Decimal;

/// What `deliver` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub terms: SaleTerms,
    pub invoice: Invoice,
    /// The invoice's number: the transaction's id.
    pub id: String,
    pub added: Added,
}

/// What is delivered: a quantity, and the commodity it was given in, if any (it must be the
/// agreement's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub quantity: Decimal,
    pub commodity: Option<String>,
}

/// Record a delivery under the sale `name` on `e.date`: the gas and the invoice on each
/// party's books, in one transaction. Without an id, the invoice is numbered `NAME-DATE`, so
/// that the same delivery given again records nothing new.
pub fn deliver(
    store: &mut Store,
    name: &str,
    volume: &Volume,
    mut e: Entry,
) -> Result<Delivered, SettleOpError> {
    let terms = stored_sale(store, name)?;
    if let Some(c) = volume
        .commodity
        .as_ref()
        .filter(|c| **c != terms.commodity.code)
    {
        return Err(SettleError::BadDelivery {
            agreement: terms.name.clone(),
            why: format!(
                "the volume is in {c}, but the agreement sells {}",
                terms.commodity.code
            ),
        }
        .into());
    }
    let invoice = terms.invoice(e.date, volume.quantity)?;
    let id =
        e.id.get_or_insert_with(|| format!("{}-{}", terms.name, e.date))
            .clone();
    let t = delivery_transaction(&terms, &invoice, &e);
    let added = write(store, vec![t], &terms.delivery_accounts())?
        .pop()
        .ok_or_else(|| SettleError::BadDelivery {
            agreement: terms.name.clone(),
            why: "nothing was written".into(),
        })?;
    Ok(Delivered {
        terms,
        invoice,
        id,
        added,
    })
}

/// `interest --to TO --record [--date DATE]`: the interest on every invoice to `to`, and one
/// charge recorded per invoice with interest above zero, dated `date` (or `to`), each with
/// the id [`crate::settle::charge_id`], all in one commit. Interest charged already is not
/// charged again: the report runs from where the last charge ended.
pub fn record_interest(
    store: &mut Store,
    to: Date,
    date: Option<Date>,
) -> Result<(InterestReport, Vec<(String, Added)>), SettleOpError> {
    let report = interest::interest(store, to)?;
    let mut txns = Vec::new();
    let mut accounts: Vec<(String, AccountType)> = Vec::new();
    for inv in report
        .invoices
        .iter()
        .filter(|i| i.charge.amount > Decimal::ZERO)
    {
        txns.push(charge_transaction(
            &inv.terms,
            &inv.invoice,
            &inv.charge,
            date.unwrap_or(to),
        ));
        accounts.extend(inv.terms.interest_accounts());
    }
    let ids: Vec<String> = txns.iter().filter_map(|t| t.id.clone()).collect();
    let added = write(store, txns, &accounts)?;
    Ok((report, ids.into_iter().zip(added).collect()))
}

/// Append `txns` in one atomic write, opening `accounts` when missing; committed when any of
/// them is new.
fn write(
    store: &mut Store,
    txns: Vec<Transaction>,
    accounts: &[(String, AccountType)],
) -> Result<Vec<Added>, SettleOpError> {
    if txns.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = store.writer()?;
    for (name, kind) in accounts {
        if !w.chart().accounts.contains_key(name) {
            w.add_account(Account {
                name: name.clone(),
                kind: Some(*kind),
                floor: None,
            })?;
        }
    }
    let mut added = Vec::with_capacity(txns.len());
    for t in txns {
        added.push(w.append(t)?);
    }
    if added.iter().any(|a| matches!(a, Added::New { .. })) {
        w.commit()?;
    }
    Ok(added)
}
