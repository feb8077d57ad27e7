//! Arrears between a creditor and a debtor in one money commodity: what is left unpaid of each
//! obligation from day to day, and the periods of interest that run on each invoice.
//!
//! Every increase of `CREDITOR:receivable:DEBTOR` is an obligation, due on its invoice's due
//! date (a delivery under a sale) or on its own date (interest charged, a debt, anything else).
//! Every decrease (a payment, an offset, a netting, a reversal) pays obligations on its own
//! date: a reversal first the obligation it reverses; then, and every other decrease, the
//! obligations outstanding at that date in the order they fell due, **oldest due first** (ties
//! in the order they were recorded). A decrease beyond everything outstanding is kept and pays
//! the next obligation as it arises.
//!
//! Interest runs on an invoice under a sale that bears interest, from its due date (or from
//! the day its interest was charged up to, if later) to the day asked, on what is unpaid of
//! it: the period is split on each day a payment reduces it, each part rounded once.

use super::error::{add, sub, SettleError};
use super::interest::{interest_of, Accrued, DayCount};
use crate::model::date::Date;
use rust_decimal::Decimal;

/// The interest an invoice bears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accrual {
    pub agreement: String,
    /// Yearly, as a fraction.
    pub rate: Decimal,
    pub day_count: DayCount,
}

/// One obligation of the debtor to the creditor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    /// The invoice's number, or the id of the transaction that made it (`#SEQ` without one).
    pub id: String,
    pub date: Date,
    pub due: Date,
    /// Positive.
    pub amount: Decimal,
    /// The interest it bears: an invoice's under a sale with interest; `None` otherwise.
    pub accrual: Option<Accrual>,
    /// The day its interest is charged up to already, if any is.
    pub charged_to: Option<Date>,
}

/// What moves the obligations between the pair, in date order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Movement {
    Owed(Obligation),
    /// A decrease of the claim by `amount` (positive); `reverses` names what it reverses.
    Paid {
        date: Date,
        amount: Decimal,
        reverses: Option<String>,
    },
}

impl Movement {
    pub fn date(&self) -> Date {
        match self {
            Movement::Owed(o) => o.date,
            Movement::Paid { date, .. } => *date,
        }
    }
}

/// An obligation and what was left unpaid of it: from each date in `history`, the amount
/// beside it (the first entry is its own date and amount, less any earlier surplus).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpaid {
    pub obligation: Obligation,
    pub history: Vec<(Date, Decimal)>,
}

impl Unpaid {
    fn now(&self) -> Decimal {
        self.history.last().map_or(Decimal::ZERO, |(_, v)| *v)
    }

    /// What was unpaid at the end of `date`.
    pub fn at(&self, date: Date) -> Decimal {
        self.history
            .iter()
            .take_while(|(d, _)| *d <= date)
            .last()
            .map_or(Decimal::ZERO, |(_, v)| *v)
    }

    /// Pay up to `left` of it on `date`; what is left to pay elsewhere.
    fn pay(&mut self, date: Date, left: Decimal) -> Result<Decimal, SettleError> {
        let now = self.now();
        let take = now.min(left);
        if take <= Decimal::ZERO {
            return Ok(left);
        }
        let after = sub(now, take, "what is unpaid of an obligation")?;
        match self.history.last_mut() {
            Some((d, v)) if *d == date => *v = after,
            _ => self.history.push((date, after)),
        }
        sub(left, take, "a payment")
    }
}

/// Every obligation with what was left unpaid of it over time, from the pair's movements in
/// date order (ties in recorded order).
pub fn unpaid(movements: Vec<Movement>) -> Result<Vec<Unpaid>, SettleError> {
    let mut out: Vec<Unpaid> = Vec::new();
    let mut surplus = Decimal::ZERO;
    for m in movements {
        match m {
            Movement::Owed(o) => {
                let take = surplus.min(o.amount);
                surplus = sub(surplus, take, "a surplus of payments")?;
                let left = sub(o.amount, take, "an obligation")?;
                out.push(Unpaid {
                    history: vec![(o.date, left)],
                    obligation: o,
                });
            }
            Movement::Paid {
                date,
                amount,
                reverses,
            } => {
                let mut left = amount;
                if let Some(u) =
                    reverses.and_then(|id| out.iter_mut().find(|u| u.obligation.id == id))
                {
                    left = u.pay(date, left)?;
                }
                let mut order: Vec<usize> = (0..out.len())
                    .filter(|&i| out[i].now() > Decimal::ZERO)
                    .collect();
                order.sort_by_key(|&i| (out[i].obligation.due, i));
                for i in order {
                    if left <= Decimal::ZERO {
                        break;
                    }
                    left = out[i].pay(date, left)?;
                }
                surplus = add(surplus, left, "a surplus of payments")?;
            }
        }
    }
    Ok(out)
}

