//! Every scenario in `ledgers/` is imported into a fresh store by the real binary, and what a
//! desk would read of it is snapshotted: the import summary, the balances, `verify`, `reconcile`,
//! `report debts` where there are obligations, `report swap` for every swap agreement,
//! `report settlements` for every pair of parties with a movement between them, `reconcile
//! --against` a party's own books where the scenario keeps them (`ledgers/own-books/`),
//! `interest --to` the end of the last year booked where there are sale agreements, and the
//! journal export (which must round-trip to the same bytes through a second store). A scenario
//! whose header has a line `; fiscal: iran` (or `; fiscal: MM-DD`) also has its swap reports
//! and settlement statements by those fiscal years.

mod common;

use common::run_at;
use std::path::Path;

fn run(db: &Path, args: &[&str]) -> (bool, String) {
    let out = run_at(db, args);
    (out.success(), out.stdout + &out.stderr)
}

#[test]
fn scenarios() {
    insta::glob!("../ledgers", "*.ledger", |path| {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("db");
        let file = path.to_str().expect("utf-8 path");
        let (ok, import) = run(&db, &["import", file]);
        assert!(ok, "import failed: {import}");
        let (ok, balances) = run(&db, &["report", "balances"]);
        assert!(ok, "{balances}");
        let (ok, verify) = run(&db, &["verify"]);
        assert!(ok, "{verify}");
        // reconcile exits 1 when a scenario plants a discrepancy; the snapshot shows which.
        let (_, reconcile) = run(&db, &["reconcile"]);

        // The journal export round-trips: import it into a new store, export again, same bytes.
        let (ok, exported) = run(&db, &["export"]);
        assert!(ok, "{exported}");
        let again = dir.path().join("again.journal");
        std::fs::write(&again, &exported).expect("write export");
        let db2 = dir.path().join("db2");
        let (ok, out) = run(&db2, &["import", again.to_str().expect("utf-8")]);
        assert!(ok, "re-import of the export failed: {out}");
        let (_, exported2) = run(&db2, &["export"]);
        assert_eq!(exported, exported2, "journal export does not round-trip");

        let import = import.replace(file, "FILE");
        let mut report = format!("$ gasledger import FILE\n{import}\n$ gasledger report balances\n{balances}\n$ gasledger verify\n{verify}\n$ gasledger reconcile\n{reconcile}");
        // Debts, before and after netting, wherever the scenario has obligation accounts.
        if exported.contains(":receivable:") || exported.contains(":payable:") {
            let (ok, debts) = run(&db, &["report", "debts"]);
            assert!(ok, "{debts}");
            report.push_str(&format!("\n$ gasledger report debts\n{debts}"));
        }
        let fiscal = fiscal_years(path);
        report.push_str(&swap_reports(&db, &exported, fiscal.as_deref()));
        // Interest on arrears to the end of the last year booked, where there are sales.
        if !agreements_of_kind(&exported, "sale").is_empty() {
            let to = format!("{}-12-31", last_year(&exported));
            let (ok, interest) = run(&db, &["interest", "--to", &to]);
            assert!(ok, "{interest}");
            report.push_str(&format!("\n$ gasledger interest --to {to}\n{interest}"));
        }
        report.push_str(&statements(&db, &exported, fiscal.as_deref()));
        // A party's own books kept elsewhere, beside the scenario: `own-books/NAME.PARTY.journal`.
        for (party, books) in own_books(path) {
            let books = books.to_str().expect("utf-8 path");
            let (_, against) = run(&db, &["reconcile", "--against", books, "--party", &party]);
            let against = against.replace(books, "BOOKS");
            report.push_str(&format!(
                "\n$ gasledger reconcile --against BOOKS --party {party}\n{against}"
            ));
        }
        insta::assert_snapshot!("report", report);
    });
}

