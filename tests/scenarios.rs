//! Every scenario in `ledgers/` is imported into a fresh store by the real binary, and what a
//! desk would read of it is snapshotted: the import summary, the balances, `verify`, and the
//! journal export (which must round-trip to the same bytes through a second store).

use std::path::Path;
use std::process::Command;

fn run(db: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gasledger"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("GASLEDGER_DB")
        .output()
        .expect("run gasledger");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
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
        let report = format!("$ gasledger import FILE\n{import}\n$ gasledger report balances\n{balances}\n$ gasledger verify\n{verify}\n$ gasledger reconcile\n{reconcile}");
        insta::assert_snapshot!("report", report);
    });
}
