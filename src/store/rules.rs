//! The date rules a writer applies to every transaction it is given, whichever way it came
//! (a command, an import, the library), checked at its commit against the whole journal:
//!
//! - **Obligations**: what D owes C is the balance of `C:receivable:D` (and of its mirror
//!   `D:payable:C`, with the sign turned), sub-accounts included. A transaction that takes an
//!   amount off an obligation (a payment, an offset, a netting, the reversal of a debt) must
//!   find it owed at its own date and at every later date: the obligation, in date order, with
//!   every transaction recorded, never goes below zero from the date of a transaction that
//!   reduced it. A back-dated payment may not leave a later one paying more than was owed.
//! - **Reversals**: a transaction tagged `reverses: ID` names a recorded transaction, is not
//!   dated before it, and is the only one that reverses it.
//!
//! Plain transactions cost one look-up per posting (is its account an obligation?); the
//! journal is read only at the commit of a writer that was given a reduction or a reversal.

use super::record::{self, RawTxn};
use super::{Store, StoreError};
use crate::model::amount::{exact_add, format_at_scale};
use crate::model::chart::Chart;
use crate::model::error::LedgerError;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// What an account is to the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Unknown,
    Plain,
    /// Under an obligation, by its index in `Rules::groups`.
    Obligation(u32),
}

/// One obligation: `C:receivable:D` (sign +1) or `D:payable:C` (sign −1), sub-accounts
/// included; `debtor` owes `creditor`.
#[derive(Debug, Clone)]
struct Group {
    name: String,
    debtor: String,
    creditor: String,
    receivable: bool,
}

/// A reduction of an obligation by a new transaction.
#[derive(Debug, Clone, Copy)]
struct TakeOff {
    date: u32,
    seq: u64,
    /// What it took off, positive.
    amount: Decimal,
}

/// A posting of a writer's new transaction on an obligation, read back at its commit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Move {
    pub account: u32,
    pub commodity: u32,
    pub date: u32,
    pub value: Decimal,
}

/// A reduction that leaves an obligation below zero at some date: the error, but for the
/// transaction's text, which the writer reads.
#[derive(Debug, Clone)]
pub(super) struct Violation {
    pub seq: u64,
    pub date: String,
    pub account: String,
    pub debtor: String,
    pub creditor: String,
    pub amount: String,
    pub commodity: String,
    pub on: String,
    pub owed: String,
}

/// A new transaction tagged `reverses:`.
#[derive(Debug, Clone)]
pub(super) struct Reversal {
    pub reversed: String,
    pub date: u32,
    pub seq: u64,
}

/// What was owed at the end of the day before a first date, and the net change of every date
/// from it on.
type History = (Decimal, BTreeMap<u32, Decimal>);
type Histories = FxHashMap<(u32, u32), History>;
/// Calls its argument with every transaction, in recorded order.
type EachTxn<'a> = dyn FnMut(&mut dyn FnMut(u64, &RawTxn)) -> Result<(), StoreError> + 'a;

/// What a writer keeps for the rules.
#[derive(Debug, Default)]
pub(super) struct Rules {
    class: Vec<Class>,
    groups: Vec<Group>,
    group_ids: FxHashMap<String, u32>,
    take_offs: FxHashMap<(u32, u32), Vec<TakeOff>>,
    pub reversals: Vec<Reversal>,
}

fn exact(a: Decimal, b: Decimal) -> Result<Decimal, StoreError> {
    exact_add(a, b, || "the balance of an obligation".into())
        .map_err(|e| StoreError::Ledger(LedgerError::Amount(e)))
}

/// The first three segments of `account` if it is `C:receivable:D` or `D:payable:C` (or under
/// one) with both parties declared: (group name, debtor, creditor, receivable).
fn obligation(account: &str, chart: &Chart) -> Option<(String, String, String, bool)> {
    let mut parts = account.split(':');
    let (a, kind, b) = (parts.next()?, parts.next()?, parts.next()?);
    if !(chart.parties.contains_key(a) && chart.parties.contains_key(b)) || a == b {
        return None;
    }
    let name = format!("{a}:{kind}:{b}");
    match kind {
        "receivable" => Some((name, b.to_string(), a.to_string(), true)),
        "payable" => Some((name, a.to_string(), b.to_string(), false)),
        _ => None,
    }
}

impl Rules {
    /// Forget how accounts were classified (a party was declared: more may be obligations).
    pub fn chart_changed(&mut self) {
        self.class.clear();
    }

