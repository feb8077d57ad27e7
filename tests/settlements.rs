//! `report settlements A B`, the mutual reconciliation statement (akt sverki), through the real
//! binary: the founding debt between Iran and Turkmenistan in both orders, its CSV and JSON,
//! the opening balance at `--from`, `--to`, `--commodity`, a movement booked in one party's
//! books only, a pair with nothing between them, a swap's claims in kind (due-from/due-to),
//! the HTML page and the section of `report html`, and the errors.

mod common;

use common::Ledger;
use std::path::Path;

const DEBT_OFFSET: &str = "ledgers/02-debt-offset.ledger";

/// The 2022 swap's January legs in each party's books (TM delivers 160 mcm into IR at
/// Sarakhs, IR keeps 32 as its fee, 80 leave to AZ at Astara), as plain transactions.
const SWAP: &str = "\
commodity 1000.000 mcm        ; kind: volume
commodity 1000.00 USD         ; kind: money

account TM                    ; party: Turkmenistan
account IR                    ; party: Iran
account AZ                    ; party: Azerbaijan
account TM:gas:delivered      ; type: asset
account TM:due-from:IR        ; type: asset
account TM:due-from:AZ        ; type: asset
account TM:expense:fee:tm-ir-az ; type: expense
account IR:swap:tm-ir-az      ; type: asset
account IR:due-to:TM          ; type: liability
account IR:fee:tm-ir-az       ; type: revenue
account AZ:gas:received       ; type: asset
account AZ:due-to:TM          ; type: liability

2022-01-31 * Sarakhs entry, January   ; id: tm-ir-az-2022-01-entry
    IR:swap:tm-ir-az          160.000 mcm
    IR:due-to:TM             -128.000 mcm
    IR:fee:tm-ir-az           -32.000 mcm
    TM:gas:delivered         -160.000 mcm
    TM:due-from:IR            128.000 mcm
    TM:expense:fee:tm-ir-az    32.000 mcm

2022-01-31 * Astara exit, January   ; id: tm-ir-az-2022-01-exit-astara
    AZ:gas:received            80.000 mcm
    AZ:due-to:TM              -80.000 mcm
    IR:swap:tm-ir-az          -80.000 mcm
    IR:due-to:TM               80.000 mcm
    TM:due-from:IR            -80.000 mcm
    TM:due-from:AZ             80.000 mcm
";

/// A sale of gas from TM to IR in money, booked in both books, on sub-accounts.
const SALE: &str = "\
account TM:receivable:IR:invoices ; type: asset
account TM:revenue:gas        ; type: revenue
account IR:payable:TM:invoices ; type: liability
account IR:expense:gas        ; type: expense

2022-02-15 * Gas sold to Iran   ; id: sale-2022-02
    TM:receivable:IR:invoices  1,000.00 USD
    TM:revenue:gas            -1,000.00 USD
    IR:expense:gas             1,000.00 USD
    IR:payable:TM:invoices    -1,000.00 USD
";

/// A claim that Turkmenistan books and Iran does not.
const ONE_SIDED: &str = "\
2022-07-01 * Penalty invoiced by Turkmenistan   ; id: penalty-2022-07
    TM:receivable:IR        5.00 USD
    TM:revenue:gas         -5.00 USD
";

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

fn debt_offset() -> Ledger {
    let l = Ledger::new();
    l.run(&["import", &repo(DEBT_OFFSET)]).ok();
    l
}

fn swap() -> Ledger {
    let l = Ledger::new();
    l.import("swap.ledger", SWAP).ok();
    l
}

fn settlements(l: &Ledger, args: &[&str]) -> String {
    let mut all = vec!["report", "settlements"];
    all.extend_from_slice(args);
    l.ok(&all)
}

fn last_line(text: &str) -> &str {
    text.trim_end().lines().last().unwrap_or_default()
}

#[test]
fn the_founding_debt_as_turkmenistan_books_it() {
    let l = debt_offset();
    let out = settlements(&l, &["TM", "IR"]);
    let expected = "\
Settlement statement between TM and IR: every recorded movement.

date        id                    description                                               commodity            TM side            IR side  difference  status
----------  --------------------  --------------------------------------------------------  ---------  -----------------  -----------------  ----------  ------
                                  opening balance                                           USD                     0.00               0.00        0.00  ok
2017-01-01  debt-ir-tm-2017       Iran's debt to Turkmenistan for gas delivered until 2017  USD         1,800,000,000.00  -1,800,000,000.00        0.00  ok
2022-06-20  offset-iq-ir-tm-2022  Offset: Iran assigns its claim on Iraq to Turkmenistan    USD        -1,600,000,000.00   1,600,000,000.00        0.00  ok
                                  total movements                                           USD           200,000,000.00    -200,000,000.00        0.00  ok
2022-06-20                        closing balance                                           USD           200,000,000.00    -200,000,000.00        0.00  ok

At 2022-06-20, IR owes TM 200,000,000.00 USD.
";
    assert_eq!(out, expected);
    let out = settlements(&l, &["TM", "IR", "--to", "2022-12-31"]);
    assert!(out.starts_with("Settlement statement between TM and IR: up to 2022-12-31.\n"));
    assert_eq!(
        last_line(&out),
        "At 2022-12-31, IR owes TM 200,000,000.00 USD."
    );
    // Before the offset, the whole debt.
    let out = settlements(&l, &["TM", "IR", "--to", "2022-06-19"]);
    assert_eq!(
        last_line(&out),
        "At 2022-06-19, IR owes TM 1,800,000,000.00 USD."
    );
}

