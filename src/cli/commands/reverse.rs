//! `reverse`: the exact opposite of a recorded transaction, linked to it.

use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Args;
use gasledger::model::date::Date;
use gasledger::store::{Access, Added, StoreError};
use std::io::Write;

#[derive(Debug, Args)]
pub struct ReverseArgs {
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

pub fn run(args: ReverseArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let mut store = ledger.open(Access::Write)?;
    let (_, original) = store.find(&args.id)?.ok_or_else(|| StoreError::NotFound {
        id: args.id.clone(),
    })?;
    let new_id = args
        .new_id
        .unwrap_or_else(|| format!("{}-reversal", args.id));
    let t = original.reversal(args.date, Some(new_id.clone()), args.reason.as_deref());
    // The writer refuses a second reversal of the same transaction, or one dated before it
    // (the rules of every entry path); the same reversal again is a no-op (its id).
    let mut w = store.writer()?;
    match w.append(t)? {
        Added::New { seq } => {
            w.commit()?;
            writeln!(
                out,
                "reversed {} with transaction {seq} (id {new_id})",
                args.id
            )?;
        }
        Added::Duplicate { .. } => {
            writeln!(
                out,
                "already reversed: {new_id} is recorded with the same content; nothing changed"
            )?;
        }
    }
    Ok(())
}
