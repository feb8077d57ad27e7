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
//! - a word in column 1: a directive (`commodity`, `account`, `agreement`, `statement`,
//!   `include`); hledger's other directives are refused as unsupported;
//! - an indented line: a posting, a claim, an agreement field, a subdirective (`format`) or an
//!   indented `;` comment, according to the open block.
//!
//! Tags follow hledger: in a comment, a tag is a word immediately followed by `:`; its value runs
//! to the next `,` or the end of the comment. Text that is not a tag is ignored.

use super::{
    Directive, ErrorKind, JournalError, Located, Location, INCLUDE_DEPTH_MAX, LINE_LEN_MAX,
};
use crate::model::account::{Account, AccountType, Party};
use crate::model::agreement::{self, Agreement};
use crate::model::amount::{self, Amount, AmountError, Commodity, Kind};
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::limits;
use crate::model::statement::{Claim, Statement};
use crate::model::transaction::{Posting, Price, Status, Transaction};
use std::fs::File;
// ASCII bytes found with memchr are char boundaries, so the indexes slice the `&str` safely;
// core's `str::find(char)` costs several times as much on the short texts of a journal line.
use memchr::memchr;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const BOM: &[u8] = b"\xEF\xBB\xBF";
const EXPECTED_AMOUNT: &str = "expected an amount like \"160 mcm\"";
const KNOWN_DIRECTIVES: &str = "commodity, account, agreement, statement or include";
/// hledger directives that gasledger does not implement: refused by name, so that the message
/// says "not supported" rather than "unknown".
const HLEDGER_DIRECTIVES: &[&str] = &[
    "P",
    "D",
    "Y",
    "year",
    "alias",
    "end",
    "apply",
    "payee",
    "tag",
    "decimal-mark",
    "~",
    "=",
    "C",
    "N",
    "A",
    "bucket",
    "def",
    "define",
    "assert",
    "check",
    "value",
    "capture",
    "eval",
    "expr",
    "python",
    "test",
];
/// Codes whose default kind is volume, and energy; any other code defaults to money.
const VOLUME_CODES: &[&str] = &["m3", "mcm", "bcm", "mcf", "bcf"];
const ENERGY_CODES: &[&str] = &["MJ", "GJ", "TJ", "PJ", "MWh", "MMBtu"];
/// Size of the read buffer of a journal file.
const READ_BUF_SIZE: usize = 64 * 1024;

/// The kind a commodity has when its declaration has no `kind:` tag.
pub fn default_kind(code: &str) -> Kind {
    if VOLUME_CODES.contains(&code) {
        Kind::Volume
    } else if ENERGY_CODES.contains(&code) {
        Kind::Energy
    } else {
        Kind::Money
    }
}

/// What a single source yields: a directive, or an include for [`Journal`] to follow.
pub(super) enum Item {
    Directive(Located<Directive>),
    Include { at: Location, path: String },
}

/// A streaming parser of one journal source. As an iterator it yields the directives in file
/// order and stops after the first error. It cannot follow `include` (it does not know where
/// its text lives): use [`open`] or [`Journal`] for that.
pub struct Parser<R> {
    reader: R,
    /// The current line, reused from line to line.
    buf: Vec<u8>,
    /// The line in `buf` ended a block and still has to be parsed itself.
    replay: bool,
    done: bool,
    st: State,
}

/// Everything but the reader and the line buffer, so that a line borrowed from the buffer can
/// be handed to it.
struct State {
    file: Arc<str>,
    line_no: u32,
    block: Option<Block>,
    in_comment_block: bool,
    /// The file is one of gasledger's own hledger or ledger-cli exports (its first line says
    /// so), whose `agreement` and `statement` directives are written as comments for the peer.
    own_export: bool,
    /// The open block was read from such a commented directive: its `;`-prefixed indented
    /// lines are its body.
    commented_block: bool,
    /// The last line was blank: an indented line now gets a hint that blank lines end blocks.
    after_blank: bool,
}

/// A directive whose indented lines are still being read.
enum Block {
    Transaction(Located<Transaction>),
    Commodity {
        at: Location,
        code: String,
        scale: Option<u32>,
        kind: Option<Kind>,
    },
    Party(Located<Party>),
    Account(Located<Account>),
    Agreement(Located<Agreement>),
    Statement(Located<Statement>),
}

enum Step {
    Continue,
    Emit(Item),
    /// Emit, then parse the same line again (it closed the block that is emitted).
    EmitThenReplay(Item),
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

impl<R: BufRead> Parser<R> {
    /// A parser of `reader`, whose errors name `file`.
    pub fn new(file: impl Into<Arc<str>>, reader: R) -> Parser<R> {
        Parser {
            reader,
            buf: Vec::with_capacity(256),
            replay: false,
            done: false,
            st: State {
                file: file.into(),
                line_no: 0,
                block: None,
                in_comment_block: false,
                own_export: false,
                commented_block: false,
                after_blank: false,
            },
        }
    }

    /// The name errors give this source.
    pub fn file(&self) -> &Arc<str> {
        &self.st.file
    }

    pub(super) fn next_item(&mut self) -> Option<Result<Item, JournalError>> {
        if self.done {
            return None;
        }
        let next = self.step();
        if !matches!(next, Some(Ok(_))) {
            // After an error or the end, nothing more: an import is all or nothing.
            self.done = true;
        }
        next
    }

