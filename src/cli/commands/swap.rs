//! `swap entry`, `swap exit`: a leg of a swap.

use crate::cli::ledger::Ledger;
use crate::cli::parse::{self, StatusArg};
use crate::cli::CliError;
use clap::{Args, Subcommand};
use gasledger::model::amount::{format_grouped, parse_number, Amount};
use gasledger::model::date::Date;
use gasledger::ops::swap::record_leg;
use gasledger::store::{Access, Added};
use gasledger::swap::{self, LegRequest, LegTransaction, Side, SwapTerms};
use rust_decimal::Decimal;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum SwapCmd {
    /// Record a delivery into the hub at an entry point, on each party's books. The fee in
    /// kind F = V × fee, rounded half-even to the commodity's scale. The hub: HUB:swap:NAME +V,
    /// HUB:due-to:SUPPLIER -(V-F), HUB:fee:NAME -F (revenue). The supplier:
    /// SUPPLIER:gas:delivered -V, SUPPLIER:due-from:HUB +(V-F), SUPPLIER:expense:fee:NAME +F.
    /// Accounts are opened when missing.
    Entry(LegArgs),
    /// Record a delivery out of the hub at an exit point, on each party's books: the receiver
    /// RECEIVER:gas:received +V, RECEIVER:due-to:SUPPLIER -V; the hub HUB:swap:NAME -V,
    /// HUB:due-to:SUPPLIER +V; the supplier SUPPLIER:due-from:HUB -V,
    /// SUPPLIER:due-from:RECEIVER +V. Accounts are opened when missing.
    Exit(LegArgs),
}

#[derive(Debug, Args)]
pub struct LegArgs {
    /// The swap agreement.
    agreement: String,
    /// The date of the delivery.
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// The volume delivered, "NUMBER UNIT": the agreement's commodity, or another volume unit
    /// (m3, mcm, bcm, mcf, bcf) that converts into it exactly. Never rounded: a volume whose
    /// exact conversion has more decimals than the commodity allows is refused.
    #[arg(long, value_parser = parse::amount, value_name = "NUMBER UNIT", allow_hyphen_values = true)]
    volume: Amount,
    /// The delivery point; may be left out when the agreement has only one on this side.
    #[arg(long)]
    point: Option<String>,
    /// Gross calorific value, MJ per m3 at the agreement's reference conditions. Required on an
    /// energy basis (the leg is recorded as volume × GCV in the agreement's energy unit, and the
    /// volume and GCV are kept as tags); kept as a tag otherwise.
    #[arg(long, value_parser = number, value_name = "MJ/m3", allow_hyphen_values = true)]
    gcv: Option<Decimal>,
    /// Idempotency key: the same id with the same content again changes nothing.
    #[arg(long)]
    id: Option<String>,
    /// Description [default: "POINT entry" or "POINT exit"].
    #[arg(long)]
    desc: Option<String>,
    /// cleared (*), pending (!) or none.
    #[arg(long, value_enum, default_value_t = StatusArg::None)]
    status: StatusArg,
}

fn number(s: &str) -> Result<Decimal, String> {
    parse_number(s).map_err(|e| e.to_string())
}

/// `swap entry` / `swap exit`: every check is made before the store is written, so a refused
/// leg leaves the store as it was.
pub fn run(cmd: SwapCmd, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let mut store = ledger.open(Access::Write)?;
    let (side, args) = match cmd {
        SwapCmd::Entry(a) => (Side::Entry, a),
        SwapCmd::Exit(a) => (Side::Exit, a),
    };
    let terms = swap::terms(store.agreements(), store.chart(), &args.agreement)?;
    let recorded = record_leg(
        &mut store,
        &terms,
        LegRequest {
            period_entry_before: Decimal::ZERO,
            side,
            date: args.date,
            volume: args.volume.clone(),
            point: args.point.clone(),
            gcv: args.gcv,
            id: args.id.clone(),
            description: args.desc.clone(),
            status: args.status.into(),
        },
    )?;
    let (leg, opened) = (&recorded.leg, &recorded.opened);
    let t = &leg.transaction;
    let id = t.id.clone();
    let summary = format!("{} {}", t.date, t.description);
    match recorded.added {
        Added::New { seq } => {
            for name in opened {
                writeln!(out, "opened account {name}")?;
            }
            let what = what_was_recorded(&terms, leg, side, &args.volume, args.gcv);
            let id = id.map(|i| format!(", id {i}")).unwrap_or_default();
            writeln!(
                out,
                "recorded {summary} under {}: {what} (transaction {seq}{id})",
                terms.name
            )?;
        }
        Added::Duplicate { seq } => {
            writeln!(
                out,
                "already recorded: id {} is transaction {seq} with the same content; nothing changed",
                id.unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

/// What a new leg moved, for the line `swap entry|exit` prints: the quantity (and what was
/// measured, when the postings hold something else) and the accounts it went between.
fn what_was_recorded(
    terms: &SwapTerms,
    leg: &LegTransaction,
    side: Side,
    volume: &Amount,
    gcv: Option<Decimal>,
) -> String {
    let scale = terms.commodity.scale;
    let code = &terms.commodity.code;
    let q = format_grouped(leg.quantity, scale);
    let measured = match (terms.basis, gcv) {
        (swap::Basis::Energy, Some(g)) => format!(" ({volume} at {g} MJ/m3)"),
        _ if volume.commodity != *code => format!(" ({volume})"),
        _ => String::new(),
    };
    match side {
        Side::Entry => format!(
            "{q} {code}{measured} into {}, fee {} {code} to {}",
            terms.swap_account(),
            format_grouped(leg.fee, scale),
            terms.fee_account()
        ),
        Side::Exit => format!(
            "{q} {code}{measured} out of {} to {}",
            terms.swap_account(),
            terms.received_account()
        ),
    }
}
