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

use crate::export::dated::{self, Dated, Tracked};
use crate::export::dialect::{journal_code, push_tag, write_journal_dialect, JournalDialect, Kept};
use crate::export::peer::{Peer, Running};
use crate::export::{Books, ExportError};
use crate::journal::{write_directive, Directive};
use crate::model::amount::{format_at_scale, Commodity};
use crate::model::chart::Chart;
use crate::model::transaction::Transaction;
use crate::store::StoreError;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::HashSet;
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

    type Kept = DateOrder;

    /// The pairs (account, commodity) that assertions name; then, if any, their balances in
    /// date order (a second pass).
    fn prepare(books: &Books, _more: &mut String) -> Result<DateOrder, ExportError> {
        let mut asserted = Tracked::new();
        books.for_each_txn(|t| -> Result<(), StoreError> {
            for p in &t.postings {
                if let Some(x) = &p.assertion {
                    if !asserted.contains(&(p.account.clone(), x.commodity.clone())) {
                        asserted.insert((p.account.clone(), x.commodity.clone()));
                    }
                }
            }
            Ok(())
        })?;
        if asserted.is_empty() {
            return Ok(DateOrder::Nothing);
        }
        Ok(match dated::gather(books, &asserted)? {
            Some(d) => DateOrder::Gathered(d),
            None => DateOrder::Held(hledger_kept(&books.transactions()?), 0),
        })
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

/// Which assertions hold when checked as hledger does: transactions in date order (recorded
/// order within a date), each assertion against the account's own balance in its commodity
/// after its posting.
enum DateOrder {
    /// The books assert nothing.
    Nothing,
    /// Against the balances in date order a first pass gathered.
    Gathered(Dated),
    /// Decided in memory (transaction index, posting index), for a ledger whose sums a pass
    /// cannot take exactly; and the index of the next transaction.
    Held(HashSet<(usize, usize)>, usize),
}

impl Kept for DateOrder {
    fn kept(&mut self, t: &Transaction) -> Vec<bool> {
        match self {
            DateOrder::Nothing => Vec::new(),
            DateOrder::Gathered(d) => d.date_order_holds(t),
            DateOrder::Held(kept, i) => {
                let out = (0..t.postings.len())
                    .map(|j| kept.contains(&(*i, j)))
                    .collect();
                *i += 1;
                out
            }
        }
    }
}

/// [`DateOrder`] decided for transactions held in memory, by (transaction index, posting
/// index).
fn hledger_kept(txns: &[Transaction]) -> HashSet<(usize, usize)> {
    let mut order: Vec<usize> = (0..txns.len()).collect();
    order.sort_by_key(|&i| txns[i].date);
    let mut balances = Running::default();
    let mut kept = HashSet::new();
    for i in order {
        for (j, p) in txns[i].postings.iter().enumerate() {
            if let Some(a) = &p.amount {
                balances.add(&p.account, &a.commodity, a.value);
            }
            if let Some(x) = &p.assertion {
                if balances.get(&p.account, &x.commodity) == Some(x.value) {
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
