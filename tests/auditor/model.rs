//! The auditor's model: what the ledger should hold, kept here with plain `Decimal` arithmetic
//! and none of gasledger's code. Balances per (account, commodity); every transaction recorded
//! with an id, with what makes its content; which were reversed; the history by date of every
//! obligation account (`C:receivable:D`, `D:payable:C`), from which what each debtor owes each
//! creditor follows; what the offset agreement assigned. It knows the postings of each command
//! by the rules in docs/concepts.md ("Each party's side") and the refusals of docs/rulebook.md
//! and the obligation rule (a reduction must be owed at its date and at every later one).

use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::{BTreeMap, BTreeSet};

pub const PARTIES: [&str; 4] = ["TM", "IR", "AZ", "IQ"];
/// Code and scale.
pub const COMMODITIES: [(&str, u32); 3] = [("mcm", 3), ("USD", 2), ("EUR", 2)];
/// The swap: TM delivers into IR, IR delivers to AZ; a fee in kind on each entry leg.
pub const SWAP: &str = "tm-ir-az";
pub const SUPPLIER: &str = "TM";
pub const HUB: &str = "IR";
pub const RECEIVER: &str = "AZ";
/// The swap's fee, 12.5%: a leg of Q thousandths of an mcm has a fee of Q × 0.000125, a tie
/// (half a thousandth) whenever Q ≡ 4 (mod 8), where half-even and half-up differ every other
/// time.
pub const FEE_PERCENT: &str = "12.5";
/// The offset agreement: IQ owes IR, IR owes TM, in USD, up to its limit.
pub const OFFSET: &str = "iq-ir-tm";
pub const OFFSET_DEBTOR: &str = "IQ";
pub const OFFSET_VIA: &str = "IR";
pub const OFFSET_CREDITOR: &str = "TM";
pub const OFFSET_COMMODITY: &str = "USD";
pub const OFFSET_LIMIT_CENTS: i64 = 150_000;
/// Accounts each party declares at the start (`P:cash` is also the account `pay` moves).
pub const PLAIN: [&str; 3] = ["cash", "bank", "storage"];

/// `yyyymmdd`.
pub type Date = u32;

pub fn scale_of(commodity: &str) -> u32 {
    COMMODITIES
        .iter()
        .find(|(c, _)| *c == commodity)
        .map(|(_, s)| *s)
        .unwrap_or_else(|| panic!("unknown commodity {commodity}"))
}

/// `v` written at its commodity's scale, as the CSV reports and the command line write it.
pub fn text(v: Decimal, commodity: &str) -> String {
    let mut v = v;
    v.rescale(scale_of(commodity));
    v.to_string()
}

pub fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100)
}

pub fn limit() -> Decimal {
    Decimal::new(OFFSET_LIMIT_CENTS, 2)
}

/// The swap's fee on one entry leg (`--fee-basis leg`): the leg × the rate, rounded half-even
/// to the commodity's scale.
pub fn fee(quantity: Decimal) -> Decimal {
    let rate: Decimal = FEE_PERCENT.parse::<Decimal>().expect("rate") / Decimal::from(100);
    (quantity * rate).round_dp_with_strategy(scale_of("mcm"), RoundingStrategy::MidpointNearestEven)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub account: String,
    pub commodity: String,
    pub value: Decimal,
}

pub fn post(account: impl Into<String>, value: Decimal, commodity: &str) -> Posting {
    Posting {
        account: account.into(),
        commodity: commodity.to_string(),
        value,
    }
}

/// A transaction as a command or a journal gives it to the store.
#[derive(Debug, Clone)]
pub struct Txn {
    pub id: Option<String>,
    /// What makes its content: the same key is the same transaction (a command run again);
    /// another key under the same id is other content.
    pub key: String,
    pub date: Date,
    pub postings: Vec<Posting>,
    /// `record` and a journal: every account declared before. A domain command opens its
    /// accounts (all those it posts to) itself.
    pub needs_declared: bool,
    /// An offset under the agreement: what it assigns (counted against the limit).
    pub assigns: Option<Decimal>,
    /// Refused whatever the state: why (a journal transaction that does not balance, a debt
    /// owed to oneself).
    pub invalid: Option<&'static str>,
    /// The id this one reverses.
    pub reverses: Option<String>,
}

impl Txn {
    pub fn new(id: Option<String>, key: String, date: Date, postings: Vec<Posting>) -> Txn {
        Txn {
            id,
            key,
            date,
            postings,
            needs_declared: false,
            assigns: None,
            invalid: None,
            reverses: None,
        }
    }
}

