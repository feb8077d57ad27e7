//! `reconcile --against FILE --party P`: a party's books in the desk's ledger against the
//! party's books kept elsewhere, through the real binary. The desk's ledger writes every
//! party's side of each transaction; Turkmengaz keeps Turkmenistan's side alone, with some
//! ids, some amounts left out, an account named otherwise, and nothing declared.

mod common;

use common::{arg, Ledger};
use serde_json::Value;

/// The desk's ledger: Iran's old debt to Turkmenistan, Iraq's debt to Iran (no TM posting),
/// two monthly deliveries TM -> IR with the fee IR keeps in kind, each with its exit to AZ,
/// and two payments IR -> TM. Swap legs are plain transactions (no agreement tags).
const DESK: &str = "\
; The settlement desk's ledger: every party's side of every transaction.
commodity 1000.000 mcm   ; kind: volume
commodity 1000.00 USD    ; kind: money

account TM                       ; party: Turkmenistan
account IR                       ; party: Iran
account AZ                       ; party: Azerbaijan
account IQ                       ; party: Iraq
account TM:gas:delivered         ; type: asset
account TM:due-from:IR           ; type: asset
account TM:due-from:AZ           ; type: asset
account TM:expense:fee:tm-ir-az  ; type: expense
account TM:receivable:IR         ; type: asset
account TM:revenue:gas           ; type: revenue
account TM:cash                  ; type: asset
account IR:swap:tm-ir-az         ; type: asset
account IR:due-to:TM             ; type: liability
account IR:fee:tm-ir-az          ; type: revenue
account IR:payable:TM            ; type: liability
account IR:expense:gas           ; type: expense
account IR:receivable:IQ         ; type: asset
account IR:revenue:gas           ; type: revenue
account IR:cash                  ; type: asset
account IQ:payable:IR            ; type: liability
account IQ:expense:gas           ; type: expense
account AZ:gas:received          ; type: asset
account AZ:due-to:TM             ; type: liability

2017-01-01 * Iran's debt to Turkmenistan for gas delivered until 2017   ; id: debt-ir-tm-2017
    TM:receivable:IR     1800000000.00 USD
    TM:revenue:gas      -1800000000.00 USD
    IR:expense:gas       1800000000.00 USD
    IR:payable:TM       -1800000000.00 USD

2021-12-31 * Iraq's debt to Iran for gas   ; id: debt-iq-ir-2021
    IR:receivable:IQ     1600000000.00 USD
    IR:revenue:gas      -1600000000.00 USD
    IQ:expense:gas       1600000000.00 USD
    IQ:payable:IR       -1600000000.00 USD

2022-01-31 * Sarakhs entry, January   ; id: tm-ir-az-2022-01-entry
    IR:swap:tm-ir-az          160.000 mcm
    IR:due-to:TM             -128.000 mcm
    IR:fee:tm-ir-az           -32.000 mcm
    TM:gas:delivered         -160.000 mcm
    TM:due-from:IR            128.000 mcm
    TM:expense:fee:tm-ir-az    32.000 mcm

2022-01-31 * Astara exit, January   ; id: tm-ir-az-2022-01-exit
    AZ:gas:received           128.000 mcm
    AZ:due-to:TM             -128.000 mcm
    IR:swap:tm-ir-az         -128.000 mcm
    IR:due-to:TM              128.000 mcm
    TM:due-from:IR           -128.000 mcm
    TM:due-from:AZ            128.000 mcm

2022-02-28 * Sarakhs entry, February
    IR:swap:tm-ir-az          160.000 mcm
    IR:due-to:TM             -128.000 mcm
    IR:fee:tm-ir-az           -32.000 mcm
    TM:gas:delivered         -160.000 mcm
    TM:due-from:IR            128.000 mcm
    TM:expense:fee:tm-ir-az    32.000 mcm

2022-02-28 * Astara exit, February
    AZ:gas:received           128.000 mcm
    AZ:due-to:TM             -128.000 mcm
    IR:swap:tm-ir-az         -128.000 mcm
    IR:due-to:TM              128.000 mcm
    TM:due-from:IR           -128.000 mcm
    TM:due-from:AZ            128.000 mcm

2022-03-15 * Iran pays Turkmenistan   ; id: pay-ir-tm-2022-03
    IR:payable:TM         300000000.00 USD
    IR:cash              -300000000.00 USD
    TM:cash               300000000.00 USD
    TM:receivable:IR     -300000000.00 USD

