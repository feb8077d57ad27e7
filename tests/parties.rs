//! Each party's own books, end to end as a desk uses them: the domain commands write every
//! party's side, check 8 finds a transaction that balances in total but not for a party, check
//! 4 covers claims in kind, and the Turkmengaz scenario's own books are compared with the
//! desk's (`reconcile --against`), both as planted and against the party's own export.

mod common;

use common::{Ledger, Run, SWAP_TM_IR_AZ};
use std::path::{Path, PathBuf};

fn ledgers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ledgers")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A store holding `ledgers/11-turkmengaz-books.ledger`.
fn turkmengaz() -> Ledger {
    let l = Ledger::new();
    l.import_files(&[&ledgers().join("11-turkmengaz-books.ledger")])
        .ok();
    l
}

/// The rows of `reconcile --format json` output whose status is not `ok`.
fn mismatches(json: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(json).expect("reconcile JSON");
    v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "ok")
        .cloned()
        .collect()
}

/// The desk's commands, one after the other, leave every party's books balanced: a swap month
/// (entry with its fee, two exits), a debt, a payment, an offset; then `reconcile` agrees and
/// check 8 holds for each party.
#[test]
fn the_domain_commands_write_each_partys_side() {
    let l = Ledger::new();
    for args in [
        &[
            "commodity",
            "add",
            "mcm",
            "--kind",
            "volume",
            "--scale",
            "3",
        ][..],
        &["commodity", "add", "USD", "--kind", "money", "--scale", "2"],
        &["party", "add", "TM", "--name", "Turkmenistan"],
        &["party", "add", "IR", "--name", "Iran"],
        &["party", "add", "AZ", "--name", "Azerbaijan"],
        &["party", "add", "IQ", "--name", "Iraq"],
        &[
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
        ],
    ] {
        l.ok(args);
    }
    l.ok(&[SWAP_TM_IR_AZ, &["--fee", "20%", "--tolerance", "2%"]].concat());
    let leg = |side: &str, point: &str, volume: &str| {
        l.ok(&[
            "swap",
            side,
            "tm-ir-az",
            "--date",
            "2022-01-31",
            "--volume",
            volume,
            "--point",
            point,
        ]);
    };
    leg("entry", "Sarakhs", "160 mcm");
    leg("exit", "Astara", "80 mcm");
    leg("exit", "Nakhchivan", "48 mcm");
    let debt = |debtor: &str, creditor: &str, amount: &str, date: &str| {
        l.ok(&[
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
        ]);
    };
    debt("IR", "TM", "1800000000 USD", "2017-01-01");
    debt("IQ", "IR", "1600000000 USD", "2021-12-31");
    l.ok(&[
        "offset",
        "iq-ir-tm",
        "--amount",
        "1600000000 USD",
        "--date",
        "2022-06-20",
    ]);
    l.ok(&[
        "pay",
        "--from",
        "IQ",
        "--to",
        "TM",
        "--amount",
        "400000000 USD",
        "--date",
        "2022-09-30",
    ]);

    // Each party's balances, worked out by hand from the postings each command writes.
    let tm = l.ok(&["report", "balances", "--party", "TM", "--format", "csv"]);
    assert_eq!(
        tm,
        "account,commodity,balance\n\
         TM:cash,USD,400000000.00\n\
         TM:due-from:AZ,mcm,128.000\n\
         TM:expense:fee:tm-ir-az,mcm,32.000\n\
         TM:gas:delivered,mcm,-160.000\n\
         TM:receivable:IQ,USD,1200000000.00\n\
         TM:receivable:IR,USD,200000000.00\n\
         TM:revenue:gas,USD,-1800000000.00\n"
    );
    let ir = l.ok(&["report", "balances", "--party", "IR", "--format", "csv"]);
    assert_eq!(
        ir,
        "account,commodity,balance\n\
         IR:expense:gas,USD,1800000000.00\n\
         IR:fee:tm-ir-az,mcm,-32.000\n\
         IR:payable:TM,USD,-200000000.00\n\
         IR:revenue:gas,USD,-1600000000.00\n\
         IR:swap:tm-ir-az,mcm,32.000\n"
    );

    let json = l.ok(&["reconcile", "--format", "json", "--all"]);
    assert!(mismatches(&json).is_empty(), "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let party_rows: Vec<&str> = v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["check"] == "party-balance")
        .map(|c| c["subject"].as_str().expect("subject"))
        .collect();
    assert_eq!(party_rows.len(), 4, "{party_rows:?}");
    for party in ["AZ", "IQ", "IR", "TM"] {
        assert!(
            party_rows
                .iter()
                .any(|s| s.starts_with(&format!("{party}'s books balance"))),
            "{party_rows:?}"
        );
    }
    // Check 4 now covers the claims in kind: TM's claim on AZ against AZ's duty.
    assert!(
        json.contains("TM:due-from:AZ + AZ:due-to:TM (mcm)"),
        "{json}"
    );
}

/// A transaction that balances in total but not in each party's books is accepted, and check
/// 8 reports it: each party, the commodity, the amount and the transaction.
#[test]
fn check_8_names_a_one_sided_transaction() {
    let l = Ledger::with_chart();
    l.record(
        "2022-03-01",
        "Delivery booked in the hub's chart only",
        &["IR:swap:tm-ir-az 10 mcm", "TM:gas:delivered -10 mcm"],
        &["--id", "one-sided"],
    )
    .ok();
    let run = l.run(&["reconcile", "--format", "json"]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    let rows = mismatches(&run.stdout);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let ir = &rows[0];
    assert_eq!(ir["check"], "party-balance");
    assert_eq!(
        ir["subject"],
        "IR's books in mcm: 2022-03-01 Delivery booked in the hub's chart only (id: one-sided)"
    );
    assert_eq!(
        (&ir["expected"], &ir["actual"], &ir["difference"]),
        (
            &serde_json::json!("0.000"),
            &serde_json::json!("10.000"),
            &serde_json::json!("10.000")
        )
    );
    assert_eq!(
        rows[1]["subject"],
        "TM's books in mcm: 2022-03-01 Delivery booked in the hub's chart only (id: one-sided)"
    );
    assert_eq!(rows[1]["actual"], "-10.000");
    // Its own export is refused for both parties, naming the transaction.
    l.run(&["export", "--party", "TM", "--format", "hledger"])
        .fails(2, "one-sided");

    // A second one-sided transaction in the same party's books is named beside the first, and
    // the row shows what the books are out by in all.
    l.record(
        "2022-03-02",
        "Another delivery booked in the hub's chart only",
        &["IR:swap:tm-ir-az 5 mcm", "TM:gas:delivered -5 mcm"],
        &["--id", "one-sided-2"],
    )
    .ok();
    let rows = mismatches(&l.run(&["reconcile", "--format", "json"]).stdout);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert_eq!(rows[0]["actual"], "15.000");
    assert!(
        rows[0]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("(id: one-sided);") && s.ends_with("(id: one-sided-2)")),
        "{rows:#?}"
    );
    // Reversing the second, and writing the missing sides of the first, brings each party's
    // books back into balance: the check judges the books, not each entry.
    l.ok(&["reverse", "one-sided-2", "--date", "2022-03-03"]);
    l.ok(&["account", "add", "IR:due-to:TM", "--type", "liability"]);
    l.ok(&["account", "add", "TM:due-from:IR", "--type", "asset"]);
    l.record(
        "2022-03-04",
        "The missing sides of the delivery of 2022-03-01",
        &["IR:due-to:TM -10 mcm", "TM:due-from:IR 10 mcm"],
        &["--id", "missing-sides"],
    )
    .ok();
    let run = l.run(&["reconcile", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
}

/// Check 4 on claims in kind: a supplier's claim on the hub that the hub's duty does not
/// mirror is a mismatch.
#[test]
fn check_4_finds_a_claim_in_kind_without_its_mirror() {
    let l = Ledger::new();
    l.import(
        "kind.ledger",
        "commodity 1000.000 mcm  ; kind: volume\n\
         account TM  ; party: Turkmenistan\n\
         account IR  ; party: Iran\n\
         account TM:gas:delivered  ; type: asset\n\
         account TM:due-from:IR  ; type: asset\n\
         account IR:due-to:TM  ; type: liability\n\
         account IR:swap:x  ; type: asset\n\
         \n\
         2022-01-31 * Entry booked at two volumes  ; id: two-volumes\n\
         \x20   TM:gas:delivered  -160.000 mcm\n\
         \x20   TM:due-from:IR     160.000 mcm\n\
         \x20   IR:swap:x          158.500 mcm\n\
         \x20   IR:due-to:TM      -158.500 mcm\n",
    )
    .ok();
    let run = l.run(&["reconcile", "--format", "json"]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    let rows = mismatches(&run.stdout);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["check"], "mirrored-obligation");
    assert_eq!(rows[0]["subject"], "TM:due-from:IR + IR:due-to:TM (mcm)");
    assert_eq!(rows[0]["difference"], "1.500");
}

/// Turkmengaz's own books against the desk's: exactly the two planted differences, exit 1.
#[test]
fn turkmengaz_books_differ_in_the_two_planted_places() {
    let l = turkmengaz();
    let books = ledgers().join("own-books/11-turkmengaz-books.TM.journal");
    let run = l.run(&[
        "reconcile",
        "--against",
        path(&books),
        "--party",
        "TM",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    let rows = mismatches(&run.stdout);
    let subjects: Vec<&str> = rows
        .iter()
        .map(|r| r["subject"].as_str().expect("subject"))
        .collect();
    assert_eq!(rows.len(), 2, "{subjects:#?}");
    assert!(
        subjects[0].starts_with("tm-ir-az-2022-02-entry (mcm): amounts differ"),
        "{subjects:?}"
    );
    assert_eq!(
        (
            &rows[0]["expected"],
            &rows[0]["actual"],
            &rows[0]["difference"]
        ),
        (
            &serde_json::json!("160.000"),
            &serde_json::json!("158.500"),
            &serde_json::json!("-1.500")
        )
    );
    assert_eq!(subjects[1], "pay-iq-tm-2022-09 (USD): only in this ledger");
    assert_eq!(rows[1]["expected"], "400000000.00");
}

/// The party's own export, read back as its books kept elsewhere, agrees (exit 0), in the
/// hledger dialect and in gasledger's journal.
#[test]
fn a_partys_own_export_agrees_with_the_desk() {
    let l = turkmengaz();
    for party in ["TM", "IR", "AZ", "IQ"] {
        for format in ["hledger", "journal"] {
            let out = l.dir.path().join(format!("{party}.{format}"));
            l.ok(&[
                "export",
                "--party",
                party,
                "--format",
                format,
                "-o",
                path(&out),
            ]);
            let run: Run = l.run(&["reconcile", "--against", path(&out), "--party", party]);
            assert_eq!(run.code, Some(0), "{party} {format}: {run:#?}");
            assert!(run.stdout.contains("the books agree"), "{run:#?}");
        }
    }
}

/// The mutual statement of the founding case ends with what Iran still owes Turkmenistan;
/// its CSV has the columns a desk's scripts read.
#[test]
fn the_founding_statement_ends_with_what_iran_owes() {
    let l = Ledger::new();
    l.import_files(&[&ledgers().join("02-debt-offset.ledger")])
        .ok();
    let table = l.ok(&["report", "settlements", "TM", "IR"]);
    assert_eq!(
        table.trim_end().lines().last(),
        Some("At 2022-06-20, IR owes TM 200,000,000.00 USD."),
        "{table}"
    );
    let csv = l.ok(&["report", "settlements", "TM", "IR", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("date,id,description,commodity,a_side,b_side,difference")
    );
    assert!(
        csv.contains(
            "2017-01-01,debt-ir-tm-2017,Iran's debt to Turkmenistan for gas delivered until 2017,USD,1800000000.00,-1800000000.00,0.00"
        ),
        "{csv}"
    );
    // The combined case (swap and debts) says the same, and nothing is owed in kind.
    let l = turkmengaz();
    let table = l.ok(&["report", "settlements", "TM", "IR", "--to", "2022-12-31"]);
    assert_eq!(
        table.trim_end().lines().last(),
        Some("At 2022-12-31, IR owes TM 200,000,000.00 USD."),
        "{table}"
    );
}
