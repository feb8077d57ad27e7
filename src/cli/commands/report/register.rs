//! `report register`.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Args;
use gasledger::model::date::Date;
use gasledger::reports::register;
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

pub fn run(args: RegisterArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    let t = register::register(&store, &args.account, args.from, args.to)?;
    t.write(out, format::table_of(args.format))?;
    Ok(())
}
