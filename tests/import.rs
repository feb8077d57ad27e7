//! `import` through the real binary on a temp store: what a good file adds, that a second import
//! adds nothing, and every bad input of issue 3: one error naming FILE:LINE, exit status 2, no
//! panic, and the store exactly as it was.

mod common;

use common::{Ledger, Run};
use std::path::{Path, PathBuf};

/// Everything a user can see of the store: the journal export and the balances.
fn state(l: &Ledger) -> String {
    let e = l.run(&["export"]);
    let b = l.run(&["report", "balances", "--format", "csv"]);
    format!("{}\n{}", e.stdout, b.stdout)
}

const CHART: &str = "\
commodity 1000.000 mcm   ; kind: volume
commodity 1000.00 USD    ; kind: money
account TM   ; party: Turkmenistan
account IR   ; party: Iran
account TM:gas:delivered
account IR:swap:tm-ir-az
account TM:receivable:IR
account IR:payable:TM
";

const GOOD: &str = "
2022-01-31 * Sarakhs entry   ; id: e1
    IR:swap:tm-ir-az    160.000 mcm
    TM:gas:delivered   -160.000 mcm

2022-02-28 * Sarakhs entry   ; id: e2
    IR:swap:tm-ir-az    150.000 mcm
    TM:gas:delivered
";

/// Import `bad` (after a good import of the chart) and check the refusal.
fn refused(bad: &[u8], expect_line: u32, expect_message: &str) {
    let l = Ledger::new();
    let base = l.file("base.journal", format!("{CHART}{GOOD}").as_bytes());
    assert!(l.import_files(&[&base]).success());
    let before = state(&l);
    let f = l.file("bad.journal", bad);
    let out = l.import_files(&[&f]);
    let err = out.stderr.clone();
    assert_eq!(out.code, Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(&format!("bad.journal:{expect_line}:")),
        "expected the error at line {expect_line}: {err}"
    );
    assert!(
        err.contains(expect_message),
        "expected {expect_message:?} in: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one error: {err}");
    assert_eq!(state(&l), before, "the store changed");
}

#[test]
fn good_file_adds_and_reports() {
    let l = Ledger::new();
    let f = l.file("a.journal", format!("{CHART}{GOOD}").as_bytes());
    let out = l.import_files(&[&f]);
    assert!(out.success(), "{}", out.stderr);
    let text = out.stdout.as_str();
    assert!(
        text.contains(
            "added 2 transactions (0 already recorded), 2 commodities, 2 parties, 4 accounts"
        ),
        "{text}"
    );
    assert!(text.contains("mcm: 4 postings"), "{text}");
    let b = l.run(&["report", "balances", "--format", "csv"]);
    assert_eq!(
        b.stdout.as_str(),
        "account,commodity,balance\nIR:swap:tm-ir-az,mcm,310.000\nTM:gas:delivered,mcm,-310.000\n"
    );
}

#[test]
fn importing_twice_adds_nothing() {
    let l = Ledger::new();
    let f = l.file("a.journal", format!("{CHART}{GOOD}").as_bytes());
    assert!(l.import_files(&[&f]).success());
    let before = state(&l);
    let out = l.import_files(&[&f]);
    assert!(out.success());
    assert!(out.stdout.contains("imported before"));
    assert_eq!(state(&l), before);
    // The same transactions in another file: their ids make them no-ops.
    let g = l.file(
        "b.journal",
        format!("{CHART}\n; another copy\n{GOOD}").as_bytes(),
    );
    let out = l.import_files(&[&g]);
    assert!(out.success(), "{}", out.stderr);
    assert!(out
        .stdout
        .contains("added 0 transactions (2 already recorded)"));
    assert_eq!(state(&l), before);
}

