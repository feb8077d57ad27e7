//! The auditor's steps: what proptest generates (plain numbers, blind to the state), and how each
//! step becomes a command line given the model's state when it runs (which debt a payment
//! pays, which id a reversal names, how much is owed), with the action the model judges.

use super::model::{
    self, date_text, post, scale_of, text, Action, Date, Model, Posting, Txn, COMMODITIES, OFFSET,
    OFFSET_COMMODITY, OFFSET_CREDITOR, OFFSET_DEBTOR, OFFSET_VIA, PARTIES, SWAP,
};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

/// A party's accounts a `record` or a journal may name: declared at the start, declared by a
/// `Declare` step (`reserve`), never declared (`typo`).
const POOL: [&str; 5] = ["cash", "bank", "storage", "reserve", "typo"];
/// Days of 2022 a step may be dated (28 a month, so every index is a date).
const DAYS: u16 = 336;
/// A block of the store holds this many transactions; a big import fills one.
pub const BLOCK_TXNS: u64 = 1024;

#[derive(Debug, Clone)]
pub struct Leg {
    party: u8,
    from: u8,
    to: u8,
    commodity: u8,
    units: u32,
}

/// How much of what may be taken off a payment or an offset takes.
#[derive(Debug, Clone, Copy)]
pub enum How {
    /// This percentage of it, cut to the scale (at least one unit).
    Part(u8),
    All,
    /// That many units more: refused.
    Over(u16),
}

#[derive(Debug, Clone)]
pub enum ImportTxn {
    Plain(Leg, u16),
    Debt { pair: u8, units: u32, date: u16 },
    Payment { pick: u8, how: How, date: u16 },
}

/// The last transaction of a journal that makes the whole import refused.
#[derive(Debug, Clone, Copy)]
pub enum Bad {
    Undeclared,
    Unbalanced,
    IdConflict(u8),
    Overpay(u8),
}

#[derive(Debug, Clone)]
pub enum Step {
    /// `account add P:reserve` (or `P:cash`, declared already: refused).
    Declare {
        party: u8,
        again: bool,
    },
    Record {
        legs: Vec<Leg>,
        date: u16,
        with_id: bool,
    },
    SwapEntry {
        units: u32,
        date: u16,
    },
    SwapExit {
        units: u32,
        date: u16,
        nakhchivan: bool,
    },
    Debt {
        pair: u8,
        units: u32,
        date: u16,
    },
    Pay {
        pick: u8,
        how: How,
        date: u16,
    },
    Offset {
        how: How,
        over_limit: bool,
        date: u16,
    },
    /// Reverse an earlier id (one reversed already, a third of the time), `days` after it.
    Reverse {
        pick: u8,
        days: i16,
        new_id: bool,
    },
    /// An earlier command again, exactly (the last one, half of the time).
    Rerun {
        pick: u8,
    },
    /// `record` under an id recorded with other content.
    Conflict {
        pick: u8,
    },
    Import {
        txns: Vec<ImportTxn>,
        bad: Option<Bad>,
    },
    /// A journal of 1024 transactions and more: a full block.
    BigImport {
        extra: u8,
    },
    /// A writing step run with `GASLEDGER_TEST_CRASH_AT` at a point it passes, then `retry`.
    Crash {
        inner: Box<Step>,
        point: u8,
        n: u16,
        retry: bool,
    },
}

/// A command to run, and what the model judges of it.
#[derive(Debug, Clone)]
pub struct Cmd {
    /// Arguments after `--db`; `FILE` stands for the journal's path.
    pub args: Vec<String>,
    /// A journal written in the ledger's folder before the run: (name, text).
    pub file: Option<(String, String)>,
    pub action: Action,
}

impl Cmd {
    fn new(args: Vec<String>, action: Action) -> Cmd {
        Cmd {
            args,
            file: None,
            action,
        }
    }

    pub fn is_import(&self) -> bool {
        self.file.is_some()
    }

