//! `report settlements A B`: the mutual reconciliation statement of two parties (the
//! post-Soviet *akt sverki*), read from the store.
//!
//! A movement between A and B is one transaction's postings, in one commodity, on the accounts
//! that hold what A and B owe each other (`model::intercompany`: `A:receivable:B`,
//! `A:payable:B`, `A:due-from:B`, `A:due-to:B` and the accounts under them, and B's toward A).
//! `a_side` sums A's postings on its accounts toward B, `b_side` B's toward A. Mirrored books
//! hold every movement on both sides, `a_side = -b_side`, so their sum, the `difference`, is
//! zero; a movement booked on one side only (or with other amounts) leaves a difference.
//! A positive `a_side` balance means B owes A.

use crate::model::amount::{exact_add, AmountError};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::fiscal::{Fiscal, FiscalError, FiscalYear};
use crate::model::intercompany::relation_of;
use crate::model::suggest::{nearest, suggestion};
use crate::model::transaction::Transaction;
use crate::reports::table::{Cell, Table};
use crate::store::{Store, StoreError};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::BTreeMap;
use thiserror::Error;

/// Why a statement could not be made.
#[derive(Debug, Error)]
pub enum SettlementsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("party {code} is not declared{}", suggestion(nearest))]
    UndeclaredParty {
        code: String,
        nearest: Option<String>,
    },
    #[error("a settlement statement is between two different parties; both are {code}")]
    SameParty { code: String },
    #[error("--from {from} is after --to {to}")]
    EmptyPeriod { from: Date, to: Date },
    #[error(transparent)]
    Fiscal(#[from] FiscalError),
}

impl From<AmountError> for SettlementsError {
    fn from(e: AmountError) -> Self {
        SettlementsError::Ledger(e.into())
    }
}

/// What a statement is asked for: the two parties (A's books first), the period, one
/// commodity or all.
#[derive(Debug, Clone, Default)]
pub struct SettlementQuery {
    pub a: String,
    pub b: String,
    /// First date shown; everything before it is the opening balance.
    pub from: Option<Date>,
    /// Last date counted (inclusive).
    pub to: Option<Date>,
    pub commodity: Option<String>,
    /// Cut the statement into fiscal years, each with its own opening and closing balances.
    pub fiscal: Option<Fiscal>,
}

/// One transaction's postings between A and B in one commodity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub date: Date,
    pub id: Option<String>,
    pub description: String,
    pub commodity: String,
    pub sides: Sides,
}

/// A's figure, B's figure and their sum (zero when the two books mirror each other).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sides {
    pub a_side: Decimal,
    pub b_side: Decimal,
    pub difference: Decimal,
}

impl Sides {
    fn new(a_side: Decimal, b_side: Decimal) -> Result<Sides, AmountError> {
        let difference = exact_add(a_side, b_side, || "a movement's difference".into())?;
        Ok(Sides {
            a_side,
            b_side,
            difference,
        })
    }

    fn add(self, other: Sides) -> Result<Sides, AmountError> {
        let what = || "the sum of the movements between two parties".to_string();
        Sides::new(
            exact_add(self.a_side, other.a_side, what)?,
            exact_add(self.b_side, other.b_side, what)?,
        )
    }

    /// The sides of the other party's statement (B's books first).
    fn flipped(self) -> Sides {
        Sides {
            a_side: self.b_side,
            b_side: self.a_side,
            difference: self.difference,
        }
    }

    /// Whether both books hold the same figure (mirrored).
    pub fn agree(&self) -> bool {
        self.difference.is_zero()
    }
}

/// One commodity's figures: the opening balance, the period's movements, the closing balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommodityTotals {
    pub commodity: String,
    pub scale: u32,
    pub opening: Sides,
    pub movements: Sides,
    pub closing: Sides,
}

/// The statement between A and B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub a: String,
    pub b: String,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// The date of the closing balance: `to` when given, else the last movement's date or
    /// `from` if later (`None` when no movement between them is recorded).
    pub at: Option<Date>,
    /// The movements from `from` to `to`, in date order (recorded order within a day).
    pub movements: Vec<Movement>,
    /// Every commodity that moved between them up to `to` (or the one asked for), by code.
    pub commodities: Vec<CommodityTotals>,
    /// The fiscal years asked for (`None`: the statement is one period).
    pub fiscal: Option<Fiscal>,
    /// With `fiscal`, the years the movements shown fall in, in date order (years without a
    /// movement are left out: their balance is the one carried from the year before).
    pub years: Vec<FiscalSection>,
}