#[test]
fn the_reverse_order_follows_irans_books_and_says_the_same() {
    let l = debt_offset();
    let out = settlements(&l, &["IR", "TM", "--to", "2022-12-31"]);
    assert_eq!(
        last_line(&out),
        "At 2022-12-31, IR owes TM 200,000,000.00 USD."
    );
    assert_eq!(
        settlements(&l, &["IR", "TM", "--format", "csv"]),
        "date,id,description,commodity,a_side,b_side,difference\n\
         ,,opening balance,USD,0.00,0.00,0.00\n\
         2017-01-01,debt-ir-tm-2017,Iran's debt to Turkmenistan for gas delivered until 2017,USD,-1800000000.00,1800000000.00,0.00\n\
         2022-06-20,offset-iq-ir-tm-2022,Offset: Iran assigns its claim on Iraq to Turkmenistan,USD,1600000000.00,-1600000000.00,0.00\n\
         2022-06-20,,closing balance,USD,-200000000.00,200000000.00,0.00\n"
    );
    // Iraq's side of the offset: IQ now owes TM, and nothing is left between IQ and IR.
    let out = settlements(&l, &["TM", "IQ"]);
    assert_eq!(
        last_line(&out),
        "At 2022-06-20, IQ owes TM 1,600,000,000.00 USD."
    );
    let out = settlements(&l, &["IQ", "IR"]);
    assert_eq!(
        last_line(&out),
        "At 2022-06-20, nothing is owed between IQ and IR."
    );
}

#[test]
fn csv_and_json_rows() {
    let l = debt_offset();
    assert_eq!(
        settlements(&l, &["TM", "IR", "--format", "csv"]),
        "date,id,description,commodity,a_side,b_side,difference\n\
         ,,opening balance,USD,0.00,0.00,0.00\n\
         2017-01-01,debt-ir-tm-2017,Iran's debt to Turkmenistan for gas delivered until 2017,USD,1800000000.00,-1800000000.00,0.00\n\
         2022-06-20,offset-iq-ir-tm-2022,Offset: Iran assigns its claim on Iraq to Turkmenistan,USD,-1600000000.00,1600000000.00,0.00\n\
         2022-06-20,,closing balance,USD,200000000.00,-200000000.00,0.00\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&settlements(&l, &["TM", "IR", "--format", "json"])).expect("json");
    let rows = json.as_array().expect("an array of rows");
    assert_eq!(rows.len(), 4);
    for r in rows {
        let mut keys: Vec<&str> = r
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "a_side",
                "b_side",
                "commodity",
                "date",
                "description",
                "difference",
                "id"
            ]
        );
    }
    assert_eq!(rows[1]["id"], "debt-ir-tm-2017");
    assert_eq!(rows[1]["a_side"], "1800000000.00");
    assert_eq!(rows[1]["b_side"], "-1800000000.00");
    assert_eq!(rows[3]["description"], "closing balance");
    assert_eq!(rows[3]["date"], "2022-06-20");
    assert_eq!(rows[3]["a_side"], "200000000.00");
}

