//! `report settlements`: the mutual reconciliation statement of two parties.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::{parse, CliError};
use clap::Args;
use gasledger::model::date::Date;
use gasledger::render::{html, settlements};
use gasledger::reports::settlements::{settlement, SettlementQuery};
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Args)]
pub struct SettlementsArgs {
    /// The party whose books the statement follows (A): its accounts toward B are the A side.
    a: String,
    /// The other party (B): its accounts toward A are the B side.
    b: String,
    /// First date shown; everything before it is the opening balance.
    #[arg(long, value_parser = parse::date)]
    from: Option<Date>,
    /// Last date counted, and the date of the closing balance (default: the last movement's).
    #[arg(long, value_parser = parse::date)]
    to: Option<Date>,
    /// Only this commodity.
    #[arg(long)]
    commodity: Option<String>,
    /// How to print it.
    #[arg(long, value_parser = format::SETTLEMENTS, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

pub fn run(args: SettlementsArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    let s = settlement(
        &store,
        &SettlementQuery {
            a: args.a,
            b: args.b,
            from: args.from,
            to: args.to,
            commodity: args.commodity,
        },
    )?;
    match args.format.table() {
        Some(layout) => settlements::write(out, &s, layout)?,
        None => out.write_all(html::settlement_page(&s, store.chart()).as_bytes())?,
    }
    Ok(())
}
