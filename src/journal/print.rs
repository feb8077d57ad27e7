//! The printer: directives back to journal text, in one canonical form.
//!
//! Canonical form (parse → print is a fixed point, and parse(print(x)) == x):
//!
//! ```text
//! commodity 1000.000 mcm  ; kind: volume
//!
//! account TM  ; party: Turkmenistan
//! account IR:swap:tm-ir-az  ; type: liability, floor: 0.000 mcm
//!
//! 2022-01-31 * (CODE) Sarakhs entry  ; id: swap-2022-01-entry, agreement: tm-ir-az
//!     IR:swap:tm-ir-az   160.000 mcm
//!     TM:gas:delivered  -160.000 mcm = -160.000 mcm  ; point: Sarakhs
//!
//! agreement tm-ir-az
//!     kind      swap
//!     supplier  TM
//!     exit      Astara, Nakhchivan
//!
//! statement 2022-06-30 TM  ; id: tm-2022-06, source: Turkmengaz letter
//!     TM:receivable:IR  1800000000.00 USD
//!
//! P 2022-09-30 EUR 1.0566 USD
//! ```
//!
//! - Amounts are `NUMBER CODE`, at the commodity's scale (no digit groups); a commodity missing
//!   from the chart prints its value as it is.
//! - Postings and claims are indented 4 spaces; accounts are padded to the longest one plus two
//!   spaces, amounts right-aligned; then ` @ PRICE` / ` @@ TOTAL`, ` = ASSERTED`, `  ; TAGS`.
//! - Tags are `key: value` (`key:` when the value is empty) separated by `, `, after `  ; `;
//!   a transaction's or statement's `id:` comes first. Agreement keys are padded to the
//!   longest plus two.
//! - No line ends in whitespace; every line ends with `\n`. [`write_directive`] writes a
//!   directive's lines only; [`write_journal`] puts a blank line around transactions, agreements
//!   and statements, and between commodity and account declarations and fixings (`P` lines,
//!   whose rate is written with the decimals it was given).
//!
//! What cannot be written so that it reads back equal is refused with
//! [`std::io::ErrorKind::InvalidData`], never escaped or altered: a tag value or party name with
//! `,` (hledger's tag syntax has no escape), a tag key with a blank, `:`, `,` or `;`, text with
//! a control character or blanks at its ends, a description or code with `;`, an account name
//! with two spaces, a tab or `;`, an invalid commodity code, a line longer than
//! [`LINE_LEN_MAX`]. The text rules are those of `crate::model::text`, which the model applies on
//! entry: what the model accepted, this prints.

use super::{Directive, LINE_LEN_MAX};
use crate::model::account::{Account, Party};
use crate::model::agreement::Agreement;
use crate::model::amount::{self, Amount, Commodity, SCALE_MAX};
use crate::model::chart::Chart;
use crate::model::fixing::Fixing;
use crate::model::statement::Statement;
use crate::model::text::{self, TextError};
use crate::model::transaction::{Posting, Price, Status, Transaction};
use rust_decimal::Decimal;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Write one directive as canonical journal text (its lines only, no blank line around it).
pub fn write_directive(out: &mut impl Write, d: &Directive, chart: &Chart) -> io::Result<()> {
    let mut buf = String::with_capacity(256);
    render(&mut buf, d, chart)?;
    out.write_all(buf.as_bytes())
}

/// A transaction in canonical form, appended to `buf`: what [`write_directive`] writes for
/// it, without a directive to hold it (a writer of millions keeps one buffer for all).
pub fn render_transaction(buf: &mut String, t: &Transaction, chart: &Chart) -> io::Result<()> {
    let mut out = Lines {
        start: buf.len(),
        buf,
    };
    transaction(&mut out, t, chart)
}