2022-06-30 * Iran pays Turkmenistan
    IR:payable:TM         200000000.00 USD
    IR:cash              -200000000.00 USD
    TM:cash               200000000.00 USD
    TM:receivable:IR     -200000000.00 USD
";

/// Turkmengaz's own books, block by block: Turkmenistan's postings only, no declarations,
/// the fee account named `TM:expense:swap-fee`, ids on some transactions only, amounts left
/// out to be inferred.
const TM_HEADER: &str = "; Turkmengaz: Turkmenistan's books, kept in hledger.\n";
const TM_DEBT: &str = "
2017-01-01 * Iran's debt for gas delivered until 2017   ; id: debt-ir-tm-2017
    TM:receivable:IR     1800000000.00 USD
    TM:revenue:gas
";
const TM_JAN_ENTRY: &str = "
2022-01-31 * Sarakhs, January   ; id: tm-ir-az-2022-01-entry
    TM:due-from:IR            128.000 mcm
    TM:expense:swap-fee        32.000 mcm
    TM:gas:delivered
";
const TM_JAN_EXIT: &str = "
2022-01-31 * Astara, January
    TM:due-from:AZ            128 mcm
    TM:due-from:IR           -128 mcm
";
const TM_FEB_ENTRY: &str = "
2022-02-28 * Sarakhs, February
    TM:gas:delivered         -160.000 mcm
    TM:due-from:IR            128.000 mcm
    TM:expense:swap-fee        32.000 mcm
";
const TM_FEB_EXIT: &str = "
2022-02-28 * Astara, February
    TM:due-from:IR           -128.000 mcm
    TM:due-from:AZ            128.000 mcm
";
const TM_MARCH_PAYMENT: &str = "
2022-03-15 * Payment from Iran   ; id: pay-ir-tm-2022-03
    TM:cash               300000000.00 USD
    TM:receivable:IR
";
const TM_JUNE_PAYMENT: &str = "
2022-06-30 * Payment from Iran
    TM:cash               200000000.00 USD
    TM:receivable:IR     -200000000.00 USD
";

/// Turkmengaz's books as they should be: every transaction the desk has for TM.
fn tm_books() -> String {
    [
        TM_HEADER,
        TM_DEBT,
        TM_JAN_ENTRY,
        TM_JAN_EXIT,
        TM_FEB_ENTRY,
        TM_FEB_EXIT,
        TM_MARCH_PAYMENT,
        TM_JUNE_PAYMENT,
    ]
    .concat()
}

/// Turkmengaz's books as they are: the March payment is missing, and the February delivery
/// is booked at 158.500 mcm instead of 160.000 (its fee and claim in proportion).
fn tm_books_wrong() -> String {
    let feb = TM_FEB_ENTRY
        .replace("-160.000", "-158.500")
        .replace("128.000", "126.800")
        .replace("32.000", "31.700");
    [
        TM_HEADER,
        TM_DEBT,
        TM_JAN_ENTRY,
        TM_JAN_EXIT,
        &feb,
        TM_FEB_EXIT,
        TM_JUNE_PAYMENT,
    ]
    .concat()
}

fn desk() -> Ledger {
    let l = Ledger::new();
    l.import("desk.journal", DESK).ok();
    l
}

/// `reconcile --against NAME --party PARTY [extra...]` with `books` written to NAME.
fn against(l: &Ledger, name: &str, books: &str, party: &str, extra: &[&str]) -> common::Run {
    let file = l.file(name, books);
    let mut args = vec!["reconcile", "--against", arg(&file), "--party", party];
    args.extend_from_slice(extra);
    l.run(&args)
}

