//! Sales and interest on arrears through the real binary on a temp store (issue 19): a
//! delivery's postings and each party's books, its invoice and due date, the same rules for a
//! delivery written in a journal, interest under act/365, act/360 and 30E/360 against hand
//! computations, payments reducing the base from their date, `--record` charging once, the
//! scenario of 2013–2017, and every refusal.

mod common;

use common::{Ledger, Run};

/// USD (scale 2), mcm (scale 3), the parties TM and IR, and the sale agreement `tm-ir`
/// (109,000.00 USD per mcm, 30 days, 6% act/365).
fn sale() -> Ledger {
    let l = Ledger::new();
    l.ok(&["commodity", "add", "USD", "--kind", "money", "--scale", "2"]);
    l.ok(&[
        "commodity",
        "add",
        "mcm",
        "--kind",
        "volume",
        "--scale",
        "3",
    ]);
    for p in ["TM", "IR"] {
        l.ok(&["party", "add", p]);
    }
    agreement(&l, "tm-ir", "109000 USD", "30", &["--interest", "6%"]).ok();
    l
}

fn agreement(l: &Ledger, name: &str, price: &str, days: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "agreement",
        "add",
        name,
        "--kind",
        "sale",
        "--seller",
        "TM",
        "--buyer",
        "IR",
        "--commodity",
        "mcm",
        "--price",
        price,
        "--due-days",
        days,
    ];
    args.extend_from_slice(extra);
    l.run(&args)
}

fn deliver(l: &Ledger, name: &str, date: &str, volume: &str) -> Run {
    l.run(&["deliver", name, "--date", date, "--volume", volume])
}

fn interest_csv(l: &Ledger, to: &str) -> String {
    l.ok(&["interest", "--to", to, "--format", "csv"])
}

const INTEREST: &str =
    "debtor,creditor,commodity,invoice,due,from,to,days,base,rate,day_count,interest\n";

/// The transactions of the journal export, from the first dated line on.
fn transactions(l: &Ledger) -> String {
    let export = l.export();
    let start = export
        .lines()
        .position(|line| line.starts_with("20"))
        .expect("a transaction");
    export.lines().skip(start).collect::<Vec<_>>().join("\n") + "\n"
}

#[test]
fn a_delivery_books_the_gas_and_the_invoice_on_each_side() {
    let l = sale();
    let out = deliver(&l, "tm-ir", "2022-01-31", "160").ok().stdout;
    assert_eq!(
        out,
        "recorded 2022-01-31 delivery under tm-ir: TM sells 160.000 mcm to IR; invoice \
         tm-ir-2022-01-31 of 17,440,000.00 USD (160.000 mcm × 109,000.00 USD), due 2022-03-02 \
         (transaction 0, id tm-ir-2022-01-31); in all, IR owes TM 17,440,000.00 USD\n"
    );
    assert_eq!(
        transactions(&l),
        "2022-01-31 * Delivery under tm-ir: TM sells 160.000 mcm to IR  ; id: tm-ir-2022-01-31, agreement: tm-ir, due: 2022-03-02
    TM:receivable:IR      17440000.00 USD
    TM:revenue:gas       -17440000.00 USD
    TM:gas:delivered         -160.000 mcm
    TM:expense:gas-sold       160.000 mcm
    IR:gas:received           160.000 mcm @@ 17440000.00 USD
    IR:payable:TM        -17440000.00 USD
"
    );
    // Each party's books balance (check 8), the claim mirrors the debt (check 4).
    let r = l.run(&["reconcile", "--format", "csv"]).ok().stdout;
    assert!(r.contains("party-balance"), "{r}");
    assert!(!r.contains("mismatch"), "{r}");
    for p in ["TM", "IR"] {
        l.ok(&["export", "--party", p, "--format", "hledger"]);
    }
    assert_eq!(
        l.ok(&["report", "balances", "--party", "TM", "--format", "csv"]),
        "account,commodity,balance\nTM:expense:gas-sold,mcm,160.000\n\
         TM:gas:delivered,mcm,-160.000\nTM:receivable:IR,USD,17440000.00\n\
         TM:revenue:gas,USD,-17440000.00\n"
    );
    // The same delivery again records nothing; the accounts were opened with their types.
    let again = deliver(&l, "tm-ir", "2022-01-31", "160 mcm").ok().stdout;
    assert!(again.starts_with("already recorded"), "{again}");
    let export = l.export();
    for line in [
        "account IR:gas:received  ; type: asset",
        "account TM:expense:gas-sold  ; type: expense",
        "account TM:revenue:gas  ; type: revenue",
        "account IR:payable:TM  ; type: liability",
    ] {
        assert!(export.contains(line), "{line}\n{export}");
    }
}

