//! Reports computed from the store as plain data ([`Table`]s): balances and registers.

use crate::model::amount;
use crate::model::date::Date;
use crate::model::ledger::{party_of, Chart};
use crate::reports::table::{Cell, Table};
use crate::store::{Balances, Store, StoreError};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Which balances to show.
#[derive(Debug, Clone, Default)]
pub struct BalanceQuery {
    pub as_of: Option<Date>,
    pub party: Option<String>,
    pub depth: Option<usize>,
}

/// The account name cut to `depth` segments.
fn at_depth(account: &str, depth: Option<usize>) -> &str {
    match depth {
        Some(d) if d > 0 => match account.match_indices(':').nth(d - 1) {
            Some((i, _)) => &account[..i],
            None => account,
        },
        _ => account,
    }
}

/// Balances by account and commodity, non-zero only, sorted by account then commodity.
pub fn balances(store: &Store, q: &BalanceQuery) -> Result<Table, StoreError> {
    let all: Balances = match q.as_of {
        Some(d) => store.balances_as_of(d)?,
        None => store.balances()?,
    };
    balance_table(all, store.chart(), q)
}

/// The table of [`balances`] from balances already read (`as_of` is the caller's business).
pub fn balance_table(all: Balances, chart: &Chart, q: &BalanceQuery) -> Result<Table, StoreError> {
    let mut rolled: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for ((account, commodity), v) in all {
        if q.party.as_deref().is_some_and(|p| party_of(&account) != p) {
            continue;
        }
        let key = (at_depth(&account, q.depth).to_string(), commodity);
        let what = || format!("the balance of {} in {}", key.0, key.1);
        let sum = amount::exact_add(rolled.get(&key).copied().unwrap_or_default(), v, what)
            .map_err(|e| StoreError::Ledger(e.into()))?;
        rolled.insert(key, sum);
    }
    let mut t = Table::new(&["account", "commodity", "balance"]);
    for ((account, commodity), v) in rolled {
        if v.is_zero() {
            continue;
        }
        let scale = chart.scale_of(&commodity)?;
        t.push(vec![
            account.into(),
            commodity.into(),
            Cell::Amount(v, scale),
        ]);
    }
    Ok(t)
}

/// Whether `account` is `root` or one of its sub-accounts (an account name's rule, in the model).
pub use crate::model::ledger::is_under;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_cuts_segments() {
        assert_eq!(at_depth("TM:gas:delivered", Some(1)), "TM");
        assert_eq!(at_depth("TM:gas:delivered", Some(2)), "TM:gas");
        assert_eq!(at_depth("TM:gas:delivered", Some(5)), "TM:gas:delivered");
        assert_eq!(at_depth("TM:gas:delivered", None), "TM:gas:delivered");
    }

    #[test]
    fn sub_accounts() {
        assert!(is_under("TM:gas:delivered", "TM:gas"));
        assert!(is_under("TM:gas", "TM:gas"));
        assert!(!is_under("TM:gasoline", "TM:gas"));
    }
}