/// Write a sequence of directives as a canonical journal: blank lines separate transactions,
/// agreements and statements from what is around them, and commodity declarations
/// from account declarations.
pub fn write_journal<'a>(
    out: &mut impl Write,
    directives: impl IntoIterator<Item = &'a Directive>,
    chart: &Chart,
) -> io::Result<()> {
    let mut buf = String::with_capacity(1024);
    let mut previous: Option<&Directive> = None;
    for d in directives {
        buf.clear();
        if previous.is_some_and(|p| group(p) != group(d) || group(d).is_none()) {
            buf.push('\n');
        }
        render(&mut buf, d, chart)?;
        out.write_all(buf.as_bytes())?;
        previous = Some(d);
    }
    Ok(())
}

/// Declarations that [`write_journal`] keeps together without blank lines; `None` for blocks,
/// which always stand apart.
fn group(d: &Directive) -> Option<u8> {
    match d {
        Directive::Commodity(_) => Some(0),
        Directive::Party(_) | Directive::Account(_) => Some(1),
        Directive::Price(_) => Some(2),
        Directive::Transaction(_) | Directive::Agreement(_) | Directive::Statement(_) => None,
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// A text the printer cannot write: "... cannot be written: ...".
fn unwritable(e: TextError) -> io::Error {
    invalid(format!(
        "{} {} cannot be written: {}",
        e.what, e.shown, e.why
    ))
}

/// Appends lines to a buffer, checking each line's length as it ends.
struct Lines<'a> {
    buf: &'a mut String,
    start: usize,
}

impl Lines<'_> {
    fn end_line(&mut self) -> io::Result<()> {
        let len = self.buf.len() - self.start;
        if len > LINE_LEN_MAX {
            return Err(invalid(format!(
                "a line of {len} bytes cannot be written: a journal line is at most {LINE_LEN_MAX} bytes"
            )));
        }
        self.buf.push('\n');
        self.start = self.buf.len();
        Ok(())
    }

    fn push(&mut self, s: &str) {
        self.buf.push_str(s);
    }

    fn pad(&mut self, n: usize) {
        self.buf.extend(std::iter::repeat_n(' ', n));
    }
}

fn render(buf: &mut String, d: &Directive, chart: &Chart) -> io::Result<()> {
    let mut out = Lines {
        start: buf.len(),
        buf,
    };
    match d {
        Directive::Commodity(c) => commodity(&mut out, c),
        Directive::Party(p) => party(&mut out, p),
        Directive::Account(a) => account(&mut out, a, chart),
        Directive::Transaction(t) => transaction(&mut out, t, chart),
        Directive::Agreement(a) => agreement(&mut out, a),
        Directive::Statement(s) => statement(&mut out, s, chart),
        Directive::Price(f) => price(&mut out, f),
    }
}

/// `P DATE CODE RATE CODE`, the rate as given (a rate is not held to its commodity's scale).
fn price(out: &mut Lines, f: &Fixing) -> io::Result<()> {
    check_code(&f.commodity)?;
    check_code(&f.rate.commodity)?;
    let _ = write!(out.buf, "P {f}");
    out.end_line()
}

fn commodity(out: &mut Lines, c: &Commodity) -> io::Result<()> {
    check_code(&c.code)?;
    if c.scale > SCALE_MAX {
        return Err(invalid(format!(
            "commodity {} has scale {}: at most {SCALE_MAX}",
            c.code, c.scale
        )));
    }
    out.push("commodity ");
    out.push(&amount::format_at_scale(Decimal::from(1000), c.scale));
    out.push(" ");
    out.push(&c.code);
    push_tags(out, [("kind", c.kind.as_str())])?;
    out.end_line()
}

fn party(out: &mut Lines, p: &Party) -> io::Result<()> {
    text::word("party code", &p.code).map_err(unwritable)?;
    if p.code.contains(':') {
        return Err(invalid(format!(
            "party code {:?} cannot be written: expected one word without ':' or ';'",
            p.code
        )));
    }
    out.push("account ");
    out.push(&p.code);
    push_tags(out, p.name.as_deref().map(|n| ("party", n)))?;
    out.end_line()
}

