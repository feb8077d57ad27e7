//! One transaction as the JSON export prints it, written field by field: the same bytes as
//! `serde_json::to_value` (which sorts every object's keys) printed by `to_writer_pretty`
//! two levels into the document, without building the value. Leaves (strings, dates,
//! decimals, the status) go through serde as they always did; the tests hold the whole
//! against the serde path for every shape a transaction can take.

use crate::model::amount::Amount;
use crate::model::transaction::{Posting, Price, Transaction};
use serde::Serialize;
use std::io;

/// Appends `t` to `out` as an element of the document's `transactions` array: its first line
/// at the element's place, the others indented to its depth (two levels in).
pub(super) fn transaction(out: &mut Vec<u8>, t: &Transaction) -> io::Result<()> {
    let mut o = Object::open(out, 2);
    if let Some(code) = &t.code {
        o.field("code", code)?;
    }
    o.field("date", &t.date)?;
    o.field("description", &t.description)?;
    if let Some(id) = &t.id {
        o.field("id", id)?;
    }
    o.key("postings");
    o.array(&t.postings, posting)?;
    o.field("status", &t.status)?;
    if !t.tags.is_empty() {
        o.key("tags");
        o.array(&t.tags, tag)?;
    }
    o.close();
    Ok(())
}

fn posting(out: &mut Vec<u8>, p: &Posting, depth: usize) -> io::Result<()> {
    let mut o = Object::open(out, depth);
    o.field("account", &p.account)?;
    o.key("amount");
    match &p.amount {
        Some(a) => amount(o.out, a, depth + 1)?,
        None => o.out.extend_from_slice(b"null"),
    }
    if let Some(a) = &p.assertion {
        o.key("assertion");
        amount(o.out, a, depth + 1)?;
    }
    if let Some(price) = &p.price {
        let (kind, a) = match price {
            Price::Unit(a) => ("unit", a),
            Price::Total(a) => ("total", a),
        };
        o.key("price");
        let mut inner = Object::open(o.out, depth + 1);
        inner.key("amount");
        amount(inner.out, a, depth + 2)?;
        inner.field("kind", &kind)?;
        inner.close();
    }
    if !p.tags.is_empty() {
        o.key("tags");
        o.array(&p.tags, tag)?;
    }
    o.close();
    Ok(())
}

fn amount(out: &mut Vec<u8>, a: &Amount, depth: usize) -> io::Result<()> {
    let mut o = Object::open(out, depth);
    o.field("commodity", &a.commodity)?;
    o.field("value", &a.value)?;
    o.close();
    Ok(())
}

/// A tag, `[key, value]`.
fn tag(out: &mut Vec<u8>, (k, v): &(String, String), depth: usize) -> io::Result<()> {
    out.extend_from_slice(b"[");
    for (i, s) in [k, v].into_iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        indent(out, depth + 1);
        leaf(out, s)?;
    }
    out.push(b'\n');
    indent(out, depth);
    out.push(b']');
    Ok(())
}

/// A scalar as serde prints it.
fn leaf(out: &mut Vec<u8>, v: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(out, v).map_err(io::Error::from)
}

fn indent(out: &mut Vec<u8>, depth: usize) {
    out.extend(std::iter::repeat_n(b' ', 2 * depth));
}

/// An object being written at `depth`, its keys given in sorted order.
struct Object<'o> {
    out: &'o mut Vec<u8>,
    depth: usize,
    empty: bool,
}

impl<'o> Object<'o> {
    fn open(out: &'o mut Vec<u8>, depth: usize) -> Object<'o> {
        out.push(b'{');
        Object {
            out,
            depth,
            empty: true,
        }
    }

    fn key(&mut self, key: &str) {
        self.out
            .extend_from_slice(if self.empty { b"\n" } else { b",\n" });
        self.empty = false;
        indent(self.out, self.depth + 1);
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    fn field(&mut self, key: &str, v: &impl Serialize) -> io::Result<()> {
        self.key(key);
        leaf(self.out, v)
    }

    /// An array of `items` as the value of the last key.
    fn array<T>(
        &mut self,
        items: &[T],
        item: fn(&mut Vec<u8>, &T, usize) -> io::Result<()>,
    ) -> io::Result<()> {
        self.out.push(b'[');
        if items.is_empty() {
            self.out.push(b']');
            return Ok(());
        }
        for (i, x) in items.iter().enumerate() {
            self.out
                .extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            indent(self.out, self.depth + 2);
            item(self.out, x, self.depth + 2)?;
        }
        self.out.push(b'\n');
        indent(self.out, self.depth + 1);
        self.out.push(b']');
        Ok(())
    }

    fn close(self) {
        if self.empty {
            self.out.push(b'}');
            return;
        }
        self.out.push(b'\n');
        indent(self.out, self.depth);
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::Date;
    use crate::model::transaction::Status;
    use rust_decimal::Decimal;

    /// The serde path the export took before: the value with sorted keys, printed, its lines
    /// after the first indented two levels.
    fn by_serde(t: &Transaction) -> String {
        let value = serde_json::to_value(t).expect("value");
        let text = serde_json::to_string_pretty(&value).expect("text");
        text.replace('\n', "\n    ")
    }

    fn amount(v: i64, scale: u32, c: &str) -> Amount {
        Amount::new(Decimal::new(v, scale), c)
    }

    fn shapes() -> Vec<Transaction> {
        let full = Transaction {
            date: Date::new(2022, 3, 1).expect("date"),
            status: Status::Cleared,
            code: Some("C\"7".into()),
            description: "Late \"entry\" \\ ü \u{1} tab\t".into(),
            tags: vec![("k".into(), "v".into()), ("empty".into(), String::new())],
            id: Some("id-1".into()),
            postings: vec![
                Posting {
                    account: "TM:cash".into(),
                    amount: Some(amount(1000, 2, "USD")),
                    price: Some(Price::Unit(amount(3, 0, "USD"))),
                    assertion: Some(amount(-1500, 3, "m3")),
                    tags: vec![("date".into(), "2022-03-05".into())],
                },
                Posting {
                    account: "IR:equity".into(),
                    amount: Some(amount(-1000, 2, "USD")),
                    price: Some(Price::Total(amount(0, 2, "USD"))),
                    assertion: None,
                    tags: Vec::new(),
                },
                Posting {
                    account: "IR:x".into(),
                    amount: None,
                    price: None,
                    assertion: None,
                    tags: Vec::new(),
                },
            ],
        };
        let mut bare = full.clone();
        bare.status = Status::Unmarked;
        bare.code = None;
        bare.id = None;
        bare.tags = Vec::new();
        bare.description = String::new();
        let mut pending = bare.clone();
        pending.status = Status::Pending;
        pending.postings.truncate(1);
        pending.postings[0].price = None;
        pending.postings[0].assertion = None;
        pending.postings[0].tags = Vec::new();
        pending.postings[0].amount = Some(Amount::new(-Decimal::ZERO, "USD"));
        let mut none = bare.clone();
        none.postings = Vec::new();
        vec![full, bare, pending, none]
    }

    #[test]
    fn every_shape_prints_as_the_serde_value_did() {
        for t in shapes() {
            let mut out = Vec::new();
            transaction(&mut out, &t).expect("written");
            assert_eq!(
                String::from_utf8(out).expect("utf-8"),
                by_serde(&t),
                "{t:?}"
            );
        }
    }
}
