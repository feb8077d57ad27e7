//! `deliver`: a delivery under a sale agreement, with its invoice.

use crate::cli::ledger::Ledger;
use crate::cli::settled::{grouped, outcome, owes};
use crate::cli::{error, parse, CliError};
use clap::Args;
use gasledger::model::amount::{self, format_grouped};
use gasledger::model::date::Date;
use gasledger::ops::sale::{self as ops, Volume};
use gasledger::settle::Entry;
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Args)]
pub struct DeliverArgs {
    /// The sale agreement (kind sale: seller, buyer, commodity, price, due-days).
    agreement: String,
    /// The day of the delivery, and of its invoice.
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// The quantity delivered, positive: a number in the agreement's commodity, or "NUMBER
    /// CODE" (e.g. "1250.5 mcm").
    #[arg(long, value_name = "QUANTITY", allow_hyphen_values = true)]
    volume: String,
    /// The invoice's number, its idempotency key [default: AGREEMENT-DATE].
    #[arg(long)]
    id: Option<String>,
    /// The transaction's description (default: "Delivery under AGREEMENT: SELLER sells Q to
    /// BUYER").
    #[arg(long)]
    memo: Option<String>,
}

/// The quantity as given: a bare number, or a number and its commodity.
fn volume(text: &str) -> Result<Volume, CliError> {
    if let Ok(quantity) = amount::parse_number(text.trim()) {
        return Ok(Volume {
            quantity,
            commodity: None,
        });
    }
    let a = parse::amount(text).map_err(|e| CliError::Usage(format!("--volume {text:?}: {e}")))?;
    Ok(Volume {
        quantity: a.value,
        commodity: Some(a.commodity),
    })
}

pub fn run(a: DeliverArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let v = volume(&a.volume)?;
    let mut store = ledger.open(Access::Write)?;
    let e = Entry {
        date: a.date,
        id: a.id.clone(),
        memo: a.memo,
    };
    let d = ops::deliver(&mut store, &a.agreement, &v, e).map_err(error::settle)?;
    let (t, inv) = (&d.terms, &d.invoice);
    let (verb, detail) = outcome(d.added, &Some(d.id.clone()));
    let (gas, money) = (&t.commodity.code, &t.money.code);
    let price = format_grouped(t.price, t.price.scale().max(t.money.scale));
    let computed = if inv.rounded() {
        format!(
            "{} {gas} × {price} {money} = {} exactly, rounded half-even to {}",
            grouped(store.chart(), inv.quantity, gas),
            format_grouped(inv.exact, inv.exact.scale()),
            grouped(store.chart(), inv.amount, money)
        )
    } else {
        format!(
            "{} {gas} × {price} {money}",
            grouped(store.chart(), inv.quantity, gas)
        )
    };
    writeln!(
        out,
        "{verb} {} delivery under {}: {} sells {} {gas} to {}; invoice {} of {} {money} ({computed}), due {} ({detail}); in all, {}",
        a.date,
        t.name,
        t.seller,
        grouped(store.chart(), inv.quantity, gas),
        t.buyer,
        d.id,
        grouped(store.chart(), inv.amount, money),
        inv.due,
        owes(&store, &t.buyer, &t.seller, money)?
    )?;
    Ok(())
}
