//! The command line: clap definitions, one error type, one table of exit statuses.

mod core;
mod files;
mod html;
mod parse;
mod reconcile;
mod settle;
mod swap;

use clap::{Args, Parser, Subcommand, ValueEnum};
use gasledger::model::date::Date;
use gasledger::model::ledger::LedgerError;
use gasledger::store::StoreError;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use thiserror::Error;

/// A double-entry ledger for cross-border natural-gas swaps and sovereign gas-debt settlement.
///
/// Every command works on one ledger store (an embedded sled database): --db PATH, else the
/// environment variable GASLEDGER_DB, else ./gasledger.db. Commands that write create the store
/// when it is missing; commands that only read refuse a path that holds no ledger.
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
    Commodity(CommodityCmd),
    /// Declare a party: a country or company, the top-level account of its own chart.
    #[command(subcommand)]
    Party(PartyCmd),
    /// Declare an account under a declared party.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Load journal files into the store: all files or nothing. Ids make a re-import a no-op,
    /// and a file whose exact bytes were imported before is skipped.
    Import {
        /// Journal files (hledger syntax plus the agreement and statement directives).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write the whole ledger out (to standard output, or to a file with -o).
    Export {
        /// journal: gasledger's own syntax, which round-trips; json: one document;
        /// hledger, ledger (ledger-cli), beancount: for those tools, with the same balances.
        #[arg(long, value_enum, default_value_t = ExportFormat::Journal)]
        format: ExportFormat,
        /// Write to this file instead of standard output (replaced atomically).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Record one transaction given as arguments (all accounts must be declared).
    Record(RecordArgs),
    /// Post the exact opposite of a recorded transaction, linked to it.
    Reverse(ReverseArgs),
    /// Reports: balances, register, swap, debts, html.
    #[command(subcommand)]
    Report(ReportCmd),
    /// Record a party's claimed balances at a date (a letter, a monthly statement). A
    /// statement never changes balances; `reconcile` compares it with the books.
    #[command(subcommand)]
    Statement(StatementCmd),
    /// Run every reconciliation check: transactions balance on replay, stored balances and
    /// hash links, balance assertions, mirrored obligations, swaps against tolerance, offsets
    /// within limits, statements against the books and against each other.
    /// Exit status 0 when all hold, 1 when any does not, 2 on an error.
    Reconcile {
        /// Reconcile the books as they stood at the end of this date.
        #[arg(long, value_parser = parse::date)]
        as_of: Option<Date>,
        /// table: what does not agree first, then a line per check; json:
        /// `{"ok", "checks": [{"check", "subject", "expected", "actual", "difference", "status"}]}`.
        #[arg(long, value_enum, default_value_t = ReconcileFormat::Table)]
        format: ReconcileFormat,
        /// List every row that holds too, not one line per check (JSON always has every row).
        #[arg(long)]
        all: bool,
    },
    /// Replay the stored journal: re-check every transaction's balance, every hash link,
    /// the running balances, the date and id indexes.
    Verify,
    /// Record an obligation on both sides (CREDITOR:receivable:DEBTOR, DEBTOR:payable:CREDITOR).
    #[command(subcommand)]
    Debt(settle::DebtCmd),
    /// Record a payment that settles (part of) an obligation; each side's cash account moves.
    /// Paying more than is owed is refused.
    Pay(settle::PayArgs),
    /// Record a triangular set-off under an offset agreement: the debtor now owes the creditor
    /// directly, and both old debts shrink by the amount. Refused beyond the agreement's limit,
    /// beyond what the debtor owes the intermediary, or beyond what the intermediary owes the
    /// creditor.
    Offset(settle::OffsetArgs),
    /// Multilateral netting of every obligation in a commodity: cycles cancel, then a plan of
    /// at most n-1 payments settles the n non-zero net positions (greedy: the party that owes
    /// most pays the party owed most). --record --date D records it, leaving no debt.
    Net(settle::NetArgs),
    /// Declare an agreement: a swap or an offset.
    #[command(subcommand)]
    Agreement(swap::AgreementCmd),
    /// Record a leg of a swap: a delivery into the hub (entry) or out of it (exit).
    #[command(subcommand)]
    Swap(swap::SwapCmd),
}

#[derive(Debug, Subcommand)]
enum CommodityCmd {
    /// gasledger commodity add mcm --kind volume --scale 3
    Add {
        /// The code: letters and digits, e.g. mcm, USD, MMBtu.
        code: String,
        /// What it measures.
        #[arg(long, value_parser = parse::kind)]
        kind: gasledger::model::amount::Kind,
        /// Decimal places allowed (amounts with more are refused, never rounded).
        #[arg(long)]
        scale: u32,
    },
}

#[derive(Debug, Subcommand)]
enum PartyCmd {
    /// gasledger party add TM --name Turkmenistan
    Add {
        /// Short code, used as the first segment of the party's accounts.
        code: String,
        /// Full name.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AccountCmd {
    /// gasledger account add TM:gas:delivered [--type asset] [--floor "0 mcm"]
    Add {
        /// Colon-separated name whose first segment is a declared party.
        name: String,
        /// asset, liability, equity, revenue or expense.
        #[arg(long = "type", value_parser = parse::account_type)]
        kind: Option<gasledger::model::ledger::AccountType>,
        /// The balance this account may not go below, e.g. "0 USD".
        #[arg(long, value_parser = parse::amount, allow_hyphen_values = true)]
        floor: Option<gasledger::model::amount::Amount>,
    },
}

#[derive(Debug, Args)]
struct RecordArgs {
    /// The transaction's date, YYYY-MM-DD.
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// What happened.
    #[arg(long)]
    desc: String,
    /// A posting, "ACCOUNT AMOUNT" (e.g. "IR:swap:tm-ir-az 160 mcm"); repeat for each. One
    /// posting may give the account alone: its amount is inferred. Optional "@ PRICE",
    /// "@@ TOTAL" and "= ASSERTED BALANCE" after the amount.
    #[arg(long = "post", required = true, value_name = "ACCOUNT AMOUNT")]
    posts: Vec<String>,
    /// Idempotency key: the same id with the same content again changes nothing; with other
    /// content it is an error.
    #[arg(long)]
    id: Option<String>,
    /// A tag, KEY=VALUE; repeat for each.
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse::tag)]
    tags: Vec<(String, String)>,
    /// cleared (*), pending (!) or none.
    #[arg(long, value_enum, default_value_t = StatusArg::None)]
    status: StatusArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatusArg {
    None,
    Pending,
    Cleared,
}

#[derive(Debug, Args)]
struct ReverseArgs {
    /// The id of the transaction to reverse.
    id: String,
    /// The date of the reversal.
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// Why (kept as the tag `reason`).
    #[arg(long)]
    reason: Option<String>,
    /// Id of the reversal itself (default: ID-reversal).
    #[arg(long = "new-id")]
    new_id: Option<String>,
}

#[derive(Debug, Subcommand)]
enum StatementCmd {
    /// gasledger statement add TM --date 2022-06-30 --claim "TM:receivable:IR 1800000000 USD"
    Add {
        /// The party whose statement this is.
        party: String,
        /// The date at which the balances are claimed.
        #[arg(long, value_parser = parse::date)]
        date: Date,
        /// A claimed balance, "ACCOUNT AMOUNT", in the ledger's signs (a debt the party owes
        /// is negative on its payable account); repeat for each.
        #[arg(long = "claim", required = true, value_name = "ACCOUNT AMOUNT")]
        claims: Vec<String>,
        /// Where the statement comes from (a letter, a reference).
        #[arg(long)]
        source: Option<String>,
        /// Id of the statement: recording the same id with the same content again changes
        /// nothing; with other content it is an error.
        #[arg(long)]
        id: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReconcileFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    Journal,
    Json,
    Hledger,
    Ledger,
    Beancount,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
enum FormatArg {
    #[default]
    Table,
    Csv,
    Json,
}

impl From<FormatArg> for gasledger::render::table::Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => Self::Table,
            FormatArg::Csv => Self::Csv,
            FormatArg::Json => Self::Json,
        }
    }
}

