//! `reconcile`: every reconciliation check; exit status 1 when any does not hold.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Args;
use gasledger::checks;
use gasledger::model::date::Date;
use gasledger::render::table;
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Reconcile the books as they stood at the end of this date.
    #[arg(long, value_parser = parse::date)]
    as_of: Option<Date>,
    /// table: what does not agree first, then a line per check; json:
    /// `{"ok", "checks": [{"check", "subject", "expected", "actual", "difference", "status"}]}`.
    #[arg(long, value_parser = format::RECONCILE, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// List every row that holds too, not one line per check (JSON always has every row).
    #[arg(long)]
    all: bool,
}

pub fn run(args: ReconcileArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    let r = checks::reconcile(&store, args.as_of)?;
    if args.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &table::reconciliation_json(&r))
            .map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        table::write_reconciliation(out, &r, args.all)?;
    }
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