    /// The obligation account `account` (by id) is under, if any.
    fn group_of(&mut self, account: u32, names: &record::Names, chart: &Chart) -> Option<u32> {
        let i = account as usize;
        if i >= self.class.len() {
            self.class
                .resize(names.accounts.len().max(i + 1), Class::Unknown);
        }
        match self.class[i] {
            Class::Plain => None,
            Class::Obligation(g) => Some(g),
            Class::Unknown => {
                let found = names
                    .accounts
                    .get(i)
                    .and_then(|name| obligation(name, chart));
                let class = match found {
                    None => Class::Plain,
                    Some((name, debtor, creditor, receivable)) => {
                        let next = self.groups.len() as u32;
                        let g = *self.group_ids.entry(name.clone()).or_insert(next);
                        if g == next {
                            self.groups.push(Group {
                                name,
                                debtor,
                                creditor,
                                receivable,
                            });
                        }
                        Class::Obligation(g)
                    }
                };
                self.class[i] = class;
                match class {
                    Class::Obligation(g) => Some(g),
                    _ => None,
                }
            }
        }
    }

    /// Whether a posting of `value` on account `account` reduces what is owed on an
    /// obligation (a look-up and a sign: this is all a plain transaction costs).
    fn reduces(
        &mut self,
        account: u32,
        value: Decimal,
        names: &record::Names,
        chart: &Chart,
    ) -> bool {
        match self.group_of(account, names, chart) {
            None => false,
            // A receivable goes down, a payable (negative) goes up.
            Some(g) => {
                !value.is_zero() && value.is_sign_negative() == self.groups[g as usize].receivable
            }
        }
    }

