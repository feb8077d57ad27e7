//! The open block: a directive whose indented lines are still being read. Each indented line
//! goes to the block it belongs to; a finished block becomes its [`Directive`].

use super::account::{account_tags, party_tags};
use super::agreement::agreement_field;
use super::commodity::{commodity_tags, default_kind, format_subdirective};
use super::statement::{claim, statement_tags};
use super::transaction::transaction_line;
use super::Ctx;
use crate::journal::{Directive, ErrorKind, JournalError, Located, Location};
use crate::model::account::{Account, Party};
use crate::model::agreement::Agreement;
use crate::model::amount::{Commodity, Kind};
use crate::model::fixing::Fixing;
use crate::model::statement::Statement;
use crate::model::transaction::Transaction;

/// A directive whose indented lines are still being read.
pub(super) enum Block {
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
    /// A `P` directive: one line, and indented comments under it.
    Price(Located<Fixing>),
}

/// An indented, non-blank line: it belongs to the open block.
pub(super) fn indented(
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
        Block::Price(_) => {
            if comment.is_none() {
                return Err(only_comments(ctx, content, "P"));
            }
        }
    }
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
pub(super) fn finish(block: Block) -> Result<Located<Directive>, JournalError> {
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
        Block::Price(f) => located(f, Directive::Price),
    })
}

fn located<T>(l: Located<T>, f: impl FnOnce(T) -> Directive) -> Located<Directive> {
    Located {
        at: l.at,
        item: f(l.item),
    }
}
