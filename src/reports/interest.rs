//! Interest on arrears, read from the store (`interest --to D`): for every pair with a sale
//! that bears interest, the movements of the seller's claim on the buyer, what is left unpaid
//! of each invoice from day to day (`settle::arrears`), and the periods of interest that run on
//! each to D, net of what is charged already. Read-only; `ops::sale` records the charges.

use crate::model::account::is_under;
use crate::model::date::Date;
use crate::model::percent::format_percent;
use crate::model::suggest;
use crate::model::transaction::Transaction;
use crate::reports::debts::DebtsError;
use crate::reports::table::{Cell, Table};
use crate::settle::{
    add, interest_start, is_sale, periods, sale_terms, unpaid, Accrual, Charge, Movement,
    Obligation, Period, SaleTerms, SettleError, Unpaid, DUE_TAG, INTEREST_TO_TAG, INVOICE_TAG,
};
use crate::store::Store;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};

/// The interest that runs on one invoice to the day asked, period by period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceInterest {
    /// The sale the invoice is under.
    pub terms: SaleTerms,
    pub invoice: String,
    pub due: Date,
    pub periods: Vec<Period>,
    /// What a charge of it records: from the day interest runs from, to the day asked, the sum
    /// of the periods' interest.
    pub charge: Charge,
}

/// `interest --to D`: every invoice with interest to charge, in the order of its pair (seller,
/// buyer, money) then of its date.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterestReport {
    pub invoices: Vec<InvoiceInterest>,
}

/// The terms of the sale agreement `name`.
pub fn stored_sale(store: &Store, name: &str) -> Result<SaleTerms, SettleError> {
    let a = store
        .agreements()
        .get(name)
        .ok_or_else(|| SettleError::NoAgreement {
            name: name.to_string(),
            nearest: suggest::nearest(name, store.agreements().keys()),
        })?;
    if !is_sale(a) {
        return Err(SettleError::NotASale {
            name: name.to_string(),
            kind: a.field("kind").unwrap_or("(none)").to_string(),
        });
    }
    sale_terms(a, store.chart())
}

/// A pair whose claim is read: the seller, the buyer, the money.
type Pair = (String, String, String);

/// What one scan of the journal gathers for the pairs asked.
#[derive(Default)]
struct Gathered {
    /// Per pair, its movements with their dates and recorded order.
    movements: BTreeMap<Pair, Vec<(Date, u64, Movement)>>,
    /// Interest charged: (the charge's id, its invoice, the day it runs to).
    charges: Vec<(String, String, Date)>,
    /// Every id a transaction reverses.
    reversed: HashSet<String>,
}