    /// Note whether an applied transaction took an amount off an obligation (its net change
    /// on the obligation, sub-accounts together).
    pub fn applied(
        &mut self,
        postings: &[super::write::PreparedPosting],
        date: u32,
        seq: u64,
        names: &record::Names,
        chart: &Chart,
    ) -> Result<(), StoreError> {
        if !postings
            .iter()
            .any(|p| self.reduces(p.account, p.value, names, chart))
        {
            return Ok(());
        }
        let mut net: Vec<((u32, u32), Decimal)> = Vec::new();
        for p in postings {
            let Some(g) = self.group_of(p.account, names, chart) else {
                continue;
            };
            let key = (g, p.commodity);
            match net.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => *v = exact(*v, p.value)?,
                None => net.push((key, p.value)),
            }
        }
        for (key, v) in net {
            let owed_change = if self.groups[key.0 as usize].receivable {
                v
            } else {
                -v
            };
            if owed_change.is_sign_negative() && !owed_change.is_zero() {
                self.take_offs.entry(key).or_default().push(TakeOff {
                    date,
                    seq,
                    amount: -owed_change,
                });
            }
        }
        Ok(())
    }

    /// Whether the commit has anything to check.
    pub fn is_idle(&self) -> bool {
        self.take_offs.is_empty() && self.reversals.is_empty()
    }

    /// The ids of the accounts under the given obligations (those a writer's new transactions
    /// are read back for).
    pub fn accounts_of(
        &mut self,
        groups: &FxHashSet<u32>,
        names: &record::Names,
        chart: &Chart,
    ) -> FxHashSet<u32> {
        (0..names.accounts.len() as u32)
            .filter(|a| {
                self.group_of(*a, names, chart)
                    .is_some_and(|g| groups.contains(&g))
            })
            .collect()
    }

    /// The date of the earliest new reduction.
    pub fn earliest_reduction(&self) -> u32 {
        self.take_offs
            .values()
            .flatten()
            .map(|t| t.date)
            .min()
            .unwrap_or(u32::MAX)
    }

    /// The obligations the new reductions concern.
    pub fn reduced_groups(&self) -> FxHashSet<u32> {
        self.take_offs.keys().map(|(g, _)| *g).collect()
    }

    /// The obligation `account` is under, if any.
    pub fn group(&mut self, account: u32, names: &record::Names, chart: &Chart) -> Option<u32> {
        self.group_of(account, names, chart)
    }

    /// For each wanted (obligation, commodity) and its first date: what was owed at the end of
    /// the day before, and the net change of every later date, from the committed journal and
    /// `new` (the writer's postings on those obligations: account, commodity, date, value).
    /// Blocks that end before every first date are taken from their summaries.
    fn histories(
        &mut self,
        store: &Store,
        names: &record::Names,
        chart: &Chart,
        wanted: &FxHashMap<(u32, u32), u32>,
        new: &[Move],
    ) -> Result<Histories, StoreError> {
        let mut out: Histories = FxHashMap::default();
        let earliest = wanted.values().copied().min().unwrap_or(u32::MAX);
        for i in 0..store.block_count() {
            let v = store
                .db
                .get(super::summary_key(i))?
                .ok_or_else(|| StoreError::Damaged(format!("summary of block {i} is missing")))?;
            store.db.scanned(v.len())?;
            let s = record::Summary::from_value(&v)?;
            if s.max_date < earliest {
                for (a, c, v) in s.deltas {
                    self.add_to_history(&mut out, names, chart, wanted, (a, c, None, v))?;
                }
                continue;
            }
            for (_, t) in store.block_txns(i)? {
                for p in &t.postings {
                    let step = (p.account, p.commodity, Some(t.date), p.value);
                    self.add_to_history(&mut out, names, chart, wanted, step)?;
                }
            }
        }
        for m in new {
            let step = (m.account, m.commodity, Some(m.date), m.value);
            self.add_to_history(&mut out, names, chart, wanted, step)?;
        }
        Ok(out)
    }

    /// Add one change (account, commodity, its date or none for a block's summary, value) to
    /// the history of the wanted obligation it is on, if any: into the base before the
    /// obligation's first wanted date, else into its date.
    fn add_to_history(
        &mut self,
        out: &mut Histories,
        names: &record::Names,
        chart: &Chart,
        wanted: &FxHashMap<(u32, u32), u32>,
        (account, commodity, date, v): (u32, u32, Option<u32>, Decimal),
    ) -> Result<(), StoreError> {
        let Some(g) = self.group_of(account, names, chart) else {
            return Ok(());
        };
        let key = (g, commodity);
        let Some(from) = wanted.get(&key) else {
            return Ok(());
        };
        let (base, days) = out.entry(key).or_default();
        match date {
            Some(d) if d >= *from => {
                let day = days.entry(d).or_default();
                *day = exact(*day, v)?;
            }
            _ => *base = exact(*base, v)?,
        }
        Ok(())
    }

    /// The least owed on `group_name` in `commodity` at the end of `date` and of every later
    /// date, every recorded transaction and this writer's counted: what a new reduction dated
    /// `date` may take off. `None` when the account is no obligation.
    pub fn owed_from(
        &mut self,
        store: &Store,
        names: &record::Names,
        chart: &Chart,
        (account, commodity): (u32, u32),
        date: u32,
        new: &[Move],
    ) -> Result<Option<Decimal>, StoreError> {
        let Some(g) = self.group_of(account, names, chart) else {
            return Ok(None);
        };
        let key = (g, commodity);
        let wanted: FxHashMap<(u32, u32), u32> = [(key, date)].into_iter().collect();
        let mut h = self.histories(store, names, chart, &wanted, new)?;
        let (mut running, mut days) = h.remove(&key).unwrap_or_default();
        days.entry(date).or_default();
        let receivable = self.groups[g as usize].receivable;
        let mut least: Option<Decimal> = None;
        for v in days.values() {
            running = exact(running, *v)?;
            let owed = if receivable { running } else { -running };
            least = Some(least.map_or(owed, |l| l.min(owed)));
        }
        Ok(least)
    }

    /// The obligation rule over everything the writer added: for every obligation a new
    /// transaction reduced, what is owed from the earliest such date on never goes below zero.
    pub fn check_obligations(
        &mut self,
        store: &Store,
        names: &record::Names,
        chart: &Chart,
        new: &[Move],
    ) -> Result<Option<Violation>, StoreError> {
        if self.take_offs.is_empty() {
            return Ok(None);
        }
        let wanted: FxHashMap<(u32, u32), u32> = self
            .take_offs
            .iter()
            .map(|(k, v)| (*k, v.iter().map(|t| t.date).min().unwrap_or(u32::MAX)))
            .collect();
        let histories = self.histories(store, names, chart, &wanted, new)?;
        let mut keys: Vec<&(u32, u32)> = wanted.keys().collect();
        keys.sort();
        for key in keys {
            let from = wanted[key];
            let group = &self.groups[key.0 as usize];
            let sign = |v: Decimal| if group.receivable { v } else { -v };
            let (mut running, mut days) = histories.get(key).cloned().unwrap_or_default();
            // What is owed at the end of each date from the first reduction on.
            days.entry(from).or_default();
            for (d, v) in days {
                running = exact(running, v)?;
                let owed = sign(running);
                if !owed.is_sign_negative() || owed.is_zero() {
                    continue;
                }
                // The new reduction dated last on or before the day it went below zero.
                let culprit = self.take_offs[key]
                    .iter()
                    .filter(|t| t.date <= d)
                    .max_by_key(|t| (t.date, t.seq))
                    .copied();
                let Some(t) = culprit else { continue };
                let commodity = names.commodity(key.1)?.to_string();
                let scale = chart.scale_of(&commodity)?;
                return Ok(Some(Violation {
                    seq: t.seq,
                    date: date_text(t.date),
                    account: group.name.clone(),
                    debtor: group.debtor.clone(),
                    creditor: group.creditor.clone(),
                    amount: format_at_scale(t.amount, scale),
                    commodity,
                    on: date_text(d),
                    owed: format_at_scale(owed, scale),
                }));
            }
        }
        Ok(None)
    }

    /// The reversal rules, given every transaction (committed and new) in recorded order.
    pub fn check_reversals(&self, each: &mut EachTxn) -> Result<(), StoreError> {
        if self.reversals.is_empty() {
            return Ok(());
        }
        let wanted: FxHashSet<&str> = self.reversals.iter().map(|r| r.reversed.as_str()).collect();
        let reversal_seqs: FxHashSet<u64> = self.reversals.iter().map(|r| r.seq).collect();
        let mut originals: FxHashMap<String, (u32, Vec<PostingKey>)> = FxHashMap::default();
        let mut posted: FxHashMap<u64, Vec<PostingKey>> = FxHashMap::default();
        let mut reversed_by: FxHashMap<String, Vec<(u64, u32, Option<String>)>> =
            FxHashMap::default();
        each(&mut |seq, t| {
            if let Some(id) = t.id.as_deref().filter(|i| wanted.contains(i)) {
                originals
                    .entry(id.to_string())
                    .or_insert_with(|| (t.date, posting_keys(t, true)));
            }
            if reversal_seqs.contains(&seq) {
                posted.insert(seq, posting_keys(t, false));
            }
            for (k, v) in &t.tags {
                if k == "reverses" && wanted.contains(v.as_str()) {
                    reversed_by
                        .entry(v.clone())
                        .or_default()
                        .push((seq, t.date, t.id.clone()));
                }
            }
        })?;
        for r in &self.reversals {
            let Some((original, opposite)) = originals.get(&r.reversed) else {
                return Err(StoreError::Reversal {
                    id: r.reversed.clone(),
                    why: "no transaction has this id".into(),
                });
            };
            let original = *original;
            if posted.get(&r.seq) != Some(opposite) {
                return Err(StoreError::Reversal {
                    id: r.reversed.clone(),
                    why: "a reversal posts the exact opposite of the transaction it reverses \
                          (each posting's amount negated, on the same account, its price kept)"
                        .into(),
                });
            }
            if r.date < original {
                return Err(StoreError::Reversal {
                    id: r.reversed.clone(),
                    why: format!(
                        "the reversal is dated {}, before the transaction it reverses ({})",
                        date_text(r.date),
                        date_text(original)
                    ),
                });
            }
            if let Some((_, date, id)) = reversed_by
                .get(&r.reversed)
                .and_then(|v| v.iter().find(|(seq, _, _)| *seq != r.seq))
            {
                return Err(StoreError::Reversal {
                    id: r.reversed.clone(),
                    why: format!(
                        "it was reversed already on {} (id {}); a transaction is reversed once",
                        date_text(*date),
                        id.as_deref().unwrap_or("none")
                    ),
                });
            }
        }
        Ok(())
    }
}

/// A posting as a reversal must mirror it: account, commodity, amount and price (kind,
/// commodity, value) by ids; tags and assertions are not part of it.
type PostingKey = (u32, u32, Decimal, Option<(u8, u32, Decimal)>);

/// The postings of `t` in a fixed order, their amounts negated where `negate`.
fn posting_keys(t: &RawTxn, negate: bool) -> Vec<PostingKey> {
    let mut keys: Vec<PostingKey> = t
        .postings
        .iter()
        .map(|p| {
            let value = if negate { -p.value } else { p.value };
            let price = p.price.map(|(kind, c, v)| (kind as u8, c, v));
            (p.account, p.commodity, value, price)
        })
        .collect();
    keys.sort();
    keys
}

fn date_text(packed: u32) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        packed / 10_000,
        packed / 100 % 100,
        packed % 100
    )
}
