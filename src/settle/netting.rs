//! Multilateral netting: net positions from debts, the greedy plan that settles them, and the
//! one transaction that records a netting. See ARCHITECTURE.md, "Netting".

use super::error::{add, fmt, overflow, sub, SettleError};
use super::obligations::{cash, payable, posting, receivable, Debt, Entry};
use crate::model::account::AccountType;
use crate::model::amount;
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::transaction::{Posting, Transaction};
use rust_decimal::Decimal;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// Net position per commodity and party: what it is owed less what it owes. Every party that
/// appears in a debt is present, zero included (a cycle cancels to zero).
pub type Positions = BTreeMap<String, BTreeMap<String, Decimal>>;

pub fn positions(debts: &[Debt]) -> Result<Positions, SettleError> {
    let mut out: Positions = BTreeMap::new();
    for d in debts {
        let per = out.entry(d.commodity.clone()).or_default();
        let c = per.entry(d.creditor.clone()).or_default();
        *c = add(*c, d.amount, "a net position")?;
        let x = per.entry(d.debtor.clone()).or_default();
        *x = sub(*x, d.amount, "a net position")?;
    }
    Ok(out)
}

/// One payment of a netting plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub from: String,
    pub to: String,
    pub amount: Decimal,
}

/// Why a netting plan could not be made.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NettingError {
    #[error("net positions sum to {0}, not zero")]
    Unbalanced(Decimal),
    #[error("arithmetic overflow while summing net positions")]
    Overflow,
}

/// (Reverse(amount), party): the first is the largest amount, then the smallest code.
type Queue<'a> = BTreeSet<(Reverse<Decimal>, &'a str)>;

/// **Multilateral netting**: the payments that settle every net position exactly.
///
/// Greedy: the party that owes most pays the party that is owed most, `min` of the two; ties
/// go to the smaller party code, so the plan is deterministic. Each payment brings at least
/// one of the two to zero, and the last brings both (the positions sum to zero), so for `n`
/// parties with non-zero positions the plan has at most `n − 1` payments. The fewest payments
/// is `n − g` for the largest number `g` of disjoint zero-sum groups, which is NP-hard to find
/// (it contains subset sum); see ARCHITECTURE.md, "Netting".
pub fn plan(positions: &BTreeMap<String, Decimal>) -> Result<Vec<Transfer>, NettingError> {
    let (mut payers, mut payees) = queues(positions)?;
    let bound = (payers.len() + payees.len()).saturating_sub(1);
    let mut out = Vec::new();
    while let (Some((Reverse(owes), from)), Some((Reverse(owed), to))) =
        (payers.pop_first(), payees.pop_first())
    {
        let x = owes.min(owed);
        out.push(Transfer {
            from: from.to_string(),
            to: to.to_string(),
            amount: x,
        });
        // Cannot underflow: x is the smaller of two positive amounts.
        if owes > x {
            payers.insert((Reverse(owes - x), from));
        }
        if owed > x {
            payees.insert((Reverse(owed - x), to));
        }
    }
    // The positions sum to zero, so both sides empty together.
    debug_assert!(payers.is_empty() && payees.is_empty());
    debug_assert!(out.len() <= bound);
    Ok(out)
}

/// The parties that owe (payers) and those that are owed (payees), each by what they owe or
/// are owed; refused unless the positions sum to zero.
fn queues(positions: &BTreeMap<String, Decimal>) -> Result<(Queue<'_>, Queue<'_>), NettingError> {
    let mut sum = Decimal::ZERO;
    let mut payers: Queue = BTreeSet::new();
    let mut payees: Queue = BTreeSet::new();
    for (party, v) in positions {
        sum = amount::exact_add(sum, *v, String::new).map_err(|_| NettingError::Overflow)?;
        if v.is_sign_negative() && !v.is_zero() {
            payers.insert((Reverse(-*v), party));
        } else if !v.is_zero() {
            payees.insert((Reverse(*v), party));
        }
    }
    if !sum.is_zero() {
        return Err(NettingError::Unbalanced(sum));
    }
    Ok((payers, payees))
}

