//! The peer exports against the real tools. Every scenario in `ledgers/` (and a journal of edge
//! cases below) is imported into a fresh store by the real binary and exported as hledger,
//! ledger-cli and beancount files; then, for each tool found on the PATH:
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

mod common;

use common::run_at;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

/// Balances by (account, commodity), non-zero only.
type Balances = BTreeMap<(String, String), Decimal>;

/// Edge cases the scenarios do not reach: a commodity code with a digit and one of scale 0,
/// `@` and `@@` prices, accounts whose beancount names collide, a transaction recorded before
/// an earlier-dated one with assertions that only hold in recorded order, an assertion on an
/// account with a sub-account, an assertion in another commodity than its posting, posting tags
/// that hledger would read as dates, tags that collide once lowercased, quotes and a backslash
/// in a description, and the last day there is.
const EDGE: &str = r#"; Edge cases for the peer exports (not a settlement scenario).
commodity 1000.000 m3       ; kind: volume
commodity 1000 MMBtu        ; kind: energy
commodity 1000.00 USD       ; kind: money

account TM                  ; party: Turkmenistan
account IR                  ; party: Iran
account TM:cash
account TM:cash:usd
account TM:Cash             ; type: liability
account TM:gas_x
account TM:gas-x
account TM:gas x            ; type: asset, floor: -100.00 USD
account IR:swap:tm-ir-az
account IR:equity           ; type: equity

2022-03-01 * Late entry, recorded first   ; id: late, date: not-a-date
    TM:cash                 10.00 USD = 10.00 USD
    IR:equity

2022-02-01 ! (C7) Early entry "quoted" \ back-slash   ; id: early, Point: Sarakhs, point: again, x:
    TM:cash                  5.00 USD = 15.00 USD
    IR:equity

2022-03-01 Same day, unmarked, with prices
    TM:cash:usd              1.00 USD
    TM:cash                  2.000 m3 @ 3.00 USD   ; date: 2022-03-05
    TM:cash                 -1.000 m3 @@ 3.00 USD = 1.000 m3
    IR:equity               -4.00 USD

2022-03-02 * Another commodity posted first   ; id: mixed
    TM:gas-x                 3 MMBtu = 3 MMBtu
    TM:gas-x                -6.00 USD = 3 MMBtu
    TM:gas_x                 6.00 USD = 6.00 USD
    TM:gas x                -3 MMBtu
    TM:Cash                  1.00 USD
    IR:swap:tm-ir-az        -1.00 USD

9999-12-31 * The last day there is   ; id: end
    TM:cash                  1.00 USD = 16.00 USD
    IR:equity

statement 2022-06-30 TM   ; source: a letter
    TM:cash   16.00 USD
"#;

/// Loads a beancount file and prints `ACCOUNT\tCODE\tNUMBER` per non-zero balance, in
/// gasledger's names (from the `name:` and `code:` metadata).
const BEANCOUNT_BALANCES: &str = r#"
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
struct Tools {
    hledger: Result<String, String>,
    ledger: Result<String, String>,
    bean_check: Result<String, String>,
    python_beancount: Result<String, String>,
}

