//! `report register`: the postings of an account and its sub-accounts, with running balances,
//! row by row. Nothing holds the rows: a ledger recorded in date order gives them in one pass
//! over the journal; one recorded out of date order gives them window by window (a window is
//! a run of days with a bounded number of rows; only the blocks whose dates meet it are read,
//! and its rows are sorted). Memory grows with a window and the days, not the ledger.

use crate::model::account::is_under;
use crate::model::amount::{self, Amount};
use crate::model::date::Date;
use crate::model::transaction::{Posting, Transaction};
use crate::reports::table::{Cell, Table};
use crate::store::{Store, StoreError};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The register's columns.
pub const COLUMNS: [&str; 7] = [
    "date",
    "id",
    "description",
    "account",
    "commodity",
    "amount",
    "balance",
];

/// At most this many rows are sorted at once when the ledger is out of date order (a day
/// with more is a window of its own).
const WINDOW_ROWS: u64 = 1 << 16;

/// The register of one account: the postings of it and its sub-accounts in date order
/// (recorded order within a day), with a running balance per commodity. `from`/`to` limit the
/// rows shown; the running balance counts everything before `from`.
pub struct Register<'s> {
    store: &'s Store,
    account: String,
    from: Option<Date>,
    to: Option<Date>,
    /// The windows of days to read and sort; `None` when recorded order is date order.
    windows: Option<Vec<(Date, Date)>>,
}

impl<'s> Register<'s> {
    /// Checks the account (a party, a declared account, or a prefix of declared accounts such
    /// as `TM:receivable`) and reads the journal once: how many rows each day holds and
    /// whether they come in date order. A ledger in date order has its running balances
    /// summed in the same pass, so that a sum beyond the exact range is an error before a row
    /// is written; for another, [`Register::check`] does it.
    pub fn new(
        store: &'s Store,
        account: &str,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Register<'s>, StoreError> {
        let chart = store.chart();
        if !chart.parties.contains_key(account)
            && !chart.accounts.keys().any(|a| is_under(a, account))
        {
            chart.account(account)?;
        }
        let mut days: BTreeMap<Date, u64> = BTreeMap::new();
        let mut last: Option<Date> = None;
        let mut in_order = true;
        let mut running = Running::new(store, account, None, None);
        store.scan_txns_touching(under(account), |_, t| {
            for p in rows_of(t, account) {
                *days.entry(t.date).or_default() += 1;
                in_order &= last.is_none_or(|d| d <= t.date);
                last = Some(t.date);
                if let (true, Some(a)) = (in_order, &p.amount) {
                    running.add(a)?;
                }
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(Register {
            store,
            account: account.to_string(),
            from,
            to,
            windows: (!in_order).then(|| windows(&days)),
        })
    }

    /// Sums every running balance once without writing a row, where [`Register::new`] could
    /// not (a ledger out of date order): a sum beyond the exact range is then an error before
    /// the first row is written.
    pub fn check(&self) -> Result<(), StoreError> {
        if self.windows.is_none() {
            return Ok(());
        }
        self.for_each_row(|_| Ok::<_, StoreError>(()))
    }

    /// Every row shown, in date order (recorded order within a day): date, id, description,
    /// account, commodity, amount, balance. The callback's errors come out as they are.
    pub fn for_each_row<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(Vec<Cell>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut running = Running::new(self.store, &self.account, self.from, self.to);
        let Some(windows) = &self.windows else {
            return self.store.scan_txns_touching(under(&self.account), |_, t| {
                for p in rows_of(t, &self.account) {
                    if let Some(row) = running.row(t, p)? {
                        f(row)?;
                    }
                }
                Ok(())
            });
        };
        for &(lo, hi) in windows {
            let mut held: Vec<(u64, Transaction)> = Vec::new();
            self.store.scan_txns_dated(Some(lo), Some(hi), |seq, t| {
                if rows_of(t, &self.account).next().is_some() {
                    held.push((seq, t.clone()));
                }
                Ok::<_, StoreError>(())
            })?;
            held.sort_by_key(|(seq, t)| (t.date, *seq));
            for (_, t) in &held {
                for p in rows_of(t, &self.account) {
                    if let Some(row) = running.row(t, p)? {
                        f(row)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The whole register as a table, in memory (for a caller that wants one; the command line
/// writes the rows as they come).
pub fn register(
    store: &Store,
    account: &str,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<Table, StoreError> {
    let r = Register::new(store, account, from, to)?;
    let mut t = Table::new(&COLUMNS);
    r.for_each_row(|row| {
        t.push(row);
        Ok::<_, StoreError>(())
    })?;
    Ok(t)
}

/// The postings of `t` that are rows of `account`'s register: on it or under it, with an
/// amount.
fn rows_of<'t>(t: &'t Transaction, account: &'t str) -> impl Iterator<Item = &'t Posting> {
    t.postings
        .iter()
        .filter(move |p| p.amount.is_some() && is_under(&p.account, account))
}

/// Whether an account is `account` or under it.
fn under(account: &str) -> impl Fn(&str) -> bool + '_ {
    move |a| is_under(a, account)
}

/// Runs of consecutive days holding at most [`WINDOW_ROWS`] rows (or one day that holds
/// more), in date order.
fn windows(days: &BTreeMap<Date, u64>) -> Vec<(Date, Date)> {
    let mut out: Vec<(Date, Date)> = Vec::new();
    let mut rows = 0;
    for (&day, &n) in days {
        match out.last_mut() {
            Some((_, hi)) if rows + n <= WINDOW_ROWS => {
                *hi = day;
                rows += n;
            }
            _ => {
                out.push((day, day));
                rows = n;
            }
        }
    }
    out
}

/// The running balance per commodity, row by row in date order, and the rows shown.
struct Running<'s> {
    store: &'s Store,
    account: &'s str,
    from: Option<Date>,
    to: Option<Date>,
    balances: BTreeMap<String, Decimal>,
}

impl<'s> Running<'s> {
    fn new(
        store: &'s Store,
        account: &'s str,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Running<'s> {
        Running {
            store,
            account,
            from,
            to,
            balances: BTreeMap::new(),
        }
    }

    /// Counts an amount of a row; the balance after it.
    fn add(&mut self, a: &Amount) -> Result<Decimal, StoreError> {
        let slot = match self.balances.get_mut(&a.commodity) {
            Some(slot) => slot,
            None => self.balances.entry(a.commodity.clone()).or_default(),
        };
        *slot = amount::exact_add(*slot, a.value, || {
            format!("the running balance of {} in {}", self.account, a.commodity)
        })
        .map_err(|e| StoreError::Ledger(e.into()))?;
        Ok(*slot)
    }

    /// Counts posting `p` of `t`; its row, if its date is shown.
    fn row(&mut self, t: &Transaction, p: &Posting) -> Result<Option<Vec<Cell>>, StoreError> {
        let Some(a) = &p.amount else {
            return Ok(None);
        };
        let balance = self.add(a)?;
        let date = t.date;
        if self.from.is_some_and(|f| date < f) || self.to.is_some_and(|x| date > x) {
            return Ok(None);
        }
        let scale = self.store.chart().scale_of(&a.commodity)?;
        Ok(Some(vec![
            date.to_string().into(),
            t.id.clone().unwrap_or_default().into(),
            t.description.clone().into(),
            p.account.clone().into(),
            a.commodity.clone().into(),
            Cell::Amount(a.value, scale),
            Cell::Amount(balance, scale),
        ]))
    }
}
