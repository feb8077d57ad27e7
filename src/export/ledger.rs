//! The ledger as a ledger-cli journal (checked with ledger-cli 3.3: `ledger bal` and
//! `ledger --pedantic bal` pass).
//!
//! - `commodity CODE` with indented `format 1000.000 CODE` and `; kind: …` lines; `account NAME`
//!   with its tags as indented comment lines; `tag KEY` declarations for every tag used;
//! - tags as one `; key: value` comment line each (ledger-cli's metadata value runs to the end
//!   of the line), under the transaction header or under their posting;
//! - ledger-cli checks assertions in file order (= recorded order), but only accepts one in the
//!   commodity of its own posting: another (`TM:x  5.00 USD = 3 mcm`) is dropped with a comment
//!   line under its posting;
//! - ledger-cli refuses negative unit prices (`@ -2 USD`): such a ledger cannot be exported.

use crate::export::dialect::{
    journal_amount, journal_code, push_tag, write_journal_dialect, JournalDialect, Kept,
};
use crate::export::peer::{Peer, Running};
use crate::export::{Books, ExportError};
use crate::journal::{write_directive, Directive};
use crate::model::account::Account;
use crate::model::amount::{format_at_scale, Commodity};
use crate::model::chart::Chart;
use crate::model::transaction::Transaction;
use crate::store::StoreError;
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Write the books (the whole ledger, or one party's) as a ledger-cli journal.
pub fn ledger(books: &Books, out: &mut impl Write) -> Result<(), ExportError> {
    write_journal_dialect::<Ledger>(books, out)
}

struct Ledger;

impl JournalDialect for Ledger {
    const PEER: Peer = Peer::Ledger;
    const HEADER: &'static str =
        "; gasledger export for ledger-cli (gasledger export --format ledger).\n\
         ; agreement and statement directives, which ledger-cli does not know, are comments.\n";
    const DROPPED: &'static str =
        "ledger-cli only accepts an assertion in the commodity of its posting";

    type Kept = FileOrder;

    /// `tag KEY` for every tag used (`--pedantic` requires every tag declared); the
    /// assertions are decided as the transactions are written.
    fn prepare(books: &Books, more: &mut String) -> Result<FileOrder, ExportError> {
        let mut keys: BTreeSet<String> = BTreeSet::new();
        let mut asserts = false;
        books.for_each_txn(|t| -> Result<(), StoreError> {
            let id = t.id.as_ref().map(|_| "id");
            let tags = t.tags.iter().chain(t.postings.iter().flat_map(|p| &p.tags));
            for k in id.into_iter().chain(tags.map(|(k, _)| k.as_str())) {
                if !keys.contains(k) {
                    keys.insert(k.to_string());
                }
            }
            asserts |= t.postings.iter().any(|p| p.assertion.is_some());
            Ok(())
        })?;
        if !keys.is_empty() {
            more.push('\n');
        }
        for k in keys {
            writeln!(more, "tag {k}").ok();
        }
        Ok(FileOrder {
            asserts,
            balances: Running::default(),
        })
    }

    fn commodity(buf: &mut String, c: &Commodity) {
        let sample = format_at_scale(Decimal::from(1000), c.scale);
        let code = journal_code(&c.code);
        writeln!(
            buf,
            "commodity {code}\n    ; kind: {}\n    format {sample} {code}",
            c.kind
        )
        .ok();
    }

    fn declaration(buf: &mut String, d: &Directive, chart: &Chart) -> io::Result<()> {
        // Checked by the canonical printer: what it refuses would not read back here.
        write_directive(&mut io::sink(), d, chart)?;
        match d {
            Directive::Party(p) => {
                writeln!(buf, "account {}", p.code).ok();
                if let Some(name) = &p.name {
                    writeln!(buf, "    ; party: {name}").ok();
                }
            }
            Directive::Account(a) => ledger_account(buf, a, chart),
            _ => {}
        }
        Ok(())
    }

    fn end_line_with_tags(buf: &mut String, indent: &str, tags: &[(&str, &str)]) {
        buf.push('\n');
        tag_lines(buf, indent, tags);
    }
}

/// The assertions that ledger-cli 3.3 accepts. It reads them in file order (here, recorded
/// order) and computes, in the asserted commodity only, `asserted − the account's balance
/// before the transaction − the postings to the account earlier in the transaction`; then it
/// subtracts the posting's own amount, in whatever commodity, and requires zero. So an
/// assertion in another commodity than its (non-zero) posting fails there.
struct FileOrder {
    /// Whether the books hold an assertion at all: if not, no balance is needed.
    asserts: bool,
    /// The balances before the transaction at hand.
    balances: Running,
}

impl Kept for FileOrder {
    fn kept(&mut self, t: &Transaction) -> Vec<bool> {
        if !self.asserts {
            return Vec::new();
        }
        let holds = (0..t.postings.len()).map(|j| self.holds(t, j)).collect();
        for p in &t.postings {
            if let Some(a) = &p.amount {
                self.balances.add(&p.account, &a.commodity, a.value);
            }
        }
        holds
    }
}

impl FileOrder {
    /// Whether ledger-cli accepts the assertion of posting `j` of `t`.
    fn holds(&self, t: &Transaction, j: usize) -> bool {
        let p = &t.postings[j];
        let (Some(x), Some(own)) = (&p.assertion, &p.amount) else {
            return false;
        };
        let c = x.commodity.as_str();
        let before = self.balances.get(&p.account, c);
        let diff = t.postings[..j]
            .iter()
            .filter(|q| q.account == p.account)
            .filter_map(|q| q.amount.as_ref())
            .filter(|a| a.commodity == c)
            .fold(before.and_then(|b| x.value.checked_sub(b)), |d, a| {
                d.and_then(|d| d.checked_sub(a.value))
            });
        match diff {
            Some(d) if own.commodity == c => own.value == d,
            Some(d) => own.value.is_zero() && d.is_zero(),
            None => false,
        }
    }
}

fn ledger_account(buf: &mut String, a: &Account, chart: &Chart) {
    writeln!(buf, "account {}", a.name).ok();
    if let Some(k) = a.kind {
        writeln!(buf, "    ; type: {k}").ok();
    }
    if let Some(f) = &a.floor {
        writeln!(buf, "    ; floor: {}", journal_amount(f, chart)).ok();
    }
}

/// One `; key: value` line per tag (ledger-cli's metadata runs to the end of the line).
fn tag_lines(buf: &mut String, indent: &str, tags: &[(&str, &str)]) {
    for (k, v) in tags {
        buf.push_str(indent);
        buf.push_str("; ");
        push_tag(buf, k, v);
        buf.push('\n');
    }
}
