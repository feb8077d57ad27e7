//! The journal text format: hledger's journal syntax plus gasledger's extension directives
//! (`agreement`, `statement`).
//!
//! [`Parser`] reads one source as a stream of [`Directive`]s, each with the [`Location`] it came
//! from; [`Journal`] (from [`open`]) follows `include` directives as well. [`read_transactions`]
//! reads books kept elsewhere as plain transactions, without a chart. The printer
//! ([`write_directive`], [`write_journal`]) writes directives back in a canonical form such that
//! parsing the output gives back the same directives, and printing those gives the same bytes.
//!
//! Architecture invariant: this module checks *syntax* only. It never checks that a transaction
//! balances, that an account is declared or that an amount fits its commodity's scale: the model
//! (`ledger`) decides that, when the store records what the parser produced. One rule of the model
//! is applied while reading, because it is about how a line is written: an agreement's field is
//! named by a plain word and given once (`agreement::check_agreement_field`), so that `kind: swap`
//! is refused at its own line. [`read_transactions`], which reads books that will not be
//! recorded here, has the model complete each transaction without a chart
//! (`Transaction::complete_without_chart`): the balance is still the model's to decide.

mod parse;
mod print;
mod transactions;

pub use parse::{default_kind, open, open_counting, parse_str, Counting, Journal, Parser};
pub use print::{render_transaction, write_directive, write_journal};
pub use transactions::read_transactions;

use crate::model::account::{Account, Party};
use crate::model::agreement::Agreement;
use crate::model::amount::Commodity;
use crate::model::fixing::Fixing;
use crate::model::statement::Statement;
use crate::model::transaction::Transaction;
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// Longest line accepted, in bytes (without its line ending). A limit so that a file without
/// newlines cannot make the parser buffer it whole; the model bounds what it accepts by it.
pub const LINE_LEN_MAX: usize = crate::model::text::LINE_LEN_MAX;

/// Deepest chain of `include`s followed (cycles are detected separately).
pub const INCLUDE_DEPTH_MAX: usize = 32;

/// A place in a journal file. `line` and `column` are 1-based; the column counts characters.
/// `line` 0 means the file as a whole (it could not be opened).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// Something read from a journal, with where it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub at: Location,
    pub item: T,
}

/// One top-level entry of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// `commodity 1000.000 mcm  ; kind: volume`: the scale is the sample's number of decimals;
    /// the kind defaults from the code (volume and energy units) or to money.
    Commodity(Commodity),
    /// `account TM  ; party: Turkmenistan`: an account name of one segment declares a party.
    Party(Party),
    /// `account TM:receivable:IR  ; type: asset, floor: 0.00 USD`.
    Account(Account),
    Transaction(Transaction),
    Agreement(Agreement),
    Statement(Statement),
    /// `P 2022-09-30 EUR 1.0566 USD`: a fixing, the rate of one commodity in another on a day.
    Price(Fixing),
}

/// What went wrong, for callers that treat some failures differently (a missing file, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text does not follow the journal syntax.
    Syntax,
    /// The text is not valid UTF-8.
    Encoding,
    /// A file could not be opened or read.
    Io(std::io::ErrorKind),
    /// An include cycle, or includes nested too deep.
    Include,
    /// A transaction well written that is not one: it does not balance, or its missing
    /// amount cannot be inferred ([`read_transactions`]).
    Transaction,
}

/// An error with the place it was found: `FILE:LINE:COL: message`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{at}: {message}")]
pub struct JournalError {
    pub at: Location,
    pub kind: ErrorKind,
    pub message: String,
}
