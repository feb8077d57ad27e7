//! `account add`.

use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Subcommand;
use gasledger::model::account::{Account, AccountType};
use gasledger::model::amount::Amount;
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// gasledger account add TM:gas:delivered [--type asset] [--floor "0 mcm"]
    Add {
        /// Colon-separated name whose first segment is a declared party.
        name: String,
        /// asset, liability, equity, revenue or expense.
        #[arg(long = "type", value_parser = parse::account_type)]
        kind: Option<AccountType>,
        /// The balance this account may not go below, e.g. "0 USD".
        #[arg(long, value_parser = parse::amount, allow_hyphen_values = true)]
        floor: Option<Amount>,
    },
}

pub fn run(cmd: AccountCmd, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let AccountCmd::Add { name, kind, floor } = cmd;
    let mut store = ledger.open(Access::Create)?;
    let mut w = store.writer()?;
    w.add_account(Account {
        name: name.clone(),
        kind,
        floor,
    })?;
    w.commit()?;
    writeln!(out, "declared account {name}")?;
    Ok(())
}
