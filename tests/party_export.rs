//! `export --party P`: one party's own books. On `ledgers/02-debt-offset.ledger` and on
//! [`SWAP_DEBT_PAYMENT`] (a swap month, debts and a payment, each party's side written), for each
//! party: the hledger, ledger-cli and beancount exports pass their peers and give the balances
//! of `report balances --party P` (`tests/common/peers.rs`); hledger's `is` and `bs` put each
//! account under its type; the journal imports into a store of its own, which reconciles and
//! exports the same bytes. Books that do not balance are refused, naming the transactions.

mod common;

use common::peers::{cross_check, export_books, number, quiet, stdout_of, Tools};
use common::Ledger;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One swap month under tm-ir-az in the shape where each party's books balance (an entry at
/// Sarakhs, exits at Astara and Nakhchivan; plain transactions, without the agreement's tags),
/// Iran's and Iraq's debts to Turkmenistan, and Iraq's payment; assertions, a floor and a
/// statement of Turkmenistan's.
const SWAP_DEBT_PAYMENT: &str = r#"; A swap month, two debts and a payment, each party's side written.
commodity 1000.000 mcm            ; kind: volume
commodity 1000.00 USD             ; kind: money

account TM                        ; party: Turkmenistan
account IR                        ; party: Iran
account AZ                        ; party: Azerbaijan
account IQ                        ; party: Iraq
account TM:gas:delivered          ; type: asset
account TM:due-from:IR            ; type: asset
account TM:due-from:AZ            ; type: asset
account TM:expense:fee:tm-ir-az   ; type: expense
account TM:receivable:IR          ; type: asset
account TM:receivable:IQ          ; type: asset
account TM:revenue:gas            ; type: revenue
account TM:cash                   ; type: asset, floor: 0.00 USD
account IR:swap:tm-ir-az          ; type: asset
account IR:due-to:TM              ; type: liability
account IR:fee:tm-ir-az           ; type: revenue
account IR:expense:gas            ; type: expense
account IR:payable:TM             ; type: liability
account AZ:gas:received           ; type: asset
account AZ:due-to:TM              ; type: liability
account IQ:expense:gas            ; type: expense
account IQ:payable:TM             ; type: liability
account IQ:cash                   ; type: asset

2017-01-01 * Iran's debt to Turkmenistan for gas   ; id: debt-ir-tm
    TM:receivable:IR     1,800,000,000.00 USD
    TM:revenue:gas      -1,800,000,000.00 USD
    IR:expense:gas       1,800,000,000.00 USD
    IR:payable:TM       -1,800,000,000.00 USD

2021-12-31 * Iraq's debt to Turkmenistan for gas   ; id: debt-iq-tm
    TM:receivable:IQ       600,000,000.00 USD
    TM:revenue:gas        -600,000,000.00 USD
    IQ:expense:gas         600,000,000.00 USD
    IQ:payable:TM         -600,000,000.00 USD

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

2022-01-31 * Nakhchivan exit, January   ; id: tm-ir-az-2022-01-exit-nakhchivan
    AZ:gas:received            48.000 mcm
    AZ:due-to:TM              -48.000 mcm
    IR:swap:tm-ir-az          -48.000 mcm
    IR:due-to:TM               48.000 mcm = 0.000 mcm
    TM:due-from:IR            -48.000 mcm = 0.000 mcm
    TM:due-from:AZ             48.000 mcm

2022-09-30 * Iraq pays Turkmenistan   ; id: pay-iq-tm
    IQ:payable:TM          400,000,000.00 USD
    IQ:cash               -400,000,000.00 USD
    TM:cash                400,000,000.00 USD
    TM:receivable:IQ      -400,000,000.00 USD = 200,000,000.00 USD

statement 2022-09-30 TM   ; source: Turkmengaz letter of 30 September 2022
    TM:receivable:IR     1800000000.00 USD
    TM:receivable:IQ      200000000.00 USD
"#;

/// A transaction that balances in total but not in Turkmenistan's books nor in Iran's.
const ONE_SIDED: &str = "
2022-10-01 * One-sided   ; id: one-sided
    TM:cash      5.00 USD
    IQ:cash      3.00 USD
    IR:expense:gas     -8.00 USD
";

fn debt_offset() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ledgers/02-debt-offset.ledger")
}

