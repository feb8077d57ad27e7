//! `agreement NAME` and its indented `KEY VALUE` fields, each checked by the model's rule for a
//! field at its own line.

use super::block::Block;
use super::lex::{split_comment, split_word};
use super::Ctx;
use crate::journal::{JournalError, Located};
use crate::model::agreement;
use crate::model::agreement::Agreement;
use crate::model::error::LedgerError;

/// `agreement NAME`, then indented `KEY VALUE` lines.
pub(super) fn agreement_directive(
    ctx: &Ctx,
    line: &str,
    rest: &str,
) -> Result<Block, JournalError> {
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

/// A field of an agreement (`NAME VALUE`), checked by the model's rule for a field here, so
/// that the error names its line.
pub(super) fn agreement_field(
    ctx: &Ctx,
    a: &mut Agreement,
    content: &str,
) -> Result<(), JournalError> {
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
