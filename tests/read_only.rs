//! A store the process cannot write (a read-only mount, an archive folder without write
//! permission): every command that only reads works on it, says what it says on a writable
//! store, and writes nothing there; every command that writes is refused with "the store at
//! PATH is read-only". See docs/faults.md.
//!
//! Two ways to make a store read-only. `GASLEDGER_TEST_READ_ONLY` (src/store/faults.rs) makes
//! every creation or opening for writing of the store's files fail as a read-only mount would:
//! it works as root too, so these tests run everywhere. And permissions (`chmod a-w`), which do
//! not stop root: run directly when the tests are not root, through `setpriv` as user 65534
//! when they are and it is there, else skipped with a line on stderr.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const READ_ONLY: &str = "GASLEDGER_TEST_READ_ONLY";

/// Every command that only reads, with arguments that give something to read
/// (`{file}`: Turkmenistan's own books).
#[rustfmt::skip] // One command a line.
const READS: &[&[&str]] = &[
    &["report", "balances"],
    &["report", "balances", "--as-of", "2016-12-31"],
    &["report", "register", "TM:receivable:IR"],
    &["report", "swap", "tm-ir-az"],
    &["report", "debts"],
    &["report", "settlements", "TM", "IR"],
    &["report", "html"],
    &["export"],
    &["export", "--format", "json"],
    &["export", "--party", "TM", "--format", "beancount"],
    &["verify"],
    &["reconcile"],
    &["reconcile", "--against", "{file}", "--party", "TM"],
    &["interest", "--to", "2017-12-31"],
    &["net", "--commodity", "USD"],
];

/// Commands that write, each refused on a read-only store (`{file}`: a journal).
#[rustfmt::skip] // One command a line.
const WRITES: &[&[&str]] = &[
    &["init"],
    &["party", "add", "RU"],
    &["import", "{file}"],
    &["record", "--date", "2018-01-01", "--desc", "cash", "--post", "TM:cash 1.00 USD", "--post", "IR:cash"],
    &["pay", "--from", "IR", "--to", "TM", "--amount", "1.00 USD", "--date", "2018-01-01"],
    &["interest", "--to", "2017-12-31", "--record"],
    &["net", "--commodity", "USD", "--record", "--date", "2018-01-01"],
];

/// A store with a swap, sales, a debt with interest and payments: scenarios 1 and 13.
fn archive() -> Ledger {
    let l = Ledger::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("ledgers");
    l.import_files(&[
        &root.join("01-swap-2022.ledger"),
        &root.join("13-sales-2013-2017.ledger"),
    ])
    .ok();
    l
}

/// `args` with `{file}` replaced by `file`.
fn with_file(args: &[&str], file: &Path) -> Vec<String> {
    args.iter()
        .map(|a| match *a {
            "{file}" => arg(file).to_string(),
            a => a.to_string(),
        })
        .collect()
}

fn own_books() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ledgers/own-books/11-turkmengaz-books.TM.journal")
}

/// What each read says (exit status and standard output) on the store as it is, writable.
fn said(l: &Ledger) -> Vec<(Option<i32>, String)> {
    READS
        .iter()
        .map(|args| {
            let r = l.cmd().args(with_file(args, &own_books())).run();
            assert!(matches!(r.code, Some(0 | 1)), "{args:?}: {r:#?}");
            (r.code, r.stdout)
        })
        .collect()
}

/// Every file under `dir` (its path below `dir`) and its bytes; a folder as `None`.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            let rel = p.strip_prefix(dir).expect("below").to_path_buf();
            if p.is_dir() {
                stack.push(p);
                out.insert(rel, None);
            } else {
                out.insert(rel, Some(std::fs::read(&p).expect("read")));
            }
        }
    }
    out
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).expect("read dir").next().is_none()
}

/// Each read, run as `run` runs it, says what it said on the writable store, and leaves
/// nothing in `scratch` (its `TMPDIR`, where the copy of sled's files goes).
fn reads_agree(expected: &[(Option<i32>, String)], scratch: &Path, run: impl Fn(&[String]) -> Run) {
    for (args, want) in READS.iter().zip(expected) {
        let r = run(&with_file(args, &own_books()));
        assert!(!r.stderr.contains("panicked"), "{args:?}: {r:#?}");
        assert_eq!(
            (&r.code, &r.stdout),
            (&want.0, &want.1),
            "{args:?}: {}",
            r.stderr
        );
        assert!(
            is_empty(scratch),
            "{args:?} left its copy of the store behind"
        );
    }
}

#[test]
fn every_read_works_and_every_write_is_refused_on_a_read_only_mount() {
    let l = archive();
    let expected = said(&l);
    // Without the balances view, `report balances` reads sled too.
    std::fs::remove_file(l.db().join("gasledger.balances")).expect("remove the view");
    let before = contents(&l.db());
    let scratch = tempfile::tempdir().expect("temp dir");
    let ro = |args: &[String]| {
        l.cmd()
            .args(args)
            .env(READ_ONLY, "1")
            .env("TMPDIR", scratch.path())
            .run()
    };
    reads_agree(&expected, scratch.path(), ro);
    assert!(contents(&l.db()) == before, "a read wrote to the store");
    let journal = write_file(scratch.path(), "more.journal", "account TM:more\n");
    for args in WRITES {
        let r = ro(&with_file(args, &journal));
        r.fails(
            2,
            &format!("the store at {} is read-only", l.db().display()),
        );
    }
    std::fs::remove_file(&journal).expect("remove");
    assert!(
        contents(&l.db()) == before,
        "a refused write wrote to the store"
    );
    assert!(is_empty(scratch.path()));
    // With a current view, `report balances` reads only the view.
    l.run(&["verify"]).ok();
    let r = ro(&["report".into(), "balances".into()]).ok();
    assert_eq!(r.stdout, expected[0].1);
}

