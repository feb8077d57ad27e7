//! Debts read from the store: every obligation (`debts`), `report debts` (`debt_report` and its
//! tables), the netting of one commodity, what is owed, and what an offset agreement has
//! assigned so far. Read-only; the writes are `ops::settle`.

use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::suggest;
use crate::reports::table::{Cell, Table};
use crate::settle::{
    add, netting_error, obligation_of, offset_legs, offset_terms, plan, positions, receivable,
    Debt, Netting, OffsetTerms, Positions, SettleError, Transfer,
};
use crate::store::{Balances, Store, StoreError};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use thiserror::Error;

/// Why debts could not be read: the store failed, or the settlement arithmetic refused (boxed:
/// a settlement error is large).
#[derive(Debug, Error)]
pub enum DebtsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Settle(Box<SettleError>),
}

impl From<SettleError> for DebtsError {
    fn from(e: SettleError) -> Self {
        DebtsError::Settle(Box::new(e))
    }
}

impl From<LedgerError> for DebtsError {
    fn from(e: LedgerError) -> Self {
        SettleError::from(e).into()
    }
}

/// Every non-zero debt, from the creditors' receivables, sorted by debtor, creditor,
/// commodity. A negative receivable (the creditor was overpaid) is a debt the other way.
pub fn debts(chart: &Chart, balances: &Balances) -> Result<Vec<Debt>, SettleError> {
    let mut sums: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for ((account, commodity), v) in balances {
        let Some((c, d)) = obligation_of(account, chart) else {
            continue;
        };
        let (key, v) = if v.is_sign_negative() {
            ((c.to_string(), d.to_string(), commodity.clone()), -*v)
        } else {
            ((d.to_string(), c.to_string(), commodity.clone()), *v)
        };
        let slot = sums.entry(key).or_default();
        *slot = add(*slot, v, "the sum of a pair's receivables")?;
    }
    Ok(sums
        .into_iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|((debtor, creditor, commodity), amount)| Debt {
            debtor,
            creditor,
            commodity,
            amount,
        })
        .collect())
}

/// Balances now, or at the end of `as_of`.
fn balances_at(store: &Store, as_of: Option<Date>) -> Result<Balances, StoreError> {
    match as_of {
        Some(d) => store.balances_as_of(d),
        None => store.balances(),
    }
}

/// What D owes C in `commodity` now: the balance of `C:receivable:D` itself.
pub fn owed(
    store: &Store,
    debtor: &str,
    creditor: &str,
    commodity: &str,
) -> Result<Decimal, StoreError> {
    Ok(store
        .balances()?
        .get(&(receivable(creditor, debtor), commodity.to_string()))
        .copied()
        .unwrap_or_default())
}

/// What `report debts` shows: every debt, the net positions, and per commodity the netting
/// plan that would settle them (the debts after netting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtReport {
    pub debts: Vec<Debt>,
    pub positions: Positions,
    pub plans: BTreeMap<String, Vec<Transfer>>,
    /// The scale of every commodity of the report, taken from the chart when it was made (an
    /// undeclared commodity is an error there, never scale 0).
    pub scales: BTreeMap<String, u32>,
}

pub fn debt_report(store: &Store, as_of: Option<Date>) -> Result<DebtReport, DebtsError> {
    let debts = debts(store.chart(), &balances_at(store, as_of)?)?;
    let positions = positions(&debts)?;
    let mut plans = BTreeMap::new();
    for (commodity, per) in &positions {
        let p = plan(per).map_err(|e| netting_error(store.chart(), commodity, e))?;
        plans.insert(commodity.clone(), p);
    }
    let mut scales = BTreeMap::new();
    for d in &debts {
        scales.insert(d.commodity.clone(), store.chart().scale_of(&d.commodity)?);
    }
    Ok(DebtReport {
        debts,
        positions,
        plans,
        scales,
    })
}

impl DebtReport {
    /// The scale of one of the report's commodities (all were checked when it was made).
    pub fn scale(&self, commodity: &str) -> u32 {
        self.scales.get(commodity).copied().unwrap_or_default()
    }