/// What a command asks of the ledger.
#[derive(Debug, Clone)]
pub enum Action {
    /// `account add NAME`.
    Declare(String),
    /// One transaction (a command) or a journal's (an import: all or nothing).
    Txns(Vec<Txn>),
    /// `reverse TARGET --date D [--new-id ID]`: `id` is the reversal's, `key` its command.
    Reverse {
        target: String,
        date: Date,
        id: String,
        key: String,
    },
}

/// What the ledger must do with an action.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Recorded: the state after it, and the new transactions' count.
    Applied(Box<Model>, usize),
    /// Recorded before with the same content: nothing changes (exit 0).
    NoOp,
    /// Refused (exit 2), nothing changes.
    Refused(String),
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub declared: BTreeSet<String>,
    pub balances: BTreeMap<(String, String), Decimal>,
    /// Each obligation account's net change per date, per commodity.
    obligations: BTreeMap<(String, String), BTreeMap<Date, Decimal>>,
    /// Every transaction recorded with an id.
    pub ids: BTreeMap<String, Txn>,
    /// Ids in the order recorded (for picking one deterministically).
    pub id_order: Vec<String>,
    /// Reversed id -> the reversal's id.
    pub reversed: BTreeMap<String, String>,
    /// What offsets under the agreement assigned in all (a reversal does not give it back).
    pub assigned: Decimal,
    /// Transactions recorded, with an id or not.
    pub txn_count: u64,
}

/// `A:receivable:B` (+1: what B owes A) or `A:payable:B` (−1: what A owes B), two declared,
/// distinct parties.
fn obligation_sign(account: &str) -> Option<i8> {
    let parts: Vec<&str> = account.split(':').collect();
    let [a, kind, b] = parts[..] else {
        return None;
    };
    if a == b || !PARTIES.contains(&a) || !PARTIES.contains(&b) {
        return None;
    }
    match kind {
        "receivable" => Some(1),
        "payable" => Some(-1),
        _ => None,
    }
}

impl Model {
    /// The chart declared at the start: each party's plain accounts.
    pub fn start() -> Model {
        let mut m = Model::default();
        for p in PARTIES {
            for a in PLAIN {
                m.declared.insert(format!("{p}:{a}"));
            }
        }
        m
    }

    /// What the ledger must do with `a` given this state.
    pub fn apply(&self, a: &Action) -> Outcome {
        match a {
            Action::Declare(name) => {
                if self.declared.contains(name) {
                    return Outcome::Refused(format!("{name} is declared already"));
                }
                let mut m = self.clone();
                m.declared.insert(name.clone());
                Outcome::Applied(Box::new(m), 0)
            }
            Action::Txns(txns) => self.apply_txns(txns),
            Action::Reverse {
                target,
                date,
                id,
                key,
            } => self.apply_reverse(target, *date, id, key),
        }
    }

    fn apply_txns(&self, txns: &[Txn]) -> Outcome {
        let mut m = self.clone();
        let mut new = 0;
        let mut touched = BTreeSet::new();
        for t in txns {
            if let Some((id, old)) = t.id.as_ref().and_then(|id| Some((id, m.ids.get(id)?))) {
                if old.key == t.key {
                    continue;
                }
                return Outcome::Refused(format!("id {id} recorded with other content"));
            }
            if let Some(why) = t.invalid {
                return Outcome::Refused(why.to_string());
            }
            if t.needs_declared {
                if let Some(p) = t.postings.iter().find(|p| !m.declared.contains(&p.account)) {
                    return Outcome::Refused(format!("{} is not declared", p.account));
                }
            }
            if let Some(v) = t.assigns {
                if m.assigned + v > limit() {
                    return Outcome::Refused(format!(
                        "beyond the offset limit by {}",
                        m.assigned + v - limit()
                    ));
                }
                m.assigned += v;
            }
            touched.extend(m.record(t));
            new += 1;
        }
        if new == 0 {
            return Outcome::NoOp;
        }
        for key in &touched {
            if let Some((d, owed)) = m.below_zero(key) {
                return Outcome::Refused(format!(
                    "{} {} would be {owed} at {}",
                    key.0,
                    key.1,
                    date_text(d)
                ));
            }
        }
        Outcome::Applied(Box::new(m), new)
    }

