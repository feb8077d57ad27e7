//! The per-period arithmetic of a swap over its legs, given as data: entry, the fee booked,
//! exit, imbalance, the cumulative imbalance, the tolerance band and the fee the terms call for;
//! per settlement period, or per fiscal year.

use super::{Leg, Side, SwapError, SwapTerms};
use crate::model::amount;
use crate::model::date::{days_in_month, Date};
use crate::model::fiscal::Fiscal;
use crate::model::units;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::{BTreeMap, HashMap};

/// The settlement period over which entry and exit are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    Daily,
    #[default]
    Monthly,
    Quarterly,
    Yearly,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, String> {
        match s {
            "daily" => Ok(Period::Daily),
            "monthly" => Ok(Period::Monthly),
            "quarterly" => Ok(Period::Quarterly),
            "yearly" => Ok(Period::Yearly),
            _ => Err(format!(
                "period {s:?} is not one of daily, monthly, quarterly, yearly"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Monthly => "monthly",
            Period::Quarterly => "quarterly",
            Period::Yearly => "yearly",
        }
    }

    /// The first and last day of the period that holds `d`.
    pub fn bounds(self, d: Date) -> (Date, Date) {
        let y = d.year();
        let (m1, d1, m2) = match self {
            Period::Daily => return (d, d),
            Period::Monthly => (d.month(), 1, d.month()),
            Period::Quarterly => {
                let first = (d.month() - 1) / 3 * 3 + 1;
                (first, 1, first + 2)
            }
            Period::Yearly => (1, 1, 12),
        };
        // Valid by construction: months 1..=12, day 1 and the month's last day.
        let first = Date::new(y, m1, d1).unwrap_or(d);
        let last = Date::new(y, m2, days_in_month(y, m2)).unwrap_or(d);
        (first, last)
    }

    /// `2022` (yearly), `2022-Q1`, `2022-01` (monthly), `2022-01-31` (daily).
    pub fn label(self, d: Date) -> String {
        match self {
            Period::Daily => d.to_string(),
            Period::Monthly => format!("{:04}-{:02}", d.year(), d.month()),
            Period::Quarterly => format!("{:04}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
            Period::Yearly => format!("{:04}", d.year()),
        }
    }
}

/// Within tolerance, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapStatus {
    Ok,
    OutsideTolerance,
}

impl SwapStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SwapStatus::Ok => "ok",
            SwapStatus::OutsideTolerance => "outside-tolerance",
        }
    }
}

/// One settlement period of a swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRow {
    /// `2022`, `2022-Q1`, `2022-01` or `2022-01-31`; a fiscal year's label (`1401`, `2022/23`).
    pub period: String,
    pub first: Date,
    pub last: Date,
    pub entry: Decimal,
    /// The fee in kind booked on the hub's fee account by the period's entry legs.
    pub fee: Decimal,
    pub exit: Decimal,
    /// entry − fee − exit: gas the hub still owes (positive) or has over-delivered (negative).
    pub imbalance: Decimal,
    /// The running sum of imbalances up to and including this period.
    pub cumulative: Decimal,
    /// tolerance × |entry| cut to the commodity's scale: the largest |imbalance| that is
    /// still `ok`.
    pub allowed: Decimal,
    pub status: SwapStatus,
    /// The fee the agreement's terms call for on the period's entry ([`SwapTerms::contract_fee`]).
    pub contract_fee: Decimal,
    /// fee − contract_fee: what the hub booked beyond (positive) or short of the terms.
    pub fee_difference: Decimal,
    pub entry_by_point: BTreeMap<String, Decimal>,
    pub exit_by_point: BTreeMap<String, Decimal>,
}

/// The per-period arithmetic over `legs` (any order): entry, the fee booked, exit, imbalance
/// (entry − booked fee − exit), against the tolerance band, and the fee the terms call for
/// beside the one booked. Periods without legs are not rows, but the cumulative imbalance
/// carries across them and across year ends.
pub fn periods(terms: &SwapTerms, legs: &[Leg]) -> Result<Vec<PeriodRow>, SwapError> {
    let mut rows: BTreeMap<Date, (PeriodRow, Vec<Decimal>)> = BTreeMap::new();
    for leg in legs {
        let (first, last) = terms.period.bounds(leg.date);
        let (row, entries) = rows.entry(first).or_insert_with(|| {
            (
                PeriodRow::empty(terms.period.label(leg.date), first, last),
                Vec::new(),
            )
        });
        add_leg(terms, row, leg)?;
        if leg.side == Side::Entry {
            entries.push(leg.quantity);
        }
    }
    let mut cumulative = Decimal::ZERO;
    let mut out = Vec::with_capacity(rows.len());
    for (_, (mut row, entries)) in rows {
        let contract_fee = terms.contract_fee(&entries, row.entry)?;
        finish_row(terms, &mut row, contract_fee, &mut cumulative)?;
        out.push(row);
    }
    Ok(out)
}

