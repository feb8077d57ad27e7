//! The notice of an assignment through the real binary (issue 19): an offset agreement's
//! `notice`, from the command line and the journal; a payment to the intermediary before the
//! notice that discharges the debtor (its own claim first, the rest off the assigned one);
//! after the notice only the creditor discharges the debtor (`pay` refuses, saying why, and
//! `reconcile` flags a payment to the intermediary for the assigned claim, exit 1); partial
//! assignments; a retry changing nothing.

mod common;

use common::{Ledger, Run};
use serde_json::Value;

/// USD, the parties IQ, IR, TM; Iran owes Turkmenistan $1.8 bn, Iraq owes Iran $1.6 bn;
/// the agreement iq-ir-tm (up to $1.6 bn, notified to Iraq on 2022-08-01) and, on 2022-06-20,
/// the assignment of `assigned` of Iran's claim on Iraq.
fn assigned(assigned: &str) -> Ledger {
    let l = Ledger::new();
    l.run(&["commodity", "add", "USD", "--kind", "money", "--scale", "2"])
        .ok();
    for p in ["IQ", "IR", "TM"] {
        l.run(&["party", "add", p]).ok();
    }
    debt(&l, "IR", "TM", "1800000000 USD", "2017-01-01");
    debt(&l, "IQ", "IR", "1600000000 USD", "2021-12-31");
    let out = l.ok(&[
        "agreement",
        "add",
        "iq-ir-tm",
        "--kind",
        "offset",
        "--debtor",
        "IQ",
        "--via",
        "IR",
        "--creditor",
        "TM",
        "--commodity",
        "USD",
        "--limit",
        "1600000000",
        "--notice",
        "2022-08-01",
    ]);
    assert_eq!(
        out,
        "declared offset agreement iq-ir-tm: IQ owes IR, IR owes TM; up to 1,600,000,000.00 USD \
         assignable; notified to IQ on 2022-08-01\n"
    );
    l.run(&[
        "offset",
        "iq-ir-tm",
        "--amount",
        assigned,
        "--date",
        "2022-06-20",
        "--id",
        "offset",
    ])
    .ok();
    l
}

fn debt(l: &Ledger, debtor: &str, creditor: &str, amount: &str, date: &str) {
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
    .ok();
}

fn pay(l: &Ledger, to: &str, amount: &str, date: &str, id: &str) -> Run {
    l.run(&[
        "pay", "--from", "IQ", "--to", to, "--amount", amount, "--date", date, "--id", id,
    ])
}

fn debts(l: &Ledger) -> String {
    l.ok(&["report", "debts", "--format", "csv"])
}

/// The `assignment-notice` rows of `reconcile --format json`, and its exit status.
fn notice_rows(l: &Ledger) -> (Option<i32>, Vec<Value>) {
    let r = l.run(&["reconcile", "--format", "json"]);
    let json: Value = serde_json::from_str(&r.stdout).expect("json");
    let rows = json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["check"] == "assignment-notice")
        .cloned()
        .collect();
    (r.code, rows)
}

const BEFORE_NOTICE: &str = "\
2022-07-15 * Payment: IQ pays IR before the notice of iq-ir-tm (assigned to TM)  ; id: before, assignment: iq-ir-tm
    IQ:payable:IR      400000000.00 USD
    IQ:payable:TM      100000000.00 USD
    IQ:cash           -500000000.00 USD
    IR:cash            500000000.00 USD
    IR:receivable:IQ  -400000000.00 USD
    IR:payable:TM     -100000000.00 USD
    TM:receivable:IQ  -100000000.00 USD
    TM:receivable:IR   100000000.00 USD
";

#[test]
fn a_payment_before_notice_discharges_the_debtor_and_the_assignment_covers_the_rest() {
    // A partial assignment: $1.2 bn of the $1.6 bn; Iraq still owes Iran $0.4 bn itself.
    let l = assigned("1200000000 USD");
    let out = pay(&l, "IR", "500000000 USD", "2022-07-15", "before")
        .ok()
        .stdout;
    assert_eq!(
        out,
        "recorded 2022-07-15 payment: IQ pays IR 500,000,000.00 USD (transaction 3, id before); \
         IQ owes IR 0.00 USD now\n"
    );
    let export = l.export();
    assert!(export.contains(BEFORE_NOTICE), "{export}");
    // $400 m paid Iran's own claim; $100 m came off the assigned one, which Iran now owes
    // Turkmenistan again.
    assert_eq!(
        debts(&l),
        "debtor,creditor,commodity,amount\nIQ,TM,USD,1100000000.00\nIR,TM,USD,700000000.00\n"
    );
    let (code, rows) = notice_rows(&l);
    assert_eq!(code, Some(0));
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["subject"],
        "iq-ir-tm: nothing paid to IR for the claim assigned to TM from its notice of 2022-08-01"
    );
    // The same command again changes nothing.
    let out = pay(&l, "IR", "500000000 USD", "2022-07-15", "before")
        .ok()
        .stdout;
    assert!(out.starts_with("already recorded"), "{out}");
    assert_eq!(l.export(), export);
    // After the notice, Iraq pays Turkmenistan.
    pay(&l, "TM", "400000000 USD", "2022-09-30", "after").ok();
    assert_eq!(
        debts(&l),
        "debtor,creditor,commodity,amount\nIQ,TM,USD,700000000.00\nIR,TM,USD,700000000.00\n"
    );
    l.run(&["reconcile"]).ok();
}

