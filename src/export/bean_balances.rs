//! What the beancount export learns of the books before it writes them: the first pass's
//! facts (the first date, each account's first posting, the pairs that assertions name), and
//! what beancount will find where each assertion's `balance` directive would go (the balance
//! at the end of its day of the account and every account mapped under it, from
//! `dated.rs`). Both are bounded by the accounts, commodities and days, not by the
//! transactions.

use crate::export::dated::{self, Dated, Tracked};
use crate::export::peer::Running;
use crate::export::{Books, ExportError};
use crate::model::chart::Chart;
use crate::model::date::{days_in_month, Date};
use crate::model::transaction::Transaction;
use crate::store::StoreError;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A first pass over the books.
#[derive(Default)]
pub(super) struct Facts {
    /// The first transaction's date.
    pub first: Option<Date>,
    /// The date of each account's first posting.
    pub opened: FxHashMap<String, Date>,
    /// The (account, commodity) of every balance assertion.
    asserted: BTreeSet<(String, String)>,
}

impl Facts {
    pub(super) fn gather(books: &Books) -> Result<Facts, StoreError> {
        let mut facts = Facts::default();
        books.for_each_txn(|t| -> Result<(), StoreError> {
            facts.first = Some(facts.first.map_or(t.date, |d| d.min(t.date)));
            for p in &t.postings {
                match facts.opened.get_mut(&p.account) {
                    Some(d) => *d = (*d).min(t.date),
                    None => {
                        facts.opened.insert(p.account.clone(), t.date);
                    }
                }
                if let Some(x) = &p.assertion {
                    let key = (p.account.clone(), x.commodity.clone());
                    if !facts.asserted.contains(&key) {
                        facts.asserted.insert(key);
                    }
                }
            }
            Ok(())
        })?;
        Ok(facts)
    }
}

/// What beancount finds where an assertion's `balance` directive would go.
pub(super) struct BeanCheck {
    /// The date of that directive: the day after the transaction.
    pub next_day: Option<Date>,
    /// The balance at the end of the transaction's day of the account and of every account
    /// mapped under it, in the asserted commodity (`None` on overflow).
    pub actual: Option<Decimal>,
}

/// What beancount finds at each assertion, transaction by transaction in recorded order.
pub(super) enum Checks {
    /// The books assert nothing.
    Nothing,
    /// From the balances in date order a second pass gathered, and the accounts at or under
    /// each asserted one.
    Gathered {
        dated: Dated,
        subtree: HashMap<String, Vec<String>>,
    },
    /// Decided in memory (transaction index, posting index), for a ledger whose sums a pass
    /// cannot take exactly; and the index of the next transaction.
    Held(HashMap<(usize, usize), BeanCheck>, usize),
}

impl Checks {
    /// `names`: every declared account's beancount name.
    pub(super) fn prepare(
        books: &Books,
        facts: &Facts,
        names: &BTreeMap<String, String>,
    ) -> Result<Checks, ExportError> {
        if facts.asserted.is_empty() {
            return Ok(Checks::Nothing);
        }
        let chart = books.chart();
        let mut subtree = HashMap::new();
        let mut tracked = Tracked::new();
        for (account, commodity) in &facts.asserted {
            let under = subtree
                .entry(account.clone())
                .or_insert_with(|| subtree_of(account, chart, names));
            tracked.extend(under.iter().map(|a| (a.clone(), commodity.clone())));
        }
        Ok(match dated::gather(books, &tracked)? {
            Some(dated) => Checks::Gathered { dated, subtree },
            None => Checks::Held(beancount_checks(&books.transactions()?, chart, names), 0),
        })
    }

