//! Settlement: obligations between parties, payments, the triangular offset, multilateral
//! netting, the `report debts` data and reconciliation check 6 (offsets within their limits).
//!
//! An obligation of D to C in commodity X is the pair `C:receivable:D` (in the creditor's chart,
//! positive) and `D:payable:C` (in the debtor's, negative). What D owes C is the balance of
//! `C:receivable:D` (and its sub-accounts); check 4 verifies that the payable mirrors it.
//!
//! This module builds transactions and plain data; the store checks and records them, `report`
//! renders the tables. It never prints.

use crate::checks::{Check, Status};
use crate::model::amount::{
    self, format_at_scale, parse_amount, parse_number, Amount, AmountError,
};
use crate::model::date::Date;
use crate::model::ledger::{
    self, Account, AccountType, Agreement, Chart, LedgerError, Posting, Transaction,
};
use crate::reports::query::is_under;
use crate::reports::table::{Cell, Table};
use crate::store::{Added, Balances, Store, StoreError, Writer};
use rust_decimal::Decimal;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// The fields an offset agreement may hold (`limit` or `amount`, not both).
pub const OFFSET_FIELDS: [&str; 7] = [
    "kind",
    "debtor",
    "via",
    "creditor",
    "commodity",
    "limit",
    "amount",
];

#[derive(Debug, Error)]
pub enum SettleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(
        "party {code} is not declared{} (declare it with `party add {code}`)",
        suggest(nearest)
    )]
    UndeclaredParty {
        code: String,
        nearest: Option<String>,
    },
    #[error("{role} and {other_role} must be different parties, both are {code}")]
    SameParty {
        role: &'static str,
        other_role: &'static str,
        code: String,
    },
    #[error("{what} must be positive, found {value} {commodity}")]
    NotPositive {
        what: &'static str,
        value: String,
        commodity: String,
    },
    #[error("{debtor} owes {creditor} {owed} {commodity}; cannot pay {amount} {commodity} (on {date}, counting what is owed at every later date)")]
    Overpay {
        debtor: String,
        creditor: String,
        commodity: String,
        owed: String,
        amount: String,
        date: Date,
    },
    #[error("no agreement named {name}{}", suggest(nearest))]
    NoAgreement {
        name: String,
        nearest: Option<String>,
    },
    #[error("agreement {name}: {why}")]
    BadAgreement { name: String, why: String },
    #[error("offset {agreement} of {amount} {commodity} refused: {}", reasons.join("; "))]
    OffsetRefused {
        agreement: String,
        amount: String,
        commodity: String,
        reasons: Vec<String>,
    },
    #[error("cannot net {commodity}: {account} + {mirror} = {sum}, not zero (reconcile shows every mirrored pair; correct it first)")]
    MirrorBroken {
        commodity: String,
        account: String,
        mirror: String,
        sum: String,
    },
    #[error("net positions in {commodity} sum to {sum}, not zero")]
    Unbalanced { commodity: String, sum: String },
}

fn suggest(nearest: &Option<String>) -> String {
    match nearest {
        Some(n) => format!(" (did you mean {n}?)"),
        None => String::new(),
    }
}

fn overflow(what: impl Into<String>) -> SettleError {
    SettleError::Ledger(LedgerError::Amount(AmountError::Overflow {
        what: what.into(),
    }))
}

fn add(a: Decimal, b: Decimal, what: &str) -> Result<Decimal, SettleError> {
    amount::exact_add(a, b, String::new).map_err(|_| overflow(what))
}

fn sub(a: Decimal, b: Decimal, what: &str) -> Result<Decimal, SettleError> {
    amount::exact_sub(a, b, String::new).map_err(|_| overflow(what))
}

fn scale_of(chart: &Chart, code: &str) -> u32 {
    chart.commodities.get(code).map_or(0, |c| c.scale)
}

fn fmt(chart: &Chart, value: Decimal, code: &str) -> String {
    format_at_scale(value, scale_of(chart, code))
}

/// A declared party, or an error naming the nearest declared one.
pub fn check_party(chart: &Chart, code: &str) -> Result<(), SettleError> {
    if chart.parties.contains_key(code) {
        return Ok(());
    }
    Err(SettleError::UndeclaredParty {
        code: code.to_string(),
        nearest: ledger::nearest(code, chart.parties.keys()),
    })
}