    /// The command line, for the log (a small journal's text under it).
    pub fn line(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| match (a.as_str(), &self.file) {
                ("FILE", Some((name, _))) => name.clone(),
                _ if a.contains(' ') => format!("{a:?}"),
                _ => a.clone(),
            })
            .collect();
        let mut s = format!("gasledger {}", args.join(" "));
        if let Some((_, t)) = &self.file {
            if t.lines().count() <= 40 {
                for l in t.lines() {
                    s.push_str(&format!("\n        | {l}"));
                }
            } else {
                s.push_str(&format!(" ({} lines)", t.lines().count()));
            }
        }
        s
    }

    /// The ids of the transactions it gives the store.
    pub fn ids(&self) -> Vec<String> {
        match &self.action {
            Action::Declare(_) => Vec::new(),
            Action::Txns(ts) => ts.iter().filter_map(|t| t.id.clone()).collect(),
            Action::Reverse { id, .. } => vec![id.clone()],
        }
    }

    /// Whether every transaction it gives has an id.
    pub fn all_have_ids(&self) -> bool {
        match &self.action {
            Action::Declare(_) => false,
            Action::Txns(ts) => ts.iter().all(|t| t.id.is_some()),
            Action::Reverse { .. } => true,
        }
    }
}

/// A day index as a date of 2022.
pub fn date_of(day: u16) -> Date {
    let day = u32::from(day % DAYS);
    20_220_000 + (day / 28 + 1) * 100 + day % 28 + 1
}

fn day_of(d: Date) -> i32 {
    ((d / 100 % 100) as i32 - 1) * 28 + (d % 100) as i32 - 1
}

fn s(v: &str) -> String {
    v.to_string()
}

fn amount_arg(v: Decimal, x: &str) -> String {
    format!("{} {x}", text(v, x))
}

/// The postings of a leg of `record`: one party's two accounts, one amount.
fn leg_postings(leg: &Leg) -> Vec<Posting> {
    let p = PARTIES[usize::from(leg.party) % PARTIES.len()];
    let f = usize::from(leg.from) % POOL.len();
    let mut t = usize::from(leg.to) % POOL.len();
    if t == f {
        t = (f + 1) % 4;
    }
    let (x, scale) = COMMODITIES[usize::from(leg.commodity) % COMMODITIES.len()];
    let v = Decimal::new(i64::from(leg.units), scale);
    vec![
        post(format!("{p}:{}", POOL[f]), v, x),
        post(format!("{p}:{}", POOL[t]), -v, x),
    ]
}

fn post_args(args: &mut Vec<String>, postings: &[Posting]) {
    for p in postings {
        args.push(s("--post"));
        args.push(format!(
            "{} {}",
            p.account,
            amount_arg(p.value, &p.commodity)
        ));
    }
}

/// The debtor, creditor and commodity a debt step names: three times in four one of the two
/// the offset needs; `255` a debt owed to oneself (refused).
fn debt_pair(pair: u8) -> (&'static str, &'static str, &'static str) {
    if pair == 255 {
        return ("AZ", "AZ", "USD");
    }
    match pair % 8 {
        0..=2 => (OFFSET_DEBTOR, OFFSET_VIA, OFFSET_COMMODITY),
        3..=5 => (OFFSET_VIA, OFFSET_CREDITOR, OFFSET_COMMODITY),
        _ => {
            let d = usize::from(pair / 8) % 4;
            let mut c = usize::from(pair / 32) % 4;
            if c == d {
                c = (d + 1) % 4;
            }
            let x = if pair.is_multiple_of(2) { "USD" } else { "EUR" };
            (PARTIES[d], PARTIES[c], x)
        }
    }
}

