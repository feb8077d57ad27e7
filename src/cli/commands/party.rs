//! `party add`.

use crate::cli::ledger::Ledger;
use crate::cli::CliError;
use clap::Subcommand;
use gasledger::model::account::Party;
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum PartyCmd {
    /// gasledger party add TM --name Turkmenistan
    Add {
        /// Short code, used as the first segment of the party's accounts.
        code: String,
        /// Full name.
        #[arg(long)]
        name: Option<String>,
    },
}

pub fn run(cmd: PartyCmd, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let PartyCmd::Add { code, name } = cmd;
    let mut store = ledger.open(Access::Create)?;
    let mut w = store.writer()?;
    w.add_party(Party {
        code: code.clone(),
        name: name.clone(),
    })?;
    w.commit()?;
    match name {
        Some(n) => writeln!(out, "declared party {code} ({n})")?,
        None => writeln!(out, "declared party {code}")?,
    }
    Ok(())
}
