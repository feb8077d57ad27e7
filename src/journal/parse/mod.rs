//! A streaming parser of hledger-style journal text.
//!
//! The parser reads one line at a time into a buffer it reuses, and works on slices of that
//! line: it allocates only the strings the model keeps (account names, codes, descriptions,
//! tags). A block (a transaction and its postings, an agreement and its fields…) is emitted when
//! the next line that is not indented — or a blank line, or the end of the file — is seen.
//!
//! Grammar, line by line:
//!
//! - blank line: ends the open block;
//! - `;`, `#`, `*` or `%` in column 1: a comment line (it also ends the open block, as in
//!   hledger); `comment` … `end comment` is a comment block;
//! - a digit in column 1: a transaction header `DATE [*|!] [(CODE)] DESCRIPTION [; COMMENT]`;
//! - a word in column 1: a directive (`commodity`, `account`, `agreement`, `statement`, `P`,
//!   `include`); hledger's other directives are refused as unsupported;
//! - an indented line: a posting, a claim, an agreement field, a subdirective (`format`) or an
//!   indented `;` comment, according to the open block.
//!
//! Tags follow hledger: in a comment, a tag is a word immediately followed by `:`; its value runs
//! to the next `,` or the end of the comment. Text that is not a tag is ignored.
//!
//! The files, by what they hold:
//!
//! - `mod.rs` (here) — what a source yields (`Item`: a directive or an include), and the line
//!   being parsed (`Ctx`), which turns a slice of it into a `FILE:LINE:COLUMN` error;
//! - `reader.rs` — [`Parser`]: lines read into a reused buffer, the byte-order mark, line
//!   endings, overlong lines and invalid UTF-8, comment blocks, and what each line does to the
//!   open block;
//! - `exports.rs` — gasledger's own hledger and ledger-cli exports, whose extension directives
//!   are written as comments, read back as directives;
//! - `directives.rs` — a line in column 1: which directive it is, hledger's unsupported ones;
//! - `block.rs` — the open block: its indented lines, and the directive it becomes;
//! - `transaction.rs` — a transaction's header, its tags and its lines;
//! - `posting.rs` — a posting: its account, amount, price and assertion; amounts;
//! - `commodity.rs`, `account.rs`, `agreement.rs`, `statement.rs` — the declarations and
//!   gasledger's extension directives, with their tags and indented lines; `price.rs` — the
//!   `P` directive, a fixing;
//! - `lex.rs` — a line's first word, its comment, and the comment's tags;
//! - `includes.rs` — [`Journal`]: a file and the files it includes; [`open`], [`parse_str`];
//! - `tests/` — the parser's tests, by subject.

mod account;
mod agreement;
mod block;
mod commodity;
mod directives;
mod exports;
mod includes;
mod lex;
mod posting;
mod price;
mod reader;
mod statement;
mod transaction;

#[cfg(test)]
mod tests;

pub use commodity::default_kind;
pub use includes::{open, open_counting, parse_str, Counting, Journal};
pub use reader::Parser;

use super::{Directive, ErrorKind, JournalError, Located, Location};
use std::sync::Arc;

/// What a single source yields: a directive, or an include for [`Journal`] to follow.
enum Item {
    Directive(Located<Directive>),
    Include { at: Location, path: String },
}

/// The line being parsed, for locating errors: any `&str` handed to [`Ctx::err`] is a slice of
/// `line`, and its offset gives the column.
struct Ctx<'a> {
    file: &'a Arc<str>,
    line_no: u32,
    line: &'a str,
}

impl Ctx<'_> {
    fn loc(&self, at: &str) -> Location {
        let offset = (at.as_ptr() as usize)
            .saturating_sub(self.line.as_ptr() as usize)
            .min(self.line.len());
        let column = self.line.get(..offset).map_or(1, |s| s.chars().count() + 1);
        Location {
            file: self.file.clone(),
            line: self.line_no,
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    fn err(&self, at: &str, message: impl Into<String>) -> JournalError {
        JournalError {
            at: self.loc(at),
            kind: ErrorKind::Syntax,
            message: message.into(),
        }
    }
}