#[test]
fn the_invoice_is_due_after_the_agreements_days_and_rounded_once() {
    let l = sale();
    agreement(&l, "odd", "109000.55 USD", "30", &[]).ok();
    // 2016-01-31 + 30 days is 2016-03-01 (February has 29 days in 2016).
    let out = deliver(&l, "tm-ir", "2016-01-31", "1").ok().stdout;
    assert!(out.contains("due 2016-03-01"), "{out}");
    // 1,234.567 × 109,000.55 = 134,568,482.01185, rounded half-even to .01.
    let out = deliver(&l, "odd", "2016-02-01", "1234.567").ok().stdout;
    assert!(
        out.contains(
            "invoice odd-2016-02-01 of 134,568,482.01 USD (1,234.567 mcm × 109,000.55 USD = \
             134,568,482.01185 exactly, rounded half-even to 134,568,482.01), due 2016-03-02"
        ),
        "{out}"
    );
    // 0.005 × 109,000.55 = 545.00275 → 545.00.
    let out = deliver(&l, "odd", "2016-02-02", "0.005").ok().stdout;
    assert!(out.contains("of 545.00 USD"), "{out}");
    // Ties go to the even cent: 0.5 × 0.25 = 0.125 → 0.12; 1.5 × 0.25 = 0.375 → 0.38.
    agreement(&l, "tie", "0.25 USD", "0", &[]).ok();
    let out = deliver(&l, "tie", "2016-02-03", "0.5").ok().stdout;
    assert!(out.contains("of 0.12 USD"), "{out}");
    let out = deliver(&l, "tie", "2016-02-04", "1.5").ok().stdout;
    assert!(
        out.contains("of 0.38 USD") && out.contains("due 2016-02-04"),
        "{out}"
    );
    deliver(&l, "tie", "2016-02-05", "0.001").fails(2, "nothing to invoice");
    l.run(&["reconcile"]).ok();
}

/// A journal delivery under `tm-ir` of 10 mcm on 2022-01-31, with lines to change.
fn journal_delivery(receivable: &str, due: &str, received: &str) -> String {
    format!(
        "2022-01-31 * Delivery   ; id: j-1, agreement: tm-ir, due: {due}
    TM:receivable:IR      {receivable} USD
    TM:revenue:gas       -1090000.00 USD
    TM:gas:delivered        -10.000 mcm
    TM:expense:gas-sold      10.000 mcm
    IR:gas:received          {received}
    IR:payable:TM        -1090000.00 USD
"
    )
}