/// The rows of `reconcile --against ... --format json` whose status is not `ok`.
fn mismatches(doc: &Value) -> Vec<Value> {
    doc["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "ok")
        .cloned()
        .collect()
}

#[test]
fn the_two_differences_in_turkmengaz_books_and_nothing_else() {
    let l = desk();
    let r = against(&l, "tm.journal", &tm_books_wrong(), "TM", &[]).fails(1, "disagree");
    assert_eq!(
        r.stdout,
        "\
DISCREPANCIES
check    subject                                                                        expected   actual  difference  status
-------  -----------------------------------------------------------------------  --------------  -------  ----------  --------
against  2022-02-28 Sarakhs entry, February (mcm): amounts differ, tm.journal:16         160.000  158.500      -1.500  mismatch
against  pay-ir-tm-2022-03 (USD): only in this ledger                             300,000,000.00                       mismatch

AGREES (--all lists every row)
check    holds
-------  ------
against  5 of 7

7 transactions compared (6 in both books, 1 only in this ledger, 0 only in tm.journal), 2 differences: the books disagree
"
    );
    assert!(
        r.stderr
            .contains("the books of TM disagree with tm.journal: 2 of 7 rows differ"),
        "{r:#?}"
    );

    let r = against(
        &l,
        "tm.journal",
        &tm_books_wrong(),
        "TM",
        &["--format", "csv"],
    );
    assert_eq!(r.code, Some(1), "{r:#?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "check,subject,expected,actual,difference,status");
    assert_eq!(lines.len(), 8, "{}", r.stdout);
    let wrong: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.ends_with(",mismatch"))
        .collect();
    assert_eq!(
        wrong,
        [
            "against,\"2022-02-28 Sarakhs entry, February (mcm): amounts differ, tm.journal:16\",160.000,158.500,-1.500,mismatch",
            "against,pay-ir-tm-2022-03 (USD): only in this ledger,300000000.00,,,mismatch",
        ]
    );
    assert!(lines.contains(&"against,debt-ir-tm-2017 (USD),1800000000.00,1800000000.00,0.00,ok"));

    let r = against(
        &l,
        "tm.journal",
        &tm_books_wrong(),
        "TM",
        &["--format", "json"],
    );
    assert_eq!(r.code, Some(1), "{r:#?}");
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["checks"].as_array().expect("rows").len(), 7);
    assert_eq!(
        mismatches(&doc),
        [
            serde_json::json!({
                "check": "against",
                "subject": "2022-02-28 Sarakhs entry, February (mcm): amounts differ, tm.journal:16",
                "expected": "160.000",
                "actual": "158.500",
                "difference": "-1.500",
                "status": "mismatch",
            }),
            serde_json::json!({
                "check": "against",
                "subject": "pay-ir-tm-2022-03 (USD): only in this ledger",
                "expected": "300000000.00",
                "actual": null,
                "difference": null,
                "status": "mismatch",
            }),
        ]
    );
}

#[test]
fn books_that_agree_exit_0() {
    let l = desk();
    let r = against(&l, "tm.journal", &tm_books(), "TM", &[]).ok();
    assert!(
        r.stdout.ends_with(
            "7 transactions compared (7 in both books, 0 only in this ledger, 0 only in \
             tm.journal), 0 differences: the books agree\n"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("DISCREPANCIES"), "{}", r.stdout);
    let r = against(
        &l,
        "tm.journal",
        &tm_books(),
        "TM",
        &["--format", "json", "--all"],
    )
    .ok();
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["checks"][1]["subject"], "tm-ir-az-2022-01-entry (mcm)");
    assert_eq!(doc["checks"][1]["expected"], "160.000");
}

#[test]
fn a_ledger_agrees_with_its_own_journal_and_export_for_every_party() {
    let l = desk();
    let hledger = l.ok(&["export", "--format", "hledger"]);
    for party in ["TM", "IR", "AZ", "IQ"] {
        against(&l, "desk-again.journal", DESK, party, &[]).ok();
        against(&l, "desk.hledger", &hledger, party, &[]).ok();
    }
}

#[test]
fn a_date_differs_on_a_pair_matched_by_id() {
    let l = desk();
    let books = tm_books().replace(
        "2022-01-31 * Sarakhs, January",
        "2022-02-01 * Sarakhs, January",
    );
    let r = against(&l, "tm.journal", &books, "TM", &["--format", "json"]);
    assert_eq!(r.code, Some(1), "{r:#?}");
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(
        mismatches(&doc),
        [serde_json::json!({
            "check": "against",
            "subject": "tm-ir-az-2022-01-entry: date differs, tm.journal:7",
            "expected": "2022-01-31",
            "actual": "2022-02-01",
            "difference": "+1 day",
            "status": "mismatch",
        })]
    );
}

#[test]
fn a_transaction_only_in_the_other_books_in_an_undeclared_commodity() {
    let l = desk();
    let books = format!(
        "{}\n2022-04-01 * Compressor fuel\n    TM:expense:compressor   2.5 GWh\n    TM:gas:fuel\n",
        tm_books()
    );
    let r = against(&l, "tm.journal", &books, "TM", &["--format", "csv"]);
    assert_eq!(r.code, Some(1), "{r:#?}");
    let wrong: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.ends_with(",mismatch"))
        .collect();
    assert_eq!(
        wrong,
        ["against,2022-04-01 Compressor fuel (GWh): only in tm.journal:33,,2.5,,mismatch"]
    );
}

