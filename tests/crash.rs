//! Crash safety: `import`, `record`, `pay` and `swap entry` crashed at every named fault point
//! of the write path (`src/store/faults.rs`) leave a store that opens, passes `verify`, and holds
//! exactly the ledger before the write or the ledger after it, never a part; the same command
//! run again then completes it, once. The crashes are counted, not timed: a first run counts
//! how many times the command passes each point (`GASLEDGER_TEST_COUNT_POINTS`), then each run
//! aborts at one pass (`GASLEDGER_TEST_CRASH_AT=NAME:N`), so every point is hit on every run
//! whatever the machine's load. One timed SIGKILL test stays as an extra that can never fail
//! for lack of kills. A second process that wants the store while a writer holds it waits
//! (bounded) or says the store is in use; nothing is lost or duplicated.

mod common;

use common::{at, copy_dir, id_journal as journal, run_at as run, write_file, Gasledger, Run};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// Makes the binary close and open sled again every so many bytes written or read by a long
/// scan (16 MiB unless set; see `store/handle.rs`). The harness clears it for every other run.
const REOPEN_VAR: &str = "GASLEDGER_TEST_REOPEN_BYTES";
/// Where the binary writes how many times it passed each fault point, as it exits.
const COUNT_VAR: &str = "GASLEDGER_TEST_COUNT_POINTS";
/// `NAME:N`: the binary aborts the Nth time it passes the fault point NAME.
const CRASH_VAR: &str = "GASLEDGER_TEST_CRASH_AT";
/// SIGABRT, which `std::process::abort` raises.
const SIGABRT: i32 = 6;
/// Transactions of the journal imported on top of the base store: two full blocks of 1024 (the
/// first holding the base store's 50 too, which goes into the last batch; the second written
/// ahead), then a tail.
const IMPORTED: usize = 3000;
/// Passes of a point crashed at, at most, when it has more: the first, the middle, the last,
/// and the rest picked with a fixed seed. Every pass of a point passed fewer times is.
const PASSES_SAMPLED: usize = 4;

/// What a crash at a fault point leaves, for the commands here: the ledger before the command
/// (nothing past the head counts), after it (the head is durable), or either (the head is
/// applied in sled's memory, and whether sled's buffers reached the file is sled's business).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaves {
    Before,
    After,
    Either,
}

fn leaves(point: &str) -> Leaves {
    match point {
        "txn-appended" | "block-appended" | "block-sealed" | "ids-ahead" | "before-head"
        | "blocks-synced" | "reopening" => Leaves::Before,
        "head-applied" => Leaves::Either,
        "head-synced" | "anchor-moved" | "before-view" | "before-rename" => Leaves::After,
        other => panic!(
            "the binary has a fault point this test does not know, {other}: say in `leaves` \
             what a crash there leaves, and which scenario passes it"
        ),
    }
}

/// The points each scenario passes, and no others: if the write path changes, this says so.
const IMPORT_POINTS: &[&str] = &[
    "txn-appended",
    "block-appended",
    "block-sealed",
    "ids-ahead",
    "before-head",
    "blocks-synced",
    "head-applied",
    "head-synced",
    "anchor-moved",
    "before-view",
    "before-rename",
];
/// A command's commit: one transaction, no full block.
const COMMAND_POINTS: &[&str] = &[
    "txn-appended",
    "ids-ahead",
    "before-head",
    "head-applied",
    "head-synced",
    "anchor-moved",
    "before-view",
    "before-rename",
];

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

/// What "the same state" means here: the whole ledger as a journal, and the balances as
/// `report balances` gives them (from the balances view when it is current).
fn state(db: &Path) -> String {
    let o = run(db, &["export", "--format", "journal"]);
    assert!(o.success(), "export: {}", o.stderr);
    format!("{}\n--- balances\n{}", o.stdout, balances(db))
}

