//! The command line: the commands (each in its file under `commands/`), their dispatch, one
//! error type and one table of exit statuses.

mod commands;
mod error;
mod format;
mod ledger;
mod output;
mod parse;
mod settled;

use clap::{Parser, Subcommand};
use commands::*;
use gasledger::model::error::LedgerError;
use gasledger::store::StoreError;
use ledger::Ledger;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use thiserror::Error;

/// A double-entry ledger for cross-border natural-gas swaps and sovereign gas-debt settlement.
///
/// Every command works on one ledger store (an embedded sled database): --db PATH, else the
/// environment variable GASLEDGER_DB, else ./gasledger.db. Only init, import and the declaring
/// commands (commodity add, party add, account add, agreement add) create the store when it is
/// missing; every other command refuses a path that holds no ledger. A store that cannot be
/// written (a read-only mount, an archive folder) can still be read.
///
/// Exit status: 0 success, 1 a check found a discrepancy (verify, reconcile), 2 an error.
#[derive(Debug, Parser)]
#[command(name = "gasledger", version, max_term_width = 100)]
pub struct Cli {
    /// The ledger store (a folder).
    #[arg(
        long,
        global = true,
        env = "GASLEDGER_DB",
        default_value = "gasledger.db"
    )]
    db: PathBuf,

    /// Seconds to wait for another gasledger process that holds the store.
    #[arg(long, global = true, default_value_t = 10.0, value_name = "SECONDS")]
    lock_timeout: f64,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an empty ledger (does nothing to an existing one).
    Init,
    /// Declare a commodity: a unit with a kind and a scale.
    #[command(subcommand)]
    Commodity(commodity::CommodityCmd),
    /// Declare a party: a country or company, the top-level account of its own chart.
    #[command(subcommand)]
    Party(party::PartyCmd),
    /// Declare an account under a declared party.
    #[command(subcommand)]
    Account(account::AccountCmd),
    /// Load journal files into the store: all files or nothing. Ids make a re-import a no-op,
    /// and a file whose exact bytes were imported before is skipped.
    Import(import::ImportArgs),
    /// Write the whole ledger out, or one party's own books with --party (to standard output,
    /// or to a file with -o).
    Export(export::ExportArgs),
    /// Record one transaction given as arguments (all accounts must be declared).
    Record(record::RecordArgs),
    /// Post the exact opposite of a recorded transaction, linked to it.
    Reverse(reverse::ReverseArgs),
    /// Reports: balances, register, swap, debts, settlements, html.
    #[command(subcommand)]
    Report(report::ReportCmd),
    /// Record a party's claimed balances at a date (a letter, a monthly statement). A
    /// statement never changes balances; `reconcile` compares it with the books.
    #[command(subcommand)]
    Statement(statement::StatementCmd),
    /// Run every reconciliation check: transactions balance on replay, stored balances and
    /// hash links, balance assertions, mirrored obligations, swaps against tolerance, offsets
    /// within limits, statements against the books and against each other. Or, with
    /// --against FILE --party P, P's books here against P's books in FILE (and no other check).
    /// Exit status 0 when all hold, 1 when any does not, 2 on an error.
    Reconcile(reconcile::ReconcileArgs),
    /// Replay the stored journal: re-check every transaction's balance, every hash link,
    /// the running balances, the date and id indexes.
    Verify,
    /// Record an obligation on both sides (CREDITOR:receivable:DEBTOR against its revenue,
    /// DEBTOR:payable:CREDITOR against its expense).
    #[command(subcommand)]
    Debt(debt::DebtCmd),
    /// Record a payment that settles (part of) an obligation; each side's cash account moves.
    /// Paying more than is owed is refused. --settles pays in another currency, at the fixing
    /// of the payment's date.
    Pay(pay::PayArgs),
    /// Record fixings: the rate of one commodity in another on a day, which a payment in
    /// another currency settles at.
    #[command(subcommand)]
    Price(price::PriceCmd),
    /// Record a triangular set-off under an offset agreement: the debtor now owes the creditor
    /// directly, and both old debts shrink by the amount. Refused beyond the agreement's limit,
    /// beyond what the debtor owes the intermediary, or beyond what the intermediary owes the
    /// creditor.
    Offset(offset::OffsetArgs),
    /// Multilateral netting of every obligation in a commodity: cycles cancel, then a plan of
    /// at most n-1 payments settles the n non-zero net positions (greedy: the party that owes
    /// most pays the party owed most). --record --date D records it, leaving no debt.
    Net(net::NetArgs),
    /// Declare an agreement: a swap, an offset or a sale.
    #[command(subcommand)]
    Agreement(agreement::AgreementCmd),
    /// Record a delivery under a sale agreement: the gas and its invoice, on each party's books.
    ///
    /// The invoice is quantity × price, rounded half-even once to the money's scale, and is
    /// due the agreement's days after the delivery.
    Deliver(deliver::DeliverArgs),
    /// Interest on arrears to a date, per unpaid invoice under a sale with interest.
    ///
    /// From each invoice's due date, at its agreement's rate and day count, on what is unpaid
    /// of it: one row per period between payments (payments go to the oldest due first), each
    /// rounded half-even once. --record charges it on each party's books.
    Interest(interest::InterestArgs),
    /// Record a leg of a swap: a delivery into the hub (entry) or out of it (exit).
    #[command(subcommand)]
    Swap(swap::SwapCmd),
}