/// The same arithmetic over fiscal years instead of settlement periods: each leg counts in the
/// fiscal year of its date (`fiscal`), labelled as the year is (`1401`, `2022/23`).
///
/// The fee the terms call for is still the settlement period's: each entry leg's share of it
/// is what [`SwapTerms::leg_fee`] gives the leg after the entry recorded before it in its
/// settlement period, taking `legs` in recorded order, as the hub books it. A settlement period
/// inside one fiscal year adds up to its contract fee; one that straddles two (March, in a
/// monthly swap, straddles Nowruz) is split between them as its legs were booked. The band and
/// the status apply the tolerance to the fiscal year's own entry and imbalance; the
/// contractual test, period by period, is the report without fiscal years (and check 5).
pub fn fiscal_years(
    terms: &SwapTerms,
    legs: &[Leg],
    fiscal: Fiscal,
) -> Result<Vec<PeriodRow>, SwapError> {
    let mut rows: BTreeMap<Date, (PeriodRow, Decimal)> = BTreeMap::new();
    // The entry recorded so far in each settlement period, by its first day.
    let mut entered: HashMap<Date, Decimal> = HashMap::new();
    for leg in legs {
        let year = fiscal.year_of(leg.date)?;
        let (row, contract_fee) = rows.entry(year.first).or_insert_with(|| {
            (
                PeriodRow::empty(year.label, year.first, year.last),
                Decimal::ZERO,
            )
        });
        add_leg(terms, row, leg)?;
        if leg.side == Side::Entry {
            let before = entered.entry(terms.period.bounds(leg.date).0).or_default();
            let share = terms.leg_fee(leg.quantity, *before)?;
            *before = amount::checked_add(*before, leg.quantity, overflow(terms, "legs"))?;
            *contract_fee =
                amount::checked_add(*contract_fee, share, overflow(terms, "contract fee"))?;
        }
    }
    let mut cumulative = Decimal::ZERO;
    let mut out = Vec::with_capacity(rows.len());
    for (_, (mut row, contract_fee)) in rows {
        finish_row(terms, &mut row, contract_fee, &mut cumulative)?;
        out.push(row);
    }
    Ok(out)
}

/// The overflow message of one of agreement `terms`'s figures.
fn overflow<'a>(terms: &'a SwapTerms, what: &'static str) -> impl Fn() -> String + 'a {
    move || format!("the {what} of agreement {}", terms.name)
}

impl PeriodRow {
    /// A period with no legs yet.
    fn empty(period: String, first: Date, last: Date) -> PeriodRow {
        PeriodRow {
            period,
            first,
            last,
            entry: Decimal::ZERO,
            fee: Decimal::ZERO,
            exit: Decimal::ZERO,
            imbalance: Decimal::ZERO,
            cumulative: Decimal::ZERO,
            allowed: Decimal::ZERO,
            status: SwapStatus::Ok,
            contract_fee: Decimal::ZERO,
            fee_difference: Decimal::ZERO,
            entry_by_point: BTreeMap::new(),
            exit_by_point: BTreeMap::new(),
        }
    }
}

/// Adds one leg to its period's totals: to entry (with the fee it booked) or exit, in all and
/// at its point.
fn add_leg(terms: &SwapTerms, row: &mut PeriodRow, leg: &Leg) -> Result<(), SwapError> {
    let (total, by_point) = match leg.side {
        Side::Entry => {
            row.fee = amount::checked_add(row.fee, leg.fee, overflow(terms, "fee"))?;
            (&mut row.entry, &mut row.entry_by_point)
        }
        Side::Exit => (&mut row.exit, &mut row.exit_by_point),
    };
    *total = amount::checked_add(*total, leg.quantity, overflow(terms, "legs"))?;
    let slot = by_point.entry(leg.point.clone()).or_default();
    *slot = amount::checked_add(*slot, leg.quantity, overflow(terms, "legs"))?;
    Ok(())
}

/// A period's figures once all its legs are in: imbalance, the cumulative carried from earlier
/// periods, the tolerance band and status, the contract fee (given) and the fee difference.
fn finish_row(
    terms: &SwapTerms,
    row: &mut PeriodRow,
    contract_fee: Decimal,
    cumulative: &mut Decimal,
) -> Result<(), SwapError> {
    row.imbalance = amount::exact_sub(row.entry, row.fee, overflow(terms, "imbalance"))
        .and_then(|v| amount::exact_sub(v, row.exit, overflow(terms, "imbalance")))?;
    *cumulative = amount::checked_add(
        *cumulative,
        row.imbalance,
        overflow(terms, "cumulative imbalance"),
    )?;
    row.cumulative = *cumulative;
    // tolerance × |entry| may have more decimals than the commodity; the imbalance has
    // none, so cutting the band to the commodity's scale (toward zero) decides exactly the
    // same, and gives the largest imbalance that is still within it.
    row.allowed = units::exact_mul(terms.tolerance_rate, row.entry.abs())?
        .round_dp_with_strategy(terms.commodity.scale, RoundingStrategy::ToZero);
    row.status = if row.imbalance.abs() > row.allowed {
        SwapStatus::OutsideTolerance
    } else {
        SwapStatus::Ok
    };
    row.contract_fee = contract_fee;
    row.fee_difference =
        amount::exact_sub(row.fee, row.contract_fee, overflow(terms, "fee difference"))?;
    Ok(())
}
