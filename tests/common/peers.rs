//! The peers, hledger, ledger-cli and beancount, run on gasledger's exports: which are on the
//! PATH, and the cross-checks of an export against them (`tests/peers.rs`,
//! `tests/party_export.rs`):
//!
//! - hledger: `hledger -f OUT check -s` passes, and `hledger bal --flat -O csv --layout=bare`
//!   gives exactly `report balances --format csv` (account, commodity, balance);
//! - ledger-cli: `ledger -f OUT bal` runs without a word on standard error, and
//!   `ledger --pedantic bal --flat` gives exactly the same balances;
//! - beancount: `bean-check OUT` exits 0 and prints nothing; and when Python can import
//!   beancount, the balances it loads, mapped back through the `name:` and `code:` metadata of
//!   the `open` and `commodity` directives, are exactly the same.
//!
//! Numbers are compared as decimals (so `1,000.00` and `1000.0` are equal); accounts and
//! commodities must match exactly. A missing tool skips its cross-check with a line on standard
//! error; it never fails the test.

use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

/// Balances by (account, commodity), non-zero only.
pub type Balances = BTreeMap<(String, String), Decimal>;

/// Loads a beancount file and prints `ACCOUNT\tCODE\tNUMBER` per non-zero balance, in
/// gasledger's names (from the `name:` and `code:` metadata).
pub const BEANCOUNT_BALANCES: &str = r#"
import sys
from collections import defaultdict
from decimal import Decimal
from beancount import loader
from beancount.core import data
entries, errors, _ = loader.load_file(sys.argv[1])
for e in errors:
    print("error:", e.message, file=sys.stderr)
names, codes = {}, {}
for e in entries:
    if isinstance(e, data.Open):
        names[e.account] = e.meta.get("name", e.account)
    elif isinstance(e, data.Commodity):
        codes[e.currency] = e.meta.get("code", e.currency)
sums = defaultdict(Decimal)
for e in entries:
    if isinstance(e, data.Transaction):
        for p in e.postings:
            key = (names.get(p.account, p.account), codes.get(p.units.currency, p.units.currency))
            sums[key] += p.units.number
for (account, code), number in sorted(sums.items()):
    if number != 0:
        print(f"{account}\t{code}\t{number}")
sys.exit(1 if errors else 0)
"#;

/// The peers found on the PATH (their version line), or why each cross-check is skipped.
pub struct Tools {
    pub hledger: Result<String, String>,
    pub ledger: Result<String, String>,
    pub bean_check: Result<String, String>,
    pub python_beancount: Result<String, String>,
}

pub fn probe(program: &str, args: &[&str]) -> Result<String, String> {
    match Command::new(program).args(args).output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("`{program}` is not on the PATH"))
        }
        Err(e) => Err(format!("`{program}` cannot be run ({e})")),
        Ok(out) if !out.status.success() => Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(out) => Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string()),
    }
}

impl Tools {
    pub fn find() -> Tools {
        Tools {
            hledger: probe("hledger", &["--version"]),
            ledger: probe("ledger", &["--version"]),
            bean_check: probe("bean-check", &["--version"]),
            python_beancount: probe(
                "python3",
                &[
                    "-c",
                    "import beancount; print('beancount', beancount.__version__)",
                ],
            ),
        }
    }

    /// Say on standard error which cross-checks run and which are skipped, and why.
    pub fn report(&self, test: &str) {
        for (what, tool) in [
            ("hledger", &self.hledger),
            ("ledger-cli", &self.ledger),
            ("bean-check", &self.bean_check),
            ("beancount balances (Python)", &self.python_beancount),
        ] {
            match tool {
                Ok(version) => eprintln!("{test}: {what} cross-check runs with {version}"),
                Err(why) => eprintln!("{test}: {what} cross-check SKIPPED: {why}"),
            }
        }
    }
}

