//! Debts, payments, the triangular offset and multilateral netting through the real binary on a
//! temp store (issue 5): the founding offset with every balance after it, each refusal with its
//! message and the store unchanged, netting of a cycle, a chain and a cycle with a tail,
//! `net --record` leaving no debt, and reconcile's check 6 finding a planted over-limit offset in
//! an imported journal. Every command writes each party's side (a debt with its origin: the
//! creditor's revenue, the debtor's expense), so check 8 finds each party's books balanced.

mod common;

use common::{Ledger, Run};
use serde_json::Value;

const BALANCES: &str = "account,commodity,balance\n";
const DEBTS: &str = "debtor,creditor,commodity,amount\n";
const PLAN: &str = "from,to,commodity,amount\n";

/// USD (scale 2) and the parties TM, IR, IQ, AZ; nothing recorded.
fn parties() -> Ledger {
    let l = Ledger::new();
    l.run(&["commodity", "add", "USD", "--kind", "money", "--scale", "2"])
        .ok();
    l.run(&[
        "commodity",
        "add",
        "mcm",
        "--kind",
        "volume",
        "--scale",
        "3",
    ])
    .ok();
    for p in ["TM", "IR", "IQ", "AZ"] {
        l.run(&["party", "add", p]).ok();
    }
    l
}

/// The chart of the imported offset journals: each debt's claim and payable, and its origin
/// (the creditor's revenue, the debtor's expense).
const CHART: &str = "account TM:receivable:IR  ; type: asset\n\
account TM:receivable:IQ  ; type: asset\naccount TM:revenue:gas  ; type: revenue\n\
account IR:payable:TM  ; type: liability\naccount IR:receivable:IQ  ; type: asset\n\
account IR:expense:gas  ; type: expense\naccount IR:revenue:gas  ; type: revenue\n\
account IQ:payable:IR  ; type: liability\naccount IQ:payable:TM  ; type: liability\n\
account IQ:expense:gas  ; type: expense\n";

/// An offset agreement IQ → IR → TM in USD named `name` with this limit, as journal text.
fn offset_agreement(name: &str, limit: &str) -> String {
    format!(
        "agreement {name}\n    kind       offset\n    debtor     IQ\n    via        IR\n    \
         creditor   TM\n    commodity  USD\n    limit      {limit}\n"
    )
}

fn debt(l: &Ledger, debtor: &str, creditor: &str, amount: &str, date: &str) -> Run {
    l.run(&[
        "debt",
        "add",
        "--debtor",
        debtor,
        "--creditor",
        creditor,
        "--amount",
        amount,
        "--date",
        date,
    ])
}

fn debts_csv(l: &Ledger) -> String {
    l.run(&["report", "debts", "--format", "csv"]).ok().stdout
}

fn plan_csv(l: &Ledger, extra: &[&str]) -> String {
    let mut args = vec!["net", "--commodity", "USD", "--format", "csv"];
    args.extend_from_slice(extra);
    l.run(&args).ok().stdout
}

/// The founding case before the offset: Iran owes Turkmenistan $1.8 bn, Iraq owes Iran
/// $1.6 bn, and the offset agreement iq-ir-tm with a limit of $1.6 bn.
fn founding() -> Ledger {
    let l = parties();
    l.import(
        "terms.journal",
        offset_agreement("iq-ir-tm", "1600000000.00"),
    )
    .ok();
    debt(&l, "IR", "TM", "1800000000 USD", "2017-01-01").ok();
    debt(&l, "IQ", "IR", "1600000000 USD", "2021-12-31").ok();
    l
}

/// reconcile --format json: exit status and the rows of the named checks.
fn reconcile_rows(l: &Ledger, check_prefix: &str) -> (Option<i32>, Vec<Value>) {
    let r = l.run(&["reconcile", "--format", "json"]);
    let doc: Value = serde_json::from_str(&r.stdout).expect("reconcile prints JSON");
    let rows = doc["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["check"].as_str().unwrap_or("").starts_with(check_prefix))
        .cloned()
        .collect();
    (r.code, rows)
}

/// Check 8's rows (each party's books balance), as (subject, status).
fn party_rows(l: &Ledger) -> Vec<(String, String)> {
    let (_, rows) = reconcile_rows(l, "party-balance");
    rows.iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (s("subject"), s("status"))
        })
        .collect()
}