fn probe(program: &str, args: &[&str]) -> Result<String, String> {
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
    fn find() -> Tools {
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
    fn report(&self, test: &str) {
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

fn gasledger(db: &Path, args: &[&str]) -> Result<String, String> {
    let out = run_at(db, args);
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

fn run(program: &str, args: &[&str]) -> Result<Output, String> {
    Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))
}

/// Standard output of a run that succeeded and wrote nothing to standard error.
fn quiet(program: &str, args: &[&str]) -> Result<String, String> {
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
fn number(text: &str) -> Result<Decimal, String> {
    let plain: String = text.trim().chars().filter(|c| *c != ',').collect();
    Decimal::from_str(&plain).map_err(|e| format!("not a number: {text:?} ({e})"))
}

fn insert(b: &mut Balances, account: &str, code: &str, value: Decimal) -> Result<(), String> {
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
fn from_csv(text: &str) -> Result<Balances, String> {
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
fn from_ledger(text: &str) -> Result<Balances, String> {
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
fn from_tabs(text: &str) -> Result<Balances, String> {
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

fn compare(peer: &str, expected: &Balances, found: &Balances) -> Result<(), String> {
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

/// The three exports of one journal, written into `dir`, and gasledger's own balances.
struct Exported {
    hledger: PathBuf,
    ledger: PathBuf,
    beancount: PathBuf,
    balances: Balances,
}

fn export_all(dir: &Path, journal: &Path) -> Result<Exported, String> {
    let db = dir.join("db");
    let journal = journal.to_str().ok_or("journal path is not UTF-8")?;
    gasledger(&db, &["import", journal])?;
    let balances = from_csv(&gasledger(&db, &["report", "balances", "--format", "csv"])?)?;
    let path = |ext: &str| dir.join(format!("export.{ext}"));
    for format in ["hledger", "ledger", "beancount"] {
        let out = path(format);
        let out = out.to_str().ok_or("temp path is not UTF-8")?;
        gasledger(&db, &["export", "--format", format, "-o", out])?;
    }
    Ok(Exported {
        hledger: path("hledger"),
        ledger: path("ledger"),
        beancount: path("beancount"),
        balances,
    })
}

/// Every cross-check that its tool allows; the problems found, as text.
fn cross_check(tools: &Tools, exported: &Exported) -> Vec<String> {
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

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ledgers");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ledger"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_gives_the_same_balances_in_each_peer() {
    let tools = Tools::find();
    tools.report("peers");
    let files = scenarios();
    assert!(!files.is_empty(), "no scenarios in ledgers/");
    let problems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|file| {
                let tools = &tools;
                s.spawn(move || {
                    let name = file.file_name().unwrap_or_default().to_string_lossy();
                    let dir = tempfile::tempdir().expect("temp dir");
                    match export_all(dir.path(), file) {
                        Err(e) => vec![format!("{name}: {e}")],
                        Ok(exported) => cross_check(tools, &exported)
                            .into_iter()
                            .map(|p| format!("{name}: {p}"))
                            .collect(),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scenario thread"))
            .collect()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn edge_cases_give_the_same_balances_in_each_peer() {
    let tools = Tools::find();
    tools.report("peers (edge cases)");
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("edge.journal");
    std::fs::write(&journal, EDGE).expect("write journal");
    let exported = export_all(dir.path(), &journal).unwrap_or_else(|e| panic!("{e}"));
    let problems = cross_check(&tools, &exported);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));

    let read = |p: &Path| std::fs::read_to_string(p).expect("read export");
    let (hledger, ledger, beancount) = (
        read(&exported.hledger),
        read(&exported.ledger),
        read(&exported.beancount),
    );

    // hledger checks assertions in date order: the two recorded out of date order are dropped,
    // the others kept. Codes with digits are quoted, scale 0 has a decimal mark, `date:` on a
    // posting is renamed, statements are comments.
    for expected in [
        "commodity 1000. MMBtu  ; kind: energy\n",
        "commodity 1000.000 \"m3\"  ; kind: volume\n",
        "    TM:cash     10.00 USD\n        ; not exported, balance assertion = 10.00 USD (hledger checks assertions in date order, and in that order this one does not hold)\n",
        "    TM:cash     5.00 USD\n        ; not exported, balance assertion = 15.00 USD",
        "    TM:cash       2.000 \"m3\" @ 3.00 USD  ; gasledger-date: 2022-03-05\n",
        "    TM:cash      -1.000 \"m3\" @@ 3.00 USD = 1.000 \"m3\"\n",
        "    TM:gas-x          -6.00 USD = 3 MMBtu\n",
        "    TM:cash     1.00 USD = 16.00 USD\n",
        "; statement 2022-06-30 TM  ; source: a letter\n;     TM:cash  16.00 USD\n",
    ] {
        assert!(hledger.contains(expected), "hledger export lacks {expected:?}:\n{hledger}");
    }

    // ledger-cli reads in file order, so those are kept; the assertion in MMBtu on a USD
    // posting is not.
    for expected in [
        "commodity \"m3\"\n    ; kind: volume\n    format 1000.000 \"m3\"\n",
        "account TM:gas x\n    ; type: asset\n    ; floor: -100.00 USD\n",
        "tag Point\ntag date\ntag id\ntag point\ntag x\n",
        "2022-02-01 ! (C7) Early entry \"quoted\" \\ back-slash\n    ; id: early\n    ; Point: Sarakhs\n    ; point: again\n    ; x:\n    TM:cash     5.00 USD = 15.00 USD\n",
        "    TM:cash     10.00 USD = 10.00 USD\n",
        "    TM:gas-x          -6.00 USD\n        ; not exported, balance assertion = 3 MMBtu (ledger-cli only accepts an assertion in the commodity of its posting)\n",
        "    TM:gas-x            3 MMBtu = 3 MMBtu\n",
    ] {
        assert!(ledger.contains(expected), "ledger export lacks {expected:?}:\n{ledger}");
    }

    // beancount: injective names, metadata, balance directives the next day only where they
    // hold at the end of the day (sub-accounts included).
    for expected in [
        "2022-02-01 commodity M3\n  code: \"m3\"\n  kind: \"volume\"\n  scale: 3\n",
        "2022-02-01 open Assets:TM:Cash\n  name: \"TM:cash\"\n",
        "2022-03-02 open Liabilities:TM:Cash\n  name: \"TM:Cash\"\n  type: \"liability\"\n",
        "2022-03-02 open Assets:TM:Gas-x\n  name: \"TM:gas x\"\n",
        "2022-03-02 open Assets:TM:Gas-x-2\n  name: \"TM:gas-x\"\n",
        "2022-03-02 open Assets:TM:Gas-x-3\n  name: \"TM:gas_x\"\n",
        "2022-02-01 ! \"Early entry \\\"quoted\\\" \\\\ back-slash\"\n  code: \"C7\"\n  id: \"early\"\n  point: \"Sarakhs\"\n  point-2: \"again\"\n  tag-x: \"\"\n",
        "2022-03-01 txn \"Same day, unmarked, with prices\"\n",
        "  Assets:TM:Cash       2.000 M3 @ 3.00 USD\n    date: \"2022-03-05\"\n",
        "2022-03-02 balance Assets:TM:Cash  1.000 M3\n",
        "2022-03-03 balance Assets:TM:Gas-x-2  3 MMBTU\n",
        "2022-03-03 balance Assets:TM:Gas-x-3  6.00 USD\n",
        "; balance assertion TM:cash = 10.00 USD (after a posting of 2022-03-01) not exported: at the end of 2022-03-01 beancount finds 16.00 USD in Assets:TM:Cash and its sub-accounts\n",
        "; balance assertion TM:cash = 16.00 USD (after a posting of 9999-12-31) not exported: there is no next day to date a balance directive\n",
    ] {
        assert!(beancount.contains(expected), "beancount export lacks {expected:?}:\n{beancount}");
    }
    assert_eq!(
        beancount.matches("balance Assets:TM:Gas-x-2").count(),
        1,
        "two assertions at the same place give one balance directive"
    );
}

#[test]
fn negative_unit_prices_are_refused_where_the_peer_refuses_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("negative.journal");
    std::fs::write(
        &journal,
        "commodity 1000.000 mcm\ncommodity 1000.00 USD\naccount TM\naccount TM:gas\naccount TM:cash\n\n\
         2022-01-01 * Odd price  ; id: odd\n    TM:gas  -5.000 mcm @ -2.00 USD\n    TM:cash\n",
    )
    .expect("write journal");
    let db = dir.path().join("db");
    gasledger(&db, &["import", journal.to_str().expect("utf-8")]).unwrap_or_else(|e| panic!("{e}"));
    gasledger(&db, &["export", "--format", "hledger"]).unwrap_or_else(|e| panic!("{e}"));
    for (format, peer) in [("ledger", "ledger-cli"), ("beancount", "beancount")] {
        let out = dir.path().join(format!("out.{format}"));
        let e = gasledger(
            &db,
            &[
                "export",
                "--format",
                format,
                "-o",
                out.to_str().expect("utf-8"),
            ],
        )
        .expect_err("a negative unit price cannot be exported");
        assert!(
            e.contains(&format!("{peer} refuses negative prices")) && e.contains("transaction odd"),
            "{e}"
        );
        assert!(!out.exists(), "a refused export leaves no file");
    }
}
