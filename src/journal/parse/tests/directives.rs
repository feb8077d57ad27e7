//! Directives: unknown and unsupported ones; commodities, accounts and parties, agreements,
//! statements.

use super::*;

#[test]
fn unknown_and_unsupported_directives() {
    let e = error("acount TM\n");
    assert_eq!(
        e,
        "t.ledger:1:1: unknown directive \"acount\": expected a transaction date, a comment \
             (;, #, *) or one of the directives commodity, account, agreement, statement, P or include"
    );
    for d in [
        "alias a=b",
        "payee X",
        "tag",
        "tag two words",
        "decimal-mark ,",
        "Y 2022",
        "D 1.00 USD",
        "~ monthly",
        "= expr",
    ] {
        let e = error(&format!("{d}\n"));
        assert!(
            e.starts_with("t.ledger:1:1: hledger's") && e.contains("is not supported"),
            "{e}"
        );
    }
}

#[test]
fn price_directives_are_fixings() {
    let ds = parse(
        "P 2022-09-30 EUR 1.0566 USD\nP 2022/10/03 EUR USD 1.05660  ; ECB\n    ; a comment\n",
    );
    let f = |date: &str, rate: &str| {
        Directive::Price(Fixing {
            date: Date::from_str(date).unwrap(),
            commodity: "EUR".into(),
            rate: amt(rate, "USD"),
        })
    };
    assert_eq!(
        ds,
        vec![f("2022-09-30", "1.0566"), f("2022-10-03", "1.05660")]
    );
    for (text, needle) in [
        ("P\n", "t.ledger:1:2: expected \"P DATE COMMODITY RATE\""),
        (
            "P 2022-09-31 EUR 1 USD\n",
            "t.ledger:1:3: 2022-09-31 is not a date",
        ),
        ("P 2022-09-30\n", "the commodity is missing"),
        (
            "P 2022-09-30 10:00 EUR 1 USD\n",
            "a time of day is not kept",
        ),
        ("P 2022-09-30 EUR\n", "t.ledger:1:17: expected an amount"),
        (
            "P 2022-09-30 EUR 1 USD x\n",
            "unexpected \"x\" after the amount",
        ),
        (
            "P 2022-09-30 EUR 1 USD\n    EUR 2 USD\n",
            "under the P directive",
        ),
    ] {
        let e = error(text);
        assert!(e.contains(needle), "{text:?}: {e}");
    }
}

#[test]
fn commodity_forms() {
    let ds = parse(
        "commodity 1,000.000 mcm\ncommodity USD 1000.00\ncommodity MMBtu 1\n\
             commodity 1000 EUR ; kind: energy\ncommodity bcm\n    ; kind: money\n    format 1.0 bcm\n",
    );
    let c = |code: &str, kind, scale| {
        Directive::Commodity(Commodity {
            code: code.into(),
            kind,
            scale,
        })
    };
    assert_eq!(
        ds,
        vec![
            c("mcm", Kind::Volume, 3),
            c("USD", Kind::Money, 2),
            c("MMBtu", Kind::Energy, 0),
            c("EUR", Kind::Energy, 0),
            c("bcm", Kind::Money, 1),
        ]
    );
}

#[test]
fn a_commodity_sample_may_end_in_its_decimal_mark() {
    assert_eq!(
        parse("commodity 1000. GJ\n"),
        vec![Directive::Commodity(Commodity {
            code: "GJ".into(),
            kind: Kind::Energy,
            scale: 0
        })]
    );
    assert!(error("commodity 1000.. GJ\n").contains("1000.. GJ"));
}

#[test]
fn commodity_errors() {
    assert_eq!(
        error("commodity mcm\n"),
        "t.ledger:1:1: commodity mcm has no sample amount: expected \"commodity 1000.000 mcm\" \
             or an indented \"format 1000.000 mcm\" line"
    );
    let e = error("commodity mcm\n    format 1.00 USD\n");
    assert!(
        e.starts_with("t.ledger:2:12: expected a sample amount in mcm"),
        "{e}"
    );
    let e = error("commodity 1.0 mcm ; kind: liquid\n");
    assert!(
        e.starts_with("t.ledger:1:27: unknown commodity kind \"liquid\""),
        "{e}"
    );
    let e = error("commodity mcm\n    precision 3\n");
    assert!(
        e.starts_with("t.ledger:2:5: expected \"format 1000.000 mcm\""),
        "{e}"
    );
}

