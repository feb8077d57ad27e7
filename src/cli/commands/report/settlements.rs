//! `report settlements`: the mutual reconciliation statement of two parties.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::{parse, CliError};
use clap::Args;
use gasledger::model::date::Date;
use gasledger::model::fiscal::Fiscal;
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
    /// Cut the statement into fiscal years, each opening with the balance brought forward and
    /// closing with the balance carried forward (descriptions such as "opening balance 1401"):
    /// `iran` for the Iranian (Solar Hijri) year from Nowruz, labelled 1401 (dates from
    /// 1827-03-22 to 2120-03-20), or MM-DD for a year from that first day, labelled 2022/23
    /// (01-01: 2022). Years without a movement are left out.
    #[arg(long, value_parser = parse::fiscal, value_name = "iran|MM-DD")]
    fiscal: Option<Fiscal>,
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
            fiscal: args.fiscal,
        },
    )?;
    match args.format.table() {
        Some(layout) => settlements::write(out, &s, layout)?,
        None => out.write_all(html::settlement_page(&s, store.chart()).as_bytes())?,
    }
    Ok(())
}
