//! The ledger as an hledger journal (checked with hledger 1.25: `hledger check -s` passes).
//!
//! The canonical journal, with these changes:
//! - `agreement` and `statement` directives are comment lines (`; agreement tm-ir-az` …);
//! - commodity codes that hold a digit are quoted (`"m3"`), as hledger requires;
//! - an account name with two blanks in a row of any kind (a no-break space counts; hledger
//!   would end the name there) is refused: the model accepts no such name;
//! - a commodity of scale 0 is declared `commodity 1000. MMBtu` (hledger 1.25 refuses a
//!   `commodity` sample without a decimal mark);
//! - a posting tag `date` or `date2` (which hledger reads as the posting's own date) is written
//!   `gasledger-date` / `gasledger-date2`;
//! - hledger checks balance assertions in date order, gasledger in recorded order: an assertion
//!   that does not hold in date order (a ledger recorded out of date order) is dropped, with a
//!   comment line under its posting.

use crate::export::dialect::{journal_code, push_tag, write_journal_dialect, JournalDialect};
use crate::export::peer::{add, balance_of, Peer};
use crate::export::{Books, ExportError};
use crate::journal::{write_directive, Directive};
use crate::model::amount::{format_at_scale, Commodity};
use crate::model::chart::Chart;
use crate::model::transaction::Transaction;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Write the books (the whole ledger, or one party's) as an hledger journal.
pub fn hledger(books: &Books, out: &mut impl Write) -> Result<(), ExportError> {
    write_journal_dialect::<Hledger>(books, out)
}

struct Hledger;

impl JournalDialect for Hledger {
    const PEER: Peer = Peer::Hledger;
    const HEADER: &'static str =
        "; gasledger export for hledger (gasledger export --format hledger).\n\
         ; agreement and statement directives, which hledger does not know, are comments.\n";
    const DROPPED: &'static str =
        "hledger checks assertions in date order, and in that order this one does not hold";

    fn kept(txns: &[Transaction]) -> HashSet<(usize, usize)> {
        hledger_kept(txns)
    }

    fn commodity(buf: &mut String, c: &Commodity) {
        let mut sample = format_at_scale(Decimal::from(1000), c.scale);
        if c.scale == 0 {
            sample.push('.');
        }
        let code = journal_code(&c.code);
        writeln!(buf, "commodity {sample} {code}  ; kind: {}", c.kind).ok();
    }

    /// The canonical declaration: hledger reads it as written.
    fn declaration(buf: &mut String, d: &Directive, chart: &Chart) -> io::Result<()> {
        let mut text = Vec::new();
        write_directive(&mut text, d, chart)?;
        buf.push_str(&String::from_utf8_lossy(&text));
        Ok(())
    }

    fn end_line_with_tags(buf: &mut String, _indent: &str, tags: &[(&str, &str)]) {
        inline_tags(buf, tags);
        buf.push('\n');
    }

    /// hledger reads a posting tag `date` or `date2` as the posting's own date.
    fn posting_tag(key: &str) -> Cow<'_, str> {
        match key {
            "date" | "date2" => Cow::Owned(format!("gasledger-{key}")),
            _ => Cow::Borrowed(key),
        }
    }
}

/// The assertions (transaction index, posting index) that hold when checked as hledger does:
/// transactions in date order (recorded order within a date), each assertion against the
/// account's own balance in its commodity after its posting.
fn hledger_kept(txns: &[Transaction]) -> HashSet<(usize, usize)> {
    let mut order: Vec<usize> = (0..txns.len()).collect();
    order.sort_by_key(|&i| txns[i].date);
    let mut balances = HashMap::new();
    let mut kept = HashSet::new();
    for i in order {
        for (j, p) in txns[i].postings.iter().enumerate() {
            if let Some(a) = &p.amount {
                add(&mut balances, &p.account, &a.commodity, a.value);
            }
            if let Some(x) = &p.assertion {
                if balance_of(&balances, &p.account, &x.commodity) == Some(x.value) {
                    kept.insert((i, j));
                }
            }
        }
    }
    kept
}

/// `  ; key: value, key: value` (hledger's tag syntax).
fn inline_tags(buf: &mut String, tags: &[(&str, &str)]) {
    for (i, (k, v)) in tags.iter().enumerate() {
        buf.push_str(if i == 0 { "  ; " } else { ", " });
        push_tag(buf, k, v);
    }
}