fn verify_ok(db: &Path, after: &str) {
    let o = run(db, &["verify"]);
    assert!(
        o.success(),
        "verify failed after {after}: {}{}",
        o.stdout,
        o.stderr.as_str()
    );
}

/// A store with a first import in it, copied fresh for every crash.
fn base_store(dir: &Path) -> PathBuf {
    let db = dir.join("base.db");
    let base = journal(dir, "base.journal", "base", 50);
    let o = run(&db, &["import", base.to_str().expect("utf-8")]);
    assert!(o.success(), "{}", o.stderr);
    db
}

/// One command crashed at every sampled pass of every point it passes.
struct Scenario<'a> {
    name: &'a str,
    base: &'a Path,
    args: Vec<String>,
    /// For the runs that count and crash.
    env: Vec<(&'a str, &'a str)>,
    /// The points it must pass (and no others).
    points: &'a [&'a str],
    /// Checks the output of the command run again after a crash, given what the crash left.
    retried: &'a (dyn Fn(Leaves, &Run) + Sync),
}

impl Scenario<'_> {
    fn command(&self, db: &Path) -> Gasledger {
        at(db).args(&self.args).envs(&self.env)
    }
}

/// The passes of each point in a whole run of the scenario's command.
fn count_points(s: &Scenario, dir: &Path) -> (BTreeMap<String, u64>, String) {
    let full = dir.join("full.db");
    copy_dir(s.base, &full);
    let counts = dir.join("counts");
    let o = s.command(&full).env(COUNT_VAR, &counts).run();
    assert!(o.success(), "{}: {}", s.name, o.stderr);
    let text = std::fs::read_to_string(&counts).expect("the counts of the fault points");
    let counts: BTreeMap<String, u64> = text
        .lines()
        .map(|l| {
            let (name, n) = l.split_once(' ').expect("NAME COUNT");
            (name.to_string(), n.parse().expect("a count"))
        })
        .collect();
    (counts, state(&full))
}