/// The interest on every unpaid invoice, from its due date (or the day its interest is charged
/// to already) to `to`.
pub fn interest(store: &Store, to: Date) -> Result<InterestReport, DebtsError> {
    let mut sales: BTreeMap<String, SaleTerms> = BTreeMap::new();
    for a in store.agreements().values().filter(|a| is_sale(a)) {
        sales.insert(a.name.clone(), sale_terms(a, store.chart())?);
    }
    let pairs: Vec<Pair> = sales
        .values()
        .filter(|s| s.interest.is_some())
        .map(|s| (s.seller.clone(), s.buyer.clone(), s.money.code.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if pairs.is_empty() {
        return Ok(InterestReport::default());
    }
    let mut g = Gathered::default();
    let mut err = None;
    store.for_each_txn(|seq, t| {
        if let Err(e) = gather(&mut g, &sales, &pairs, seq, &t) {
            err.get_or_insert(e);
        }
        Ok(())
    })?;
    if let Some(e) = err {
        return Err(e.into());
    }
    charged_to(&mut g);
    let mut report = InterestReport::default();
    for (_, mut moves) in std::mem::take(&mut g.movements) {
        moves.sort_by_key(|(date, seq, _)| (*date, *seq));
        for u in unpaid(moves.into_iter().map(|(_, _, m)| m).collect())? {
            report.invoices.extend(invoice_interest(&u, &sales, to)?);
        }
    }
    Ok(report)
}

/// The interest on one obligation to `to`, if it is an invoice with interest to charge.
fn invoice_interest(
    u: &Unpaid,
    sales: &BTreeMap<String, SaleTerms>,
    to: Date,
) -> Result<Option<InvoiceInterest>, SettleError> {
    let Some(acc) = &u.obligation.accrual else {
        return Ok(None);
    };
    let terms = sales
        .get(&acc.agreement)
        .ok_or_else(|| SettleError::NoAgreement {
            name: acc.agreement.clone(),
            nearest: None,
        })?;
    let periods = periods(u, to, terms.money.scale)?;
    if periods.is_empty() {
        return Ok(None);
    }
    let mut total = Decimal::ZERO;
    for p in &periods {
        total = add(total, p.accrued.interest, "the interest on an invoice")?;
    }
    Ok(Some(InvoiceInterest {
        terms: terms.clone(),
        invoice: u.obligation.id.clone(),
        due: u.obligation.due,
        charge: Charge {
            from: interest_start(&u.obligation),
            to,
            amount: total,
        },
        periods,
    }))
}

/// One transaction's part: for each pair whose claim it moves, an obligation (an increase) or
/// a payment (a decrease); an interest charge also says up to when its invoice is charged.
fn gather(
    g: &mut Gathered,
    sales: &BTreeMap<String, SaleTerms>,
    pairs: &[Pair],
    seq: u64,
    t: &Transaction,
) -> Result<(), SettleError> {
    if let Some(r) = t.tag("reverses") {
        g.reversed.insert(r.to_string());
    }
    let sale = t.tag("agreement").and_then(|n| sales.get(n));
    let id = t.id.clone().unwrap_or_else(|| format!("#{seq}"));
    for pair in pairs {
        let claim = crate::settle::receivable(&pair.0, &pair.1);
        let mut net = Decimal::ZERO;
        for p in &t.postings {
            match &p.amount {
                Some(a) if a.commodity == pair.2 && is_under(&p.account, &claim) => {
                    net = add(net, a.value, "the movement of a claim")?;
                }
                _ => {}
            }
        }
        if net.is_zero() {
            continue;
        }
        let sale =
            sale.filter(|s| (&s.seller, &s.buyer, &s.money.code) == (&pair.0, &pair.1, &pair.2));
        let movement = if net > Decimal::ZERO {
            Movement::Owed(obligation(g, sale, t, id.clone(), net))
        } else {
            Movement::Paid {
                date: t.date,
                amount: -net,
                reverses: t.tag("reverses").map(str::to_string),
            }
        };
        g.movements
            .entry(pair.clone())
            .or_default()
            .push((t.date, seq, movement));
    }
    Ok(())
}

/// The obligation an increase of a claim makes: an invoice (due when its tag says, bearing its
/// sale's interest), an interest charge (noted as charging its invoice up to its end), or
/// anything else owed, due on its date.
fn obligation(
    g: &mut Gathered,
    sale: Option<&SaleTerms>,
    t: &Transaction,
    id: String,
    amount: Decimal,
) -> Obligation {
    let mut ob = Obligation {
        id,
        date: t.date,
        due: t.date,
        amount,
        accrual: None,
        charged_to: None,
    };
    let Some(s) = sale else { return ob };
    let tag_date = |k: &str| t.tag(k).and_then(|v| v.parse::<Date>().ok());
    if let Some(due) = tag_date(DUE_TAG) {
        ob.due = due;
        ob.accrual = s.interest.map(|rate| Accrual {
            agreement: s.name.clone(),
            rate,
            day_count: s.day_count,
        });
    } else if let (Some(invoice), Some(to)) = (t.tag(INVOICE_TAG), tag_date(INTEREST_TO_TAG)) {
        g.charges.push((ob.id.clone(), invoice.to_string(), to));
    }
    ob
}

/// Each invoice's interest is charged up to the latest end of its charges not reversed.
fn charged_to(g: &mut Gathered) {
    let mut to: BTreeMap<&str, Date> = BTreeMap::new();
    for (id, invoice, end) in &g.charges {
        if g.reversed.contains(id) {
            continue;
        }
        let slot = to.entry(invoice.as_str()).or_insert(*end);
        *slot = (*slot).max(*end);
    }
    for moves in g.movements.values_mut() {
        for (_, _, m) in moves.iter_mut() {
            if let Movement::Owed(o) = m {
                if o.accrual.is_some() {
                    o.charged_to = to.get(o.id.as_str()).copied();
                }
            }
        }
    }
}

/// The columns of `interest`: one row per invoice and period.
pub const INTEREST_COLUMNS: [&str; 12] = [
    "debtor",
    "creditor",
    "commodity",
    "invoice",
    "due",
    "from",
    "to",
    "days",
    "base",
    "rate",
    "day_count",
    "interest",
];

/// The report as a table: one row per invoice and period, the computation in its columns
/// (interest = base × rate × days / the day count's year, rounded half-even).
pub fn interest_table(r: &InterestReport) -> Table {
    let mut table = Table::new(&INTEREST_COLUMNS);
    for inv in &r.invoices {
        let s = &inv.terms;
        let scale = s.money.scale;
        for p in &inv.periods {
            table.push(vec![
                Cell::from(s.buyer.as_str()),
                Cell::from(s.seller.as_str()),
                Cell::from(s.money.code.as_str()),
                Cell::from(inv.invoice.as_str()),
                Cell::from(inv.due.to_string()),
                Cell::from(p.from.to_string()),
                Cell::from(p.to.to_string()),
                Cell::Amount(Decimal::from(p.days), 0),
                Cell::Amount(p.base, scale),
                Cell::from(s.interest.map(format_percent).unwrap_or_default()),
                Cell::from(s.day_count.name()),
                Cell::Amount(p.accrued.interest, scale),
            ]);
        }
    }
    table
}

/// The total interest of the report per money commodity, with its scale.
pub fn totals(r: &InterestReport) -> Result<BTreeMap<String, (Decimal, u32)>, SettleError> {
    let mut out: BTreeMap<String, (Decimal, u32)> = BTreeMap::new();
    for inv in &r.invoices {
        let slot = out
            .entry(inv.terms.money.code.clone())
            .or_insert((Decimal::ZERO, inv.terms.money.scale));
        slot.0 = add(slot.0, inv.charge.amount, "the total interest")?;
    }
    Ok(out)
}