/// The reader of a read-only store takes a shared lock on the lock file (opened for reading):
/// it waits for a writer that can write the store, and gives up after --lock-timeout.
#[test]
fn a_reader_of_a_read_only_store_waits_for_a_writer() {
    let l = archive();
    let lock = std::fs::File::options()
        .write(true)
        .open(l.db().join("gasledger.lock"))
        .expect("open lock file");
    lock.try_lock().expect("take the lock");
    let scratch = tempfile::tempdir().expect("temp dir");
    let read = || {
        l.cmd()
            .args(["--lock-timeout", "0.2", "verify"])
            .env(READ_ONLY, "1")
            .env("TMPDIR", scratch.path())
            .run()
    };
    let before = contents(&l.db());
    read().fails(2, "in use by another gasledger process");
    assert!(
        is_empty(scratch.path()),
        "it copied the store while a writer held it"
    );
    drop(lock);
    read().ok();
    assert!(contents(&l.db()) == before, "the reader wrote to the store");
}

/// A store with no lock file (a copy that left it out): no process has written it since, and
/// none can without creating one; the reader reads it and creates none.
#[test]
fn a_read_only_store_without_a_lock_file_is_read() {
    let l = archive();
    let expected = said(&l);
    std::fs::remove_file(l.db().join("gasledger.lock")).expect("remove the lock file");
    let scratch = tempfile::tempdir().expect("temp dir");
    reads_agree(&expected, scratch.path(), |args| {
        l.cmd()
            .args(args)
            .env(READ_ONLY, "1")
            .env("TMPDIR", scratch.path())
            .run()
    });
    assert!(!l.db().join("gasledger.lock").exists());
}

/// An import killed just before its last batch leaves blocks, id buckets and summaries
/// written ahead of the head; a read-only reader's copy holds them too, and sees the store
/// as committed before that import.
#[test]
fn a_read_only_reader_sees_the_committed_state_after_a_killed_import() {
    let l = archive();
    let expected = said(&l);
    let mut journal = String::new();
    for i in 0..2000 {
        journal.push_str(&format!(
            "2018-01-02 * cash  ; id: late-{i}\n    TM:cash   1.00 USD\n    IR:cash\n\n"
        ));
    }
    let file = l.file("late.journal", journal);
    let r = l
        .cmd()
        .args(["import", arg(&file)])
        .env("GASLEDGER_TEST_CRASH_AT", "before-head:1")
        .run();
    assert_eq!(r.code, None, "the import was to abort: {r:#?}");
    let before = contents(&l.db());
    let scratch = tempfile::tempdir().expect("temp dir");
    reads_agree(&expected, scratch.path(), |args| {
        l.cmd()
            .args(args)
            .env(READ_ONLY, "1")
            .env("TMPDIR", scratch.path())
            .run()
    });
    assert!(contents(&l.db()) == before, "a read wrote to the store");
}

/// Set the mode of `dir`, of every folder under it and of every file in them.
fn set_modes(dir: &Path, dirs: u32, files: u32) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            set_modes(&p, dirs, files);
        } else {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(files)).expect("chmod");
        }
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(dirs)).expect("chmod");
}

/// Gives the store back its write permissions, so that its temp folder can be removed.
struct Writable(PathBuf);

impl Drop for Writable {
    fn drop(&mut self) {
        set_modes(&self.0, 0o755, 0o644);
    }
}

/// `command` run as user and group 65534 (nobody), through `setpriv`.
fn as_nobody(command: &Command) -> Command {
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
    c.arg(command.get_program()).args(command.get_args());
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c
}

#[test]
fn every_read_works_on_a_store_without_write_permission() {
    let l = archive();
    let expected = said(&l);
    let db = l.db();
    let scratch = tempfile::tempdir().expect("temp dir");
    set_modes(&db, 0o555, 0o444);
    let _restore = Writable(db.clone());
    let privileged = std::fs::File::create(db.join("probe")).is_ok();
    let run: Box<dyn Fn(&Gasledger) -> Run> = if !privileged {
        Box::new(|g: &Gasledger| g.run())
    } else {
        let _ = std::fs::remove_file(db.join("probe"));
        // Root writes whatever the permissions: drop to nobody, who must reach the store, the
        // journal, the binary and a temporary folder of its own.
        for d in [l.dir.path(), scratch.path()] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        }
        let works = as_nobody(&gasledger().arg("--version").command()).output();
        if !works.is_ok_and(|o| o.status.success()) {
            eprintln!("skipped: running as root, and setpriv cannot run the binary as user 65534");
            return;
        }
        Box::new(|g: &Gasledger| {
            let start = std::time::Instant::now();
            let out = as_nobody(&g.command()).output().expect("run setpriv");
            Run::from_output(&out, start.elapsed())
        })
    };
    let before = contents(&db);
    let cmd = |args: &[String]| l.cmd().args(args).env("TMPDIR", scratch.path());
    reads_agree(&expected, scratch.path(), |args| run(&cmd(args)));
    assert!(contents(&db) == before, "a read wrote to the store");
    let r = run(&cmd(&with_file(WRITES[1], Path::new(""))));
    r.fails(2, &format!("the store at {} is read-only", db.display()));
    assert!(contents(&db) == before);
}
