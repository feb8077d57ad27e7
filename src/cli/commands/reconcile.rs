//! `reconcile`: every reconciliation check; exit status 1 when any does not hold. With
//! `--against FILE --party P`: P's books here against P's books in FILE instead.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Args;
use gasledger::checks::{self, against};
use gasledger::model::date::Date;
use gasledger::render::table;
use gasledger::store::Access;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Reconcile the books as they stood at the end of this date (with --against: compare the
    /// transactions of both books dated up to it).
    #[arg(long, value_parser = parse::date)]
    as_of: Option<Date>,
    /// table: what does not agree first, then a line per check; csv: every row,
    /// `check,subject,expected,actual,difference,status`; json:
    /// `{"ok", "checks": [{"check", "subject", "expected", "actual", "difference", "status"}]}`.
    #[arg(long, value_parser = format::RECONCILE, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// List every row that holds too, not one line per check (CSV and JSON always have every
    /// row).
    #[arg(long)]
    all: bool,
    /// Instead of the checks, compare --party's books here with its books in FILE, a journal
    /// in hledger syntax whose accounts start with "PARTY:" (nothing need be declared).
    /// Transactions pair by `id:`, else by date and amounts; one on one side only, or a pair
    /// whose date or amounts differ, is a mismatch.
    #[arg(long, value_name = "FILE", requires = "party")]
    against: Option<PathBuf>,
    /// The party whose books --against compares (its postings only, on both sides).
    #[arg(long, value_name = "PARTY", requires = "against")]
    party: Option<String>,
}

pub fn run(args: ReconcileArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    if let (Some(file), Some(party)) = (&args.against, &args.party) {
        let c = against::against(&store, file, party, args.as_of)?;
        write(&args, out, &c.rows, |out| {
            table::write_comparison(out, &c, args.all)
        })?;
        if c.differences() == 0 {
            return Ok(());
        }
        return Err(CliError::Discrepancy(format!(
            "the books of {} disagree with {}: {} of {} rows differ",
            c.party,
            c.file,
            c.differences(),
            c.rows.checks.len()
        )));
    }
    let r = checks::reconcile(&store, args.as_of)?;
    write(&args, out, &r, |out| {
        table::write_reconciliation(out, &r, args.all)
    })?;
    if r.ok() {
        Ok(())
    } else {
        Err(CliError::Discrepancy(format!(
            "{} of {} checks do not hold",
            r.checks.len() - r.count(checks::Status::Ok),
            r.checks.len()
        )))
    }
}

/// The rows in the format asked for; `table` writes the table.
fn write<W: Write>(
    args: &ReconcileArgs,
    out: &mut W,
    r: &checks::Reconciliation,
    table: impl FnOnce(&mut W) -> std::io::Result<()>,
) -> Result<(), CliError> {
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &table::reconciliation_json(r))
                .map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => table::write_reconciliation_csv(out, r)?,
        _ => table(out)?,
    }
    Ok(())
}