#[test]
fn a_journal_delivery_meets_the_same_rules_as_the_command() {
    let l = sale();
    l.ok(&["deliver", "tm-ir", "--date", "2022-01-01", "--volume", "1"]);
    let good = journal_delivery("1090000.00", "2022-03-02", "10.000 mcm @@ 1090000.00 USD");
    // Wrong amounts, due date, price, missing id: each refused, naming the file and line.
    for (text, needle) in [
        (
            journal_delivery("1090000.01", "2022-03-02", "10.000 mcm @@ 1090000.01 USD")
                .replace("-1090000.00 USD\n", "-1090000.01 USD\n"),
            "TM:receivable:IR posts 1090000.01 USD, expected 1090000.00 USD",
        ),
        (
            journal_delivery("1090000.00", "2022-03-01", "10.000 mcm @@ 1090000.00 USD"),
            "due: 2022-03-01 should be 2022-03-02 (2022-01-31 + 30 days)",
        ),
        (
            journal_delivery("1090000.00", "2022-03-02", "10.000 mcm @ 109000.00 USD"),
            "IR:gas:received posts 10.000 mcm @ 109000 USD; the buyer's gas is 10.000 mcm @@ \
             1090000.00 USD",
        ),
        (
            good.replace("id: j-1, ", ""),
            "a delivery is an invoice: give it an id",
        ),
        (
            good.replace("agreement: tm-ir, due", "agreement: tm-ir, leg: entry, due"),
            "cannot be a swap leg",
        ),
        (
            good.replace("due: 2022-03-02", "note: x"),
            "a delivery (tagged due: DATE) or an interest charge",
        ),
    ] {
        let path = l.file("bad.journal", &text);
        let r = l.import_files(&[&path]);
        let r = r.fails(2, needle);
        assert!(r.stderr.contains("bad.journal:1:"), "{}", r.stderr);
    }
    // Gas on the wrong account is refused too; the right one is accepted.
    let wrong = good.replace("TM:expense:gas-sold", "TM:cash");
    l.ok(&["account", "add", "TM:cash"]);
    l.import("wrong.journal", wrong)
        .fails(2, "it posts to TM:cash, but only to");
    l.import("good.journal", &good).ok();
    // What the command wrote imports into a fresh store under the same agreement.
    let again = Ledger::new();
    again.import("all.journal", l.export()).ok();
    assert_eq!(again.export(), l.export());
    l.run(&["reconcile"]).ok();
}

/// The chart and one sale per day count, each delivery on its day (for due dates below).
fn day_counts() -> Ledger {
    let l = sale();
    agreement(
        &l,
        "a360",
        "1000000 USD",
        "30",
        &["--interest", "5.5%", "--day-count", "act/360"],
    )
    .ok();
    agreement(
        &l,
        "e30",
        "1000000 USD",
        "30",
        &["--interest", "6%", "--day-count", "30/360"],
    )
    .ok();
    agreement(
        &l,
        "a365",
        "1000000 USD",
        "30",
        &["--interest", "6%", "--day-count", "act/365"],
    )
    .ok();
    l
}

#[test]
fn interest_under_each_day_count_is_the_hand_computation() {
    let l = day_counts();
    // Each invoice 1,000,000.00 USD, due 2016-01-31 (2016-01-01 + 30 days).
    for name in ["a365", "a360"] {
        l.ok(&[
            "deliver",
            name,
            "--date",
            "2016-01-01",
            "--volume",
            "1",
            "--id",
            name,
        ]);
    }
    // act/365 over a leap year: 2016-01-31 to 2017-01-31 is 366 days;
    // 1,000,000 × 6% × 366 / 365 = 60,164.383561… → 60,164.38.
    // act/360: 1,000,000 × 5.5% × 366 / 360 = 55,916.666… → 55,916.67.
    assert_eq!(
        interest_csv(&l, "2017-01-31"),
        format!(
            "{INTEREST}IR,TM,USD,a365,2016-01-31,2016-01-31,2017-01-31,366,1000000.00,6%,act/365,60164.38\n\
             IR,TM,USD,a360,2016-01-31,2016-01-31,2017-01-31,366,1000000.00,5.5%,act/360,55916.67\n"
        )
    );
}

#[test]
fn thirty_e_360_counts_the_31st_as_the_30th_and_leaves_february_alone() {
    let l = day_counts();
    // Due 2016-01-31 (from 2016-01-01) and 2016-02-29 (from 2016-01-30, a leap year).
    l.ok(&[
        "deliver",
        "e30",
        "--date",
        "2016-01-01",
        "--volume",
        "1",
        "--id",
        "jan",
    ]);
    l.ok(&[
        "deliver",
        "e30",
        "--date",
        "2016-01-30",
        "--volume",
        "1",
        "--id",
        "feb",
    ]);
    // 2016-01-31 → 2016-03-31: (30 − 30) + 2 × 30 = 60 days: 1,000,000 × 6% × 60/360 = 10,000.00.
    // 2016-02-29 → 2016-03-31: (30 − 29) + 30 = 31 days: × 31/360 = 5,166.666… → 5,166.67.
    assert_eq!(
        interest_csv(&l, "2016-03-31"),
        format!(
            "{INTEREST}IR,TM,USD,jan,2016-01-31,2016-01-31,2016-03-31,60,1000000.00,6%,30/360,10000.00\n\
             IR,TM,USD,feb,2016-02-29,2016-02-29,2016-03-31,31,1000000.00,6%,30/360,5166.67\n"
        )
    );
}