    /// `debtor,creditor,commodity,amount`, one row per pair with a non-zero debt.
    pub fn debts_table(&self) -> Table {
        let mut t = Table::new(&["debtor", "creditor", "commodity", "amount"]);
        for d in &self.debts {
            t.push(vec![
                d.debtor.clone().into(),
                d.creditor.clone().into(),
                d.commodity.clone().into(),
                Cell::Amount(d.amount, self.scale(&d.commodity)),
            ]);
        }
        t
    }

    /// `party,commodity,net`: receivables − payables, by party then commodity.
    pub fn positions_table(&self) -> Table {
        let mut rows: Vec<(&String, &String, Decimal)> = Vec::new();
        for (commodity, per) in &self.positions {
            for (party, v) in per {
                rows.push((party, commodity, *v));
            }
        }
        rows.sort();
        let mut t = Table::new(&["party", "commodity", "net"]);
        for (party, commodity, v) in rows {
            t.push(vec![
                party.clone().into(),
                commodity.clone().into(),
                Cell::Amount(v, self.scale(commodity)),
            ]);
        }
        t
    }

    /// `from,to,commodity,amount`: the netting plans of every commodity.
    pub fn plans_table(&self) -> Table {
        let mut t = plan_table_header();
        for (commodity, p) in &self.plans {
            push_plan(&mut t, self.scale(commodity), commodity, p);
        }
        t
    }
}

fn plan_table_header() -> Table {
    Table::new(&["from", "to", "commodity", "amount"])
}

fn push_plan(t: &mut Table, scale: u32, commodity: &str, plan: &[Transfer]) {
    for x in plan {
        t.push(vec![
            x.from.clone().into(),
            x.to.clone().into(),
            commodity.to_string().into(),
            Cell::Amount(x.amount, scale),
        ]);
    }
}

/// Net every obligation in `commodity` (now, or at the end of `as_of`).
pub fn netting(store: &Store, commodity: &str, as_of: Option<Date>) -> Result<Netting, DebtsError> {
    store.chart().commodity(commodity)?;
    let debts = debts(store.chart(), &balances_at(store, as_of)?)?;
    Ok(Netting::of(store.chart(), commodity, debts)?)
}

/// `from,to,commodity,amount`: a netting's plan.
pub fn netting_plan_table(n: &Netting, chart: &Chart) -> Result<Table, LedgerError> {
    let mut t = plan_table_header();
    push_plan(&mut t, chart.scale_of(&n.commodity)?, &n.commodity, &n.plan);
    Ok(t)
}

/// `party,commodity,net`: a netting's positions, by party.
pub fn netting_positions_table(n: &Netting, chart: &Chart) -> Result<Table, LedgerError> {
    let scale = chart.scale_of(&n.commodity)?;
    let mut t = Table::new(&["party", "commodity", "net"]);
    for (party, v) in &n.positions {
        t.push(vec![
            party.clone().into(),
            n.commodity.clone().into(),
            Cell::Amount(*v, scale),
        ]);
    }
    Ok(t)
}

/// The offset agreement `name` from the store, validated.
pub fn stored_offset(store: &Store, name: &str) -> Result<OffsetTerms, SettleError> {
    let a = store
        .agreements()
        .get(name)
        .ok_or_else(|| SettleError::NoAgreement {
            name: name.to_string(),
            nearest: suggest::nearest(name, store.agreements().keys()),
        })?;
    offset_terms(a, store.chart())
}

/// The total assigned so far under an offset agreement (every transaction tagged with it).
pub fn assigned(store: &Store, terms: &OffsetTerms) -> Result<Decimal, DebtsError> {
    let mut total = Decimal::ZERO;
    let mut err = None;
    store.for_each_txn(|_, t| {
        if t.tag("agreement") == Some(terms.name.as_str()) {
            let sum = offset_legs(terms, &t)
                .map_err(SettleError::from)
                .and_then(|(u, _)| add(total, u, "assigned total"));
            match sum {
                Ok(v) => total = v,
                Err(e) => err = Some(e),
            }
        }
        Ok(())
    })?;
    match err {
        Some(e) => Err(e.into()),
        None => Ok(total),
    }
}