#[test]
fn the_same_total_split_otherwise_is_a_difference() {
    let l = desk();
    let books = tm_books().replace(
        "    TM:due-from:IR            128.000 mcm\n    TM:expense:swap-fee        32.000 mcm\n\n2022-02-28",
        "    TM:due-from:IR            130.000 mcm\n    TM:expense:swap-fee        30.000 mcm\n\n2022-02-28",
    );
    assert_ne!(books, tm_books());
    let r = against(&l, "tm.journal", &books, "TM", &["--format", "csv"]);
    assert_eq!(r.code, Some(1), "{r:#?}");
    let wrong: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.ends_with(",mismatch"))
        .collect();
    assert_eq!(
        wrong,
        ["against,\"2022-02-28 Sarakhs entry, February (mcm): postings differ (-160.000, 32.000, \
          128.000 against -160.000, 30.000, 130.000), tm.journal:16\",160.000,160.000,0.000,mismatch"]
    );
}

#[test]
fn a_row_names_the_included_file_it_was_read_from() {
    let l = desk();
    l.file(
        "june.journal",
        TM_JUNE_PAYMENT.replace("200000000.00", "200000001.00"),
    );
    let books = tm_books().replace(TM_JUNE_PAYMENT, "\ninclude june.journal\n");
    let r = against(&l, "tm.journal", &books, "TM", &["--format", "csv"]);
    assert_eq!(r.code, Some(1), "{r:#?}");
    let wrong: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.ends_with(",mismatch"))
        .collect();
    assert_eq!(
        wrong,
        [
            "against,\"2022-06-30 Iran pays Turkmenistan (USD): amounts differ, june.journal:2\",\
          200000000.00,200000001.00,1.00,mismatch"
        ]
    );
}

#[test]
fn a_party_with_nothing_on_either_side_agrees() {
    let l = desk();
    l.ok(&["party", "add", "KZ", "--name", "Kazakhstan"]);
    let r = against(&l, "tm.journal", &tm_books(), "KZ", &[]).ok();
    assert!(
        r.stdout.starts_with("0 transactions compared"),
        "{}",
        r.stdout
    );
}

#[test]
fn as_of_limits_both_books() {
    let l = desk();
    let r = against(
        &l,
        "tm.journal",
        &tm_books_wrong(),
        "TM",
        &["--as-of", "2022-03-01"],
    );
    assert_eq!(r.code, Some(1), "{r:#?}");
    assert!(
        r.stdout
            .contains("5 transactions compared (5 in both books, 0 only in this ledger"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("pay-ir-tm-2022-03"), "{}", r.stdout);
    against(
        &l,
        "tm.journal",
        &tm_books_wrong(),
        "TM",
        &["--as-of", "2022-02-27"],
    )
    .ok();
}

#[test]
fn what_cannot_be_compared_is_an_error() {
    let l = desk();
    let bad =
        format!("{TM_HEADER}{TM_DEBT}\n2022-13-01 * Bad month\n    TM:cash  1 USD\n    TM:x\n");
    against(&l, "tm.journal", &bad, "TM", &[]).fails(2, "tm.journal:7:1:");
    let unbalanced = format!(
        "{TM_HEADER}{TM_DEBT}{}",
        TM_JUNE_PAYMENT.replace("-200000000.00", "-199999999.99")
    );
    against(&l, "tm.journal", &unbalanced, "TM", &[]).fails(
        2,
        "tm.journal:7:1: transaction does not balance: USD is off by 0.01",
    );
    against(&l, "tm.journal", &tm_books(), "TN", &[]).fails(
        2,
        "party TN is not declared in this ledger (did you mean TM?)",
    );
    let own = "2022-06-30 * Payment from Iran\n    assets:cash  200000000.00 USD\n    assets:receivable\n";
    against(&l, "own.journal", own, "TM", &[])
        .fails(2, "none of its 1 transactions posts to an account of TM");
    let missing = l.dir.path().join("missing.journal");
    l.run(&["reconcile", "--against", arg(&missing), "--party", "TM"])
        .fails(2, "missing.journal: cannot open journal");
    l.run(&["reconcile", "--party", "TM"]).fails(2, "--against");
    l.run(&["reconcile", "--against", arg(&missing)])
        .fails(2, "--party");
}

#[test]
fn without_against_reconcile_runs_its_checks_and_prints_csv_too() {
    let l = desk();
    let r = l.run(&["reconcile", "--format", "csv"]);
    let first = r.stdout.lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first, "check,subject,expected,actual,difference,status",
        "{r:#?}"
    );
    assert!(!r.stdout.contains("against"), "{}", r.stdout);
}
