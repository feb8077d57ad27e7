//! `init`: create an empty ledger (does nothing to an existing one).

use crate::cli::ledger::Ledger;
use crate::cli::CliError;
use gasledger::store::Access;
use std::io::Write;

pub fn run(ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let existed = ledger.db.join("db").is_file();
    let store = ledger.open(Access::Create)?;
    if existed {
        writeln!(
            out,
            "ledger exists already at {}; nothing changed",
            store.path().display()
        )?;
    } else {
        writeln!(out, "created an empty ledger at {}", store.path().display())?;
    }
    Ok(())
}
