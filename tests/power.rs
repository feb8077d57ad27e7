//! Power loss: a file system that keeps only what an `fsync` made durable (`power/fs.rs`,
//! mounted with FUSE) has its power cut at each durability event of a writing command in turn,
//! counted, never timed. After each cut, and after each command that ran to its end: the store
//! opens, `verify` passes, it holds exactly the ledger before the command or the ledger after it,
//! and a command that said it succeeded is in it. A cut never ends in a panic: the command
//! succeeds, or fails with exit status 2.
//!
//! Without FUSE (no /dev/fuse, no `fusermount3`, not allowed to mount) these tests say they are
//! skipped and pass; `.ci/run` installs `fuse3`.
//!
//! The last test needs no FUSE: it builds the store that an older gasledger left at the worst
//! moment of a power cut (its anchor durable, sled's log not) and opens it.

mod common;
#[path = "power/fs.rs"]
mod fs;

use common::{at, copy_dir, id_journal};
use fs::PowerFs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

/// The binary under test; `GASLEDGER_POWER_BIN` points it at another build (to see what an
/// older one does on the same cuts).
fn bin() -> PathBuf {
    std::env::var_os("GASLEDGER_POWER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(common::BIN))
}

fn run(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    // A process stuck on a dead disk is killed, as the power cut would have stopped it.
    at(db)
        .program(bin())
        .args(args)
        .envs(env)
        .output_within(Duration::from_secs(120))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The whole ledger as text: what "the same state" means here.
fn ledger(db: &Path, env: &[(&str, &str)]) -> String {
    let o = run(db, &["export", "--format", "journal"], env);
    assert!(o.status.success(), "export: {}", text(&o.stderr));
    text(&o.stdout)
}

/// The chart of the debt-offset scenario, its offset agreement and two debts, with ids.
const DEBTS: &str = "commodity 1000.00 USD  ; kind: money
account TM  ; party: Turkmenistan
account IR  ; party: Iran
account IQ  ; party: Iraq
account TM:receivable:IR
account TM:receivable:IQ
account TM:revenue:gas
account IR:payable:TM
account IR:receivable:IQ
account IR:expense:gas
account IR:revenue:gas
account IQ:payable:IR
account IQ:payable:TM
account IQ:expense:gas

agreement iq-ir-tm
    kind       offset
    debtor     IQ
    via        IR
    creditor   TM
    commodity  USD
    limit      1600000000.00

2017-01-01 * Iran's debt to Turkmenistan   ; id: debt-ir-tm-2017
    TM:receivable:IR     1800000000.00 USD
    TM:revenue:gas      -1800000000.00 USD
    IR:expense:gas       1800000000.00 USD
    IR:payable:TM       -1800000000.00 USD

2021-12-31 * Iraq's debt to Iran   ; id: debt-iq-ir-2021
    IR:receivable:IQ     1600000000.00 USD
    IR:revenue:gas      -1600000000.00 USD
    IQ:expense:gas       1600000000.00 USD
    IQ:payable:IR       -1600000000.00 USD
";

/// A store with the debts and 50 deliveries, on a real disk.
fn base_store(dir: &Path, env: &[(&str, &str)]) -> PathBuf {
    let db = dir.join("base.db");
    let debts = dir.join("debts.journal");
    std::fs::write(&debts, DEBTS).expect("write");
    let deliveries = id_journal(dir, "base.journal", "base", 50);
    for f in [&debts, &deliveries] {
        let o = run(&db, &["import", f.to_str().expect("utf-8")], env);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    db
}

/// The mounted file system; unmounted when dropped.
struct Mount {
    fs: PowerFs,
    at: PathBuf,
    session: Option<fuser::BackgroundSession>,
}

impl Mount {
    fn new(fs: PowerFs, at: &Path) -> std::io::Result<Mount> {
        let mut m = Mount {
            fs,
            at: at.to_path_buf(),
            session: None,
        };
        m.mount()?;
        Ok(m)
    }

    fn mount(&mut self) -> std::io::Result<()> {
        let mut config = fuser::Config::default();
        config.mount_options = vec![fuser::MountOption::FSName("gasledger-powerfs".into())];
        self.session = Some(fuser::spawn_mount(self.fs.clone(), &self.at, &config)?);
        // fuser mounts before it returns (its session thread then serves the requests): the
        // kernel's mount table says so, with no waiting.
        let at = self.at.to_string_lossy().into_owned();
        let mounted = std::fs::read_to_string("/proc/self/mounts")?
            .lines()
            .any(|l| l.split(' ').nth(1) == Some(at.as_str()));
        if !mounted {
            return Err(std::io::Error::other(format!("{at} is not mounted")));
        }
        std::fs::read_dir(&self.at)?;
        Ok(())
    }

    /// Cut the power (if not cut already), and bring the machine back up with what was
    /// durable: a new mount, as after a reboot, so the kernel remembers nothing either.
    fn reboot(&mut self) {
        if let Some(s) = self.session.take() {
            s.umount_and_join().expect("unmount");
        }
        self.fs.reboot();
        self.mount().expect("mount again");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        if let Some(s) = self.session.take() {
            let _ = s.umount_and_join();
        }
    }
}

/// Why FUSE cannot be used here, if it cannot.
fn fuse_missing(dir: &Path) -> Option<String> {
    if std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/fuse")
        .is_err()
    {
        return Some("/dev/fuse cannot be opened".into());
    }
    let at = dir.join("probe");
    std::fs::create_dir_all(&at).expect("mkdir");
    match Mount::new(PowerFs::new(), &at) {
        Ok(_) => None,
        Err(e) => Some(format!("mounting a FUSE file system failed: {e}")),
    }
}

/// What one cut left.
#[derive(Debug, Default)]
struct Tally {
    cuts: usize,
    before: usize,
    after: usize,
    failed_with_error: usize,
    succeeded: usize,
    /// Still running long after the cut, on the dead disk, and killed: a power cut stops a
    /// process too, so this is no failure, but it is counted and said.
    stopped_after_cut: usize,
}

/// Cut the power at every durability event of `args` run on a copy of `base`, one cut per
/// run, then once after it ran to its end; check each store left. `env` is set for every
/// process on the store, the checks included.
fn cut_everywhere(name: &str, base: &Path, args: &[&str], env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().expect("temp dir");
    // The ledger before and after, on a real disk.
    let before = ledger(base, env);
    let full = dir.path().join("full.db");
    copy_dir(base, &full);
    let o = run(&full, args, env);
    assert!(o.status.success(), "{name}: {}", text(&o.stderr));
    let after = ledger(&full, env);
    assert_ne!(before, after, "{name}: the command changed nothing");

    // How many durability events a whole run makes; then a cut at each, a few at a time,
    // each on its own mount. (A run may make a few more or fewer: a cut past its last event
    // is a run to its end, then a cut, which is checked the same way.)
    let events = {
        let mnt = dir.path().join("count");
        std::fs::create_dir_all(&mnt).expect("mkdir");
        let fs = PowerFs::new();
        fs.load(base, "db");
        let _m = Mount::new(fs.clone(), &mnt).expect("mount");
        fs.arm(None);
        let o = run(&mnt.join("db"), args, env);
        assert!(o.status.success(), "{name}: {}", text(&o.stderr));
        let s = fs.state();
        eprintln!("{name}: its durability events: {}", s.log.join(", "));
        s.events
    };
    let next = std::sync::atomic::AtomicU64::new(1);
    let results = std::sync::Mutex::new((Tally::default(), Vec::new()));
    std::thread::scope(|scope| {
        for worker in 0..WORKERS {
            let (next, results, dir) = (&next, &results, dir.path());
            let (before, after) = (&before, &after);
            scope.spawn(move || {
                let mnt = dir.join(format!("mnt-{worker}"));
                std::fs::create_dir_all(&mnt).expect("mkdir");
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if n > events + 1 {
                        break;
                    }
                    let one = cut_once(name, base, args, env, &mnt, n, before, after);
                    let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
                    r.0.add(&one.0);
                    r.1.extend(one.1);
                }
            });
        }
    });
    let (tally, problems) = results.into_inner().unwrap_or_else(|e| e.into_inner());
    eprintln!("{name}: {tally:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Cuts run at once, each its own mount and processes.
const WORKERS: usize = 3;

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.cuts += o.cuts;
        self.before += o.before;
        self.after += o.after;
        self.failed_with_error += o.failed_with_error;
        self.succeeded += o.succeeded;
        self.stopped_after_cut += o.stopped_after_cut;
    }
}

/// Run the command with the power cut at its durability event `n`, reboot, and check what is
/// left: what it was, and what is wrong with it.
#[allow(clippy::too_many_arguments)]
fn cut_once(
    name: &str,
    base: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    mnt: &Path,
    n: u64,
    before: &str,
    after: &str,
) -> (Tally, Vec<String>) {
    let mut tally = Tally::default();
    let mut problems = Vec::new();
    let fs = PowerFs::new();
    fs.load(base, "db");
    let mut m = Mount::new(fs.clone(), mnt).expect("mount");
    let db = mnt.join("db");
    fs.arm(Some(n));
    let o = run(&db, args, env);
    let (cut, event, events) = {
        let s = fs.state();
        (s.dead, s.log.last().cloned().unwrap_or_default(), s.events)
    };
    let stderr = text(&o.stderr);
    let what = if cut {
        format!("{name}: cut at event {n} ({event})")
    } else {
        format!("{name}: ran to its end ({events} events), then cut")
    };
    if stderr.contains("panicked") {
        problems.push(format!("{what}: a panic: {stderr}"));
    }
    match o.status.code() {
        Some(0) => tally.succeeded += 1,
        Some(2) if cut => {
            tally.failed_with_error += 1;
            // One clear line, as every error of the command line is.
            if !stderr.starts_with("gasledger: ") || stderr.trim_end().lines().count() != 1 {
                problems.push(format!("{what}: an unclear error: {stderr}"));
            }
            eprintln!("{what}: {}", stderr.trim_end());
        }
        // Killed by the watchdog of `run` (SIGKILL; an abort is SIGABRT): stuck on the disk
        // after the cut. Whether that happens depends on the machine's load, so it only
        // changes the tally; the store it left is checked below like any other.
        None if cut && o.status.signal() == Some(9) => {
            tally.stopped_after_cut += 1;
            eprintln!("{what}: still running on the dead disk, stopped");
        }
        code => problems.push(format!("{what}: exit {code:?}: {stderr}")),
    }
    m.reboot();
    let v = run(&db, &["verify"], env);
    if !v.status.success() {
        problems.push(format!(
            "{what}: verify failed: {}{}",
            text(&v.stdout),
            text(&v.stderr)
        ));
    } else {
        let now = ledger(&db, env);
        if now == after {
            tally.after += 1;
        } else if now == before {
            tally.before += 1;
            if o.status.success() {
                problems.push(format!("{what}: said it succeeded, and its write is lost"));
            }
        } else {
            problems.push(format!("{what}: the ledger is neither before nor after"));
        }
    }
    tally.cuts += 1;
    (tally, problems)
}

/// One transaction, as `record` takes it.
const RECORD: &[&str] = &[
    "record",
    "--date",
    "2022-07-01",
    "--desc",
    "a payment",
    "--post",
    "TM:receivable:IR -1 USD",
    "--post",
    "IR:payable:TM 1 USD",
    "--id",
    "rec-1",
];

/// Cut the power at every durability event of the command that `args` gives (with the paths
/// of a journal of 300 and one of 3000 transactions), on a copy of the base store.
fn power_cuts(name: &str, args: impl Fn(&str, &str) -> Vec<String>, env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(why) = fuse_missing(dir.path()) {
        eprintln!(
            "{name}: skipped: {why}; the power-cut tests need FUSE (`apt-get install fuse3`)"
        );
        return;
    }
    let base = base_store(dir.path(), env);
    let small = id_journal(dir.path(), "small.journal", "small", 300);
    let big = id_journal(dir.path(), "big.journal", "big", 3000);
    let args = args(small.to_str().expect("utf-8"), big.to_str().expect("utf-8"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cut_everywhere(name, &base, &args, env);
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

#[test]
fn power_cuts_during_record() {
    power_cuts("record", |_, _| strings(RECORD), &[]);
}

#[test]
fn power_cuts_during_import_of_300() {
    power_cuts("import 300", |small, _| strings(&["import", small]), &[]);
}

/// Three full blocks: `gasledger.blocks` is written and synced before the commit.
#[test]
fn power_cuts_during_import_of_3000() {
    power_cuts("import 3000", |_, big| strings(&["import", big]), &[]);
}

/// sled closed and opened again after every block the import writes ahead: every one of
/// those closings is a durability event, and a cut there must leave the store as before.
#[test]
fn power_cuts_during_import_of_3000_reopening_sled() {
    power_cuts(
        "import 3000, reopening sled",
        |_, big| strings(&["import", big]),
        &[("GASLEDGER_TEST_REOPEN_BYTES", "1")],
    );
}

/// sled's segments made small (2 KiB), so that its pages go to blob files from about 500
/// bytes on: the base store has dozens of blobs, and the commit writes new ones, each of which
/// (and the blobs folder) must be synced before the anchor moves.
#[test]
fn power_cuts_with_sled_blobs_during_record_and_import() {
    let small_segments = [("GASLEDGER_TEST_SEGMENT_SIZE", "2048")];
    power_cuts("record, blobs", |_, _| strings(RECORD), &small_segments);
    power_cuts(
        "import 3000, blobs",
        |_, big| strings(&["import", big]),
        &small_segments,
    );
}

#[test]
fn power_cuts_during_reverse() {
    power_cuts(
        "reverse",
        |_, _| strings(&["reverse", "debt-iq-ir-2021", "--date", "2022-07-02"]),
        &[],
    );
}

#[test]
fn power_cuts_during_offset() {
    power_cuts(
        "offset",
        |_, _| {
            strings(&[
                "offset",
                "iq-ir-tm",
                "--amount",
                "1600000000 USD",
                "--date",
                "2022-06-20",
            ])
        },
        &[],
    );
}

#[test]
fn power_cuts_during_net_record() {
    power_cuts(
        "net --record",
        |_, _| {
            strings(&[
                "net",
                "--commodity",
                "USD",
                "--record",
                // After every debt it closes (the base store's deliveries run through 2022):
                // a netting dated before them is refused.
                "--date",
                "2023-01-01",
            ])
        },
        &[],
    );
}

#[test]
fn power_cuts_during_debt_add() {
    power_cuts(
        "debt add",
        |_, _| {
            strings(&[
                "debt",
                "add",
                "--debtor",
                "IQ",
                "--creditor",
                "TM",
                "--amount",
                "5 USD",
                "--date",
                "2022-07-04",
            ])
        },
        &[],
    );
}

#[test]
fn power_cuts_during_pay() {
    power_cuts(
        "pay",
        |_, _| {
            strings(&[
                "pay",
                "--from",
                "IR",
                "--to",
                "TM",
                "--amount",
                "100 USD",
                "--date",
                "2022-07-05",
            ])
        },
        &[],
    );
}

#[test]
fn power_cuts_during_statement_add() {
    power_cuts(
        "statement add",
        |_, _| {
            strings(&[
                "statement",
                "add",
                "TM",
                "--date",
                "2022-06-30",
                "--claim",
                "TM:receivable:IR 1800000000 USD",
            ])
        },
        &[],
    );
}

/// A commit of declarations only: no transaction, the anchor still moves.
#[test]
fn power_cuts_during_declarations() {
    power_cuts(
        "account add",
        |_, _| strings(&["account", "add", "TM:cash:usd", "--type", "asset"]),
        &[],
    );
    power_cuts(
        "commodity add",
        |_, _| {
            strings(&[
                "commodity",
                "add",
                "mcm",
                "--kind",
                "volume",
                "--scale",
                "3",
            ])
        },
        &[],
    );
}

/// The worst moment of a build that moved its anchor before sled's log was durable: the
/// anchor names the new commit, sled's files are as before it. That store opens, says what it
/// recovered, and verifies; an anchor written after its data was durable is still damage.
#[test]
fn a_store_cut_after_an_older_build_moved_its_anchor_opens_at_the_commit_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = base_store(dir.path(), &[]);
    let before = ledger(&base, &[]);
    let post = dir.path().join("post.db");
    copy_dir(&base, &post);
    let o = run(
        &post,
        &[
            "record",
            "--date",
            "2022-07-01",
            "--desc",
            "a payment",
            "--post",
            "TM:receivable:IR -1 USD",
            "--post",
            "IR:payable:TM 1 USD",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let new_anchor = std::fs::read_to_string(post.join("gasledger.head")).expect("anchor");
    assert!(
        new_anchor.trim_end().ends_with(" data-first"),
        "{new_anchor}"
    );

    // sled's files from before the commit, the anchor of the commit as an older build wrote it.
    let cut = dir.path().join("cut.db");
    copy_dir(&base, &cut);
    let _ = std::fs::remove_file(cut.join("gasledger.balances"));
    std::fs::write(
        cut.join("gasledger.head"),
        new_anchor.replace(" data-first", ""),
    )
    .expect("write anchor");
    let damaged = dir.path().join("damaged.db");
    copy_dir(&cut, &damaged);

    let o = run(&cut, &["verify"], &[]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{}{err}", text(&o.stdout));
    assert!(
        err.contains("recovered: the last write (commit")
            && err.contains("was interrupted before it was durable"),
        "{err}"
    );
    assert_eq!(ledger(&cut, &[]), before);
    // Said once: the anchor now names the store as it is.
    let o = run(&cut, &["verify"], &[]);
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "{}",
        text(&o.stderr)
    );
    // And the store takes new writes.
    let o = run(
        &cut,
        &[
            "record",
            "--date",
            "2022-07-01",
            "--desc",
            "again",
            "--post",
            "TM:receivable:IR -1 USD",
            "--post",
            "IR:payable:TM 1 USD",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(run(&cut, &["verify"], &[]).status.success());

    // The same gap behind an anchor written after its data was durable: damage, refused.
    std::fs::write(damaged.join("gasledger.head"), &new_anchor).expect("write anchor");
    let o = run(&damaged, &["verify"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("committed data was lost"),
        "{}",
        text(&o.stderr)
    );
}