/// The day interest on `ob` runs from: its due date, or the day its interest is charged up to
/// when that is later.
pub fn interest_start(ob: &Obligation) -> Date {
    ob.charged_to.map_or(ob.due, |c| c.max(ob.due))
}

/// One period of interest on an invoice: its days, the base unpaid through it, and the
/// interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
    pub days: i64,
    pub base: Decimal,
    pub accrued: Accrued,
}

/// The periods of interest on `u` up to `to` (not counted), at `scale`: from its due date, or
/// from the day its interest is charged up to when that is later; split where a payment
/// changes what is unpaid. A period with nothing unpaid, or no day under the day count, is
/// left out. None for an obligation that bears no interest.
pub fn periods(u: &Unpaid, to: Date, scale: u32) -> Result<Vec<Period>, SettleError> {
    let Some(acc) = &u.obligation.accrual else {
        return Ok(Vec::new());
    };
    let start = interest_start(&u.obligation);
    if to <= start {
        return Ok(Vec::new());
    }
    let mut points = vec![(start, u.at(start))];
    points.extend(
        u.history
            .iter()
            .filter(|(d, _)| start < *d && *d < to)
            .copied(),
    );
    let mut out = Vec::new();
    for (k, (from, base)) in points.iter().enumerate() {
        let end = points.get(k + 1).map_or(to, |(d, _)| *d);
        let days = acc.day_count.days(*from, end);
        if *base <= Decimal::ZERO || days <= 0 {
            continue;
        }
        let accrued = interest_of(*base, acc.rate, days, acc.day_count, scale)?;
        out.push(Period {
            from: *from,
            to: end,
            days,
            base: *base,
            accrued,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }
    fn invoice(id: &str, on: &str, due: &str, amount: &str) -> Movement {
        Movement::Owed(Obligation {
            id: id.into(),
            date: date(on),
            due: date(due),
            amount: d(amount),
            accrual: Some(Accrual {
                agreement: "s".into(),
                rate: d("0.06"),
                day_count: DayCount::Act365,
            }),
            charged_to: None,
        })
    }
    fn paid(on: &str, amount: &str, reverses: Option<&str>) -> Movement {
        Movement::Paid {
            date: date(on),
            amount: d(amount),
            reverses: reverses.map(str::to_string),
        }
    }

    #[test]
    fn payments_go_to_the_oldest_due_first_unless_they_reverse_one() {
        let u = unpaid(vec![
            invoice("a", "2014-01-01", "2014-03-01", "100.00"),
            invoice("b", "2014-01-15", "2014-02-01", "50.00"),
            paid("2014-04-01", "70.00", None),
            paid("2014-05-01", "10.00", Some("a")),
        ])
        .unwrap();
        // b fell due first: paid in full, then 20 of a; the reversal takes 10 more off a.
        assert_eq!(u[1].at(date("2014-04-01")), d("0"));
        assert_eq!(u[0].at(date("2014-04-01")), d("80.00"));
        assert_eq!(u[0].at(date("2014-05-01")), d("70.00"));
        // Interest on a: 100 from 03-01 to 04-01 (31 days), 80 to 05-01 (30), 70 to 06-01 (31).
        let p = periods(&u[0], date("2014-06-01"), 2).unwrap();
        let rows: Vec<_> = p
            .iter()
            .map(|p| (p.days, p.base, p.accrued.interest))
            .collect();
        assert_eq!(
            rows,
            [
                (31, d("100.00"), d("0.51")),
                (30, d("80.00"), d("0.39")),
                (31, d("70.00"), d("0.36"))
            ]
        );
    }

    #[test]
    fn a_surplus_pays_the_next_obligation_and_nothing_runs_before_the_due_date() {
        let u = unpaid(vec![
            paid("2014-01-01", "30.00", None),
            invoice("a", "2014-02-01", "2014-03-03", "100.00"),
        ])
        .unwrap();
        assert_eq!(u[0].at(date("2014-02-01")), d("70.00"));
        assert!(periods(&u[0], date("2014-03-03"), 2).unwrap().is_empty());
        assert!(periods(&u[0], date("2014-02-10"), 2).unwrap().is_empty());
        let mut charged = u[0].clone();
        charged.obligation.charged_to = Some(date("2014-04-01"));
        let p = periods(&charged, date("2014-05-01"), 2).unwrap();
        assert_eq!((p[0].from, p[0].days), (date("2014-04-01"), 30));
    }
}