/// The amount `how` takes of `room` (at least one unit of `x`).
fn how_amount(how: How, room: Decimal, x: &str) -> Decimal {
    let scale = scale_of(x);
    let unit = Decimal::new(1, scale);
    let v = match how {
        How::Part(p) => (room * Decimal::from(p) / Decimal::from(100))
            .round_dp_with_strategy(scale, RoundingStrategy::ToZero),
        How::All => room,
        How::Over(k) => room + Decimal::new(i64::from(k), scale),
    };
    if v <= Decimal::ZERO {
        unit
    } else {
        v
    }
}

/// The debt a payment pays: one owed now, or (none owed, or `pick` 255) one never recorded.
fn pay_pair(m: &Model, pick: u8) -> (String, String, String) {
    let debts = m.debts();
    if debts.is_empty() || pick == 255 {
        return (s("AZ"), s("IQ"), s("EUR"));
    }
    let (d, c, x, _) = &debts[usize::from(pick) % debts.len()];
    (d.clone(), c.clone(), x.clone())
}

/// What a step resolves against: the state, the commands run so far, the step's number.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub history: &'a [Cmd],
    pub step: usize,
}

impl Ctx<'_> {
    /// The command of a step (not `Crash`, which the runner takes apart).
    pub fn resolve(&self, step: &Step) -> Cmd {
        let i = self.step;
        match step {
            Step::Declare { party, again } => {
                let p = PARTIES[usize::from(*party) % 4];
                let name = format!("{p}:{}", if *again { "cash" } else { "reserve" });
                Cmd::new(
                    vec![s("account"), s("add"), name.clone()],
                    Action::Declare(name),
                )
            }
            Step::Record {
                legs,
                date,
                with_id,
            } => self.record(legs, date_of(*date), with_id.then(|| format!("rec-{i}"))),
            Step::SwapEntry { units, date } => swap_leg(i, true, *units, *date, "Sarakhs"),
            Step::SwapExit {
                units,
                date,
                nakhchivan,
            } => {
                let point = if *nakhchivan { "Nakhchivan" } else { "Astara" };
                swap_leg(i, false, *units, *date, point)
            }
            Step::Debt { pair, units, date } => debt_cmd(format!("debt-{i}"), *pair, *units, *date),
            Step::Pay { pick, how, date } => self.pay(*pick, *how, *date),
            Step::Offset {
                how,
                over_limit,
                date,
            } => self.offset(*how, *over_limit, *date),
            Step::Reverse { pick, days, new_id } => self.reverse(*pick, *days, *new_id),
            Step::Rerun { pick } => match self.history.len() {
                0 => self.fallback(),
                n if pick % 2 == 0 => self.history[n - 1].clone(),
                n => self.history[usize::from(*pick / 2) % n].clone(),
            },
            Step::Conflict { pick } => self.conflict(*pick),
            Step::Import { txns, bad } => self.import(txns, *bad),
            Step::BigImport { extra } => big_import(i, *extra),
            Step::Crash { inner, .. } => self.resolve(inner),
        }
    }

    /// A `record` that is always recorded: between two accounts declared at the start.
    pub fn fallback(&self) -> Cmd {
        let leg = Leg {
            party: 0,
            from: 0,
            to: 1,
            commodity: 1,
            units: 1 + self.step as u32,
        };
        self.record(
            &[leg],
            date_of(self.step as u16),
            Some(format!("rec-{}", self.step)),
        )
    }

    fn record(&self, legs: &[Leg], date: Date, id: Option<String>) -> Cmd {
        let postings: Vec<Posting> = legs.iter().flat_map(leg_postings).collect();
        let desc = format!("rec {}", self.step);
        let mut args = vec![s("record"), s("--date"), date_text(date), s("--desc"), desc];
        post_args(&mut args, &postings);
        if let Some(id) = &id {
            args.extend([s("--id"), id.clone()]);
        }
        let mut t = Txn::new(id, args.join(" "), date, postings);
        t.needs_declared = true;
        Cmd::new(args, Action::Txns(vec![t]))
    }

    /// The date of a payment or an offset of what `debtors` owe: three times in four no earlier
    /// than the last change of what they owe (when all of it may be taken off), else any day.
    fn settling_date(&self, day: u16, debtors: &[(&str, &str, &str)]) -> Date {
        let date = date_of(day);
        if day.is_multiple_of(4) {
            return date;
        }
        debtors
            .iter()
            .filter_map(|(d, c, x)| self.model.last_change(d, c, x))
            .fold(date, Date::max)
    }

    fn pay(&self, pick: u8, how: How, day: u16) -> Cmd {
        let (d, c, x) = pay_pair(self.model, pick);
        let date = self.settling_date(day, &[(&d, &c, &x)]);
        let v = how_amount(how, self.model.owed_from(&d, &c, &x, date), &x);
        let id = format!("pay-{}", self.step);
        let args = vec![
            s("pay"),
            s("--from"),
            d.clone(),
            s("--to"),
            c.clone(),
            s("--amount"),
            amount_arg(v, &x),
            s("--date"),
            date_text(date),
            s("--id"),
            id.clone(),
        ];
        let t = Txn::new(Some(id), args.join(" "), date, model::pay(&d, &c, v, &x));
        Cmd::new(args, Action::Txns(vec![t]))
    }

    fn offset(&self, how: How, over_limit: bool, day: u16) -> Cmd {
        let m = self.model;
        let x = OFFSET_COMMODITY;
        let date = self.settling_date(
            day,
            &[
                (OFFSET_DEBTOR, OFFSET_VIA, x),
                (OFFSET_VIA, OFFSET_CREDITOR, x),
            ],
        );
        let left = model::limit() - m.assigned;
        let v = if over_limit {
            left + Decimal::new(1, scale_of(x))
        } else {
            let claim = m.owed_from(OFFSET_DEBTOR, OFFSET_VIA, x, date);
            let debt = m.owed_from(OFFSET_VIA, OFFSET_CREDITOR, x, date);
            how_amount(how, claim.min(debt).min(left), x)
        };
        let id = format!("off-{}", self.step);
        let args = vec![
            s("offset"),
            s(OFFSET),
            s("--amount"),
            amount_arg(v, x),
            s("--date"),
            date_text(date),
            s("--id"),
            id.clone(),
        ];
        let mut t = Txn::new(Some(id), args.join(" "), date, model::offset(v));
        t.assigns = Some(v);
        Cmd::new(args, Action::Txns(vec![t]))
    }

    fn reverse(&self, pick: u8, days: i16, new_id: bool) -> Cmd {
        let m = self.model;
        let originals: Vec<&String> = m
            .id_order
            .iter()
            .filter(|id| m.ids[*id].reverses.is_none())
            .collect();
        let reversed: Vec<&String> = m.reversed.keys().collect();
        let target = if pick.is_multiple_of(3) && !reversed.is_empty() {
            reversed[usize::from(pick / 3) % reversed.len()].clone()
        } else if originals.is_empty() {
            format!("nothing-{}", self.step)
        } else {
            originals[usize::from(pick) % originals.len()].clone()
        };
        let from = m.ids.get(&target).map_or(0, |t| day_of(t.date));
        let date = date_of((from + i32::from(days)).clamp(0, i32::from(DAYS) - 1) as u16);
        let mut args = vec![s("reverse"), target.clone(), s("--date"), date_text(date)];
        let id = if new_id {
            let id = format!("rev-{}", self.step);
            args.extend([s("--new-id"), id.clone()]);
            id
        } else {
            format!("{target}-reversal")
        };
        let key = args.join(" ");
        Cmd::new(
            args,
            Action::Reverse {
                target,
                date,
                id,
                key,
            },
        )
    }

    fn conflict(&self, pick: u8) -> Cmd {
        let ids = &self.model.id_order;
        if ids.is_empty() {
            return self.fallback();
        }
        let id = ids[usize::from(pick) % ids.len()].clone();
        let cent = Decimal::new(1, 2);
        let postings = vec![post("TM:cash", cent, "USD"), post("TM:bank", -cent, "USD")];
        let date = date_of(0);
        let mut args = vec![s("record"), s("--date"), date_text(date)];
        args.extend([s("--desc"), format!("conflict {}", self.step)]);
        post_args(&mut args, &postings);
        args.extend([s("--id"), id.clone()]);
        let mut t = Txn::new(Some(id), args.join(" "), date, postings);
        t.needs_declared = true;
        Cmd::new(args, Action::Txns(vec![t]))
    }

    fn import(&self, txns: &[ImportTxn], bad: Option<Bad>) -> Cmd {
        let i = self.step;
        let mut out: Vec<Txn> = Vec::new();
        for (j, it) in txns.iter().enumerate() {
            let id = format!("imp-{i}-{j}");
            let (date, postings) = self.import_postings(it);
            out.push(journal_txn(date, &format!("imp {i} {j}"), &id, postings));
        }
        if let Some(b) = bad {
            out.push(self.bad_txn(b));
        }
        journal_cmd(format!("imp-{i}.journal"), out)
    }

    /// A journal transaction's date and postings: a debt or a payment written by hand, each
    /// side (a plain leg when no such debt is declared or owed).
    fn import_postings(&self, it: &ImportTxn) -> (Date, Vec<Posting>) {
        let m = self.model;
        match it {
            ImportTxn::Plain(leg, date) => (date_of(*date), leg_postings(leg)),
            ImportTxn::Debt { pair, units, date } => {
                let (d, c, x) = debt_pair(*pair);
                let v = Decimal::new(i64::from(*units), scale_of(x));
                let p = model::debt(d, c, v, x);
                if d != c && p.iter().all(|p| m.declared.contains(&p.account)) {
                    (date_of(*date), p)
                } else {
                    (date_of(*date), leg_postings(&plain_leg(*units)))
                }
            }
            ImportTxn::Payment { pick, how, date } => {
                if m.debts().is_empty() {
                    return (
                        date_of(*date),
                        leg_postings(&plain_leg(u32::from(*pick) + 1)),
                    );
                }
                let (d, c, x) = pay_pair(m, *pick % 255);
                let date = date_of(*date);
                let v = how_amount(*how, m.owed_from(&d, &c, &x, date), &x);
                (date, model::pay(&d, &c, v, &x))
            }
        }
    }

    fn bad_txn(&self, bad: Bad) -> Txn {
        let i = self.step;
        let date = date_of(7);
        let id = format!("imp-{i}-bad");
        let cent = Decimal::new(1, 2);
        let plain = vec![post("TM:cash", cent, "USD"), post("TM:bank", -cent, "USD")];
        let desc = format!("imp {i} bad");
        match bad {
            Bad::Undeclared => {
                let p = vec![post("TM:cash", cent, "USD"), post("TM:typo", -cent, "USD")];
                journal_txn(date, &desc, &id, p)
            }
            Bad::IdConflict(pick) if !self.model.id_order.is_empty() => {
                let ids = &self.model.id_order;
                let id = &ids[usize::from(pick) % ids.len()];
                journal_txn(date, &desc, id, plain)
            }
            Bad::Overpay(pick) if !self.model.debts().is_empty() => {
                let (d, c, x) = pay_pair(self.model, pick % 255);
                let huge = Decimal::new(1_000_000_000, 2);
                journal_txn(date, &desc, &id, model::pay(&d, &c, huge, &x))
            }
            _ => {
                let p = vec![
                    post("TM:cash", cent, "USD"),
                    post("TM:bank", -cent * Decimal::from(2), "USD"),
                ];
                let mut t = journal_txn(date, &desc, &id, p);
                t.invalid = Some("a journal transaction that does not balance");
                t
            }
        }
    }
}

