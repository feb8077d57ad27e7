//! Obligations: the accounts that hold them, the `debt add` and `pay` transactions, and the
//! refusal of a payment beyond what is owed.
//!
//! An obligation of D to C in commodity X is the pair `C:receivable:D` (in the creditor's chart,
//! positive) and `D:payable:C` (in the debtor's, negative). What D owes C is the balance of
//! `C:receivable:D` (and its sub-accounts); check 4 verifies that the payable mirrors it.

use super::error::{fmt, SettleError};
use super::validate::check_parties_and_amount;
use crate::model::account::AccountType;
use crate::model::amount::Amount;
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::transaction::{Posting, Status, Transaction};
use rust_decimal::Decimal;

/// `C:receivable:D`: what D owes C.
pub fn receivable(creditor: &str, debtor: &str) -> String {
    format!("{creditor}:receivable:{debtor}")
}

/// `D:payable:C`: the mirror of `C:receivable:D` in the debtor's chart.
pub fn payable(debtor: &str, creditor: &str) -> String {
    format!("{debtor}:payable:{creditor}")
}

/// A party's cash account, which payments move.
pub fn cash(party: &str) -> String {
    format!("{party}:cash")
}

pub(super) fn posting(account: &str, value: Decimal, commodity: &str) -> Posting {
    Posting::new(account, Some(Amount::new(value, commodity)))
}

/// `C:receivable:D` or one of its sub-accounts, with C and D declared parties: `(C, D)`.
pub fn obligation_of<'a>(account: &'a str, chart: &Chart) -> Option<(&'a str, &'a str)> {
    let mut parts = account.split(':');
    let (c, kind, d) = (parts.next()?, parts.next()?, parts.next()?);
    (kind == "receivable" && chart.parties.contains_key(c) && chart.parties.contains_key(d))
        .then_some((c, d))
}

/// One obligation: `debtor` owes `creditor` `amount` (positive) of `commodity`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Debt {
    pub debtor: String,
    pub creditor: String,
    pub commodity: String,
    pub amount: Decimal,
}

/// Date, id and description of a transaction a command records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub date: Date,
    pub id: Option<String>,
    pub memo: Option<String>,
}

impl Entry {
    /// A date alone: no id, the default description.
    pub fn at(date: Date) -> Entry {
        Entry {
            date,
            id: None,
            memo: None,
        }
    }

    pub(super) fn transaction(&self, default_desc: String, postings: Vec<Posting>) -> Transaction {
        Transaction {
            date: self.date,
            status: Status::Cleared,
            code: None,
            description: self.memo.clone().unwrap_or(default_desc),
            tags: Vec::new(),
            id: self.id.clone(),
            postings,
        }
    }
}

/// `debt add`'s refusals: both parties declared and distinct, the amount positive.
pub fn check_debt(
    chart: &Chart,
    debtor: &str,
    creditor: &str,
    amount: &Amount,
) -> Result<(), SettleError> {
    check_parties_and_amount(
        chart,
        ("the debtor", debtor),
        ("the creditor", creditor),
        "a debt",
        amount,
    )
}

/// Where a debt comes from in each party's books: the creditor's revenue from gas sold, the
/// debtor's expense for gas bought.
pub fn origin_accounts(debtor: &str, creditor: &str) -> (String, String) {
    (
        format!("{creditor}:revenue:gas"),
        format!("{debtor}:expense:gas"),
    )
}

/// The four accounts of a debt, with their types.
pub fn debt_accounts(debtor: &str, creditor: &str) -> [(String, AccountType); 4] {
    let (revenue, expense) = origin_accounts(debtor, creditor);
    [
        (receivable(creditor, debtor), AccountType::Asset),
        (revenue, AccountType::Revenue),
        (expense, AccountType::Expense),
        (payable(debtor, creditor), AccountType::Liability),
    ]
}

/// `debt add`: the obligation with its origin, on each party's books: the creditor's
/// `C:receivable:D +N` against its revenue `C:revenue:gas -N`, the debtor's expense
/// `D:expense:gas +N` against `D:payable:C -N`.
pub fn debt_transaction(debtor: &str, creditor: &str, amount: &Amount, e: &Entry) -> Transaction {
    let (v, c) = (amount.value, amount.commodity.as_str());
    let (revenue, expense) = origin_accounts(debtor, creditor);
    e.transaction(
        format!("Debt: {debtor} owes {creditor}"),
        vec![
            posting(&receivable(creditor, debtor), v, c),
            posting(&revenue, -v, c),
            posting(&expense, v, c),
            posting(&payable(debtor, creditor), -v, c),
        ],
    )
}

/// `pay`'s refusals that need no balance: both parties declared and distinct, the amount
/// positive.
pub fn check_payment(
    chart: &Chart,
    from: &str,
    to: &str,
    amount: &Amount,
) -> Result<(), SettleError> {
    check_parties_and_amount(
        chart,
        ("the payer", from),
        ("the payee", to),
        "a payment",
        amount,
    )
}

/// The four accounts of a payment, with their types.
pub fn payment_accounts(from: &str, to: &str) -> [(String, AccountType); 4] {
    [
        (payable(from, to), AccountType::Liability),
        (cash(from), AccountType::Asset),
        (cash(to), AccountType::Asset),
        (receivable(to, from), AccountType::Asset),
    ]
}

/// `pay`: `D:payable:C +N`, `D:cash -N`, `C:cash +N`, `C:receivable:D -N`.
pub fn payment_transaction(from: &str, to: &str, amount: &Amount, e: &Entry) -> Transaction {
    let (v, c) = (amount.value, amount.commodity.as_str());
    e.transaction(
        format!("Payment: {from} pays {to}"),
        vec![
            posting(&payable(from, to), v, c),
            posting(&cash(from), -v, c),
            posting(&cash(to), v, c),
            posting(&receivable(to, from), -v, c),
        ],
    )
}

/// A payment of `amount` by `from` to `to` on `date`, given what `from` owes `to` at that date
/// and every later one (`owed`): paying more is refused, saying how much is owed.
pub fn check_owed(
    chart: &Chart,
    from: &str,
    to: &str,
    amount: &Amount,
    owed: Decimal,
    date: Date,
) -> Result<(), SettleError> {
    if amount.value > owed {
        return Err(SettleError::Overpay {
            debtor: from.to_string(),
            creditor: to.to_string(),
            commodity: amount.commodity.clone(),
            owed: fmt(chart, owed, &amount.commodity),
            amount: fmt(chart, amount.value, &amount.commodity),
            date,
        });
    }
    Ok(())
}
