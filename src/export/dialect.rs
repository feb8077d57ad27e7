//! What the hledger and ledger-cli exports share. Both read the same journal syntax (a header
//! line, indented postings aligned in columns, `@`/`@@` prices, `= X` balance assertions, `;`
//! comments); they differ in their declarations, in how they read tags and in which balance
//! assertions they accept, which a [`JournalDialect`] says.

use crate::export::peer::{check_price, invalid, number, pad, write_commented, Peer};
use crate::export::{Books, ExportError};
use crate::journal::{render_transaction, Directive};
use crate::model::amount::{Amount, Commodity};
use crate::model::chart::Chart;
use crate::model::transaction::{Posting, Price, Status, Transaction};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// What differs between the journals of hledger and ledger-cli.
pub(super) trait JournalDialect {
    const PEER: Peer;
    /// The comment lines at the top of the file.
    const HEADER: &'static str;
    /// Why a balance assertion the peer would not accept is left out. No `:` in it: both peers
    /// would read `word:` in a comment as a tag.
    const DROPPED: &'static str;

    /// What decides which balance assertions the peer accepts.
    type Kept: Kept;

    /// A first pass over the books, before a word is written: the declarations the peer needs
    /// after the accounts (into `more`), and what decides its assertions. It gathers only what
    /// is bounded by the accounts, commodities and tag keys.
    fn prepare(books: &Books, more: &mut String) -> Result<Self::Kept, ExportError>;

    /// A commodity declaration.
    fn commodity(buf: &mut String, c: &Commodity);

    /// A party or account declaration.
    fn declaration(buf: &mut String, d: &Directive, chart: &Chart) -> io::Result<()>;

    /// The end of a line that carries tags: the tags in the peer's syntax, and the line break.
    /// `indent` is the indentation of a line under it.
    fn end_line_with_tags(buf: &mut String, indent: &str, tags: &[(&str, &str)]);

    /// The tag under which the peer finds a posting's tag `key`.
    fn posting_tag(key: &str) -> Cow<'_, str> {
        Cow::Borrowed(key)
    }
}

/// Which balance assertions a peer accepts, decided transaction by transaction as the books
/// are written in recorded order.
pub(super) trait Kept {
    /// For each posting of `t`, whether the peer accepts its assertion (false without one).
    fn kept(&mut self, t: &Transaction) -> Vec<bool>;
}

/// The books as a journal of dialect `D`: declarations, agreements as comments, transactions
/// in recorded order, statements as comments. A first pass gathers what the declarations and
/// the assertions need (`D::prepare`); the second writes each transaction as it is read.
pub(super) fn write_journal_dialect<D: JournalDialect>(
    books: &Books,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    let chart = books.chart();
    let mut more = String::new();
    let mut kept = D::prepare(books, &mut more)?;

    let mut buf = String::with_capacity(4096);
    buf.push_str(D::HEADER);
    buf.push_str(&books.note());
    declarations::<D>(&mut buf, chart, &more)?;
    fixings(&mut buf, books);
    out.write_all(buf.as_bytes())?;

    for a in books.agreements() {
        write_commented(out, &Directive::Agreement(a.clone()), chart)?;
    }
    books.for_each_txn(|t| -> Result<(), ExportError> {
        buf.clear();
        buf.push('\n');
        journal_transaction::<D>(&mut buf, t, &kept.kept(t), chart)?;
        out.write_all(buf.as_bytes())?;
        Ok(())
    })?;
    for s in books.statements()? {
        write_commented(out, &Directive::Statement(s), chart)?;
    }
    Ok(())
}

/// Commodities, then parties and accounts, then what the dialect declares after them
/// (`more`).
fn declarations<D: JournalDialect>(buf: &mut String, chart: &Chart, more: &str) -> io::Result<()> {
    if !chart.commodities.is_empty() {
        buf.push('\n');
    }
    for c in chart.commodities.values() {
        D::commodity(buf, c);
    }
    if !chart.parties.is_empty() || !chart.accounts.is_empty() {
        buf.push('\n');
    }
    let parties = chart.parties.values().cloned().map(Directive::Party);
    let accounts = chart.accounts.values().cloned().map(Directive::Account);
    for d in parties.chain(accounts) {
        if let Directive::Account(a) = &d {
            peer_account::<D>(&a.name)?;
        }
        D::declaration(buf, &d, chart)?;
    }
    buf.push_str(more);
    Ok(())
}

/// The fixings as market prices, `P DATE CODE RATE CODE`, which both peers read alike (the
/// rate with the decimals it was given).
fn fixings(buf: &mut String, books: &Books) {
    let fixings = books.fixings();
    if fixings.is_empty() {
        return;
    }
    buf.push('\n');
    for f in fixings {
        writeln!(
            buf,
            "P {} {} {} {}",
            f.date,
            journal_code(&f.commodity),
            f.rate.value,
            journal_code(&f.rate.commodity)
        )
        .ok();
    }
}