#[derive(Debug, Subcommand)]
enum ReportCmd {
    /// Balances by account and commodity (non-zero only).
    Balances {
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
        #[arg(long, value_enum, default_value_t)]
        format: FormatArg,
    },
    /// Who owes whom, before and after netting, and each party's net position.
    Debts(settle::DebtsArgs),
    /// A swap per settlement period: entry, fee, exit, imbalance (entry - fee - exit), the
    /// cumulative imbalance, and `ok` or `outside-tolerance` (|imbalance| > tolerance x entry).
    Swap(swap::SwapReportArgs),
    /// The settlement report as one self-contained HTML page.
    ///
    /// Inline CSS and SVG, no script, font or URL: the reconciliation (what does not agree
    /// first), each swap's chart and table, the debt graph before and after netting, and each
    /// party's balances. To standard output, or -o FILE.
    Html(html::HtmlArgs),
    /// The postings of an account and its sub-accounts, with a running balance.
    Register {
        account: String,
        /// First date shown (earlier postings still count in the running balance).
        #[arg(long, value_parser = parse::date)]
        from: Option<Date>,
        /// Last date shown.
        #[arg(long, value_parser = parse::date)]
        to: Option<Date>,
        /// An aligned table for people; CSV or JSON (plain decimals, no digit groups) for programs.
        #[arg(long, value_enum, default_value_t)]
        format: FormatArg,
    },
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
    Chart(#[from] gasledger::render::svg::ChartError),
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

/// Said on stderr when opening the store rolled back a commit that a power cut interrupted
/// before it was durable: the user may have been told it succeeded (by an older gasledger).
fn notice_recovered(r: &gasledger::store::Recovered) {
    eprintln!(
        "gasledger: recovered: the last write (commit {}, {} transactions in all) was interrupted before it was durable; the store is at commit {} with {} transactions",
        r.lost.commits, r.lost.txn_count, r.now.commits, r.now.txn_count
    );
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Buffered: a report of a hundred accounts is one write, not a hundred (stdout is only
    // line-buffered); flushed before any error is printed, so the order on a terminal holds.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match core::run(cli, &mut out).and_then(|()| out.flush().map_err(CliError::Output)) {
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
