//! A posting line, `[*|!] ACCOUNT[  AMOUNT [@ PRICE | @@ TOTAL] [= ASSERTED]] [; COMMENT]`,
//! and the amounts in it: `NUMBER CODE` or `CODE NUMBER`, read with the model's number grammar.

use super::lex::{owned, split_comment, tags};
use super::Ctx;
use crate::journal::JournalError;
use crate::model::amount::{self, Amount, AmountError};
use crate::model::transaction::{Posting, Price};
// ASCII bytes found with memchr are char boundaries, so the indexes slice the `&str` safely;
// core's `str::find(char)` costs several times as much on the short texts of a journal line.
use memchr::memchr;

pub(super) const EXPECTED_AMOUNT: &str = "expected an amount like \"160 mcm\"";

/// `[*|!] ACCOUNT[  AMOUNT [@ PRICE | @@ TOTAL] [= ASSERTED]] [; COMMENT]`. A posting's own
/// status mark is accepted and dropped: the model keeps status per transaction.
pub(super) fn posting(ctx: &Ctx, content: &str) -> Result<Posting, JournalError> {
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
pub(super) fn account_end(s: &str) -> usize {
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
pub(super) fn parse_amount(ctx: &Ctx, text: &str) -> Result<Amount, JournalError> {
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
