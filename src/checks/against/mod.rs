//! `reconcile --against FILE --party P`: P's books in this ledger against P's books kept
//! elsewhere (another desk's `export --party P`, or P's own books in hledger syntax).
//!
//! Each side is P's postings only (a party is an account's first segment), in FILE as here:
//! FILE may hold only P's postings or everyone's. Transactions are paired by `pairing`; each
//! pair gives a row per commodity, `expected` this ledger's amount, `actual` FILE's (the sum of
//! P's debits in that commodity: what the transaction moves in P's books), `ok` when P's
//! postings carry the same amounts, and a row when the dates differ; a transaction on one side
//! only gives a `mismatch` row per commodity with the one amount it has. Account names are not
//! compared: P's own books may name them otherwise.

mod pairing;

use super::{Check, CheckKind, Reconciliation, Status};
use crate::journal::{read_transactions, JournalError, Location};
use crate::model::amount;
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::intercompany::postings_of;
use crate::model::suggest::{nearest, suggestion};
use crate::model::transaction::Transaction;
use crate::reports::table::Cell;
use crate::store::{Store, StoreError};
use pairing::{pair, Entry, Pairing};
use rust_decimal::Decimal;
use std::path::Path;
use thiserror::Error;

/// What stops the comparison.
#[derive(Debug, Error)]
pub enum AgainstError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A sum beyond the exact range of a decimal.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("party {party} is not declared in this ledger{}", suggestion(nearest))]
    UnknownParty {
        party: String,
        nearest: Option<String>,
    },
    #[error(
        "{file}: none of its {count} transactions posts to an account of {party}: its accounts \
         must start with \"{party}:\" (as `export --party {party}` writes them)"
    )]
    NoPostings {
        file: String,
        party: String,
        count: usize,
    },
}

/// The rows of the comparison and what it counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub party: String,
    /// The other books' file name, as the rows name it.
    pub file: String,
    pub rows: Reconciliation,
    /// Transactions found in both books, in this ledger only, in FILE only.
    pub both: usize,
    pub only_here: usize,
    pub only_there: usize,
}

impl Comparison {
    pub fn compared(&self) -> usize {
        self.both + self.only_here + self.only_there
    }
    pub fn differences(&self) -> usize {
        self.rows.checks.len() - self.rows.count(Status::Ok)
    }
}

/// P's side of a transaction of the other books, and where it was read.
struct Read {
    entry: Entry,
    at: Location,
}

/// Compare `party`'s books in `store` with those in the journal at `file`, each side up to
/// `as_of` when given.
pub fn against(
    store: &Store,
    file: &Path,
    party: &str,
    as_of: Option<Date>,
) -> Result<Comparison, AgainstError> {
    let chart = store.chart();
    if !chart.parties.contains_key(party) {
        return Err(AgainstError::UnknownParty {
            party: party.to_string(),
            nearest: nearest(party, chart.parties.keys()),
        });
    }
    let within = |d: Date| as_of.is_none_or(|a| d <= a);
    let mut here = Vec::new();
    store.for_each_txn(|_, t| {
        if within(t.date) {
            here.extend(entry(&t, party));
        }
        Ok(())
    })?;
    let read = read_transactions(file)?;
    let count = read.len();
    let there: Vec<Read> = read
        .into_iter()
        .filter_map(|t| {
            Some(Read {
                entry: entry(&t.item, party)?,
                at: t.at,
            })
        })
        .collect();
    let file_name = file.file_name().unwrap_or(file.as_os_str());
    let file_name = file_name.to_string_lossy().into_owned();
    // Books with transactions and none of P's are books of someone else, or P's own books
    // without P's prefix: refused, rather than every transaction reported on one side only.
    if there.is_empty() && count > 0 && !here.is_empty() {
        return Err(AgainstError::NoPostings {
            file: file.display().to_string(),
            party: party.to_string(),
            count,
        });
    }
    let there: Vec<Read> = there.into_iter().filter(|r| within(r.entry.date)).collect();
    compare(chart, party, file_name, &here, &there)
}

/// P's side of `t`, or `None` when P has no posting in it.
fn entry(t: &Transaction, party: &str) -> Option<Entry> {
    let amounts: Vec<(String, Decimal)> = postings_of(t, party)
        .filter_map(|p| p.amount.as_ref())
        .map(|a| (a.commodity.clone(), a.value))
        .collect();
    (!amounts.is_empty()).then(|| {
        Entry::new(
            t.date,
            t.id.clone(),
            t.description.clone(),
            amounts.into_iter(),
        )
    })
}

fn compare(
    chart: &Chart,
    party: &str,
    file: String,
    here: &[Entry],
    there: &[Read],
) -> Result<Comparison, AgainstError> {
    let entries: Vec<Entry> = there.iter().map(|r| r.entry.clone()).collect();
    let rows = Rows { chart };
    let mut c = Comparison {
        party: party.to_string(),
        file: file.clone(),
        rows: Reconciliation::default(),
        both: 0,
        only_here: 0,
        only_there: 0,
    };
    for p in pair(here, &entries) {
        let checks = match p {
            Pairing::Both(h, t) => {
                c.both += 1;
                rows.both(&here[h], &there[t])?
            }
            Pairing::Here(h) => {
                c.only_here += 1;
                rows.one_side(&here[h], None)?
            }
            Pairing::There(t) => {
                c.only_there += 1;
                rows.one_side(&there[t].entry, Some(&there[t].at))?
            }
        };
        c.rows.checks.extend(checks);
    }
    Ok(c)
}

