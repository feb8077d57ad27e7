//! A transaction: its header `DATE [*|!] [(CODE)] DESCRIPTION [; COMMENT]`, its tags (`id`
//! among them) and its indented lines, comments and postings.

use super::lex::{owned, split_comment, tags};
use super::posting::posting;
use super::Ctx;
use crate::journal::{JournalError, Located};
use crate::model::date::Date;
use crate::model::limits;
use crate::model::transaction::{Status, Transaction};
use std::str::FromStr;

/// `DATE [*|!] [(CODE)] DESCRIPTION [; COMMENT]`
pub(super) fn header(ctx: &Ctx, line: &str) -> Result<Located<Transaction>, JournalError> {
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

/// A line of a transaction: a comment (tags of the last posting, or of the transaction before
/// any posting), or a posting.
pub(super) fn transaction_line(
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
