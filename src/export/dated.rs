//! Balances in date order, from a pass over the books in recorded order: hledger checks a
//! balance assertion in date order, beancount at the end of its day, and a ledger may be
//! recorded out of date order. For each (account, commodity) asked for, one pass sums each
//! day's postings; the balance through a day is then the sum of the days up to it. Memory
//! grows with those accounts and the days they are posted on, never with the transactions.
//!
//! A sum taken day by day is the sum taken posting by posting in date order only while no
//! partial sum is rounded or overflows. That holds when the sum of the postings' magnitudes is
//! exact (every partial sum, in any order, is then at most that sum and as exact); [`gather`]
//! gives `None` for a ledger where it is not, and the caller reads the transactions into
//! memory and sums them in date order as they are.

use crate::export::Books;
use crate::model::amount::exact_add;
use crate::model::date::Date;
use crate::model::transaction::Transaction;
use crate::store::StoreError;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The (account, commodity) pairs whose balances in date order a writer asks for.
pub(super) type Tracked = HashSet<(String, String)>;

/// The balances in date order of the tracked (account, commodity) pairs.
pub(super) struct Dated {
    /// By account, then commodity.
    days: HashMap<String, HashMap<String, Days>>,
}

#[derive(Default)]
struct Days {
    /// Each day's sum while gathering; then the balance at the end of each day.
    through: BTreeMap<Date, Decimal>,
    /// The sum of the magnitudes of every posting, `None` once it is not exact.
    magnitude: Option<Decimal>,
    /// What the writer has passed of each day so far, in recorded order (hledger's check).
    seen: BTreeMap<Date, Decimal>,
}

/// One pass over `books`: the balances in date order of `tracked`; `None` when some sum could
/// round or overflow (see the module's documentation).
pub(super) fn gather(books: &Books, tracked: &Tracked) -> Result<Option<Dated>, StoreError> {
    let mut days: HashMap<String, HashMap<String, Days>> = HashMap::new();
    for (account, commodity) in tracked {
        let d = Days {
            magnitude: Some(Decimal::ZERO),
            ..Days::default()
        };
        days.entry(account.clone())
            .or_default()
            .insert(commodity.clone(), d);
    }
    let mut exact = true;
    books.for_each_txn(|t| -> Result<(), StoreError> {
        for p in &t.postings {
            let Some(a) = &p.amount else { continue };
            let Some(d) = days
                .get_mut(&p.account)
                .and_then(|c| c.get_mut(&a.commodity))
            else {
                continue;
            };
            d.magnitude = d
                .magnitude
                .and_then(|m| exact_add(m, a.value.abs(), String::new).ok());
            let day = d.through.entry(t.date).or_default();
            match exact_add(*day, a.value, String::new) {
                Ok(v) => *day = v,
                Err(_) => exact = false,
            }
        }
        Ok(())
    })?;
    let mut all = days.values().flat_map(HashMap::values);
    if !exact || all.any(|d| d.magnitude.is_none()) {
        return Ok(None);
    }
    for d in days.values_mut().flat_map(HashMap::values_mut) {
        let mut sum = Some(Decimal::ZERO);
        for v in d.through.values_mut() {
            // Never `None`: every partial sum is at most the magnitudes' sum, which is exact.
            sum = sum.and_then(|s| s.checked_add(*v));
            *v = sum.unwrap_or_default();
        }
    }
    Ok(Some(Dated { days }))
}

impl Dated {
    fn days(&self, account: &str, commodity: &str) -> Option<&Days> {
        self.days.get(account)?.get(commodity)
    }

    /// The balance of a tracked `account` in `commodity` at the end of `date`, every
    /// transaction dated up to it counted (zero for a pair not tracked).
    pub(super) fn through(&self, account: &str, commodity: &str, date: Date) -> Decimal {
        self.days(account, commodity)
            .and_then(|d| d.through.range(..=date).next_back())
            .map_or(Decimal::ZERO, |(_, v)| *v)
    }

    /// The balance before `date`: every transaction dated earlier counted.
    fn before(&self, account: &str, commodity: &str, date: Date) -> Decimal {
        self.days(account, commodity)
            .and_then(|d| d.through.range(..date).next_back())
            .map_or(Decimal::ZERO, |(_, v)| *v)
    }

    /// hledger's view, transaction by transaction in recorded order: for each posting of `t`,
    /// whether its balance assertion holds when the transactions are taken in date order
    /// (recorded order within a day), each posting counted before its own assertion.
    pub(super) fn date_order_holds(&mut self, t: &Transaction) -> Vec<bool> {
        let mut holds = Vec::with_capacity(t.postings.len());
        for p in &t.postings {
            if let Some(a) = &p.amount {
                let d = self
                    .days
                    .get_mut(&p.account)
                    .and_then(|c| c.get_mut(&a.commodity));
                if let Some(d) = d {
                    let seen = d.seen.entry(t.date).or_default();
                    // Never `None`: a partial sum, as exact as the magnitudes' sum.
                    *seen = seen.checked_add(a.value).unwrap_or_default();
                }
            }
            holds.push(p.assertion.as_ref().is_some_and(|x| {
                let seen = self
                    .days(&p.account, &x.commodity)
                    .and_then(|d| d.seen.get(&t.date))
                    .copied()
                    .unwrap_or_default();
                let before = self.before(&p.account, &x.commodity, t.date);
                before.checked_add(seen) == Some(x.value)
            }));
        }
        holds
    }
}
