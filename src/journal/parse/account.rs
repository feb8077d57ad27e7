//! `account`: a party when its name has one segment (`party:` tag), else an account (`type:`
//! and `floor:` tags).

use super::block::Block;
use super::lex::{split_comment, tags};
use super::posting::account_end;
use super::Ctx;
use crate::journal::{JournalError, Located};
use crate::model::account::{Account, AccountType, Party};
use crate::model::amount;
use std::str::FromStr;

/// `account NAME [; tags]`: a party when NAME has one segment, else an account.
pub(super) fn account_directive(ctx: &Ctx, line: &str, rest: &str) -> Result<Block, JournalError> {
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

pub(super) fn party_tags(ctx: &Ctx, p: &mut Party, comment: &str) -> Result<(), JournalError> {
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

pub(super) fn account_tags(ctx: &Ctx, a: &mut Account, comment: &str) -> Result<(), JournalError> {
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
