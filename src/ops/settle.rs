//! The writes of the settlement commands (`debt add`, `pay`, `pay --settles`, `offset`,
//! `net --record`): each
//! builds its transaction with the pure `settle` code, refuses what the balances do not allow
//! in its own words, and records it through one `store::Writer`.

use crate::model::account::{Account, AccountType};
use crate::model::amount::Amount;
use crate::model::amount::{exact_add, exact_sub, format_at_scale};
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::transaction::Transaction;
use crate::reports::debts::{self, DebtsError};
use crate::settle::{
    check_debt, check_offset_amount, check_offset_room, check_owed, check_payment, debt_accounts,
    debt_transaction, exchange, fx_payment_accounts, fx_payment_transaction, netting_transaction,
    no_fixing, offset_terms, offset_transaction, payment_accounts, payment_before_notice,
    payment_transaction, plain_part, receivable, AfterNotice, Entry, Exchange, Netting, OffsetRoom,
    OffsetTerms, SettleError, ASSIGNMENT_TAG,
};
use crate::store::{Added, Store, StoreError, Writer};
use rust_decimal::Decimal;
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
/// refused, saying how much is owed. Where `to` assigned its claim on `from` under an offset
/// agreement with a notice, a payment beyond what `from` still owes `to` itself comes off the
/// assigned claim when it is dated before the notice (`settle::notice`), and is refused from
/// the notice on, saying so.
pub fn pay(
    store: &mut Store,
    from: &str,
    to: &str,
    amount: &Amount,
    e: &Entry,
) -> Result<Added, SettleOpError> {
    check_payment(store.chart(), from, to, amount)?;
    if let Some(terms) = noticed_assignment(store, from, to, &amount.commodity) {
        let (plain, assigned) = split_under_notice(store, &terms, amount, e)?;
        if !assigned.is_zero() {
            return pay_before_notice(store, &terms, (plain, assigned), amount, e);
        }
    }
    let t = payment_transaction(from, to, amount, e);
    record(store, t, &payment_accounts(from, to), |w| {
        let owed = w.owed_from(&receivable(to, from), &amount.commodity, e.date)?;
        Ok(check_owed(w.chart(), from, to, amount, owed, e.date)?)
    })
}

/// The offset agreement with a notice under which `via` assigned its claim on `debtor` in
/// `commodity`, if any (the first by name).
fn noticed_assignment(
    store: &Store,
    debtor: &str,
    via: &str,
    commodity: &str,
) -> Option<OffsetTerms> {
    store
        .agreements()
        .values()
        .filter_map(|a| offset_terms(a, store.chart()).ok())
        .find(|t| {
            t.debtor == debtor && t.via == via && t.commodity == commodity && t.notice.is_some()
        })
}

/// How a payment of `amount` by the debtor to the intermediary of `terms` divides: what it
/// pays off the intermediary's own claim, and what off the assigned one (before notice only).
/// A payment recorded already keeps the division it was recorded with.
fn split_under_notice(
    store: &mut Store,
    terms: &OffsetTerms,
    amount: &Amount,
    e: &Entry,
) -> Result<(Decimal, Decimal), SettleOpError> {
    let stored = match &e.id {
        Some(id) => store.find(id)?.map(|(_, t)| t),
        None => None,
    };
    if let Some(t) = stored {
        let plain = match t.tag(ASSIGNMENT_TAG) {
            Some(_) => plain_part(terms, &t),
            None => amount.value,
        };
        return Ok((plain, sub(amount.value, plain, "a payment's part")?));
    }
    let (d, v, c, x) = (&terms.debtor, &terms.via, &terms.creditor, &terms.commodity);
    let mut w = store.writer()?;
    let own = w
        .owed_from(&receivable(v, d), x, e.date)?
        .max(Decimal::ZERO);
    if amount.value <= own {
        return Ok((amount.value, Decimal::ZERO));
    }
    let assigned = w
        .owed_from(&receivable(c, d), x, e.date)?
        .max(Decimal::ZERO);
    let notice = terms.notice.unwrap_or(e.date);
    let f = |v: Decimal| fmt(w.chart(), v, x);
    if e.date >= notice && assigned > Decimal::ZERO {
        return Err(SettleError::AssignedAfterNotice(Box::new(AfterNotice {
            debtor: d.clone(),
            via: v.clone(),
            creditor: c.clone(),
            agreement: terms.name.clone(),
            notice,
            owed: f(own),
            amount: f(amount.value),
            commodity: x.clone(),
            date: e.date,
        }))
        .into());
    }
    let rest = sub(amount.value, own, "a payment's part")?;
    if e.date >= notice || rest > assigned {
        let owed = if e.date >= notice {
            own
        } else {
            add(own, assigned)?
        };
        return Err(SettleError::Overpay {
            debtor: d.clone(),
            creditor: v.clone(),
            commodity: x.clone(),
            owed: f(owed),
            amount: f(amount.value),
            date: e.date,
        }
        .into());
    }
    Ok((own, rest))
}

