//! Lines and blocks: comments, blank lines, line endings, encodings, long lines, locations.

use super::*;

const SPEC_EXAMPLE: &str = "\
; comment lines start with ; or #
commodity 1000.000 mcm        ; kind: volume
commodity 1000.00 USD         ; kind: money

account TM                    ; party: Turkmenistan
account TM:gas:delivered
account IR                    ; party: Iran
account IR:swap:tm-ir-az      ; type: liability

2022-01-31 * Sarakhs entry, January   ; id: swap-2022-01-entry, agreement: tm-ir-az, leg: entry
    IR:swap:tm-ir-az        160.000 mcm
    TM:gas:delivered       -160.000 mcm = -160.000 mcm
";

#[test]
fn the_spec_example() {
    let ds = parse_str("t.ledger", SPEC_EXAMPLE).unwrap();
    assert_eq!(ds.len(), 7);
    assert_eq!(
        ds[0].item,
        Directive::Commodity(Commodity {
            code: "mcm".into(),
            kind: Kind::Volume,
            scale: 3
        })
    );
    assert_eq!(ds[0].at.line, 2);
    assert_eq!(
        ds[2].item,
        Directive::Party(Party {
            code: "TM".into(),
            name: Some("Turkmenistan".into())
        })
    );
    assert_eq!(
        ds[5].item,
        Directive::Account(Account {
            name: "IR:swap:tm-ir-az".into(),
            kind: Some(AccountType::Liability),
            floor: None
        })
    );
    let Directive::Transaction(t) = &ds[6].item else {
        panic!()
    };
    assert_eq!(ds[6].at.line, 10);
    assert_eq!(ds[6].at.column, 1);
    assert_eq!(&*ds[6].at.file, "t.ledger");
    assert_eq!(t.date, Date::from_str("2022-01-31").unwrap());
    assert_eq!(t.status, Status::Cleared);
    assert_eq!(t.description, "Sarakhs entry, January");
    assert_eq!(t.id.as_deref(), Some("swap-2022-01-entry"));
    assert_eq!(
        t.tags,
        vec![
            ("agreement".to_string(), "tm-ir-az".to_string()),
            ("leg".to_string(), "entry".to_string())
        ]
    );
    assert_eq!(t.postings.len(), 2);
    assert_eq!(t.postings[0].account, "IR:swap:tm-ir-az");
    assert_eq!(t.postings[0].amount, Some(amt("160", "mcm")));
    assert_eq!(t.postings[1].amount, Some(amt("-160", "mcm")));
    assert_eq!(t.postings[1].assertion, Some(amt("-160", "mcm")));
}

#[test]
fn comments_and_blank_lines() {
    let text = "; semicolon\n# hash\n* star\n% percent\n\n   \n  ; indented comment\n\
                    comment\nanything at all: 2022-99-99\nend comment\n\
                    2022-01-01 x\n    ; txn: tag\n    A:b  1 USD\n    ; on: posting\n    # also: posting\n    A:c\n\
                    ; closes the transaction\n";
    let t = one_txn(text);
    assert_eq!(t.tags, vec![("txn".into(), "tag".into())]);
    assert_eq!(
        t.postings[0].tags,
        vec![
            ("on".to_string(), "posting".to_string()),
            ("also".to_string(), "posting".to_string())
        ]
    );
    assert_eq!(t.postings[1].amount, None);
}

#[test]
fn posting_outside_a_transaction() {
    let e = error("account TM\n\n    TM:a  1 USD\n");
    assert_eq!(
        e,
        "t.ledger:3:5: found an indented line outside any transaction (a blank line ends the \
             transaction or directive above it): expected a date or a directive in column 1, or a comment"
    );
    let e = error("  TM:a  1 USD\n");
    assert!(
        e.starts_with("t.ledger:1:3: found an indented line outside any transaction:"),
        "{e}"
    );
    let e = error("2022-01-01 x\n    A:b  1 USD\n; comment\n    A:c\n");
    assert!(e.starts_with("t.ledger:4:5: found an indented line"), "{e}");
}

#[test]
fn transactions_end_at_the_next_line_in_column_1() {
    let ds =
        parse("2022-01-01 a\n    A:b  1 USD\n2022-01-02 b\n    A:c  2 USD\nagreement x\n    k v\n");
    assert_eq!(ds.len(), 3);
    assert!(
        matches!(&ds[0], Directive::Transaction(t) if t.description == "a" && t.postings.len() == 1)
    );
    assert!(
        matches!(&ds[1], Directive::Transaction(t) if t.description == "b" && t.postings.len() == 1)
    );
    assert!(matches!(&ds[2], Directive::Agreement(_)));
}

#[test]
fn locations_of_directives() {
    let ds = parse_str(
        "x/y.ledger",
        "; c\n\naccount TM\n2022-01-01 a\n    TM:a  1 USD\n\nagreement x\n",
    )
    .unwrap();
    let at: Vec<_> = ds.iter().map(|d| d.at.to_string()).collect();
    assert_eq!(at, ["x/y.ledger:3:1", "x/y.ledger:4:1", "x/y.ledger:7:1"]);
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let mut bytes = b"; ok\n2022-01-01 caf".to_vec();
    bytes.extend_from_slice(&[0xC3, 0xA9, b' ', 0xFF, b'\n']);
    let e = Parser::new("t.ledger", &bytes[..])
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Encoding);
    assert_eq!(
        e.to_string(),
        "t.ledger:2:17: invalid UTF-8 (byte 0xff): expected UTF-8 text"
    );
}

#[test]
fn long_lines_refused() {
    let ok = format!("; {}\n", "x".repeat(LINE_LEN_MAX - 2));
    assert!(parse_str("t.ledger", &ok).unwrap().is_empty());
    let ok_crlf = format!("; {}\r\n", "x".repeat(LINE_LEN_MAX - 2));
    assert!(parse_str("t.ledger", &ok_crlf).unwrap().is_empty());
    let long = format!("; ok\n; {}\n", "x".repeat(LINE_LEN_MAX - 1));
    assert_eq!(
        error(&long),
        "t.ledger:2:1: line is longer than 65536 bytes"
    );
    let long_at_eof = format!("; {}", "x".repeat(LINE_LEN_MAX * 3));
    assert_eq!(
        error(&long_at_eof),
        "t.ledger:1:1: line is longer than 65536 bytes"
    );
}

#[test]
fn crlf_and_bom() {
    let t = one_txn("\u{feff}2022-01-01 * x  ; id: a\r\n    A:b  1 USD\r\n    A:c\r\n");
    assert_eq!(t.id.as_deref(), Some("a"));
    assert_eq!(t.postings[0].amount, Some(amt("1", "USD")));
    assert_eq!(t.postings[1].account, "A:c");
}

#[test]
fn parser_stops_after_an_error() {
    let mut p = Parser::new(
        "t.ledger",
        &b"2022-01-01 a\n    A:b  1 USD\nbogus\n2022-01-02 b\n"[..],
    );
    assert!(p.next().unwrap().is_ok());
    assert!(p.next().unwrap().is_err());
    assert!(p.next().is_none());
}
