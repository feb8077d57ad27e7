//! A line that starts in column 1: a comment, a transaction's header, or a directive by its
//! first word; hledger's directives that gasledger does not implement are refused by name.

use super::account::account_directive;
use super::agreement::agreement_directive;
use super::block::Block;
use super::commodity::commodity_directive;
use super::includes::include_directive;
use super::lex::split_word;
use super::price::price_directive;
use super::statement::statement_directive;
use super::transaction::header;
use super::{Ctx, Item};
use crate::journal::JournalError;

const KNOWN_DIRECTIVES: &str = "commodity, account, agreement, statement, P or include";
/// hledger directives that gasledger does not implement: refused by name, so that the message
/// says "not supported" rather than "unknown".
const HLEDGER_DIRECTIVES: &[&str] = &[
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

pub(super) enum Top {
    Skip,
    CommentBlock,
    Open(Block),
    Include(Item),
}

/// A line that starts in column 1 (not blank).
pub(super) fn top_level(ctx: &Ctx, line: &str) -> Result<Top, JournalError> {
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
        "P" => Top::Open(price_directive(ctx, line, rest)?),
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