fn plain_leg(units: u32) -> Leg {
    Leg {
        party: (units % 4) as u8,
        from: 0,
        to: 1,
        commodity: 1,
        units,
    }
}

fn swap_leg(i: usize, entry: bool, units: u32, date: u16, point: &str) -> Cmd {
    let date = date_of(date);
    let q = Decimal::new(i64::from(units), scale_of("mcm"));
    let (side, id, postings) = if entry {
        ("entry", format!("swe-{i}"), model::swap_entry(q))
    } else {
        ("exit", format!("swx-{i}"), model::swap_exit(q))
    };
    let args = vec![
        s("swap"),
        s(side),
        s(SWAP),
        s("--date"),
        date_text(date),
        s("--volume"),
        amount_arg(q, "mcm"),
        s("--point"),
        s(point),
        s("--id"),
        id.clone(),
    ];
    let t = Txn::new(Some(id), args.join(" "), date, postings);
    Cmd::new(args, Action::Txns(vec![t]))
}

/// The debts every case starts with, so that an offset has something to assign from the first
/// step: IQ owes IR 1,000.00 USD and IR owes TM 800.00 USD from the first day of 2022.
pub fn opening_debts() -> Vec<Cmd> {
    vec![
        debt_cmd("opening-1".into(), 0, 100_000, 0),
        debt_cmd("opening-2".into(), 3, 80_000, 0),
    ]
}

