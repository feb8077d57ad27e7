//! `report html`: the settlement report as one self-contained HTML page.

use crate::cli::ledger::Ledger;
use crate::cli::{output, parse, CliError};
use clap::Args;
use gasledger::model::date::Date;
use gasledger::render::html::{self, Page};
use gasledger::reports::page;
use gasledger::store::Access;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct HtmlArgs {
    /// Write to this file instead of standard output: a new file, or a regular file replaced
    /// atomically (a link, a FIFO, a device or a folder is refused); `-` is standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The books as they stood at the end of this date.
    #[arg(long, value_parser = parse::date)]
    as_of: Option<Date>,
}

/// The reconciliation and what the reports compute (at `--as-of` when given), rendered.
pub fn run(args: HtmlArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    let as_of = args.as_of;
    let reconciliation = gasledger::checks::reconcile(&store, as_of)?;
    let parts = page::parts(&store, as_of)?;
    let page = html::render(&Page {
        chart: store.chart(),
        as_of,
        reconciliation: &reconciliation,
        swaps: &parts.swaps,
        swap_errors: &parts.swap_errors,
        debts: &parts.debts,
        settlements: &parts.settlements,
        balances: &parts.balances,
    })?;
    output::write(args.output.as_deref(), out, |w| {
        w.write_all(page.as_bytes()).map_err(CliError::from)
    })
}
