//! Crash safety: `gasledger import` and `gasledger record` killed with SIGKILL at many points
//! leave a store that opens, passes `verify`, and holds exactly the state before the write or
//! the state after it, never a part. A second process that wants the store while a writer
//! holds it waits (bounded) or says the store is in use; nothing is lost or duplicated.

mod common;

use common::{at, copy_dir, id_journal as journal, run_at as run, write_file, Gasledger};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// Makes the binary close and open sled again every so many bytes written or read by a long
/// scan (16 MiB unless set; see `store/handle.rs`). The harness clears it for every other run.
const REOPEN_VAR: &str = "GASLEDGER_TEST_REOPEN_BYTES";

fn with_reopen(c: Gasledger, reopen_bytes: Option<&str>) -> Gasledger {
    match reopen_bytes {
        Some(b) => c.env(REOPEN_VAR, b),
        None => c,
    }
}

fn balances(db: &Path) -> String {
    let o = run(db, &["report", "balances", "--format", "csv"]);
    assert!(o.success(), "{}", o.stderr);
    o.stdout
}

fn verify_ok(db: &Path) {
    let o = run(db, &["verify"]);
    assert!(
        o.success(),
        "verify failed after a kill: {}{}",
        o.stdout,
        o.stderr.as_str()
    );
}

/// A store with a first import in it, copied fresh for every kill.
fn base_store(dir: &Path) -> PathBuf {
    let db = dir.join("base.db");
    let base = journal(dir, "base.journal", "base", 50);
    let o = run(&db, &["import", base.to_str().expect("utf-8")]);
    assert!(o.success(), "{}", o.stderr);
    db
}

fn kill(child: &mut Child) -> bool {
    // SIGKILL: no destructor, no flush, as a power cut would leave the process.
    let finished = child.try_wait().expect("wait").is_some();
    let _ = child.kill();
    let _ = child.wait();
    !finished
}

#[test]
fn import_killed_at_many_points_is_all_or_nothing() {
    import_killed_at_many_points(None);
}

/// The same while the import closes and opens sled again after every block it writes ahead,
/// so that kills land between the two too.
#[test]
fn import_killed_while_it_reopens_sled_is_all_or_nothing() {
    import_killed_at_many_points(Some("1"));
}

fn import_killed_at_many_points(reopen_bytes: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = base_store(dir.path());
    let big = journal(dir.path(), "big.journal", "big", 40_000);
    let big = big.to_str().expect("utf-8");
    let before = balances(&base);

    // The state after a whole import, and how long one takes.
    let full = dir.path().join("full.db");
    copy_dir(&base, &full);
    let start = Instant::now();
    let o = with_reopen(at(&full).args(["import", big]), reopen_bytes).run();
    let took = start.elapsed();
    assert!(o.success(), "{}", o.stderr);
    let after = balances(&full);
    assert_ne!(before, after);

    // Kill points spread over the whole import, from the first milliseconds to past its end.
    let points = 24;
    let (mut saw_before, mut saw_after, mut killed) = (0, 0, 0);
    for i in 0..points {
        let db = dir.path().join(format!("kill-{i}.db"));
        copy_dir(&base, &db);
        let delay = took.mul_f64(i as f64 / (points - 4) as f64);
        let mut child = with_reopen(at(&db).args(["import", big]), reopen_bytes).spawn();
        std::thread::sleep(delay);
        if kill(&mut child) {
            killed += 1;
        }
        verify_ok(&db);
        let now = balances(&db);
        if now == before {
            saw_before += 1;
        } else if now == after {
            saw_after += 1;
        } else {
            panic!("kill point {i} ({delay:?}): the store holds part of the import:\n{now}");
        }
        // And the store still takes the import afterwards, ending in the full state.
        let o = run(&db, &["import", big]);
        assert!(o.success(), "{}", o.stderr);
        assert_eq!(
            balances(&db),
            after,
            "kill point {i}: re-import did not complete the state"
        );
    }
    eprintln!("import: {points} kill points over {took:?}; {killed} killed mid-run; {saw_before} left the state before, {saw_after} the state after");
    assert!(
        killed >= 10,
        "too few kills landed during the import ({killed})"
    );
    assert!(saw_before > 0, "no kill landed before the commit");
}

