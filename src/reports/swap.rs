//! The swap report, read from the store: the legs of each swap as recorded (and reversed), what
//! entered in a period before a new entry leg, and the report of one agreement as a [`Table`].
//!
//! The legs are read back from the journal, so a leg recorded by `swap entry`, by `record` or
//! by an imported file counts the same way (all three meet the rules of
//! `crate::ops::rulebook`); a reversal (`reverses: ID`) of a leg counts as the opposite leg on
//! its own date. The arithmetic is the swap domain's (`crate::swap::periods`); the fee is the
//! one booked on the hub's fee account, never a recomputed one.

use crate::model::amount;
use crate::model::date::Date;
use crate::model::fiscal::Fiscal;
use crate::model::transaction::Transaction;
use crate::reports::table::{Cell, Table};
use crate::store::{Store, StoreError};
use crate::swap::{self, Leg, PeriodRow, Side, SwapError, SwapTerms};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::HashMap;
use thiserror::Error;

/// A swap figure that cannot be read: the swap's terms or arithmetic refuse it, or the store
/// fails.
#[derive(Debug, Error)]
pub enum SwapStoreError {
    #[error(transparent)]
    Swap(#[from] SwapError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The legs of each swap in `all`, in recorded order, read from the journal in one pass: the
/// transactions tagged `agreement: NAME` and `leg: entry|exit`, each worth what it posted to the
/// supplier's delivered account (negated) for an entry, to the receiver's received account for
/// an exit, in the agreement's commodity; and the reversals (`reverses: ID`) of such legs, worth
/// the same computed from their own postings (so, the opposite). Legs after `as_of` are left out.
pub fn legs(
    store: &Store,
    all: &[SwapTerms],
    as_of: Option<Date>,
) -> Result<HashMap<String, Vec<Leg>>, SwapStoreError> {
    legs_dated(store, all, None, as_of)
}

/// [`legs`] dated from `from` to `to`, reading only the blocks that hold those dates. A
/// reversal in the range of a leg dated before it is found by the leg's id.
pub fn legs_dated(
    store: &Store,
    all: &[SwapTerms],
    from: Option<Date>,
    as_of: Option<Date>,
) -> Result<HashMap<String, Vec<Leg>>, SwapStoreError> {
    let by_name: HashMap<&str, &SwapTerms> = all.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut relevant: Vec<Transaction> = Vec::new();
    store.for_each_txn_dated(from, as_of, |_, t| {
        if swap::leg_of(&t, &by_name).is_some() || t.tag("reverses").is_some() {
            relevant.push(t);
        }
        Ok(())
    })?;
    let mut out: HashMap<String, Vec<Leg>> = all.iter().map(|t| (t.name.clone(), vec![])).collect();
    // Leg ids, so that a reversal finds what it reverses.
    let mut ids: HashMap<String, (&SwapTerms, Side, String)> = HashMap::new();
    for t in &relevant {
        let Some((terms, side, point)) = leg_or_reversal(store, t, &by_name, &mut ids, from)?
        else {
            continue;
        };
        if as_of.is_some_and(|d| t.date > d) {
            continue;
        }
        let leg = swap::read_leg(t, terms, side, point)?;
        out.entry(terms.name.clone()).or_default().push(leg);
    }
    Ok(out)
}

/// What `t` is a leg of (remembering its id), or, for a reversal, what the leg it reverses is
/// a leg of; `None` for anything else.
fn leg_or_reversal<'t>(
    store: &Store,
    t: &Transaction,
    by_name: &HashMap<&str, &'t SwapTerms>,
    ids: &mut HashMap<String, (&'t SwapTerms, Side, String)>,
    from: Option<Date>,
) -> Result<Option<(&'t SwapTerms, Side, String)>, StoreError> {
    if let Some(x) = swap::leg_of(t, by_name) {
        if let Some(id) = &t.id {
            ids.insert(id.clone(), x.clone());
        }
        return Ok(Some(x));
    }
    let Some(r) = t.tag("reverses") else {
        return Ok(None);
    };
    Ok(match ids.get(r) {
        Some(x) => Some(x.clone()),
        // Recorded before the range read: looked up by its id.
        None if from.is_some() => match store.find(r)? {
            Some((_, original)) => swap::leg_of(&original, by_name),
            None => None,
        },
        None => None,
    })
}

/// What entered under `terms` in the settlement period of `date` before a new entry leg: the
/// entry legs recorded in that period, less their reversals, leaving out a leg whose id is
/// `except` and every leg recorded after it (the leg itself, recorded before: recording it
/// again must give the same fee).
pub fn period_entry_before(
    store: &Store,
    terms: &SwapTerms,
    date: Date,
    except: Option<&str>,
) -> Result<Decimal, SwapStoreError> {
    let (first, last) = terms.period.bounds(date);
    let mut legs = legs_dated(store, std::slice::from_ref(terms), Some(first), Some(last))?;
    let mut sum = Decimal::ZERO;
    for leg in legs.remove(&terms.name).unwrap_or_default() {
        if except.is_some() && leg.id.as_deref() == except {
            // Recorded already: what entered before it, in recorded order.
            break;
        }
        if leg.side == Side::Entry && leg.date >= first {
            sum = amount::checked_add(sum, leg.quantity, || {
                format!("the entry of a period of {}", terms.name)
            })
            .map_err(SwapError::from)?;
        }
    }
    Ok(sum)
}

/// The swap report of one agreement: its terms and one row per settlement period with legs,
/// or per fiscal year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapReport {
    pub terms: SwapTerms,
    /// The years the rows are, when they are fiscal years rather than settlement periods.
    pub fiscal: Option<Fiscal>,
    pub rows: Vec<PeriodRow>,
}

/// What the swap report of one agreement is asked for: `from`/`to` choose the periods shown
/// (those that overlap the dates given, whole; the imbalance of earlier periods is still carried
/// in the cumulative); `fiscal` makes the periods fiscal years.
#[derive(Debug, Clone, Default)]
pub struct SwapQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub fiscal: Option<Fiscal>,
}