/// One fiscal year of a statement: each commodity's balance brought forward, the year's
/// movements and the balance carried forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalSection {
    pub year: FiscalYear,
    /// The date of the opening balance (what moved before it): the year's first day, or
    /// `from` when that is later.
    pub opened: Date,
    /// The date of the closing balance: the year's last day, or the statement's `at` when
    /// that is earlier.
    pub closed: Date,
    /// Its movements, as indexes into the statement's `movements`.
    pub movements: std::ops::Range<usize>,
    /// Every commodity of the statement: opening, the year's movements, closing.
    pub commodities: Vec<CommodityTotals>,
}

/// The CSV and JSON columns.
pub const COLUMNS: [&str; 7] = [
    "date",
    "id",
    "description",
    "commodity",
    "a_side",
    "b_side",
    "difference",
];

/// The statement `q` asks for.
pub fn settlement(store: &Store, q: &SettlementQuery) -> Result<Settlement, SettlementsError> {
    let chart = store.chart();
    check_party(chart, &q.a)?;
    check_party(chart, &q.b)?;
    if q.a == q.b {
        return Err(SettlementsError::SameParty { code: q.a.clone() });
    }
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from > to {
            return Err(SettlementsError::EmptyPeriod { from, to });
        }
    }
    if let Some(c) = &q.commodity {
        chart.commodity(c)?;
    }
    let pair = ordered(&q.a, &q.b);
    let mut all = movements(store, q.to, Some((&pair.0, &pair.1)))?;
    let mut found = all.remove(&pair).unwrap_or_default();
    if pair.0 != q.a {
        for m in &mut found {
            m.sides = m.sides.flipped();
        }
    }
    build(chart, q, found)
}

/// The statement of every pair of parties with a movement between them up to `to`, the
/// party first in code order as A; pairs in code order.
pub fn every_pair(store: &Store, to: Option<Date>) -> Result<Vec<Settlement>, SettlementsError> {
    let mut out = Vec::new();
    for ((a, b), found) in movements(store, to, None)? {
        let q = SettlementQuery {
            a,
            b,
            to,
            ..SettlementQuery::default()
        };
        out.push(build(store.chart(), &q, found)?);
    }
    Ok(out)
}

fn check_party(chart: &Chart, code: &str) -> Result<(), SettlementsError> {
    if chart.parties.contains_key(code) {
        return Ok(());
    }
    Err(SettlementsError::UndeclaredParty {
        code: code.to_string(),
        nearest: nearest(code, chart.parties.keys()),
    })
}

fn ordered(x: &str, y: &str) -> (String, String) {
    if x <= y {
        (x.to_string(), y.to_string())
    } else {
        (y.to_string(), x.to_string())
    }
}

type Pair = (String, String);

/// The movements up to `to` between each pair of parties (only `only` when given), keyed by
/// the pair in code order, its first party's side as `a_side`; in date order, recorded order
/// within a day, then by commodity.
fn movements(
    store: &Store,
    to: Option<Date>,
    only: Option<(&str, &str)>,
) -> Result<BTreeMap<Pair, Vec<Movement>>, SettlementsError> {
    let chart = store.chart();
    let mut found: BTreeMap<Pair, Vec<(u64, Movement)>> = BTreeMap::new();
    store.for_each_txn_dated(None, to, |seq, t| {
        let sums = sides_of(chart, &t, only).map_err(|e| StoreError::Ledger(e.into()))?;
        for ((pair, commodity), sides) in sums {
            found.entry(pair).or_default().push((
                seq,
                Movement {
                    date: t.date,
                    id: t.id.clone(),
                    description: t.description.clone(),
                    commodity,
                    sides,
                },
            ));
        }
        Ok(())
    })?;
    Ok(found
        .into_iter()
        .map(|(pair, mut v)| {
            v.sort_by(|x, y| (x.1.date, x.0, &x.1.commodity).cmp(&(y.1.date, y.0, &y.1.commodity)));
            (pair, v.into_iter().map(|(_, m)| m).collect())
        })
        .collect())
}

/// What one transaction moves between each pair of parties, per commodity.
fn sides_of(
    chart: &Chart,
    t: &Transaction,
    only: Option<(&str, &str)>,
) -> Result<BTreeMap<(Pair, String), Sides>, AmountError> {
    let mut sums: BTreeMap<(Pair, String), (Decimal, Decimal)> = BTreeMap::new();
    for p in &t.postings {
        let (Some((x, _, y)), Some(amount)) = (relation_of(&p.account, chart), &p.amount) else {
            continue;
        };
        let pair = ordered(x, y);
        if only.is_some_and(|(a, b)| (a, b) != (pair.0.as_str(), pair.1.as_str())) {
            continue;
        }
        let first = x == pair.0;
        let slot = sums.entry((pair, amount.commodity.clone())).or_default();
        let side = if first { &mut slot.0 } else { &mut slot.1 };
        *side = exact_add(*side, amount.value, || {
            format!("the postings of {} toward {y}", p.account)
        })?;
    }
    sums.into_iter()
        .map(|(k, (a, b))| Ok((k, Sides::new(a, b)?)))
        .collect()
}

