//! `reconcile` and `statement add` through the real binary: a clean ledger passes every check;
//! each planted discrepancy is reported by its check, with the right subject and the exact
//! difference, and nothing else; a store altered behind the ledger's back fails `verify` and
//! `reconcile` (tamper evidence).

use gasledger::store::codec::{Dec, Enc};
use gasledger::store::record::{block_entries, chain_hash, decode_txn, encode_txn, BlockBuf};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

struct Ledger {
    dir: tempfile::TempDir,
}

impl Ledger {
    /// A ledger with Iran's debt to Turkmenistan recorded on both sides.
    fn new() -> Ledger {
        let l = Ledger {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        for args in [
            &["commodity", "add", "USD", "--kind", "money", "--scale", "2"][..],
            &["party", "add", "TM", "--name", "Turkmenistan"],
            &["party", "add", "IR", "--name", "Iran"],
            &["account", "add", "TM:receivable:IR", "--type", "asset"],
            &["account", "add", "TM:revenue:gas", "--type", "revenue"],
            &["account", "add", "IR:payable:TM", "--type", "liability"],
            &["account", "add", "IR:expense:gas", "--type", "expense"],
            &[
                "record",
                "--date",
                "2017-01-01",
                "--desc",
                "Iran's debt for gas",
                "--post",
                "TM:receivable:IR 1800000000 USD",
                "--post",
                "TM:revenue:gas -1800000000 USD",
                "--post",
                "IR:expense:gas 1800000000 USD",
                "--post",
                "IR:payable:TM -1800000000 USD = -1800000000 USD",
            ],
        ] {
            l.ok(args);
        }
        l
    }
    fn db(&self) -> PathBuf {
        self.dir.path().join("db")
    }
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_gasledger"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .env_remove("GASLEDGER_DB")
            .output()
            .expect("run gasledger")
    }
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    /// reconcile --format json: the exit code and the checks that do not hold.
    fn discrepancies(&self) -> (Option<i32>, Vec<Value>) {
        let o = self.run(&["reconcile", "--format", "json"]);
        let doc: Value = serde_json::from_slice(&o.stdout).expect("reconcile prints JSON");
        let bad: Vec<Value> = doc["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| c["status"] != "ok")
            .cloned()
            .collect();
        assert_eq!(doc["ok"], bad.is_empty());
        (o.status.code(), bad)
    }
}

#[test]
fn clean_ledger_passes_every_check() {
    let l = Ledger::new();
    l.ok(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IR 1800000000 USD",
        "--source",
        "Turkmengaz letter",
    ]);
    l.ok(&[
        "statement",
        "add",
        "IR",
        "--date",
        "2020-12-31",
        "--claim",
        "IR:payable:TM -1800000000 USD",
    ]);
    let (code, bad) = l.discrepancies();
    assert_eq!(code, Some(0));
    assert!(bad.is_empty(), "{bad:?}");
    let table = l.ok(&["reconcile"]);
    assert!(
        table.contains("checks, 0 mismatches: the books agree"),
        "{table}"
    );
    for check in [
        "transaction-balance",
        "journal-integrity",
        "balance-assertion",
        "mirrored-obligation",
        "statement",
        "statement-pair",
    ] {
        assert!(table.contains(check), "{check} missing from:\n{table}");
    }
}

#[test]
fn a_one_sided_obligation_breaks_the_mirror() {
    let l = Ledger::new();
    // Interest booked by Turkmenistan only: Iran's payable does not move.
    l.ok(&[
        "record",
        "--date",
        "2022-01-01",
        "--desc",
        "interest, creditor side only",
        "--post",
        "TM:receivable:IR 5000000.00 USD",
        "--post",
        "TM:revenue:gas",
    ]);
    let (code, bad) = l.discrepancies();
    assert_eq!(code, Some(1));
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["check"], "mirrored-obligation");
    assert_eq!(bad[0]["subject"], "TM:receivable:IR + IR:payable:TM (USD)");
    assert_eq!(bad[0]["expected"], "1800000000.00");
    assert_eq!(bad[0]["actual"], "1805000000.00");
    assert_eq!(bad[0]["difference"], "5000000.00");
}

#[test]
fn a_statement_that_disagrees_with_the_books() {
    let l = Ledger::new();
    l.ok(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IR 1850000000 USD",
    ]);
    let (code, bad) = l.discrepancies();
    assert_eq!(code, Some(1));
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["check"], "statement");
    assert_eq!(
        bad[0]["subject"],
        "TM:receivable:IR claimed by TM at 2020-12-31"
    );
    assert_eq!(bad[0]["expected"], "1800000000.00");
    assert_eq!(bad[0]["actual"], "1850000000.00");
    assert_eq!(bad[0]["difference"], "50000000.00");
}

#[test]
fn a_statement_before_the_debt_is_checked_against_the_books_at_its_date() {
    let l = Ledger::new();
    l.ok(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2016-12-31",
        "--claim",
        "TM:receivable:IR 0 USD",
    ]);
    let (code, bad) = l.discrepancies();
    assert_eq!(code, Some(0), "{bad:?}");
}

#[test]
fn two_statements_that_disagree_with_each_other_and_the_books() {
    let l = Ledger::new();
    l.ok(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IR 1900000000 USD",
    ]);
    l.ok(&[
        "statement",
        "add",
        "IR",
        "--date",
        "2020-12-31",
        "--claim",
        "IR:payable:TM -1700000000 USD",
    ]);
    let (code, bad) = l.discrepancies();
    assert_eq!(code, Some(1));
    let find = |check: &str, subject: &str| {
        bad.iter()
            .find(|c| {
                c["check"] == check
                    && c["subject"]
                        .as_str()
                        .is_some_and(|s| s.starts_with(subject))
            })
            .unwrap_or_else(|| panic!("{check} {subject} not in {bad:?}"))
            .clone()
    };
    assert_eq!(bad.len(), 3, "{bad:?}");
    assert_eq!(
        find("statement", "TM:receivable:IR")["difference"],
        "100000000.00"
    );
    assert_eq!(
        find("statement", "IR:payable:TM")["difference"],
        "100000000.00"
    );
    let pair = find(
        "statement-pair",
        "TM:receivable:IR (TM) vs IR:payable:TM (IR)",
    );
    assert_eq!(pair["difference"], "200000000.00");
}

