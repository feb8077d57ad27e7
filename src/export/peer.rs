//! What the three peer exports (hledger, ledger-cli, beancount) share: the peers' names, the
//! refusal of a price a peer would read differently, running balances to decide which balance
//! assertions a peer would accept, and small text helpers.
//!
//! Each export is written so that its peer reads it without any flag and finds the same
//! balances as `report balances`. What a peer cannot express becomes a comment; what it would
//! read differently (a price it refuses, an amount it would weigh otherwise) is refused with
//! [`std::io::ErrorKind::InvalidData`], never altered silently. Text that the canonical journal
//! printer refuses (a description with `;`, a tag value with `,` …) is refused here too. In
//! all three, parties, agreements and statements are comments.

use crate::journal::{write_directive, Directive};
use crate::model::amount::{format_at_scale, Amount};
use crate::model::chart::Chart;
use crate::model::transaction::{Posting, Price, Transaction};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::{self, Write};

/// An error for what a peer cannot read as gasledger means it.
pub(super) fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// A directive's canonical journal text, each line behind `; `.
fn commented(d: &Directive, chart: &Chart) -> io::Result<String> {
    let mut text = Vec::new();
    write_directive(&mut text, d, chart)?;
    let text = String::from_utf8(text).map_err(|e| invalid(e.to_string()))?;
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        out.push_str("; ");
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// How a transaction is named in an error message.
pub(super) fn label(t: &Transaction) -> String {
    match &t.id {
        Some(id) => format!("transaction {id} of {}", t.date),
        None => format!("transaction {:?} of {}", t.description, t.date),
    }
}

/// An amount's number at its commodity's scale (as it is, for a commodity the chart lacks).
pub(super) fn number(a: &Amount, chart: &Chart) -> String {
    match chart.commodities.get(&a.commodity) {
        Some(c) => c.format(a.value),
        None => format_at_scale(a.value, 0),
    }
}

/// The program that reads an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Peer {
    Hledger,
    Ledger,
    Beancount,
}

impl Peer {
    pub(super) fn name(self) -> &'static str {
        match self {
            Peer::Hledger => "hledger",
            Peer::Ledger => "ledger-cli",
            Peer::Beancount => "beancount",
        }
    }
}

/// Refuse a posting whose price the peer would refuse or weigh otherwise than gasledger.
pub(super) fn check_price(t: &Transaction, p: &Posting, peer: Peer) -> io::Result<()> {
    let (Some(amount), Some(price)) = (&p.amount, &p.price) else {
        return Ok(());
    };
    match price {
        Price::Unit(u)
            if u.value.is_sign_negative()
                && !u.value.is_zero()
                && matches!(peer, Peer::Ledger | Peer::Beancount) =>
        {
            return Err(invalid(format!(
                "{} posts {} {} @ {} {} to {}: {} refuses negative prices",
                label(t),
                amount.value,
                amount.commodity,
                u.value,
                u.commodity,
                p.account,
                peer.name()
            )));
        }
        // gasledger gives a total price the sign of the amount, even of a zero; the peers read
        // a zero as positive (hledger, ledger-cli) or weigh it as nothing (beancount).
        Price::Total(total)
            if amount.value.is_zero()
                && !total.value.is_zero()
                && (peer == Peer::Beancount || amount.value.is_sign_negative()) =>
        {
            return Err(invalid(format!(
                "{} posts a zero amount of {} at a total price of {} {} to {}: {} would weigh it otherwise",
                label(t),
                amount.commodity,
                total.value,
                total.commodity,
                p.account,
                peer.name()
            )));
        }
        _ => {}
    }
    Ok(())
}

/// Running balances by account and commodity; `None` once a sum overflowed.
#[derive(Default)]
pub(super) struct Running(HashMap<String, HashMap<String, Option<Decimal>>>);

impl Running {
    pub(super) fn add(&mut self, account: &str, commodity: &str, value: Decimal) {
        let by_commodity = match self.0.get_mut(account) {
            Some(c) => c,
            None => self.0.entry(account.to_string()).or_default(),
        };
        let slot = match by_commodity.get_mut(commodity) {
            Some(slot) => slot,
            None => by_commodity
                .entry(commodity.to_string())
                .or_insert(Some(Decimal::ZERO)),
        };
        *slot = slot.and_then(|b| b.checked_add(value));
    }

    pub(super) fn get(&self, account: &str, commodity: &str) -> Option<Decimal> {
        self.0
            .get(account)
            .and_then(|c| c.get(commodity))
            .copied()
            .unwrap_or(Some(Decimal::ZERO))
    }
}

/// A directive as comment lines, after a blank line: what a peer does not know.
pub(super) fn write_commented(
    out: &mut impl Write,
    d: &Directive,
    chart: &Chart,
) -> io::Result<()> {
    out.write_all(b"\n")?;
    out.write_all(commented(d, chart)?.as_bytes())
}

/// `n` blanks.
pub(super) fn pad(buf: &mut String, n: usize) {
    buf.extend(std::iter::repeat_n(' ', n));
}
