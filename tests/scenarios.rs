//! Every scenario in `ledgers/` is imported into a fresh store by the real binary, and what a
//! desk would read of it is snapshotted: the import summary, the balances, `verify`, `reconcile`,
//! `report debts` where there are obligations, `report swap` for every swap agreement, and the
//! journal export (which must round-trip to the same bytes through a second store).

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
        // The swap report of every swap agreement.
        for name in swap_agreements(&exported) {
            let (ok, swap) = run(&db, &["report", "swap", &name]);
            assert!(ok, "{swap}");
            report.push_str(&format!("\n$ gasledger report swap {name}\n{swap}"));
        }
        insta::assert_snapshot!("report", report);
    });
}

/// The names of the `kind swap` agreements in a journal export (`agreement NAME`, then
/// indented `KEY VALUE` lines).
fn swap_agreements(journal: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<&str> = None;
    for line in journal.lines() {
        if let Some(name) = line.strip_prefix("agreement ") {
            current = Some(name.trim());
        } else if !line.starts_with([' ', '\t']) {
            current = None;
        } else if let Some(name) = current {
            let mut words = line.split_whitespace();
            if words.next() == Some("kind") && words.next() == Some("swap") {
                out.push(name.to_string());
            }
        }
    }
    out
}