#[test]
fn from_opens_with_what_came_before() {
    let l = debt_offset();
    let csv = settlements(&l, &["TM", "IR", "--from", "2022-01-01", "--format", "csv"]);
    assert_eq!(
        csv,
        "date,id,description,commodity,a_side,b_side,difference\n\
         2022-01-01,,opening balance,USD,1800000000.00,-1800000000.00,0.00\n\
         2022-06-20,offset-iq-ir-tm-2022,Offset: Iran assigns its claim on Iraq to Turkmenistan,USD,-1600000000.00,1600000000.00,0.00\n\
         2022-06-20,,closing balance,USD,200000000.00,-200000000.00,0.00\n"
    );
    let out = settlements(
        &l,
        &["TM", "IR", "--from", "2022-01-01", "--to", "2022-12-31"],
    );
    assert!(out.contains("from 2022-01-01 to 2022-12-31"), "{out}");
    assert!(!out.contains("debt-ir-tm-2017"), "{out}");
    let total = out
        .lines()
        .find(|r| r.contains("total movements"))
        .expect("the period's total");
    assert_eq!(
        total.split_whitespace().collect::<Vec<_>>(),
        [
            "total",
            "movements",
            "USD",
            "-1,600,000,000.00",
            "1,600,000,000.00",
            "0.00",
            "ok"
        ]
    );
    assert_eq!(
        last_line(&out),
        "At 2022-12-31, IR owes TM 200,000,000.00 USD."
    );
    // Nothing moved after --from: the closing balance is the opening one, at --from.
    let out = settlements(&l, &["TM", "IR", "--from", "2023-01-01"]);
    assert_eq!(
        last_line(&out),
        "At 2023-01-01, IR owes TM 200,000,000.00 USD."
    );
}

#[test]
fn a_movement_in_one_book_only_is_a_discrepancy() {
    let l = debt_offset();
    l.import("one-sided.ledger", ONE_SIDED).ok();
    let out = settlements(&l, &["TM", "IR"]);
    let row = out
        .lines()
        .find(|r| r.contains("penalty-2022-07"))
        .expect("the one-sided row");
    let tail: Vec<&str> = row.split_whitespace().rev().take(5).collect();
    assert_eq!(
        tail,
        ["discrepancy", "5.00", "0.00", "5.00", "USD"],
        "{row}"
    );
    assert_eq!(
        last_line(&out),
        "At 2022-07-01, IR owes TM 200,000,005.00 USD. The books of TM and IR differ by 5.00 USD: see the discrepancy rows."
    );
    let csv = settlements(&l, &["TM", "IR", "--format", "csv"]);
    assert!(csv.contains(
        "2022-07-01,penalty-2022-07,Penalty invoiced by Turkmenistan,USD,5.00,0.00,5.00\n"
    ));
    assert!(csv.ends_with("2022-07-01,,closing balance,USD,200000005.00,-200000000.00,5.00\n"));
    // In Iran's books, Iran owes what it booked.
    let out = settlements(&l, &["IR", "TM"]);
    assert_eq!(
        last_line(&out),
        "At 2022-07-01, IR owes TM 200,000,000.00 USD. The books of IR and TM differ by 5.00 USD: see the discrepancy rows."
    );
}

#[test]
fn a_pair_with_nothing_between_them() {
    let l = swap();
    let out = settlements(&l, &["IR", "AZ"]);
    assert_eq!(
        out,
        "Settlement statement between IR and AZ: every recorded movement.\n\n\
         no movements between IR and AZ\n\n\
         Nothing is owed between IR and AZ: no movement between them is recorded.\n"
    );
    let out = settlements(&l, &["IR", "AZ", "--to", "2022-12-31"]);
    assert_eq!(
        last_line(&out),
        "At 2022-12-31, nothing is owed between IR and AZ."
    );
    assert_eq!(
        settlements(&l, &["IR", "AZ", "--format", "csv"]),
        "date,id,description,commodity,a_side,b_side,difference\n"
    );
    assert_eq!(settlements(&l, &["IR", "AZ", "--format", "json"]), "[]\n");
    // A commodity asked for is shown, at zero.
    assert_eq!(
        settlements(&l, &["IR", "AZ", "--commodity", "USD", "--format", "csv"]),
        "date,id,description,commodity,a_side,b_side,difference\n\
         ,,opening balance,USD,0.00,0.00,0.00\n\
         ,,closing balance,USD,0.00,0.00,0.00\n"
    );
}

#[test]
fn a_swap_leaves_claims_in_kind() {
    let l = swap();
    assert_eq!(
        settlements(&l, &["TM", "IR", "--format", "csv"]),
        "date,id,description,commodity,a_side,b_side,difference\n\
         ,,opening balance,mcm,0.000,0.000,0.000\n\
         2022-01-31,tm-ir-az-2022-01-entry,\"Sarakhs entry, January\",mcm,128.000,-128.000,0.000\n\
         2022-01-31,tm-ir-az-2022-01-exit-astara,\"Astara exit, January\",mcm,-80.000,80.000,0.000\n\
         2022-01-31,,closing balance,mcm,48.000,-48.000,0.000\n"
    );
    let out = settlements(&l, &["TM", "IR"]);
    assert_eq!(last_line(&out), "At 2022-01-31, IR owes TM 48.000 mcm.");
    let out = settlements(&l, &["AZ", "TM"]);
    assert_eq!(last_line(&out), "At 2022-01-31, AZ owes TM 80.000 mcm.");
}