/// A commodity code as hledger and ledger-cli read it: quoted when it holds a digit.
pub(super) fn journal_code(code: &str) -> Cow<'_, str> {
    if code.chars().all(|c| c.is_alphabetic() || c == '_') {
        Cow::Borrowed(code)
    } else {
        Cow::Owned(format!("\"{code}\""))
    }
}

pub(super) fn journal_amount(a: &Amount, chart: &Chart) -> String {
    let mut text = number(a, chart);
    text.push(' ');
    text.push_str(&journal_code(&a.commodity));
    text
}

/// An account name that hledger and ledger-cli read as it is written (`text::account_for_peers`,
/// the rule the model accepts names by).
fn peer_account<D: JournalDialect>(name: &str) -> io::Result<()> {
    crate::model::text::account_for_peers(name).map_err(|e| {
        invalid(format!(
            "{} {} cannot be written for {}: {}",
            e.what,
            e.shown,
            D::PEER.name(),
            e.why
        ))
    })
}

fn journal_transaction<D: JournalDialect>(
    buf: &mut String,
    t: &Transaction,
    kept: &[bool],
    chart: &Chart,
) -> io::Result<()> {
    // The canonical printer refuses what would not read back as written (a description with
    // ';', a tag value with ',' …): the peers read that syntax the same way.
    let start = buf.len();
    render_transaction(buf, t, chart)?;
    buf.truncate(start);
    for p in &t.postings {
        check_price(t, p, D::PEER)?;
        // The chart's accounts were checked with their declarations.
        if !chart.accounts.contains_key(&p.account) {
            peer_account::<D>(&p.account)?;
        }
    }
    header::<D>(buf, t);

    let amounts: Vec<Option<String>> = t
        .postings
        .iter()
        .map(|p| p.amount.as_ref().map(|a| journal_amount(a, chart)))
        .collect();
    let account_width = t
        .postings
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
    for (j, (p, amount)) in t.postings.iter().zip(&amounts).enumerate() {
        let assertion = p.assertion.as_ref().map(|a| {
            (
                journal_amount(a, chart),
                kept.get(j).copied().unwrap_or(false),
            )
        });
        let widths = (account_width, amount_width);
        posting::<D>(buf, p, amount.as_deref(), assertion, widths, chart);
    }
    Ok(())
}

/// The first line of a transaction: date, mark, code, description; its id and tags.
fn header<D: JournalDialect>(buf: &mut String, t: &Transaction) {
    write!(buf, "{}", t.date).ok();
    if t.status != Status::Unmarked {
        buf.push(' ');
        buf.push_str(t.status.mark());
    }
    if let Some(code) = &t.code {
        write!(buf, " ({code})").ok();
    }
    if !t.description.is_empty() {
        buf.push(' ');
        buf.push_str(&t.description);
    }
    let tags: Vec<(&str, &str)> =
        t.id.as_deref()
            .map(|id| ("id", id))
            .into_iter()
            .chain(t.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .collect();
    D::end_line_with_tags(buf, "    ", &tags);
}

/// One posting, its amount aligned at `widths` (of the accounts, of the amounts); its balance
/// assertion, if any, with whether the peer accepts it (else it becomes a comment line).
fn posting<D: JournalDialect>(
    buf: &mut String,
    p: &Posting,
    amount: Option<&str>,
    assertion: Option<(String, bool)>,
    (account_width, amount_width): (usize, usize),
    chart: &Chart,
) {
    buf.push_str("    ");
    buf.push_str(&p.account);
    if amount.is_some() || matches!(assertion, Some((_, true))) {
        let text = amount.unwrap_or("");
        pad(buf, account_width - p.account.chars().count() + 2);
        pad(buf, amount_width - text.chars().count());
        buf.push_str(text);
    }
    match &p.price {
        Some(Price::Unit(a)) => write!(buf, " @ {}", journal_amount(a, chart)).ok(),
        Some(Price::Total(a)) => write!(buf, " @@ {}", journal_amount(a, chart)).ok(),
        None => None,
    };
    if let Some((text, true)) = &assertion {
        write!(buf, " = {text}").ok();
    }
    let tags: Vec<(Cow<'_, str>, &str)> = p
        .tags
        .iter()
        .map(|(k, v)| (D::posting_tag(k), v.as_str()))
        .collect();
    let tags: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
    D::end_line_with_tags(buf, "        ", &tags);
    if let Some((text, false)) = &assertion {
        writeln!(
            buf,
            "        ; not exported, balance assertion = {text} ({})",
            D::DROPPED
        )
        .ok();
    }
}

/// `key: value`, or `key:` for an empty value.
pub(super) fn push_tag(buf: &mut String, key: &str, value: &str) {
    buf.push_str(key);
    buf.push(':');
    if !value.is_empty() {
        buf.push(' ');
        buf.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_with_digits_are_quoted_for_hledger_and_ledger() {
        assert_eq!(journal_code("mcm"), "mcm");
        assert_eq!(journal_code("gas_x"), "gas_x");
        assert_eq!(journal_code("m3"), "\"m3\"");
    }
}
