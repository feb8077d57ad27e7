//! `report balances`: the balances of every account, or of one party's, rolled up to a depth
//! of the account tree.

use crate::model::account::party_of;
use crate::model::amount;
use crate::model::chart::Chart;
use crate::model::date::Date;
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
}