/// The swap report of every swap agreement in `exported` (and by fiscal years, when the
/// scenario asks for them), as the snapshot shows them.
fn swap_reports(db: &Path, exported: &str, fiscal: Option<&str>) -> String {
    let mut out = String::new();
    for name in agreements_of_kind(exported, "swap") {
        let (ok, swap) = run(db, &["report", "swap", &name]);
        assert!(ok, "{swap}");
        out.push_str(&format!("\n$ gasledger report swap {name}\n{swap}"));
        if let Some(f) = fiscal {
            let (ok, swap) = run(db, &["report", "swap", &name, "--fiscal", f]);
            assert!(ok, "{swap}");
            out.push_str(&format!(
                "\n$ gasledger report swap {name} --fiscal {f}\n{swap}"
            ));
        }
    }
    out
}

/// The mutual statement of every pair of parties with a movement between them (and by fiscal
/// years, when the scenario asks for them), as the snapshot shows them.
fn statements(db: &Path, exported: &str, fiscal: Option<&str>) -> String {
    let mut out = String::new();
    let parties = parties(exported);
    for (i, a) in parties.iter().enumerate() {
        for b in &parties[i + 1..] {
            let (ok, statement) = run(db, &["report", "settlements", a, b]);
            assert!(ok, "{statement}");
            if statement.contains("no movement between them is recorded") {
                continue;
            }
            out.push_str(&format!(
                "\n$ gasledger report settlements {a} {b}\n{statement}"
            ));
            if let Some(f) = fiscal {
                let args = ["report", "settlements", a, b, "--fiscal", f];
                let (ok, statement) = run(db, &args);
                assert!(ok, "{statement}");
                out.push_str(&format!(
                    "\n$ gasledger report settlements {a} {b} --fiscal {f}\n{statement}"
                ));
            }
        }
    }
    out
}

/// The fiscal years a scenario's header asks for: its line `; fiscal: VALUE`, among the comment
/// lines it starts with.
fn fiscal_years(scenario: &Path) -> Option<String> {
    let text = std::fs::read_to_string(scenario).expect("read scenario");
    text.lines()
        .take_while(|l| l.starts_with(';'))
        .find_map(|l| l.strip_prefix("; fiscal: "))
        .map(|v| v.trim().to_string())
}

/// The party codes a journal export declares (`account CODE  ; party: NAME`), in its order.
fn parties(journal: &str) -> Vec<String> {
    journal
        .lines()
        .filter(|l| l.contains("; party:"))
        .filter_map(|l| l.strip_prefix("account "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The own books kept for a scenario `ledgers/NAME.ledger`: each
/// `ledgers/own-books/NAME.PARTY.journal`, with its party.
fn own_books(scenario: &Path) -> Vec<(String, std::path::PathBuf)> {
    let (Some(dir), Some(stem)) = (scenario.parent(), scenario.file_stem()) else {
        return Vec::new();
    };
    let stem = stem.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(dir.join("own-books")) else {
        return Vec::new();
    };
    let mut out: Vec<(String, std::path::PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let party = name
                .strip_prefix(&format!("{stem}."))?
                .strip_suffix(".journal")?
                .to_string();
            Some((party, p))
        })
        .collect();
    out.sort();
    out
}

/// The year of the latest transaction in a journal export (a line that starts with its date).
fn last_year(journal: &str) -> String {
    journal
        .lines()
        .filter(|l| l.len() > 4 && l.as_bytes()[..4].iter().all(u8::is_ascii_digit))
        .map(|l| l[..4].to_string())
        .max()
        .expect("a transaction")
}

/// The names of the agreements of one kind in a journal export (`agreement NAME`, then
/// indented `KEY VALUE` lines).
fn agreements_of_kind(journal: &str, kind: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<&str> = None;
    for line in journal.lines() {
        if let Some(name) = line.strip_prefix("agreement ") {
            current = Some(name.trim());
        } else if !line.starts_with([' ', '\t']) {
            current = None;
        } else if let Some(name) = current {
            let mut words = line.split_whitespace();
            if words.next() == Some("kind") && words.next() == Some(kind) {
                out.push(name.to_string());
            }
        }
    }
    out
}