#[test]
fn statements_are_validated_and_change_no_balance() {
    let l = Ledger::new();
    let before = l.ok(&["report", "balances", "--format", "csv"]);
    let o = l.run(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IRR 1 USD",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean TM:receivable:IR?"));
    let o = l.run(&[
        "statement",
        "add",
        "XX",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IR 1 USD",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = l.run(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IR 1.001 USD",
    ]);
    assert_eq!(o.status.code(), Some(2));
    l.ok(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IR 1 USD",
    ]);
    assert_eq!(l.ok(&["report", "balances", "--format", "csv"]), before);
    // Statements are exported and come back.
    let journal = l.ok(&["export"]);
    assert!(journal.contains("statement 2020-12-31 TM"), "{journal}");
}

/// Rewrite the first block with `edit` applied to its first transaction, recompute the chain
/// hashes and the head's, as someone who knows the format could: the data then looks intact to
/// everything but the check that compares it with the rest.
fn rewrite_first_transaction(
    db: &std::path::Path,
    edit: impl Fn(&mut gasledger::store::record::RawTxn),
) {
    let sled = sled::open(db).expect("open sled");
    let mut key = vec![b'B'];
    key.extend_from_slice(&0u64.to_be_bytes());
    let value = sled.get(&key).expect("get").expect("block 0");
    let entries = block_entries(&value).expect("entries");
    let mut block = BlockBuf::default();
    let mut prev = [0u8; 32];
    for (i, (content, _)) in entries.iter().enumerate() {
        let mut raw = decode_txn(&mut Dec::new(content)).expect("decode");
        if i == 0 {
            edit(&mut raw);
        }
        let mut e = Enc::default();
        encode_txn(&mut e, &raw);
        let hash = chain_hash(&prev, &e.buf);
        block.push(&e.buf, &hash);
        prev = hash;
    }
    sled.insert(&key, block.to_value()).expect("insert");
    // The head: version byte, varint count (< 128 here), then the last chain hash.
    let mut head = sled.get(b"h").expect("get").expect("head").to_vec();
    assert!(head[1] < 0x80);
    head[2..34].copy_from_slice(&prev);
    sled.insert(b"h", head).expect("insert head");
    sled.flush().expect("flush");
    // And the anchor kept beside the store, which records the last hash too.
    let anchor = db.join("gasledger.head");
    let text = std::fs::read_to_string(&anchor).expect("anchor");
    let hex: String = prev.iter().map(|b| format!("{b:02x}")).collect();
    let (front, _) = text.rsplit_once("hash=").expect("hash field");
    std::fs::write(&anchor, format!("{front}hash={hex}\n")).expect("write anchor");
}

#[test]
fn an_assertion_rewritten_behind_the_ledger_is_found() {
    let l = Ledger::new();
    rewrite_first_transaction(&l.db(), |t| {
        let p = t
            .postings
            .iter_mut()
            .find(|p| p.assertion.is_some())
            .expect("assertion");
        let (c, v) = p.assertion.expect("assertion");
        p.assertion = Some((c, v - rust_decimal::Decimal::from(1000)));
    });
    let (code, bad) = l.discrepancies();
    assert_eq!(code, Some(1));
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["check"], "balance-assertion");
    assert_eq!(bad[0]["expected"], "-1800001000.00");
    assert_eq!(bad[0]["actual"], "-1800000000.00");
    assert_eq!(bad[0]["difference"], "1000.00");
}

#[test]
fn an_unbalanced_transaction_rewritten_behind_the_ledger_is_found() {
    let l = Ledger::new();
    rewrite_first_transaction(&l.db(), |t| {
        t.postings[0].value += rust_decimal::Decimal::from(7);
    });
    let (code, bad) = l.discrepancies();
    assert_eq!(code, Some(1));
    assert!(
        bad.iter().any(|c| c["check"] == "transaction-balance"
            && c["subject"]
                .as_str()
                .is_some_and(|s| s.contains("off by 7"))),
        "{bad:?}"
    );
    // The stored running balance no longer equals the replayed one.
    assert!(
        bad.iter().any(|c| c["check"] == "journal-integrity"),
        "{bad:?}"
    );
    assert_eq!(l.run(&["verify"]).status.code(), Some(1));
}

#[test]
fn a_flipped_byte_fails_verify_and_reconcile() {
    let l = Ledger::new();
    {
        let sled = sled::open(l.db()).expect("open sled");
        let mut key = vec![b'B'];
        key.extend_from_slice(&0u64.to_be_bytes());
        let mut value = sled.get(&key).expect("get").expect("block").to_vec();
        // A byte inside the first transaction's description.
        let at = value
            .windows(4)
            .position(|w| w == b"Iran")
            .expect("description");
        value[at] = b'J';
        sled.insert(&key, value).expect("insert");
        sled.flush().expect("flush");
    }
    let v = l.run(&["verify"]);
    assert_eq!(v.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&v.stdout).contains("hash link broken"));
    let (code, bad) = l.discrepancies();
    assert_eq!(code, Some(1));
    assert!(
        bad.iter().any(|c| c["check"] == "journal-integrity"),
        "{bad:?}"
    );
}
