//! The transactions under a sale agreement, built and read back: a delivery with its invoice,
//! and an interest charge on an invoice. The rulebook reads every transaction tagged with a
//! sale agreement through [`check_sale_entry`], so that one from a journal meets the same rules
//! as one that `deliver` or `interest --record` built.
//!
//! A delivery of Q at price P, invoiced A = Q × P rounded half-even once (tags `agreement:
//! NAME`, `due: DATE`, and an id, the invoice's number):
//!
//! ```text
//! SELLER:receivable:BUYER     A  money      the invoice
//! SELLER:revenue:gas         -A  money      its origin
//! SELLER:gas:delivered       -Q  gas        the gas out of the seller's system
//! SELLER:expense:gas-sold     Q  gas        its cost, in kind
//! BUYER:gas:received          Q  gas @@ A   the gas into the buyer's, at its cost
//! BUYER:payable:SELLER       -A  money      the invoice
//! ```
//!
//! An interest charge I on an invoice (tags `agreement: NAME`, `invoice: ID`, `interest-from`,
//! `interest-to`): `SELLER:receivable:BUYER +I`, `SELLER:revenue:interest -I`,
//! `BUYER:expense:interest +I`, `BUYER:payable:SELLER -I`.

use super::obligations::{posting, Entry};
use super::sale::{Invoice, SaleTerms};
use crate::model::amount::Amount;
use crate::model::date::Date;
use crate::model::transaction::{Posting, Price, Transaction};
use rust_decimal::Decimal;

/// The tag of a delivery that says when its invoice is due.
pub const DUE_TAG: &str = "due";
/// The tag of an interest charge that names the invoice it is charged on.
pub const INVOICE_TAG: &str = "invoice";
/// The first day of the interest charged (the invoice's due date, or the end of the last charge).
pub const INTEREST_FROM_TAG: &str = "interest-from";
/// The day the interest charged runs to (not counted: interest runs from `from` to `to`).
pub const INTEREST_TO_TAG: &str = "interest-to";

/// What a transaction under a sale agreement is, by its tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleEntry {
    /// A delivery and its invoice (tag `due:`).
    Delivery(Invoice),
    /// Interest charged on an invoice (tag `invoice:`).
    Charge(Charge),
}

/// Check a transaction tagged with the sale agreement `terms`: a delivery whose postings are
/// the invoice of its quantity, due when the terms say; or an interest charge on the four
/// interest accounts. Refused, saying why, otherwise.
pub fn check_sale_entry(terms: &SaleTerms, t: &Transaction) -> Result<SaleEntry, String> {
    match (t.tag(DUE_TAG), t.tag(INVOICE_TAG)) {
        (Some(_), None) => check_delivery(terms, t).map(SaleEntry::Delivery),
        (None, Some(_)) => check_charge(terms, t).map(SaleEntry::Charge),
        _ => Err(format!(
            "a transaction under a sale is a delivery (tagged {DUE_TAG}: DATE) or an interest \
             charge (tagged {INVOICE_TAG}: ID), not both nor neither"
        )),
    }
}

/// The delivery of `inv` under `terms`, on each party's books, tagged with the agreement and
/// the due date. `e.id` is the invoice's number.
pub fn delivery_transaction(terms: &SaleTerms, inv: &Invoice, e: &Entry) -> Transaction {
    let (q, a) = (inv.quantity, inv.amount);
    let (gas, money) = (terms.commodity.code.as_str(), terms.money.code.as_str());
    let mut received = posting(&terms.received(), q, gas);
    received.price = Some(Price::Total(Amount::new(a, money)));
    let mut t = e.transaction(
        format!(
            "Delivery under {}: {} sells {} {gas} to {}",
            terms.name,
            terms.seller,
            terms.commodity.format(q),
            terms.buyer
        ),
        vec![
            posting(&terms.receivable(), a, money),
            posting(&terms.revenue(), -a, money),
            posting(&terms.delivered(), -q, gas),
            posting(&terms.cost_of_sales(), q, gas),
            received,
            posting(&terms.payable(), -a, money),
        ],
    );
    t.tags = vec![
        ("agreement".into(), terms.name.clone()),
        (DUE_TAG.into(), inv.due.to_string()),
    ];
    t
}