fn debt_cmd(id: String, pair: u8, units: u32, date: u16) -> Cmd {
    let (d, c, x) = debt_pair(pair);
    let date = date_of(date);
    let v = Decimal::new(i64::from(units), scale_of(x));
    let args = vec![
        s("debt"),
        s("add"),
        s("--debtor"),
        s(d),
        s("--creditor"),
        s(c),
        s("--amount"),
        amount_arg(v, x),
        s("--date"),
        date_text(date),
        s("--id"),
        id.clone(),
    ];
    let mut t = Txn::new(Some(id), args.join(" "), date, model::debt(d, c, v, x));
    if d == c {
        t.invalid = Some("a debt owed to oneself");
    }
    Cmd::new(args, Action::Txns(vec![t]))
}

/// A journal transaction: its text is its content.
fn journal_txn(date: Date, desc: &str, id: &str, postings: Vec<Posting>) -> Txn {
    let mut text = format!("{} * {desc}  ; id: {id}\n", date_text(date));
    for p in &postings {
        text.push_str(&format!(
            "    {}  {}\n",
            p.account,
            amount_arg(p.value, &p.commodity)
        ));
    }
    let mut t = Txn::new(Some(id.to_string()), text, date, postings);
    t.needs_declared = true;
    t
}

fn journal_cmd(name: String, txns: Vec<Txn>) -> Cmd {
    let text: Vec<&str> = txns.iter().map(|t| t.key.as_str()).collect();
    Cmd {
        args: vec![s("import"), s("FILE")],
        file: Some((name, text.join("\n"))),
        action: Action::Txns(txns),
    }
}

