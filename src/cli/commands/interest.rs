//! `interest`: interest on arrears, per unpaid invoice and period, to a date; `--record`
//! charges it on each party's books.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::settled::outcome;
use crate::cli::{error, parse, CliError};
use clap::Args;
use gasledger::model::amount::format_grouped;
use gasledger::model::date::Date;
use gasledger::ops::sale as ops;
use gasledger::render::table::Layout;
use gasledger::reports::interest::{self, interest_table, totals, InterestReport};
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Args)]
pub struct InterestArgs {
    /// The day interest runs to: its days are counted from each invoice's due date (or from
    /// the day its interest is charged to already) up to this day.
    #[arg(long, value_parser = parse::date)]
    to: Date,
    /// Record the interest: one charge per invoice (CREDITOR:receivable:DEBTOR against
    /// CREDITOR:revenue:interest, DEBTOR:expense:interest against DEBTOR:payable:CREDITOR),
    /// with the id INVOICE-interest-TO. Run again, it records nothing new.
    #[arg(long)]
    record: bool,
    /// The date of the recorded charges (with --record) [default: the --to date].
    #[arg(long, value_parser = parse::date, requires = "record")]
    date: Option<Date>,
    /// A table for people, or the rows as CSV or JSON
    /// (debtor,creditor,commodity,invoice,due,from,to,days,base,rate,day_count,interest).
    #[arg(long, value_parser = format::TABLES, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

pub fn run(a: InterestArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let layout = format::table_of(a.format);
    let (report, recorded) = if a.record {
        let mut store = ledger.open(Access::Write)?;
        ops::record_interest(&mut store, a.to, a.date).map_err(error::settle)?
    } else {
        let store = ledger.open(Access::Read)?;
        let r = interest::interest(&store, a.to).map_err(error::settle)?;
        (r, Vec::new())
    };
    if layout != Layout::Table {
        return Ok(interest_table(&report).write(out, layout)?);
    }
    if report.invoices.is_empty() {
        writeln!(
            out,
            "no interest to {}: no invoice under a sale with interest is unpaid past its due date, or its interest is charged already",
            a.to
        )?;
        return Ok(());
    }
    interest_table(&report).write_table(out)?;
    say_totals(&report, a.to, out)?;
    for (id, added) in recorded {
        let (verb, detail) = outcome(added, &Some(id));
        writeln!(
            out,
            "{verb} {} interest charge ({detail})",
            a.date.unwrap_or(a.to)
        )?;
    }
    Ok(())
}

/// "interest to D: N invoices, X CODE" for each money commodity.
fn say_totals(r: &InterestReport, to: Date, out: &mut impl Write) -> Result<(), CliError> {
    for (code, (total, scale)) in totals(r).map_err(error::settle)? {
        let n = r
            .invoices
            .iter()
            .filter(|i| i.terms.money.code == code)
            .count();
        writeln!(
            out,
            "interest to {to}: {} {code} on {n} invoice{} (each period rounded half-even once)",
            format_grouped(total, scale),
            if n == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}