#[test]
fn a_payment_reduces_the_base_from_its_date_oldest_due_first() {
    let l = day_counts();
    l.ok(&[
        "deliver",
        "a365",
        "--date",
        "2016-01-01",
        "--volume",
        "1",
        "--id",
        "old",
    ]);
    l.ok(&[
        "deliver",
        "a365",
        "--date",
        "2016-02-01",
        "--volume",
        "2",
        "--id",
        "new",
    ]);
    // 1,500,000 paid on 2016-04-01: the old invoice (due 2016-01-31) in full, then 500,000 of
    // the new one (due 2016-03-02).
    l.ok(&[
        "pay",
        "--from",
        "IR",
        "--to",
        "TM",
        "--amount",
        "1500000 USD",
        "--date",
        "2016-04-01",
    ]);
    // old: 2016-01-31 → 04-01, 61 days × 1,000,000 × 6% / 365 = 10,027.397… → 10,027.40.
    // new: 03-02 → 04-01, 30 days × 2,000,000: 9,863.013… → 9,863.01;
    //      04-01 → 05-01, 30 days × 1,500,000: 7,397.260… → 7,397.26.
    assert_eq!(
        interest_csv(&l, "2016-05-01"),
        format!(
            "{INTEREST}IR,TM,USD,old,2016-01-31,2016-01-31,2016-04-01,61,1000000.00,6%,act/365,10027.40\n\
             IR,TM,USD,new,2016-03-02,2016-03-02,2016-04-01,30,2000000.00,6%,act/365,9863.01\n\
             IR,TM,USD,new,2016-03-02,2016-04-01,2016-05-01,30,1500000.00,6%,act/365,7397.26\n"
        )
    );
    // Before any invoice is due, nothing runs.
    assert_eq!(interest_csv(&l, "2016-01-31"), INTEREST);
    let out = l.ok(&["interest", "--to", "2016-01-15"]);
    assert!(out.starts_with("no interest to 2016-01-15"), "{out}");
}

#[test]
fn recorded_interest_is_charged_once_and_the_next_run_starts_there() {
    let l = day_counts();
    l.ok(&[
        "deliver",
        "a365",
        "--date",
        "2016-01-01",
        "--volume",
        "1",
        "--id",
        "inv",
    ]);
    let out = l.ok(&["interest", "--to", "2016-03-01", "--record"]);
    assert!(
        out.contains(
            "recorded 2016-03-01 interest charge (transaction 1, id inv-interest-2016-03-01)"
        ),
        "{out}"
    );
    let once = l.export();
    assert!(
        once.contains(
            "2016-03-01 * Interest on inv from 2016-01-31 to 2016-03-01  ; id: inv-interest-2016-03-01, \
             agreement: a365, invoice: inv, interest-from: 2016-01-31, interest-to: 2016-03-01
    TM:receivable:IR      4931.51 USD
    TM:revenue:interest  -4931.51 USD
    IR:expense:interest   4931.51 USD
    IR:payable:TM        -4931.51 USD"
        ),
        "{once}"
    );
    // Run again: nothing to charge, nothing written.
    let out = l.ok(&["interest", "--to", "2016-03-01", "--record"]);
    assert!(out.starts_with("no interest to 2016-03-01"), "{out}");
    assert_eq!(l.export(), once);
    // Later, interest runs from 2016-03-01 on the invoice only (no interest on interest).
    assert_eq!(
        interest_csv(&l, "2016-04-01"),
        format!("{INTEREST}IR,TM,USD,inv,2016-01-31,2016-03-01,2016-04-01,31,1000000.00,6%,act/365,5095.89\n")
    );
    // --date dates the charge; its id still names the day it runs to.
    let out = l.ok(&[
        "interest",
        "--to",
        "2016-04-01",
        "--record",
        "--date",
        "2016-04-05",
    ]);
    assert!(
        out.contains(
            "recorded 2016-04-05 interest charge (transaction 2, id inv-interest-2016-04-01)"
        ),
        "{out}"
    );
    l.run(&["reconcile"]).ok();
    // Reversing a charge makes its period chargeable again.
    l.ok(&["reverse", "inv-interest-2016-04-01", "--date", "2016-04-06"]);
    assert_eq!(
        interest_csv(&l, "2016-04-01"),
        format!("{INTEREST}IR,TM,USD,inv,2016-01-31,2016-03-01,2016-04-01,31,1000000.00,6%,act/365,5095.89\n")
    );
}