/// What makes the rows: the chart, for scales.
struct Rows<'a> {
    chart: &'a Chart,
}

impl Rows<'_> {
    /// A pair: the dates when they differ, then each commodity either side has.
    fn both(&self, h: &Entry, t: &Read) -> Result<Vec<Check>, AgainstError> {
        let label = label(h, Some(&t.entry));
        let at = self.at(&t.at);
        let mut out = Vec::new();
        if h.date != t.entry.date {
            let days = t.entry.date.days_since(h.date);
            out.push(Check {
                check: CheckKind::Against,
                subject: format!("{label}: date differs, {at}"),
                expected: Cell::Text(h.date.to_string()),
                actual: Cell::Text(t.entry.date.to_string()),
                difference: Cell::Text(format!(
                    "{days:+} {}",
                    if days.abs() == 1 { "day" } else { "days" }
                )),
                status: Status::Mismatch,
            });
        }
        let mut commodities = h.commodities();
        commodities.extend(t.entry.commodities());
        commodities.sort_unstable();
        commodities.dedup();
        for c in commodities {
            let (expected, actual) = (moved(h, c)?, moved(&t.entry, c)?);
            let scale = self.scale(c, h, &t.entry);
            let mut row = Check::amounts(
                CheckKind::Against,
                format!("{label} ({c})"),
                expected,
                actual,
                scale,
            )?;
            if row.status != Status::Ok {
                row.subject = format!("{label} ({c}): amounts differ, {at}");
            } else if !h.amounts_in(c).eq(t.entry.amounts_in(c)) {
                row.status = Status::Mismatch;
                row.subject = format!(
                    "{label} ({c}): postings differ ({} against {}), {at}",
                    listed(h, c, scale),
                    listed(&t.entry, c, scale)
                );
            }
            out.push(row);
        }
        Ok(out)
    }

    /// A transaction on one side only (`at` in FILE, or `None` in this ledger): a row per
    /// commodity with the amount it moves on that side.
    fn one_side(&self, e: &Entry, at: Option<&Location>) -> Result<Vec<Check>, AgainstError> {
        let label = label(e, None);
        let place = match at {
            Some(at) => format!("only in {}", self.at(at)),
            None => "only in this ledger".to_string(),
        };
        let mut out = Vec::new();
        for c in e.commodities() {
            let figure = Cell::Amount(moved(e, c)?, self.scale(c, e, e));
            let empty = Cell::Text(String::new());
            let (expected, actual) = match at {
                Some(_) => (empty.clone(), figure),
                None => (figure, empty.clone()),
            };
            out.push(Check {
                check: CheckKind::Against,
                subject: format!("{label} ({c}): {place}"),
                expected,
                actual,
                difference: empty,
                status: Status::Mismatch,
            });
        }
        Ok(out)
    }

    /// `FILE:LINE`, FILE by its name (an included file by its own).
    fn at(&self, at: &Location) -> String {
        let path = Path::new(&*at.file);
        let name = path.file_name().unwrap_or(path.as_os_str());
        format!("{}:{}", name.to_string_lossy(), at.line)
    }

    /// The commodity's scale in this ledger, or as many decimals as the amounts were written
    /// with when they have more (or the ledger does not know the commodity).
    fn scale(&self, commodity: &str, a: &Entry, b: &Entry) -> u32 {
        let written = a.amounts_in(commodity).chain(b.amounts_in(commodity));
        let written = written.map(|v| v.scale()).max().unwrap_or(0);
        self.chart.scale_of(commodity).unwrap_or(0).max(written)
    }
}

/// What a transaction moves in the party's books in one commodity: the sum of its debits.
fn moved(e: &Entry, commodity: &str) -> Result<Decimal, LedgerError> {
    let debits = e.amounts_in(commodity).filter(|v| v.is_sign_positive());
    amount::exact_sum(debits, || {
        format!("the debits of {} in {commodity}", label(e, None))
    })
    .map_err(LedgerError::Amount)
}

/// The id of a transaction (of this ledger's side first), else its date and description.
fn label(e: &Entry, other: Option<&Entry>) -> String {
    match e.id.as_ref().or(other.and_then(|o| o.id.as_ref())) {
        Some(id) => id.clone(),
        None => format!("{} {}", e.date, e.description),
    }
}

/// The amounts of a transaction's postings in one commodity: `-160.000, 128.000, 32.000`.
fn listed(e: &Entry, commodity: &str, scale: u32) -> String {
    let values: Vec<String> = e
        .amounts_in(commodity)
        .map(|v| amount::format_at_scale(v, scale))
        .collect();
    values.join(", ")
}