/// A [`NettingError`] of `commodity`, in the words of a settlement error.
pub fn netting_error(chart: &Chart, commodity: &str, e: NettingError) -> SettleError {
    match e {
        NettingError::Unbalanced(sum) => SettleError::Unbalanced {
            commodity: commodity.to_string(),
            sum: fmt(chart, sum, commodity),
        },
        NettingError::Overflow => overflow(format!("the net positions in {commodity}")),
    }
}

/// The netting of one commodity: the parties' positions and the plan that settles them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Netting {
    pub commodity: String,
    pub debts: Vec<Debt>,
    pub positions: BTreeMap<String, Decimal>,
    pub plan: Vec<Transfer>,
}

impl Netting {
    /// Net the `debts` in `commodity` (those in other commodities are left out).
    pub fn of(chart: &Chart, commodity: &str, debts: Vec<Debt>) -> Result<Netting, SettleError> {
        let debts: Vec<Debt> = debts
            .into_iter()
            .filter(|d| d.commodity == commodity)
            .collect();
        let positions = positions(&debts)?.remove(commodity).unwrap_or_default();
        let plan = plan(&positions).map_err(|e| netting_error(chart, commodity, e))?;
        Ok(Netting {
            commodity: commodity.to_string(),
            debts,
            positions,
            plan,
        })
    }
    pub fn gross(&self) -> Result<Decimal, SettleError> {
        self.debts
            .iter()
            .try_fold(Decimal::ZERO, |s, d| add(s, d.amount, "gross debts"))
    }
    pub fn settled_by_plan(&self) -> Result<Decimal, SettleError> {
        self.plan
            .iter()
            .try_fold(Decimal::ZERO, |s, x| add(s, x.amount, "plan total"))
    }
}

/// The one transaction that records a netting, from the `balances` (by account and commodity)
/// it nets: every receivable and payable in the commodity closed to zero (the cancellation, a
/// set-off among all parties at once), and the plan's payments through the parties' cash
/// accounts. Party P's closing postings sum to −(its net position) and its cash moves by +(its
/// net position), so every party's own postings balance. Also the cash accounts it moves.
pub fn netting_transaction(
    chart: &Chart,
    balances: &BTreeMap<(String, String), Decimal>,
    n: &Netting,
    date: Date,
    id: Option<String>,
) -> Result<(Transaction, Vec<(String, AccountType)>), SettleError> {
    let x = n.commodity.as_str();
    let mut postings = closing_postings(chart, balances, x)?;
    let mut accounts = Vec::new();
    for t in &n.plan {
        postings.push(posting(&cash(&t.from), -t.amount, x));
        postings.push(posting(&cash(&t.to), t.amount, x));
        accounts.push((cash(&t.from), AccountType::Asset));
        accounts.push((cash(&t.to), AccountType::Asset));
    }
    let mut t = Entry {
        date,
        id,
        memo: None,
    }
    .transaction(
        format!(
            "Netting of {x} obligations: {} debts closed, {} payments",
            n.debts.len(),
            n.plan.len()
        ),
        postings,
    );
    t.tags.push(("netting".to_string(), x.to_string()));
    Ok((t, accounts))
}

