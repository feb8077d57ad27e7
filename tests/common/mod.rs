//! Shared helpers for the integration tests: a temp store, the real binary run against it, a
//! small chart, and the balances as CSV (what a user sees of the store).

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What one run of the binary did.
#[derive(Debug, Clone)]
pub struct Run {
    /// The exit status; `None` when the process was killed by a signal (a crash).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
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

    /// Run the real binary with `--db <tempdir>/db` (GASLEDGER_DB removed).
    pub fn run(&self, args: &[&str]) -> Run {
        run_at(&self.db(), args)
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
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_gasledger"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("GASLEDGER_DB")
        .output()
        .expect("run gasledger");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
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
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write journal");
    p
}
