//! The one integration-test harness: the real binary run against a temp store (the only place
//! that builds its command line), a small chart, journal files in the temp folder, and the
//! balances as CSV (what a user sees of the store); `peers.rs`, the peer tools run on its
//! exports. Every file under `tests/` runs the binary through here.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod peers;

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `agreement add tm-ir-az`: the founding swap (TM into IR at Sarakhs, IR to AZ at Astara and
/// Nakhchivan, in mcm), without its fee and tolerance, which each test adds.
pub const SWAP_TM_IR_AZ: &[&str] = &[
    "agreement",
    "add",
    "tm-ir-az",
    "--kind",
    "swap",
    "--supplier",
    "TM",
    "--hub",
    "IR",
    "--receiver",
    "AZ",
    "--entry",
    "Sarakhs",
    "--exit",
    "Astara",
    "--exit",
    "Nakhchivan",
    "--commodity",
    "mcm",
];

/// The binary under test, as Cargo built it for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_gasledger");

/// Environment variables that change where or how the binary stores; a test that means one
/// sets it with [`Gasledger::env`].
const CLEARED_ENV: [&str; 5] = [
    "GASLEDGER_DB",
    "GASLEDGER_TEST_REOPEN_BYTES",
    "GASLEDGER_TEST_CRASH_AT",
    "GASLEDGER_TEST_COUNT_POINTS",
    "GASLEDGER_TEST_READ_ONLY",
];

/// One run of the binary, being set up: `gasledger [--db DB] ARGS...` with [`CLEARED_ENV`]
/// removed, extra environment variables, and optionally bytes on standard input.
#[derive(Debug, Clone)]
pub struct Gasledger {
    program: OsString,
    db: Option<PathBuf>,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
}

/// The binary with no `--db` (for `--help`, or a test that passes `--db` itself).
pub fn gasledger() -> Gasledger {
    Gasledger {
        program: BIN.into(),
        db: None,
        args: Vec::new(),
        env: Vec::new(),
        stdin: None,
    }
}

/// The binary on the store at `db`.
pub fn at(db: &Path) -> Gasledger {
    gasledger().db(db)
}

impl Gasledger {
    /// Run another build instead of [`BIN`] (the same arguments and environment).
    pub fn program(mut self, program: impl AsRef<OsStr>) -> Self {
        self.program = program.as_ref().to_owned();
        self
    }

    /// `--db <db>`, always first on the command line.
    pub fn db(mut self, db: &Path) -> Self {
        self.db = Some(db.to_path_buf());
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    pub fn envs<'a>(mut self, vars: impl IntoIterator<Item = &'a (&'a str, &'a str)>) -> Self {
        for (k, v) in vars {
            self = self.env(k, v);
        }
        self
    }

    /// Bytes for the binary's standard input (otherwise it reads an empty one).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// The command line as a [`Command`]; standard input null unless [`Gasledger::stdin`].
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        if let Some(db) = &self.db {
            c.arg("--db").arg(db);
        }
        c.args(&self.args);
        for k in CLEARED_ENV {
            c.env_remove(k);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        c
    }

    /// Start the binary with standard output and standard error as given (and standard input
    /// written, then closed), for a test that waits for it or kills it.
    pub fn spawn_with(&self, stdout: Stdio, stderr: Stdio) -> Child {
        let mut child = self
            .command()
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("spawn gasledger");
        if let Some(bytes) = &self.stdin {
            let mut input = child.stdin.take().expect("piped stdin");
            let bytes = bytes.clone();
            // Written beside the run, so that a child filling its output pipe before it reads
            // cannot block the test; a child that exits without reading is no failure here.
            std::thread::spawn(move || {
                let _ = input.write_all(&bytes);
            });
        }
        child
    }

    /// Start the binary with standard output discarded and standard error piped: a writer a
    /// test kills, or waits for and reads the error of.
    pub fn spawn(&self) -> Child {
        self.spawn_with(Stdio::null(), Stdio::piped())
    }

    /// Run to the end; what it printed and its status.
    pub fn output(&self) -> Output {
        self.spawn_with(Stdio::piped(), Stdio::piped())
            .wait_with_output()
            .expect("run gasledger")
    }

    /// Run to the end, but SIGKILL it if it has not ended after `limit` (a process stuck on a
    /// dead disk, stopped as a power cut would have stopped it).
    pub fn output_within(&self, limit: Duration) -> Output {
        let child = self.spawn_with(Stdio::piped(), Stdio::piped());
        let pid = child.id().to_string();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if finished.recv_timeout(limit).is_err() {
                let _ = Command::new("kill").args(["-9", &pid]).status();
            }
        });
        let out = child.wait_with_output().expect("output");
        let _ = done.send(());
        let _ = watchdog.join();
        out
    }

    /// Run to the end; a [`Run`].
    pub fn run(&self) -> Run {
        let start = Instant::now();
        let out = self.output();
        Run::from_output(&out, start.elapsed())
    }
}

