//! `report register`: the postings of an account and its sub-accounts, with running balances.

use crate::model::account::is_under;
use crate::model::amount;
use crate::model::date::Date;
use crate::reports::table::{Cell, Table};
use crate::store::{Store, StoreError};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The postings of an account and its sub-accounts in date order (recorded order within a
/// day), with a running balance per commodity. `from`/`to` limit the rows shown; the running
/// balance counts everything before `from`.
pub fn register(
    store: &Store,
    account: &str,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<Table, StoreError> {
    // A party, a declared account, or a prefix of declared accounts (TM:receivable).
    let chart = store.chart();
    if !chart.parties.contains_key(account) && !chart.accounts.keys().any(|a| is_under(a, account))
    {
        chart.account(account)?;
    }
    let mut rows = Vec::new();
    store.for_each_txn(|seq, t| {
        for p in &t.postings {
            if is_under(&p.account, account) {
                if let Some(a) = &p.amount {
                    rows.push((
                        t.date,
                        seq,
                        t.id.clone(),
                        t.description.clone(),
                        p.account.clone(),
                        a.clone(),
                    ));
                }
            }
        }
        Ok(())
    })?;
    rows.sort_by_key(|r| (r.0, r.1));
    let mut running: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut t = Table::new(&[
        "date",
        "id",
        "description",
        "account",
        "commodity",
        "amount",
        "balance",
    ]);
    for (date, _, id, desc, acct, amount) in rows {
        let slot = running.entry(amount.commodity.clone()).or_default();
        *slot = amount::exact_add(*slot, amount.value, || {
            format!("the running balance of {account} in {}", amount.commodity)
        })
        .map_err(|e| StoreError::Ledger(e.into()))?;
        if from.is_some_and(|f| date < f) || to.is_some_and(|x| date > x) {
            continue;
        }
        let scale = store.chart().scale_of(&amount.commodity)?;
        t.push(vec![
            date.to_string().into(),
            id.unwrap_or_default().into(),
            desc.into(),
            acct.into(),
            amount.commodity.clone().into(),
            Cell::Amount(amount.value, scale),
            Cell::Amount(*slot, scale),
        ]);
    }
    Ok(t)
}
