//! `commodity`: its sample amount (or hledger's indented `format` line) gives its scale, its
//! `kind:` tag or its code its kind.

use super::block::Block;
use super::lex::{split_comment, split_word, tags};
use super::posting::parse_amount;
use super::Ctx;
use crate::journal::JournalError;
use crate::model::amount::{self, Kind};
use std::str::FromStr;

/// Codes whose default kind is volume, and energy; any other code defaults to money.
const VOLUME_CODES: &[&str] = &["m3", "mcm", "bcm", "mcf", "bcf"];
const ENERGY_CODES: &[&str] = &["MJ", "GJ", "TJ", "PJ", "MWh", "MMBtu"];

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

/// `commodity 1000.000 mcm [; kind: volume]` or `commodity mcm` with an indented `format` line.
pub(super) fn commodity_directive(
    ctx: &Ctx,
    line: &str,
    rest: &str,
) -> Result<Block, JournalError> {
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

pub(super) fn commodity_tags(
    ctx: &Ctx,
    kind: &mut Option<Kind>,
    comment: &str,
) -> Result<(), JournalError> {
    for (key, value) in tags(comment) {
        if key == "kind" {
            *kind = Some(Kind::from_str(value).map_err(|m| ctx.err(value, m))?);
        }
    }
    Ok(())
}

/// hledger's `format 1000.000 mcm` under `commodity mcm`.
pub(super) fn format_subdirective(
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
