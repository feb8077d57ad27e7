//! `report`: balances, register, debts, settlements, swap, html.

pub mod balances;
pub mod debts;
pub mod html;
pub mod register;
pub mod settlements;
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
    /// The mutual reconciliation statement of two parties A and B (the akt sverki).
    ///
    /// A movement is one transaction's postings, in one commodity, on A's accounts toward B
    /// (A:receivable:B, A:payable:B, A:due-from:B, A:due-to:B and accounts under them) or on
    /// B's toward A. The A side sums A's postings, the B side B's; the difference is their sum,
    /// zero when both books hold the movement (mirrored: A side = -B side). A movement booked
    /// on one side only, or with other amounts, has a non-zero difference and the status
    /// `discrepancy`.
    ///
    /// Per commodity: the opening balance (everything before --from), the movements in date
    /// order, the period's total (table only) and the closing balance at --to (else at the
    /// last movement, or --from if later). A positive A side balance means B owes A. The
    /// table ends with one
    /// sentence: "At D, B owes A X C." (or "A owes B", or "nothing is owed between A and B"),
    /// followed, when the two books disagree, by "The books of A and B differ by X C".
    /// CSV and JSON carry the rows without the total and the sentence.
    ///
    /// With --fiscal, the same for each fiscal year with a movement, in turn: its opening
    /// balance (brought forward), its movements, its total and its closing balance, each
    /// description followed by the year's label ("closing balance 1401").
    Settlements(settlements::SettlementsArgs),
    /// A swap per settlement period: entry, fee, exit, imbalance (entry - fee - exit), the
    /// cumulative imbalance, and `ok` or `outside-tolerance` (|imbalance| > tolerance x entry).
    ///
    /// With --fiscal, per fiscal year instead (the same columns, the year's label as the
    /// period).
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
        ReportCmd::Settlements(args) => settlements::run(args, ledger, out),
        ReportCmd::Swap(args) => swap::run(args, ledger, out),
        ReportCmd::Html(args) => html::run(args, ledger, out),
        ReportCmd::Register(args) => register::run(args, ledger, out),
    }
}
