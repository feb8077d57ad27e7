//! Postings and amounts: their forms, malformed numbers, what follows an amount.

use super::*;

#[test]
fn posting_forms() {
    let t = one_txn(
        "2022-01-01 x\n\
             \x20   * TM:gas delivered  -1,600.5 mcm\n\
             \tIR:cash\tUSD 20\n\
             \x20   IR:swap  10 mcm @ 300.25 USD\n\
             \x20   IR:swap  -10 mcm @@ 3002.50 USD = 0 mcm ; k: v\n\
             \x20   IR:x  = 5 USD\n\
             \x20   IR:y ; only: a comment\n",
    );
    let p = &t.postings;
    assert_eq!(p[0].account, "TM:gas delivered");
    assert_eq!(p[0].amount, Some(amt("-1600.5", "mcm")));
    assert_eq!(p[1].account, "IR:cash");
    assert_eq!(p[1].amount, Some(amt("20", "USD")));
    assert_eq!(p[2].price, Some(Price::Unit(amt("300.25", "USD"))));
    assert_eq!(p[3].price, Some(Price::Total(amt("3002.5", "USD"))));
    assert_eq!(p[3].assertion, Some(amt("0", "mcm")));
    assert_eq!(p[3].tags, vec![("k".into(), "v".into())]);
    assert_eq!(p[4].amount, None);
    assert_eq!(p[4].assertion, Some(amt("5", "USD")));
    assert_eq!(p[5].account, "IR:y");
    assert_eq!(p[5].amount, None);
    assert_eq!(p[5].tags, vec![("only".into(), "a comment".into())]);
}

#[test]
fn malformed_number() {
    let e = error("2022-01-31 x\n    A:b  1 mcm\n    A:c  16O mcm\n");
    assert_eq!(
        e,
        "t.ledger:3:10: expected an amount like \"160 mcm\", found \"16O mcm\""
    );
    let e = error("2022-01-31 x\n    A:b  1.2.3 USD\n");
    assert!(
        e.starts_with("t.ledger:2:10: expected an amount like"),
        "{e}"
    );
    let e = error("2022-01-31 x\n    A:b  160\n");
    assert!(e.starts_with("t.ledger:2:10: expected an amount like \"160 mcm\" (a number and a commodity code), found \"160\""), "{e}");
    let e = error("2022-01-31 x\n    A:b  160 m$\n");
    assert!(
        e.starts_with("t.ledger:2:14: expected a commodity code"),
        "{e}"
    );
    let e = error("2022-01-31 x\n    A:b  79228162514264337593543950336 USD\n");
    assert!(
        e.starts_with("t.ledger:2:10: number \"79228162514264337593543950336\" has more digits"),
        "{e}"
    );
    let e = error("2022-01-31 x\n    A:b  1 mcm @\n");
    assert!(
        e.starts_with("t.ledger:2:17: expected an amount like \"160 mcm\", found nothing"),
        "{e}"
    );
    let e = error("2022-01-31 x\n    A:b  @ 5 USD\n");
    assert!(
        e.starts_with("t.ledger:2:10: expected an amount like \"160 mcm\" before the price"),
        "{e}"
    );
    let e = error("2022-01-31 x\n    A:b  5 USD == 5 USD\n");
    assert!(
        e.starts_with("t.ledger:2:16: unsupported balance assertion"),
        "{e}"
    );
}

#[test]
fn trailing_garbage_after_an_amount() {
    let e = error("2022-01-31 x\n    A:b  160 mcm extra words\n");
    assert_eq!(
        e,
        "t.ledger:2:18: unexpected \"extra words\" after the amount \"160 mcm\""
    );
    let e = error("2022-01-31 x\n    A:b  1 mcm @ 2 USD x\n");
    assert!(
        e.starts_with("t.ledger:2:24: unexpected \"x\" after the amount \"2 USD\""),
        "{e}"
    );
}

#[test]
fn virtual_postings_refused() {
    let e = error("2022-01-01 x\n    (A:b)  1 USD\n");
    assert!(
        e.starts_with("t.ledger:2:5: virtual postings like (A:b) are not supported"),
        "{e}"
    );
}