/// The passes of a point passed `count` times to crash at: all of them, or a sample.
fn sampled(point: &str, count: u64) -> Vec<u64> {
    if count as usize <= PASSES_SAMPLED {
        return (1..=count).collect();
    }
    let mut passes = vec![1, count.div_ceil(2), count];
    // A fixed seed per point: the same passes on every run, different ones per point.
    let mut x = point.bytes().fold(0x9e37_79b9_7f4a_7c15u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    while passes.len() < PASSES_SAMPLED {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let pass = 2 + (x >> 33) % (count - 2);
        if !passes.contains(&pass) {
            passes.push(pass);
        }
    }
    passes.sort_unstable();
    passes
}

/// Crash the scenario's command at every point it passes, at each sampled pass; check what
/// each crash left and that running the command again completes it. Returns the points'
/// counts, for the report.
fn crash_everywhere(s: &Scenario) -> BTreeMap<String, u64> {
    let dir = tempfile::tempdir().expect("temp dir");
    let before = state(s.base);
    let (counts, after) = count_points(s, dir.path());
    assert_ne!(before, after, "{}: the command changed nothing", s.name);
    let passed: Vec<&str> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(p, _)| p.as_str())
        .collect();
    let mut expected = s.points.to_vec();
    expected.sort_unstable();
    assert_eq!(
        passed, expected,
        "{}: the points it passes: {counts:?}",
        s.name
    );
    let crashes: Vec<(&str, u64)> = counts
        .iter()
        .flat_map(|(point, count)| {
            sampled(point, *count)
                .into_iter()
                .map(|n| (point.as_str(), n))
        })
        .collect();
    let start = Instant::now();
    let tally = std::sync::Mutex::new(BTreeMap::<&str, (u32, u32)>::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while let Some(&(point, pass)) =
                    crashes.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    let left = crash_once(s, dir.path(), point, pass, (&before, &after));
                    let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
                    let t = tally.entry(point).or_default();
                    match left {
                        Leaves::Before => t.0 += 1,
                        _ => t.1 += 1,
                    }
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    eprintln!(
        "{}: {} crashes in {:?}; passes per point {counts:?}; (left before, left after) per point {tally:?}",
        s.name,
        crashes.len(),
        start.elapsed()
    );
    counts
}

/// Crashes run at once per scenario, each on its own copy of the store.
const WORKERS: usize = 2;

/// One crash at `point`'s `pass`th pass, on a fresh copy of the base store: what it left.
fn crash_once(
    s: &Scenario,
    dir: &Path,
    point: &str,
    pass: u64,
    (before, after): (&str, &str),
) -> Leaves {
    let at_pass = format!("{point}:{pass}");
    let what = format!("{}, crashed at {at_pass}", s.name);
    let db = dir.join(format!("crash-{point}-{pass}.db"));
    copy_dir(s.base, &db);
    let o = s.command(&db).env(CRASH_VAR, &at_pass).run();
    assert_eq!(
        (o.code, o.signal),
        (None, Some(SIGABRT)),
        "{what}: the command was to abort there: {o:#?}"
    );
    assert!(
        o.stderr
            .contains(&format!("fault injection: crash at {at_pass}")),
        "{what}: {}",
        o.stderr
    );
    verify_ok(&db, &what);
    let now = state(&db);
    let left = if now == before {
        Leaves::Before
    } else if now == after {
        Leaves::After
    } else {
        panic!("{what}: the store holds part of the write:\n{now}");
    };
    let expected = leaves(point);
    assert!(
        expected == Leaves::Either || expected == left,
        "{what}: left the ledger {left:?} the command, where a crash there leaves it {expected:?}"
    );
    // And the command run again completes it, once. It runs as a user would run it, without
    // the scenario's variables: a crash that left id buckets written ahead makes the next
    // import read a thousand buckets, and reopening sled after each read (a thousand reopens,
    // 15 s in a debug build) would test nothing the crashes above do not.
    let o = at(&db).args(&s.args).run();
    assert!(o.success(), "{what}, then run again: {}", o.stderr);
    (s.retried)(left, &o);
    assert_eq!(
        state(&db),
        after,
        "{what}: running it again did not complete it"
    );
    std::fs::remove_dir_all(&db).expect("remove the crashed store");
    left
}

/// An import is all or nothing: run again after a crash, it adds the whole file, or finds it
/// imported whole.
fn import_retried(left: Leaves, o: &Run) {
    let out = o.stdout.as_str();
    match left {
        Leaves::Before => assert!(
            out.contains(&format!(
                "added {IMPORTED} transactions (0 already recorded)"
            )),
            "after a crash that left nothing, the import again adds everything: {out}"
        ),
        _ => assert!(
            out.contains("these exact bytes were imported before") && out.contains("nothing added"),
            "after a crash that left the import, it is found whole: {out}"
        ),
    }
}

fn import_crashed_everywhere(reopen_bytes: Option<&'static str>) -> BTreeMap<String, u64> {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = base_store(dir.path());
    let big = journal(dir.path(), "big.journal", "big", IMPORTED);
    let mut points = IMPORT_POINTS.to_vec();
    let name = match reopen_bytes {
        Some(_) => {
            points.push("reopening");
            "import, reopening sled at every block"
        }
        None => "import",
    };
    crash_everywhere(&Scenario {
        name,
        base: &base,
        args: vec!["import".into(), big.to_str().expect("utf-8").into()],
        env: reopen_bytes.map(|b| (REOPEN_VAR, b)).into_iter().collect(),
        points: &points,
        retried: &import_retried,
    })
}

#[test]
fn import_crashed_at_every_point_is_all_or_nothing() {
    let counts = import_crashed_everywhere(None);
    // Every transaction of the file passed the pipeline's point, every full block its two.
    assert_eq!(counts["txn-appended"], IMPORTED as u64);
    assert_eq!(counts["block-appended"], 2);
    assert_eq!(counts["block-sealed"], 2);
}

/// The same while the import closes and opens sled again at every block and bucket it
/// writes ahead, so that crashes land between the two too.
#[test]
fn import_crashed_while_it_reopens_sled_is_all_or_nothing() {
    let counts = import_crashed_everywhere(Some("1"));
    assert!(counts["reopening"] > 3, "{counts:?}");
}

/// A command with an id is exactly once: run again after a crash, it records it, or finds it
/// recorded already with the same content.
fn command_retried(left: Leaves, o: &Run) {
    let out = o.stdout.as_str();
    assert_eq!(
        out.contains("already recorded") && out.contains("nothing changed"),
        left == Leaves::After,
        "run again after a crash that left the ledger {left:?} it: {out}"
    );
}

/// A command's write, crashed at each point: `args` on the base store with `extra` declared
/// first. A command with an id run again after a crash that left it is a no-op.
fn command_crashed_everywhere(name: &str, extra: &[&[&str]], args: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = base_store(dir.path());
    for e in extra {
        let o = run(&base, e);
        assert!(o.success(), "{e:?}: {}", o.stderr);
    }
    crash_everywhere(&Scenario {
        name,
        base: &base,
        args: args.iter().map(|a| a.to_string()).collect(),
        env: Vec::new(),
        points: COMMAND_POINTS,
        retried: &command_retried,
    });
}

#[test]
fn record_crashed_at_every_point_is_all_or_nothing() {
    command_crashed_everywhere(
        "record",
        &[],
        &[
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
        ],
    );
}

#[test]
fn pay_crashed_at_every_point_is_all_or_nothing() {
    // The base store's deliveries are Iran's debt to Turkmenistan; the cash accounts the
    // payment moves are opened by it, in the same commit.
    command_crashed_everywhere(
        "pay",
        &[],
        &[
            "pay",
            "--from",
            "IR",
            "--to",
            "TM",
            "--amount",
            "100 USD",
            "--date",
            "2023-01-01",
            "--id",
            "pay-1",
        ],
    );
}

#[test]
fn swap_entry_crashed_at_every_point_is_all_or_nothing() {
    let swap = [
        common::SWAP_TM_IR_AZ,
        &["--fee", "10%", "--tolerance", "2%"],
    ]
    .concat();
    command_crashed_everywhere(
        "swap entry",
        &[
            &[
                "commodity",
                "add",
                "mcm",
                "--kind",
                "volume",
                "--scale",
                "3",
            ],
            &["party", "add", "AZ", "--name", "Azerbaijan"],
            &swap,
        ],
        &[
            "swap",
            "entry",
            "tm-ir-az",
            "--date",
            "2023-01-31",
            "--volume",
            "160 mcm",
            "--point",
            "Sarakhs",
            "--id",
            "entry-1",
        ],
    );
}

/// Every fault point the binary has is crashed at by one of the scenarios above.
#[test]
fn every_fault_point_is_crashed_at_by_a_scenario() {
    let dir = tempfile::tempdir().expect("temp dir");
    let counts = dir.path().join("counts");
    // Any run writes the counts as it exits, every point listed: here one that passes none
    // (a read of a store that is not there: exit status 2, nothing created).
    let o = at(&dir.path().join("none.db"))
        .args(["verify"])
        .env(COUNT_VAR, &counts)
        .run();
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    let text = std::fs::read_to_string(&counts).expect("the counts of the fault points");
    for line in text.lines() {
        let (point, n) = line.split_once(' ').expect("NAME COUNT");
        assert_eq!(n, "0", "{text}");
        // Known, with what a crash there leaves.
        leaves(point);
        assert!(
            IMPORT_POINTS.contains(&point) || point == "reopening",
            "{point} is crashed at by no scenario"
        );
    }
    assert_eq!(text.lines().count(), IMPORT_POINTS.len() + 1, "{text}");
}

fn kill(child: &mut Child) -> bool {
    // SIGKILL: no destructor, no flush, as a power cut would leave the process.
    let finished = child.try_wait().expect("wait").is_some();
    let _ = child.kill();
    let _ = child.wait();
    !finished
}

/// The extra, timed: an import that reopens sled at every block, SIGKILLed at moments spread
/// over the time one import took. Where the kills land depends on the machine's load, so it
/// only reports how many landed mid-import (a busy machine may land none); every kill that
/// landed must still leave the ledger before or after, and the import again completes it.
#[test]
fn import_killed_at_timed_moments_is_all_or_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = base_store(dir.path());
    let big = journal(dir.path(), "big.journal", "big", 6_000);
    let big = big.to_str().expect("utf-8");
    let before = balances(&base);
    let full = dir.path().join("full.db");
    copy_dir(&base, &full);
    let start = Instant::now();
    let o = with_reopen(at(&full).args(["import", big]), Some("1")).run();
    let took = start.elapsed();
    assert!(o.success(), "{}", o.stderr);
    let after = balances(&full);
    let points = 8;
    let (mut killed, mut saw_before, mut saw_after) = (0, 0, 0);
    for i in 0..points {
        let db = dir.path().join(format!("kill-{i}.db"));
        copy_dir(&base, &db);
        let delay = took.mul_f64(i as f64 / (points - 2) as f64);
        let mut child = with_reopen(at(&db).args(["import", big]), Some("1")).spawn();
        std::thread::sleep(delay);
        killed += u32::from(kill(&mut child));
        let what = format!("a kill after {delay:?}");
        verify_ok(&db, &what);
        let now = balances(&db);
        if now == before {
            saw_before += 1;
        } else if now == after {
            saw_after += 1;
        } else {
            panic!("{what}: the store holds part of the import:\n{now}");
        }
        let o = run(&db, &["import", big]);
        assert!(o.success(), "{}", o.stderr);
        assert_eq!(
            balances(&db),
            after,
            "{what}: the import again did not complete it"
        );
        std::fs::remove_dir_all(&db).expect("remove the killed store");
    }
    eprintln!("timed kills: {points} over {took:?}; {killed} landed mid-import; {saw_before} left the ledger before, {saw_after} after");
}