/// Everything that can go wrong in a command, turned into one message and an exit status.
#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Import(#[from] gasledger::ops::import::ImportError),
    #[error(transparent)]
    Export(#[from] gasledger::export::ExportError),
    #[error(transparent)]
    Swap(#[from] gasledger::swap::SwapError),
    #[error(transparent)]
    SwapStore(#[from] gasledger::reports::swap::SwapStoreError),
    #[error(transparent)]
    Check(#[from] gasledger::checks::CheckError),
    #[error(transparent)]
    Against(#[from] gasledger::checks::against::AgainstError),
    #[error(transparent)]
    Chart(#[from] gasledger::render::svg::ChartError),
    #[error(transparent)]
    Page(#[from] gasledger::reports::page::PageError),
    #[error(transparent)]
    Settlements(#[from] gasledger::reports::settlements::SettlementsError),
    #[error("{0}")]
    Usage(String),
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
    /// A check found a discrepancy; the report has been printed already.
    #[error("{0}")]
    Discrepancy(String),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Discrepancy(_) => 1,
            _ => 2,
        }
    }
}

/// The command, on the store that `--db` names.
fn run(cli: Cli, out: &mut impl Write) -> Result<(), CliError> {
    let ledger = Ledger::new(cli.db, cli.lock_timeout)?;
    let ledger = &ledger;
    match cli.command {
        Command::Init => init::run(ledger, out),
        Command::Commodity(cmd) => commodity::run(cmd, ledger, out),
        Command::Party(cmd) => party::run(cmd, ledger, out),
        Command::Account(cmd) => account::run(cmd, ledger, out),
        Command::Import(args) => import::run(args, ledger, out),
        Command::Export(args) => export::run(args, ledger, out),
        Command::Record(args) => record::run(args, ledger, out),
        Command::Reverse(args) => reverse::run(args, ledger, out),
        Command::Report(cmd) => report::run(cmd, ledger, out),
        Command::Statement(cmd) => statement::run(cmd, ledger, out),
        Command::Reconcile(args) => reconcile::run(args, ledger, out),
        Command::Verify => verify::run(ledger, out),
        Command::Debt(cmd) => debt::run(cmd, ledger, out),
        Command::Pay(args) => pay::run(args, ledger, out),
        Command::Price(cmd) => price::run(cmd, ledger, out),
        Command::Offset(args) => offset::run(args, ledger, out),
        Command::Net(args) => net::run(args, ledger, out),
        Command::Agreement(cmd) => agreement::run(cmd, ledger, out),
        Command::Deliver(args) => deliver::run(args, ledger, out),
        Command::Interest(args) => interest::run(args, ledger, out),
        Command::Swap(cmd) => swap::run(cmd, ledger, out),
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Buffered: a report of a hundred accounts is one write, not a hundred (stdout is only
    // line-buffered); flushed before any error is printed, so the order on a terminal holds.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match run(cli, &mut out).and_then(|()| out.flush().map_err(CliError::Output)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("gasledger: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
