//! `debt add`: an obligation recorded on both sides.

use crate::cli::ledger::Ledger;
use crate::cli::settled::{grouped, outcome, owes};
use crate::cli::{error, parse, CliError};
use clap::{Args, Subcommand};
use gasledger::model::amount::Amount;
use gasledger::model::date::Date;
use gasledger::ops::settle as ops;
use gasledger::settle::Entry;
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum DebtCmd {
    /// gasledger debt add --debtor IR --creditor TM --amount "1800000000 USD" --date 2017-01-01
    ///
    /// One transaction, on each party's books: the creditor's CREDITOR:receivable:DEBTOR +AMOUNT
    /// against its revenue CREDITOR:revenue:gas -AMOUNT, the debtor's expense
    /// DEBTOR:expense:gas +AMOUNT against DEBTOR:payable:CREDITOR -AMOUNT. Accounts are opened
    /// when missing.
    Add(DebtAddArgs),
}

#[derive(Debug, Args)]
pub struct DebtAddArgs {
    /// The party that owes.
    #[arg(long)]
    debtor: String,
    /// The party that is owed.
    #[arg(long)]
    creditor: String,
    /// "NUMBER CODE", positive, e.g. "1800000000 USD".
    #[arg(long, value_parser = parse::amount, allow_hyphen_values = true)]
    amount: Amount,
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// The transaction's description (default: "Debt: DEBTOR owes CREDITOR").
    #[arg(long)]
    memo: Option<String>,
    /// Idempotency key.
    #[arg(long)]
    id: Option<String>,
}

pub fn run(cmd: DebtCmd, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let mut store = ledger.open(Access::Write)?;
    let DebtCmd::Add(a) = cmd;
    let e = Entry {
        date: a.date,
        id: a.id.clone(),
        memo: a.memo,
    };
    let added =
        ops::add_debt(&mut store, &a.debtor, &a.creditor, &a.amount, &e).map_err(error::settle)?;
    let (verb, detail) = outcome(added, &a.id);
    writeln!(
        out,
        "{verb} {} debt: {} owes {} {} {} ({}); in all, {}",
        a.date,
        a.debtor,
        a.creditor,
        grouped(store.chart(), a.amount.value, &a.amount.commodity),
        a.amount.commodity,
        detail,
        owes(&store, &a.debtor, &a.creditor, &a.amount.commodity)?
    )?;
    Ok(())
}