#[test]
fn a_reversed_invoice_stops_bearing_interest_from_the_reversal() {
    let l = day_counts();
    l.ok(&[
        "deliver",
        "a365",
        "--date",
        "2016-01-01",
        "--volume",
        "1",
        "--id",
        "a",
    ]);
    l.ok(&[
        "deliver",
        "a365",
        "--date",
        "2016-01-02",
        "--volume",
        "1",
        "--id",
        "b",
    ]);
    l.ok(&["reverse", "b", "--date", "2016-03-01"]);
    // The reversal takes b off, not a (which fell due first).
    let csv = interest_csv(&l, "2016-03-02");
    assert!(
        csv.contains("IR,TM,USD,a,2016-01-31,2016-01-31,2016-03-02,31,1000000.00"),
        "{csv}"
    );
    assert!(
        csv.contains("IR,TM,USD,b,2016-02-01,2016-02-01,2016-03-01,29,1000000.00"),
        "{csv}"
    );
    assert!(!csv.contains("b,2016-02-01,2016-03-01,2016-03-02"), "{csv}");
}

/// The scenario's path.
fn scenario() -> String {
    format!(
        "{}/ledgers/13-sales-2013-2017.ledger",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn the_scenario_agrees_and_its_interest_is_what_the_command_charges() {
    let text = std::fs::read_to_string(scenario()).expect("scenario");
    let full = Ledger::new();
    full.import("13.ledger", &text).ok();
    full.run(&["reconcile"]).ok();
    assert_eq!(interest_csv(&full, "2017-01-01"), INTEREST);
    // Without its interest charges, `interest --record` charges exactly what the file holds.
    let cut = text
        .split("\n2017-01-01 * Interest")
        .next()
        .expect("the part before the charges");
    let fresh = Ledger::new();
    fresh.import("13-cut.ledger", cut).ok();
    let csv = interest_csv(&fresh, "2017-01-01");
    for row in [
        "tm-ir-inv-2013,2014-01-30,2014-01-30,2015-06-30,516,600000000.00,6%,act/365,50893150.68",
        "tm-ir-inv-2013,2014-01-30,2015-06-30,2017-01-01,551,300000000.00,6%,act/365,27172602.74",
        "tm-ir-inv-2014,2015-01-30,2015-01-30,2017-01-01,702,480000000.00,6%,act/365,55390684.93",
        "tm-ir-inv-2015,2016-01-30,2016-01-30,2017-01-01,337,600000000.00,6%,act/365,33238356.16",
        "tm-ir-inv-2016,2016-08-29,2016-08-29,2017-01-01,122,228395574.01,5%,30/360,3870036.12",
    ] {
        assert!(csv.contains(row), "{row}\n{csv}");
    }
    fresh.ok(&["interest", "--to", "2017-01-01", "--record"]);
    assert_eq!(fresh.balances_csv(), full.balances_csv());
    assert_eq!(
        interest_csv(&fresh, "2017-12-31"),
        interest_csv(&full, "2017-12-31")
    );
    fresh.run(&["reconcile"]).ok();
}

#[test]
fn refusals() {
    let l = sale();
    deliver(&l, "tm-ri", "2022-01-31", "1")
        .fails(2, "no agreement named tm-ri (did you mean tm-ir?)");
    l.ok(&["party", "add", "IQ"]);
    l.ok(&[
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
        "100 USD",
    ]);
    deliver(&l, "iq-ir-tm", "2022-01-31", "1")
        .fails(2, "agreement iq-ir-tm is an offset agreement, not a sale");
    for v in ["0", "-5", "-0.001 mcm"] {
        deliver(&l, "tm-ir", "2022-01-31", v).fails(2, "the volume delivered must be positive");
    }
    deliver(&l, "tm-ir", "2022-01-31", "1.0001").fails(2, "4 decimal places but mcm allows 3");
    deliver(&l, "tm-ir", "2022-01-31", "1 USD")
        .fails(2, "the volume is in USD, but the agreement sells mcm");
    // Terms, from the command line and from a journal alike.
    for (extra, needle) in [
        (
            &["--day-count", "act/360"][..],
            "a day-count applies to an interest",
        ),
        (&["--interest", "6"][..], "is not a percentage like 20%"),
        (&["--interest", "120%"][..], "is not between 0% and 100%"),
        (
            &["--fee", "2%"][..],
            "--fee does not apply to a sale agreement",
        ),
    ] {
        agreement(&l, "x", "1 USD", "30", extra).fails(2, needle);
    }
    agreement(&l, "x", "1 mcm", "30", &[]).fails(2, "the price must be in a money commodity");
    agreement(&l, "x", "-1 USD", "30", &[]).fails(2, "the price must be positive");
    l.run(&[
        "agreement",
        "add",
        "x",
        "--kind",
        "sale",
        "--seller",
        "TM",
        "--buyer",
        "TM",
        "--commodity",
        "mcm",
        "--price",
        "1 USD",
        "--due-days",
        "1",
    ])
    .fails(
        2,
        "the seller and the buyer must be different parties, both are TM",
    );
    let directive = |extra: &str| {
        format!(
            "agreement y\n    kind       sale\n    seller     TM\n    buyer      IR\n    \
             commodity  mcm\n    price      1.00 USD\n    due-days   30\n{extra}"
        )
    };
    for (extra, needle) in [
        (
            "    intrest    6%\n",
            "unknown field \"intrest\" for a sale (did you mean interest?)",
        ),
        (
            "    interest   6%\n    interest   7%\n",
            "field interest is given twice",
        ),
        (
            "    interest   6%\n    day-count  30/365\n",
            "day-count \"30/365\" is not one of act/365, act/360, 30/360",
        ),
        ("    due-days   31\n", "field due-days is given twice"),
    ] {
        let r = l.import("terms.journal", directive(extra)).fails(2, needle);
        assert!(r.stderr.contains("terms.journal:"), "{}", r.stderr);
    }
    l.import("terms.journal", directive("").replace("30\n", "-1\n"))
        .fails(2, "due-days \"-1\" is not a whole number of days");
    // An interest charge under a sale without interest, or with a broken side, is refused.
    agreement(&l, "plain", "1 USD", "30", &[]).ok();
    let charge = |agreement: &str, expense: &str| {
        format!(
            "2022-05-01 * Interest   ; agreement: {agreement}, invoice: x, interest-from: 2022-03-02, interest-to: 2022-05-01
    TM:receivable:IR      10.00 USD
    TM:revenue:interest  -10.00 USD
    IR:expense:interest   {expense} USD
    IR:payable:TM        -{expense} USD
"
        )
    };
    l.ok(&["account", "add", "TM:revenue:interest"]);
    l.ok(&["account", "add", "IR:expense:interest"]);
    l.ok(&["account", "add", "TM:receivable:IR"]);
    l.ok(&["account", "add", "IR:payable:TM"]);
    l.import("charge.journal", charge("plain", "10.00"))
        .fails(2, "it charges interest, but the agreement bears none");
    l.import("charge.journal", charge("tm-ir", "9.00")).fails(
        2,
        "IR:expense:interest posts 9.00 USD; the charge is 10.00 USD",
    );
    l.import("charge.journal", charge("tm-ir", "10.00")).ok();
    l.run(&["interest", "--to", "x"])
        .fails(2, "expected a date");
}