/// Id-less transactions: a file imported before would add them again, so it is skipped
/// whole, also beside new files and also when it is large (its fingerprint is taken while the
/// import runs, and the import starts again without it as soon as it is known); a file given
/// twice counts once.
#[test]
fn a_file_imported_before_is_skipped_among_new_ones() {
    let l = Ledger::new();
    let chart = l.file("chart.journal", CHART.as_bytes());
    assert!(l.import_files(&[&chart]).success());
    let idless = |n: usize, tag: &str| {
        (0..n)
            .map(|i| {
                format!(
                    "\n2022-01-{:02} * {tag} {i}\n    IR:swap:tm-ir-az    1.000 mcm\n    TM:gas:delivered\n",
                    1 + i % 28
                )
            })
            .collect::<String>()
    };
    for (n, name) in [(3, "small"), (30_000, "large")] {
        let old = l.file(&format!("{name}-old.journal"), idless(n, "old").as_bytes());
        let new = l.file(&format!("{name}-new.journal"), idless(n, "new").as_bytes());
        let out = l.import_files(&[&old]);
        assert!(out.success(), "{}", out.stderr);
        let before = state(&l);
        let out = l.import_files(&[&new, &old, &new]);
        assert!(out.success(), "{}", out.stderr);
        let text = out.stdout.as_str();
        assert!(
            text.contains(&format!("skipped {}", old.display())),
            "{text}"
        );
        assert!(
            text.contains(&format!("skipped {}", new.display())),
            "{text}"
        );
        assert!(text.contains(&format!("added {n} transactions")), "{text}");
        assert_ne!(state(&l), before);
        let out = l.import_files(&[&old, &new]);
        assert!(out.success(), "{}", out.stderr);
        assert!(out.stdout.contains("nothing added"));
    }
    let b = l.run(&["report", "balances", "--format", "csv"]);
    assert_eq!(
        b.stdout.as_str(),
        "account,commodity,balance\nIR:swap:tm-ir-az,mcm,60006.000\nTM:gas:delivered,mcm,-60006.000\n"
    );
}

#[test]
fn all_or_nothing_across_files() {
    let l = Ledger::new();
    let a = l.file("a.journal", format!("{CHART}{GOOD}").as_bytes());
    let b = l.file(
        "b.journal",
        b"2022-03-31 * bad\n    IR:swap:tm-ir-az   1.000 mcm\n    TM:gas:delivered  -2.000 mcm\n",
    );
    let out = l.import_files(&[&a, &b]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("b.journal:1:"));
    // Nothing of a.journal either: the read-only report finds no ledger content.
    let bal = l.run(&["report", "balances", "--format", "csv"]);
    assert_eq!(bal.stdout.as_str(), "account,commodity,balance\n");
}

#[test]
fn unbalanced_transaction() {
    refused(
        b"\n2022-03-31 * x\n    IR:swap:tm-ir-az   1.000 mcm\n    TM:gas:delivered  -0.500 mcm\n",
        2,
        "mcm is off by 0.5",
    );
}

#[test]
fn undeclared_account() {
    refused(
        b"2022-03-31 * x\n    IR:swap:tm-ir-azz   1.000 mcm\n    TM:gas:delivered\n",
        1,
        "did you mean IR:swap:tm-ir-az?",
    );
}

#[test]
fn impossible_date() {
    refused(
        b"2022-02-30 * x\n    IR:swap:tm-ir-az   1.000 mcm\n    TM:gas:delivered\n",
        1,
        "2022-02-30 is not a date",
    );
}

#[test]
fn failed_balance_assertion() {
    refused(
        b"2022-03-31 * x\n    IR:swap:tm-ir-az   1.000 mcm = 300.000 mcm\n    TM:gas:delivered\n",
        1,
        "balance assertion failed: IR:swap:tm-ir-az is 311.000 mcm, asserted 300.000 mcm",
    );
}

#[test]
fn too_many_decimals() {
    refused(
        b"2022-03-31 * x\n    IR:swap:tm-ir-az   1.0005 mcm\n    TM:gas:delivered\n",
        1,
        "has 4 decimal places but mcm allows 3",
    );
}

#[test]
fn posting_outside_any_transaction() {
    refused(
        b"; a comment\n\n    IR:swap:tm-ir-az   1.000 mcm\n",
        3,
        "outside",
    );
}

#[test]
fn unknown_directive() {
    refused(
        b"2022-03-31 * x\n    IR:swap:tm-ir-az   1 mcm\n    TM:gas:delivered\n\nfrobnicate 3\n",
        5,
        "frobnicate",
    );
}

#[test]
fn invalid_utf8() {
    refused(
        b"; ok\n2022-03-31 * caf\xe9\n    IR:swap:tm-ir-az   1 mcm\n    TM:gas:delivered\n",
        2,
        "UTF-8",
    );
}