/// Record a payment to the intermediary before the notice of `terms`: `plain` off its own
/// claim, `assigned` off the claim assigned to the creditor, each checked again as owed.
fn pay_before_notice(
    store: &mut Store,
    terms: &OffsetTerms,
    (plain, assigned): (Decimal, Decimal),
    amount: &Amount,
    e: &Entry,
) -> Result<Added, SettleOpError> {
    let t = payment_before_notice(terms, plain, assigned, amount.value, e);
    let (d, v, c) = (&terms.debtor, &terms.via, &terms.creditor);
    let mut accounts = payment_accounts(d, v).to_vec();
    accounts.extend(terms.accounts());
    record(store, t, &accounts, |w| {
        for (creditor, part) in [(v, plain), (c, assigned)] {
            let owed = w.owed_from(&receivable(creditor, d), &terms.commodity, e.date)?;
            let part = Amount::new(part, terms.commodity.clone());
            check_owed(w.chart(), d, creditor, &part, owed, e.date)?;
        }
        Ok(())
    })
}

/// Record a payment of `amount` by `from` to `to` that settles what `from` owes in `settles`,
/// another commodity, at the fixing of `e.date` (none recorded for that day: refused, naming
/// the latest before it). What it settles, the amount rounded once to `settles`' scale, must
/// be owed at its date and after.
pub fn pay_in(
    store: &mut Store,
    from: &str,
    to: &str,
    amount: &Amount,
    settles: &str,
    e: &Entry,
) -> Result<(Exchange, Added), SettleOpError> {
    check_payment(store.chart(), from, to, amount)?;
    let scale = store.chart().scale_of(settles)?;
    let key = (amount.commodity.clone(), settles.to_string(), e.date);
    let Some(fixing) = store.fixings().get(&key) else {
        let before = store
            .fixings()
            .range(..key)
            .next_back()
            .map(|(_, f)| f)
            .filter(|f| f.commodity == amount.commodity && f.rate.commodity == settles);
        return Err(no_fixing(store.chart(), amount, settles, e.date, before).into());
    };
    let x = exchange(amount, fixing, scale)?;
    let t = fx_payment_transaction(from, to, &x, e);
    let settled = Amount::new(x.settled, settles);
    let added = record(store, t, &fx_payment_accounts(from, to), |w| {
        let owed = w.owed_from(&receivable(to, from), settles, e.date)?;
        Ok(check_owed(w.chart(), from, to, &settled, owed, e.date)?)
    })?;
    Ok((x, added))
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

/// `v` at its commodity's scale, for a refusal.
fn fmt(chart: &crate::model::chart::Chart, v: Decimal, code: &str) -> String {
    format_at_scale(v, chart.scale_of(code).unwrap_or(0))
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, SettleOpError> {
    Ok(exact_add(a, b, || "what is owed".into()).map_err(LedgerError::from)?)
}

fn sub(a: Decimal, b: Decimal, what: &str) -> Result<Decimal, SettleOpError> {
    Ok(exact_sub(a, b, || what.into()).map_err(LedgerError::from)?)
}