    fn apply_reverse(&self, target: &str, date: Date, id: &str, key: &str) -> Outcome {
        let Some(original) = self.ids.get(target) else {
            return Outcome::Refused(format!("no transaction with id {target}"));
        };
        if let Some(old) = self.ids.get(id) {
            return if old.key == key {
                Outcome::NoOp
            } else {
                Outcome::Refused(format!("id {id} recorded with other content"))
            };
        }
        if let Some(by) = self.reversed.get(target) {
            return Outcome::Refused(format!("{target} was reversed already by {by}"));
        }
        if date < original.date {
            return Outcome::Refused(format!("{target} is dated after its reversal"));
        }
        let postings = original
            .postings
            .iter()
            .map(|p| post(p.account.clone(), -p.value, &p.commodity))
            .collect();
        let mut t = Txn::new(Some(id.to_string()), key.to_string(), date, postings);
        t.reverses = Some(target.to_string());
        match self.apply_txns(&[t]) {
            Outcome::Applied(mut m, n) => {
                m.reversed.insert(target.to_string(), id.to_string());
                Outcome::Applied(m, n)
            }
            other => other,
        }
    }

    /// Record `t`; the obligation accounts it touched.
    fn record(&mut self, t: &Txn) -> Vec<(String, String)> {
        let mut touched = Vec::new();
        for p in &t.postings {
            let key = (p.account.clone(), p.commodity.clone());
            let b = self.balances.entry(key.clone()).or_default();
            *b += p.value;
            if b.is_zero() {
                self.balances.remove(&key);
            }
            // A domain command opens what it posts to; a journal's accounts are declared.
            self.declared.insert(p.account.clone());
            if obligation_sign(&p.account).is_some() {
                *self
                    .obligations
                    .entry(key.clone())
                    .or_default()
                    .entry(t.date)
                    .or_default() += p.value;
                touched.push(key);
            }
        }
        if let Some(id) = &t.id {
            self.ids.insert(id.clone(), t.clone());
            self.id_order.push(id.clone());
        }
        self.txn_count += 1;
        touched
    }

    /// The first date at whose end the obligation on `key` is below zero, and what it is then.
    fn below_zero(&self, key: &(String, String)) -> Option<(Date, Decimal)> {
        let sign = Decimal::from(obligation_sign(&key.0)?);
        let mut running = Decimal::ZERO;
        for (d, v) in self.obligations.get(key)? {
            running += v;
            if running * sign < Decimal::ZERO {
                return Some((*d, running * sign));
            }
        }
        None
    }

    /// What `debtor` owes `creditor` in `commodity` at the end of `date` and of every later date,
    /// the least of them: what a payment dated `date` may take off.
    pub fn owed_from(&self, debtor: &str, creditor: &str, commodity: &str, date: Date) -> Decimal {
        let key = (
            format!("{creditor}:receivable:{debtor}"),
            commodity.to_string(),
        );
        let Some(days) = self.obligations.get(&key) else {
            return Decimal::ZERO;
        };
        let mut running: Decimal = days.range(..date).map(|(_, v)| *v).sum();
        // At the end of `date` itself when nothing changes on it, then after each change.
        let mut least = (!days.contains_key(&date)).then_some(running);
        for (_, v) in days.range(date..) {
            running += v;
            least = Some(least.map_or(running, |l| l.min(running)));
        }
        least.unwrap_or(running)
    }

    /// The last date on which what `debtor` owes `creditor` in `commodity` changed.
    pub fn last_change(&self, debtor: &str, creditor: &str, commodity: &str) -> Option<Date> {
        let key = (
            format!("{creditor}:receivable:{debtor}"),
            commodity.to_string(),
        );
        self.obligations.get(&key)?.keys().next_back().copied()
    }

    /// Who owes whom now: (debtor, creditor, commodity, amount), amount above zero.
    pub fn debts(&self) -> Vec<(String, String, String, Decimal)> {
        let mut out = Vec::new();
        for ((account, commodity), v) in &self.balances {
            let parts: Vec<&str> = account.split(':').collect();
            if obligation_sign(account) == Some(1) && *v > Decimal::ZERO {
                out.push((
                    parts[2].to_string(),
                    parts[0].to_string(),
                    commodity.clone(),
                    *v,
                ));
            }
        }
        out
    }

    /// `report balances --format csv` as the model has it: every non-zero balance, by account
    /// and commodity.
    pub fn balances_csv(&self) -> String {
        let mut s = String::from("account,commodity,balance\n");
        for ((account, commodity), v) in &self.balances {
            s.push_str(&format!("{account},{commodity},{}\n", text(*v, commodity)));
        }
        s
    }

    /// `report debts --format csv`'s rows, sorted.
    pub fn debts_rows(&self) -> Vec<String> {
        let mut rows: Vec<String> = self
            .debts()
            .into_iter()
            .map(|(d, c, x, v)| format!("{d},{c},{x},{}", text(v, &x)))
            .collect();
        rows.sort();
        rows
    }
}

// The postings of each command, as docs/concepts.md writes them ("Each party's side").

