//! The balances view (`store/view.rs`): `report balances` answers from a copy beside sled
//! without opening sled, but only while that copy provably describes what sled holds; any
//! other state of the folder sends it through sled, and nothing stale is ever shown.

mod common;

use common::{copy_dir, run_at, Ledger};
use gasledger::store::{view::VIEW_FILE, Access, Store};
use std::path::Path;
use std::time::Duration;

/// sled's files, each by name and the hash of its bytes: sled's open writes to its log (its
/// recovery), so files with the same bytes mean it never opened. Bytes, not times, so the
/// comparison needs no wait for a clock to move.
fn sled_files(db: &Path) -> Vec<(String, String)> {
    let mut out: Vec<_> = std::fs::read_dir(db)
        .expect("read dir")
        .map(|e| e.expect("entry"))
        .filter(|e| !e.file_name().to_string_lossy().starts_with("gasledger."))
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (
                e.file_name().to_string_lossy().into_owned(),
                blake3::hash(&bytes).to_hex().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn record_second(l: &Ledger) {
    l.record(
        "2022-02-28",
        "Sarakhs entry",
        &["IR:swap:tm-ir-az 150.5 mcm", "TM:gas:delivered -150.5 mcm"],
        &["--id", "entry-2"],
    )
    .ok();
}

#[test]
fn report_balances_reads_the_view_and_leaves_sled_untouched() {
    let l = Ledger::with_one_entry();
    for before in [
        &["record"][..],
        &["verify"],
        &["report", "balances", "--as-of", "2022-12-31"],
    ] {
        if before != ["record"] {
            l.run(before).ok();
        }
        assert!(l.db().join(VIEW_FILE).is_file(), "no view after {before:?}");
        // sled's open writes to its log (its recovery), so untouched files mean it never opened.
        let files = sled_files(&l.db());
        let fast = l.balances_csv();
        assert_eq!(
            sled_files(&l.db()),
            files,
            "sled was opened after {before:?}"
        );
        assert!(fast.contains("IR:swap:tm-ir-az,mcm,160.000"), "{fast}");

        // The slow way gives the same, and leaves a view behind.
        std::fs::remove_file(l.db().join(VIEW_FILE)).expect("rm view");
        assert_eq!(l.balances_csv(), fast);
        assert!(l.db().join(VIEW_FILE).is_file());
    }
    // --party and --depth work on the view too.
    let tm = l
        .run(&[
            "report", "balances", "--party", "TM", "--depth", "1", "--format", "csv",
        ])
        .ok();
    assert_eq!(tm.stdout, "account,commodity,balance\nTM,mcm,-160.000\n");
    l.run(&["report", "balances", "--party", "RU"])
        .fails(2, "party RU is not declared");
}

#[test]
fn a_writer_removes_the_view_before_it_opens_sled() {
    let l = Ledger::with_one_entry();
    assert!(l.db().join(VIEW_FILE).is_file());
    {
        let _reader = Store::open(&l.db(), Access::Read, Duration::ZERO).expect("open");
        assert!(l.db().join(VIEW_FILE).is_file(), "a reader keeps it");
    }
    {
        let _writer = Store::open(&l.db(), Access::Write, Duration::ZERO).expect("open");
        assert!(!l.db().join(VIEW_FILE).is_file(), "a writer removes it");
        // A writer killed now leaves no view: the next report goes through sled.
    }
    assert!(l.db().join(VIEW_FILE).is_file(), "written again on close");
    record_second(&l);
    assert!(l.balances_csv().contains("IR:swap:tm-ir-az,mcm,310.500"));
}

#[test]
fn a_view_from_another_state_of_the_store_is_not_used() {
    let l = Ledger::with_one_entry();
    let first = l.balances_csv();
    let old = l.dir.path().join("old");
    copy_dir(&l.db(), &old);
    record_second(&l);
    let second = l.balances_csv();
    assert_ne!(first, second);

    // An old store beside the newer view (its anchor disagrees): the old balances.
    std::fs::copy(l.db().join(VIEW_FILE), old.join(VIEW_FILE)).expect("copy view");
    let o = run_at(&old, &["report", "balances", "--format", "csv"]).ok();
    assert_eq!(o.stdout, first);

    // The new anchor and view beside old sled files (a partial restore): refused as the
    // loss of committed data it is, as without a view.
    let mixed = l.dir.path().join("mixed");
    copy_dir(&old, &mixed);
    for f in [VIEW_FILE, "gasledger.head"] {
        std::fs::copy(l.db().join(f), mixed.join(f)).expect("copy");
    }
    run_at(&mixed, &["report", "balances"]).fails(2, "committed data was lost");
}

#[test]
fn an_edited_or_torn_view_is_not_used() {
    let l = Ledger::with_one_entry();
    let truth = l.balances_csv();
    let path = l.db().join(VIEW_FILE);
    let text = std::fs::read_to_string(&path).expect("read view");
    assert!(text.contains("\"160.000\""), "{text}");
    std::fs::write(&path, text.replace("\"160.000\"", "\"161.000\"")).expect("edit");
    assert_eq!(l.balances_csv(), truth);
    std::fs::write(&path, &text[..text.len() / 2]).expect("tear");
    assert_eq!(l.balances_csv(), truth);
    std::fs::write(&path, "").expect("empty");
    assert_eq!(l.balances_csv(), truth);
    // Each of those went through sled, which wrote a current view again: the next report
    // reads it and does not open sled.
    let files = sled_files(&l.db());
    assert_eq!(l.balances_csv(), truth);
    assert_eq!(sled_files(&l.db()), files);
}
