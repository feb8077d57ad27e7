//! The peer exports against the real tools. Every scenario in `ledgers/` (and a journal of edge
//! cases below) is imported into a fresh store by the real binary and exported as hledger,
//! ledger-cli and beancount files, the whole ledger and each party's own books (`export
//! --party P`, against `report balances --party P`); then each tool found on the PATH
//! cross-checks them (`tests/common/peers.rs` says how):
//!
//! - hledger: `hledger -f OUT check -s` passes, and `hledger bal --flat -O csv --layout=bare`
//!   gives exactly `report balances --format csv` (account, commodity, balance);
//! - ledger-cli: `ledger -f OUT bal` runs without a word on standard error, and
//!   `ledger --pedantic bal --flat` gives exactly the same balances;
//! - beancount: `bean-check OUT` exits 0 and prints nothing; and when Python can import
//!   beancount, the balances it loads are exactly the same.
//!
//! A missing tool skips its cross-check with a line on standard error; it never fails the test.

mod common;

use common::peers::{cross_check, export_all, export_books, parties, stdout_of, Tools};
use std::path::{Path, PathBuf};

/// Edge cases the scenarios do not reach: a commodity code with a digit and one of scale 0,
/// `@` and `@@` prices, accounts whose beancount names collide, a transaction recorded before
/// an earlier-dated one with assertions that only hold in recorded order, an assertion on an
/// account with a sub-account, an assertion in another commodity than its posting, posting tags
/// that hledger would read as dates, tags that collide once lowercased, quotes and a backslash
/// in a description, and the last day there is.
const EDGE: &str = r#"; Edge cases for the peer exports (not a settlement scenario).
commodity 1000.000 m3       ; kind: volume
commodity 1000 MMBtu        ; kind: energy
commodity 1000.00 USD       ; kind: money

account TM                  ; party: Turkmenistan
account IR                  ; party: Iran
account TM:cash
account TM:cash:usd
account TM:Cash             ; type: liability
account TM:gas_x
account TM:gas-x
account TM:gas x            ; type: asset, floor: -100.00 USD
account IR:swap:tm-ir-az
account IR:equity           ; type: equity

2022-03-01 * Late entry, recorded first   ; id: late, date: not-a-date
    TM:cash                 10.00 USD = 10.00 USD
    IR:equity

2022-02-01 ! (C7) Early entry "quoted" \ back-slash   ; id: early, Point: Sarakhs, point: again, x:
    TM:cash                  5.00 USD = 15.00 USD
    IR:equity

2022-03-01 Same day, unmarked, with prices
    TM:cash:usd              1.00 USD
    TM:cash                  2.000 m3 @ 3.00 USD   ; date: 2022-03-05
    TM:cash                 -1.000 m3 @@ 3.00 USD = 1.000 m3
    IR:equity               -4.00 USD

2022-03-02 * Another commodity posted first   ; id: mixed
    TM:gas-x                 3 MMBtu = 3 MMBtu
    TM:gas-x                -6.00 USD = 3 MMBtu
    TM:gas_x                 6.00 USD = 6.00 USD
    TM:gas x                -3 MMBtu
    TM:Cash                  1.00 USD
    IR:swap:tm-ir-az        -1.00 USD

9999-12-31 * The last day there is   ; id: end
    TM:cash                  1.00 USD = 16.00 USD
    IR:equity

statement 2022-06-30 TM   ; source: a letter
    TM:cash   16.00 USD