#[test]
fn after_notice_only_paying_the_creditor_discharges_the_debtor() {
    let l = assigned("1600000000 USD");
    let before = l.export();
    pay(&l, "IR", "50000000 USD", "2022-08-01", "late").fails(
        2,
        "IQ owes IR 0.00 USD on 2022-08-01; cannot pay it 50000000.00 USD: IR's claim on IQ was \
         assigned to TM under iq-ir-tm, notified to IQ on 2022-08-01, and from then IQ is \
         discharged only by paying TM",
    );
    assert_eq!(l.export(), before, "nothing recorded");
    // The day before the notice, the same payment discharges Iraq (all of it off the
    // assigned claim: Iraq owed Iran nothing else).
    pay(&l, "IR", "50000000 USD", "2022-07-31", "in-time").ok();
    assert_eq!(
        debts(&l),
        "debtor,creditor,commodity,amount\nIQ,TM,USD,1550000000.00\nIR,TM,USD,250000000.00\n"
    );
    // Beyond what Iraq owed in all, before the notice: refused as any overpayment.
    pay(&l, "IR", "1600000000 USD", "2022-07-31", "too-much").fails(
        2,
        "IQ owes IR 1550000000.00 USD; cannot pay 1600000000.00 USD",
    );
}

#[test]
fn a_partial_assignment_leaves_the_intermediary_its_own_claim_after_notice() {
    let l = assigned("1200000000 USD");
    // After the notice Iraq may still pay Iran what it owes Iran itself: a plain payment.
    pay(&l, "IR", "100000000 USD", "2022-09-01", "own").ok();
    let export = l.export();
    assert!(export.contains(
        "2022-09-01 * Payment: IQ pays IR  ; id: own\n    IQ:payable:IR      100000000.00 USD\n"
    ));
    // More than that is for the assigned claim: refused, with what Iraq still owes Iran.
    pay(&l, "IR", "400000000 USD", "2022-09-02", "more").fails(
        2,
        "IQ owes IR 300000000.00 USD on 2022-09-02; cannot pay it 400000000.00 USD: IR's claim \
         on IQ was assigned to TM under iq-ir-tm",
    );
    let (code, rows) = notice_rows(&l);
    assert_eq!((code, rows.len()), (Some(0), 1));
}

/// A payment to Iran for the claim assigned to Turkmenistan, as a journal may hold it.
fn paid_to_iran(date: &str) -> String {
    format!(
        "account IQ:cash  ; type: asset\naccount IR:cash  ; type: asset\n\n\
         {date} * Iraq pays Iran for the claim assigned to Turkmenistan  ; id: wrong-{date}\n\
         \x20   IQ:payable:TM      50000000.00 USD\n\
         \x20   IQ:cash           -50000000.00 USD\n\
         \x20   IR:cash            50000000.00 USD\n\
         \x20   IR:payable:TM     -50000000.00 USD\n\
         \x20   TM:receivable:IQ  -50000000.00 USD\n\
         \x20   TM:receivable:IR   50000000.00 USD\n"
    )
}

#[test]
fn reconcile_flags_a_payment_to_the_old_creditor_after_notice() {
    let l = assigned("1600000000 USD");
    // Before the notice it discharges Iraq: nothing to flag.
    l.import("before.journal", paid_to_iran("2022-07-31")).ok();
    let (code, rows) = notice_rows(&l);
    assert_eq!((code, rows.len()), (Some(0), 1));
    // On the day of the notice it no longer does.
    l.import("after.journal", paid_to_iran("2022-08-01")).ok();
    let (code, rows) = notice_rows(&l);
    assert_eq!(code, Some(1));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "mismatch");
    assert_eq!(rows[0]["expected"], "0.00");
    assert_eq!(rows[0]["actual"], "50000000.00");
    assert_eq!(rows[0]["difference"], "50000000.00");
    assert_eq!(
        rows[0]["subject"],
        "iq-ir-tm wrong-2022-08-01 (2022-08-01): IQ paid IR for the claim assigned to TM, after \
         its notice of 2022-08-01"
    );
    // Every other check agrees; as of the day before the notice, nothing is flagged.
    let r = l.run(&["reconcile"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.contains("1 mismatch\n"), "{}", r.stdout);
    l.run(&["reconcile", "--as-of", "2022-07-31"]).ok();
}

#[test]
fn the_notice_is_a_field_of_the_offset_agreement() {
    let l = assigned("1600000000 USD");
    assert!(l
        .export()
        .contains("    limit      1600000000.00\n    notice     2022-08-01\n"));
    let again = Ledger::new();
    again.import("export.journal", l.export()).ok();
    assert_eq!(again.export(), l.export());
    // A notice that is no date, and a notice on a swap, are refused.
    let bad = "commodity 1000.00 USD\naccount IQ\naccount IR\naccount TM\n\n\
               agreement x\n    kind offset\n    debtor IQ\n    via IR\n    creditor TM\n    \
               commodity USD\n    limit 1.00\n    notice 2022-02-30\n";
    Ledger::new()
        .import("bad.journal", bad)
        .fails(2, "agreement x: notice: 2022-02-30 is not a date");
    l.run(&[
        "agreement",
        "add",
        "s",
        "--kind",
        "swap",
        "--notice",
        "2022-08-01",
    ])
    .fails(2, "--notice does not apply to a swap agreement");
    // Without a notice, the assignment binds Iraq from the offset's date: paying Iran beyond
    // what Iraq owes it is an overpayment, whenever it is dated.
    let plain = Ledger::new();
    plain
        .import("plain.journal", bad.replace("    notice 2022-02-30\n", ""))
        .ok();
    debt(&plain, "IR", "TM", "1.00 USD", "2017-01-01");
    debt(&plain, "IQ", "IR", "1.00 USD", "2021-12-31");
    plain
        .run(&["offset", "x", "--amount", "1 USD", "--date", "2022-06-20"])
        .ok();
    pay(&plain, "IR", "1 USD", "2022-06-21", "p")
        .fails(2, "IQ owes IR 0.00 USD; cannot pay 1.00 USD");
}
