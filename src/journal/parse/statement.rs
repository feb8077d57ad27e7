//! `statement DATE PARTY [; id: ID, source: TEXT]` and its indented claims.

use super::block::Block;
use super::lex::{split_comment, tags};
use super::posting::{posting, EXPECTED_AMOUNT};
use super::Ctx;
use crate::journal::{JournalError, Located};
use crate::model::date::Date;
use crate::model::statement::{Claim, Statement};
use std::str::FromStr;

/// `statement DATE PARTY [; id: ID, source: TEXT]`, then indented `ACCOUNT  AMOUNT` claims.
pub(super) fn statement_directive(
    ctx: &Ctx,
    line: &str,
    rest: &str,
) -> Result<Block, JournalError> {
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
pub(super) fn statement_tags(
    ctx: &Ctx,
    s: &mut Statement,
    comment: &str,
) -> Result<(), JournalError> {
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
pub(super) fn claim(ctx: &Ctx, content: &str) -> Result<Claim, JournalError> {
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