/// `swap entry` of `q`: into the hub's system, its fee in kind kept, the rest owed in kind.
pub fn swap_entry(q: Decimal) -> Vec<Posting> {
    let (s, h, n, x) = (SUPPLIER, HUB, SWAP, "mcm");
    let f = fee(q);
    vec![
        post(format!("{h}:swap:{n}"), q, x),
        post(format!("{h}:due-to:{s}"), -(q - f), x),
        post(format!("{h}:fee:{n}"), -f, x),
        post(format!("{s}:gas:delivered"), -q, x),
        post(format!("{s}:due-from:{h}"), q - f, x),
        post(format!("{s}:expense:fee:{n}"), f, x),
    ]
}

/// `swap exit` of `q`: out of the hub's system to the receiver, who now owes the supplier.
pub fn swap_exit(q: Decimal) -> Vec<Posting> {
    let (s, h, r, n, x) = (SUPPLIER, HUB, RECEIVER, SWAP, "mcm");
    vec![
        post(format!("{r}:gas:received"), q, x),
        post(format!("{r}:due-to:{s}"), -q, x),
        post(format!("{h}:swap:{n}"), -q, x),
        post(format!("{h}:due-to:{s}"), q, x),
        post(format!("{s}:due-from:{h}"), -q, x),
        post(format!("{s}:due-from:{r}"), q, x),
    ]
}

/// `debt add`: D owes C `a`, with its origin in each party's books.
pub fn debt(d: &str, c: &str, a: Decimal, x: &str) -> Vec<Posting> {
    vec![
        post(format!("{c}:receivable:{d}"), a, x),
        post(format!("{c}:revenue:gas"), -a, x),
        post(format!("{d}:expense:gas"), a, x),
        post(format!("{d}:payable:{c}"), -a, x),
    ]
}

/// `pay`: D pays C `a` from cash to cash.
pub fn pay(d: &str, c: &str, a: Decimal, x: &str) -> Vec<Posting> {
    vec![
        post(format!("{d}:payable:{c}"), a, x),
        post(format!("{d}:cash"), -a, x),
        post(format!("{c}:cash"), a, x),
        post(format!("{c}:receivable:{d}"), -a, x),
    ]
}

/// `offset`: the intermediary's claim on the debtor assigned to the creditor.
pub fn offset(v: Decimal) -> Vec<Posting> {
    let (d, i, c, x) = (OFFSET_DEBTOR, OFFSET_VIA, OFFSET_CREDITOR, OFFSET_COMMODITY);
    vec![
        post(format!("{d}:payable:{i}"), v, x),
        post(format!("{d}:payable:{c}"), -v, x),
        post(format!("{i}:receivable:{d}"), -v, x),
        post(format!("{i}:payable:{c}"), v, x),
        post(format!("{c}:receivable:{d}"), v, x),
        post(format!("{c}:receivable:{i}"), -v, x),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mcm(thousandths: i64) -> Decimal {
        Decimal::new(thousandths, 3)
    }

    #[test]
    fn the_fee_rounds_half_even_per_leg() {
        // 0.004 × 12.5% = 0.0005: a tie, to the even 0.000; 0.012 → 0.0015 → 0.002.
        assert_eq!(fee(mcm(4)), mcm(0));
        assert_eq!(fee(mcm(12)), mcm(2));
        assert_eq!(fee(mcm(20)), mcm(2));
        assert_eq!(fee(mcm(160_000)), mcm(20_000));
    }

    #[test]
    fn a_payment_beyond_what_is_owed_later_is_refused() {
        let m = Model::start();
        let usd = |c| Decimal::new(c, 2);
        let d = Txn::new(
            Some("d".into()),
            "d".into(),
            20220110,
            debt("IR", "TM", usd(10_000), "USD"),
        );
        let Outcome::Applied(m, 1) = m.apply(&Action::Txns(vec![d])) else {
            panic!("a debt is recorded")
        };
        let p = Txn::new(
            Some("p".into()),
            "p".into(),
            20220301,
            pay("IR", "TM", usd(6_000), "USD"),
        );
        let Outcome::Applied(m, 1) = m.apply(&Action::Txns(vec![p])) else {
            panic!("a payment within the debt is recorded")
        };
        // Owed 100 on 2022-02-01, but only 40 from 2022-03-01 on.
        assert_eq!(m.owed_from("IR", "TM", "USD", 20220201), usd(4_000));
        let late = Txn::new(
            Some("q".into()),
            "q".into(),
            20220201,
            pay("IR", "TM", usd(5_000), "USD"),
        );
        assert!(matches!(
            m.apply(&Action::Txns(vec![late])),
            Outcome::Refused(_)
        ));
    }
}