#[test]
fn accounts_and_parties() {
    let ds = parse(
        "account TM  ; party: Turkmenistan\naccount IQ\n\
             account TM:receivable:IR  ; type: asset, floor: 0.00 USD\n\
             account IR:swap tm ir\n    ; type: L\n",
    );
    assert_eq!(
        ds,
        vec![
            Directive::Party(Party {
                code: "TM".into(),
                name: Some("Turkmenistan".into())
            }),
            Directive::Party(Party {
                code: "IQ".into(),
                name: None
            }),
            Directive::Account(Account {
                name: "TM:receivable:IR".into(),
                kind: Some(AccountType::Asset),
                floor: Some(amt("0", "USD"))
            }),
            Directive::Account(Account {
                name: "IR:swap tm ir".into(),
                kind: Some(AccountType::Liability),
                floor: None
            }),
        ]
    );
    let e = error("account TM:x  ; type: assets-ish\n");
    assert!(e.starts_with("t.ledger:1:23: unknown account type"), "{e}");
    let e = error("account TM:x  ; floor: lots\n");
    assert!(e.starts_with("t.ledger:1:24: expected an amount"), "{e}");
    let e = error("account TM  ; type: asset\n");
    assert!(
        e.starts_with("t.ledger:1:15: party TM cannot have a type: tag"),
        "{e}"
    );
    let e = error("account TM:x  extra\n");
    assert!(e.starts_with("t.ledger:1:15: unexpected \"extra\""), "{e}");
    let e = error("account TM:x\n    type asset\n");
    assert!(e.starts_with("t.ledger:2:5: expected a comment"), "{e}");
}

#[test]
fn agreements() {
    let ds = parse(
        "agreement tm-ir-az  ; the swap\n    kind       swap\n    exit       Astara, Nakhchivan\n\
             \x20   entry      Other ; a comment\n    ; a comment line\n    flag\n",
    );
    assert_eq!(
        ds,
        vec![Directive::Agreement(Agreement {
            name: "tm-ir-az".into(),
            fields: vec![
                ("kind".into(), "swap".into()),
                ("exit".into(), "Astara, Nakhchivan".into()),
                ("entry".into(), "Other".into()),
                ("flag".into(), "".into()),
            ]
        })]
    );
    let e = error("agreement\n");
    assert!(
        e.starts_with("t.ledger:1:10: expected an agreement name"),
        "{e}"
    );
    // A field is named by a plain word and given once; the error names its line.
    let e = error("agreement a\n    kind: swap\n");
    assert!(
        e.starts_with("t.ledger:2:5: agreement a: field name \"kind:\" is not a plain word"),
        "{e}"
    );
    let e = error("agreement a\n    kind  swap\n    exit  X\n    exit  Y\n");
    assert!(
        e.starts_with("t.ledger:4:5: agreement a: field exit is given twice"),
        "{e}"
    );
}

#[test]
fn statements() {
    let ds = parse(
        "statement 2022-06-30 TM       ; id: tm-2022-06, source: Turkmengaz letter\n\
             \x20   TM:receivable:IR   1,800,000,000.00 USD\n    IQ:payable:TM  USD -1600000000\n",
    );
    assert_eq!(
        ds,
        vec![Directive::Statement(Statement {
            date: Date::from_str("2022-06-30").unwrap(),
            party: "TM".into(),
            id: Some("tm-2022-06".into()),
            source: Some("Turkmengaz letter".into()),
            claims: vec![
                Claim {
                    account: "TM:receivable:IR".into(),
                    amount: amt("1800000000", "USD")
                },
                Claim {
                    account: "IQ:payable:TM".into(),
                    amount: amt("-1600000000", "USD")
                },
            ]
        })]
    );
    let e = error("statement 2022-06-30 TM  ; id: a, id: b\n");
    assert!(
        e.starts_with("t.ledger:1:35: found a second id: tag"),
        "{e}"
    );
    let e = error("statement 2022-06-30 TM\n    TM:receivable:IR\n");
    assert!(
        e.starts_with("t.ledger:2:5: expected an amount like \"160 mcm\" after the account"),
        "{e}"
    );
    let e = error("statement 2022-06-30 TM\n    TM:r  5 USD = 5 USD\n");
    assert!(
        e.starts_with("t.ledger:2:5: expected \"ACCOUNT  AMOUNT\""),
        "{e}"
    );
    let e = error("statement 2022-06-30\n");
    assert!(
        e.starts_with("t.ledger:1:21: expected \"statement DATE PARTY\": the party is missing"),
        "{e}"
    );
    let e = error("statement 2022-06-31 TM\n");
    assert!(
        e.starts_with("t.ledger:1:11: 2022-06-31 is not a date"),
        "{e}"
    );
    let e = error("statement 2022-06-30 TM IR\n");
    assert!(e.starts_with("t.ledger:1:25: unexpected \"IR\""), "{e}");
}