/// Check 8's row for a party whose books balance over its `n` transactions.
fn balanced(party: &str, n: usize) -> (String, String) {
    let s = if n == 1 { "" } else { "s" };
    (
        format!("{party}'s books balance over {n} transaction{s}"),
        "ok".to_string(),
    )
}

#[test]
fn debt_add_records_both_sides() {
    let l = parties();
    let r = debt(&l, "IR", "TM", "1,800,000,000 USD", "2017-01-01").ok();
    assert!(
        r.stdout.contains("IR owes TM 1,800,000,000.00 USD"),
        "{}",
        r.stdout
    );
    // Four postings, each party's side balanced: TM's claim against its revenue, IR's expense
    // against its payable.
    assert_eq!(
        l.balances_csv(),
        format!(
            "{BALANCES}IR:expense:gas,USD,1800000000.00\nIR:payable:TM,USD,-1800000000.00\n\
             TM:receivable:IR,USD,1800000000.00\nTM:revenue:gas,USD,-1800000000.00\n"
        )
    );
    assert_eq!(debts_csv(&l), format!("{DEBTS}IR,TM,USD,1800000000.00\n"));
    let (code, rows) = reconcile_rows(&l, "mirrored");
    assert_eq!(code, Some(0));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(party_rows(&l), vec![balanced("IR", 1), balanced("TM", 1)]);
}

#[test]
fn founding_offset_and_every_balance_after_it() {
    let l = founding();
    assert_eq!(
        debts_csv(&l),
        format!("{DEBTS}IQ,IR,USD,1600000000.00\nIR,TM,USD,1800000000.00\n")
    );
    let r = l
        .run(&[
            "offset",
            "iq-ir-tm",
            "--amount",
            "1600000000 USD",
            "--date",
            "2022-06-20",
            "--id",
            "offset-2022",
        ])
        .ok();
    assert!(
        r.stdout.contains("IR owes TM 200,000,000.00 USD"),
        "{}",
        r.stdout
    );
    // Every account: Iraq owes Turkmenistan 1.6 bn, Iran owes Turkmenistan 0.2 bn, nothing
    // is left between Iraq and Iran (zero balances are not listed). The debts' origins stay:
    // TM's revenue 1.8 bn against IR's expense; IR's revenue 1.6 bn against IQ's expense.
    assert_eq!(
        l.balances_csv(),
        format!(
            "{BALANCES}IQ:expense:gas,USD,1600000000.00\nIQ:payable:TM,USD,-1600000000.00\n\
             IR:expense:gas,USD,1800000000.00\nIR:payable:TM,USD,-200000000.00\n\
             IR:revenue:gas,USD,-1600000000.00\n\
             TM:receivable:IQ,USD,1600000000.00\nTM:receivable:IR,USD,200000000.00\n\
             TM:revenue:gas,USD,-1800000000.00\n"
        )
    );
    assert_eq!(
        debts_csv(&l),
        format!("{DEBTS}IQ,TM,USD,1600000000.00\nIR,TM,USD,200000000.00\n")
    );
    // The offset is one transaction of six postings tagged with the agreement.
    let reg = l
        .run(&["report", "register", "IQ", "--format", "csv"])
        .ok()
        .stdout;
    assert!(reg.contains("offset-2022"), "{reg}");
    // As of the day before, the old debts stand.
    let before = l
        .run(&[
            "report",
            "debts",
            "--as-of",
            "2022-06-19",
            "--format",
            "csv",
        ])
        .ok()
        .stdout;
    assert_eq!(
        before,
        format!("{DEBTS}IQ,IR,USD,1600000000.00\nIR,TM,USD,1800000000.00\n")
    );
    // Check 6 holds, with the figures it compared.
    let (code, rows) = reconcile_rows(&l, "offset");
    assert_eq!(code, Some(0), "{rows:?}");
    let fig = |i: usize, k: &str| rows[i][k].as_str().unwrap_or("").to_string();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(fig(0, "check"), "offset-claim");
    assert_eq!(fig(0, "expected"), "1600000000.00");
    assert_eq!(fig(1, "check"), "offset-debt");
    assert_eq!(fig(1, "expected"), "1800000000.00");
    assert_eq!(fig(2, "check"), "offset-limit");
    assert_eq!(fig(2, "actual"), "1600000000.00");
    assert_eq!(fig(2, "difference"), "0.00");
    // Check 8: the offset balances in each of the three parties' books (IQ: its debt and the
    // offset; IR: both debts and the offset; TM: its claim on IR and the offset).
    assert_eq!(
        party_rows(&l),
        vec![balanced("IQ", 2), balanced("IR", 3), balanced("TM", 2)]
    );
    // The same id again is a no-op.
    l.run(&[
        "offset",
        "iq-ir-tm",
        "--amount",
        "1600000000 USD",
        "--date",
        "2022-06-20",
        "--id",
        "offset-2022",
    ])
    .ok();
    assert_eq!(
        debts_csv(&l),
        format!("{DEBTS}IQ,TM,USD,1600000000.00\nIR,TM,USD,200000000.00\n")
    );
}

