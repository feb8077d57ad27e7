//! `reconcile` and `statement add` through the real binary: a clean ledger passes every check;
//! each planted discrepancy is reported by its check, with the right subject and the exact
//! difference, and nothing else; a store altered behind the ledger's back fails `verify` and
//! `reconcile` (tamper evidence).

mod common;

use common::Ledger;
use gasledger::store::codec::{Dec, Enc};
use gasledger::store::record::{block_entries, chain_hash, decode_txn, encode_txn, BlockBuf};
use serde_json::Value;

/// A ledger with Iran's debt to Turkmenistan recorded on both sides.
fn debt_ledger() -> Ledger {
    let l = Ledger::new();
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

/// reconcile --format json: the exit code and the checks that do not hold.
fn discrepancies(l: &Ledger) -> (Option<i32>, Vec<Value>) {
    let o = l.run(&["reconcile", "--format", "json"]);
    let doc: Value = serde_json::from_str(&o.stdout).expect("reconcile prints JSON");
    let bad: Vec<Value> = doc["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "ok")
        .cloned()
        .collect();
    assert_eq!(doc["ok"], bad.is_empty());
    (o.code, bad)
}

#[test]
fn clean_ledger_passes_every_check() {
    let l = debt_ledger();
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
    let (code, bad) = discrepancies(&l);
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
    let l = debt_ledger();
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
    let (code, bad) = discrepancies(&l);
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
    let l = debt_ledger();
    l.ok(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IR 1850000000 USD",
    ]);
    let (code, bad) = discrepancies(&l);
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
    let l = debt_ledger();
    l.ok(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2016-12-31",
        "--claim",
        "TM:receivable:IR 0 USD",
    ]);
    let (code, bad) = discrepancies(&l);
    assert_eq!(code, Some(0), "{bad:?}");
}

#[test]
fn two_statements_that_disagree_with_each_other_and_the_books() {
    let l = debt_ledger();
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
    let (code, bad) = discrepancies(&l);
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
    let l = debt_ledger();
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
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("did you mean TM:receivable:IR?"));
    let o = l.run(&[
        "statement",
        "add",
        "XX",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IR 1 USD",
    ]);
    assert_eq!(o.code, Some(2));
    let o = l.run(&[
        "statement",
        "add",
        "TM",
        "--date",
        "2020-12-31",
        "--claim",
        "TM:receivable:IR 1.001 USD",
    ]);
    assert_eq!(o.code, Some(2));
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
    let l = debt_ledger();
    rewrite_first_transaction(&l.db(), |t| {
        let p = t
            .postings
            .iter_mut()
            .find(|p| p.assertion.is_some())
            .expect("assertion");
        let (c, v) = p.assertion.expect("assertion");
        p.assertion = Some((c, v - rust_decimal::Decimal::from(1000)));
    });
    let (code, bad) = discrepancies(&l);
    assert_eq!(code, Some(1));
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["check"], "balance-assertion");
    assert_eq!(bad[0]["expected"], "-1800001000.00");
    assert_eq!(bad[0]["actual"], "-1800000000.00");
    assert_eq!(bad[0]["difference"], "1000.00");
}

#[test]
fn an_unbalanced_transaction_rewritten_behind_the_ledger_is_found() {
    let l = debt_ledger();
    rewrite_first_transaction(&l.db(), |t| {
        t.postings[0].value += rust_decimal::Decimal::from(7);
    });
    let (code, bad) = discrepancies(&l);
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
    assert_eq!(l.run(&["verify"]).code, Some(1));
}

#[test]
fn a_flipped_byte_fails_verify_and_reconcile() {
    let l = debt_ledger();
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
    assert_eq!(v.code, Some(1));
    assert!(v.stdout.contains("hash link broken"));
    let (code, bad) = discrepancies(&l);
    assert_eq!(code, Some(1));
    assert!(
        bad.iter().any(|c| c["check"] == "journal-integrity"),
        "{bad:?}"
    );
}