/// A store holding `journal`.
fn ledger_of(journal: &str) -> Ledger {
    let l = Ledger::new();
    l.import("books.journal", journal).ok();
    l
}

/// Each book of the two journals: (the store, its parties).
fn books() -> Vec<(Ledger, &'static [&'static str])> {
    let text = std::fs::read_to_string(debt_offset()).expect("read 02-debt-offset.ledger");
    vec![
        (ledger_of(&text), &["TM", "IR", "IQ"]),
        (ledger_of(SWAP_DEBT_PAYMENT), &["TM", "IR", "IQ", "AZ"]),
    ]
}

#[test]
fn each_partys_books_pass_the_peers_with_its_balances() {
    let tools = Tools::find();
    tools.report("party_export");
    let mut problems = Vec::new();
    for (l, parties) in books() {
        for party in parties {
            match export_books(&l.db(), l.dir.path(), Some(party)) {
                Err(e) => problems.push(format!("{party}: {e}")),
                Ok(exported) => {
                    assert!(!exported.balances.is_empty(), "{party} has no balances");
                    problems.extend(
                        cross_check(&tools, &exported)
                            .into_iter()
                            .map(|p| format!("{party}'s books: {p}")),
                    );
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// An hledger `is` or `bs` report as CSV: each account's section (`Assets`, `Revenues` …) and
/// amounts, and the `Net:` amounts.
#[derive(Debug, Default)]
struct Statement {
    accounts: BTreeMap<String, (String, BTreeMap<String, Decimal>)>,
    net: BTreeMap<String, Decimal>,
}

/// `1.00 USD, -3.000 mcm` (or `0`, or nothing) by commodity.
fn amounts(cell: &str) -> BTreeMap<String, Decimal> {
    cell.split(", ")
        .filter_map(|a| a.trim().split_once(' '))
        .map(|(n, c)| (c.to_string(), number(n).expect("an amount")))
        .collect()
}

fn hledger_statement(file: &Path, report: &str) -> Statement {
    let file = file.to_str().expect("utf-8 path");
    let csv =
        quiet("hledger", &["-f", file, report, "-O", "csv"]).unwrap_or_else(|e| panic!("{e}"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    let mut out = Statement::default();
    let mut section = String::new();
    for row in reader.records().skip(2) {
        let row = row.expect("a CSV row");
        let (name, cell) = (&row[0], row.get(1).unwrap_or(""));
        match name {
            "Assets" | "Liabilities" | "Equity" | "Revenues" | "Expenses" => {
                section = name.to_string()
            }
            "total" => {}
            "Net:" => out.net = amounts(cell),
            account => {
                out.accounts
                    .insert(account.to_string(), (section.clone(), amounts(cell)));
            }
        }
    }
    out
}

#[test]
fn hledger_reads_each_account_under_its_type() {
    if Tools::find().hledger.is_err() {
        eprintln!("party_export: hledger is/bs cross-check SKIPPED: no hledger on the PATH");
        return;
    }
    for (l, parties) in books() {
        for party in parties {
            let out = l.dir.path().join(format!("{party}.hledger"));
            let out_arg = out.to_str().expect("utf-8 path");
            l.ok(&[
                "export", "--party", party, "--format", "hledger", "-o", out_arg,
            ]);
            let (is, bs) = (hledger_statement(&out, "is"), hledger_statement(&out, "bs"));
            // The books balance and hold no equity: what bs nets is what is earns.
            assert_eq!(is.net, bs.net, "{party}: is {is:?}, bs {bs:?}");
            let json = l.ok(&["export", "--party", party, "--format", "json"]);
            let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            let types: BTreeMap<&str, &str> = doc["accounts"]
                .as_array()
                .expect("accounts")
                .iter()
                .map(|a| {
                    (
                        a["name"].as_str().unwrap_or(""),
                        a["type"].as_str().unwrap_or(""),
                    )
                })
                .collect();
            let csv = stdout_of(
                &l.db(),
                &["report", "balances", "--party", party, "--format", "csv"],
            )
            .unwrap_or_else(|e| panic!("{e}"));
            for line in csv.lines().skip(1) {
                let cells: Vec<&str> = line.split(',').collect();
                let (account, commodity, balance) =
                    (cells[0], cells[1], number(cells[2]).expect("n"));
                let (report, section, shown) = match types[account] {
                    "asset" => (&bs, "Assets", balance),
                    "liability" => (&bs, "Liabilities", -balance),
                    "revenue" => (&is, "Revenues", -balance),
                    "expense" => (&is, "Expenses", balance),
                    other => panic!("{account} has type {other:?}"),
                };
                let found = report.accounts.get(account);
                let expected = (
                    section.to_string(),
                    BTreeMap::from([(commodity.to_string(), shown)]),
                );
                assert_eq!(
                    found,
                    Some(&expected),
                    "{party}: {account} in hledger's {section}"
                );
            }
        }
    }
}

#[test]
fn turkmenistans_revenue_and_claim_read_as_hledger_reads_them() {
    if Tools::find().hledger.is_err() {
        eprintln!("party_export: hledger is/bs cross-check SKIPPED: no hledger on the PATH");
        return;
    }
    let l = Ledger::new();
    l.import_files(&[&debt_offset()]).ok();
    let out = l.dir.path().join("TM.hledger");
    l.ok(&[
        "export",
        "--party",
        "TM",
        "--format",
        "hledger",
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    let is = hledger_statement(&out, "is");
    let usd = |v: i64| BTreeMap::from([("USD".to_string(), Decimal::new(v * 100, 2))]);
    assert_eq!(
        is.accounts.get("TM:revenue:gas"),
        Some(&("Revenues".to_string(), usd(1_800_000_000))),
        "{is:?}"
    );
    let bs = hledger_statement(&out, "bs");
    assert_eq!(
        bs.accounts.get("TM:receivable:IR"),
        Some(&("Assets".to_string(), usd(200_000_000))),
        "{bs:?}"
    );
    assert_eq!(
        bs.accounts.get("TM:receivable:IQ").map(|(s, _)| s.as_str()),
        Some("Assets")
    );
}

#[test]
fn a_partys_journal_imports_into_a_store_of_its_own() {
    for (l, parties) in books() {
        for party in parties {
            let journal = l.ok(&["export", "--party", party]);
            let own = ledger_of(&journal);
            own.ok(&["reconcile"]);
            assert_eq!(own.export(), journal, "{party}'s books round-trip");
            assert_eq!(own.ok(&["export", "--party", party]), journal);
            assert_eq!(
                own.balances_csv(),
                l.ok(&["report", "balances", "--party", party, "--format", "csv"]),
                "{party}"
            );
        }
    }
}

#[test]
fn a_partys_books_hold_its_postings_accounts_and_commodities_only() {
    let l = ledger_of(SWAP_DEBT_PAYMENT);
    let tm = l.ok(&["export", "--party", "TM"]);
    for line in tm.lines() {
        if let Some(account) = line
            .strip_prefix("    ")
            .and_then(|p| p.split_whitespace().next())
        {
            assert!(account.starts_with("TM:"), "{line:?} in\n{tm}");
        }
        if let Some(decl) = line.strip_prefix("account ") {
            assert!(decl.starts_with("TM"), "{line:?}");
        }
    }
    assert!(
        tm.contains("account TM:cash  ; type: asset, floor: 0.00 USD\n"),
        "{tm}"
    );
    assert!(
        tm.contains("    TM:receivable:IQ  -400000000.00 USD = 200000000.00 USD\n"),
        "{tm}"
    );
    assert!(tm.contains("statement 2022-09-30 TM"), "{tm}");
    // AZ's books hold gas only, Iraq's money only; the statement is Turkmenistan's.
    let az = l.ok(&["export", "--party", "AZ"]);
    assert!(
        az.starts_with("commodity 1000.000 mcm  ; kind: volume\n\naccount AZ"),
        "{az}"
    );
    assert!(!az.contains("USD") && !az.contains("statement"), "{az}");
    let iq = l.ok(&["export", "--party", "IQ"]);
    assert!(
        iq.starts_with("commodity 1000.00 USD  ; kind: money\n\naccount IQ"),
        "{iq}"
    );
    assert!(
        !iq.contains("Sarakhs"),
        "a transaction without Iraq is left out:\n{iq}"
    );
}

#[test]
fn an_offset_keeps_its_agreements_name_in_agreement_ref() {
    let l = Ledger::new();
    l.import_files(&[&debt_offset()]).ok();
    for party in ["TM", "IR", "IQ"] {
        for format in ["journal", "hledger", "ledger", "beancount", "json"] {
            let out = l.ok(&["export", "--party", party, "--format", format]);
            assert!(
                !out.contains("agreement iq-ir-tm"),
                "{party} {format}:\n{out}"
            );
            assert!(out.contains("agreement-ref"), "{party} {format}:\n{out}");
            assert!(
                !out.contains("agreement:") && !out.contains("\"agreement\""),
                "{out}"
            );
        }
    }
    let json = l.ok(&["export", "--party", "IQ", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(doc["agreements"], serde_json::json!([]));
    assert_eq!(doc["parties"].as_array().map(Vec::len), Some(1));
}

#[test]
fn books_that_do_not_balance_are_refused_naming_the_transactions() {
    let l = ledger_of(&format!("{SWAP_DEBT_PAYMENT}{ONE_SIDED}"));
    let out = l.dir.path().join("TM.hledger");
    let out_arg = out.to_str().expect("utf-8 path");
    for format in ["journal", "hledger", "ledger", "beancount", "json"] {
        l.run(&["export", "--party", "TM", "--format", format, "-o", out_arg])
            .fails(
                2,
                "TM's books do not balance: 2022-10-01 \"One-sided\" (id: one-sided) leaves 5.00 USD — export refused",
            );
        assert!(!out.exists(), "a refused export leaves no file");
    }
    l.run(&["export", "--party", "IR"]).fails(
        2,
        "IR's books do not balance: 2022-10-01 \"One-sided\" (id: one-sided) leaves -8.00 USD",
    );
    l.run(&["export", "--party", "IQ"])
        .fails(2, "leaves 3.00 USD");
    // Azerbaijan is not in it: its books are written.
    let tools = Tools::find();
    let exported =
        export_books(&l.db(), l.dir.path(), Some("AZ")).unwrap_or_else(|e| panic!("{e}"));
    let problems = cross_check(&tools, &exported);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // The whole ledger balances, and is written.
    l.ok(&["export", "--format", "hledger"]);
}

#[test]
fn the_refusal_names_twenty_transactions_and_counts_the_rest() {
    let mut journal = SWAP_DEBT_PAYMENT.to_string();
    for i in 0..23 {
        journal.push_str(&format!(
            "\n2022-11-{:02} * Cash to Iran {i}   ; id: c-{i}\n    TM:cash  -1.00 USD\n    IQ:cash   1.00 USD\n",
            i + 1
        ));
    }
    let l = ledger_of(&journal);
    let r = l
        .run(&["export", "--party", "IQ"])
        .fails(2, "; and 3 more — export refused");
    assert_eq!(
        r.stderr.matches(" leaves 1.00 USD").count(),
        20,
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("(id: c-19) leaves"), "{}", r.stderr);
    assert!(!r.stderr.contains("(id: c-20)"), "{}", r.stderr);
}

#[test]
fn a_lone_posting_of_zero_is_refused() {
    let l = ledger_of(&format!(
        "{SWAP_DEBT_PAYMENT}\n2022-12-01 * Nothing for Iraq   ; id: zero\n    IQ:cash  0.00 USD\n    TM:cash  1.00 USD\n    TM:revenue:gas  -1.00 USD\n"
    ));
    l.run(&["export", "--party", "IQ"]).fails(
        2,
        "(id: zero) leaves one posting of zero there, and a transaction needs two",
    );
    l.ok(&["export", "--party", "TM"]);
}

#[test]
fn an_undeclared_party_is_refused_with_the_nearest() {
    let l = ledger_of(SWAP_DEBT_PAYMENT);
    let out = l.dir.path().join("out.journal");
    l.run(&[
        "export",
        "--party",
        "TN",
        "-o",
        out.to_str().expect("utf-8"),
    ])
    .fails(2, "party TN is not declared (did you mean TM?)");
    assert!(!out.exists());
    l.run(&["export", "--party", "Turkmenistan"])
        .fails(2, "party Turkmenistan is not declared");
}

#[test]
fn the_help_explains_party() {
    let r = common::gasledger().args(["export", "--help"]).run().ok();
    assert!(r.stdout.contains("--party <P>"), "{}", r.stdout);
    assert!(r.stdout.contains("P's own books"), "{}", r.stdout);
}