"#;

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ledgers");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ledger"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_gives_the_same_balances_in_each_peer() {
    let tools = Tools::find();
    tools.report("peers");
    let files = scenarios();
    assert!(!files.is_empty(), "no scenarios in ledgers/");
    let problems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|file| {
                let tools = &tools;
                s.spawn(move || {
                    let name = file.file_name().unwrap_or_default().to_string_lossy();
                    scenario_problems(tools, file)
                        .into_iter()
                        .map(|p| format!("{name}: {p}"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scenario thread"))
            .collect()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The parties whose own books a scenario leaves unbalanced on purpose (check 8's scenario):
/// gasledger must refuse to export them, and every other party's books must export.
const UNBALANCED: &[(&str, &str)] = &[
    ("10-one-sided-payment.ledger", "IQ"),
    ("10-one-sided-payment.ledger", "TM"),
];

/// One scenario's whole ledger, and each party's own books, against the peers. A party whose
/// books the scenario unbalances on purpose ([`UNBALANCED`]) must be refused instead.
fn scenario_problems(tools: &Tools, file: &Path) -> Vec<String> {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let dir = tempfile::tempdir().expect("temp dir");
    let exported = match export_all(dir.path(), file) {
        Err(e) => return vec![e],
        Ok(exported) => exported,
    };
    let mut problems = cross_check(tools, &exported);
    let db = dir.path().join("db");
    let parties = match parties(&db) {
        Err(e) => return vec![e],
        Ok(parties) => parties,
    };
    for party in parties {
        let planted = UNBALANCED.contains(&(name.as_ref(), party.as_str()));
        match export_books(&db, dir.path(), Some(&party)) {
            Err(e) if planted && e.contains("books do not balance") => {
                eprintln!("peers: {name}: {party}'s books refused, as planted");
            }
            Ok(_) if planted => problems.push(format!(
                "{party}'s books: the scenario plants a transaction that unbalances them, yet \
                 they were exported"
            )),
            Err(e) => problems.push(format!("{party}'s books: {e}")),
            Ok(exported) => problems.extend(
                cross_check(tools, &exported)
                    .into_iter()
                    .map(|p| format!("{party}'s books: {p}")),
            ),
        }
    }
    problems
}

#[test]
fn edge_cases_give_the_same_balances_in_each_peer() {
    let tools = Tools::find();
    tools.report("peers (edge cases)");
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("edge.journal");
    std::fs::write(&journal, EDGE).expect("write journal");
    let exported = export_all(dir.path(), &journal).unwrap_or_else(|e| panic!("{e}"));
    let problems = cross_check(&tools, &exported);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));

    let read = |p: &Path| std::fs::read_to_string(p).expect("read export");
    let (hledger, ledger, beancount) = (
        read(&exported.hledger),
        read(&exported.ledger),
        read(&exported.beancount),
    );

    // hledger checks assertions in date order: the two recorded out of date order are dropped,
    // the others kept. Codes with digits are quoted, scale 0 has a decimal mark, `date:` on a
    // posting is renamed, statements are comments.
    for expected in [
        "commodity 1000. MMBtu  ; kind: energy\n",
        "commodity 1000.000 \"m3\"  ; kind: volume\n",
        "    TM:cash     10.00 USD\n        ; not exported, balance assertion = 10.00 USD (hledger checks assertions in date order, and in that order this one does not hold)\n",
        "    TM:cash     5.00 USD\n        ; not exported, balance assertion = 15.00 USD",
        "    TM:cash       2.000 \"m3\" @ 3.00 USD  ; gasledger-date: 2022-03-05\n",
        "    TM:cash      -1.000 \"m3\" @@ 3.00 USD = 1.000 \"m3\"\n",
        "    TM:gas-x          -6.00 USD = 3 MMBtu\n",
        "    TM:cash     1.00 USD = 16.00 USD\n",
        "; statement 2022-06-30 TM  ; source: a letter\n;     TM:cash  16.00 USD\n",
    ] {
        assert!(hledger.contains(expected), "hledger export lacks {expected:?}:\n{hledger}");
    }

    // ledger-cli reads in file order, so those are kept; the assertion in MMBtu on a USD
    // posting is not.
    for expected in [
        "commodity \"m3\"\n    ; kind: volume\n    format 1000.000 \"m3\"\n",
        "account TM:gas x\n    ; type: asset\n    ; floor: -100.00 USD\n",
        "tag Point\ntag date\ntag id\ntag point\ntag x\n",
        "2022-02-01 ! (C7) Early entry \"quoted\" \\ back-slash\n    ; id: early\n    ; Point: Sarakhs\n    ; point: again\n    ; x:\n    TM:cash     5.00 USD = 15.00 USD\n",
        "    TM:cash     10.00 USD = 10.00 USD\n",
        "    TM:gas-x          -6.00 USD\n        ; not exported, balance assertion = 3 MMBtu (ledger-cli only accepts an assertion in the commodity of its posting)\n",
        "    TM:gas-x            3 MMBtu = 3 MMBtu\n",
    ] {
        assert!(ledger.contains(expected), "ledger export lacks {expected:?}:\n{ledger}");
    }

    // beancount: injective names, metadata, balance directives the next day only where they
    // hold at the end of the day (sub-accounts included).
    for expected in [
        "2022-02-01 commodity M3\n  code: \"m3\"\n  kind: \"volume\"\n  scale: 3\n",
        "2022-02-01 open Assets:TM:Cash\n  name: \"TM:cash\"\n",
        "2022-03-02 open Liabilities:TM:Cash\n  name: \"TM:Cash\"\n  type: \"liability\"\n",
        "2022-03-02 open Assets:TM:Gas-x\n  name: \"TM:gas x\"\n",
        "2022-03-02 open Assets:TM:Gas-x-2\n  name: \"TM:gas-x\"\n",
        "2022-03-02 open Assets:TM:Gas-x-3\n  name: \"TM:gas_x\"\n",
        "2022-02-01 ! \"Early entry \\\"quoted\\\" \\\\ back-slash\"\n  code: \"C7\"\n  id: \"early\"\n  point: \"Sarakhs\"\n  point-2: \"again\"\n  tag-x: \"\"\n",
        "2022-03-01 txn \"Same day, unmarked, with prices\"\n",
        "  Assets:TM:Cash       2.000 M3 @ 3.00 USD\n    date: \"2022-03-05\"\n",
        "2022-03-02 balance Assets:TM:Cash  1.000 M3\n",
        "2022-03-03 balance Assets:TM:Gas-x-2  3 MMBTU\n",
        "2022-03-03 balance Assets:TM:Gas-x-3  6.00 USD\n",
        "; balance assertion TM:cash = 10.00 USD (after a posting of 2022-03-01) not exported: at the end of 2022-03-01 beancount finds 16.00 USD in Assets:TM:Cash and its sub-accounts\n",
        "; balance assertion TM:cash = 16.00 USD (after a posting of 9999-12-31) not exported: there is no next day to date a balance directive\n",
    ] {
        assert!(beancount.contains(expected), "beancount export lacks {expected:?}:\n{beancount}");
    }
    assert_eq!(
        beancount.matches("balance Assets:TM:Gas-x-2").count(),
        1,
        "two assertions at the same place give one balance directive"
    );
}

#[test]
fn negative_unit_prices_are_refused_where_the_peer_refuses_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("negative.journal");
    std::fs::write(
        &journal,
        "commodity 1000.000 mcm\ncommodity 1000.00 USD\naccount TM\naccount TM:gas\naccount TM:cash\n\n\
         2022-01-01 * Odd price  ; id: odd\n    TM:gas  -5.000 mcm @ -2.00 USD\n    TM:cash\n",
    )
    .expect("write journal");
    let db = dir.path().join("db");
    stdout_of(&db, &["import", journal.to_str().expect("utf-8")]).unwrap_or_else(|e| panic!("{e}"));
    stdout_of(&db, &["export", "--format", "hledger"]).unwrap_or_else(|e| panic!("{e}"));
    for (format, peer) in [("ledger", "ledger-cli"), ("beancount", "beancount")] {
        let out = dir.path().join(format!("out.{format}"));
        let e = stdout_of(
            &db,
            &[
                "export",
                "--format",
                format,
                "-o",
                out.to_str().expect("utf-8"),
            ],
        )
        .expect_err("a negative unit price cannot be exported");
        assert!(
            e.contains(&format!("{peer} refuses negative prices")) && e.contains("transaction odd"),
            "{e}"
        );
        assert!(!out.exists(), "a refused export leaves no file");
    }
}