/// A commit writes its blocks and id buckets ahead of the batch that moves the head: a
/// writer that dies between the two leaves id entries past the head in the buckets. They must
/// count for nothing: not found, not duplicates, not conflicts, and `verify` passes.
#[test]
fn a_writer_dead_before_its_head_moved_leaves_nothing_that_counts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = base_store(dir.path());
    let before = balances(&db);
    let late = journal(dir.path(), "late.journal", "late", 3000);
    let late = late.to_str().expect("utf-8");
    let o = at(&db)
        .args(["import", late])
        .env("GASLEDGER_TEST_ABORT_BEFORE_HEAD", "1")
        .run();
    assert_eq!(o.code, None, "the import was to abort");
    verify_ok(&db);
    assert_eq!(balances(&db), before);
    // A later commit with other ids moves the head past those entries: it cleans them out of
    // the buckets it does not write itself, or verify would find them inside the head.
    let other = journal(dir.path(), "other.journal", "other", 50);
    let o = run(&db, &["import", other.to_str().expect("utf-8")]);
    assert!(o.success(), "{}", o.stderr);
    verify_ok(&db);
    // The ids are in its buckets, past the head: none of them is recorded.
    let o = run(&db, &["import", late]);
    assert!(o.success(), "{}", o.stderr);
    let out = o.stdout.as_str();
    assert!(
        out.contains("added 3000 transactions (0 already recorded)"),
        "{out}"
    );
    verify_ok(&db);
    // And with other content under one of those ids, a conflict names the recorded one only
    // once it is recorded: now.
    let clash = write_file(
        dir.path(),
        "clash.journal",
        "2023-01-01 * other  ; id: late-7\n    TM:receivable:IR  1.00 USD\n    IR:payable:TM\n",
    );
    let o = run(&db, &["import", clash.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(2));
    assert!(
        o.stderr.contains("id late-7 is recorded already"),
        "{}",
        o.stderr
    );
}

#[test]
fn record_killed_at_many_points_is_all_or_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = base_store(dir.path());
    let before = balances(&base);
    let args = [
        "record",
        "--date",
        "2023-01-01",
        "--desc",
        "one more",
        "--post",
        "TM:receivable:IR 1.00 USD",
        "--post",
        "IR:payable:TM -1.00 USD",
        "--id",
        "rec-1",
    ];
    let full = dir.path().join("full.db");
    copy_dir(&base, &full);
    let start = Instant::now();
    assert!(run(&full, &args).success());
    let took = start.elapsed();
    let after = balances(&full);
    let points = 20;
    let (mut saw_before, mut saw_after) = (0, 0);
    for i in 0..points {
        let db = dir.path().join(format!("rec-{i}.db"));
        copy_dir(&base, &db);
        let mut child = at(&db).args(args).spawn();
        // From the start of the process to a little past its usual end.
        std::thread::sleep(took.mul_f64(1.3 * i as f64 / points as f64));
        kill(&mut child);
        verify_ok(&db);
        let now = balances(&db);
        if now == before {
            saw_before += 1;
        } else if now == after {
            saw_after += 1;
        } else {
            panic!("record kill point {i}: partial state:\n{now}");
        }
        // Recording again is exactly-once: either it lands now or it was there already.
        assert!(run(&db, &args).success());
        assert_eq!(balances(&db), after);
    }
    eprintln!("record: {points} kill points over {took:?}: {saw_before} before, {saw_after} after");
}

#[test]
fn a_second_writer_waits_or_says_the_store_is_in_use() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = base_store(dir.path());
    let big = journal(dir.path(), "big.journal", "big", 40_000);
    let mut importer = at(&db)
        .args(["import", big.to_str().expect("utf-8")])
        .spawn();
    // Wait until the importer holds the store: a short-timeout reader is refused.
    let deadline = Instant::now() + Duration::from_secs(30);
    let refused = loop {
        let o = run(&db, &["--lock-timeout", "0.05", "report", "balances"]);
        if !o.success() {
            break o.stderr.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the importer never held the store"
        );
        if importer.try_wait().expect("wait").is_some() {
            // It finished before we saw it: nothing to assert about contention this run.
            return;
        }
    };
    assert!(
        refused.contains("in use by another gasledger process"),
        "{refused}"
    );
    assert!(
        refused.contains(db.to_str().expect("utf-8")),
        "names the store: {refused}"
    );
    // A writer with a long enough timeout waits for the import and then lands.
    let o = run(
        &db,
        &[
            "--lock-timeout",
            "120",
            "record",
            "--date",
            "2023-01-01",
            "--desc",
            "after the import",
            "--post",
            "TM:receivable:IR 1.00 USD",
            "--post",
            "IR:payable:TM -1.00 USD",
            "--id",
            "after",
        ],
    );
    assert!(o.success(), "{}", o.stderr);
    assert!(importer.wait().expect("wait").success());
    verify_ok(&db);
    // Both writes are there, once each: 50 + 40,000 + 1 transactions.
    let v = run(&db, &["verify"]);
    assert!(v.stdout.contains("40051 transactions"), "{}", v.stdout);
}
