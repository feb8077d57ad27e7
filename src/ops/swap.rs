//! Recording a swap leg (`swap entry|exit`): the leg is built by the swap domain, with the fee
//! it books computed from what already entered in its period, and written through one
//! [`Writer`] that opens the leg's missing accounts. Every check is made before the store is
//! written, so a refused leg leaves the store as it was; the writer's rulebook checks the leg
//! as it checks one from a journal or from `record`.

use crate::model::account::Account;
use crate::reports::swap::{period_entry_before, SwapStoreError};
use crate::store::{Added, Store, Writer};
use crate::swap::{FeeBasis, LegRequest, LegTransaction, Side, SwapTerms};
use rust_decimal::Decimal;

/// What recording a leg did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedLeg {
    /// The leg's transaction and the figures it was built from.
    pub leg: LegTransaction,
    /// The accounts opened for it, committed with it when it is new.
    pub opened: Vec<String>,
    /// Whether it was new (and committed) or recorded before with the same content (nothing
    /// written).
    pub added: Added,
}

/// Records the leg `req` under `terms`. Its `period_entry_before` is replaced by what the
/// store holds: on a period fee basis, what entered in the entry's period before it (leaving
/// out the leg itself when its id is recorded already, so that recording it again gives the
/// same fee); zero otherwise.
pub fn record_leg(
    store: &mut Store,
    terms: &SwapTerms,
    mut req: LegRequest,
) -> Result<RecordedLeg, SwapStoreError> {
    req.period_entry_before = match (req.side, terms.fee_basis) {
        (Side::Entry, FeeBasis::Period) => {
            period_entry_before(store, terms, req.date, req.id.as_deref())?
        }
        _ => Decimal::ZERO,
    };
    let leg = terms.leg_transaction(&req)?;
    let mut w = store.writer()?;
    let opened = open_accounts(&mut w, terms, req.side)?;
    let added = w.append(leg.transaction.clone())?;
    match added {
        Added::New { .. } => {
            w.commit()?;
        }
        // Recorded already with the same content: the writer is dropped, nothing is written.
        Added::Duplicate { .. } => {}
    }
    Ok(RecordedLeg { leg, opened, added })
}

/// Opens the accounts a leg on `side` posts to that are not declared yet, each with its type.
fn open_accounts(
    w: &mut Writer<'_>,
    terms: &SwapTerms,
    side: Side,
) -> Result<Vec<String>, SwapStoreError> {
    let mut opened = Vec::new();
    for (name, kind) in terms.leg_accounts(side) {
        if !w.chart().accounts.contains_key(&name) {
            w.add_account(Account {
                name: name.clone(),
                kind: Some(kind),
                floor: None,
            })?;
            opened.push(name);
        }
    }
    Ok(opened)
}