fn check_distinct(a: (&'static str, &str), b: (&'static str, &str)) -> Result<(), SettleError> {
    if a.1 == b.1 {
        return Err(SettleError::SameParty {
            role: a.0,
            other_role: b.0,
            code: a.1.to_string(),
        });
    }
    Ok(())
}

/// An amount a command moves: its commodity declared, its value positive and within scale.
pub fn check_amount(chart: &Chart, what: &'static str, a: &Amount) -> Result<(), SettleError> {
    chart
        .commodity(&a.commodity)?
        .check_scale(a.value)
        .map_err(LedgerError::from)?;
    if a.value <= Decimal::ZERO {
        return Err(SettleError::NotPositive {
            what,
            value: fmt(chart, a.value, &a.commodity),
            commodity: a.commodity.clone(),
        });
    }
    Ok(())
}

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

fn posting(account: &str, value: Decimal, commodity: &str) -> Posting {
    Posting::new(account, Some(Amount::new(value, commodity)))
}

/// Date, id and description of a transaction a command records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub date: Date,
    pub id: Option<String>,
    pub memo: Option<String>,
}

impl Entry {
    fn transaction(&self, default_desc: String, postings: Vec<Posting>) -> Transaction {
        Transaction {
            date: self.date,
            status: ledger::Status::Cleared,
            code: None,
            description: self.memo.clone().unwrap_or(default_desc),
            tags: Vec::new(),
            id: self.id.clone(),
            postings,
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
    check: impl FnOnce(&mut Writer) -> Result<(), SettleError>,
) -> Result<Added, SettleError> {
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

/// `debt add`: the obligation on both sides, `C:receivable:D +N` and `D:payable:C -N`.
pub fn debt_transaction(debtor: &str, creditor: &str, amount: &Amount, e: &Entry) -> Transaction {
    e.transaction(
        format!("Debt: {debtor} owes {creditor}"),
        vec![
            posting(
                &receivable(creditor, debtor),
                amount.value,
                &amount.commodity,
            ),
            posting(&payable(debtor, creditor), -amount.value, &amount.commodity),
        ],
    )
}

/// Record that `debtor` owes `creditor` `amount`, opening both accounts when missing.
pub fn add_debt(
    store: &mut Store,
    debtor: &str,
    creditor: &str,
    amount: &Amount,
    e: &Entry,
) -> Result<Added, SettleError> {
    let chart = store.chart();
    check_party(chart, debtor)?;
    check_party(chart, creditor)?;
    check_distinct(("the debtor", debtor), ("the creditor", creditor))?;
    check_amount(chart, "a debt", amount)?;
    let accounts = [
        (receivable(creditor, debtor), AccountType::Asset),
        (payable(debtor, creditor), AccountType::Liability),
    ];
    let t = debt_transaction(debtor, creditor, amount, e);
    record(store, t, &accounts, |_| Ok(()))
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

/// Record a payment that settles (part of) what `from` owes `to`; paying more than is owed is
/// refused, saying how much is owed.
pub fn pay(
    store: &mut Store,
    from: &str,
    to: &str,
    amount: &Amount,
    e: &Entry,
) -> Result<Added, SettleError> {
    let chart = store.chart();
    check_party(chart, from)?;
    check_party(chart, to)?;
    check_distinct(("the payer", from), ("the payee", to))?;
    check_amount(chart, "a payment", amount)?;
    let accounts = [
        (payable(from, to), AccountType::Liability),
        (cash(from), AccountType::Asset),
        (cash(to), AccountType::Asset),
        (receivable(to, from), AccountType::Asset),
    ];
    let t = payment_transaction(from, to, amount, e);
    record(store, t, &accounts, |w| {
        let owed = w.owed_from(&receivable(to, from), &amount.commodity, e.date)?;
        if amount.value > owed {
            return Err(SettleError::Overpay {
                debtor: from.to_string(),
                creditor: to.to_string(),
                commodity: amount.commodity.clone(),
                owed: fmt(w.chart(), owed, &amount.commodity),
                amount: fmt(w.chart(), amount.value, &amount.commodity),
                date: e.date,
            });
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// The triangular offset.

/// The terms of an offset agreement: `debtor` owes `via`, `via` owes `creditor`; `via` assigns
/// its claim on `debtor` to `creditor`, at most `limit` in total over every offset under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetTerms {
    pub name: String,
    pub debtor: String,
    pub via: String,
    pub creditor: String,
    pub commodity: String,
    /// The `limit` (or `amount`) field: the most that may be assigned in total.
    pub limit: Decimal,
}

impl OffsetTerms {
    /// What the debtor owes the intermediary: the claim that is assigned.
    pub fn claim_account(&self) -> String {
        receivable(&self.via, &self.debtor)
    }
    /// What the intermediary owes the creditor: the debt that shrinks.
    pub fn debt_account(&self) -> String {
        receivable(&self.creditor, &self.via)
    }
    /// The six accounts of an offset, with their types.
    pub fn accounts(&self) -> [(String, AccountType); 6] {
        let (d, v, c) = (&self.debtor, &self.via, &self.creditor);
        [
            (payable(d, v), AccountType::Liability),
            (payable(d, c), AccountType::Liability),
            (receivable(v, d), AccountType::Asset),
            (payable(v, c), AccountType::Liability),
            (receivable(c, d), AccountType::Asset),
            (receivable(c, v), AccountType::Asset),
        ]
    }
}

/// Whether an agreement is an offset (`kind offset`).
pub fn is_offset(a: &Agreement) -> bool {
    a.field("kind") == Some("offset")
}

/// Read and validate an offset agreement's fields against the chart: every field known and
/// given once, the three parties declared and distinct, the commodity declared, the limit a
/// positive number at the commodity's scale (`1600000000.00`, or with its code).
pub fn offset_terms(a: &Agreement, chart: &Chart) -> Result<OffsetTerms, SettleError> {
    let bad = |why: String| SettleError::BadAgreement {
        name: a.name.clone(),
        why,
    };
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (k, _) in &a.fields {
        if !OFFSET_FIELDS.contains(&k.as_str()) {
            let known: Vec<String> = OFFSET_FIELDS.iter().map(|s| s.to_string()).collect();
            let hint = ledger::nearest(k, known.iter())
                .map(|n| format!(" (did you mean {n}?)"))
                .unwrap_or_default();
            return Err(bad(format!(
                "unknown field {k:?} for an offset{hint}; expected {}",
                OFFSET_FIELDS.join(", ")
            )));
        }
        if !seen.insert(k) {
            return Err(bad(format!("field {k} is given twice")));
        }
    }
    if !is_offset(a) {
        return Err(bad(format!(
            "expected kind offset, found {:?}",
            a.field("kind").unwrap_or("")
        )));
    }
    let field = |k: &str| {
        a.field(k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad(format!("an offset needs the field {k}")))
    };
    let (debtor, via, creditor) = (field("debtor")?, field("via")?, field("creditor")?);
    for p in [debtor, via, creditor] {
        check_party(chart, p).map_err(|e| bad(e.to_string()))?;
    }
    for (x, y) in [
        (("the debtor", debtor), ("the intermediary (via)", via)),
        (("the debtor", debtor), ("the creditor", creditor)),
        (("the intermediary (via)", via), ("the creditor", creditor)),
    ] {
        check_distinct(x, y).map_err(|e| bad(e.to_string()))?;
    }
    let code = field("commodity")?;
    let commodity = chart.commodity(code).map_err(|e| bad(e.to_string()))?;
    let (key, text) = match (a.field("limit"), a.field("amount")) {
        (Some(_), Some(_)) => return Err(bad("give a limit or an amount, not both".into())),
        (Some(l), None) => ("limit", l.trim()),
        (None, Some(m)) => ("amount", m.trim()),
        (None, None) => return Err(bad("an offset needs the field limit (or amount)".into())),
    };
    let limit = match parse_number(text) {
        Ok(v) => v,
        Err(_) => match parse_amount(text) {
            Ok(am) if am.commodity == code => am.value,
            Ok(am) => {
                return Err(bad(format!(
                    "{key} {text:?} is in {}, the agreement's commodity is {code}",
                    am.commodity
                )))
            }
            Err(e) => return Err(bad(format!("{key}: {e}"))),
        },
    };
    commodity
        .check_scale(limit)
        .map_err(|e| bad(format!("{key}: {e}")))?;
    if limit <= Decimal::ZERO {
        return Err(bad(format!(
            "{key} must be positive, found {}",
            commodity.format(limit)
        )));
    }
    Ok(OffsetTerms {
        name: a.name.clone(),
        debtor: debtor.to_string(),
        via: via.to_string(),
        creditor: creditor.to_string(),
        commodity: code.to_string(),
        limit,
    })
}

/// Validate an agreement when it is an offset; any other kind is another module's business.
/// Import and `agreement add` call this before they store an agreement.
pub fn validate_agreement(a: &Agreement, chart: &Chart) -> Result<(), SettleError> {
    if is_offset(a) {
        offset_terms(a, chart)?;
    }
    Ok(())
}

/// An offset agreement built from command-line values (for `agreement add --kind offset`),
/// validated like the directive.
pub fn offset_agreement(
    chart: &Chart,
    name: &str,
    debtor: &str,
    via: &str,
    creditor: &str,
    commodity: &str,
    limit: Decimal,
) -> Result<Agreement, SettleError> {
    let scale = scale_of(chart, commodity);
    let a = Agreement {
        name: name.to_string(),
        fields: vec![
            ("kind".into(), "offset".into()),
            ("debtor".into(), debtor.into()),
            ("via".into(), via.into()),
            ("creditor".into(), creditor.into()),
            ("commodity".into(), commodity.into()),
            ("limit".into(), format_at_scale(limit, scale)),
        ],
    };
    offset_terms(&a, chart)?;
    Ok(a)
}

/// The offset transaction: the debtor's debt to the intermediary becomes a debt to the
/// creditor, the intermediary's claim on the debtor is used up, the intermediary's debt to the
/// creditor shrinks by the same amount. Every party's own postings sum to zero.
pub fn offset_transaction(terms: &OffsetTerms, value: Decimal, e: &Entry) -> Transaction {
    let (d, v, c, x) = (
        &terms.debtor,
        &terms.via,
        &terms.creditor,
        terms.commodity.as_str(),
    );
    let mut t = e.transaction(
        format!("Offset: {v} assigns its claim on {d} to {c}"),
        vec![
            posting(&payable(d, v), value, x),
            posting(&payable(d, c), -value, x),
            posting(&receivable(v, d), -value, x),
            posting(&payable(v, c), value, x),
            posting(&receivable(c, d), value, x),
            posting(&receivable(c, v), -value, x),
        ],
    );
    t.tags.push(("agreement".to_string(), terms.name.clone()));
    t
}

/// The offset agreement `name` from the store, validated.
pub fn stored_offset(store: &Store, name: &str) -> Result<OffsetTerms, SettleError> {
    let a = store
        .agreements()
        .get(name)
        .ok_or_else(|| SettleError::NoAgreement {
            name: name.to_string(),
            nearest: ledger::nearest(name, store.agreements().keys()),
        })?;
    offset_terms(a, store.chart())
}

/// What one offset transaction did: the claim used (decrease of `V:receivable:D`) and the debt
/// reduced (decrease of `C:receivable:V`).
pub fn offset_legs(
    terms: &OffsetTerms,
    t: &Transaction,
) -> Result<(Decimal, Decimal), SettleError> {
    let (claim, debt) = (terms.claim_account(), terms.debt_account());
    let (mut used, mut reduced) = (Decimal::ZERO, Decimal::ZERO);
    for p in &t.postings {
        let Some(a) = &p.amount else { continue };
        if a.commodity != terms.commodity {
            continue;
        }
        if is_under(&p.account, &claim) {
            used = sub(used, a.value, "an offset's assigned claim")?;
        }
        if is_under(&p.account, &debt) {
            reduced = sub(reduced, a.value, "an offset's reduced debt")?;
        }
    }
    Ok((used, reduced))
}

/// The total assigned so far under an offset agreement (every transaction tagged with it).
pub fn assigned(store: &Store, terms: &OffsetTerms) -> Result<Decimal, SettleError> {
    let mut total = Decimal::ZERO;
    let mut err = None;
    store.for_each_txn(|_, t| {
        if t.tag("agreement") == Some(terms.name.as_str()) {
            match offset_legs(terms, &t).and_then(|(u, _)| add(total, u, "assigned total")) {
                Ok(v) => total = v,
                Err(e) => err = Some(e),
            }
        }
        Ok(())
    })?;
    match err {
        Some(e) => Err(e),
        None => Ok(total),
    }
}

/// Record an offset under agreement `name`. Refused, naming each excess, beyond the
/// agreement's limit (counting earlier offsets under it), beyond what the debtor owes the
/// intermediary, and beyond what the intermediary owes the creditor.
pub fn offset(
    store: &mut Store,
    name: &str,
    amount: &Amount,
    e: &Entry,
) -> Result<(OffsetTerms, Added), SettleError> {
    let terms = stored_offset(store, name)?;
    let chart = store.chart();
    check_amount(chart, "an offset", amount)?;
    if amount.commodity != terms.commodity {
        return Err(SettleError::BadAgreement {
            name: name.to_string(),
            why: format!(
                "the offset is in {}, the amount given is in {}",
                terms.commodity, amount.commodity
            ),
        });
    }
    let used = assigned(store, &terms)?;
    let t = offset_transaction(&terms, amount.value, e);
    let added = record(store, t, &terms.accounts(), |w| {
        let owed_at_date = [
            w.owed_from(&terms.claim_account(), &terms.commodity, e.date)?,
            w.owed_from(&terms.debt_account(), &terms.commodity, e.date)?,
        ];
        let f = |v: Decimal| fmt(w.chart(), v, &terms.commodity);
        let x = &terms.commodity;
        let value = amount.value;
        let mut reasons = Vec::new();
        let total = add(used, value, "assigned total")?;
        if total > terms.limit {
            reasons.push(format!(
                "it exceeds the agreement's limit by {} {x} (limit {} {x}, {} {x} assigned already)",
                f(sub(total, terms.limit, "excess")?),
                f(terms.limit),
                f(used)
            ));
        }
        for (owed, debtor, creditor) in [
            (owed_at_date[0], &terms.debtor, &terms.via),
            (owed_at_date[1], &terms.via, &terms.creditor),
        ] {
            if value > owed {
                reasons.push(format!(
                    "it exceeds what {debtor} owes {creditor} by {} {x} ({debtor} owes {creditor} {} {x})",
                    f(sub(value, owed, "excess")?),
                    f(owed)
                ));
            }
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(SettleError::OffsetRefused {
                agreement: terms.name.clone(),
                amount: f(value),
                commodity: x.clone(),
                reasons,
            })
        }
    })?;
    Ok((terms, added))
}

// ---------------------------------------------------------------------------------------------
// Obligations, net positions, netting.

/// One obligation: `debtor` owes `creditor` `amount` (positive) of `commodity`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Debt {
    pub debtor: String,
    pub creditor: String,
    pub commodity: String,
    pub amount: Decimal,
}

/// `C:receivable:D` or one of its sub-accounts, with C and D declared parties: `(C, D)`.
pub fn obligation_of<'a>(account: &'a str, chart: &Chart) -> Option<(&'a str, &'a str)> {
    let mut parts = account.split(':');
    let (c, kind, d) = (parts.next()?, parts.next()?, parts.next()?);
    (kind == "receivable" && chart.parties.contains_key(c) && chart.parties.contains_key(d))
        .then_some((c, d))
}

/// Every non-zero debt, from the creditors' receivables, sorted by debtor, creditor,
/// commodity. A negative receivable (the creditor was overpaid) is a debt the other way.
pub fn debts(chart: &Chart, balances: &Balances) -> Result<Vec<Debt>, SettleError> {
    let mut sums: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for ((account, commodity), v) in balances {
        let Some((c, d)) = obligation_of(account, chart) else {
            continue;
        };
        let (key, v) = if v.is_sign_negative() {
            ((c.to_string(), d.to_string(), commodity.clone()), -*v)
        } else {
            ((d.to_string(), c.to_string(), commodity.clone()), *v)
        };
        let slot = sums.entry(key).or_default();
        *slot = add(*slot, v, "the sum of a pair's receivables")?;
    }
    Ok(sums
        .into_iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|((debtor, creditor, commodity), amount)| Debt {
            debtor,
            creditor,
            commodity,
            amount,
        })
        .collect())
}

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

/// **Multilateral netting**: the payments that settle every net position exactly.
///
/// Greedy: the party that owes most pays the party that is owed most, `min` of the two; ties
/// go to the smaller party code, so the plan is deterministic. Each payment brings at least
/// one of the two to zero, and the last brings both (the positions sum to zero), so for `n`
/// parties with non-zero positions the plan has at most `n − 1` payments. The fewest payments
/// is `n − g` for the largest number `g` of disjoint zero-sum groups, which is NP-hard to find
/// (it contains subset sum); see ARCHITECTURE.md, "Netting".
pub fn plan(positions: &BTreeMap<String, Decimal>) -> Result<Vec<Transfer>, NettingError> {
    let mut sum = Decimal::ZERO;
    // (Reverse(amount), party): the first is the largest amount, then the smallest code.
    let mut payers: BTreeSet<(Reverse<Decimal>, &str)> = BTreeSet::new();
    let mut payees: BTreeSet<(Reverse<Decimal>, &str)> = BTreeSet::new();
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

/// Balances now, or at the end of `as_of`.
fn balances_at(store: &Store, as_of: Option<Date>) -> Result<Balances, StoreError> {
    match as_of {
        Some(d) => store.balances_as_of(d),
        None => store.balances(),
    }
}

/// What `report debts` shows: every debt, the net positions, and per commodity the netting
/// plan that would settle them (the debts after netting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtReport {
    pub debts: Vec<Debt>,
    pub positions: Positions,
    pub plans: BTreeMap<String, Vec<Transfer>>,
}

pub fn debt_report(store: &Store, as_of: Option<Date>) -> Result<DebtReport, SettleError> {
    let debts = debts(store.chart(), &balances_at(store, as_of)?)?;
    let positions = positions(&debts)?;
    let mut plans = BTreeMap::new();
    for (commodity, per) in &positions {
        let p = plan(per).map_err(|e| netting_error(store.chart(), commodity, e))?;
        plans.insert(commodity.clone(), p);
    }
    Ok(DebtReport {
        debts,
        positions,
        plans,
    })
}

fn netting_error(chart: &Chart, commodity: &str, e: NettingError) -> SettleError {
    match e {
        NettingError::Unbalanced(sum) => SettleError::Unbalanced {
            commodity: commodity.to_string(),
            sum: fmt(chart, sum, commodity),
        },
        NettingError::Overflow => overflow(format!("the net positions in {commodity}")),
    }
}

impl DebtReport {
    /// `debtor,creditor,commodity,amount`, one row per pair with a non-zero debt.
    pub fn debts_table(&self, chart: &Chart) -> Table {
        let mut t = Table::new(&["debtor", "creditor", "commodity", "amount"]);
        for d in &self.debts {
            t.push(vec![
                d.debtor.clone().into(),
                d.creditor.clone().into(),
                d.commodity.clone().into(),
                Cell::Amount(d.amount, scale_of(chart, &d.commodity)),
            ]);
        }
        t
    }

    /// `party,commodity,net`: receivables − payables, by party then commodity.
    pub fn positions_table(&self, chart: &Chart) -> Table {
        let mut rows: Vec<(&String, &String, Decimal)> = Vec::new();
        for (commodity, per) in &self.positions {
            for (party, v) in per {
                rows.push((party, commodity, *v));
            }
        }
        rows.sort();
        let mut t = Table::new(&["party", "commodity", "net"]);
        for (party, commodity, v) in rows {
            t.push(vec![
                party.clone().into(),
                commodity.clone().into(),
                Cell::Amount(v, scale_of(chart, commodity)),
            ]);
        }
        t
    }

    /// `from,to,commodity,amount`: the netting plans of every commodity.
    pub fn plans_table(&self, chart: &Chart) -> Table {
        let mut t = plan_table_header();
        for (commodity, p) in &self.plans {
            push_plan(&mut t, chart, commodity, p);
        }
        t
    }
}

fn plan_table_header() -> Table {
    Table::new(&["from", "to", "commodity", "amount"])
}

fn push_plan(t: &mut Table, chart: &Chart, commodity: &str, plan: &[Transfer]) {
    for x in plan {
        t.push(vec![
            x.from.clone().into(),
            x.to.clone().into(),
            commodity.to_string().into(),
            Cell::Amount(x.amount, scale_of(chart, commodity)),
        ]);
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
    pub fn plan_table(&self, chart: &Chart) -> Table {
        let mut t = plan_table_header();
        push_plan(&mut t, chart, &self.commodity, &self.plan);
        t
    }
    pub fn positions_table(&self, chart: &Chart) -> Table {
        let mut t = Table::new(&["party", "commodity", "net"]);
        for (party, v) in &self.positions {
            t.push(vec![
                party.clone().into(),
                self.commodity.clone().into(),
                Cell::Amount(*v, scale_of(chart, &self.commodity)),
            ]);
        }
        t
    }
}

/// Net every obligation in `commodity` (now, or at the end of `as_of`).
pub fn netting(
    store: &Store,
    commodity: &str,
    as_of: Option<Date>,
) -> Result<Netting, SettleError> {
    store.chart().commodity(commodity)?;
    let debts: Vec<Debt> = debts(store.chart(), &balances_at(store, as_of)?)?
        .into_iter()
        .filter(|d| d.commodity == commodity)
        .collect();
    let positions = positions(&debts)?.remove(commodity).unwrap_or_default();
    let plan = plan(&positions).map_err(|e| netting_error(store.chart(), commodity, e))?;
    Ok(Netting {
        commodity: commodity.to_string(),
        debts,
        positions,
        plan,
    })
}

/// The one transaction that records a netting: every receivable and payable in the commodity
/// closed to zero (the cancellation, a set-off among all parties at once), and the plan's
/// payments through the parties' cash accounts. Party P's closing postings sum to −(its net
/// position) and its cash moves by +(its net position), so every party's own postings balance.
pub fn netting_transaction(
    store: &Store,
    n: &Netting,
    date: Date,
    id: Option<String>,
) -> Result<(Transaction, Vec<(String, AccountType)>), SettleError> {
    let chart = store.chart();
    let x = n.commodity.as_str();
    let balances = store.balances()?;
    // Mirrors must hold, or closing the receivables would leave the payables behind.
    let mut pairs: BTreeMap<(String, String), (Decimal, Decimal)> = BTreeMap::new();
    let mut postings = Vec::new();
    for ((account, commodity), v) in &balances {
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

/// `net --record`: record the netting of `commodity` as one balanced transaction, after which
/// no debt in it is left. `None` when there is nothing to net.
pub fn record_netting(
    store: &mut Store,
    commodity: &str,
    date: Date,
    id: Option<String>,
) -> Result<Option<(Netting, Added)>, SettleError> {
    let n = netting(store, commodity, None)?;
    if n.debts.is_empty() {
        return Ok(None);
    }
    let (t, accounts) = netting_transaction(store, &n, date, id)?;
    let added = record(store, t, &accounts, |_| Ok(()))?;
    Ok(Some((n, added)))
}

// ---------------------------------------------------------------------------------------------
// Check 6.

/// Reconciliation check 6, a `reconcile::Plugin`: for every offset agreement, the total it
/// assigned against its limit; for every transaction tagged with it, the claim it used against
/// what the debtor owed the intermediary just before it, and the debt it reduced against what
/// the intermediary owed the creditor just before it. "Just before" is in recorded order (the
/// order `offset` checked it in); with `as_of`, transactions dated after it are left out.
/// `expected` is what was available, `actual` what was assigned, `difference` the excess.
pub fn check_offsets(store: &Store, as_of: Option<Date>) -> Result<Vec<Check>, StoreError> {
    let chart = store.chart();
    let mut out = Vec::new();
    let mut terms: Vec<OffsetTerms> = Vec::new();
    for a in store.agreements().values().filter(|a| is_offset(a)) {
        match offset_terms(a, chart) {
            Ok(t) => terms.push(t),
            Err(e) => out.push(Check {
                check: "offset-terms",
                subject: a.name.clone(),
                expected: Cell::Text(String::new()),
                actual: Cell::Text(String::new()),
                difference: Cell::Text(e.to_string()),
                status: Status::Mismatch,
            }),
        }
    }
    if terms.is_empty() {
        return Ok(out);
    }
    let watched: BTreeSet<(String, String)> = terms
        .iter()
        .flat_map(|t| {
            [
                (t.claim_account(), t.commodity.clone()),
                (t.debt_account(), t.commodity.clone()),
            ]
        })
        .collect();
    let mut running: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    let mut totals: Vec<Decimal> = vec![Decimal::ZERO; terms.len()];
    let damaged = |e: SettleError| StoreError::Damaged(format!("check 6: {e}"));
    store.for_each_txn(|_, t| {
        if as_of.is_some_and(|d| t.date > d) {
            return Ok(());
        }
        if let Some(i) = t
            .tag("agreement")
            .and_then(|name| terms.iter().position(|x| x.name == name))
        {
            let x = &terms[i];
            let (used, reduced) = offset_legs(x, &t).map_err(damaged)?;
            totals[i] = add(totals[i], used, "assigned total").map_err(damaged)?;
            let before = |acct: String| {
                running
                    .iter()
                    .filter(|((a, c), _)| c == &x.commodity && is_under(a, &acct))
                    .try_fold(Decimal::ZERO, |s, (_, v)| add(s, *v, "a balance"))
            };
            let owed_claim = before(x.claim_account()).map_err(damaged)?;
            let owed_debt = before(x.debt_account()).map_err(damaged)?;
            let what = t.id.clone().unwrap_or_else(|| t.description.clone());
            let scale = scale_of(chart, &x.commodity);
            out.push(excess_check(
                "offset-claim",
                format!(
                    "{} {what} ({}): assigned vs what {} owed {}",
                    x.name, t.date, x.debtor, x.via
                ),
                owed_claim,
                used,
                scale,
            ));
            out.push(excess_check(
                "offset-debt",
                format!(
                    "{} {what} ({}): assigned vs what {} owed {}",
                    x.name, t.date, x.via, x.creditor
                ),
                owed_debt,
                reduced,
                scale,
            ));
        }
        for p in &t.postings {
            let Some(a) = &p.amount else { continue };
            if watched
                .iter()
                .any(|(w, c)| c == &a.commodity && is_under(&p.account, w))
            {
                let slot = running
                    .entry((p.account.clone(), a.commodity.clone()))
                    .or_default();
                *slot = add(*slot, a.value, "a balance").map_err(damaged)?;
            }
        }
        Ok(())
    })?;
    for (x, total) in terms.iter().zip(totals) {
        out.push(excess_check(
            "offset-limit",
            format!("{}: total assigned vs limit", x.name),
            x.limit,
            total,
            scale_of(chart, &x.commodity),
        ));
    }
    Ok(out)
}

/// `actual` against the most it may be (`expected`): the difference is actual − expected, as in
/// every check row (negative while within); a mismatch when it is above zero.
fn excess_check(
    check: &'static str,
    subject: String,
    expected: Decimal,
    actual: Decimal,
    scale: u32,
) -> Check {
    let (difference, within) = match amount::exact_sub(actual, expected, String::new) {
        Ok(d) => (Cell::Amount(d, scale), d <= Decimal::ZERO),
        Err(_) => (Cell::Text("beyond the exact range".into()), false),
    };
    Check {
        check,
        subject,
        expected: Cell::Amount(expected, scale),
        actual: Cell::Amount(actual, scale),
        difference,
        status: if within { Status::Ok } else { Status::Mismatch },
    }
}

/// `amount::format_grouped` at a commodity's scale (for sentences meant for people).
pub fn format_grouped(chart: &Chart, value: Decimal, commodity: &str) -> String {
    amount::format_grouped(value, scale_of(chart, commodity))
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

    fn agreement(fields: &[(&str, &str)]) -> Agreement {
        Agreement {
            name: "iq-ir-tm".into(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn chart() -> Chart {
        let mut c = Chart::default();
        for p in ["IQ", "IR", "TM"] {
            c.parties.insert(
                p.into(),
                ledger::Party {
                    code: p.into(),
                    name: None,
                },
            );
        }
        c.commodities.insert(
            "USD".into(),
            amount::Commodity {
                code: "USD".into(),
                kind: amount::Kind::Money,
                scale: 2,
            },
        );
        c
    }

    const GOOD: [(&str, &str); 6] = [
        ("kind", "offset"),
        ("debtor", "IQ"),
        ("via", "IR"),
        ("creditor", "TM"),
        ("commodity", "USD"),
        ("limit", "1600000000.00"),
    ];

    #[test]
    fn offset_terms_valid() {
        let t = offset_terms(&agreement(&GOOD), &chart()).unwrap();
        assert_eq!(t.limit, d("1600000000"));
        assert_eq!(t.claim_account(), "IR:receivable:IQ");
        assert_eq!(t.debt_account(), "TM:receivable:IR");
        let mut with_code = GOOD;
        with_code[5] = ("amount", "1,600,000,000 USD");
        assert_eq!(
            offset_terms(&agreement(&with_code), &chart())
                .unwrap()
                .limit,
            d("1600000000")
        );
    }

    #[test]
    fn offset_terms_refused() {
        let cases: [(usize, (&str, &str), &str); 7] = [
            (1, ("debtor", "XX"), "party XX is not declared"),
            (2, ("via", "IQ"), "must be different parties, both are IQ"),
            (4, ("commodity", "EUR"), "commodity EUR is not declared"),
            (5, ("limit", "0"), "limit must be positive"),
            (
                5,
                ("limit", "1.001"),
                "has 3 decimal places but USD allows 2",
            ),
            (
                5,
                ("limt", "1"),
                "unknown field \"limt\" for an offset (did you mean limit?)",
            ),
            (
                5,
                ("limit", "1 EUR"),
                "is in EUR, the agreement's commodity is USD",
            ),
        ];
        for (i, field, needle) in cases {
            let mut f = GOOD;
            f[i] = field;
            let e = offset_terms(&agreement(&f), &chart())
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{field:?}: {e}");
            assert!(e.starts_with("agreement iq-ir-tm: "), "{e}");
        }
        let e = offset_terms(&agreement(&GOOD[..5]), &chart()).unwrap_err();
        assert!(e.to_string().contains("needs the field limit"), "{e}");
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