/// Run `args`, expect exit 2 with `needle`, and the balances exactly as before.
fn refused(l: &Ledger, args: &[&str], needle: &str) {
    let before = l.balances_csv();
    l.run(args).fails(2, needle);
    assert_eq!(l.balances_csv(), before, "{args:?} changed the store");
}

#[test]
fn offset_beyond_the_limit_is_refused() {
    let l = founding();
    l.import("small.journal", offset_agreement("small", "1000000000.00"))
        .ok();
    let off = |amount: &'static str| {
        [
            "offset",
            "small",
            "--amount",
            amount,
            "--date",
            "2022-06-20",
        ]
    };
    refused(
        &l,
        &off("1200000000 USD"),
        "offset small of 1200000000.00 USD refused: it exceeds the agreement's limit by \
         200000000.00 USD (limit 1000000000.00 USD, 0.00 USD assigned already)",
    );
    // Earlier offsets under the same agreement count.
    l.run(&off("600000000 USD")).ok();
    refused(
        &l,
        &off("500000000 USD"),
        "it exceeds the agreement's limit by 100000000.00 USD (limit 1000000000.00 USD, \
         600000000.00 USD assigned already)",
    );
    l.run(&off("400000000 USD")).ok();
}

#[test]
fn offset_beyond_what_the_debtor_owes_is_refused() {
    let l = founding();
    l.import("wide.journal", offset_agreement("wide", "5000000000.00"))
        .ok();
    let args = [
        "offset",
        "wide",
        "--amount",
        "1700000000 USD",
        "--date",
        "2022-06-20",
    ];
    refused(
        &l,
        &args,
        "offset wide of 1700000000.00 USD refused: it exceeds what IQ owes IR by \
         100000000.00 USD (IQ owes IR 1600000000.00 USD)",
    );
    let msg = l.run(&args).stderr;
    assert!(
        !msg.contains("limit") && !msg.contains("IR owes TM"),
        "{msg}"
    );
}

#[test]
fn offset_beyond_what_the_intermediary_owes_is_refused() {
    let l = parties();
    l.import("wide.journal", offset_agreement("wide", "5000000000.00"))
        .ok();
    debt(&l, "IR", "TM", "1000000000 USD", "2017-01-01").ok();
    debt(&l, "IQ", "IR", "1600000000 USD", "2021-12-31").ok();
    refused(
        &l,
        &[
            "offset",
            "wide",
            "--amount",
            "1200000000 USD",
            "--date",
            "2022-06-20",
        ],
        "offset wide of 1200000000.00 USD refused: it exceeds what IR owes TM by \
         200000000.00 USD (IR owes TM 1000000000.00 USD)",
    );
    // All three at once are all named.
    l.import("tight.journal", offset_agreement("tight", "100.00"))
        .ok();
    let e = l
        .run(&[
            "offset",
            "tight",
            "--amount",
            "2000000000 USD",
            "--date",
            "2022-06-20",
        ])
        .fails(2, "refused")
        .stderr;
    for needle in [
        "limit by 1999999900.00 USD",
        "what IQ owes IR by 400000000.00 USD",
        "what IR owes TM by 1000000000.00 USD",
    ] {
        assert!(e.contains(needle), "{needle}: {e}");
    }
}