    fn step(&mut self) -> Option<Result<Item, JournalError>> {
        loop {
            if self.replay {
                self.replay = false;
            } else {
                match self.read_line() {
                    Err(e) => return Some(Err(e)),
                    Ok(false) => {
                        return self.st.block.take().map(|b| finish(b).map(Item::Directive))
                    }
                    Ok(true) => {}
                }
            }
            let skip = if self.st.line_no == 1 && self.buf.starts_with(BOM) {
                BOM.len()
            } else {
                0
            };
            let bytes = &self.buf[skip..];
            let line = match std::str::from_utf8(bytes) {
                Ok(line) => line,
                Err(e) => return Some(Err(self.st.utf8_error(bytes, e))),
            };
            match self.st.line(line) {
                Ok(Step::Continue) => {}
                Ok(Step::Emit(item)) => return Some(Ok(item)),
                Ok(Step::EmitThenReplay(item)) => {
                    self.replay = true;
                    return Some(Ok(item));
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Read the next line into `buf`, without its line ending. `Ok(false)` at the end.
    fn read_line(&mut self) -> Result<bool, JournalError> {
        self.buf.clear();
        // Read at most one byte more than a longest line with "\r\n", so that an overlong line
        // is detected without buffering it whole.
        let limit = LINE_LEN_MAX as u64 + 3;
        let line_no = self.st.line_no.saturating_add(1);
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| JournalError {
                at: Location {
                    file: self.st.file.clone(),
                    line: line_no,
                    column: 1,
                },
                kind: ErrorKind::Io(e.kind()),
                message: format!("cannot read: {e}"),
            })?;
        if n == 0 {
            return Ok(false);
        }
        self.st.line_no = line_no;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if self.buf.len() > LINE_LEN_MAX {
            return Err(JournalError {
                at: Location {
                    file: self.st.file.clone(),
                    line: line_no,
                    column: 1,
                },
                kind: ErrorKind::Syntax,
                message: format!("line is longer than {LINE_LEN_MAX} bytes"),
            });
        }
        Ok(true)
    }
}

impl<R: BufRead> Iterator for Parser<R> {
    type Item = Result<Located<Directive>, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_item()? {
            Ok(Item::Directive(d)) => Some(Ok(d)),
            Ok(Item::Include { at, .. }) => {
                self.done = true;
                Some(Err(JournalError {
                    at,
                    kind: ErrorKind::Include,
                    message: "include is only followed in a journal read from a file \
                              (journal::open)"
                        .into(),
                }))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

impl State {
    fn utf8_error(&self, bytes: &[u8], e: std::str::Utf8Error) -> JournalError {
        let valid = &bytes[..e.valid_up_to()];
        let column = std::str::from_utf8(valid).map_or(1, |s| s.chars().count() + 1);
        JournalError {
            at: Location {
                file: self.file.clone(),
                line: self.line_no,
                column: u32::try_from(column).unwrap_or(u32::MAX),
            },
            kind: ErrorKind::Encoding,
            message: format!(
                "invalid UTF-8 (byte 0x{:02x}): expected UTF-8 text",
                bytes[e.valid_up_to()]
            ),
        }
    }

    fn line(&mut self, line: &str) -> Result<Step, JournalError> {
        if self.line_no == 1 && OWN_EXPORT_HEADERS.contains(&line.trim_end()) {
            self.own_export = true;
        }
        let line = if self.own_export && !self.in_comment_block {
            self.uncomment(line)
        } else {
            line
        };
        let ctx = Ctx {
            file: &self.file,
            line_no: self.line_no,
            line,
        };
        if self.in_comment_block {
            if line.trim_end() == "end comment" {
                self.in_comment_block = false;
            }
            return Ok(Step::Continue);
        }
        let content = line.trim_start_matches([' ', '\t']);
        if content.trim_end().is_empty() {
            self.after_blank = true;
            return Ok(match self.block.take() {
                Some(b) => Step::Emit(Item::Directive(finish(b)?)),
                None => Step::Continue,
            });
        }
        if content.len() != line.len() {
            indented(&ctx, &mut self.block, content, self.after_blank)?;
            return Ok(Step::Continue);
        }
        if let Some(b) = self.block.take() {
            return Ok(Step::EmitThenReplay(Item::Directive(finish(b)?)));
        }
        self.after_blank = false;
        Ok(match top_level(&ctx, line)? {
            Top::Skip => Step::Continue,
            Top::CommentBlock => {
                self.in_comment_block = true;
                Step::Continue
            }
            Top::Open(b) => {
                self.block = Some(b);
                Step::Continue
            }
            Top::Include(item) => Step::Emit(item),
        })
    }
}

enum Top {
    Skip,
    CommentBlock,
    Open(Block),
    Include(Item),
}

/// The first line of gasledger's own exports for hledger and ledger-cli.
const OWN_EXPORT_HEADERS: &[&str] = &[
    "; gasledger export for hledger (gasledger export --format hledger).",
    "; gasledger export for ledger-cli (gasledger export --format ledger).",
];

impl State {
    /// In one of gasledger's own peer exports, a directive that the peer does not know is
    /// written as a comment (`; agreement NAME`, `; statement DATE PARTY`, its body as
    /// `;     key value`): read it as the directive, so that the export reads back whole.
    fn uncomment<'l>(&mut self, line: &'l str) -> &'l str {
        if let Some(rest) = line.strip_prefix("; ") {
            let (word, after) = split_word(rest);
            let after = after.trim();
            let directive = match word {
                // `agreement NAME`: one word after it.
                "agreement" => !after.is_empty() && split_word(after).1.trim().is_empty(),
                // `statement DATE PARTY`.
                "statement" => after.starts_with(|c: char| c.is_ascii_digit()),
                _ => false,
            };
            if directive {
                self.commented_block = true;
                return rest;
            }
            if self.commented_block && self.block.is_some() && rest.starts_with("    ") {
                return &line[1..];
            }
        }
        if !line.starts_with([' ', '\t']) {
            self.commented_block = false;
        }
        line
    }
}

/// A line that starts in column 1 (not blank).
fn top_level(ctx: &Ctx, line: &str) -> Result<Top, JournalError> {
    let first = line.as_bytes()[0];
    if matches!(first, b';' | b'#' | b'*' | b'%') {
        return Ok(Top::Skip);
    }
    if first.is_ascii_digit() {
        return Ok(Top::Open(Block::Transaction(header(ctx, line)?)));
    }
    let (word, rest) = split_word(line);
    Ok(match word {
        "commodity" => Top::Open(commodity_directive(ctx, line, rest)?),
        "account" => Top::Open(account_directive(ctx, line, rest)?),
        "agreement" => Top::Open(agreement_directive(ctx, line, rest)?),
        "statement" => Top::Open(statement_directive(ctx, line, rest)?),
        "include" => Top::Include(include_directive(ctx, rest)?),
        "comment" => Top::CommentBlock,
        // ledger-cli's declaration of a tag name (gasledger's ledger-cli export writes one per
        // tag it uses): it changes nothing that gasledger keeps.
        "tag" if !rest.trim().is_empty() && split_word(rest.trim()).1.trim().is_empty() => {
            Top::Skip
        }
        w if HLEDGER_DIRECTIVES.contains(&w) => {
            return Err(ctx.err(
                word,
                format!(
                    "hledger's {w:?} directive is not supported by gasledger: expected a \
                     transaction, a comment or one of the directives {KNOWN_DIRECTIVES}"
                ),
            ))
        }
        w => {
            return Err(ctx.err(
                word,
                format!(
                    "unknown directive {w:?}: expected a transaction date, a comment \
                     (;, #, *) or one of the directives {KNOWN_DIRECTIVES}"
                ),
            ))
        }
    })
}

/// An indented, non-blank line: it belongs to the open block.
fn indented(
    ctx: &Ctx,
    block: &mut Option<Block>,
    content: &str,
    after_blank: bool,
) -> Result<(), JournalError> {
    let comment = content
        .strip_prefix(';')
        .or_else(|| content.strip_prefix('#'));
    let Some(block) = block else {
        if comment.is_some() {
            return Ok(());
        }
        let hint = if after_blank {
            " (a blank line ends the transaction or directive above it)"
        } else {
            ""
        };
        return Err(ctx.err(
            content,
            format!(
                "found an indented line outside any transaction{hint}: expected a date or a \
                 directive in column 1, or a comment"
            ),
        ));
    };
    match block {
        Block::Transaction(t) => transaction_line(ctx, &mut t.item, content, comment)?,
        Block::Commodity {
            code, scale, kind, ..
        } => match comment {
            Some(c) => commodity_tags(ctx, kind, c)?,
            None => format_subdirective(ctx, code, scale, content)?,
        },
        Block::Party(p) => match comment {
            Some(c) => party_tags(ctx, &mut p.item, c)?,
            None => return Err(only_comments(ctx, content, "account")),
        },
        Block::Account(a) => match comment {
            Some(c) => account_tags(ctx, &mut a.item, c)?,
            None => return Err(only_comments(ctx, content, "account")),
        },
        Block::Agreement(a) => {
            if comment.is_none() {
                agreement_field(ctx, &mut a.item, content)?;
            }
        }
        Block::Statement(s) => match comment {
            Some(c) => statement_tags(ctx, &mut s.item, c)?,
            None => s.item.claims.push(claim(ctx, content)?),
        },
    }
    Ok(())
}

/// A line of a transaction: a comment (tags of the last posting, or of the transaction before
/// any posting), or a posting.
fn transaction_line(
    ctx: &Ctx,
    t: &mut Transaction,
    content: &str,
    comment: Option<&str>,
) -> Result<(), JournalError> {
    if let Some(c) = comment {
        match t.postings.last_mut() {
            Some(p) => p.tags.extend(tags(c).map(owned)),
            None => transaction_tags(ctx, t, c)?,
        }
        return Ok(());
    }
    if t.postings.len() >= limits::POSTINGS_MAX {
        return Err(ctx.err(
            content,
            format!(
                "a transaction may have at most {} postings",
                limits::POSTINGS_MAX
            ),
        ));
    }
    t.postings.push(posting(ctx, content)?);
    Ok(())
}

/// A field of an agreement (`NAME VALUE`), checked by the model's rule for a field here, so
/// that the error names its line.
fn agreement_field(ctx: &Ctx, a: &mut Agreement, content: &str) -> Result<(), JournalError> {
    let (body, _) = split_comment(content);
    let (key, value) = split_word(body.trim_end());
    let value = value.trim();
    agreement::check_agreement_field(&a.fields, key, value).map_err(|e| {
        let why = match e {
            LedgerError::BadAgreement { why, .. } => why,
            e => e.to_string(),
        };
        ctx.err(key, format!("agreement {}: {why}", a.name))
    })?;
    a.fields.push((key.to_string(), value.to_string()));
    Ok(())
}

fn only_comments(ctx: &Ctx, content: &str, directive: &str) -> JournalError {
    ctx.err(
        content,
        format!(
            "expected a comment (\"; tag: value\") under the {directive} directive, found {:?}",
            content.trim_end()
        ),
    )
}

/// Turn a finished block into its directive.
fn finish(block: Block) -> Result<Located<Directive>, JournalError> {
    Ok(match block {
        Block::Transaction(t) => located(t, Directive::Transaction),
        Block::Commodity {
            at,
            code,
            scale,
            kind,
        } => {
            let Some(scale) = scale else {
                return Err(JournalError {
                    at,
                    kind: ErrorKind::Syntax,
                    message: format!(
                        "commodity {code} has no sample amount: expected \
                         \"commodity 1000.000 {code}\" or an indented \"format 1000.000 {code}\" line"
                    ),
                });
            };
            let kind = kind.unwrap_or_else(|| default_kind(&code));
            Located {
                at,
                item: Directive::Commodity(Commodity { code, kind, scale }),
            }
        }
        Block::Party(p) => located(p, Directive::Party),
        Block::Account(a) => located(a, Directive::Account),
        Block::Agreement(a) => located(a, Directive::Agreement),
        Block::Statement(s) => located(s, Directive::Statement),
    })
}

fn located<T>(l: Located<T>, f: impl FnOnce(T) -> Directive) -> Located<Directive> {
    Located {
        at: l.at,
        item: f(l.item),
    }
}

// ---------------------------------------------------------------------------------------------
// Transactions

/// `DATE [*|!] [(CODE)] DESCRIPTION [; COMMENT]`
fn header(ctx: &Ctx, line: &str) -> Result<Located<Transaction>, JournalError> {
    let date_end = line
        .find(|c: char| c.is_whitespace() || c == ';')
        .unwrap_or(line.len());
    let date_text = &line[..date_end];
    let date = Date::from_str(date_text).map_err(|e| ctx.err(date_text, e.to_string()))?;
    let mut rest = line[date_end..].trim_start();
    let mut status = Status::Unmarked;
    if let Some(r) = rest.strip_prefix('*') {
        status = Status::Cleared;
        rest = r.trim_start();
    } else if let Some(r) = rest.strip_prefix('!') {
        status = Status::Pending;
        rest = r.trim_start();
    }
    let mut code = None;
    if let Some(r) = rest.strip_prefix('(') {
        let Some(close) = r.find(')') else {
            return Err(ctx.err(
                rest,
                format!(
                    "expected ')' closing the transaction code, found {:?}",
                    rest.trim_end()
                ),
            ));
        };
        code = Some(r[..close].to_string());
        rest = r[close + 1..].trim_start();
    }
    let (description, comment) = split_comment(rest);
    let mut t = Transaction {
        date,
        status,
        code,
        description: description.trim().to_string(),
        tags: Vec::new(),
        id: None,
        postings: Vec::new(),
    };
    if let Some(c) = comment {
        transaction_tags(ctx, &mut t, c)?;
    }
    Ok(Located {
        at: ctx.loc(line),
        item: t,
    })
}

/// The tag `id` is the transaction's id (one only); every other tag is kept in order.
fn transaction_tags(ctx: &Ctx, t: &mut Transaction, comment: &str) -> Result<(), JournalError> {
    for (key, value) in tags(comment) {
        if key == "id" {
            if let Some(first) = &t.id {
                return Err(ctx.err(
                    key,
                    format!(
                        "found a second id: tag, but the transaction has an id already ({first})"
                    ),
                ));
            }
            t.id = Some(value.to_string());
        } else {
            t.tags.push(owned((key, value)));
        }
    }
    Ok(())
}

/// `[*|!] ACCOUNT[  AMOUNT [@ PRICE | @@ TOTAL] [= ASSERTED]] [; COMMENT]`. A posting's own
/// status mark is accepted and dropped: the model keeps status per transaction.
fn posting(ctx: &Ctx, content: &str) -> Result<Posting, JournalError> {
    let mut s = content;
    if let Some(r) = s.strip_prefix(['*', '!']) {
        s = r.trim_start_matches([' ', '\t']);
    }
    let (body, comment) = split_comment(s);
    let end = account_end(body);
    let account = body[..end].trim_end();
    if account.is_empty() {
        return Err(ctx.err(s, "expected an account name, found nothing"));
    }
    if account.starts_with(['(', '[']) {
        return Err(ctx.err(
            account,
            format!(
                "virtual postings like {account} are not supported: expected an account name \
                 without brackets"
            ),
        ));
    }
    let (amount, price, assertion) = posting_amounts(ctx, &body[end..])?;
    let mut p = Posting {
        account: account.to_string(),
        amount,
        price,
        assertion,
        tags: Vec::new(),
    };
    if let Some(c) = comment {
        p.tags.extend(tags(c).map(owned));
    }
    Ok(p)
}

/// An account name ends at a tab or at two spaces in a row.
fn account_end(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\t' => return i,
            b' ' if b.get(i + 1) == Some(&b' ') => return i,
            _ => i += 1,
        }
    }
    b.len()
}

type PostingAmounts = (Option<Amount>, Option<Price>, Option<Amount>);

/// `[AMOUNT] [@ PRICE | @@ TOTAL] [= ASSERTED]`, all optional.
fn posting_amounts(ctx: &Ctx, text: &str) -> Result<PostingAmounts, JournalError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok((None, None, None));
    }
    let (left, asserted) = match memchr(b'=', t.as_bytes()) {
        Some(i) => {
            let after = &t[i + 1..];
            if after.starts_with(['=', '*']) {
                return Err(ctx.err(
                    &t[i..],
                    "unsupported balance assertion: expected \"= AMOUNT\" (not \"==\" or \"=*\")",
                ));
            }
            (&t[..i], Some(after))
        }
        None => (t, None),
    };
    let (amount_text, price_text) = match memchr(b'@', left.as_bytes()) {
        Some(i) => match left[i + 1..].strip_prefix('@') {
            Some(total) => (&left[..i], Some((true, total))),
            None => (&left[..i], Some((false, &left[i + 1..]))),
        },
        None => (left, None),
    };
    let amount = if amount_text.trim().is_empty() {
        if price_text.is_some() {
            return Err(ctx.err(
                left,
                format!(
                    "{EXPECTED_AMOUNT} before the price, found {:?}",
                    left.trim()
                ),
            ));
        }
        None
    } else {
        Some(parse_amount(ctx, amount_text)?)
    };
    let price = match price_text {
        Some((true, p)) => Some(Price::Total(parse_amount(ctx, p)?)),
        Some((false, p)) => Some(Price::Unit(parse_amount(ctx, p)?)),
        None => None,
    };
    let assertion = asserted.map(|a| parse_amount(ctx, a)).transpose()?;
    Ok((amount, price, assertion))
}

/// `NUMBER CODE` or `CODE NUMBER`. Numbers go through [`amount::parse_number`] only; codes are
/// checked with [`amount::is_code`]. Anything after the amount is an error.
fn parse_amount(ctx: &Ctx, text: &str) -> Result<Amount, JournalError> {
    let t = text.trim();
    let at = if t.is_empty() { text } else { t };
    let mut words = t.split_whitespace();
    let (first, second) = match (words.next(), words.next()) {
        (Some(a), Some(b)) => (a, b),
        (None, _) => return Err(ctx.err(at, format!("{EXPECTED_AMOUNT}, found nothing"))),
        (Some(_), None) => {
            return Err(ctx.err(
                at,
                format!("{EXPECTED_AMOUNT} (a number and a commodity code), found {t:?}"),
            ))
        }
    };
    let first_is_number = first
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.'));
    let (number, code) = if first_is_number {
        (first, second)
    } else {
        (second, first)
    };
    let value = match amount::parse_number(number) {
        Ok(v) => v,
        Err(e @ AmountError::TooLarge { .. }) => return Err(ctx.err(number, e.to_string())),
        Err(_) => return Err(ctx.err(at, format!("{EXPECTED_AMOUNT}, found {t:?}"))),
    };
    if !amount::is_code(code) {
        return Err(ctx.err(
            code,
            format!(
                "expected a commodity code (a letter, then letters or digits, at most {} \
                 characters), found {code:?}",
                amount::CODE_LEN_MAX
            ),
        ));
    }
    if let Some(extra) = words.next() {
        let extra = &t[offset_in(t, extra)..];
        let amount = t[..offset_in(t, second) + second.len()].trim_end();
        return Err(ctx.err(
            extra,
            format!("unexpected {extra:?} after the amount {amount:?}"),
        ));
    }
    Ok(Amount::new(value, code))
}

fn offset_in(outer: &str, inner: &str) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

// ---------------------------------------------------------------------------------------------
// Directives

/// `commodity 1000.000 mcm [; kind: volume]` or `commodity mcm` with an indented `format` line.
fn commodity_directive(ctx: &Ctx, line: &str, rest: &str) -> Result<Block, JournalError> {
    let (body, comment) = split_comment(rest);
    let sample = body.trim();
    if sample.is_empty() {
        return Err(ctx.err(
            rest,
            "expected a sample amount like \"commodity 1000.000 mcm\", found nothing",
        ));
    }
    let (code, scale) = if amount::is_code(sample) {
        (sample.to_string(), None)
    } else {
        // hledger writes a commodity of no decimals with its decimal mark, `1000. GJ`, to say
        // which mark it uses: the sample's scale is 0.
        let bare = sample
            .split_whitespace()
            .map(|w| match w.strip_suffix('.') {
                Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b',') => n,
                _ => w,
            })
            .collect::<Vec<_>>()
            .join(" ");
        let a = parse_amount(ctx, sample).or_else(|e| parse_amount(ctx, &bare).map_err(|_| e))?;
        (a.commodity, Some(a.value.scale()))
    };
    let mut kind = None;
    if let Some(c) = comment {
        commodity_tags(ctx, &mut kind, c)?;
    }
    Ok(Block::Commodity {
        at: ctx.loc(line),
        code,
        scale,
        kind,
    })
}

