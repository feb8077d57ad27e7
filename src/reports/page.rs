//! The parts of the settlement report (`report html`) that reports compute, at one date: each
//! swap's periods, the debts, the settlement statement of each pair of parties, each party's
//! balances. The reconciliation, a check, is added by
//! the caller; a renderer lays the page out.

use crate::model::agreement::AgreementKind;
use crate::model::date::Date;
use crate::reports::balances::{self, BalanceQuery};
use crate::reports::debts::{self, DebtReport, DebtsError};
use crate::reports::settlements::{self, Settlement, SettlementsError};
use crate::reports::swap::{self as swap_reports, SwapReport, SwapStoreError};
use crate::reports::table::Table;
use crate::store::{Store, StoreError};
use crate::swap::{self, SwapTerms};
use thiserror::Error;

/// What the settlement page shows besides the reconciliation.
pub struct PageParts {
    /// One report per swap agreement whose terms validate, in agreement order.
    pub swaps: Vec<SwapReport>,
    /// Swap agreements whose terms do not validate: name, and why (reconcile lists them too).
    pub swap_errors: Vec<(String, String)>,
    pub debts: DebtReport,
    /// The statement of each pair of parties with a movement between them, in code order.
    pub settlements: Vec<Settlement>,
    /// Each declared party's balances, by party code.
    pub balances: Vec<(String, Table)>,
}

#[derive(Debug, Error)]
pub enum PageError {
    #[error(transparent)]
    Swap(#[from] SwapStoreError),
    #[error(transparent)]
    Debts(#[from] DebtsError),
    #[error(transparent)]
    Settlements(#[from] SettlementsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The page's parts as the books stood at the end of `as_of` (everything recorded when
/// `None`).
pub fn parts(store: &Store, as_of: Option<Date>) -> Result<PageParts, PageError> {
    let mut swaps = Vec::new();
    let mut swap_errors = Vec::new();
    for a in store.agreements().values() {
        if a.kind() != Some(AgreementKind::Swap) {
            continue;
        }
        match SwapTerms::from_agreement(a, store.chart()) {
            Ok(terms) => swaps.push(swap_report(store, terms, as_of)?),
            Err(e) => swap_errors.push((a.name.clone(), e.to_string())),
        }
    }
    let debts = debts::debt_report(store, as_of)?;
    let settlements = settlements::every_pair(store, as_of)?;
    let balances = store
        .chart()
        .parties
        .keys()
        .map(|p| {
            let q = BalanceQuery {
                as_of,
                party: Some(p.clone()),
                depth: None,
            };
            balances::balances(store, &q).map(|t| (p.clone(), t))
        })
        .collect::<Result<_, _>>()?;
    Ok(PageParts {
        swaps,
        swap_errors,
        debts,
        settlements,
        balances,
    })
}

/// A swap's periods with the legs recorded up to `as_of` (as `reconcile --as-of` counts them).
fn swap_report(
    store: &Store,
    terms: SwapTerms,
    as_of: Option<Date>,
) -> Result<SwapReport, SwapStoreError> {
    let mut legs = swap_reports::legs(store, std::slice::from_ref(&terms), as_of)?;
    let rows = swap::periods(&terms, &legs.remove(&terms.name).unwrap_or_default())?;
    Ok(SwapReport {
        terms,
        fiscal: None,
        rows,
    })
}