/// The statement from the movements between its two parties up to `q.to` (A's side first).
fn build(
    chart: &Chart,
    q: &SettlementQuery,
    found: Vec<Movement>,
) -> Result<Settlement, SettlementsError> {
    let found: Vec<Movement> = match &q.commodity {
        Some(c) => found.into_iter().filter(|m| &m.commodity == c).collect(),
        None => found,
    };
    let mut totals: BTreeMap<String, CommodityTotals> = BTreeMap::new();
    for c in found.iter().map(|m| &m.commodity).chain(&q.commodity) {
        if !totals.contains_key(c) {
            totals.insert(c.clone(), CommodityTotals::new(c, chart.scale_of(c)?));
        }
    }
    // Without `to`: the last movement's date, or `from` when that is later (nothing moved since).
    let at = q.to.or_else(|| {
        found
            .last()
            .map(|m| q.from.map_or(m.date, |f| f.max(m.date)))
    });
    let mut shown = Vec::new();
    for m in found {
        let before = q.from.is_some_and(|f| m.date < f);
        // Every commodity of `found` has its totals (inserted above).
        if let Some(t) = totals.get_mut(&m.commodity) {
            let slot = if before {
                &mut t.opening
            } else {
                &mut t.movements
            };
            *slot = slot.add(m.sides)?;
        }
        if !before {
            shown.push(m);
        }
    }
    for t in totals.values_mut() {
        t.closing = t.opening.add(t.movements)?;
    }
    let commodities: Vec<CommodityTotals> = totals.into_values().collect();
    let years = match q.fiscal {
        Some(fiscal) => fiscal_sections(fiscal, q.from, at, &shown, &commodities)?,
        None => Vec::new(),
    };
    Ok(Settlement {
        a: q.a.clone(),
        b: q.b.clone(),
        from: q.from,
        to: q.to,
        at,
        movements: shown,
        commodities,
        fiscal: q.fiscal,
        years,
    })
}

/// The movements `shown` (in date order) cut into the fiscal years they fall in; the first
/// year opens with the statement's `opening` balances, each later one with the closing of the
/// year before.
fn fiscal_sections(
    fiscal: Fiscal,
    from: Option<Date>,
    at: Option<Date>,
    shown: &[Movement],
    statement: &[CommodityTotals],
) -> Result<Vec<FiscalSection>, SettlementsError> {
    let mut out: Vec<FiscalSection> = Vec::new();
    for (i, m) in shown.iter().enumerate() {
        let year = fiscal.year_of(m.date)?;
        if out.last().is_none_or(|s| s.year.first != year.first) {
            let brought: Vec<CommodityTotals> = match out.last() {
                Some(s) => s.commodities.iter().map(|c| c.carried(c.closing)).collect(),
                None => statement.iter().map(|c| c.carried(c.opening)).collect(),
            };
            let opened = from.filter(|f| out.is_empty() && *f > year.first);
            out.push(FiscalSection {
                opened: opened.unwrap_or(year.first),
                closed: at.map_or(year.last, |a| a.min(year.last)),
                year,
                movements: i..i,
                commodities: brought,
            });
        }
        // A section was pushed above when the last one is not this year's.
        if let Some(s) = out.last_mut() {
            s.movements.end = i + 1;
            if let Some(c) = s
                .commodities
                .iter_mut()
                .find(|c| c.commodity == m.commodity)
            {
                c.movements = c.movements.add(m.sides)?;
                c.closing = c.closing.add(m.sides)?;
            }
        }
    }
    Ok(out)
}

impl CommodityTotals {
    /// The same commodity opening with `balance`, nothing moved yet.
    fn carried(&self, balance: Sides) -> CommodityTotals {
        CommodityTotals {
            opening: balance,
            movements: Sides::default(),
            closing: balance,
            ..self.clone()
        }
    }

    fn new(commodity: &str, scale: u32) -> CommodityTotals {
        CommodityTotals {
            commodity: commodity.to_string(),
            scale,
            opening: Sides::default(),
            movements: Sides::default(),
            closing: Sides::default(),
        }
    }
}

/// The description of the opening balance's row.
pub const OPENING: &str = "opening balance";
/// The description of the period's totals row (the table for people only).
pub const TOTAL: &str = "total movements";
/// The description of the closing balance's row.
pub const CLOSING: &str = "closing balance";
/// The status of a row whose two sides do not mirror each other.
pub const DISCREPANCY: &str = "discrepancy";