fn commodity_tags(ctx: &Ctx, kind: &mut Option<Kind>, comment: &str) -> Result<(), JournalError> {
    for (key, value) in tags(comment) {
        if key == "kind" {
            *kind = Some(Kind::from_str(value).map_err(|m| ctx.err(value, m))?);
        }
    }
    Ok(())
}

/// hledger's `format 1000.000 mcm` under `commodity mcm`.
fn format_subdirective(
    ctx: &Ctx,
    code: &str,
    scale: &mut Option<u32>,
    content: &str,
) -> Result<(), JournalError> {
    let (body, _) = split_comment(content);
    let (word, sample) = split_word(body);
    if word != "format" {
        return Err(ctx.err(
            content,
            format!(
                "expected \"format 1000.000 {code}\" or a comment under the commodity directive, \
                 found {:?}",
                body.trim_end()
            ),
        ));
    }
    if scale.is_some() {
        return Err(ctx.err(
            content,
            format!("commodity {code} has a sample amount already: expected one only"),
        ));
    }
    let a = parse_amount(ctx, sample)?;
    if a.commodity != code {
        return Err(ctx.err(
            sample.trim(),
            format!(
                "expected a sample amount in {code}, found one in {}",
                a.commodity
            ),
        ));
    }
    *scale = Some(a.value.scale());
    Ok(())
}