#[test]
fn unknown_commodity_in_the_last_transaction_of_a_long_file() {
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&format!(
            "2022-03-01 * leg {i}   ; id: long-{i}\n    IR:swap:tm-ir-az   1.000 mcm\n    TM:gas:delivered\n\n"
        ));
    }
    let last_line = text.lines().count() + 1;
    text.push_str("2022-03-31 * last\n    IR:swap:tm-ir-az   1.000 MCM\n    TM:gas:delivered\n");
    refused(
        text.as_bytes(),
        last_line as u32,
        "commodity MCM is not declared",
    );
}

#[test]
fn malformed_number() {
    refused(
        b"2022-03-31 * x\n    IR:swap:tm-ir-az   1.2.3 mcm\n    TM:gas:delivered\n",
        2,
        "1.2.3",
    );
}

#[test]
fn overflowing_amount() {
    refused(
        b"2022-03-31 * x\n    IR:swap:tm-ir-az   79228162514264337593543950336 mcm\n    TM:gas:delivered\n",
        2,
        "more digits than an exact decimal can hold",
    );
}

#[test]
fn id_reused_with_other_content() {
    refused(
        b"2022-01-31 * Sarakhs entry   ; id: e1\n    IR:swap:tm-ir-az    161.000 mcm\n    TM:gas:delivered\n",
        1,
        "id e1 is recorded already with other content",
    );
}

#[test]
fn two_postings_without_amounts() {
    refused(
        b"2022-03-31 * x\n    IR:swap:tm-ir-az\n    TM:gas:delivered\n",
        1,
        "only one posting per transaction may leave its amount out",
    );
}

#[test]
fn agreement_naming_an_undeclared_party() {
    refused(
        b"agreement a1\n    kind       swap\n    supplier   TM\n    hub        IR\n    receiver   XX\n    entry      Sarakhs\n    exit       Astara\n    commodity  mcm\n    fee        20%\n    tolerance  2%\n",
        1,
        "XX",
    );
}

#[test]
fn agreement_with_a_fee_over_100_percent() {
    refused(
        b"account AZ  ; party: Azerbaijan\n\nagreement a1\n    kind       swap\n    supplier   TM\n    hub        IR\n    receiver   AZ\n    entry      Sarakhs\n    exit       Astara\n    commodity  mcm\n    fee        120%\n    tolerance  2%\n",
        3,
        "120",
    );
}

