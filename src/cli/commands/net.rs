//! `net`: multilateral netting of every obligation in a commodity (`--record` records it).

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::settled::{grouped, outcome, PLAN_RULE};
use crate::cli::{error, parse, CliError};
use clap::Args;
use gasledger::model::date::Date;
use gasledger::ops::settle as ops;
use gasledger::render::table::Layout;
use gasledger::reports::debts;
use gasledger::store::{Access, Store};
use std::io::Write;

#[derive(Debug, Args)]
pub struct NetArgs {
    /// The commodity whose obligations are netted.
    #[arg(long)]
    commodity: String,
    /// Net the obligations as they stood at the end of this date.
    #[arg(long, value_parser = parse::date, conflicts_with = "record")]
    as_of: Option<Date>,
    /// Record the plan: one transaction that closes every obligation in the commodity and
    /// moves each party's cash by its net position.
    #[arg(long, requires = "date")]
    record: bool,
    /// The date of the recorded netting (with --record).
    #[arg(long, value_parser = parse::date, requires = "record")]
    date: Option<Date>,
    /// Idempotency key of the recorded netting (with --record).
    #[arg(long, requires = "record")]
    id: Option<String>,
    /// The plan as an aligned table, or CSV/JSON `from,to,commodity,amount`.
    #[arg(long, value_parser = format::TABLES, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

/// `net` reads the store, `net --record` writes it.
pub fn run(a: NetArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let mut store = ledger.open(if a.record {
        Access::Write
    } else {
        Access::Read
    })?;
    if a.record {
        net_record(&mut store, a, out)
    } else {
        net_show(&store, a, out)
    }
}

/// `net --record`: record the netting and say what it closed.
fn net_record(store: &mut Store, a: NetArgs, out: &mut impl Write) -> Result<(), CliError> {
    let format = format::table_of(a.format);
    let date = a
        .date
        .ok_or_else(|| CliError::Usage("--record needs --date".into()))?;
    let recorded =
        ops::record_netting(store, &a.commodity, date, a.id.clone()).map_err(error::settle)?;
    let Some((n, added)) = recorded else {
        writeln!(out, "no obligations in {}: nothing to net", a.commodity)?;
        return Ok(());
    };
    let (verb, detail) = outcome(added, &a.id);
    if format != Layout::Table {
        return Ok(debts::netting_plan_table(&n, store.chart())?.write(out, format)?);
    }
    let chart = store.chart();
    writeln!(
        out,
        "{verb} {date} netting of {}: {} debts ({} {} gross) closed, {} payments ({} {}) ({})",
        n.commodity,
        n.debts.len(),
        grouped(chart, n.gross().map_err(error::settle)?, &n.commodity),
        n.commodity,
        n.plan.len(),
        grouped(
            chart,
            n.settled_by_plan().map_err(error::settle)?,
            &n.commodity
        ),
        n.commodity,
        detail
    )?;
    if !n.plan.is_empty() {
        debts::netting_plan_table(&n, chart)?.write_table(out)?;
    }
    Ok(())
}

/// `net` without `--record`: the positions before netting and the plan after.
fn net_show(store: &Store, a: NetArgs, out: &mut impl Write) -> Result<(), CliError> {
    let format = format::table_of(a.format);
    let n = debts::netting(store, &a.commodity, a.as_of).map_err(error::settle)?;
    let chart = store.chart();
    if format != Layout::Table {
        return Ok(debts::netting_plan_table(&n, chart)?.write(out, format)?);
    }
    if n.debts.is_empty() {
        writeln!(out, "no obligations in {}: nothing to net", n.commodity)?;
        return Ok(());
    }
    let x = &n.commodity;
    let nonzero = n.positions.values().filter(|v| !v.is_zero()).count();
    writeln!(
        out,
        "BEFORE NETTING: {} debts, {} {x} gross; net positions (receivables - payables)",
        n.debts.len(),
        grouped(chart, n.gross().map_err(error::settle)?, x)
    )?;
    debts::netting_positions_table(&n, chart)?.write_table(out)?;
    writeln!(out)?;
    if n.plan.is_empty() {
        writeln!(
            out,
            "AFTER NETTING: no payment needed, the obligations cancel"
        )?;
    } else {
        writeln!(
            out,
            "AFTER NETTING: {} payments, {} {x}, settle every position ({PLAN_RULE}: here n = {nonzero})",
            n.plan.len(),
            grouped(chart, n.settled_by_plan().map_err(error::settle)?, x)
        )?;
        debts::netting_plan_table(&n, chart)?.write_table(out)?;
    }
    Ok(())
}
