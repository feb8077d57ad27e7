//! An offset written in a journal meets the rules the `offset` command keeps (issue 15): it
//! assigns what it takes off the intermediary's debt, and the offsets under one agreement never
//! assign more, in all, than its limit.

mod common;

use common::Ledger;

const BOOKS: &str = "\
commodity 1000.00 USD  ; kind: money

account TM  ; party: Turkmenistan
account IR  ; party: Iran
account IQ  ; party: Iraq
account TM:receivable:IR  ; type: asset
account TM:receivable:IQ  ; type: asset
account TM:revenue:gas  ; type: revenue
account IR:payable:TM  ; type: liability
account IR:receivable:IQ  ; type: asset
account IR:revenue:gas  ; type: revenue
account IR:expense:gas  ; type: expense
account IQ:payable:IR  ; type: liability
account IQ:payable:TM  ; type: liability
account IQ:expense:gas  ; type: expense

agreement iq-ir-tm
    kind       offset
    debtor     IQ
    via        IR
    creditor   TM
    commodity  USD
    limit      500.00

2022-01-01 * IR owes TM  ; id: ir-tm
    TM:receivable:IR   1000.00 USD
    TM:revenue:gas    -1000.00 USD
    IR:expense:gas     1000.00 USD
    IR:payable:TM     -1000.00 USD

2022-01-01 * IQ owes IR  ; id: iq-ir
    IR:receivable:IQ   1000.00 USD
    IR:revenue:gas    -1000.00 USD
    IQ:expense:gas     1000.00 USD
    IQ:payable:IR     -1000.00 USD
";

/// An offset of `assigned` off IR's claim, reducing IR's debt by `reduced`.
fn offset(date: &str, id: &str, assigned: &str, reduced: &str) -> String {
    format!(
        "{date} * Offset  ; id: {id}, agreement: iq-ir-tm\n    IQ:payable:IR      {assigned} USD\n    IQ:payable:TM     -{assigned} USD\n    IR:receivable:IQ  -{assigned} USD\n    IR:payable:TM      {reduced} USD\n    TM:receivable:IQ   {assigned} USD\n    TM:receivable:IR  -{reduced} USD\n"
    )
}

fn books() -> Ledger {
    let l = Ledger::new();
    l.import("books.ledger", BOOKS).ok();
    l
}

#[test]
fn imported_offsets_stay_within_the_agreements_limit() {
    let l = books();
    l.import(
        "first.ledger",
        offset("2022-02-01", "o1", "300.00", "300.00"),
    )
    .ok();
    let before = l.run(&["export"]).ok().stdout;
    // 300 + 300 is more than the 500 the agreement allows, though both debts could carry it.
    let r = l.import(
        "second.ledger",
        offset("2022-03-01", "o2", "300.00", "300.00"),
    );
    assert_eq!(r.code, Some(2), "{r:#?}");
    // Checked at the commit, and still named by its place in the file.
    assert!(r.stderr.contains("second.ledger:1:1: "), "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "offset agreement iq-ir-tm would assign 600.00 USD in all, more than its limit of 500.00 USD"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(l.run(&["export"]).ok().stdout, before);
    // Within the limit it is recorded, and the command refuses what is left beyond it too.
    l.import(
        "third.ledger",
        offset("2022-03-01", "o3", "200.00", "200.00"),
    )
    .ok();
    let r = l.run(&[
        "offset",
        "iq-ir-tm",
        "--amount",
        "0.01 USD",
        "--date",
        "2022-04-01",
    ]);
    assert_eq!(r.code, Some(2), "{r:#?}");
    let r = l.run(&["reconcile"]);
    assert_eq!(r.code, Some(0), "{r:#?}");
}

#[test]
fn an_imported_offset_must_reduce_the_debt_by_what_it_assigns() {
    let l = books();
    let before = l.run(&["export"]).ok().stdout;
    // IR gives up 300 of its claim on IQ but its debt to TM shrinks by 400: postings that
    // balance, and are no offset. (The 100 difference is booked to IQ's payable to TM.)
    let text = "2022-02-01 * Offset  ; agreement: iq-ir-tm\n    IQ:payable:IR      300.00 USD\n    IQ:payable:TM     -400.00 USD\n    IR:receivable:IQ  -300.00 USD\n    IR:payable:TM      400.00 USD\n    TM:receivable:IQ   400.00 USD\n    TM:receivable:IR  -400.00 USD\n";
    let r = l.import("bad.ledger", text);
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(r.stderr.contains("bad.ledger:1:"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("gives up 300.00 USD of IR's claim but reduces its debt to TM by 400.00 USD"),
        "{}",
        r.stderr
    );
    assert_eq!(l.run(&["export"]).ok().stdout, before);
}

/// A write refused by a rule that needs the whole journal (a back-dated payment, an offset
/// beyond its limit) leaves no trace: after it, a write that succeeds leaves a store that
/// verifies. (The refused write's id entries used to stay behind, past the head, and came
/// inside it with the next commit.)
#[test]
fn a_write_refused_at_its_commit_leaves_no_id_behind() {
    let l = books();
    let pay = |date: &str, id: &str| {
        format!(
            "{date} * IR pays TM  ; id: {id}\n    TM:receivable:IR  -100.00 USD\n    TM:revenue:gas  100.00 USD\n    IR:payable:TM  100.00 USD\n    IR:expense:gas  -100.00 USD\n"
        )
    };
    // Before the debt of 2022-01-01: refused.
    let r = l.import("early.ledger", pay("2021-12-01", "early"));
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(r.stderr.contains("early.ledger:1:1: "), "{}", r.stderr);
    let r = l.run(&[
        "offset",
        "iq-ir-tm",
        "--amount",
        "600 USD",
        "--date",
        "2022-02-01",
        "--id",
        "too-much",
    ]);
    assert_eq!(r.code, Some(2), "{r:#?}");
    l.import("later.ledger", pay("2022-02-01", "later")).ok();
    l.import(
        "offset.ledger",
        offset("2022-02-02", "o1", "100.00", "100.00"),
    )
    .ok();
    l.run(&["verify"]).ok();
    assert_eq!(l.run(&["reconcile"]).code, Some(0));
}
