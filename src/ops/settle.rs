//! The writes of the settlement commands (`debt add`, `pay`, `offset`, `net --record`): each
//! builds its transaction with the pure `settle` code, refuses what the balances do not allow
//! in its own words, and records it through one `store::Writer`.

use crate::model::account::{Account, AccountType};
use crate::model::amount::Amount;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::transaction::Transaction;
use crate::reports::debts::{self, DebtsError};
use crate::settle::{
    check_debt, check_offset_amount, check_offset_room, check_owed, check_payment, debt_accounts,
    debt_transaction, netting_transaction, offset_transaction, payment_accounts,
    payment_transaction, receivable, Entry, Netting, OffsetRoom, OffsetTerms, SettleError,
};
use crate::store::{Added, Store, StoreError, Writer};
use thiserror::Error;

/// Why a settlement command was not recorded: the store failed, or the settlement rules
/// refused it (boxed: a settlement error is large).
#[derive(Debug, Error)]
pub enum SettleOpError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Settle(Box<SettleError>),
}

impl From<SettleError> for SettleOpError {
    fn from(e: SettleError) -> Self {
        SettleOpError::Settle(Box::new(e))
    }
}

impl From<LedgerError> for SettleOpError {
    fn from(e: LedgerError) -> Self {
        SettleError::from(e).into()
    }
}

impl From<DebtsError> for SettleOpError {
    fn from(e: DebtsError) -> Self {
        match e {
            DebtsError::Store(e) => SettleOpError::Store(e),
            DebtsError::Settle(e) => SettleOpError::Settle(e),
        }
    }
}

/// Append `t` in one atomic write, opening `accounts` when missing. `check` (the refusals that
/// depend on balances) runs only when `t`'s id is not recorded yet: a retry of a recorded
/// command is a no-op (same content) or an id conflict (other content), never a refusal
/// because the first run already moved the balances. The writer applies the date rules of
/// every entry path at its commit (a reduction of an obligation must be owed at its date and
/// after); `check` says the same earlier, in the command's words.
fn record(
    store: &mut Store,
    t: Transaction,
    accounts: &[(String, AccountType)],
    check: impl FnOnce(&mut Writer) -> Result<(), SettleOpError>,
) -> Result<Added, SettleOpError> {
    let recorded = match &t.id {
        Some(id) => store.find(id)?.is_some(),
        None => false,
    };
    let mut w = store.writer()?;
    if !recorded {
        check(&mut w)?;
    }
    for (name, kind) in accounts {
        if !w.chart().accounts.contains_key(name) {
            w.add_account(Account {
                name: name.clone(),
                kind: Some(*kind),
                floor: None,
            })?;
        }
    }
    let added = w.append(t)?;
    if let Added::New { .. } = added {
        w.commit()?;
    }
    Ok(added)
}

/// Record that `debtor` owes `creditor` `amount`, opening both accounts when missing.
pub fn add_debt(
    store: &mut Store,
    debtor: &str,
    creditor: &str,
    amount: &Amount,
    e: &Entry,
) -> Result<Added, SettleOpError> {
    check_debt(store.chart(), debtor, creditor, amount)?;
    let t = debt_transaction(debtor, creditor, amount, e);
    record(store, t, &debt_accounts(debtor, creditor), |_| Ok(()))
}

/// Record a payment that settles (part of) what `from` owes `to`; paying more than is owed is
/// refused, saying how much is owed.
pub fn pay(
    store: &mut Store,
    from: &str,
    to: &str,
    amount: &Amount,
    e: &Entry,
) -> Result<Added, SettleOpError> {
    check_payment(store.chart(), from, to, amount)?;
    let t = payment_transaction(from, to, amount, e);
    record(store, t, &payment_accounts(from, to), |w| {
        let owed = w.owed_from(&receivable(to, from), &amount.commodity, e.date)?;
        Ok(check_owed(w.chart(), from, to, amount, owed, e.date)?)
    })
}

/// Record an offset under agreement `name`. Refused, naming each excess, beyond the
/// agreement's limit (counting earlier offsets under it), beyond what the debtor owes the
/// intermediary, and beyond what the intermediary owes the creditor.
pub fn offset(
    store: &mut Store,
    name: &str,
    amount: &Amount,
    e: &Entry,
) -> Result<(OffsetTerms, Added), SettleOpError> {
    let terms = debts::stored_offset(store, name)?;
    check_offset_amount(store.chart(), &terms, amount)?;
    let used = debts::assigned(store, &terms)?;
    let t = offset_transaction(&terms, amount.value, e);
    let added = record(store, t, &terms.accounts(), |w| {
        let room = OffsetRoom {
            used,
            owed_claim: w.owed_from(&terms.claim_account(), &terms.commodity, e.date)?,
            owed_debt: w.owed_from(&terms.debt_account(), &terms.commodity, e.date)?,
        };
        Ok(check_offset_room(w.chart(), &terms, amount.value, room)?)
    })?;
    Ok((terms, added))
}

/// `net --record`: record the netting of `commodity` as one balanced transaction, after which
/// no debt in it is left. `None` when there is nothing to net.
pub fn record_netting(
    store: &mut Store,
    commodity: &str,
    date: Date,
    id: Option<String>,
) -> Result<Option<(Netting, Added)>, SettleOpError> {
    let n = debts::netting(store, commodity, None)?;
    if n.debts.is_empty() {
        return Ok(None);
    }
    let balances = store.balances()?;
    let (t, accounts) = netting_transaction(store.chart(), &balances, &n, date, id)?;
    let added = record(store, t, &accounts, |_| Ok(()))?;
    Ok(Some((n, added)))
}