    /// For each posting of `t`, the next transaction of the books: what beancount finds at
    /// its assertion (`None` without one).
    pub(super) fn of(&mut self, t: &Transaction) -> Vec<Option<BeanCheck>> {
        match self {
            Checks::Nothing => Vec::new(),
            Checks::Gathered { dated, subtree } => t
                .postings
                .iter()
                .map(|p| {
                    let x = p.assertion.as_ref()?;
                    let actual = subtree
                        .get(&p.account)?
                        .iter()
                        .try_fold(Decimal::ZERO, |sum, a| {
                            sum.checked_add(dated.through(a, &x.commodity, t.date))
                        });
                    Some(BeanCheck {
                        next_day: next_day(t.date),
                        actual,
                    })
                })
                .collect(),
            Checks::Held(checks, i) => {
                let out = (0..t.postings.len())
                    .map(|j| checks.remove(&(*i, j)))
                    .collect();
                *i += 1;
                out
            }
        }
    }
}

/// For every balance assertion (transaction index, posting index) of transactions held in
/// memory, what beancount would find.
fn beancount_checks(
    txns: &[Transaction],
    chart: &Chart,
    names: &BTreeMap<String, String>,
) -> HashMap<(usize, usize), BeanCheck> {
    let mut subtree: HashMap<&str, Vec<String>> = HashMap::new();
    // Assertions by the date at whose end they are checked.
    let mut by_date: BTreeMap<Date, Vec<(usize, usize)>> = BTreeMap::new();
    for (i, t) in txns.iter().enumerate() {
        for (j, p) in t.postings.iter().enumerate() {
            if p.assertion.is_some() {
                by_date.entry(t.date).or_default().push((i, j));
                subtree
                    .entry(p.account.as_str())
                    .or_insert_with(|| subtree_of(&p.account, chart, names));
            }
        }
    }

    let mut order: Vec<usize> = (0..txns.len()).collect();
    order.sort_by_key(|&i| txns[i].date);
    let mut balances = Running::default();
    let mut out = HashMap::new();
    let mut next = 0;
    for (date, checks) in by_date {
        while next < order.len() && txns[order[next]].date <= date {
            for p in &txns[order[next]].postings {
                if let Some(a) = &p.amount {
                    balances.add(&p.account, &a.commodity, a.value);
                }
            }
            next += 1;
        }
        for (i, j) in checks {
            let p = &txns[i].postings[j];
            let Some(x) = &p.assertion else {
                continue;
            };
            let actual = subtree[p.account.as_str()]
                .iter()
                .try_fold(Decimal::ZERO, |sum, a| {
                    sum.checked_add(balances.get(a, &x.commodity)?)
                });
            out.insert(
                (i, j),
                BeanCheck {
                    next_day: next_day(date),
                    actual,
                },
            );
        }
    }
    out
}

/// The gasledger accounts whose beancount names are at or under `account`'s own (beancount's
/// balance of an account includes its sub-accounts), `account` itself included.
fn subtree_of(account: &str, chart: &Chart, names: &BTreeMap<String, String>) -> Vec<String> {
    let top = names.get(account).map_or(account, String::as_str);
    chart
        .accounts
        .keys()
        .filter(|a| {
            let n = names.get(*a).map_or(a.as_str(), String::as_str);
            n == top || (n.starts_with(top) && n.as_bytes().get(top.len()) == Some(&b':'))
        })
        .map(String::as_str)
        .chain(std::iter::once(account))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The day after `d`, if there is one.
fn next_day(d: Date) -> Option<Date> {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if day < days_in_month(y, m) {
        Date::new(y, m, day + 1).ok()
    } else if m < 12 {
        Date::new(y, m + 1, 1).ok()
    } else {
        Date::new(y.checked_add(1)?, 1, 1).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_day_crosses_months_and_years() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(next_day(d("2022-01-31")), Some(d("2022-02-01")));
        assert_eq!(next_day(d("2024-02-28")), Some(d("2024-02-29")));
        assert_eq!(next_day(d("2023-02-28")), Some(d("2023-03-01")));
        assert_eq!(next_day(d("2022-12-31")), Some(d("2023-01-01")));
        assert_eq!(next_day(d("2022-06-15")), Some(d("2022-06-16")));
        assert_eq!(next_day(d("9999-12-31")), None);
    }
}