#[test]
fn offset_bad_arguments() {
    let l = founding();
    let off = |name: &'static str, amount: &'static str| {
        ["offset", name, "--amount", amount, "--date", "2022-06-20"]
    };
    refused(
        &l,
        &off("iq-ir-tn", "1 USD"),
        "no agreement named iq-ir-tn (did you mean iq-ir-tm?)",
    );
    refused(
        &l,
        &off("iq-ir-tm", "1 mcm"),
        "agreement iq-ir-tm: the offset is in USD, the amount given is in mcm",
    );
    refused(
        &l,
        &off("iq-ir-tm", "-1 USD"),
        "an offset must be positive, found -1.00 USD",
    );
    refused(
        &l,
        &off("iq-ir-tm", "1.001 USD"),
        "1.001 USD has 3 decimal places but USD allows 2",
    );
}

#[test]
fn payments_settle_and_overpaying_is_refused() {
    let l = parties();
    debt(&l, "IQ", "TM", "400000000 USD", "2022-01-01").ok();
    let pay = |amount: &'static str, id: &'static str| {
        [
            "pay",
            "--from",
            "IQ",
            "--to",
            "TM",
            "--amount",
            amount,
            "--date",
            "2022-09-30",
            "--id",
            id,
        ]
    };
    let r = l.run(&pay("150000000 USD", "pay-1")).ok();
    assert!(
        r.stdout.contains("IQ owes TM 250,000,000.00 USD now"),
        "{}",
        r.stdout
    );
    // The debt's origin (TM's revenue, IQ's expense, 400 m each) stays; the payment moves
    // 150 m of cash and takes as much off both sides of the debt.
    assert_eq!(
        l.balances_csv(),
        format!(
            "{BALANCES}IQ:cash,USD,-150000000.00\nIQ:expense:gas,USD,400000000.00\n\
             IQ:payable:TM,USD,-250000000.00\n\
             TM:cash,USD,150000000.00\nTM:receivable:IQ,USD,250000000.00\n\
             TM:revenue:gas,USD,-400000000.00\n"
        )
    );
    // A retry of the same payment is a no-op, not a second payment.
    l.run(&pay("150000000 USD", "pay-1")).ok();
    refused(
        &l,
        &pay("300000000 USD", "pay-2"),
        "IQ owes TM 250000000.00 USD; cannot pay 300000000.00 USD",
    );
    // The same id with other content is an error.
    refused(
        &l,
        &pay("100000000 USD", "pay-1"),
        "id pay-1 is recorded already with other content",
    );
    refused(
        &l,
        &[
            "pay",
            "--from",
            "IQ",
            "--to",
            "AZ",
            "--amount",
            "1 USD",
            "--date",
            "2022-09-30",
        ],
        "IQ owes AZ 0.00 USD; cannot pay 1.00 USD",
    );
    l.run(&pay("250000000 USD", "pay-3")).ok();
    assert_eq!(debts_csv(&l), DEBTS);
    // The debt and the two payments balance in each side's books.
    assert_eq!(party_rows(&l), vec![balanced("IQ", 3), balanced("TM", 3)]);
}

#[test]
fn debt_add_bad_input_is_refused() {
    let l = parties();
    let add = |d: &'static str, c: &'static str, a: &'static str| {
        [
            "debt",
            "add",
            "--debtor",
            d,
            "--creditor",
            c,
            "--amount",
            a,
            "--date",
            "2022-01-01",
        ]
    };
    refused(
        &l,
        &add("IX", "TM", "1 USD"),
        "party IX is not declared (did you mean I",
    );
    refused(
        &l,
        &add("TM", "TM", "1 USD"),
        "the debtor and the creditor must be different parties, both are TM",
    );
    refused(
        &l,
        &add("IR", "TM", "0 USD"),
        "a debt must be positive, found 0.00 USD",
    );
    refused(
        &l,
        &add("IR", "TM", "1 EUR"),
        "commodity EUR is not declared",
    );
    refused(
        &l,
        &add("IR", "TM", "1.005 USD"),
        "1.005 USD has 3 decimal places but USD allows 2",
    );
    assert_eq!(l.balances_csv(), BALANCES);
}

