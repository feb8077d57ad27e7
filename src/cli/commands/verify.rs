//! `verify`: replay the stored journal; exit status 1 when a problem is found.

use crate::cli::ledger::Ledger;
use crate::cli::{output, CliError};
use gasledger::store::Access;
use std::io::Write;

pub fn run(ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    let v = store.verify()?;
    for p in &v.problems {
        writeln!(out, "problem: {p}")?;
    }
    if !v.problems.is_empty() {
        return Err(CliError::Discrepancy(format!(
            "verify found {} problem(s) in {}",
            v.problems.len(),
            store.path().display()
        )));
    }
    writeln!(
        out,
        "ok: {} in {} replayed; every balance, hash link and index agrees",
        output::count(v.transactions, "transaction"),
        output::count(v.blocks, "block"),
    )?;
    Ok(())
}