/// A commit writes its blocks and id buckets ahead of the batch that moves the head: a
/// writer that dies between the two leaves id entries past the head in the buckets. They must
/// count for nothing: not found, not duplicates, not conflicts, and `verify` passes. (Reopening
/// sled at every bucket written ahead makes them reach sled's files before the crash.)
#[test]
fn a_writer_dead_before_its_head_moved_leaves_nothing_that_counts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = base_store(dir.path());
    let before = balances(&db);
    let late = journal(dir.path(), "late.journal", "late", 3000);
    let late = late.to_str().expect("utf-8");
    let o = with_reopen(at(&db).args(["import", late]), Some("1"))
        .env(CRASH_VAR, "before-head:1")
        .run();
    assert_eq!(
        (o.code, o.signal),
        (None, Some(SIGABRT)),
        "the import was to abort"
    );
    verify_ok(&db, "the crash");
    assert_eq!(balances(&db), before);
    // A later commit with other ids moves the head past those entries: it cleans them out of
    // the buckets it does not write itself, or verify would find them inside the head.
    let other = journal(dir.path(), "other.journal", "other", 50);
    let o = run(&db, &["import", other.to_str().expect("utf-8")]);
    assert!(o.success(), "{}", o.stderr);
    verify_ok(&db, "the next import");
    // The ids are in its buckets, past the head: none of them is recorded.
    let o = run(&db, &["import", late]);
    assert!(o.success(), "{}", o.stderr);
    let out = o.stdout.as_str();
    assert!(
        out.contains("added 3000 transactions (0 already recorded)"),
        "{out}"
    );
    verify_ok(&db, "the import again");
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
    verify_ok(&db, "two writers");
    // Both writes are there, once each: 50 + 40,000 + 1 transactions.
    let v = run(&db, &["verify"]);
    assert!(v.stdout.contains("40051 transactions"), "{}", v.stdout);
}