#[test]
fn netting_a_pure_cycle_needs_no_payment() {
    let l = parties();
    debt(&l, "IR", "TM", "100 USD", "2022-01-01").ok();
    debt(&l, "TM", "AZ", "100 USD", "2022-01-01").ok();
    debt(&l, "AZ", "IR", "100 USD", "2022-01-01").ok();
    assert_eq!(plan_csv(&l, &[]), PLAN);
    let table = l.run(&["net", "--commodity", "USD"]).ok().stdout;
    assert!(
        table.contains("no payment needed, the obligations cancel"),
        "{table}"
    );
    // Recording it closes the three debts and moves no cash.
    l.run(&[
        "net",
        "--commodity",
        "USD",
        "--record",
        "--date",
        "2022-12-31",
    ])
    .ok();
    assert_eq!(debts_csv(&l), DEBTS);
    // No cash and no claim is left; each party keeps its revenue from the debt owed to it and
    // its expense for the one it owed, 100 each.
    assert_eq!(
        l.balances_csv(),
        format!(
            "{BALANCES}AZ:expense:gas,USD,100.00\nAZ:revenue:gas,USD,-100.00\n\
             IR:expense:gas,USD,100.00\nIR:revenue:gas,USD,-100.00\n\
             TM:expense:gas,USD,100.00\nTM:revenue:gas,USD,-100.00\n"
        )
    );
    assert_eq!(reconcile_rows(&l, "").0, Some(0));
    // Two debts and the netting in each party's books.
    assert_eq!(
        party_rows(&l),
        vec![balanced("AZ", 3), balanced("IR", 3), balanced("TM", 3)]
    );
}

#[test]
fn netting_a_chain_is_one_payment() {
    let l = parties();
    debt(&l, "IQ", "IR", "1600000000 USD", "2022-01-01").ok();
    debt(&l, "IR", "TM", "1600000000 USD", "2022-01-01").ok();
    debt(&l, "TM", "AZ", "1600000000 USD", "2022-01-01").ok();
    assert_eq!(
        plan_csv(&l, &[]),
        format!("{PLAN}IQ,AZ,USD,1600000000.00\n")
    );
}

#[test]
fn netting_a_cycle_plus_a_tail() {
    let l = parties();
    // The cycle IR→TM→AZ→IR and Iraq's debt to Iran hanging off it.
    debt(&l, "IR", "TM", "500000000 USD", "2022-01-01").ok();
    debt(&l, "TM", "AZ", "200000000 USD", "2022-01-01").ok();
    debt(&l, "AZ", "IR", "300000000 USD", "2022-01-01").ok();
    debt(&l, "IQ", "IR", "400000000 USD", "2022-02-01").ok();
    let plan =
        format!("{PLAN}IQ,TM,USD,300000000.00\nAZ,IR,USD,100000000.00\nIQ,IR,USD,100000000.00\n");
    assert_eq!(plan_csv(&l, &[]), plan);
    // As of January only the cycle exists: TM +300, IR -200, AZ -100.
    assert_eq!(
        plan_csv(&l, &["--as-of", "2022-01-31"]),
        format!("{PLAN}IR,TM,USD,200000000.00\nAZ,TM,USD,100000000.00\n")
    );
    let json = l
        .run(&["net", "--commodity", "USD", "--format", "json"])
        .ok()
        .stdout;
    let doc: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(doc[0]["from"], "IQ");
    assert_eq!(doc[0]["amount"], "300000000.00");
    let table = l.run(&["report", "debts"]).ok().stdout;
    for needle in ["DEBTS BEFORE NETTING", "NET POSITIONS", "AFTER NETTING"] {
        assert!(table.contains(needle), "{needle}: {table}");
    }
}