impl Settlement {
    /// The scale of one of the statement's commodities.
    pub fn scale(&self, commodity: &str) -> u32 {
        self.commodities
            .iter()
            .find(|c| c.commodity == commodity)
            .map_or(0, |c| c.scale)
    }

    /// Whether both books hold every movement alike.
    pub fn agreed(&self) -> bool {
        self.movements.iter().all(|m| m.sides.agree())
            && self.commodities.iter().all(|c| c.closing.agree())
    }

    /// `date,id,description,commodity,a_side,b_side,difference`: per commodity the opening
    /// balance, then the movements in date order, then per commodity the closing balance; cut
    /// into fiscal years, the same for each year in turn, the year's label after the
    /// descriptions (`opening balance 1401`).
    pub fn rows_table(&self) -> Table {
        let mut t = Table::new(&COLUMNS);
        self.push_rows(&mut t, false);
        t
    }

    /// The same rows for people, with the period's totals before the closing balance and a
    /// `status` column (`ok`, or `discrepancy` where the two sides do not mirror each other);
    /// the sides are named after the parties (`TM side`, `IR side`).
    pub fn statement_table(&self) -> Table {
        let columns = [
            Cow::Borrowed("date"),
            Cow::Borrowed("id"),
            Cow::Borrowed("description"),
            Cow::Borrowed("commodity"),
            Cow::Owned(format!("{} side", self.a)),
            Cow::Owned(format!("{} side", self.b)),
            Cow::Borrowed("difference"),
            Cow::Borrowed("status"),
        ];
        let mut t = Table::with_columns(columns.into());
        self.push_rows(&mut t, true);
        t
    }

    fn push_rows(&self, t: &mut Table, for_people: bool) {
        if self.years.is_empty() {
            let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
            let whole = Part {
                opened: date(self.from),
                closed: date(self.at),
                label: None,
                movements: &self.movements,
                commodities: &self.commodities,
            };
            return self.push_part(t, &whole, for_people);
        }
        for y in &self.years {
            let year = Part {
                opened: y.opened.to_string(),
                closed: y.closed.to_string(),
                label: Some(&y.year.label),
                movements: &self.movements[y.movements.clone()],
                commodities: &y.commodities,
            };
            self.push_part(t, &year, for_people);
        }
    }

    /// The rows of the statement or of one of its years: per commodity the opening balance,
    /// then the movements, (for people) per commodity the total, and per commodity the closing.
    fn push_part(&self, t: &mut Table, p: &Part, for_people: bool) {
        let name = |what: &str| match p.label {
            Some(label) => format!("{what} {label}"),
            None => what.to_string(),
        };
        for c in p.commodities {
            t.push(row(&p.opened, "", &name(OPENING), c, c.opening, for_people));
        }
        for m in p.movements {
            let c = Cell::from(m.commodity.as_str());
            let scale = self.scale(&m.commodity);
            let mut r = vec![
                m.date.to_string().into(),
                m.id.clone().unwrap_or_default().into(),
                m.description.clone().into(),
                c,
            ];
            r.extend(figures(m.sides, scale, for_people));
            t.push(r);
        }
        for c in p.commodities.iter().filter(|_| for_people) {
            t.push(row("", "", &name(TOTAL), c, c.movements, for_people));
        }
        for c in p.commodities {
            t.push(row(&p.closed, "", &name(CLOSING), c, c.closing, for_people));
        }
    }
}

/// What [`Settlement::push_part`] writes: the dates of the opening and closing balances, the
/// fiscal year's label after their descriptions, the movements and each commodity's figures.
struct Part<'a> {
    opened: String,
    closed: String,
    label: Option<&'a str>,
    movements: &'a [Movement],
    commodities: &'a [CommodityTotals],
}

fn row(
    date: &str,
    id: &str,
    description: &str,
    c: &CommodityTotals,
    sides: Sides,
    for_people: bool,
) -> Vec<Cell> {
    let mut r: Vec<Cell> = vec![
        date.into(),
        id.into(),
        description.into(),
        c.commodity.as_str().into(),
    ];
    r.extend(figures(sides, c.scale, for_people));
    r
}

fn figures(s: Sides, scale: u32, status: bool) -> Vec<Cell> {
    let mut r = vec![
        Cell::Amount(s.a_side, scale),
        Cell::Amount(s.b_side, scale),
        Cell::Amount(s.difference, scale),
    ];
    if status {
        r.push(if s.agree() { "ok" } else { DISCREPANCY }.into());
    }
    r
}
