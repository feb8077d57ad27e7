//! `report`: balances, register, debts, swap, html.

pub mod balances;
pub mod debts;
pub mod html;
pub mod register;
pub mod swap;

use crate::cli::ledger::Ledger;
use crate::cli::CliError;
use clap::Subcommand;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Balances by account and commodity (non-zero only).
    Balances(balances::BalancesArgs),
    /// Who owes whom, before and after netting, and each party's net position.
    Debts(debts::DebtsArgs),
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
    Register(register::RegisterArgs),
}

pub fn run(cmd: ReportCmd, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    match cmd {
        ReportCmd::Balances(args) => balances::run(args, ledger, out),
        ReportCmd::Debts(args) => debts::run(args, ledger, out),
        ReportCmd::Swap(args) => swap::run(args, ledger, out),
        ReportCmd::Html(args) => html::run(args, ledger, out),
        ReportCmd::Register(args) => register::run(args, ledger, out),
    }
}
