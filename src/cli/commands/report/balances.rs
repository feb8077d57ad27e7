//! `report balances`.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::{notice_recovered, Ledger};
use crate::cli::parse;
use crate::cli::CliError;
use clap::Args;
use gasledger::model::date::Date;
use gasledger::reports::balances::{self, BalanceQuery};
use gasledger::store::{Access, Store};
use std::io::Write;

#[derive(Debug, Args)]
pub struct BalancesArgs {
    /// Balances at the end of this date.
    #[arg(long, value_parser = parse::date)]
    as_of: Option<Date>,
    /// Only this party's accounts.
    #[arg(long)]
    party: Option<String>,
    /// Roll sub-accounts up to this many segments.
    #[arg(long)]
    depth: Option<usize>,
    /// An aligned table for people; CSV or JSON (plain decimals, no digit groups) for programs.
    #[arg(long, value_parser = format::TABLES, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

pub fn run(args: BalancesArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let q = BalanceQuery {
        as_of: args.as_of,
        party: args.party,
        depth: args.depth,
    };
    // Current balances come from the balances view when it is current: no sled opened.
    let (store, view);
    let (all, chart) = match q.as_of {
        Some(d) => {
            store = ledger.open(Access::Read)?;
            (store.balances_as_of(d)?, store.chart())
        }
        None => {
            let recovered;
            (view, recovered) = Store::balances_view(&ledger.db, ledger.timeout)?;
            if let Some(r) = recovered {
                notice_recovered(&r);
            }
            (view.balances, &view.chart)
        }
    };
    if let Some(p) = &q.party {
        if !chart.parties.contains_key(p) {
            return Err(CliError::Usage(format!("party {p} is not declared")));
        }
    }
    let t = balances::balance_table(all, chart, &q)?;
    t.write(out, format::table_of(args.format))?;
    Ok(())
}