/// Standard output of a gasledger command that succeeded, or what it said.
pub fn stdout_of(db: &Path, args: &[&str]) -> Result<String, String> {
    let out = super::run_at(db, args);
    if !out.success() {
        return Err(format!(
            "gasledger {} failed: {}{}",
            args.join(" "),
            out.stdout,
            out.stderr
        ));
    }
    Ok(out.stdout)
}

pub fn run(program: &str, args: &[&str]) -> Result<Output, String> {
    Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))
}

/// Standard output of a run that succeeded and wrote nothing to standard error.
pub fn quiet(program: &str, args: &[&str]) -> Result<String, String> {
    let out = run(program, args)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !stderr.trim().is_empty() {
        return Err(format!(
            "`{program} {}` exited with {} and said:\n{}{stderr}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A number as a peer prints it, digit groups and all.
pub fn number(text: &str) -> Result<Decimal, String> {
    let plain: String = text.trim().chars().filter(|c| *c != ',').collect();
    Decimal::from_str(&plain).map_err(|e| format!("not a number: {text:?} ({e})"))
}

pub fn insert(b: &mut Balances, account: &str, code: &str, value: Decimal) -> Result<(), String> {
    if value.is_zero() {
        return Ok(());
    }
    let key = (account.to_string(), code.trim_matches('"').to_string());
    if b.insert(key, value).is_some() {
        return Err(format!("{account} {code} is listed twice"));
    }
    Ok(())
}

/// `account,commodity,balance` CSV, with a header (gasledger's and hledger's).
pub fn from_csv(text: &str) -> Result<Balances, String> {
    let mut b = Balances::new();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    if header != ["account", "commodity", "balance"] {
        return Err(format!("unexpected CSV header {header:?}"));
    }
    for row in reader.records() {
        let row = row.map_err(|e| e.to_string())?;
        insert(&mut b, &row[0], &row[1], number(&row[2])?)?;
    }
    Ok(b)
}

/// `ACCOUNT\tAMOUNT` lines, an amount of several commodities continuing on lines of its own
/// (ledger-cli's `%(account)\t%(scrub(amount))\n`).
pub fn from_ledger(text: &str) -> Result<Balances, String> {
    let mut b = Balances::new();
    let mut account = String::new();
    for line in text.lines() {
        let amount = match line.split_once('\t') {
            Some((a, amount)) => {
                account = a.to_string();
                amount
            }
            None => line,
        };
        let amount = amount.trim();
        if amount.is_empty() || amount == "0" {
            continue;
        }
        let (left, right) = amount
            .split_once(' ')
            .ok_or_else(|| format!("unexpected amount {amount:?} of {account}"))?;
        match number(left) {
            Ok(v) => insert(&mut b, &account, right.trim(), v)?,
            Err(_) => insert(&mut b, &account, left, number(right)?)?,
        }
    }
    Ok(b)
}

/// `ACCOUNT\tCODE\tNUMBER` lines.
pub fn from_tabs(text: &str) -> Result<Balances, String> {
    let mut b = Balances::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('\t').collect();
        let [account, code, value] = cells[..] else {
            return Err(format!("unexpected line {line:?}"));
        };
        insert(&mut b, account, code, number(value)?)?;
    }
    Ok(b)
}

pub fn compare(peer: &str, expected: &Balances, found: &Balances) -> Result<(), String> {
    if expected == found {
        return Ok(());
    }
    let mut lines = vec![format!("{peer} balances differ from `report balances`:")];
    for (k, v) in expected {
        match found.get(k) {
            None => lines.push(format!(
                "  {} {}: {v} in gasledger, absent in {peer}",
                k.0, k.1
            )),
            Some(w) if w != v => lines.push(format!(
                "  {} {}: {v} in gasledger, {w} in {peer}",
                k.0, k.1
            )),
            _ => {}
        }
    }
    for (k, w) in found {
        if !expected.contains_key(k) {
            lines.push(format!(
                "  {} {}: absent in gasledger, {w} in {peer}",
                k.0, k.1
            ));
        }
    }
    Err(lines.join("\n"))
}

/// The three exports of one set of books, and gasledger's own balances of them.
pub struct Exported {
    pub hledger: PathBuf,
    pub ledger: PathBuf,
    pub beancount: PathBuf,
    pub balances: Balances,
}

/// The three exports of one journal, written into `dir`, and gasledger's own balances.
pub fn export_all(dir: &Path, journal: &Path) -> Result<Exported, String> {
    let db = dir.join("db");
    let journal = journal.to_str().ok_or("journal path is not UTF-8")?;
    stdout_of(&db, &["import", journal])?;
    export_books(&db, dir, None)
}

/// The three exports of the store at `db` (of one party's books, or of the whole ledger),
/// written into `dir`, and gasledger's own balances of the same books (`report balances
/// [--party P]`).
pub fn export_books(db: &Path, dir: &Path, party: Option<&str>) -> Result<Exported, String> {
    let mut report = vec!["report", "balances", "--format", "csv"];
    report.extend(party.iter().flat_map(|p| ["--party", *p]));
    let balances = from_csv(&stdout_of(db, &report)?)?;
    let stem = party.map_or("export".to_string(), |p| format!("export-{p}"));
    let path = |ext: &str| dir.join(format!("{stem}.{ext}"));
    for format in ["hledger", "ledger", "beancount"] {
        let out = path(format);
        let out = out.to_str().ok_or("temp path is not UTF-8")?;
        let mut args = vec!["export", "--format", format, "-o", out];
        args.extend(party.iter().flat_map(|p| ["--party", *p]));
        stdout_of(db, &args)?;
    }
    Ok(Exported {
        hledger: path("hledger"),
        ledger: path("ledger"),
        beancount: path("beancount"),
        balances,
    })
}

/// The parties declared in the store at `db` (from `export --format json`).
pub fn parties(db: &Path) -> Result<Vec<String>, String> {
    let json = stdout_of(db, &["export", "--format", "json"])?;
    let doc: serde_json::Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let parties = doc["parties"]
        .as_array()
        .ok_or("no parties in the JSON export")?;
    Ok(parties
        .iter()
        .filter_map(|p| p["code"].as_str())
        .map(str::to_string)
        .collect())
}

/// Every cross-check that its tool allows; the problems found, as text.
pub fn cross_check(tools: &Tools, exported: &Exported) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |result: Result<(), String>| {
        if let Err(e) = result {
            problems.push(e);
        }
    };
    if tools.hledger.is_ok() {
        let file = exported.hledger.to_str().unwrap_or_default();
        check(quiet("hledger", &["-f", file, "check", "-s"]).map(drop));
        check((|| {
            let csv = quiet(
                "hledger",
                &[
                    "-f",
                    file,
                    "bal",
                    "--flat",
                    "--no-total",
                    "-O",
                    "csv",
                    "--layout=bare",
                ],
            )?;
            compare("hledger", &exported.balances, &from_csv(&csv)?)
        })());
    }
    if tools.ledger.is_ok() {
        let file = exported.ledger.to_str().unwrap_or_default();
        check(quiet("ledger", &["--args-only", "-f", file, "bal"]).map(drop));
        check((|| {
            let text = quiet(
                "ledger",
                &[
                    "--args-only",
                    "--pedantic",
                    "-f",
                    file,
                    "bal",
                    "--flat",
                    "--no-total",
                    "--empty",
                    "--format",
                    "%(account)\t%(scrub(amount))\n",
                ],
            )?;
            compare("ledger-cli", &exported.balances, &from_ledger(&text)?)
        })());
    }
    let file = exported.beancount.to_str().unwrap_or_default();
    if tools.bean_check.is_ok() {
        check((|| {
            let out = quiet("bean-check", &[file])?;
            match out.trim().is_empty() {
                true => Ok(()),
                false => Err(format!("bean-check printed:\n{out}")),
            }
        })());
    }
    if tools.python_beancount.is_ok() {
        check((|| {
            let text = quiet("python3", &["-c", BEANCOUNT_BALANCES, file])?;
            compare("beancount", &exported.balances, &from_tabs(&text)?)
        })());
    }
    problems
}