/// A journal of 1024 + `extra` plain transactions: it fills at least one block.
fn big_import(i: usize, extra: u8) -> Cmd {
    let n = BLOCK_TXNS as usize + usize::from(extra % 77);
    let txns = (0..n)
        .map(|j| {
            let v = Decimal::new(1 + (j % 97) as i64, 2);
            let p = vec![post("TM:cash", v, "USD"), post("TM:bank", -v, "USD")];
            journal_txn(
                date_of(168 + (j % 28) as u16),
                &format!("big {i} {j}"),
                &format!("big-{i}-{j}"),
                p,
            )
        })
        .collect();
    journal_cmd(format!("big-{i}.journal"), txns)
}

// The generator.

fn day() -> impl Strategy<Value = u16> {
    0..DAYS
}

fn leg() -> impl Strategy<Value = Leg> {
    let account = || prop_oneof![60 => 0u8..3, 2 => Just(3u8), 1 => Just(4u8)];
    (0u8..4, account(), account(), 0u8..3, 1u32..=100_000).prop_map(
        |(party, from, to, commodity, units)| Leg {
            party,
            from,
            to,
            commodity,
            units,
        },
    )
}

fn how() -> impl Strategy<Value = How> {
    prop_oneof![
        6 => (1u8..=100).prop_map(How::Part),
        2 => Just(How::All),
        2 => (1u16..500).prop_map(How::Over),
    ]
}

