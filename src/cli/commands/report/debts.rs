//! `report debts`: who owes whom, before and after netting; or the debt graph.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::settled::PLAN_RULE;
use crate::cli::{error, parse, CliError};
use clap::Args;
use gasledger::model::date::Date;
use gasledger::render::svg;
use gasledger::render::table::Layout;
use gasledger::reports::debts::{self, DebtReport};
use gasledger::store::{Access, Store};
use std::io::Write;

#[derive(Debug, Args)]
pub struct DebtsArgs {
    /// Debts at the end of this date.
    #[arg(long, value_parser = parse::date)]
    as_of: Option<Date>,
    /// table: debts before netting, net positions, and the payments after netting; csv and
    /// json: the debts, `debtor,creditor,commodity,amount`; svg and dot: the debt graph.
    #[arg(long, value_parser = format::DEBTS, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

pub fn run(a: DebtsArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    let r = debts::debt_report(&store, a.as_of).map_err(error::settle)?;
    let Some(format) = a.format.table() else {
        return picture(&store, &r, a.format, out);
    };
    if format != Layout::Table {
        return Ok(r.debts_table().write(out, format)?);
    }
    if r.debts.is_empty() {
        writeln!(out, "no debts between parties")?;
        return Ok(());
    }
    writeln!(out, "DEBTS BEFORE NETTING")?;
    r.debts_table().write_table(out)?;
    writeln!(out)?;
    writeln!(out, "NET POSITIONS (receivables - payables)")?;
    r.positions_table().write_table(out)?;
    writeln!(out)?;
    let plan = r.plans_table();
    if plan.rows.is_empty() {
        writeln!(
            out,
            "AFTER NETTING: no payment needed, the obligations cancel"
        )?;
    } else {
        writeln!(
            out,
            "AFTER NETTING: the payments `net` would record ({PLAN_RULE})"
        )?;
        plan.write_table(out)?;
    }
    Ok(())
}

/// `report debts --format svg|dot`.
fn picture(
    store: &Store,
    r: &DebtReport,
    format: OutputFormat,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let text = match format {
        OutputFormat::Dot => gasledger::render::dot::debts_dot(r, store.chart()),
        _ => svg::debts_svg(r, store.chart()),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}