#[test]
fn net_record_leaves_no_debt_and_reconciles() {
    let l = parties();
    debt(&l, "IR", "TM", "500000000 USD", "2022-01-01").ok();
    debt(&l, "TM", "AZ", "200000000 USD", "2022-01-01").ok();
    debt(&l, "AZ", "IR", "300000000 USD", "2022-01-01").ok();
    debt(&l, "IQ", "IR", "400000000 USD", "2022-02-01").ok();
    let r = l
        .run(&[
            "net",
            "--commodity",
            "USD",
            "--record",
            "--date",
            "2022-12-31",
        ])
        .ok();
    assert!(r.stdout.contains("4 debts"), "{}", r.stdout);
    assert_eq!(debts_csv(&l), DEBTS);
    // What is left is the plan's cash: each party's cash moved by its net position, against
    // the debts' origins: revenue for what was owed to it (TM 500; AZ 200; IR 300 + 400),
    // expense for what it owed (IR 500; TM 200; AZ 300; IQ 400). Each party's cash is its
    // revenue less its expense: TM 500 − 200, AZ 200 − 300, IR 700 − 500, IQ −400.
    assert_eq!(
        l.balances_csv(),
        format!(
            "{BALANCES}AZ:cash,USD,-100000000.00\nAZ:expense:gas,USD,300000000.00\n\
             AZ:revenue:gas,USD,-200000000.00\n\
             IQ:cash,USD,-400000000.00\nIQ:expense:gas,USD,400000000.00\n\
             IR:cash,USD,200000000.00\nIR:expense:gas,USD,500000000.00\n\
             IR:revenue:gas,USD,-700000000.00\n\
             TM:cash,USD,300000000.00\nTM:expense:gas,USD,200000000.00\n\
             TM:revenue:gas,USD,-500000000.00\n"
        )
    );
    let (code, rows) = reconcile_rows(&l, "");
    assert_eq!(code, Some(0), "{rows:?}");
    // The netting transaction balances in each party's books: its debts closed against its
    // cash.
    assert_eq!(
        party_rows(&l),
        vec![
            balanced("AZ", 3),
            balanced("IQ", 2),
            balanced("IR", 4),
            balanced("TM", 3)
        ]
    );
    l.run(&["verify"]).ok();
    // Nothing left to net.
    let again = l
        .run(&[
            "net",
            "--commodity",
            "USD",
            "--record",
            "--date",
            "2022-12-31",
        ])
        .ok()
        .stdout;
    assert!(again.contains("nothing to net"), "{again}");
    l.run(&["net", "--commodity", "USD", "--record"])
        .fails(2, "--date");
}

#[test]
fn net_refuses_broken_mirrors() {
    let l = parties();
    debt(&l, "IR", "TM", "500 USD", "2022-01-01").ok();
    l.run(&["account", "add", "TM:revenue"]).ok();
    l.record(
        "2022-01-02",
        "one-sided",
        &["TM:receivable:IR 10 USD", "TM:revenue -10 USD"],
        &[],
    )
    .ok();
    refused(
        &l,
        &[
            "net",
            "--commodity",
            "USD",
            "--record",
            "--date",
            "2022-12-31",
        ],
        "cannot net USD: TM:receivable:IR + IR:payable:TM = 10.00, not zero",
    );
}

#[test]
fn an_offset_beyond_the_limit_is_refused_on_import_as_by_the_command() {
    let l = parties();
    // Through import, not `offset`, the same rule holds: the limit is 1.5 bn, the offset
    // assigns 1.6 bn (Iraq owed Iran 1.6 bn and Iran owed Turkmenistan 1.8 bn, so only the
    // limit is broken). Check 6 still reports such an offset in a store written before.
    let journal = format!(
        "{}
2017-01-01 * Iran's debt   ; id: debt-ir-tm
    TM:receivable:IR     1800000000.00 USD
    TM:revenue:gas      -1800000000.00 USD
    IR:expense:gas       1800000000.00 USD
    IR:payable:TM       -1800000000.00 USD

2021-12-31 * Iraq's debt   ; id: debt-iq-ir
    IR:receivable:IQ     1600000000.00 USD
    IR:revenue:gas      -1600000000.00 USD
    IQ:expense:gas       1600000000.00 USD
    IQ:payable:IR       -1600000000.00 USD

2022-06-20 * Offset beyond the limit   ; id: planted, agreement: iq-ir-tm
    IQ:payable:IR        1600000000.00 USD
    IQ:payable:TM       -1600000000.00 USD
    IR:receivable:IQ    -1600000000.00 USD
    IR:payable:TM        1600000000.00 USD
    TM:receivable:IQ     1600000000.00 USD
    TM:receivable:IR    -1600000000.00 USD
",
        offset_agreement("iq-ir-tm", "1500000000.00")
    );
    let chart = CHART;
    let before = l.run(&["export"]).stdout;
    let r = l.import("planted.journal", format!("{chart}{journal}"));
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(
        r.stderr.contains("offset agreement iq-ir-tm would assign 1,600,000,000.00 USD in all, more than its limit of 1,500,000,000.00 USD"),
        "{}",
        r.stderr
    );
    assert_eq!(l.run(&["export"]).stdout, before);
    assert_eq!(l.run(&["verify"]).code, Some(0));
}

