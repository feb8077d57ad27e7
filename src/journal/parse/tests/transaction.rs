//! Transactions: headers, tags, ids, dates, the number of postings.

use super::*;

#[test]
fn header_forms() {
    let t = one_txn("2022/1/5 ! (INV-7) Pay: Iraq ; note: x\n");
    assert_eq!(t.date.to_string(), "2022-01-05");
    assert_eq!(t.status, Status::Pending);
    assert_eq!(t.code.as_deref(), Some("INV-7"));
    assert_eq!(t.description, "Pay: Iraq");
    assert_eq!(t.tags, vec![("note".into(), "x".into())]);
    let t = one_txn("2022.01.05\n");
    assert_eq!(t.status, Status::Unmarked);
    assert_eq!(t.description, "");
    assert_eq!(t.code, None);
    let t = one_txn("2022-01-05 *()  ; id: a\n");
    assert_eq!(t.code.as_deref(), Some(""));
    assert_eq!(t.id.as_deref(), Some("a"));
}

#[test]
fn tag_syntax() {
    let found: Vec<_> =
        tags(" free text key: v1, other: a b: c, no tag here, empty:, x:y").collect();
    assert_eq!(
        found,
        vec![
            ("key", "v1"),
            ("other", "a b: c"),
            ("empty", ""),
            ("x", "y")
        ]
    );
    assert_eq!(tags(" : nothing, a :b").count(), 0);
    // The id comes from the header or from a comment line before the first posting.
    let t = one_txn("2022-01-01 x\n    ; id: abc, k: v\n    A:b  1 USD\n");
    assert_eq!(t.id.as_deref(), Some("abc"));
    assert_eq!(t.tags, vec![("k".into(), "v".into())]);
    // An id on a posting is a posting tag.
    let t = one_txn("2022-01-01 x\n    A:b  1 USD  ; id: p\n");
    assert_eq!(t.id, None);
    assert_eq!(t.postings[0].tags, vec![("id".into(), "p".into())]);
}

#[test]
fn second_id_refused() {
    let e = error("2022-01-01 x  ; id: a\n    ; id: b\n");
    assert!(e.starts_with("t.ledger:2:7: found a second id: tag"), "{e}");
}

#[test]
fn bad_dates() {
    let e = error("2022-02-30 x\n");
    assert_eq!(
        e,
        "t.ledger:1:1: 2022-02-30 is not a date: month 2 of 2022 has 28 days"
    );
    let e = error("\n2022-0x-01 x\n");
    assert_eq!(
        e,
        "t.ledger:2:1: expected a date like 2022-01-31, found \"2022-0x-01\""
    );
    let e = error("2022-01-01=2022-01-02 x\n");
    assert!(
        e.starts_with("t.ledger:1:1: expected a date like 2022-01-31"),
        "{e}"
    );
}

#[test]
fn code_needs_its_parenthesis() {
    let e = error("2022-01-01 * (abc desc\n");
    assert!(
        e.starts_with("t.ledger:1:14: expected ')' closing the transaction code"),
        "{e}"
    );
}

#[test]
fn too_many_postings() {
    let mut text = String::from("2022-01-01 x\n");
    for _ in 0..=limits::POSTINGS_MAX {
        text.push_str("    A:b  1 USD\n");
    }
    let e = error(&text);
    assert!(
        e.starts_with(&format!(
            "t.ledger:{}:5: a transaction may have at most",
            limits::POSTINGS_MAX + 2
        )),
        "{e}"
    );
}