#[test]
fn several_commodities_and_one_of_them() {
    let l = swap();
    l.import("sale.ledger", SALE).ok();
    let out = settlements(&l, &["TM", "IR"]);
    assert!(out.contains("sale-2022-02"), "sub-accounts count: {out}");
    assert_eq!(
        last_line(&out),
        "At 2022-02-15, IR owes TM 1,000.00 USD and 48.000 mcm."
    );
    let out = settlements(&l, &["TM", "IR", "--commodity", "USD"]);
    assert!(!out.contains("mcm"), "{out}");
    assert_eq!(last_line(&out), "At 2022-02-15, IR owes TM 1,000.00 USD.");
    let out = settlements(&l, &["TM", "IR", "--commodity", "mcm"]);
    assert_eq!(last_line(&out), "At 2022-01-31, IR owes TM 48.000 mcm.");
    // IR delivers more back than it owed in kind: the claims run both ways.
    l.record(
        "2022-03-31",
        "Gas returned to Turkmenistan",
        &[
            "IR:due-to:TM 100 mcm",
            "IR:swap:tm-ir-az -100 mcm",
            "TM:due-from:IR -100 mcm",
            "TM:gas:delivered 100 mcm",
        ],
        &["--id", "return-2022-03"],
    )
    .ok();
    let out = settlements(&l, &["TM", "IR"]);
    assert_eq!(
        last_line(&out),
        "At 2022-03-31, IR owes TM 1,000.00 USD, and TM owes IR 52.000 mcm."
    );
}

#[test]
fn html_page_and_section() {
    let l = swap();
    l.import("sale.ledger", SALE).ok();
    l.import("one-sided.ledger", SALE_ONE_SIDED).ok();
    let page = settlements(&l, &["TM", "IR", "--format", "html"]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("default-src 'none'"));
    assert!(page.contains("<p class=\"verdict bad\">At 2022-03-01, IR owes TM 1,005.00 USD and 48.000 mcm. The books of TM and IR differ by 5.00 USD: see the discrepancy rows.</p>"), "{page}");
    assert!(page.contains("<tr class=\"bad\"><td>2022-03-01</td><td>penalty-2022-03</td>"));
    let full = l.ok(&["report", "html"]);
    let section = &full[full
        .find("<section id=\"settlements\">")
        .expect("the section")..];
    let section = &section[..section.find("</section>").expect("its end")];
    // One statement per pair with a movement, the first party in code order as A.
    assert!(section.contains("<h3>AZ (Azerbaijan) and TM (Turkmenistan)</h3>\n<p class=\"verdict good\">At 2022-01-31, AZ owes TM 80.000 mcm.</p>"), "{section}");
    assert!(section.contains("<h3>IR (Iran) and TM (Turkmenistan)</h3>\n<p class=\"verdict bad\">At 2022-03-01, IR owes TM 1,000.00 USD and 48.000 mcm. The books of IR and TM differ by 5.00 USD: see the discrepancy rows.</p>"), "{section}");
    assert!(!section.contains("AZ (Azerbaijan) and IR"), "{section}");
    // At an earlier date, as the books stood then.
    let early = l.ok(&["report", "html", "--as-of", "2022-01-31"]);
    assert!(early.contains("At 2022-01-31, IR owes TM 48.000 mcm.</p>"));
}

/// The one-sided claim of [`ONE_SIDED`], in the swap fixture's chart.
const SALE_ONE_SIDED: &str = "\
2022-03-01 * Penalty invoiced by Turkmenistan   ; id: penalty-2022-03
    TM:receivable:IR:invoices  5.00 USD
    TM:revenue:gas            -5.00 USD
";

#[test]
fn errors_say_what_is_wrong() {
    let l = debt_offset();
    l.run(&["report", "settlements", "TM", "IX"])
        .fails(2, "party IX is not declared (did you mean IQ?)");
    l.run(&["report", "settlements", "TN", "IR"])
        .fails(2, "party TN is not declared (did you mean TM?)");
    l.run(&["report", "settlements", "TM", "TM"]).fails(
        2,
        "a settlement statement is between two different parties; both are TM",
    );
    l.run(&["report", "settlements", "TM", "IR", "--commodity", "USB"])
        .fails(2, "commodity USB is not declared (did you mean USD?)");
    l.run(&[
        "report",
        "settlements",
        "TM",
        "IR",
        "--from",
        "2022-12-31",
        "--to",
        "2022-01-01",
    ])
    .fails(2, "--from 2022-12-31 is after --to 2022-01-01");
    l.run(&["report", "settlements", "TM", "IR", "--format", "svg"])
        .fails(2, "invalid value 'svg'");
    let r = l.run(&["report", "settlements", "TM", "IX"]);
    assert_eq!(r.stderr.lines().count(), 1, "{r:#?}");
    assert!(r.stdout.is_empty());
}
