//! `P DATE COMMODITY RATE`: hledger's market price directive, which gasledger keeps as a
//! fixing (`P 2022-09-30 EUR 1.0566 USD`: one EUR is worth 1.0566 USD that day).

use super::block::Block;
use super::lex::split_comment;
use super::posting::parse_amount;
use super::Ctx;
use crate::journal::{JournalError, Located};
use crate::model::amount;
use crate::model::date::Date;
use crate::model::fixing::Fixing;
use std::str::FromStr;

const USAGE: &str = "expected \"P DATE COMMODITY RATE\" like \"P 2022-09-30 EUR 1.0566 USD\"";

/// `P DATE COMMODITY RATE [; comment]`. hledger's optional time after the date is refused:
/// a fixing is of a day.
pub(super) fn price_directive(ctx: &Ctx, line: &str, rest: &str) -> Result<Block, JournalError> {
    let (body, _) = split_comment(rest);
    let mut words = body.split_whitespace();
    let Some(date_text) = words.next() else {
        return Err(ctx.err(rest, format!("{USAGE}, found nothing after \"P\"")));
    };
    let date = Date::from_str(date_text).map_err(|e| ctx.err(date_text, e.to_string()))?;
    let Some(code) = words.next() else {
        return Err(ctx.err(
            &body[body.len()..],
            format!("{USAGE}: the commodity is missing"),
        ));
    };
    if !amount::is_code(code) {
        let why = if code.contains(':') {
            " (a time of day is not kept: a fixing is of a day)"
        } else {
            ""
        };
        return Err(ctx.err(
            code,
            format!("expected a commodity code after the date, found {code:?}{why}: {USAGE}"),
        ));
    }
    let after_code = offset_in(body, code) + code.len();
    let rate = parse_amount(ctx, &body[after_code..])?;
    Ok(Block::Price(Located {
        at: ctx.loc(line),
        item: Fixing {
            date,
            commodity: code.to_string(),
            rate,
        },
    }))
}

fn offset_in(outer: &str, inner: &str) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}