/// A delivery read back: on the six accounts of [`delivery_transaction`], each once, its
/// amounts those of the invoice of its quantity, its due date the delivery's date plus the
/// agreement's days, and an id.
fn check_delivery(terms: &SaleTerms, t: &Transaction) -> Result<Invoice, String> {
    let accounts = terms.delivery_accounts().map(|(a, _)| a);
    let p = Postings::of(t, &accounts)?;
    let (gas, money) = (&terms.commodity.code, &terms.money.code);
    let quantity = -p.value(&terms.delivered(), gas)?;
    let inv = terms.invoice(t.date, quantity).map_err(|e| match e {
        super::SettleError::BadDelivery { why, .. } => why,
        e => e.to_string(),
    })?;
    let (q, a) = (inv.quantity, inv.amount);
    let computed = || {
        format!(
            "{} {gas} × {} {money} = {}{}",
            terms.commodity.format(q),
            terms.price,
            inv.exact.normalize(),
            if inv.rounded() {
                format!(", rounded half-even to {}", terms.money.format(a))
            } else {
                String::new()
            }
        )
    };
    for (account, want, commodity) in [
        (terms.receivable(), a, money),
        (terms.revenue(), -a, money),
        (terms.cost_of_sales(), q, gas),
        (terms.payable(), -a, money),
    ] {
        let got = p.value(&account, commodity)?;
        if got != want {
            return Err(format!(
                "{account} posts {} {commodity}, expected {} {commodity}: the invoice of {} {gas} \
                 is {} {money} ({})",
                format_scaled(got, commodity == money, terms),
                format_scaled(want, commodity == money, terms),
                terms.commodity.format(q),
                terms.money.format(a),
                computed(),
            ));
        }
    }
    p.check_received(terms, &inv)?;
    let due = t.tag(DUE_TAG).unwrap_or("");
    if due != inv.due.to_string() {
        return Err(format!(
            "due: {due} should be {} ({} + {} days)",
            inv.due, t.date, terms.due_days
        ));
    }
    if t.id.is_none() {
        return Err("a delivery is an invoice: give it an id (its number)".into());
    }
    Ok(inv)
}

fn format_scaled(v: Decimal, is_money: bool, terms: &SaleTerms) -> String {
    if is_money {
        terms.money.format(v)
    } else {
        terms.commodity.format(v)
    }
}

/// Interest charged on one invoice, from one day to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub from: Date,
    pub to: Date,
    pub amount: Decimal,
}

/// The id of the interest charged on `invoice` up to `to`: the same whenever it is computed,
/// so that recording it twice records it once.
pub fn charge_id(invoice: &str, to: Date) -> String {
    format!("{invoice}-interest-{to}")
}

/// The interest charge `c` on `invoice`, dated `date`, on each party's books.
pub fn charge_transaction(terms: &SaleTerms, invoice: &str, c: &Charge, date: Date) -> Transaction {
    let (i, money) = (c.amount, terms.money.code.as_str());
    let e = Entry {
        date,
        id: Some(charge_id(invoice, c.to)),
        memo: None,
    };
    let mut t = e.transaction(
        format!("Interest on {invoice} from {} to {}", c.from, c.to),
        vec![
            posting(&terms.receivable(), i, money),
            posting(&terms.interest_revenue(), -i, money),
            posting(&terms.interest_expense(), i, money),
            posting(&terms.payable(), -i, money),
        ],
    );
    t.tags = vec![
        ("agreement".into(), terms.name.clone()),
        (INVOICE_TAG.into(), invoice.to_string()),
        (INTEREST_FROM_TAG.into(), c.from.to_string()),
        (INTEREST_TO_TAG.into(), c.to.to_string()),
    ];
    t
}