/// The report of agreement `name`.
pub fn report(store: &Store, name: &str, q: &SwapQuery) -> Result<SwapReport, SwapStoreError> {
    let terms = swap::terms(store.agreements(), store.chart(), name)?;
    let mut legs = legs(store, std::slice::from_ref(&terms), None)?;
    let legs = legs.remove(&terms.name).unwrap_or_default();
    let rows = match q.fiscal {
        None => swap::periods(&terms, &legs)?,
        Some(fiscal) => swap::fiscal_years(&terms, &legs, fiscal)?,
    };
    let rows = rows
        .into_iter()
        .filter(|r| q.from.is_none_or(|f| r.last >= f) && q.to.is_none_or(|t| r.first <= t))
        .collect();
    Ok(SwapReport {
        terms,
        fiscal: q.fiscal,
        rows,
    })
}

impl SwapReport {
    /// Columns `period,entry,fee,exit,imbalance,cumulative,status` (the fee booked), then
    /// `contract_fee,fee_difference,tolerance` (the fee the terms call for, booked − contract,
    /// and the band tolerance × entry that |imbalance| must stay within); with `by_point`,
    /// then one column per point, `entry:POINT` for each entry point and `exit:POINT` for each
    /// exit point, in the agreement's order (points only legs name come after, sorted).
    pub fn table(&self, by_point: bool) -> Table {
        let mut columns: Vec<Cow<'static, str>> = [
            "period",
            "entry",
            "fee",
            "exit",
            "imbalance",
            "cumulative",
            "status",
            "contract_fee",
            "fee_difference",
            "tolerance",
        ]
        .map(Cow::Borrowed)
        .to_vec();
        let point_columns = if by_point {
            self.point_columns()
        } else {
            Vec::new()
        };
        columns.extend(
            point_columns
                .iter()
                .map(|(side, p)| Cow::Owned(format!("{side}:{p}"))),
        );
        let mut t = Table::with_columns(columns);
        for r in &self.rows {
            t.push(self.row(r, &point_columns));
        }
        t
    }

    /// Each side's points: the agreement's, in its order, then those only legs name, sorted.
    fn point_columns(&self) -> Vec<(Side, String)> {
        let mut out = Vec::new();
        for side in [Side::Entry, Side::Exit] {
            let mut points: Vec<String> = self.terms.points(side).to_vec();
            let mut extra: Vec<String> = self
                .rows
                .iter()
                .flat_map(|r| by_point(r, side).keys())
                .filter(|p| !points.contains(p))
                .cloned()
                .collect();
            extra.sort();
            extra.dedup();
            points.extend(extra);
            out.extend(points.into_iter().map(|p| (side, p)));
        }
        out
    }

    /// One period's row of the table.
    fn row(&self, r: &PeriodRow, point_columns: &[(Side, String)]) -> Vec<Cell> {
        let scale = self.terms.commodity.scale;
        let mut row = vec![
            Cell::Text(r.period.clone()),
            Cell::Amount(r.entry, scale),
            Cell::Amount(r.fee, scale),
            Cell::Amount(r.exit, scale),
            Cell::Amount(r.imbalance, scale),
            Cell::Amount(r.cumulative, scale),
            Cell::Text(r.status.as_str().to_string()),
            Cell::Amount(r.contract_fee, scale),
            Cell::Amount(r.fee_difference, scale),
            Cell::Amount(r.allowed, scale),
        ];
        for (side, p) in point_columns {
            let v = by_point(r, *side).get(p).copied().unwrap_or_default();
            row.push(Cell::Amount(v, scale));
        }
        row
    }
}

/// A period's totals by point on one side.
fn by_point(r: &PeriodRow, side: Side) -> &std::collections::BTreeMap<String, Decimal> {
    match side {
        Side::Entry => &r.entry_by_point,
        Side::Exit => &r.exit_by_point,
    }
}
