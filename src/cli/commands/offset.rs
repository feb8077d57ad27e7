//! `offset`: a triangular set-off under an offset agreement.

use crate::cli::ledger::Ledger;
use crate::cli::settled::{grouped, outcome, owes};
use crate::cli::{error, parse, CliError};
use clap::Args;
use gasledger::model::amount::Amount;
use gasledger::model::date::Date;
use gasledger::ops::settle as ops;
use gasledger::reports::debts;
use gasledger::settle::Entry;
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Args)]
pub struct OffsetArgs {
    /// The offset agreement (kind offset: debtor, via, creditor, commodity, limit).
    agreement: String,
    /// "NUMBER CODE" in the agreement's commodity.
    #[arg(long, value_parser = parse::amount, allow_hyphen_values = true)]
    amount: Amount,
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// Idempotency key.
    #[arg(long)]
    id: Option<String>,
}

pub fn run(a: OffsetArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let mut store = ledger.open(Access::Write)?;
    let e = Entry {
        date: a.date,
        id: a.id.clone(),
        memo: None,
    };
    let (t, added) = ops::offset(&mut store, &a.agreement, &a.amount, &e).map_err(error::settle)?;
    let (verb, detail) = outcome(added, &a.id);
    let x = &t.commodity;
    let used = debts::assigned(&store, &t).map_err(error::settle)?;
    writeln!(
        out,
        "{verb} {} offset {}: {} {x} of {}'s claim on {} assigned to {} ({})",
        a.date,
        t.name,
        grouped(store.chart(), a.amount.value, x),
        t.via,
        t.debtor,
        t.creditor,
        detail,
    )?;
    for (d, c) in [
        (&t.debtor, &t.creditor),
        (&t.debtor, &t.via),
        (&t.via, &t.creditor),
    ] {
        writeln!(out, "  {}", owes(&store, d, c, x)?)?;
    }
    writeln!(
        out,
        "  assigned under {}: {} of its limit {} {x}",
        t.name,
        grouped(store.chart(), used, x),
        grouped(store.chart(), t.limit, x)
    )?;
    Ok(())
}
