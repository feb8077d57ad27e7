//! `report register`.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Args;
use gasledger::model::date::Date;
use gasledger::render::table::{Layout, RowWriter, Widths};
use gasledger::reports::register::{Register, COLUMNS};
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Args)]
pub struct RegisterArgs {
    account: String,
    /// First date shown (earlier postings still count in the running balance).
    #[arg(long, value_parser = parse::date)]
    from: Option<Date>,
    /// Last date shown.
    #[arg(long, value_parser = parse::date)]
    to: Option<Date>,
    /// An aligned table for people; CSV or JSON (plain decimals, no digit groups) for programs.
    #[arg(long, value_parser = format::TABLES, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

/// The rows as they are read: an aligned table measures its columns in a first pass.
pub fn run(args: RegisterArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    let r = Register::new(&store, &args.account, args.from, args.to)?;
    let mut out = std::io::BufWriter::new(out);
    let mut w = match format::table_of(args.format) {
        Layout::Table => {
            let mut widths = Widths::new(&COLUMNS);
            r.for_each_row(|row| {
                widths.measure(&row);
                Ok::<_, CliError>(())
            })?;
            RowWriter::table(&mut out, &COLUMNS, widths)?
        }
        layout => {
            r.check()?;
            RowWriter::new(&mut out, layout, &COLUMNS)?
        }
    };
    r.for_each_row(|row| w.row(&row).map_err(CliError::from))?;
    w.finish()?;
    out.flush()?;
    Ok(())
}