#[test]
fn an_imported_offset_beyond_what_was_owed_is_refused() {
    let l = parties();
    let chart = CHART;
    let journal = format!(
        "{chart}{}
2017-01-01 * Iran's debt   ; id: debt-ir-tm
    TM:receivable:IR     1800000000.00 USD
    TM:revenue:gas      -1800000000.00 USD
    IR:expense:gas       1800000000.00 USD
    IR:payable:TM       -1800000000.00 USD

2021-12-31 * Iraq's debt   ; id: debt-iq-ir
    IR:receivable:IQ     1000000000.00 USD
    IR:revenue:gas      -1000000000.00 USD
    IQ:expense:gas       1000000000.00 USD
    IQ:payable:IR       -1000000000.00 USD

2022-06-20 * Offset beyond the claim   ; id: planted, agreement: iq-ir-tm
    IQ:payable:IR        1200000000.00 USD
    IQ:payable:TM       -1200000000.00 USD
    IR:receivable:IQ    -1200000000.00 USD
    IR:payable:TM        1200000000.00 USD
    TM:receivable:IQ     1200000000.00 USD
    TM:receivable:IR    -1200000000.00 USD
",
        offset_agreement("iq-ir-tm", "1600000000.00")
    );
    // The import applies the same rule as `offset`: what is assigned must be owed at the
    // offset's date and after, so the planted offset never reaches the books.
    l.import("planted.journal", &journal).fails(
        2,
        "Offset beyond the claim (planted), dated 2022-06-20, takes 1200000000.00 USD off \
         what IQ owes IR",
    );
    assert_eq!(debts_csv(&l), DEBTS);
    let (code, rows) = reconcile_rows(&l, "offset");
    assert_eq!(code, Some(0), "{rows:?}");
}

#[test]
fn offset_agreements_from_the_command_line_and_from_files_are_validated() {
    let l = parties();
    let add = |name: &'static str, via: &'static str, limit: &'static str| {
        [
            "agreement",
            "add",
            name,
            "--kind",
            "offset",
            "--debtor",
            "IQ",
            "--via",
            via,
            "--creditor",
            "TM",
            "--commodity",
            "USD",
            "--limit",
            limit,
        ]
    };
    l.run(&add("iq-ir-tm", "IR", "1600000000")).ok();
    // The same terms again change nothing; they are stored at the commodity's scale.
    l.run(&add("iq-ir-tm", "IR", "1600000000")).ok();
    let export = l.run(&["export"]).ok().stdout;
    assert!(
        export.contains("    limit      1600000000.00\n"),
        "{export}"
    );
    l.run(&add("same", "IQ", "1")).fails(
        2,
        "agreement same: the debtor and the intermediary (via) must be different parties, both are IQ",
    );
    l.run(&add("fine", "IR", "1.001")).fails(
        2,
        "agreement fine: limit: 1.001 USD has 3 decimal places but USD allows 2",
    );
    l.run(&add("zero", "IR", "0"))
        .fails(2, "agreement zero: limit must be positive, found 0.00");
    // A file's offset agreement is refused where it stands, and nothing of the file is loaded.
    let bad = format!(
        "account TM:cash\n{}",
        offset_agreement("bad", "1.00").replace("IQ", "XX")
    );
    l.import("bad.journal", &bad).fails(
        2,
        "bad.journal:2:1: agreement bad: party XX is not declared",
    );
    assert!(!l.run(&["export"]).ok().stdout.contains("TM:cash"));
}
