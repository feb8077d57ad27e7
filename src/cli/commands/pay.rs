//! `pay`: a payment that settles (part of) an obligation, in its own commodity or, with
//! `--settles`, in another at the fixing of the payment's date.

use crate::cli::ledger::Ledger;
use crate::cli::settled::{grouped, outcome, owes};
use crate::cli::{error, parse, CliError};
use clap::Args;
use gasledger::model::amount::Amount;
use gasledger::model::date::Date;
use gasledger::ops::settle as ops;
use gasledger::settle::{fx, Entry};
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Args)]
pub struct PayArgs {
    /// The debtor, who pays.
    #[arg(long)]
    from: String,
    /// The creditor, who is paid.
    #[arg(long)]
    to: String,
    /// "NUMBER CODE"; at most what FROM owes TO (with --settles, once converted).
    #[arg(long, value_parser = parse::amount, allow_hyphen_values = true)]
    amount: Amount,
    /// The commodity of the obligation the payment settles, when it is paid in another: the
    /// amount is converted at the fixing of --date (`price add`), rounded once to the
    /// obligation's scale, and each side's exchange account (PARTY:fx:exchange) holds the
    /// exchange.
    #[arg(long, value_name = "CODE")]
    settles: Option<String>,
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// The transaction's description (default: "Payment: FROM pays TO").
    #[arg(long)]
    memo: Option<String>,
    /// Idempotency key.
    #[arg(long)]
    id: Option<String>,
}

pub fn run(a: PayArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let mut store = ledger.open(Access::Write)?;
    let e = Entry {
        date: a.date,
        id: a.id.clone(),
        memo: a.memo.clone(),
    };
    let settles = a.settles.clone().unwrap_or(a.amount.commodity.clone());
    if settles != a.amount.commodity {
        let (x, added) = ops::pay_in(&mut store, &a.from, &a.to, &a.amount, &settles, &e)
            .map_err(error::settle)?;
        let (verb, detail) = outcome(added, &a.id);
        writeln!(
            out,
            "{verb} {} payment: {} pays {} {} ({}); {} now",
            a.date,
            a.from,
            a.to,
            fx::describe(store.chart(), &x),
            detail,
            owes(&store, &a.from, &a.to, &settles)?
        )?;
        return Ok(());
    }
    let added = ops::pay(&mut store, &a.from, &a.to, &a.amount, &e).map_err(error::settle)?;
    let (verb, detail) = outcome(added, &a.id);
    writeln!(
        out,
        "{verb} {} payment: {} pays {} {} {} ({}); {} now",
        a.date,
        a.from,
        a.to,
        grouped(store.chart(), a.amount.value, &a.amount.commodity),
        a.amount.commodity,
        detail,
        owes(&store, &a.from, &a.to, &a.amount.commodity)?
    )?;
    Ok(())
}