/// Volumes in thousandths: small ones often, where the fee's rounding shows.
fn volume() -> impl Strategy<Value = u32> {
    prop_oneof![1u32..=64, 1u32..=200_000]
}

fn import_txn() -> impl Strategy<Value = ImportTxn> {
    prop_oneof![
        3 => (leg(), day()).prop_map(|(l, d)| ImportTxn::Plain(l, d)),
        1 => (any::<u8>(), 1u32..=100_000, day())
            .prop_map(|(pair, units, date)| ImportTxn::Debt { pair, units, date }),
        1 => (any::<u8>(), how(), day())
            .prop_map(|(pick, how, date)| ImportTxn::Payment { pick, how, date }),
    ]
}

fn bad() -> impl Strategy<Value = Option<Bad>> {
    prop_oneof![
        6 => Just(None),
        1 => Just(Some(Bad::Undeclared)),
        1 => Just(Some(Bad::Unbalanced)),
        1 => any::<u8>().prop_map(|p| Some(Bad::IdConflict(p))),
        1 => any::<u8>().prop_map(|p| Some(Bad::Overpay(p))),
    ]
}

/// A step that writes (or is refused).
fn writing() -> BoxedStrategy<Step> {
    prop_oneof![
        4 => (proptest::collection::vec(leg(), 1..=2), day(), prop::bool::weighted(0.85))
            .prop_map(|(legs, date, with_id)| Step::Record { legs, date, with_id }),
        3 => (volume(), day()).prop_map(|(units, date)| Step::SwapEntry { units, date }),
        2 => (volume(), day(), any::<bool>())
            .prop_map(|(units, date, nakhchivan)| Step::SwapExit { units, date, nakhchivan }),
        3 => (any::<u8>(), 1u32..=100_000, day())
            .prop_map(|(pair, units, date)| Step::Debt { pair, units, date }),
        4 => (any::<u8>(), how(), day()).prop_map(|(pick, how, date)| Step::Pay { pick, how, date }),
        2 => (how(), prop::bool::weighted(0.2), day())
            .prop_map(|(how, over_limit, date)| Step::Offset { how, over_limit, date }),
        2 => (any::<u8>(), prop_oneof![5 => 0i16..60, 1 => -20i16..0], any::<bool>())
            .prop_map(|(pick, days, new_id)| Step::Reverse { pick, days, new_id }),
        2 => (proptest::collection::vec(import_txn(), 1..=4), bad())
            .prop_map(|(txns, bad)| Step::Import { txns, bad }),
    ]
    .boxed()
}

/// Any step.
pub fn step() -> impl Strategy<Value = Step> {
    let crashed =
        prop_oneof![10 => writing(), 1 => any::<u8>().prop_map(|extra| Step::BigImport { extra })];
    prop_oneof![
        20 => writing(),
        1 => (any::<u8>(), prop::bool::weighted(0.3))
            .prop_map(|(party, again)| Step::Declare { party, again }),
        2 => any::<u8>().prop_map(|pick| Step::Rerun { pick }),
        1 => any::<u8>().prop_map(|pick| Step::Conflict { pick }),
        3 => (crashed, any::<u8>(), any::<u16>(), prop::bool::weighted(0.7)).prop_map(
            |(inner, point, n, retry)| Step::Crash { inner: Box::new(inner), point, n, retry }
        ),
    ]
}