/// The postings that close every receivable and payable between declared parties in
/// commodity `x`. Mirrors must hold, or closing the receivables would leave the payables
/// behind: a pair whose receivable and payable do not sum to zero is refused.
fn closing_postings(
    chart: &Chart,
    balances: &BTreeMap<(String, String), Decimal>,
    x: &str,
) -> Result<Vec<Posting>, SettleError> {
    let mut pairs: BTreeMap<(String, String), (Decimal, Decimal)> = BTreeMap::new();
    let mut postings = Vec::new();
    for ((account, commodity), v) in balances {
        if commodity != x {
            continue;
        }
        let mut parts = account.split(':');
        let (Some(a), Some(kind), Some(b)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if !(chart.parties.contains_key(a) && chart.parties.contains_key(b)) {
            continue;
        }
        let slot = match kind {
            "receivable" => &mut pairs.entry((a.to_string(), b.to_string())).or_default().0,
            "payable" => &mut pairs.entry((b.to_string(), a.to_string())).or_default().1,
            _ => continue,
        };
        *slot = add(*slot, *v, "a pair's balance")?;
        postings.push(posting(account, -*v, x));
    }
    for ((c, d), (r, p)) in &pairs {
        let sum = add(*r, *p, "a pair's balance")?;
        if !sum.is_zero() {
            return Err(SettleError::MirrorBroken {
                commodity: x.to_string(),
                account: receivable(c, d),
                mirror: payable(d, c),
                sum: fmt(chart, sum, x),
            });
        }
    }
    Ok(postings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn positions_of(debts: &[(&str, &str, i64)]) -> BTreeMap<String, Decimal> {
        let ds: Vec<Debt> = debts
            .iter()
            .map(|(a, b, v)| Debt {
                debtor: a.to_string(),
                creditor: b.to_string(),
                commodity: "USD".into(),
                amount: Decimal::from(*v),
            })
            .collect();
        positions(&ds).unwrap().remove("USD").unwrap_or_default()
    }

    fn settles(pos: &BTreeMap<String, Decimal>, plan: &[Transfer]) -> bool {
        let mut left = pos.clone();
        for t in plan {
            *left.get_mut(&t.from).unwrap() += t.amount;
            *left.get_mut(&t.to).unwrap() -= t.amount;
        }
        left.values().all(Decimal::is_zero)
    }

    #[test]
    fn pure_cycle_needs_no_payment() {
        let pos = positions_of(&[("IR", "TM", 100), ("TM", "AZ", 100), ("AZ", "IR", 100)]);
        assert!(pos.values().all(Decimal::is_zero));
        assert!(plan(&pos).unwrap().is_empty());
    }

    #[test]
    fn chain_collapses_to_one_payment() {
        let pos = positions_of(&[("IQ", "IR", 100), ("IR", "TM", 100)]);
        let p = plan(&pos).unwrap();
        assert_eq!(
            p,
            vec![Transfer {
                from: "IQ".into(),
                to: "TM".into(),
                amount: d("100")
            }]
        );
    }

    #[test]
    fn cycle_plus_tail() {
        // The cycle IR→TM→AZ→IR cancels 200; what is left is the tail and the cycle's excess.
        let pos = positions_of(&[
            ("IR", "TM", 500),
            ("TM", "AZ", 200),
            ("AZ", "IR", 300),
            ("IQ", "IR", 400),
        ]);
        let p = plan(&pos).unwrap();
        let got: Vec<(&str, &str, Decimal)> = p
            .iter()
            .map(|t| (t.from.as_str(), t.to.as_str(), t.amount))
            .collect();
        assert_eq!(
            got,
            vec![
                ("IQ", "TM", d("300")),
                ("AZ", "IR", d("100")),
                ("IQ", "IR", d("100")),
            ]
        );
        assert!(settles(&pos, &p));
    }

    #[test]
    fn unbalanced_positions_refused() {
        let mut pos = BTreeMap::new();
        pos.insert("A".to_string(), d("1"));
        assert_eq!(plan(&pos), Err(NettingError::Unbalanced(d("1"))));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// For any graph of obligations among up to 8 parties, the plan settles every net
        /// position exactly and has at most n − 1 payments for n non-zero positions.
        #[test]
        fn plan_settles_exactly_in_at_most_n_minus_1(
            edges in prop::collection::vec((0u8..8, 0u8..8, 1i64..1_000_000_000_000, 0u32..3), 0..24)
        ) {
            let debts: Vec<Debt> = edges
                .iter()
                .filter(|(a, b, _, _)| a != b)
                .map(|(a, b, v, s)| Debt {
                    debtor: format!("P{a}"),
                    creditor: format!("P{b}"),
                    commodity: "USD".into(),
                    amount: Decimal::new(*v, *s),
                })
                .collect();
            let pos = positions(&debts).unwrap().remove("USD").unwrap_or_default();
            let p = plan(&pos).unwrap();
            let n = pos.values().filter(|v| !v.is_zero()).count();
            prop_assert!(p.len() <= n.saturating_sub(1), "{} payments for {n} parties", p.len());
            prop_assert!(settles(&pos, &p));
            prop_assert!(p.iter().all(|t| t.amount > Decimal::ZERO && t.from != t.to));
            // Deterministic: the same positions give the same plan.
            prop_assert_eq!(plan(&pos).unwrap(), p);
        }
    }
}