/// What one run of the binary did.
#[derive(Debug, Clone)]
pub struct Run {
    /// The exit status; `None` when the process was killed by a signal (a crash).
    pub code: Option<i32>,
    /// The signal that ended it, if one did (6, SIGABRT, for an injected crash).
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn from_output(out: &Output, elapsed: Duration) -> Run {
        use std::os::unix::process::ExitStatusExt;
        Run {
            code: out.status.code(),
            signal: out.status.signal(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed,
        }
    }

    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Exit status 0, or a panic with everything the run printed.
    pub fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success, got {self:#?}");
        assert!(!self.stderr.contains("panicked"), "{self:#?}");
        self
    }

    /// Exit status `code`, a message containing `needle` on stderr, and no panic.
    pub fn fails(self, code: i32, needle: &str) -> Run {
        assert_eq!(self.code, Some(code), "expected exit {code}, got {self:#?}");
        assert!(
            self.stderr.contains(needle),
            "expected stderr to contain {needle:?}, got {self:#?}"
        );
        assert!(!self.stderr.contains("panicked"), "{self:#?}");
        self
    }
}

/// A temp folder holding one ledger store at `<dir>/db`.
pub struct Ledger {
    pub dir: tempfile::TempDir,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}

impl Ledger {
    /// A fresh temp folder; the store is not created until a command writes.
    pub fn new() -> Ledger {
        Ledger {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The store's path (`<tempdir>/db`).
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    /// The binary on this store, to add environment variables or standard input to.
    pub fn cmd(&self) -> Gasledger {
        at(&self.db())
    }

    /// Run the real binary with `--db <tempdir>/db`.
    pub fn run(&self, args: &[&str]) -> Run {
        run_at(&self.db(), args)
    }

    /// Run a command that must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        self.run(args).ok().stdout
    }

    /// `export` (the journal, the default format), which must succeed.
    pub fn export(&self) -> String {
        self.ok(&["export"])
    }

    /// Write `text` to `name` in the ledger's temp folder; its path.
    pub fn file(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        write_file(self.dir.path(), name, text)
    }

    /// Write `text` to `name` in the ledger's temp folder and import it.
    pub fn import(&self, name: &str, text: impl AsRef<[u8]>) -> Run {
        let p = self.file(name, text);
        self.import_files(&[&p])
    }

    /// `import` of these files, in order.
    pub fn import_files(&self, files: &[&Path]) -> Run {
        let mut args = vec!["import"];
        args.extend(files.iter().map(|f| arg(f)));
        self.run(&args)
    }

    /// `report balances --format csv`, which must succeed.
    pub fn balances_csv(&self) -> String {
        self.run(&["report", "balances", "--format", "csv"])
            .ok()
            .stdout
    }

    /// Initialise the store and declare the small chart used by most tests:
    /// commodities mcm (volume, scale 3) and USD (money, scale 2); parties TM, IR, AZ, IQ;
    /// accounts TM:gas:delivered (asset), IR:swap:tm-ir-az (liability), AZ:gas:received,
    /// TM:cash (floor 0 USD), IR:cash, IQ:payable:IR, IR:receivable:IQ.
    pub fn with_chart() -> Ledger {
        let l = Ledger::new();
        l.run(&["init"]).ok();
        l.run(&[
            "commodity",
            "add",
            "mcm",
            "--kind",
            "volume",
            "--scale",
            "3",
        ])
        .ok();
        l.run(&["commodity", "add", "USD", "--kind", "money", "--scale", "2"])
            .ok();
        for (code, name) in [
            ("TM", "Turkmenistan"),
            ("IR", "Iran"),
            ("AZ", "Azerbaijan"),
            ("IQ", "Iraq"),
        ] {
            l.run(&["party", "add", code, "--name", name]).ok();
        }
        l.run(&["account", "add", "TM:gas:delivered", "--type", "asset"])
            .ok();
        l.run(&["account", "add", "IR:swap:tm-ir-az", "--type", "liability"])
            .ok();
        l.run(&["account", "add", "AZ:gas:received"]).ok();
        l.run(&["account", "add", "TM:cash", "--floor", "0 USD"])
            .ok();
        l.run(&["account", "add", "IR:cash"]).ok();
        l.run(&["account", "add", "IQ:payable:IR", "--type", "liability"])
            .ok();
        l.run(&["account", "add", "IR:receivable:IQ", "--type", "asset"])
            .ok();
        l
    }

    /// [`Ledger::with_chart`] and one transaction (160 mcm into Iran's swap account, id
    /// `entry-1`), so that "unchanged" has something to compare.
    pub fn with_one_entry() -> Ledger {
        let l = Ledger::with_chart();
        l.record(
            "2022-01-31",
            "Sarakhs entry",
            &["IR:swap:tm-ir-az 160 mcm", "TM:gas:delivered -160 mcm"],
            &["--id", "entry-1"],
        )
        .ok();
        l
    }

    /// `record` with a date, a description and postings; extra arguments appended.
    pub fn record(&self, date: &str, desc: &str, posts: &[&str], extra: &[&str]) -> Run {
        let mut args = vec!["record", "--date", date, "--desc", desc];
        for p in posts {
            args.push("--post");
            args.push(p);
        }
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

/// Run the real binary on the store at `db`.
pub fn run_at(db: &Path, args: &[&str]) -> Run {
    at(db).args(args).run()
}

/// Write `text` to `dir/name` (a journal, usually); its path.
pub fn write_file(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write journal");
    p
}

/// A path as the `&str` an argument list takes.
pub fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Copy a store's folder, as a backup or a restore would.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// The chart of [`id_journal`]'s journals.
pub const ID_JOURNAL_CHART: &str = "commodity 1000.00 USD  ; kind: money\n\
account TM  ; party: Turkmenistan\naccount IR  ; party: Iran\naccount IQ  ; party: Iraq\n\
account TM:receivable:IR\naccount IR:payable:TM\naccount IQ:payable:IR\naccount IR:receivable:IQ\n";

/// A journal of `n` transactions with ids, `tag` making the ids unique per file.
pub fn id_journal(dir: &Path, name: &str, tag: &str, n: usize) -> PathBuf {
    let mut text = String::with_capacity(n * 120 + 400);
    text.push_str(ID_JOURNAL_CHART);
    for i in 0..n {
        let cents = (i * 7919) % 1_000_000 + 1;
        text.push_str(&format!(
            "\n2022-{:02}-{:02} * delivery {i}  ; id: {tag}-{i}\n    TM:receivable:IR  {}.{:02} USD\n    IR:payable:TM\n",
            1 + i % 12,
            1 + i % 28,
            cents / 100,
            cents % 100
        ));
    }
    write_file(dir, name, text)
}