/// `account NAME [; tags]`: a party when NAME has one segment, else an account.
fn account_directive(ctx: &Ctx, line: &str, rest: &str) -> Result<Block, JournalError> {
    let (body, comment) = split_comment(rest);
    let start = body.trim_start();
    let end = account_end(start);
    let name = start[..end].trim_end();
    if name.is_empty() {
        return Err(ctx.err(
            rest,
            "expected an account name after \"account\", found nothing",
        ));
    }
    let extra = start[end..].trim();
    if !extra.is_empty() {
        return Err(ctx.err(
            extra,
            format!("unexpected {extra:?} after the account name: expected a comment after ';'"),
        ));
    }
    let at = ctx.loc(line);
    if name.contains(':') {
        let mut a = Located {
            at,
            item: Account {
                name: name.to_string(),
                kind: None,
                floor: None,
            },
        };
        if let Some(c) = comment {
            account_tags(ctx, &mut a.item, c)?;
        }
        Ok(Block::Account(a))
    } else {
        let mut p = Located {
            at,
            item: Party {
                code: name.to_string(),
                name: None,
            },
        };
        if let Some(c) = comment {
            party_tags(ctx, &mut p.item, c)?;
        }
        Ok(Block::Party(p))
    }
}

fn party_tags(ctx: &Ctx, p: &mut Party, comment: &str) -> Result<(), JournalError> {
    for (key, value) in tags(comment) {
        match key {
            "party" => p.name = Some(value.to_string()),
            "type" | "floor" => {
                return Err(ctx.err(
                    key,
                    format!(
                        "party {code} cannot have a {key}: tag: expected it on an account of \
                         the party (like {code}:receivable)",
                        code = p.code
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn account_tags(ctx: &Ctx, a: &mut Account, comment: &str) -> Result<(), JournalError> {
    for (key, value) in tags(comment) {
        match key {
            "type" => a.kind = Some(AccountType::from_str(value).map_err(|m| ctx.err(value, m))?),
            "floor" => {
                a.floor =
                    Some(amount::parse_amount(value).map_err(|e| ctx.err(value, e.to_string()))?)
            }
            _ => {}
        }
    }
    Ok(())
}

/// `agreement NAME`, then indented `KEY VALUE` lines.
fn agreement_directive(ctx: &Ctx, line: &str, rest: &str) -> Result<Block, JournalError> {
    let (body, _) = split_comment(rest);
    let name = body.trim();
    if name.is_empty() {
        return Err(ctx.err(
            rest,
            "expected an agreement name after \"agreement\", found nothing",
        ));
    }
    Ok(Block::Agreement(Located {
        at: ctx.loc(line),
        item: Agreement {
            name: name.to_string(),
            fields: Vec::new(),
        },
    }))
}

/// `statement DATE PARTY [; id: ID, source: TEXT]`, then indented `ACCOUNT  AMOUNT` claims.
fn statement_directive(ctx: &Ctx, line: &str, rest: &str) -> Result<Block, JournalError> {
    const USAGE: &str = "expected \"statement DATE PARTY\"";
    let (body, comment) = split_comment(rest);
    let mut words = body.split_whitespace();
    let Some(date_text) = words.next() else {
        return Err(ctx.err(rest, format!("{USAGE}, found nothing after \"statement\"")));
    };
    let date = Date::from_str(date_text).map_err(|e| ctx.err(date_text, e.to_string()))?;
    let Some(party) = words.next() else {
        return Err(ctx.err(
            &body[body.len()..],
            format!("{USAGE}: the party is missing"),
        ));
    };
    if let Some(extra) = words.next() {
        return Err(ctx.err(
            extra,
            format!("unexpected {extra:?} after the party: {USAGE}"),
        ));
    }
    let mut s = Statement {
        date,
        party: party.to_string(),
        id: None,
        source: None,
        claims: Vec::new(),
    };
    if let Some(c) = comment {
        statement_tags(ctx, &mut s, c)?;
    }
    Ok(Block::Statement(Located {
        at: ctx.loc(line),
        item: s,
    }))
}

/// `id:` (one only) and `source:`; other tags are comment.
fn statement_tags(ctx: &Ctx, s: &mut Statement, comment: &str) -> Result<(), JournalError> {
    for (key, value) in tags(comment) {
        match key {
            "source" => s.source = Some(value.to_string()),
            "id" => {
                if let Some(first) = &s.id {
                    return Err(ctx.err(
                        key,
                        format!(
                            "found a second id: tag, but the statement has an id already ({first})"
                        ),
                    ));
                }
                s.id = Some(value.to_string());
            }
            _ => {}
        }
    }
    Ok(())
}

/// A statement's claim: a posting line with an amount and nothing else.
fn claim(ctx: &Ctx, content: &str) -> Result<Claim, JournalError> {
    let p = posting(ctx, content)?;
    if p.price.is_some() || p.assertion.is_some() {
        return Err(ctx.err(
            content,
            "expected \"ACCOUNT  AMOUNT\" in a statement: a claim has no price and no assertion",
        ));
    }
    let Some(amount) = p.amount else {
        return Err(ctx.err(
            content,
            format!(
                "{EXPECTED_AMOUNT} after the account {} in a statement, found nothing",
                p.account
            ),
        ));
    };
    Ok(Claim {
        account: p.account,
        amount,
    })
}

/// `include PATH`, relative to the including file's folder.
fn include_directive(ctx: &Ctx, rest: &str) -> Result<Item, JournalError> {
    let (body, _) = split_comment(rest);
    let path = body.trim();
    if path.is_empty() {
        return Err(ctx.err(
            rest,
            "expected a file name after \"include\", found nothing",
        ));
    }
    if path.contains(['*', '?', '[']) {
        return Err(ctx.err(
            path,
            format!("include globs are not supported: expected one file name, found {path:?}"),
        ));
    }
    Ok(Item::Include {
        at: ctx.loc(path),
        path: path.to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// Lexical helpers

/// The first whitespace-delimited word and the rest (starting with the whitespace).
fn split_word(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        // An empty slice at the end (not a literal ""), so that it still locates errors.
        None => (s, &s[s.len()..]),
    }
}

/// Text before the first `;`, and the comment after it.
fn split_comment(s: &str) -> (&str, Option<&str>) {
    match memchr(b';', s.as_bytes()) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

/// The tags of a comment (the text after `;`), hledger style: in each `,`-separated part, the
/// word right before the first `:` that follows a non-blank character is the tag's name, and
/// the rest of the part, trimmed, its value. Parts without such a colon are plain comment.
pub(super) fn tags(comment: &str) -> impl Iterator<Item = (&str, &str)> {
    comment.split(',').filter_map(|part| {
        let mut from = 0;
        while let Some(i) = memchr(b':', &part.as_bytes()[from..]) {
            let colon = from + i;
            let before = &part[..colon];
            let start = before
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace())
                .map_or(0, |(j, c)| j + c.len_utf8());
            if start < colon {
                return Some((&part[start..colon], part[colon + 1..].trim()));
            }
            from = colon + 1;
        }
        None
    })
}

fn owned((k, v): (&str, &str)) -> (String, String) {
    (k.to_string(), v.to_string())
}

// ---------------------------------------------------------------------------------------------
// Journals: a file and its includes

/// The directives of a journal and, recursively, of the files it includes, in reading order.
/// Stops after the first error.
pub struct Journal<R: BufRead = BufReader<File>> {
    root: Parser<R>,
    root_dir: PathBuf,
    /// The root's canonical path, when it is a file, for detecting include cycles.
    root_canonical: Option<PathBuf>,
    /// Included files being read, innermost last.
    includes: Vec<Frame>,
    failed: bool,
}

struct Frame {
    parser: Parser<BufReader<File>>,
    dir: PathBuf,
    canonical: PathBuf,
}

impl<R: BufRead> Journal<R> {
    /// A journal read from `reader`, named `name` in errors; includes are resolved relative to
    /// the folder of `name`.
    pub fn from_reader(name: &str, reader: R) -> Journal<R> {
        Journal {
            root: Parser::new(name, reader),
            root_dir: Path::new(name)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            root_canonical: None,
            includes: Vec::new(),
            failed: false,
        }
    }

    fn include(&mut self, at: Location, path: &str) -> Result<(), JournalError> {
        let dir = self.includes.last().map_or(&self.root_dir, |f| &f.dir);
        let full = dir.join(path);
        let name = full.display().to_string();
        if self.includes.len() >= INCLUDE_DEPTH_MAX {
            return Err(JournalError {
                at,
                kind: ErrorKind::Include,
                message: format!(
                    "cannot include {name}: includes are nested more than {INCLUDE_DEPTH_MAX} deep"
                ),
            });
        }
        let io_error = |e: std::io::Error| JournalError {
            at: at.clone(),
            kind: ErrorKind::Io(e.kind()),
            message: format!("cannot open included file {name}: {e}"),
        };
        let file = File::open(&full).map_err(io_error)?;
        let canonical = full.canonicalize().map_err(io_error)?;
        let open: Vec<(&Arc<str>, &PathBuf)> = self
            .root_canonical
            .as_ref()
            .map(|c| (self.root.file(), c))
            .into_iter()
            .chain(
                self.includes
                    .iter()
                    .map(|f| (f.parser.file(), &f.canonical)),
            )
            .collect();
        if let Some(first) = open.iter().position(|(_, c)| **c == canonical) {
            let chain: Vec<&str> = open[first..]
                .iter()
                .map(|(n, _)| &***n)
                .chain(std::iter::once(name.as_str()))
                .collect();
            return Err(JournalError {
                at,
                kind: ErrorKind::Include,
                message: format!("include cycle: {}", chain.join(" includes ")),
            });
        }
        let dir = full.parent().map(Path::to_path_buf).unwrap_or_default();
        self.includes.push(Frame {
            parser: Parser::new(name, BufReader::with_capacity(READ_BUF_SIZE, file)),
            dir,
            canonical,
        });
        Ok(())
    }
}

impl<R: BufRead> Iterator for Journal<R> {
    type Item = Result<Located<Directive>, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.failed {
                return None;
            }
            let next = match self.includes.last_mut() {
                Some(f) => f.parser.next_item(),
                None => self.root.next_item(),
            };
            match next {
                None => {
                    self.includes.pop()?;
                }
                Some(Ok(Item::Directive(d))) => return Some(Ok(d)),
                Some(Ok(Item::Include { at, path })) => {
                    if let Err(e) = self.include(at, &path) {
                        self.failed = true;
                        return Some(Err(e));
                    }
                }
                Some(Err(e)) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Open a journal file for streaming: its directives and those of the files it includes.
pub fn open(path: &Path) -> Result<Journal, JournalError> {
    open_with(path, |f| f)
}

/// A reader that counts the bytes read through it, for progress reporting.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// [`open`], adding the bytes read of the root file to `count` as parsing goes.
pub fn open_counting(
    path: &Path,
    count: Arc<AtomicU64>,
) -> Result<Journal<BufReader<Counting<File>>>, JournalError> {
    open_with(path, |inner| Counting { inner, count })
}

fn open_with<R: Read>(
    path: &Path,
    wrap: impl FnOnce(File) -> R,
) -> Result<Journal<BufReader<R>>, JournalError> {
    let name = path.display().to_string();
    let io_error = |e: std::io::Error| JournalError {
        at: Location {
            file: name.as_str().into(),
            line: 0,
            column: 0,
        },
        kind: ErrorKind::Io(e.kind()),
        message: format!("cannot open journal: {e}"),
    };
    let file = File::open(path).map_err(io_error)?;
    let canonical = path.canonicalize().map_err(io_error)?;
    let mut journal =
        Journal::from_reader(&name, BufReader::with_capacity(READ_BUF_SIZE, wrap(file)));
    journal.root_canonical = Some(canonical);
    Ok(journal)
}

/// Parse a whole text (for tests and small inputs). Includes are resolved relative to the
/// folder of `name`.
pub fn parse_str(name: &str, text: &str) -> Result<Vec<Located<Directive>>, JournalError> {
    Journal::from_reader(name, text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn amt(v: &str, c: &str) -> Amount {
        Amount::new(d(v), c)
    }

    fn parse(text: &str) -> Vec<Directive> {
        parse_str("t.ledger", text)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|l| l.item)
            .collect()
    }

    fn one_txn(text: &str) -> Transaction {
        match parse(text).as_slice() {
            [Directive::Transaction(t)] => t.clone(),
            other => panic!("expected one transaction, got {other:?}"),
        }
    }

    fn error(text: &str) -> String {
        parse_str("t.ledger", text).unwrap_err().to_string()
    }

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
    fn own_peer_exports_read_their_commented_directives_back() {
        let body = "\
; agreement x
;     kind       offset
;     debtor     IQ

tag agreement

; statement 2022-06-30 TM  ; source: a letter
;     TM:cash   1.00 USD
; a plain comment
";
        let exported = format!(
            "; gasledger export for hledger (gasledger export --format hledger).\n\
             ; agreement and statement directives, which hledger does not know, are comments.\n{body}"
        );
        let ds = parse(&exported);
        assert_eq!(ds.len(), 2, "{ds:?}");
        assert!(
            matches!(&ds[0], Directive::Agreement(a) if a.name == "x" && a.fields.len() == 2),
            "{ds:?}"
        );
        assert!(
            matches!(&ds[1], Directive::Statement(s) if s.claims.len() == 1 && s.party == "TM"),
            "{ds:?}"
        );
        // Anywhere else the same lines are comments (and `tag NAME` declares nothing).
        assert_eq!(parse(body), vec![]);
        assert!(error("tag\n").contains("\"tag\" directive is not supported"));
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
    fn header_forms() {
        let t = one_txn("2022/1/5 ! (INV-7) Pay: Iraq ; note: x\n");
        assert_eq!(t.date.to_string(), "2022-01-05");
        assert_eq!(t.status, Status::Pending);
        assert_eq!(t.code.as_deref(), Some("INV-7"));
        assert_eq!(t.description, "Pay: Iraq");
        assert_eq!(t.tags, vec![("note".into(), "x".into())]);
        let t = one_txn("2022.01.05\n");
        assert_eq!(t.status, Status::Unmarked);
        assert_eq!(t.description, "");
        assert_eq!(t.code, None);
        let t = one_txn("2022-01-05 *()  ; id: a\n");
        assert_eq!(t.code.as_deref(), Some(""));
        assert_eq!(t.id.as_deref(), Some("a"));
    }

    #[test]
    fn tag_syntax() {
        let found: Vec<_> =
            tags(" free text key: v1, other: a b: c, no tag here, empty:, x:y").collect();
        assert_eq!(
            found,
            vec![
                ("key", "v1"),
                ("other", "a b: c"),
                ("empty", ""),
                ("x", "y")
            ]
        );
        assert_eq!(tags(" : nothing, a :b").count(), 0);
        // The id comes from the header or from a comment line before the first posting.
        let t = one_txn("2022-01-01 x\n    ; id: abc, k: v\n    A:b  1 USD\n");
        assert_eq!(t.id.as_deref(), Some("abc"));
        assert_eq!(t.tags, vec![("k".into(), "v".into())]);
        // An id on a posting is a posting tag.
        let t = one_txn("2022-01-01 x\n    A:b  1 USD  ; id: p\n");
        assert_eq!(t.id, None);
        assert_eq!(t.postings[0].tags, vec![("id".into(), "p".into())]);
    }

    #[test]
    fn second_id_refused() {
        let e = error("2022-01-01 x  ; id: a\n    ; id: b\n");
        assert!(e.starts_with("t.ledger:2:7: found a second id: tag"), "{e}");
    }

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
            e.starts_with(
                "t.ledger:2:10: number \"79228162514264337593543950336\" has more digits"
            ),
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
    fn bad_dates() {
        let e = error("2022-02-30 x\n");
        assert_eq!(
            e,
            "t.ledger:1:1: 2022-02-30 is not a date: month 2 of 2022 has 28 days"
        );
        let e = error("\n2022-0x-01 x\n");
        assert_eq!(
            e,
            "t.ledger:2:1: expected a date like 2022-01-31, found \"2022-0x-01\""
        );
        let e = error("2022-01-01=2022-01-02 x\n");
        assert!(
            e.starts_with("t.ledger:1:1: expected a date like 2022-01-31"),
            "{e}"
        );
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
    fn unknown_and_unsupported_directives() {
        let e = error("acount TM\n");
        assert_eq!(
            e,
            "t.ledger:1:1: unknown directive \"acount\": expected a transaction date, a comment \
             (;, #, *) or one of the directives commodity, account, agreement, statement or include"
        );
        for d in [
            "P 2022-01-01 mcm 5 USD",
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
    fn virtual_postings_refused() {
        let e = error("2022-01-01 x\n    (A:b)  1 USD\n");
        assert!(
            e.starts_with("t.ledger:2:5: virtual postings like (A:b) are not supported"),
            "{e}"
        );
    }

    #[test]
    fn code_needs_its_parenthesis() {
        let e = error("2022-01-01 * (abc desc\n");
        assert!(
            e.starts_with("t.ledger:1:14: expected ')' closing the transaction code"),
            "{e}"
        );
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
    fn transactions_end_at_the_next_line_in_column_1() {
        let ds = parse(
            "2022-01-01 a\n    A:b  1 USD\n2022-01-02 b\n    A:c  2 USD\nagreement x\n    k v\n",
        );
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
    fn too_many_postings() {
        let mut text = String::from("2022-01-01 x\n");
        for _ in 0..=limits::POSTINGS_MAX {
            text.push_str("    A:b  1 USD\n");
        }
        let e = error(&text);
        assert!(
            e.starts_with(&format!(
                "t.ledger:{}:5: a transaction may have at most",
                limits::POSTINGS_MAX + 2
            )),
            "{e}"
        );
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

    #[test]
    fn bare_parser_refuses_include() {
        let mut p = Parser::new("t.ledger", &b"include other.ledger\n"[..]);
        let e = p.next().unwrap().unwrap_err();
        assert_eq!(e.kind, ErrorKind::Include);
        assert!(
            e.to_string()
                .starts_with("t.ledger:1:9: include is only followed"),
            "{e}"
        );
    }

    mod includes {
        use super::*;
        use std::fs;

        #[test]
        fn include_relative_to_the_including_file() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            fs::create_dir(root.join("sub")).unwrap();
            fs::write(
                root.join("main.ledger"),
                "account TM\ninclude sub/a.ledger  ; the rest\naccount IR\n",
            )
            .unwrap();
            fs::write(
                root.join("sub/a.ledger"),
                "2022-01-01 a\n    TM:x  1 USD\ninclude b.ledger\n",
            )
            .unwrap();
            fs::write(root.join("sub/b.ledger"), "account AZ\n").unwrap();
            let ds: Vec<_> = open(&root.join("main.ledger"))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let names: Vec<String> = ds
                .iter()
                .map(|d| match &d.item {
                    Directive::Party(p) => p.code.clone(),
                    Directive::Transaction(t) => t.description.clone(),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(names, ["TM", "a", "AZ", "IR"]);
            assert!(ds[2].at.file.ends_with("sub/b.ledger"), "{}", ds[2].at);
            assert_eq!(ds[2].at.line, 1);
        }

        #[test]
        fn errors_in_an_included_file_name_it() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            fs::write(root.join("main.ledger"), "include bad.ledger\n").unwrap();
            fs::write(root.join("bad.ledger"), "; fine\nbogus\n").unwrap();
            let e = open(&root.join("main.ledger"))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap_err();
            let want = format!(
                "{}:2:1: unknown directive",
                root.join("bad.ledger").display()
            );
            assert!(e.to_string().starts_with(&want), "{e}");
        }

        #[test]
        fn missing_files() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            let missing = root.join("none.ledger");
            let e = open(&missing).err().unwrap();
            assert_eq!(e.kind, ErrorKind::Io(std::io::ErrorKind::NotFound));
            assert!(
                e.to_string()
                    .starts_with(&format!("{}: cannot open journal:", missing.display())),
                "{e}"
            );
            fs::write(root.join("main.ledger"), "\ninclude  none.ledger\n").unwrap();
            let e = open(&root.join("main.ledger"))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Io(std::io::ErrorKind::NotFound));
            let want = format!(
                "{}:2:10: cannot open included file {}:",
                root.join("main.ledger").display(),
                missing.display()
            );
            assert!(e.to_string().starts_with(&want), "{e}");
        }

        #[test]
        fn include_cycles_detected() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            fs::write(root.join("a.ledger"), "account TM\ninclude b.ledger\n").unwrap();
            fs::write(root.join("b.ledger"), "include ./a.ledger\n").unwrap();
            let e = open(&root.join("a.ledger"))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Include);
            let msg = e.to_string();
            let a = root.join("a.ledger").display().to_string();
            let b = root.join("b.ledger").display().to_string();
            let again = root.join("./a.ledger").display().to_string();
            assert_eq!(
                msg,
                format!("{b}:1:9: include cycle: {a} includes {b} includes {again}")
            );
            fs::write(root.join("self.ledger"), "include self.ledger\n").unwrap();
            let e = open(&root.join("self.ledger"))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Include);
        }

        #[test]
        fn the_same_file_twice_is_not_a_cycle() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            fs::write(
                root.join("main.ledger"),
                "include c.ledger\ninclude c.ledger\n",
            )
            .unwrap();
            fs::write(root.join("c.ledger"), "account TM\n").unwrap();
            let ds = open(&root.join("main.ledger"))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            assert_eq!(ds.len(), 2);
        }

        #[test]
        fn parse_str_resolves_includes_next_to_its_name() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            fs::write(root.join("c.ledger"), "account TM\n").unwrap();
            let name = root.join("virtual.ledger").display().to_string();
            let ds = parse_str(&name, "include c.ledger\naccount IR\n").unwrap();
            assert_eq!(ds.len(), 2);
        }

        #[test]
        fn globs_refused() {
            let e = error("include *.ledger\n");
            assert!(
                e.starts_with("t.ledger:1:9: include globs are not supported"),
                "{e}"
            );
        }
    }
}