#[test]
fn missing_file() {
    let l = Ledger::new();
    let out = l.run(&["import", "/nonexistent/x.journal"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("/nonexistent/x.journal"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_first_error_in_file_order_is_reported() {
    // The parser thread finds the undeclared account (line 9) while the writer is still on the
    // failed assertion (line 2): the assertion, first in the file, is what the user sees.
    let mut text = String::from("2022-03-01 * x  ; id: first\n    IR:swap:tm-ir-az   1.000 mcm = 999.000 mcm\n    TM:gas:delivered\n\n");
    for i in 0..3 {
        text.push_str(&format!(
            "2022-03-02 * ok {i}\n    IR:swap:tm-ir-az   1.000 mcm\n    TM:gas:delivered\n\n"
        ));
    }
    text.push_str("2022-03-03 * undeclared\n    IR:nowhere   1.000 mcm\n    TM:gas:delivered\n");
    refused(text.as_bytes(), 1, "balance assertion failed");
}

#[test]
fn declarations_in_the_file_are_used_by_the_transactions_after_them() {
    // Accounts declared between transactions, in two files: ids are assigned as the writer
    // declares them, and the transactions prepared ahead use the same ones.
    let l = Ledger::new();
    let a = l.file(
        "a.journal",
        format!("{CHART}{GOOD}\naccount TM:cash\n\n2022-03-01 * cash  ; id: c1\n    TM:cash   -5.00 USD\n    TM:receivable:IR\n").as_bytes(),
    );
    let b = l.file(
        "b.journal",
        b"account IR:cash\n\n2022-03-02 * more cash  ; id: c2\n    IR:cash   7.00 USD\n    IR:payable:TM\n",
    );
    let out = l.import_files(&[&a, &b]);
    assert!(out.success(), "{}", out.stderr);
    let bal = l.run(&["report", "balances", "--format", "csv"]);
    assert_eq!(
        bal.stdout.as_str(),
        "account,commodity,balance\nIR:cash,USD,7.00\nIR:payable:TM,USD,-7.00\nIR:swap:tm-ir-az,mcm,310.000\nTM:cash,USD,-5.00\nTM:gas:delivered,mcm,-310.000\nTM:receivable:IR,USD,5.00\n"
    );
    assert!(l.run(&["verify"]).success());
}

/// A delivery of one mcm with id `d{i}`, all on one day, so that a repeat is the same text.
fn delivery(i: usize) -> String {
    format!("\n2022-03-01 * delivery {i}   ; id: d{i}\n    IR:swap:tm-ir-az    1.000 mcm\n    TM:gas:delivered\n")
}

/// The balance assertion after `n` deliveries and itself, each counted once.
fn asserting(n: usize) -> String {
    format!(
        "\n2022-03-02 * check\n    IR:swap:tm-ir-az    1.000 mcm = {}.000 mcm\n    TM:gas:delivered\n",
        n + 1
    )
}

/// An import checks its ids at its commit (in memory that does not grow with them) and runs
/// again checking each one when it holds a repeat: the repeat then counts once. Found at the
/// commit, or (with a balance assertion after it) when the first run fails because the repeat
/// was applied there.
#[test]
fn a_repeat_inside_one_import_counts_once() {
    for check in ["", &asserting(2)] {
        let l = Ledger::new();
        let text = format!(
            "{CHART}{}{}{}{check}",
            delivery(1),
            delivery(2),
            delivery(1)
        );
        let f = l.file("a.journal", text.as_bytes());
        let added = if check.is_empty() { 2 } else { 3 };
        imported(&l, &l.import_files(&[&f]), added, 1);
    }
}

/// `out` is an import that added `added` transactions of one mcm each into a new store, and
/// recognised `repeats` repeated ids; the store holds exactly that, and verifies.
fn imported(l: &Ledger, out: &Run, added: usize, repeats: usize) {
    assert!(out.success(), "{}", out.stderr);
    let text = out.stdout.as_str();
    assert!(
        text.contains(&format!(
            "added {added} transactions ({repeats} already recorded)"
        )),
        "{text}"
    );
    let b = l.run(&["report", "balances", "--party", "IR", "--format", "csv"]);
    assert_eq!(
        b.stdout.as_str(),
        format!("account,commodity,balance\nIR:swap:tm-ir-az,mcm,{added}.000\n")
    );
    assert!(l.run(&["verify"]).success());
}

/// A new store in a temp dir, opened through the library (to see what the command line does not
/// show), and the dir to keep it in.
fn library_store() -> (tempfile::TempDir, gasledger::store::Store) {
    use gasledger::store::Access;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = gasledger::ops::rulebook::open(
        &dir.path().join("db"),
        Access::Create,
        std::time::Duration::from_secs(5),
    )
    .expect("open");
    (dir, store)
}

/// The library's progress says when the import starts over checking each id (the command line
/// shows it on its bar), and only then.
#[test]
fn progress_says_when_the_import_runs_again() {
    let (dir, mut store) = library_store();
    for (name, text, want) in [
        (
            "once.journal",
            format!("{CHART}{}", delivery(1)),
            vec![false],
        ),
        (
            "twice.journal",
            format!("{CHART}{}{}", delivery(2), delivery(2)),
            vec![false, true],
        ),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, text).expect("write journal");
        let mut seen = Vec::new();
        gasledger::ops::import::import(&mut store, &[f], |p| {
            if seen.last() != Some(&p.again) {
                seen.push(p.again);
            }
        })
        .expect("import");
        assert_eq!(seen, want, "{name}");
    }
}

/// A file that repeats stored transactions from its start (a file that has grown since it was
/// imported, here a copy of one) is known for one within its first batch, from a sampled id:
/// the import runs again checking each id without reading the rest of the file first.
#[test]
fn a_file_that_repeats_stored_ids_runs_again_from_its_first_batch() {
    let (dir, mut store) = library_store();
    // Three batches of the parser's (4,096 directives each) and a little more.
    let n = 13_000;
    let text: String = std::iter::once(CHART.to_string())
        .chain((0..n).map(delivery))
        .collect();
    let a = dir.path().join("a.journal");
    std::fs::write(&a, &text).expect("write");
    gasledger::ops::import::import(&mut store, &[a], |_| {}).expect("import");
    let b = dir.path().join("b.journal");
    std::fs::write(&b, format!("{text}{}; grown\n", delivery(n))).expect("write");
    let mut first_run = 0;
    let report = gasledger::ops::import::import(&mut store, &[b], |p| {
        if !p.again {
            first_run += 1;
        }
    })
    .expect("import");
    assert!(first_run <= 1, "the first run read {first_run} batches");
    assert_eq!(report.added.transactions, 1);
    assert_eq!(report.added.duplicates, n as u64);
}

/// A copy of a file imported before, with other bytes (so its fingerprint differs), whose
/// every transaction has an id and asserts the balance it leaves: nothing is added. The ids are
/// checked at the commit, so the first assertion fails where the repeat was applied; the
/// import must then run again checking each id, not report that failure.
#[test]
fn a_copy_with_other_bytes_adds_nothing_though_its_assertions_hold_only_once() {
    let l = Ledger::new();
    let text = format!(
        "{CHART}{}{}",
        delivery(1),
        asserting(1).replace("check", "check ; id: c1")
    );
    let a = l.file("a.journal", text.as_bytes());
    imported(&l, &l.import_files(&[&a]), 2, 0);
    let b = l.file("b.journal", format!("{text}\n; a copy\n").as_bytes());
    let out = l.import_files(&[&b]);
    assert!(out.success(), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("added 0 transactions (2 already recorded)"),
        "{}",
        out.stdout
    );
}

/// Every bundled scenario, imported again as a copy with other bytes: no transaction is added
/// (all of theirs have ids), whatever assertions they make.
#[test]
fn every_bundled_scenario_imported_again_as_a_copy_adds_no_transaction() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ledgers");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("ledgers/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ledger"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    for f in &files {
        let l = Ledger::new();
        let out = l.import_files(&[f]);
        assert!(out.success(), "{}: {}", f.display(), out.stderr);
        let text = std::fs::read_to_string(f).expect("read scenario");
        let copy = l.file("copy.ledger", format!("{text}\n; a copy\n").as_bytes());
        let out = l.import_files(&[&copy]);
        assert!(out.success(), "{}: {}", f.display(), out.stderr);
        let said = out.stdout.as_str();
        assert!(
            said.contains("added 0 transactions ("),
            "{}: {said}",
            f.display()
        );
    }
}

/// The same past the first run of ids written to the spill file (131,072 of them): a repeat of
/// an id from the spilled run and one from the run still in memory count once; an id given
/// again with other content is refused at its line, and nothing is imported.
#[test]
fn repeats_and_conflicts_are_found_across_spilled_runs() {
    let n = 140_000;
    let mut text = String::from(CHART);
    for i in 0..n {
        text.push_str(&delivery(i));
    }
    let l = Ledger::new();
    // The last delivery with another amount: refused where it is.
    let conflict_line = text.lines().count() + 2;
    let bad = format!("{text}{}", delivery(5).replace("1.000 mcm", "2.000 mcm"));
    let f = l.file("bad.journal", bad.as_bytes());
    let out = l.import_files(&[&f]);
    let err = out.stderr.clone();
    assert_eq!(out.code, Some(2), "{err}");
    assert!(
        err.contains(&format!("bad.journal:{conflict_line}:"))
            && err.contains("id d5 is recorded already with other content"),
        "{err}"
    );
    assert!(!l.db().join("gasledger.ids-spill").exists());
    // Nothing imported, not even the chart.
    let export = l.run(&["export"]);
    assert!(export.success(), "{}", export.stderr);
    assert!(!export.stdout.contains("mcm"), "{}", export.stdout);

    // No assertion after them: the commit must find them.
    text.push_str(&delivery(5));
    text.push_str(&delivery(n - 2));
    let f = l.file("good.journal", text.as_bytes());
    imported(&l, &l.import_files(&[&f]), n, 2);
    assert!(!l.db().join("gasledger.ids-spill").exists());
}
