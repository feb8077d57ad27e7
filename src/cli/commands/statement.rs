//! `statement add`: a party's claimed balances at a date.

use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Subcommand;
use gasledger::model::date::Date;
use gasledger::model::statement::{Claim, Statement};
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum StatementCmd {
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

pub fn run(cmd: StatementCmd, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let mut store = ledger.open(Access::Write)?;
    let StatementCmd::Add {
        party,
        date,
        claims,
        source,
        id,
    } = cmd;
    let mut parsed = Vec::with_capacity(claims.len());
    for c in &claims {
        let p = parse::posting(c).map_err(CliError::Usage)?;
        let amount = p
            .amount
            .ok_or_else(|| CliError::Usage(format!("claim {c:?}: expected \"ACCOUNT AMOUNT\"")))?;
        parsed.push(Claim {
            account: p.account,
            amount,
        });
    }
    let n = parsed.len();
    let mut w = store.writer()?;
    let added = w.add_statement(Statement {
        date,
        party: party.clone(),
        id: id.clone(),
        source,
        claims: parsed,
    })?;
    w.commit()?;
    let claims = format!("{n} claim{}", if n == 1 { "" } else { "s" });
    match (added, id) {
        (true, None) => writeln!(out, "recorded {party}'s statement at {date} ({claims})")?,
        (true, Some(id)) => writeln!(
            out,
            "recorded {party}'s statement at {date} ({claims}, id {id})"
        )?,
        (false, id) => writeln!(
            out,
            "{party}'s statement at {date} (id {}) is already recorded: nothing changed",
            id.unwrap_or_default()
        )?,
    }
    Ok(())
}
