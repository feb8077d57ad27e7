//! Reconciliation check 6: offsets within their limits and within what was owed.

use crate::checks::{Check, CheckError, CheckKind, Status};
use crate::model::account::is_under;
use crate::model::amount;
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::transaction::Transaction;
use crate::reports::table::Cell;
use crate::settle::{is_offset, offset_legs, offset_terms, OffsetTerms};
use crate::store::Store;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// Reconciliation check 6: for every offset agreement, the total it
/// assigned against its limit; for every transaction tagged with it, the claim it used against
/// what the debtor owed the intermediary just before it, and the debt it reduced against what
/// the intermediary owed the creditor just before it. "Just before" is in recorded order (the
/// order `offset` checked it in); with `as_of`, transactions dated after it are left out.
/// `expected` is what was available, `actual` what was assigned, `difference` the excess.
///
/// Its own failure is a sum beyond the exact range, or a commodity the chart does not hold:
/// `CheckError::Ledger`.
pub fn check_offsets(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, CheckError> {
    let chart = store.chart();
    let (mut out, terms) = offset_agreements(store);
    if terms.is_empty() {
        return Ok(out);
    }
    let mut replay = Replay::new(&terms);
    store.for_each_txn(|_, t| {
        if as_of.is_some_and(|d| t.date > d) {
            return Ok(());
        }
        out.extend(replay.offset_rows(chart, &t)?);
        replay.count(&t)?;
        Ok(())
    })?;
    for (x, total) in terms.iter().zip(replay.totals) {
        out.push(Check::within(
            CheckKind::OffsetLimit,
            format!("{}: total assigned vs limit", x.name),
            x.limit,
            total,
            chart.scale_of(&x.commodity)?,
        )?);
    }
    Ok(out)
}

/// The terms of every valid offset agreement, and an `offset-terms` row for each invalid one.
fn offset_agreements(store: &Store) -> (Vec<Check>, Vec<OffsetTerms>) {
    let mut out = Vec::new();
    let mut terms = Vec::new();
    for a in store.agreements().values().filter(|a| is_offset(a)) {
        match offset_terms(a, store.chart()) {
            Ok(t) => terms.push(t),
            Err(e) => out.push(Check {
                check: CheckKind::OffsetTerms,
                subject: a.name.clone(),
                expected: Cell::Text(String::new()),
                actual: Cell::Text(String::new()),
                difference: Cell::Text(e.to_string()),
                status: Status::Mismatch,
            }),
        }
    }
    (out, terms)
}

/// The journal replayed in recorded order: the running balances of the accounts the offsets
/// watch (each claim and debt account, sub-accounts included), and each agreement's total.
struct Replay<'a> {
    terms: &'a [OffsetTerms],
    watched: BTreeSet<(String, String)>,
    running: BTreeMap<(String, String), Decimal>,
    totals: Vec<Decimal>,
}

impl<'a> Replay<'a> {
    fn new(terms: &'a [OffsetTerms]) -> Self {
        let watched = terms
            .iter()
            .flat_map(|t| {
                [
                    (t.claim_account(), t.commodity.clone()),
                    (t.debt_account(), t.commodity.clone()),
                ]
            })
            .collect();
        Replay {
            terms,
            watched,
            running: BTreeMap::new(),
            totals: vec![Decimal::ZERO; terms.len()],
        }
    }

    /// What `account` (and its sub-accounts) held in the agreement's commodity before `t`.
    fn before(&self, x: &OffsetTerms, account: &str) -> Result<Decimal, LedgerError> {
        self.running
            .iter()
            .filter(|((a, c), _)| c == &x.commodity && is_under(a, account))
            .try_fold(Decimal::ZERO, |s, (_, v)| {
                amount::exact_add(s, *v, || "a balance".into()).map_err(LedgerError::from)
            })
    }

    /// The `offset-claim` and `offset-debt` rows of `t` when it is tagged with an offset
    /// agreement (none otherwise); adds what it assigned to that agreement's total.
    fn offset_rows(&mut self, chart: &Chart, t: &Transaction) -> Result<Vec<Check>, LedgerError> {
        let terms = self.terms;
        let Some(i) = t
            .tag("agreement")
            .and_then(|name| terms.iter().position(|x| x.name == name))
        else {
            return Ok(Vec::new());
        };
        let x = &terms[i];
        let (used, reduced) = offset_legs(x, t)?;
        self.totals[i] = amount::exact_add(self.totals[i], used, || "assigned total".into())?;
        let owed_claim = self.before(x, &x.claim_account())?;
        let owed_debt = self.before(x, &x.debt_account())?;
        let what = t.id.clone().unwrap_or_else(|| t.description.clone());
        let scale = chart.scale_of(&x.commodity)?;
        let subject = |d: &str, c: &str| {
            format!(
                "{} {what} ({}): assigned vs what {d} owed {c}",
                x.name, t.date
            )
        };
        Ok(vec![
            Check::within(
                CheckKind::OffsetClaim,
                subject(&x.debtor, &x.via),
                owed_claim,
                used,
                scale,
            )?,
            Check::within(
                CheckKind::OffsetDebt,
                subject(&x.via, &x.creditor),
                owed_debt,
                reduced,
                scale,
            )?,
        ])
    }

    /// Add `t`'s postings on the watched accounts to the running balances.
    fn count(&mut self, t: &Transaction) -> Result<(), LedgerError> {
        for p in &t.postings {
            let Some(a) = &p.amount else { continue };
            if self
                .watched
                .iter()
                .any(|(w, c)| c == &a.commodity && is_under(&p.account, w))
            {
                let slot = self
                    .running
                    .entry((p.account.clone(), a.commodity.clone()))
                    .or_default();
                *slot = amount::exact_add(*slot, a.value, || "a balance".into())?;
            }
        }
        Ok(())
    }
}