fn account(out: &mut Lines, a: &Account, chart: &Chart) -> io::Result<()> {
    text::declared_account(&a.name).map_err(unwritable)?;
    let floor = a
        .floor
        .as_ref()
        .map(|f| amount_text(f, chart))
        .transpose()?;
    out.push("account ");
    out.push(&a.name);
    let tags = a
        .kind
        .map(|k| ("type", k.as_str()))
        .into_iter()
        .chain(floor.as_deref().map(|f| ("floor", f)));
    push_tags(out, tags)?;
    out.end_line()
}

fn transaction(out: &mut Lines, t: &Transaction, chart: &Chart) -> io::Result<()> {
    text::description(
        &t.description,
        t.status != Status::Unmarked,
        t.code.is_some(),
    )
    .map_err(unwritable)?;
    if let Some((k, _)) = t.tags.iter().find(|(k, _)| k == "id") {
        return Err(invalid(format!(
            "a transaction's tags cannot hold {k:?}: the id is Transaction::id"
        )));
    }
    let _ = write!(out.buf, "{}", t.date);
    if t.status != Status::Unmarked {
        out.push(" ");
        out.push(t.status.mark());
    }
    if let Some(code) = &t.code {
        text::code(code).map_err(unwritable)?;
        out.push(" (");
        out.push(code);
        out.push(")");
    }
    if !t.description.is_empty() {
        out.push(" ");
        out.push(&t.description);
    }
    let tags =
        t.id.as_deref()
            .map(|id| ("id", id))
            .into_iter()
            .chain(t.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    push_tags(out, tags)?;
    out.end_line()?;
    postings(out, &t.postings, chart)
}

fn postings(out: &mut Lines, postings: &[Posting], chart: &Chart) -> io::Result<()> {
    let mut amounts = Vec::with_capacity(postings.len());
    for p in postings {
        text::account(&p.account).map_err(unwritable)?;
        if p.price.is_some() && p.amount.is_none() {
            return Err(invalid(format!(
                "posting to {} has a price but no amount: expected an amount before '@'",
                p.account
            )));
        }
        amounts.push(
            p.amount
                .as_ref()
                .map(|a| amount_text(a, chart))
                .transpose()?,
        );
    }
    let account_width = postings
        .iter()
        .map(|p| p.account.chars().count())
        .max()
        .unwrap_or(0);
    let amount_width = amounts
        .iter()
        .flatten()
        .map(|a| a.chars().count())
        .max()
        .unwrap_or(0);
    for (p, amount) in postings.iter().zip(&amounts) {
        out.push("    ");
        out.push(&p.account);
        if amount.is_some() || p.assertion.is_some() {
            let text = amount.as_deref().unwrap_or("");
            out.pad(account_width - p.account.chars().count() + 2);
            out.pad(amount_width - text.chars().count());
            out.push(text);
        }
        match &p.price {
            Some(Price::Unit(a)) => {
                out.push(" @ ");
                out.push(&amount_text(a, chart)?);
            }
            Some(Price::Total(a)) => {
                out.push(" @@ ");
                out.push(&amount_text(a, chart)?);
            }
            None => {}
        }
        if let Some(a) = &p.assertion {
            out.push(" = ");
            out.push(&amount_text(a, chart)?);
        }
        push_tags(out, p.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        out.end_line()?;
    }
    Ok(())
}

fn agreement(out: &mut Lines, a: &Agreement) -> io::Result<()> {
    if a.name.is_empty() {
        return Err(invalid("an agreement name cannot be empty".into()));
    }
    text::line_text("agreement name", &a.name).map_err(unwritable)?;
    out.push("agreement ");
    out.push(&a.name);
    out.end_line()?;
    let key_width = a
        .fields
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (key, value) in &a.fields {
        text::word("agreement field", key).map_err(unwritable)?;
        text::line_text("agreement value", value).map_err(unwritable)?;
        out.push("    ");
        out.push(key);
        if !value.is_empty() {
            out.pad(key_width - key.chars().count() + 2);
            out.push(value);
        }
        out.end_line()?;
    }
    Ok(())
}

fn statement(out: &mut Lines, s: &Statement, chart: &Chart) -> io::Result<()> {
    text::word("statement party", &s.party).map_err(unwritable)?;
    let _ = write!(out.buf, "statement {} {}", s.date, s.party);
    let tags =
        s.id.as_deref()
            .map(|id| ("id", id))
            .into_iter()
            .chain(s.source.as_deref().map(|src| ("source", src)));
    push_tags(out, tags)?;
    out.end_line()?;
    let mut amounts = Vec::with_capacity(s.claims.len());
    for c in &s.claims {
        text::account(&c.account).map_err(unwritable)?;
        amounts.push(amount_text(&c.amount, chart)?);
    }
    let account_width = s
        .claims
        .iter()
        .map(|c| c.account.chars().count())
        .max()
        .unwrap_or(0);
    let amount_width = amounts.iter().map(|a| a.chars().count()).max().unwrap_or(0);
    for (c, amount) in s.claims.iter().zip(&amounts) {
        out.push("    ");
        out.push(&c.account);
        out.pad(account_width - c.account.chars().count() + 2);
        out.pad(amount_width - amount.chars().count());
        out.push(amount);
        out.end_line()?;
    }
    Ok(())
}

/// `NUMBER CODE`, at the commodity's scale when the chart knows it.
fn amount_text(a: &Amount, chart: &Chart) -> io::Result<String> {
    check_code(&a.commodity)?;
    let number = match chart.commodities.get(&a.commodity) {
        Some(c) => c.format(a.value),
        None => {
            let mut v = a.value;
            if v.is_zero() {
                // "-0" would read back as "0": print the zero that reads back the same.
                v.set_sign_positive(true);
            }
            v.to_string()
        }
    };
    let mut text = number;
    text.push(' ');
    text.push_str(&a.commodity);
    Ok(text)
}

/// `  ; key: value, key: value` (nothing when there are no tags).
fn push_tags<'a>(
    out: &mut Lines,
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> io::Result<()> {
    for (i, (key, value)) in tags.into_iter().enumerate() {
        text::tag(key, value).map_err(unwritable)?;
        out.push(if i == 0 { "  ; " } else { ", " });
        out.push(key);
        out.push(":");
        if !value.is_empty() {
            out.push(" ");
            out.push(value);
        }
    }
    Ok(())
}

fn check_code(code: &str) -> io::Result<()> {
    if amount::is_code(code) {
        Ok(())
    } else {
        Err(invalid(format!(
            "commodity code {code:?} cannot be written: expected a letter, then letters or digits"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::parse_str;
    use crate::model::account::AccountType;
    use crate::model::amount::Kind;
    use crate::model::date::Date;
    use crate::model::statement::Claim;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn chart() -> Chart {
        let mut c = Chart::default();
        for (code, kind, scale) in [
            ("mcm", Kind::Volume, 3),
            ("USD", Kind::Money, 2),
            ("MMBtu", Kind::Energy, 0),
        ] {
            c.commodities.insert(
                code.into(),
                Commodity {
                    code: code.into(),
                    kind,
                    scale,
                },
            );
        }
        c
    }

    fn print_all(ds: &[Directive]) -> io::Result<String> {
        let mut out = Vec::new();
        write_journal(&mut out, ds, &chart())?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn print(d: &Directive) -> io::Result<String> {
        let mut out = Vec::new();
        write_directive(&mut out, d, &chart())?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn reparse(text: &str) -> Vec<Directive> {
        parse_str("t.ledger", text)
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
            .into_iter()
            .map(|l| l.item)
            .collect()
    }

    const INPUT: &str = "\
commodity 1,000.000 mcm        ; kind: volume
commodity USD 1000.00
account TM                    ; party: Turkmenistan
account TM:gas:delivered
account IR
account IR:swap:tm-ir-az      ; type: liability, floor: -5 mcm
2022-01-31 * Sarakhs entry, January   ; agreement: tm-ir-az, id: swap-2022-01-entry, leg: entry
    IR:swap:tm-ir-az        160 mcm
    TM:gas:delivered       -160.000 mcm = -160 mcm ; point: Sarakhs
2022-02-01 ! (C7)
    IR:cash  10 mcm @ 300 USD
    TM:cash
agreement tm-ir-az
    kind       swap
    exit       Astara, Nakhchivan
    tolerance
statement 2022-06-30 TM       ; source: Turkmengaz letter, id: tm-2022-06
    TM:receivable:IR   1800000000 USD
    TM:x  -1 USD
";

    const CANONICAL: &str = "\
commodity 1000.000 mcm  ; kind: volume
commodity 1000.00 USD  ; kind: money

account TM  ; party: Turkmenistan
account TM:gas:delivered
account IR
account IR:swap:tm-ir-az  ; type: liability, floor: -5.000 mcm

2022-01-31 * Sarakhs entry, January  ; id: swap-2022-01-entry, agreement: tm-ir-az, leg: entry
    IR:swap:tm-ir-az   160.000 mcm
    TM:gas:delivered  -160.000 mcm = -160.000 mcm  ; point: Sarakhs

2022-02-01 ! (C7)
    IR:cash  10.000 mcm @ 300.00 USD
    TM:cash

agreement tm-ir-az
    kind       swap
    exit       Astara, Nakhchivan
    tolerance

statement 2022-06-30 TM  ; id: tm-2022-06, source: Turkmengaz letter
    TM:receivable:IR  1800000000.00 USD
    TM:x                      -1.00 USD
";

    #[test]
    fn canonical_text() {
        let ds = reparse(INPUT);
        let text = print_all(&ds).unwrap();
        assert_eq!(text, CANONICAL);
        assert_eq!(reparse(&text), ds);
        assert_eq!(print_all(&reparse(&text)).unwrap(), text);
    }

    #[test]
    fn unknown_commodities_print_as_they_are() {
        let t = Directive::Statement(Statement {
            date: Date::from_str("2022-01-01").unwrap(),
            party: "TM".into(),
            id: None,
            source: None,
            claims: vec![
                Claim {
                    account: "TM:a".into(),
                    amount: Amount::new(d("1.50"), "EUR"),
                },
                Claim {
                    account: "TM:b".into(),
                    amount: Amount::new(-d("0.0"), "EUR"),
                },
            ],
        });
        assert_eq!(
            print(&t).unwrap(),
            "statement 2022-01-01 TM\n    TM:a  1.50 EUR\n    TM:b   0.0 EUR\n"
        );
    }

    fn txn() -> Transaction {
        Transaction {
            date: Date::from_str("2022-01-31").unwrap(),
            status: Status::Unmarked,
            code: None,
            description: "x".into(),
            tags: vec![],
            id: None,
            postings: vec![Posting::new("TM:a", Some(Amount::new(d("1"), "USD")))],
        }
    }

    fn refused(d: Directive, what: &str) {
        let e = print(&d).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains(what), "{e}");
    }

    #[test]
    fn what_cannot_round_trip_is_refused() {
        let mut t = txn();
        t.tags.push(("agreement".into(), "a, b".into()));
        refused(Directive::Transaction(t), "',' would end it");
        let mut t = txn();
        t.tags.push(("two words".into(), "v".into()));
        refused(Directive::Transaction(t), "tag name \"two words\"");
        let mut t = txn();
        t.tags.push(("id".into(), "v".into()));
        refused(Directive::Transaction(t), "Transaction::id");
        let mut t = txn();
        t.id = Some("a,b".into());
        refused(Directive::Transaction(t), "','");
        let mut t = txn();
        t.description = "a; b".into();
        refused(Directive::Transaction(t), "description");
        let mut t = txn();
        t.description = "* x".into();
        refused(Directive::Transaction(t), "status");
        let mut t = txn();
        t.description = "(x) y".into();
        refused(Directive::Transaction(t), "code");
        let mut t = txn();
        t.description = "line\nbreak".into();
        refused(Directive::Transaction(t), "control");
        let mut t = txn();
        t.postings[0].account = "TM:a  b".into();
        refused(Directive::Transaction(t), "two spaces");
        let mut t = txn();
        t.postings[0].amount = Some(Amount::new(d("1"), "U$D"));
        refused(Directive::Transaction(t), "commodity code");
        let mut t = txn();
        t.postings[0].amount = None;
        t.postings[0].price = Some(Price::Unit(Amount::new(d("1"), "USD")));
        refused(Directive::Transaction(t), "price but no amount");
        let mut t = txn();
        t.tags.push(("k".into(), "x".repeat(LINE_LEN_MAX)));
        refused(Directive::Transaction(t), "at most 65536 bytes");
        refused(
            Directive::Account(Account {
                name: "TM".into(),
                kind: Some(AccountType::Asset),
                floor: None,
            }),
            "one segment is the party itself",
        );
        refused(
            Directive::Party(Party {
                code: "TM".into(),
                name: Some("Turkmenistan, the republic".into()),
            }),
            "','",
        );
        refused(
            Directive::Agreement(Agreement {
                name: "a".into(),
                fields: vec![("fee".into(), "10% ; maybe".into())],
            }),
            "';'",
        );
        refused(
            Directive::Commodity(Commodity {
                code: "X".into(),
                kind: Kind::Money,
                scale: 19,
            }),
            "scale 19",
        );
    }

    // -----------------------------------------------------------------------------------------
    // Property: parse(print(x)) == x and print(parse(print(x))) == print(x).

    /// A code from the chart (printed at its scale) or one the chart does not know.
    fn amount() -> impl Strategy<Value = Amount> {
        (
            prop::sample::select(vec![("mcm", 3u32), ("USD", 2), ("MMBtu", 0), ("EUR", 4)]),
            -10_000_000_000_000i64..10_000_000_000_000,
            0u32..=4,
        )
            .prop_map(|((code, scale), mantissa, s)| {
                Amount::new(Decimal::new(mantissa, s.min(scale)), code)
            })
    }

    fn account() -> impl Strategy<Value = String> {
        (
            "[A-Z]{2}",
            prop::collection::vec("[a-z][a-z0-9_-]{0,6}( [a-z0-9]{1,4})?", 0..4),
        )
            .prop_map(|(party, segs)| {
                std::iter::once(party)
                    .chain(segs)
                    .collect::<Vec<_>>()
                    .join(":")
            })
    }

    fn tag() -> impl Strategy<Value = (String, String)> {
        (
            "[a-z][a-z0-9_-]{0,8}",
            "([A-Za-z0-9:;./%-]{1,6}( [A-Za-z0-9:;./%-]{1,6}){0,2})?",
        )
            .prop_filter("id is not a plain tag", |(k, _)| k != "id")
    }

    fn posting() -> impl Strategy<Value = Posting> {
        (
            account(),
            prop::option::of(amount()),
            prop::option::of((any::<bool>(), amount())),
            prop::option::of(amount()),
            prop::collection::vec(tag(), 0..3),
        )
            .prop_map(|(account, amount, price, assertion, tags)| {
                let price = match (&amount, price) {
                    (Some(_), Some((true, p))) => Some(Price::Total(p)),
                    (Some(_), Some((false, p))) => Some(Price::Unit(p)),
                    _ => None,
                };
                Posting {
                    account,
                    amount,
                    price,
                    assertion,
                    tags,
                }
            })
    }

    fn transaction() -> impl Strategy<Value = Transaction> {
        (
            (1u16..=9999, 1u8..=12, 1u8..=28),
            prop::sample::select(vec![Status::Unmarked, Status::Pending, Status::Cleared]),
            prop::option::of("[A-Za-z0-9 -]{0,6}"),
            "([A-Za-z0-9][A-Za-z0-9 ,.:'&/-]{0,20}[A-Za-z0-9.])?",
            prop::collection::vec(tag(), 0..4),
            prop::option::of("[a-z0-9][a-z0-9-]{0,12}"),
            prop::collection::vec(posting(), 0..6),
        )
            .prop_map(
                |((y, m, day), status, code, description, tags, id, postings)| Transaction {
                    date: Date::new(y, m, day).unwrap(),
                    status,
                    code,
                    description,
                    tags,
                    id,
                    postings,
                },
            )
    }

    fn statement() -> impl Strategy<Value = Statement> {
        (
            (1u16..=9999, 1u8..=12, 1u8..=28),
            "[A-Z]{2,3}",
            prop::option::of("[a-z0-9][a-z0-9-]{0,12}"),
            prop::option::of("[A-Za-z0-9][A-Za-z0-9 ;:-]{0,10}[A-Za-z0-9]"),
            prop::collection::vec((account(), amount()), 0..4),
        )
            .prop_map(|((y, m, day), party, id, source, claims)| Statement {
                date: Date::new(y, m, day).unwrap(),
                party,
                id,
                source,
                claims: claims
                    .into_iter()
                    .map(|(account, amount)| Claim { account, amount })
                    .collect(),
            })
    }

    fn agreement() -> impl Strategy<Value = Agreement> {
        (
            "[a-z][a-z0-9-]{0,10}",
            prop::collection::btree_map(
                "[a-z][a-z0-9_-]{0,10}",
                "([A-Za-z0-9%.,:-]{1,8}( [A-Za-z0-9%.,:-]{1,8}){0,2})?",
                0..6,
            ),
        )
            // A field is given once: the parser refuses a repeated one.
            .prop_map(|(name, fields)| Agreement {
                name,
                fields: fields.into_iter().collect(),
            })
    }

    fn directive() -> impl Strategy<Value = Directive> {
        prop_oneof![
            4 => transaction().prop_map(Directive::Transaction),
            1 => statement().prop_map(Directive::Statement),
            1 => agreement().prop_map(Directive::Agreement),
            1 => ((1u16..=9999, 1u8..=12, 1u8..=28), "[A-Z]{3}", "[A-Z]{3}", 1i64..100_000_000, 0u32..=SCALE_MAX)
                .prop_map(|((y, m, day), commodity, quote, n, scale)| Directive::Price(Fixing {
                    date: Date::new(y, m, day).unwrap(),
                    commodity,
                    rate: Amount::new(Decimal::new(n, scale), quote),
                })),
            1 => ("[A-Za-z][A-Za-z0-9]{0,5}", prop::sample::select(vec![Kind::Volume, Kind::Energy, Kind::Money]), 0u32..=SCALE_MAX)
                .prop_map(|(code, kind, scale)| Directive::Commodity(Commodity { code, kind, scale })),
            1 => ("[A-Z]{2,3}", prop::option::of("[A-Za-z][A-Za-z .'()-]{0,12}[a-z]"))
                .prop_map(|(code, name)| Directive::Party(Party { code, name })),
            1 => (account().prop_filter("an account has a ':'", |a| a.contains(':')),
                  prop::option::of(prop::sample::select(vec![AccountType::Asset, AccountType::Liability, AccountType::Equity, AccountType::Revenue, AccountType::Expense])),
                  prop::option::of(amount()))
                .prop_map(|(name, kind, floor)| Directive::Account(Account { name, kind, floor })),
        ]
    }

    // -----------------------------------------------------------------------------------------
    // Property: what the model accepts, the printer writes, and it reads back the same. Texts
    // from an alphabet of the journal's special characters.

    fn nasty() -> impl Strategy<Value = String> {
        "[ a-z;,:()*!#@=\t\n\\[\\]-]{0,8}"
    }

    fn declared() -> Chart {
        let mut c = chart();
        for p in ["TM", "IR"] {
            c.parties.insert(
                p.into(),
                Party {
                    code: p.into(),
                    name: None,
                },
            );
        }
        for a in ["TM:a", "IR:b"] {
            c.accounts.insert(
                a.into(),
                Account {
                    name: a.into(),
                    kind: None,
                    floor: None,
                },
            );
        }
        c
    }

    fn printed_back(d: Directive, chart: &Chart) -> Result<(), TestCaseError> {
        let mut out = Vec::new();
        write_directive(&mut out, &d, chart)
            .map_err(|e| TestCaseError::fail(format!("accepted but not printed: {e}")))?;
        let text = String::from_utf8(out).unwrap();
        let back = parse_str("t.ledger", &text)
            .map_err(|e| TestCaseError::fail(format!("printed but not read: {e}\n{text}")))?;
        prop_assert_eq!(back.len(), 1);
        prop_assert_eq!(&back[0].item, &d, "text:\n{}", text);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn accepted_transactions_print(
            status in prop::sample::select(vec![Status::Unmarked, Status::Pending, Status::Cleared]),
            code in prop::option::of(nasty()),
            description in nasty(),
            id in prop::option::of(nasty()),
            tags in prop::collection::vec((nasty(), nasty()), 0..3),
            posting_tags in prop::collection::vec((nasty(), nasty()), 0..3),
        ) {
            let chart = declared();
            let mut t = txn();
            t.status = status;
            t.code = code;
            t.description = description;
            t.id = id;
            t.tags = tags;
            t.postings[0].tags = posting_tags;
            t.postings.push(Posting::new("IR:b", Some(Amount::new(d("-1"), "USD"))));
            if t.complete(&chart).is_ok() {
                printed_back(Directive::Transaction(t), &chart)?;
            }
        }

        #[test]
        fn accepted_declarations_print(
            name in prop::option::of(nasty()),
            account in nasty(),
            agreement in nasty(),
            fields in prop::collection::vec((nasty(), nasty()), 0..3),
            id in prop::option::of(nasty()),
            source in prop::option::of(nasty()),
        ) {
            let chart = declared();
            let p = Party { code: "AZ".into(), name };
            if chart.check_new_party(&p).is_ok() {
                printed_back(Directive::Party(p), &chart)?;
            }
            let a = Account { name: format!("TM:{account}"), kind: None, floor: None };
            if chart.check_new_account(&a).is_ok() {
                printed_back(Directive::Account(a), &chart)?;
            }
            let mut fields = fields;
            fields.push(("kind".into(), "swap".into()));
            let g = Agreement { name: agreement, fields };
            if g.check().is_ok() {
                printed_back(Directive::Agreement(g), &chart)?;
            }
            let mut s = Statement {
                date: Date::from_str("2022-06-30").unwrap(),
                party: "TM".into(),
                id,
                source,
                claims: vec![Claim { account: "TM:a".into(), amount: Amount::new(d("5"), "USD") }],
            };
            if s.complete(&chart).is_ok() {
                printed_back(Directive::Statement(s), &chart)?;
            }
        }

        #[test]
        fn transactions_round_trip(t in transaction()) {
            let d = Directive::Transaction(t);
            let text = print(&d).unwrap();
            let back = reparse(&text);
            prop_assert_eq!(&back, &vec![d], "text:\n{}", text);
            prop_assert_eq!(print(&back[0]).unwrap(), text);
        }

        #[test]
        fn journals_round_trip(ds in prop::collection::vec(directive(), 0..8)) {
            let text = print_all(&ds).unwrap();
            let back = reparse(&text);
            prop_assert_eq!(&back, &ds, "text:\n{}", text);
            prop_assert_eq!(print_all(&back).unwrap(), text);
        }
    }
}