/// An interest charge read back: under a sale that bears interest, naming its invoice and a
/// period that ends after it starts, with a positive amount on the four interest accounts.
fn check_charge(terms: &SaleTerms, t: &Transaction) -> Result<Charge, String> {
    if terms.interest.is_none() {
        return Err("it charges interest, but the agreement bears none".into());
    }
    let date = |tag: &str| {
        let v = t
            .tag(tag)
            .ok_or_else(|| format!("an interest charge is tagged {tag}: DATE"))?;
        v.parse::<Date>().map_err(|e| format!("{tag}: {e}"))
    };
    let (from, to) = (date(INTEREST_FROM_TAG)?, date(INTEREST_TO_TAG)?);
    if to <= from {
        return Err(format!("interest from {from} to {to}: the period is empty"));
    }
    let accounts = terms.interest_accounts().map(|(a, _)| a);
    let p = Postings::of(t, &accounts)?;
    let money = &terms.money.code;
    let amount = p.value(&terms.receivable(), money)?;
    if amount <= Decimal::ZERO {
        return Err(format!(
            "the interest charged on {} must be positive, found {} {money}",
            terms.receivable(),
            terms.money.format(amount)
        ));
    }
    for (account, want) in [
        (terms.interest_revenue(), -amount),
        (terms.interest_expense(), amount),
        (terms.payable(), -amount),
    ] {
        let got = p.value(&account, money)?;
        if got != want {
            return Err(format!(
                "{account} posts {} {money}; the charge is {} {money} on {}",
                terms.money.format(got),
                terms.money.format(amount),
                terms.receivable()
            ));
        }
    }
    Ok(Charge { from, to, amount })
}

/// A transaction's postings, one on each of some accounts and none elsewhere.
struct Postings<'t> {
    postings: Vec<&'t Posting>,
}

impl<'t> Postings<'t> {
    fn of(t: &'t Transaction, accounts: &[String]) -> Result<Postings<'t>, String> {
        for p in &t.postings {
            if !accounts.contains(&p.account) {
                return Err(format!(
                    "it posts to {}, but only to {}",
                    p.account,
                    accounts.join(", ")
                ));
            }
        }
        let mut postings = Vec::with_capacity(accounts.len());
        for a in accounts {
            let mut on = t.postings.iter().filter(|p| p.account == *a);
            match (on.next(), on.next()) {
                (Some(p), None) => postings.push(p),
                (None, _) => return Err(format!("it has no posting on {a}")),
                (Some(_), Some(_)) => return Err(format!("it posts to {a} more than once")),
            }
        }
        Ok(Postings { postings })
    }

    fn get(&self, account: &str) -> Result<&'t Posting, String> {
        self.postings
            .iter()
            .find(|p| p.account == account)
            .copied()
            .ok_or_else(|| format!("it has no posting on {account}"))
    }

    /// The amount on `account`, in `commodity`, without a price.
    fn value(&self, account: &str, commodity: &str) -> Result<Decimal, String> {
        let p = self.get(account)?;
        let a = p
            .amount
            .as_ref()
            .ok_or_else(|| format!("the posting on {account} has no amount"))?;
        if a.commodity != commodity {
            return Err(format!(
                "the posting on {account} is in {}, expected {commodity}",
                a.commodity
            ));
        }
        if p.price.is_some() {
            return Err(format!("the posting on {account} carries a price"));
        }
        Ok(a.value)
    }

    /// The buyer's gas: the quantity, at the invoice's amount as its total price.
    fn check_received(&self, terms: &SaleTerms, inv: &Invoice) -> Result<(), String> {
        let account = terms.received();
        let p = self.get(&account)?;
        let (gas, money) = (&terms.commodity.code, &terms.money.code);
        let want = format!(
            "{} {gas} @@ {} {money}",
            terms.commodity.format(inv.quantity),
            terms.money.format(inv.amount)
        );
        let ok = match (&p.amount, &p.price) {
            (Some(a), Some(Price::Total(t))) => {
                a.commodity == *gas
                    && a.value == inv.quantity
                    && t.commodity == *money
                    && t.value == inv.amount
            }
            _ => false,
        };
        if !ok {
            let got = match (&p.amount, &p.price) {
                (Some(a), Some(Price::Total(t))) => format!("{a} @@ {t}"),
                (Some(a), Some(Price::Unit(u))) => format!("{a} @ {u}"),
                (Some(a), None) => a.to_string(),
                (None, _) => "no amount".into(),
            };
            return Err(format!(
                "{account} posts {got}; the buyer's gas is {want} (its quantity at the invoice's \
                 amount)"
            ));
        }
        Ok(())
    }
}
